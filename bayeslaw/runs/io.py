"""Reading and writing run files: CSV or JSON Lines, chosen by extension.

:func:`read_runs` validates every record and returns the good runs together with
every rejected one (its line number and reasons), so that the caller decides
whether one bad row spoils the batch. :func:`write_runs` writes the same columns
back, so that ``export`` then ``import`` round-trips exactly.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError, InvalidRunError
from bayeslaw.runs.record import FIELDS, REQUIRED, Run, normalize_keys, validate


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


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = [normalize_keys({c: None}).popitem()[0] for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise BayeslawError(
                f"{path}: header lacks column(s) {', '.join(missing)} "
                f"(expected {', '.join(REQUIRED)}; aliases N, D, D_prime are accepted)"
            )
        for row in reader:
            if None in row:
                yield reader.line_num, "more fields than the header has"
            elif all(v in (None, "") for v in row.values()):
                continue
            else:
                yield reader.line_num, row


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                yield line_no, f"not valid JSON ({e.msg})"
                continue
            yield line_no, obj if isinstance(obj, dict) else "not a JSON object"


@dataclass(frozen=True)
class ParsedFile:
    """The valid runs of a file (with their line numbers) and the rejected records."""

    runs: list[Run]
    lines: list[int]
    rejected: list[Rejected]


def read_runs(path: str | os.PathLike) -> ParsedFile:
    """Parse and validate a run file.

    Duplicated run ids within the file are rejected (every occurrence after the
    first); the line of a CSV record is the file line where it ends.
    """
    path = Path(path)
    if not path.is_file():
        raise BayeslawError(f"{path}: no such file")
    records = _csv_records(path) if _format(path) == "csv" else _jsonl_records(path)
    runs: list[Run] = []
    lines: list[int] = []
    rejected: list[Rejected] = []
    seen: dict[str, int] = {}
    try:
        for line, record in records:
            if isinstance(record, str):
                rejected.append(Rejected(line, record))
                continue
            try:
                run = validate(record)
            except InvalidRunError as e:
                rejected.append(Rejected(line, str(e)))
                continue
            if run.run_id in seen:
                rejected.append(Rejected(line, f"duplicate run_id {run.run_id} "
                                               f"(first on line {seen[run.run_id]})"))
                continue
            seen[run.run_id] = line
            runs.append(run)
            lines.append(line)
    except UnicodeDecodeError as e:
        raise BayeslawError(f"{path}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise BayeslawError(f"{path}: malformed CSV ({e})") from None
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


def import_file(store, path: str | os.PathLike, *, skip_invalid: bool = False,
                ) -> tuple[int, list[Rejected]]:
    """Validate ``path`` and add its runs to ``store``.

    Strict by default: if any record is invalid (including a run id already in the
    store) nothing is written. With ``skip_invalid`` the valid records are written.
    Returns the number written and the rejected records, in line order.
    """
    parsed = read_runs(path)
    in_store = store.existing_ids(r.run_id for r in parsed.runs)
    rejected = list(parsed.rejected)
    keep = []
    for line, run in zip(parsed.lines, parsed.runs, strict=True):
        if run.run_id in in_store:
            rejected.append(Rejected(line, f"duplicate run_id {run.run_id} (already in the store)"))
        else:
            keep.append(run)
    rejected.sort(key=lambda r: r.line)
    if rejected and not skip_invalid:
        return 0, rejected
    return (store.add(keep) if keep else 0), rejected
