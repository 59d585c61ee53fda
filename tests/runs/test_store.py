import sqlite3

import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.record import Run
from bayeslaw.runs.store import SCHEMA_VERSION, Checkpoint, RunStore


def _runs(n, domain="d"):
    return [Run(10**6 + i, 1000 * i, 10 * i, domain, 2.0 + i / n, seed=i, config={"i": i})
            for i in range(n)]


def test_add_and_read_back(store_path):
    runs = _runs(5) + _runs(3, "law")
    with RunStore(store_path) as store:
        assert store.add(runs) == 8
        assert store.runs() == runs
        assert store.runs(domains=["law"]) == runs[5:]
        assert store.domains() == ["d", "law"]
        assert store.get(runs[0].run_id) == runs[0]


def test_wal_mode_and_schema_version(store_path):
    with RunStore(store_path) as store:
        assert store.schema_version == SCHEMA_VERSION
    conn = sqlite3.connect(store_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrates_an_old_store(store_path):
    from bayeslaw.runs.store import MIGRATIONS

    conn = sqlite3.connect(store_path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with RunStore(store_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.add_checkpoint(Checkpoint("ck_1", 100, 2000, "/tmp/x.pt", created_at="now"))
        assert store.checkpoints()[0].pretrain_tokens == 2000


def test_refuses_a_newer_store(store_path):
    conn = sqlite3.connect(store_path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(BayeslawError, match="upgrade bayeslaw"):
        RunStore(store_path)


def test_duplicate_ids_write_nothing(store_path):
    runs = _runs(3)
    with RunStore(store_path) as store:
        store.add(runs[:1])
        with pytest.raises(BayeslawError, match="already in the store"):
            store.add(runs)
        assert store.count() == 1


def test_status_filter(store_path):
    failed = Run(10, 0, 0, "d", None, status="failed", metrics={"reason": "nan loss"})
    with RunStore(store_path) as store:
        store.add([failed, *_runs(2)])
        assert len(store.runs()) == 2
        assert len(store.runs(status=None)) == 3


def test_delete_is_all_or_nothing(store_path):
    runs = _runs(4)
    with RunStore(store_path) as store:
        store.add(runs)
        assert store.delete([runs[0].run_id, "run_missing"]) == ["run_missing"]
        assert store.count() == 4
        assert store.delete([runs[0].run_id, runs[2].run_id]) == []
        assert store.runs() == [runs[1], runs[3]]


def test_read_only_opening_creates_nothing_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(BayeslawError, match="no run store at"):
        RunStore(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()
    (tmp_path / "notes.db").write_text("hello")
    with pytest.raises(BayeslawError, match="not a run store: it is a text file"):
        RunStore(tmp_path / "notes.db")
    (tmp_path / "broken.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(BayeslawError, match="not a usable SQLite database"):
        RunStore(tmp_path / "broken.db")


def test_checkpoint_size_and_hash_round_trip(store_path):
    ck = Checkpoint("ckpt_a", 100, 1000, "/x.pt", seed=1, config={"step": 2}, size=10,
                    sha256="ab" * 32)
    with RunStore(store_path) as store:
        store.add_checkpoint(ck)
        assert store.checkpoints() == [ck]
