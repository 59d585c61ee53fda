import json

import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.io import DEFAULT_DOMAIN, import_file, read_runs, write_runs
from bayeslaw.runs.record import Run
from bayeslaw.runs.store import RunStore

HEADER = "N,D,D_prime,domain,loss\n"


def test_csv_line_numbers_and_reasons(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(HEADER + "100,10,0,a,2.0\n100,-1,0,a,2.0\n100,10,0,a,nan\n100,10,0,a,2.0,9\n")
    parsed = read_runs(f)
    assert len(parsed.runs) == 1 and parsed.lines == [2]
    assert [(r.line, r.reason.split(" ")[0]) for r in parsed.rejected] == [
        (3, "pretrain_tokens"), (4, "loss"), (5, "more")]


def test_jsonl_bad_json_and_duplicates(tmp_path):
    f = tmp_path / "r.jsonl"
    rec = {"run_id": "run_a", "params": 5, "pretrain_tokens": 1, "specialize_tokens": 0,
           "domain": "x", "loss": 1.5}
    f.write_text(json.dumps(rec) + "\n{oops\n\n" + json.dumps(rec) + "\n[1]\n")
    parsed = read_runs(f)
    assert len(parsed.runs) == 1
    assert [r.line for r in parsed.rejected] == [2, 4, 5]
    assert "duplicate run_id run_a (first on line 1)" in parsed.rejected[1].reason


def test_missing_column_is_one_clear_error(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("N,D,domain,loss\n1,2,a,3\n")
    with pytest.raises(BayeslawError, match="header lacks column.*specialize_tokens"):
        read_runs(f)


def test_unknown_extension(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("x")
    with pytest.raises(BayeslawError, match="use a .csv or .jsonl"):
        read_runs(f)


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_export_import_round_trip(tmp_path, ext):
    runs = [Run(10**6, 10**9, 10**7, "law", 2.125, seed=3, parent_id="run_p",
                config={"lr": 0.003, "nested": {"a": [1, 2]}}, metrics={"general_loss": 2.5},
                source="trainer"),
            Run(2 * 10**6, 0, 5, "code", 3.0),
            Run(7, 1, 0, "code", None, status="failed", metrics={"reason": "diverged"})]
    path = tmp_path / f"runs.{ext}"
    write_runs(path, runs)
    parsed = read_runs(path)
    assert parsed.rejected == [] and parsed.runs == runs


def test_strict_import_writes_nothing_then_skip_invalid(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(HEADER + "100,10,0,a,2.0\n0,10,0,a,2.0\n100,10,5,a,2.1\n")
    with RunStore(tmp_path / "s.db") as store:
        n, rejected = import_file(store, f)
        assert n == 0 and [r.line for r in rejected] == [3] and store.count() == 0
        n, rejected = import_file(store, f, skip_invalid=True)
        assert n == 2 and store.count() == 2


def test_ids_already_in_store_are_rejected_by_line(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("run_id," + HEADER + "run_x,100,10,0,a,2.0\nrun_y,100,10,0,a,2.0\n")
    with RunStore(tmp_path / "s.db") as store:
        store.add([Run(1, 1, 1, "a", 1.0, run_id="run_y")])
        n, rejected = import_file(store, f)
        assert n == 0 and rejected[0].line == 3 and "already in the store" in rejected[0].reason


def test_streamed_import_spans_batches_and_rolls_back_whole(tmp_path, monkeypatch):
    from bayeslaw.runs import io

    monkeypatch.setattr(io, "BATCH", 3)  # 10 rows: four batches, three written before
    rows = [f"{100 + i},{10 + i},0,a,2.{i}\n" for i in range(10)]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "".join(rows[:8]) + "100,10,0,a,-1\n" + "".join(rows[8:]))
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "".join(rows))
    with RunStore(tmp_path / "s.db") as store:
        out = io.import_runs(store, bad)
        assert (out.written, [r.line for r in out.rejected]) == (0, [10])
        assert store.count() == 0  # batches already written were rolled back
        out = io.import_runs(store, good)
        assert (out.written, out.skipped, store.count()) == (10, 0, 10)
        assert [r.params for r in store.runs()] == [100 + i for i in range(10)]
        again = io.import_runs(store, good)  # every row is a measurement the store holds
        assert (again.written, again.skipped, store.count()) == (0, 10, 10)
        dup = io.import_runs(store, good, allow_duplicates=True)
        assert (dup.written, store.count()) == (10, 20)


def test_identical_rows_within_one_file_are_all_kept(tmp_path):
    from bayeslaw.runs.io import import_runs

    f = tmp_path / "r.csv"
    f.write_text(HEADER + "100,10,0,a,2.0\n100,10,0,a,2.0\n")
    with RunStore(tmp_path / "s.db") as store:
        assert import_runs(store, f).written == 2  # only the store's records are compared


def test_a_different_seed_or_source_is_a_different_measurement(tmp_path):
    from bayeslaw.runs.io import import_runs

    f = tmp_path / "r.csv"
    f.write_text("N,D,D_prime,domain,loss,seed\n100,10,0,a,2.0,1\n")
    g = tmp_path / "g.csv"
    g.write_text("N,D,D_prime,domain,loss,seed\n100,10,0,a,2.0,2\n100,10,0,a,2.0,1\n")
    with RunStore(tmp_path / "s.db") as store:
        import_runs(store, f)
        out = import_runs(store, g)
        assert (out.written, out.skipped) == (1, 1)


@pytest.mark.parametrize("text, reason", [
    ("\ufeff" + HEADER + "100,10,0,a,2.0\n", None),
    ("N,N,D,D_prime,domain,loss\n1,1,1,0,a,2\n", "'N' and 'N' both give params"),
    ("n_params,params,D,D_prime,domain,loss\n1,1,1,0,a,2\n", "both give params"),
    (HEADER + '100,10,0,"a,2.0\n', "unexpected end of data"),
])
def test_header_and_quoting(tmp_path, text, reason):
    f = tmp_path / "r.csv"
    f.write_text(text, encoding="utf-8")
    if reason is None:
        assert read_runs(f).runs[0].params == 100
    else:
        with pytest.raises(BayeslawError, match=reason):
            read_runs(f)


def test_plain_pretraining_data_imports_as_d_prime_zero_on_the_default_domain(tmp_path):
    csv_file = tmp_path / "chinchilla.csv"
    csv_file.write_text("params,pretrain_tokens,loss\n1000,20000,3.5\n2000,40000,3.1\n")
    jsonl = tmp_path / "chinchilla.jsonl"
    jsonl.write_text('{"N": 1000, "D": 20000, "loss": 3.5}\n')
    for path in (csv_file, jsonl):
        parsed = read_runs(path)
        assert not parsed.rejected
        assert {(r.specialize_tokens, r.domain) for r in parsed.runs} == {(0, DEFAULT_DOMAIN)}
    assert read_runs(csv_file).runs[1].params == 2000


@pytest.mark.parametrize("header, lacking", [("params,pretrain_tokens,domain,loss",
                                              "specialize_tokens"),
                                             ("params,pretrain_tokens,specialize_tokens,loss",
                                              "domain")])
def test_half_a_specialization_is_still_refused(tmp_path, header, lacking):
    path = tmp_path / "runs.csv"
    path.write_text(header + "\n1000,20000,a,3.5\n")
    with pytest.raises(BayeslawError, match=f"lacks column\\(s\\) {lacking}"):
        read_runs(path)
    jsonl = tmp_path / "runs.jsonl"
    jsonl.write_text(json.dumps({"N": 1000, "D": 20000, header.split(",")[2]: 1, "loss": 3}))
    assert f"missing {lacking}" in read_runs(jsonl).rejected[0].reason


def test_imports_drop_and_rebuild_the_indexes_only_when_no_check_needs_them(tmp_path,
                                                                         monkeypatch):
    from bayeslaw.runs import io

    monkeypatch.setattr(io, "CHUNK", 2)
    dropped = []  # the store's size when an import dropped its indexes
    drop = RunStore.drop_indexes
    monkeypatch.setattr(RunStore, "drop_indexes", lambda s: dropped.append(s.count()) or drop(s))
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "".join(f"{100 + i},10,0,a,2.{i}\n" for i in range(7)))
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "100,10,0,a,2\n101,10,0,a,2\n102,10,0,a,-1\n")

    def indexes(store):
        q = "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'runs'"
        return sorted(tuple(r) for r in store._conn.execute(q))

    with RunStore(tmp_path / "s.db") as store, RunStore(tmp_path / "t.db") as other:
        before = indexes(store)
        assert len(before) == 4  # the table, run_id's, runs_domain, runs_measurement
        assert io.import_runs(store, good).written == 7  # empty: dropped at once
        assert io.import_runs(store, good).skipped == 7  # the check needs them: kept
        assert io.import_runs(store, good, allow_duplicates=True).written == 7
        assert dropped == [0, 7 + 4]  # after a third of the 7 rows the store held
        assert indexes(store) == before and store.count() == 14
        assert io.import_runs(other, bad).written == 0  # dropped, then rolled back
        assert dropped[2:] == [0] and indexes(other) == before and other.count() == 0
