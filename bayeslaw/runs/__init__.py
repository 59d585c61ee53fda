"""Runs: the record, its validation, the SQLite store and file import/export."""

from bayeslaw.runs.frames import from_pandas, import_table, read_table, to_frame, write_table
from bayeslaw.runs.ids import new_id
from bayeslaw.runs.io import ParsedFile, Rejected, import_file, read_runs, write_runs
from bayeslaw.runs.mapping import ColumnMap
from bayeslaw.runs.record import FIELDS, Run, validate
from bayeslaw.runs.store import Checkpoint, RunStore, resolve_path

__all__ = [
    "FIELDS", "Checkpoint", "ColumnMap", "ParsedFile", "Rejected", "Run", "RunStore",
    "from_pandas", "import_file", "import_table", "new_id", "read_runs", "read_table",
    "resolve_path", "to_frame", "validate", "write_runs", "write_table",
]
