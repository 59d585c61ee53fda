"""Runs as tables: pandas DataFrames and parquet files in and out, and files whose
columns are mapped (:mod:`bayeslaw.runs.mapping`).

- :func:`to_frame` (and :meth:`RunStore.to_pandas`): one row per run, the store's
  columns under their names (:data:`~bayeslaw.runs.record.FIELDS`); ``config`` and
  ``metrics`` are JSON text, as in the store and the CSV export.
- :func:`from_pandas`: a DataFrame's rows as validated runs, usable wherever a list of
  runs is (``bayeslaw.fit.fit(from_pandas(df), "chinchilla")``; ``fit(df, ...)`` does the same).
- :func:`read_table` / :func:`import_table`: a CSV, JSON Lines or parquet file, with an
  optional column mapping, read or imported into a store. Files without a mapping in
  CSV or JSONL take the streaming importer of :mod:`bayeslaw.runs.io` unchanged.
- :func:`write_table`: CSV, JSONL or parquet by extension; every format imports back
  to the same runs.

The strictness is the importer's: the same header check (a missing required column,
one field named twice), the same record validation
(:func:`~bayeslaw.runs.record.validate`), run ids repeated within a file rejected,
plain pretraining data (no ``specialize_tokens``, no ``domain``) read as D' = 0 on
the default domain. Rows are numbered as files are: the line of a CSV or JSONL
record, the 1-based row of a parquet file or a DataFrame. A missing value of a
DataFrame or parquet file (NaN, None, NA) is a blank cell.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError, InvalidRunError
from bayeslaw.runs import io
from bayeslaw.runs.dataframe import to_frame
from bayeslaw.runs.mapping import ColumnMap
from bayeslaw.runs.record import Run, normalize_keys, validate

Columns = ColumnMap | Mapping[str, str] | Iterable[tuple[str, str]] | None
PARQUET = (".parquet", ".pq")
def is_parquet(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in PARQUET


# -- out ------------------------------------------------------------------------------
def write_table(path: str | os.PathLike, runs: Sequence[Run]) -> None:
    """Write ``runs`` as parquet (``.parquet``), else as :func:`bayeslaw.runs.io.write_runs`
    does (CSV or JSONL)."""
    if is_parquet(path):
        to_frame(runs).to_parquet(path, index=False)
    else:
        io.write_runs(path, runs)


# -- in -------------------------------------------------------------------------------
def from_pandas(df, columns: Columns = None) -> list[Run]:
    """The rows of ``df`` as validated runs, all or none.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per run; columns named as :data:`FIELDS` (or their aliases ``N``, ``D``,
        ``D_prime``), or mapped with ``columns``.
    columns : dict, optional
        Field -> column of ``df``, e.g. ``{"loss": "eval/loss"}``
        (:class:`~bayeslaw.runs.mapping.ColumnMap`).

    Raises
    ------
    BayeslawError
        A mapped column ``df`` lacks, a missing required column, or invalid rows (the
        first few named, by 1-based row).
    """
    parsed = _parse(_frame_rows(df), list(map(str, df.columns)), "DataFrame", columns)
    if parsed.rejected:
        shown = "; ".join(f"row {r.line}: {r.reason}" for r in parsed.rejected[:3])
        more = len(parsed.rejected) - 3
        raise BayeslawError(f"{len(parsed.rejected)} invalid row(s) in the DataFrame: {shown}"
                            + (f" (and {more} more)" if more > 0 else ""))
    return parsed.runs


def read_table(path: str | os.PathLike, columns: Columns = None) -> io.ParsedFile:
    """Parse and validate a CSV, JSON Lines or parquet file, its columns mapped by
    ``columns`` (see :func:`from_pandas`); like :func:`bayeslaw.runs.io.read_runs`."""
    cmap = ColumnMap.of(columns)
    if not cmap and not is_parquet(path):
        return io.read_runs(path)
    return io.ParsedFile(*_collect(_validated(path, cmap)))


def import_table(store, path: str | os.PathLike, columns: Columns = None, *,
                 skip_invalid: bool = False, allow_duplicates: bool = False) -> io.Imported:
    """Import a CSV, JSON Lines or parquet file into ``store``, its columns mapped by
    ``columns``: :func:`bayeslaw.runs.io.import_records`'s rules (strict, all or
    nothing unless ``skip_invalid``; records the store holds already are skipped)."""
    cmap = ColumnMap.of(columns)
    kw = {"skip_invalid": skip_invalid, "allow_duplicates": allow_duplicates}
    if not cmap and not is_parquet(path):
        return io.import_runs(store, path, **kw)
    return io.import_records(store, list(_validated(path, cmap)), **kw)


def _collect(items) -> tuple[list[Run], list[int], list[io.Rejected]]:
    runs, lines, rejected = [], [], []
    for line, item in items:
        if isinstance(item, io.Rejected):
            rejected.append(item)
        else:
            runs.append(item)
            lines.append(line)
    return runs, lines, rejected


def _parse(rows, names, where, columns) -> io.ParsedFile:
    return io.ParsedFile(*_collect(_records(rows, names, where, ColumnMap.of(columns))))


def _validated(path: str | os.PathLike, cmap: ColumnMap):
    """Each record of the file as ``(line, Run | Rejected)``, in file order."""
    path = Path(path)
    if not path.is_file():
        raise BayeslawError(f"{path}: no such file")
    if is_parquet(path):
        df = _read_parquet(path)
        return _records(_frame_rows(df), list(map(str, df.columns)), path, cmap)
    try:
        if io._format(path) == "csv":
            names, rows = _csv_rows(path)
        else:
            names, rows = _jsonl_rows(path)
    except UnicodeDecodeError as e:
        raise BayeslawError(f"{path}: not UTF-8 text ({e.reason})") from None
    return _records(rows, names, path, cmap)


def _records(rows: Iterable[tuple[int, dict | str]], names: list[str], where, cmap: ColumnMap,
             ) -> Iterator[tuple[int, Run | io.Rejected]]:
    """Validate (mapped) rows: the importer's header check once, then every record."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if cmap:  # a foreign export's repeated columns matter only if one is read
        twice = [n for n in twice if n in cmap.targets.values()]
    if twice:
        raise BayeslawError(f"{where}: column {twice[0]!r} appears more than once")
    header = io._header(where, cmap.columns(names, str(where)) if cmap else names)
    plain = "domain" not in header
    seen: dict[str, int] = {}
    for line, row in rows:
        if isinstance(row, str):
            yield line, io.Rejected(line, row)
            continue
        record = normalize_keys({k: _blank(v) for k, v in
                                 (cmap.apply(row) if cmap else row).items()})
        if all(_empty(v) for v in record.values()):
            continue
        if plain:
            record.update(io.PLAIN_DEFAULTS)
        try:
            run = validate(record, normalized=True)
        except InvalidRunError as e:
            yield line, io.Rejected(line, str(e))
            continue
        if not _empty(record.get("run_id")):  # generated ids cannot repeat
            if run.run_id in seen:
                yield line, io.Rejected(line, f"duplicate run_id {run.run_id} "
                                              f"(first on line {seen[run.run_id]})")
                continue
            seen[run.run_id] = line
        yield line, run


def _empty(value: Any) -> bool:
    """A blank cell (a list or array, e.g. W&B's tags, is a value, never compared)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _blank(value: Any) -> Any:
    """A table's missing value (NaN, None, pandas' NA and NaT) as None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _frame_rows(df) -> Iterator[tuple[int, dict]]:
    yield from enumerate(df.rename(columns=str).to_dict(orient="records"), start=1)


def _read_parquet(path: Path):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError:  # pyarrow is a dependency; a broken installation lacks it
        raise BayeslawError("reading parquet needs pyarrow (pip install pyarrow)") from None
    except Exception as e:  # pyarrow raises several types for a file that is not parquet
        raise BayeslawError(f"{path}: not a readable parquet file ({e})") from None


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict | str]]]:
    """The header and the rows of a CSV file, read as :mod:`bayeslaw.runs.io` reads it
    (a byte-order mark ignored, an unterminated quote an error, a row longer than the
    header rejected, a short one padded with blanks); in memory, as a parquet file is."""
    rows: list[tuple[int, dict | str]] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, strict=True)
        try:
            header = [h.strip() for h in next(reader, [])]
            for row in reader:
                if len(row) > len(header):
                    rows.append((reader.line_num, "more fields than the header has"))
                else:
                    padded = row + [None] * (len(header) - len(row))
                    rows.append((reader.line_num, dict(zip(header, padded, strict=True))))
        except csv.Error as e:
            raise BayeslawError(f"{path}:{reader.line_num}: malformed CSV ({e})") from None
    return header, rows


def _jsonl_rows(path: Path) -> tuple[list[str], list[tuple[int, dict | str]]]:
    """The records of a JSON Lines file, nested objects also under dotted names
    (``{"model": {"n_params": 7}}`` gives ``model.n_params``), and the union of their
    names."""
    rows: list[tuple[int, dict | str]] = []
    names: dict[str, None] = {}
    for line_no, obj in io.json_objects(path):
        if isinstance(obj, dict):
            obj = _flatten(obj)
            names.update(dict.fromkeys(obj))
        rows.append((line_no, obj))
    return list(names), rows


def _flatten(obj: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        out[name] = value
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
    return out
