"""bayeslaw.checks: the one place where numbers and output paths are checked."""

import pytest

from bayeslaw import checks
from bayeslaw.errors import BayeslawError


@pytest.mark.parametrize("check, value, expected", [
    (checks.positive, "1e20", 1e20), (checks.positive, 3, 3.0),
    (checks.fraction, "0.9", 0.9), (checks.count, "2.5e6", 2_500_000),
    (checks.count, 9.2e18, 9_200_000_000_000_000_000), (checks.integer, 64.0, 64),
    (checks.text_list, ["a", " b "], ("a", "b")),
])
def test_good_values_come_back_clean(check, value, expected):
    assert check(value, "x") == expected


@pytest.mark.parametrize("check, value, words", [
    (checks.positive, "nan", "finite"), (checks.positive, float("inf"), "finite"),
    (checks.positive, 0, "> 0"), (checks.positive, True, "number"),
    (checks.positive, "5_0000", "without '_'"), (checks.positive, "ten", "number"),
    (checks.fraction, 1, "between 0 and 1"), (checks.fraction, 0.0, "between 0 and 1"),
    (checks.count, -1, ">= 0"), (checks.count, 1e19, "too large"),
    (checks.integer, "64", "integer"), (checks.integer, 2.5, "integer"),
    (checks.integer, 0, ">= 1"), (checks.text_list, "foldoc", "list of strings"),
    (checks.text_list, [5], "non-empty string"), (checks.number_map, {"a": -1}, ">= 0"),
])
def test_bad_values_are_named(check, value, words):
    with pytest.raises(BayeslawError, match=words) as e:
        check(value, "x")
    assert str(e.value).startswith("x")


def test_file_kinds_by_magic_bytes(tmp_path):
    files = {"a.db": b"SQLite format 3\x00rest", "b.nc": b"\x89HDF\r\n\x1a\nrest",
             "c.nc": b"CDF\x01rest", "d.txt": "héllo\n".encode(), "e.bin": b"ab\x00cd",
             "f": b""}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    kinds = {name: checks.file_kind(tmp_path / name) for name in files}
    assert kinds == {"a.db": "sqlite", "b.nc": "hdf5", "c.nc": "netcdf", "d.txt": "text",
                     "e.bin": "binary", "f": "empty"}
    assert checks.file_kind(tmp_path / "none") is None
    assert checks.file_kind(tmp_path) == "directory"


def test_output_refuses_other_kinds_unless_forced(tmp_path):
    (tmp_path / "runs.db").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "p.nc").write_bytes(b"\x89HDF\r\n\x1a\n")
    assert checks.output(tmp_path / "p.nc", ("hdf5",)) == tmp_path / "p.nc"
    assert checks.output(tmp_path / "new.nc", ("hdf5",)) == tmp_path / "new.nc"
    with pytest.raises(BayeslawError, match="SQLite database .* refusing to overwrite"):
        checks.output(tmp_path / "runs.db", ("hdf5",))
    checks.output(tmp_path / "runs.db", ("hdf5",), force=True)
    with pytest.raises(BayeslawError, match="does not exist"):
        checks.output(tmp_path / "missing" / "p.nc", ("hdf5",), force=True)
    with pytest.raises(BayeslawError, match="is a directory"):
        checks.output(tmp_path, ("hdf5",), force=True)
