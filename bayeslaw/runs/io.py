"""Reading and writing run files: CSV or JSON Lines, chosen by extension.

:func:`read_runs` validates every record and returns the good runs together with
every rejected one (its line number and reasons), so that the caller decides
whether one bad row spoils the batch. :func:`write_runs` writes the same columns
back, so that ``export`` then ``import`` round-trips exactly.

Plain pretraining data (Chinchilla-style N, D, loss) has no ``specialize_tokens`` and
no ``domain``: a file (CSV header) or record (JSON Lines) lacking both imports as
D' = 0 on the domain :data:`DEFAULT_DOMAIN`. Lacking only one of them is an error:
a D' without its domain, or a domain without saying how long it was specialized,
is a file this reader cannot interpret safely.

:func:`import_runs` streams a file into the store in one transaction; the plain chunks
of a CSV file (every value an ordinary number, only the required columns) are checked
column-wise (:mod:`bayeslaw.runs.columns`) and any other chunk row by row, with the same
stored values and the same messages.
"""

from __future__ import annotations

import csv
import gc
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError, InvalidRunError
from bayeslaw.runs.columns import plain_header, store_rows
from bayeslaw.runs.record import FIELDS, REQUIRED, Run, normalize_keys, validate
from bayeslaw.runs.store import run_to_row

DEFAULT_DOMAIN = "default"  # the domain of plain pretraining data (as Draws.point's)
PLAIN_DEFAULTS = {"specialize_tokens": 0, "domain": DEFAULT_DOMAIN}


@dataclass(frozen=True)
class Rejected:
    """A record that failed validation: where it is and why."""

    line: int
    reason: str


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise BayeslawError(f"{path}: unknown file type {suffix!r}; use a .csv or .jsonl file")


def _header(path: Path, fieldnames: Sequence[str] | None) -> list[str]:
    """The canonical column names of a header; refuse one missing a required column
    (but for plain pretraining data, see the module docstring), or naming one twice
    (``N`` and ``params`` both)."""
    seen: dict[str, str] = {}
    for raw in fieldnames or []:
        name = normalize_keys({raw: None}).popitem()[0] if raw is not None else ""
        if name in seen:
            raise BayeslawError(f"{path}:1: columns {seen[name]!r} and {raw!r} both give "
                                f"{name}; keep one")
        seen[name] = raw
    missing = [c for c in REQUIRED if c not in seen and c not in PLAIN_DEFAULTS]
    if (PLAIN_DEFAULTS.keys() & seen) and not PLAIN_DEFAULTS.keys() <= seen.keys():
        missing += [c for c in PLAIN_DEFAULTS if c not in seen]
    if missing:
        raise BayeslawError(
            f"{path}: header lacks column(s) {', '.join(missing)} "
            f"(expected {', '.join(REQUIRED)}; aliases N, D, D_prime are accepted; a file "
            f"with neither specialize_tokens nor domain is plain pretraining: D' = 0 on "
            f"domain {DEFAULT_DOMAIN!r})")
    return list(seen)


CHUNK = 20_000  # CSV rows read, and validated column-wise (runs.columns), at once


def _csv_chunks(path: Path) -> Iterator[tuple[list[str], list[int], list[list[str]]]]:
    """The rows of a CSV file in chunks of :data:`CHUNK`: ``(fieldnames, lines, rows)``
    with the header's canonical names, the line where each row ends and its fields.

    Empty lines are skipped, and line numbers (those of rows and of a malformed-CSV
    error) are counted as :class:`csv.DictReader` counts them, whose rows this reads
    through its underlying reader.
    """
    # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the first name
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, strict=True)  # strict: an unterminated quote is an error
        raw, line = reader.reader, 0
        try:
            fieldnames = _header(path, reader.fieldnames)  # renamed once, not per row
            line, lines, rows, after_blank = reader.line_num, [], [], False
            for row in raw:
                if not row:  # DictReader's line_num stays on the first of empty lines
                    line = line if after_blank else raw.line_num
                    after_blank = True
                    continue
                line, after_blank = raw.line_num, False
                lines.append(line)
                rows.append(row)
                if len(rows) >= CHUNK:
                    yield fieldnames, lines, rows
                    lines, rows = [], []
            if rows:
                yield fieldnames, lines, rows
        except csv.Error as e:
            raise BayeslawError(f"{path}:{line}: malformed CSV ({e})") from None


def _csv_dicts(fieldnames: list[str], lines: list[int], rows: list[list[str]],
               ) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Rows as the records :func:`validate` takes (short rows padded with ``None``, as
    DictReader's), or the reason they are none; rows of empty fields are skipped."""
    plain, width = "domain" not in fieldnames, len(fieldnames)
    for line, row in zip(lines, rows, strict=True):
        if len(row) > width:
            yield line, "more fields than the header has"
            continue
        record = dict(zip(fieldnames, row, strict=False))  # short rows: padded below
        record.update(dict.fromkeys(fieldnames[len(row):]))
        if plain:
            record.update(PLAIN_DEFAULTS)
        if not all(v in (None, "") for v in record.values()):
            yield line, record


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for fieldnames, lines, rows in _csv_chunks(path):
        yield from _csv_dicts(fieldnames, lines, rows)


@dataclass(frozen=True)
class _Rows:
    """A chunk validated column-wise (:mod:`bayeslaw.runs.columns`): the line of each
    row and its store row, whose run id was just drawn."""

    lines: list[int]
    rows: list[tuple]


def _csv_items(path: Path) -> Iterator[tuple[int, dict[str, Any] | str] | _Rows]:
    """:func:`_csv_records`, but a chunk that passes the column-wise checks comes as
    one :class:`_Rows`; any other chunk comes record by record, to be validated (and
    worded) as :func:`validate` does."""
    for fieldnames, lines, rows in _csv_chunks(path):
        stored = (store_rows(fieldnames, rows, PLAIN_DEFAULTS) if plain_header(fieldnames)
                  else None)
        if stored is not None:
            yield _Rows(lines, stored)
        else:
            yield from _csv_dicts(fieldnames, lines, rows)


def json_objects(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Each non-blank line of a JSON Lines file as (line number, its object), or (line
    number, why it is not one)."""
    with path.open(encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                yield line_no, f"not valid JSON ({e.msg})"
                continue
            yield line_no, obj if isinstance(obj, dict) else "not a JSON object"


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for line_no, obj in json_objects(path):
        if isinstance(obj, dict):
            obj = normalize_keys(obj)
            if not PLAIN_DEFAULTS.keys() & obj.keys():  # plain pretraining (module docstring)
                obj.update(PLAIN_DEFAULTS)
        yield line_no, obj


@dataclass(frozen=True)
class ParsedFile:
    """The valid runs of a file (with their line numbers) and the rejected records."""

    runs: list[Run]
    lines: list[int]
    rejected: list[Rejected]


def _validated(path: str | os.PathLike) -> Iterator[tuple[int, Run | Rejected]]:
    """Each record of a run file, validated, in file order: ``(line, Run)`` or
    ``(line, Rejected)``. Duplicated run ids within the file are rejected (every
    occurrence after the first); the line of a CSV record is the file line where it ends.
    """
    path = _existing(path)
    records = _csv_records(path) if _format(path) == "csv" else _jsonl_records(path)
    yield from _checked(path, records)


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.is_file():
        raise BayeslawError(f"{path}: no such file")
    return path


def _checked(path: Path, records: Iterable[tuple[int, Any] | _Rows],
             ) -> Iterator[tuple[int, Run | Rejected] | _Rows]:
    """Validate each record (see :func:`_validated`); pass :class:`_Rows` through."""
    seen: dict[str, int] = {}
    try:
        for item in records:
            if isinstance(item, _Rows):
                yield item
                continue
            line, record = item
            if isinstance(record, str):
                yield line, Rejected(line, record)
                continue
            try:
                run = validate(record, normalized=True)
            except InvalidRunError as e:
                yield line, Rejected(line, str(e))
                continue
            if not _blank_id(record):  # generated ids cannot repeat; keep the map small
                if run.run_id in seen:
                    yield line, Rejected(line, f"duplicate run_id {run.run_id} "
                                               f"(first on line {seen[run.run_id]})")
                    continue
                seen[run.run_id] = line
            yield line, run
    except UnicodeDecodeError as e:
        raise BayeslawError(f"{path}: not UTF-8 text ({e.reason})") from None


def _blank_id(record: dict[str, Any]) -> bool:
    rid = record.get("run_id", record.get("id"))
    return rid is None or (isinstance(rid, str) and not rid.strip())


def read_runs(path: str | os.PathLike) -> ParsedFile:
    """Parse and validate a run file (see :func:`_validated`), all in memory."""
    runs: list[Run] = []
    lines: list[int] = []
    rejected: list[Rejected] = []
    for line, item in _validated(path):
        if isinstance(item, Rejected):
            rejected.append(item)
        else:
            runs.append(item)
            lines.append(line)
    return ParsedFile(runs, lines, rejected)


def _csv_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else value


def write_runs(path: str | os.PathLike, runs: Sequence[Run]) -> None:
    """Write runs as CSV or JSONL (by extension), every field included."""
    path = Path(path)
    if _format(path) == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            writer.writeheader()
            for run in runs:
                writer.writerow({k: _csv_value(v) for k, v in run.to_dict().items()})
    else:
        with path.open("w", encoding="utf-8") as f:
            for run in runs:
                f.write(json.dumps(run.to_dict(), sort_keys=True) + "\n")


@dataclass(frozen=True)
class Imported:
    """What an import did: runs written, identical records skipped, rejected records."""

    written: int
    skipped: int
    rejected: list[Rejected]


BATCH = 5000  # rows per executemany: memory stays flat however long the file


def _drop_indexes_now(last: int, written: int, allow_duplicates: bool) -> bool:
    """Whether to drop the store's secondary indexes for the rest of the import (and
    rebuild them once before the commit): when no duplicate check needs them (an
    empty store, or ``allow_duplicates``) and the import has written a third of the
    rows the store held. From then on, updating them row by row costs more than one
    sort of the whole table (measured with 1e6 rows on the 2-core machine: ~5 us a
    row to update, ~1 us a row to rebuild). A ski-rental rule: at most about twice the
    cheaper of the two, however long the import, without knowing its length up front."""
    return (last == 0 or allow_duplicates) and 3 * written >= last


def import_runs(store, path: str | os.PathLike, *, skip_invalid: bool = False,
                allow_duplicates: bool = False) -> Imported:
    """Stream the file ``path`` into ``store`` (see :func:`import_records`); a CSV
    file's plain chunks are validated column-wise (:mod:`bayeslaw.runs.columns`), with
    the same results and the same messages as row by row."""
    path = _existing(path)
    items = _checked(path, _csv_items(path)) if _format(path) == "csv" else _validated(path)
    return import_records(store, items, skip_invalid=skip_invalid,
                          allow_duplicates=allow_duplicates)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while: an import allocates millions of
    row lists and tuples, which form no cycles but which the collector would traverse
    again and again (half the Python time of a large import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_records(store, records: Iterable[tuple[int, Run | Rejected]], *,
                   skip_invalid: bool = False, allow_duplicates: bool = False) -> Imported:
    """Stream ``(line, Run or Rejected)`` records into ``store`` in batches, inside one
    transaction.

    A record of a measurement the store held before the import (same N, D, D',
    domain, seed, loss and source; see :meth:`RunStore.measured`; records
    within one file are not compared with each other) is skipped and counted,
    so re-importing a file adds nothing, unless ``allow_duplicates``. Strict by
    default: if any record is invalid (including a run id already in the store with
    other values) the transaction is rolled back and nothing is written. With
    ``skip_invalid`` the valid records are written.
    """
    rejected: list[Rejected] = []
    written = skipped = 0
    batch: list[tuple[int, Run]] = []
    indexes: list[str] | None = None  # those dropped, to rebuild before the commit

    def flush(lines: list[int], rows: list[tuple], *, fresh_ids: bool = False) -> None:
        """Write ``rows`` but those already measured; ``fresh_ids``: ids just drawn,
        which cannot be in the store."""
        nonlocal written, skipped, indexes
        if indexes is None and _drop_indexes_now(last, written, allow_duplicates):
            indexes = store.drop_indexes()
        if last == 0:  # the store was empty: nothing to compare with (ids: see _validated)
            keep = rows
        else:
            same = ([False] * len(rows) if allow_duplicates
                    else store.measured(rows, before=last))
            taken = set() if fresh_ids else store.existing_ids(row[0] for row in rows)
            keep = []
            for line, row, dup in zip(lines, rows, same, strict=True):
                if dup:
                    skipped += 1
                elif row[0] in taken:
                    rejected.append(Rejected(line, f"duplicate run_id {row[0]} "
                                                   "(already in the store, with other values)"))
                else:
                    keep.append(row)
        if keep:
            store.insert(keep)
        written += len(keep)

    def flush_batch() -> None:
        if batch:
            flush([line for line, _ in batch], [run_to_row(run) for _, run in batch])
            batch.clear()

    store.begin()
    try:
        last = store.last_rowid()  # records from this file are not duplicates of each other
        with _collector_paused():
            for item in records:
                failed = rejected and not skip_invalid  # then only collect the other rejections
                if isinstance(item, _Rows):
                    if not failed:
                        flush_batch()  # file order
                        flush(item.lines, item.rows, fresh_ids=True)
                elif isinstance(item[1], Rejected):
                    rejected.append(item[1])
                elif not failed:
                    batch.append(item)
                    if len(batch) >= BATCH:
                        flush_batch()
        if skip_invalid or not rejected:
            flush_batch()
        if rejected and not skip_invalid:
            store.rollback()
            written = skipped = 0
        else:
            store.create_indexes(indexes or [])
            store.commit()
    except BaseException:
        store.rollback()
        raise
    rejected.sort(key=lambda r: r.line)
    return Imported(written, skipped, rejected)


def import_file(store, path: str | os.PathLike, *, skip_invalid: bool = False,
                ) -> tuple[int, list[Rejected]]:
    """:func:`import_runs`, returning ``(written, rejected)``."""
    out = import_runs(store, path, skip_invalid=skip_invalid)
    return out.written, out.rejected
