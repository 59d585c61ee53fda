"""Runs: the record, its validation, the SQLite store and file import/export."""

from bayeslaw.runs.ids import new_id
from bayeslaw.runs.io import ParsedFile, Rejected, import_file, read_runs, write_runs
from bayeslaw.runs.record import FIELDS, Run, validate
from bayeslaw.runs.store import Checkpoint, RunStore, resolve_path

__all__ = [
    "FIELDS", "Checkpoint", "ParsedFile", "Rejected", "Run", "RunStore", "import_file",
    "new_id", "read_runs", "resolve_path", "validate", "write_runs",
]
