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
