"""pandas and parquet in and out, and column-mapped imports (bayeslaw.runs.frames, .mapping)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs import (
    FIELDS,
    ColumnMap,
    Run,
    RunStore,
    from_pandas,
    import_table,
    read_table,
    write_table,
)


def _runs() -> list[Run]:
    """Three runs: a completed one with a config, a specialization, a failed one."""
    return [
        Run(100_000, 10**6, 0, "web", 3.1, run_id="a", seed=1, config={"lr": 1e-3}),
        Run(200_000, 2 * 10**6, 5_000, "code", 2.9, run_id="b", parent_id="a",
            metrics={"acc": 0.5}),
        Run(400_000, 4 * 10**6, 0, "web", None, run_id="c", status="failed", source="trainer"),
    ]


def test_to_pandas_has_the_store_columns_by_name(store_path):
    with RunStore(store_path) as store:
        store.add(_runs())
        df = store.to_pandas()
        done = store.to_pandas(status="completed")
    assert list(df.columns) == list(FIELDS) and len(df) == 3 and len(done) == 2
    assert df["params"].dtype == np.int64 and df["seed"].dtype == "Int64"
    assert df["params"].tolist() == [100_000, 200_000, 400_000]
    assert df["loss"].iloc[0] == 3.1 and np.isnan(df["loss"].iloc[2])
    assert json.loads(df["config"].iloc[0]) == {"lr": 1e-3} and df["metrics"].iloc[0] == "{}"
    assert df["flops"].iloc[0] == pytest.approx(6 * 100_000 * 10**6)


def test_from_pandas_round_trips_the_store(store_path):
    with RunStore(store_path) as store:
        store.add(_runs())
        assert from_pandas(store.to_pandas()) == store.runs(status=None)


@pytest.mark.parametrize("name", ["runs.parquet", "runs.csv", "runs.jsonl"])
def test_every_export_format_imports_back_to_the_same_runs(tmp_path, name):
    runs = _runs()  # once: created_at is the time of creation
    write_table(tmp_path / name, runs)
    parsed = read_table(tmp_path / name)
    assert parsed.runs == runs and not parsed.rejected
    with RunStore(tmp_path / "s.db") as store:
        assert import_table(store, tmp_path / name).written == 3
        again = import_table(store, tmp_path / name)
        assert (again.written, again.skipped) == (0, 3)  # re-import adds nothing
        assert store.runs(status=None) == runs


def test_parquet_is_read_as_pandas_reads_it(tmp_path):
    write_table(tmp_path / "r.parquet", _runs())
    df = pd.read_parquet(tmp_path / "r.parquet")
    assert df["run_id"].tolist() == ["a", "b", "c"] and df["seed"].iloc[0] == 1


def test_plain_pretraining_frame_is_d_prime_zero_on_the_default_domain():
    runs = from_pandas(pd.DataFrame({"N": [1e8, 2e8], "D": [2e9, 4e9], "loss": [3.1, 2.9]}))
    assert [(r.params, r.pretrain_tokens, r.specialize_tokens, r.domain) for r in runs] == [
        (10**8, 2 * 10**9, 0, "default"), (2 * 10**8, 4 * 10**9, 0, "default")]


@pytest.mark.parametrize("frame, needle", [
    ({"N": [1e8, -1.0], "D": [1e9, 1e9], "loss": [3.0, 3.0]}, "row 2: params must be >= 1"),
    ({"N": [1e8, 2e8], "D": [1e9, 1e9], "loss": [3.0, np.nan]}, "row 2: missing loss"),
    ({"N": [1e8], "D": [1e9], "domain": ["web"], "loss": [3.0]}, "lacks column(s) "
     "specialize_tokens"),
    ({"N": [1e8], "params": [1e8], "D": [1e9], "loss": [3.0]}, "both give params"),
    ({"N": [1e8, 1e8], "D": [1e9, 2e9], "loss": [3.0, 2.9], "run_id": ["x", "x"]},
     "row 2: duplicate run_id x"),
])
def test_from_pandas_is_as_strict_as_the_importer(frame, needle):
    with pytest.raises(BayeslawError) as e:
        from_pandas(pd.DataFrame(frame))
    assert needle in str(e.value)


def test_mapping_reads_the_mapped_columns_only(tmp_path):
    # MLflow's own status column (FINISHED) must not be read as ours
    (tmp_path / "x.csv").write_text(
        "status,params.n,metrics.loss,params.tokens,eval\n"
        "FINISHED,1000000,3.2,20000000,9.9\nFINISHED,2000000,3.0,40000000,9.9\n")
    cols = {"params": "params.n", "loss": "metrics.loss", "D": "params.tokens"}
    parsed = read_table(tmp_path / "x.csv", columns=cols)
    assert not parsed.rejected and parsed.lines == [2, 3]
    assert [(r.params, r.pretrain_tokens, r.loss, r.status, r.domain) for r in parsed.runs] \
        == [(10**6, 2 * 10**7, 3.2, "completed", "default"),
            (2 * 10**6, 4 * 10**7, 3.0, "completed", "default")]


def test_mapping_refuses_unknown_fields_twice_mapped_and_missing_columns(tmp_path):
    with pytest.raises(BayeslawError, match="unknown run field 'los'"):
        ColumnMap.of({"los": "eval/loss"})
    with pytest.raises(BayeslawError, match="params is mapped twice"):
        ColumnMap.of([("N", "a"), ("params", "b")])
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(BayeslawError, match="no column 'eval/loss' to map"):
        read_table(tmp_path / "x.csv", columns={"loss": "eval/loss", "params": "a"})


def test_mapped_csv_rows_are_validated_and_a_bad_one_imports_nothing(tmp_path, store_path):
    (tmp_path / "x.csv").write_text("n,t,l\n1000000,20000000,3.2\n2000000,0,3.0\n"
                                    "3000000,1,2,3\n")
    cols = {"params": "n", "pretrain_tokens": "t", "loss": "l"}
    with RunStore(store_path) as store:
        out = import_table(store, tmp_path / "x.csv", cols)
        assert out.written == 0 and store.count() == 0
        assert [(r.line, r.reason[:25]) for r in out.rejected] == [
            (3, "pretrain_tokens and speci"), (4, "more fields than the head")]
        assert import_table(store, tmp_path / "x.csv", cols, skip_invalid=True).written == 1


def test_mapped_jsonl_reads_nested_keys(tmp_path):
    (tmp_path / "x.jsonl").write_text(
        '{"model": {"n_params": 1000000}, "data": {"tokens": 2e7, "name": "web"}, '
        '"ft": 0, "summary": {"eval/loss": 3.25}}\n')
    parsed = read_table(tmp_path / "x.jsonl", columns={
        "params": "model.n_params", "D": "data.tokens", "domain": "data.name",
        "specialize_tokens": "ft", "loss": "summary.eval/loss"})
    assert not parsed.rejected
    r = parsed.runs[0]
    assert (r.params, r.pretrain_tokens, r.domain, r.loss) == (10**6, 2 * 10**7, "web", 3.25)


def test_a_file_that_is_not_parquet_is_refused(tmp_path):
    (tmp_path / "x.parquet").write_text("params,loss\n")
    with pytest.raises(BayeslawError, match="not a readable parquet file"):
        read_table(tmp_path / "x.parquet")


def test_a_parquet_export_with_list_columns_imports(tmp_path):
    # W&B's tags come as lists; a column that is not read must not trip the reader
    pd.DataFrame({"n": [1e6, 2e6], "t": [2e7, 4e7], "l": [3.2, 3.0],
                  "Tags": [["a", "b"], []]}).to_parquet(tmp_path / "w.parquet")
    parsed = read_table(tmp_path / "w.parquet", {"params": "n", "D": "t", "loss": "l"})
    assert [r.loss for r in parsed.runs] == [3.2, 3.0] and not parsed.rejected
    parsed = read_table(tmp_path / "w.parquet", {"params": "n", "D": "t", "loss": "l",
                                                 "D_prime": "n", "domain": "Tags"})
    assert [(r.line, r.reason[:25]) for r in parsed.rejected] == [
        (1, "domain must be a string ("), (2, "domain must be a string (")]


def test_a_dataframe_goes_straight_into_the_fit_data():
    """``fit(df, law)``: the fit's data from a DataFrame equal those from its runs."""
    import pandas as pd

    from bayeslaw.fit import data as fit_data
    from bayeslaw.laws import get
    from bayeslaw.runs import from_pandas

    df = pd.DataFrame({"params": [1e5, 1e5, 3e5, 3e5, 1e6, 1e6, 1e5, 3e5],
                       "pretrain_tokens": [1e6, 4e6, 1e6, 4e6, 1e6, 4e6, 2e7, 2e7],
                       "loss": [3.1, 2.9, 2.95, 2.7, 2.85, 2.6, 2.7, 2.5]})
    law = get("chinchilla")
    a, b = fit_data.from_runs(df, law), fit_data.from_runs(from_pandas(df), law)
    for name in ("N", "D", "D_prime", "log_loss"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.domains == b.domains == ("default",)
