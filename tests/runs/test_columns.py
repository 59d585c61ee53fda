"""The column-wise fast path of a CSV import (runs/columns.py) against the per-row
validator: same stored records, same rejections and messages, never more lenient."""

import pytest

from bayeslaw.errors import InvalidRunError
from bayeslaw.runs import io
from bayeslaw.runs.columns import store_rows
from bayeslaw.runs.record import validate
from bayeslaw.runs.store import COLUMNS, RunStore, run_to_row

FIELDS = ["params", "pretrain_tokens", "specialize_tokens", "domain", "loss"]
FRESH = {"run_id", "created_at"}  # drawn per import: the only fields allowed to differ


def _same_fields(row: tuple) -> tuple:
    return tuple(v for c, v in zip(COLUMNS, row, strict=True) if c not in FRESH)


# (row, whether the fast path takes it): plain rows it must take, and every kind of
# value it must leave to the per-row validator (which may accept some of them)
CASES = [
    (["100", "10", "0", "a", "2.0"], True),
    ([" 7 ", "1e5", "2.5", " web ", "3.25"], True),  # spaces, exponent, 2.5 -> 2
    (["3.5", "0", "1", "b", "1e-3"], True),  # 3.5 -> 4 (half to even, as round())
    (["9007199254740992", "1", "0", "c", "2"], True),  # 2**53: still exact
    (["-0.4", "10", "0", "a", "2"], False),  # N rounds to 0
    (["0.4", "10", "0", "a", "2"], False),
    (["100", "-1", "0", "a", "2"], False),
    (["100", "0", "0", "a", "2"], False),  # D = D' = 0
    (["100", "0.4", "0", "a", "2"], False),
    (["5_0000", "10", "0", "a", "2"], False),
    (["1e30", "10", "0", "a", "2"], False),
    (["18014398509481984", "1", "0", "c", "2"], False),  # 2**54: row by row
    (["nan", "10", "0", "a", "2"], False),
    (["100", "inf", "0", "a", "2"], False),
    (["", "10", "0", "a", "2"], False),
    (["100", " ", "0", "a", "2"], False),
    (["100", "ten", "0", "a", "2"], False),
    (["100", "10", "0", "", "2"], False),
    (["100", "10", "0", "  ", "2"], False),
    (["100", "10", "0", "a", "0"], False),
    (["100", "10", "0", "a", "-2"], False),
    (["100", "10", "0", "a", ""], False),
    (["100", "10", "0", "a"], False),  # short
    (["100", "10", "0", "a", "2", "9"], False),  # long
]


@pytest.mark.parametrize("row, fast", CASES)
def test_fast_path_takes_only_what_validate_accepts_and_stores_the_same(row, fast):
    got = store_rows(FIELDS, [row], io.PLAIN_DEFAULTS)
    assert (got is not None) == fast
    if got is None:
        return
    run = validate(dict(zip(FIELDS, row, strict=True)), normalized=True)
    assert _same_fields(got[0]) == _same_fields(run_to_row(run))
    assert [type(v) for v in got[0]] == [type(v) for v in run_to_row(run)]


def test_values_validate_refuses_are_never_taken():
    for row, _ in CASES:
        try:
            validate(dict(zip(FIELDS, row, strict=False)), normalized=True)
        except InvalidRunError:
            assert store_rows(FIELDS, [row], io.PLAIN_DEFAULTS) is None, row


def _per_row(store, path, **kw):
    return io.import_records(store, io._validated(path), **kw)


def test_fast_and_per_row_imports_store_the_same_and_reject_alike(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "CHUNK", 4)  # 11 rows: chunks on lines 2-5, 6-9, 10-12
    rows = [f"{100 + i},{10 * i + 5},{i % 3},d{i % 2},2.{i}\n" for i in range(11)]
    rows[6] = "107,75,0,d1,nan\n"  # line 8: the second chunk goes row by row
    path = tmp_path / "r.csv"
    path.write_text("N,D,D_prime,domain,loss\n" + "".join(rows))
    kinds = [type(item).__name__ for item in io._csv_items(path)]
    assert kinds == ["_Rows", "tuple", "tuple", "tuple", "tuple", "_Rows"]

    with RunStore(tmp_path / "a.db") as fast, RunStore(tmp_path / "b.db") as slow:
        strict = io.import_runs(fast, path), _per_row(slow, path)
        assert strict[0] == strict[1] and strict[0].written == 0
        assert [(r.line, r.reason) for r in strict[0].rejected] == [
            (8, "loss must be finite (got 'nan')")]
        assert fast.count() == slow.count() == 0

        lenient = (io.import_runs(fast, path, skip_invalid=True),
                   _per_row(slow, path, skip_invalid=True))
        assert lenient[0] == lenient[1] and lenient[0].written == 10
        stored = [[_same_fields(run_to_row(r)) for r in s.runs()] for s in (fast, slow)]
        assert stored[0] == stored[1]
        assert [r[0] for r in stored[0]] == [100 + i for i in range(11) if i != 6]

        again = io.import_runs(fast, path, skip_invalid=True), _per_row(slow, path,
                                                                        skip_invalid=True)
        assert again[0] == again[1] and (again[0].written, again[0].skipped) == (0, 10)
