"""The run store: SQLite in WAL mode, safe for several concurrent writers.

The store lives at ``--store PATH``, else ``$BAYESLAW_STORE``, else ``./bayeslaw.db``.
Every write is one ``BEGIN IMMEDIATE`` transaction, so concurrent importers
serialize on the write lock (waiting up to ``timeout`` seconds) and a batch lands
whole or not at all. The schema version is SQLite's ``user_version``;
:data:`MIGRATIONS` upgrades an older store in place when it is opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from bayeslaw.checks import KIND_NAMES, file_kind
from bayeslaw.errors import BayeslawError
from bayeslaw.runs.dataframe import to_frame
from bayeslaw.runs.record import Run

DEFAULT_PATH = "bayeslaw.db"

MIGRATIONS: tuple[str, ...] = (
    # 1: runs
    """
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        params INTEGER NOT NULL CHECK (params > 0),
        pretrain_tokens INTEGER NOT NULL CHECK (pretrain_tokens >= 0),
        specialize_tokens INTEGER NOT NULL CHECK (specialize_tokens >= 0),
        domain TEXT NOT NULL,
        loss REAL CHECK (loss IS NULL OR loss > 0),
        seed INTEGER,
        parent_id TEXT,
        flops REAL,
        status TEXT NOT NULL DEFAULT 'completed',
        source TEXT NOT NULL DEFAULT 'import',
        created_at TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}',
        metrics TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX runs_domain ON runs (domain);
    """,
    # 2: checkpoints of pretraining, so that specializations can branch from them
    """
    CREATE TABLE checkpoints (
        ckpt_id TEXT PRIMARY KEY,
        params INTEGER NOT NULL,
        pretrain_tokens INTEGER NOT NULL,
        seed INTEGER,
        path TEXT NOT NULL,
        run_id TEXT,
        created_at TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX checkpoints_nd ON checkpoints (params, pretrain_tokens);
    """,
    # 3: a checkpoint's size and hash, verified before it is loaded; an index on what
    # makes two records the same measurement, for skipping re-imported duplicates
    """
    ALTER TABLE checkpoints ADD COLUMN size INTEGER;
    ALTER TABLE checkpoints ADD COLUMN sha256 TEXT;
    CREATE INDEX runs_measurement ON runs (params, pretrain_tokens, specialize_tokens, domain);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
IMPORT_CACHE_KIB = 32768  # SQLite page cache of an import (KiB); its default is 2000
COLUMNS = (
    "run_id", "params", "pretrain_tokens", "specialize_tokens", "domain", "loss", "seed",
    "parent_id", "flops", "status", "source", "created_at", "config", "metrics",
)


@dataclass(frozen=True)
class Checkpoint:
    """A saved pretraining state of a model of N params after D tokens."""

    ckpt_id: str
    params: int
    pretrain_tokens: int
    path: str
    seed: int | None = None
    run_id: str | None = None
    created_at: str = ""
    config: dict[str, Any] | None = None
    size: int | None = None  # bytes of the file when it was written
    sha256: str | None = None  # its hash, checked before the file is loaded


def _retry(fn, timeout: float):
    """``fn()``, retried while SQLite says the database is locked, for ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def resolve_path(path: str | os.PathLike | None = None) -> Path:
    """``path``, else ``$BAYESLAW_STORE``, else ``./bayeslaw.db``."""
    return Path(path or os.environ.get("BAYESLAW_STORE") or DEFAULT_PATH)


def _row_to_run(row: sqlite3.Row) -> Run:
    d = dict(row)
    d["config"] = json.loads(d["config"])
    d["metrics"] = json.loads(d["metrics"])
    return Run(**d)


def _json(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True) if obj else "{}"


def run_to_row(run: Run) -> tuple:
    # attribute by attribute: dataclasses.asdict deep-copies, a third of a large import
    return (run.run_id, run.params, run.pretrain_tokens, run.specialize_tokens, run.domain,
            run.loss, run.seed, run.parent_id, run.flops, run.status, run.source,
            run.created_at, _json(run.config), _json(run.metrics))


class RunStore:
    """An SQLite run store.

    Parameters
    ----------
    path : path-like, optional
        The database file; see :func:`resolve_path`. Created when missing, unless
        ``create`` is false.
    timeout : float
        Seconds a writer waits for another writer's lock before failing.
    create : bool
        Whether a missing store may be created (false for commands that only read).

    Raises
    ------
    BayeslawError
        If ``path`` is missing and ``create`` is false, or is not a SQLite database.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, timeout: float = 60.0,
                 create: bool = True):
        self.path = resolve_path(path)
        kind = file_kind(self.path)
        if kind is None and not create:
            raise BayeslawError(f"no run store at {self.path}")
        if kind not in (None, "empty", "sqlite"):
            raise BayeslawError(f"{self.path} is not a run store: it is {KIND_NAMES[kind]}, "
                                "not a SQLite database")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._open(timeout)
        except sqlite3.DatabaseError as e:  # a damaged file with a SQLite header
            raise BayeslawError(f"{self.path} is not a usable SQLite database ({e})") from None

    def _open(self, timeout: float) -> None:
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        # Switching to WAL and creating the schema can meet "database is locked" without
        # SQLite's busy handler being consulted (two processes creating one store at
        # once), so both are retried until ``timeout``.
        _retry(lambda: self._conn.execute("PRAGMA journal_mode=WAL"), timeout)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        _retry(self._migrate, timeout)

    def _migrate(self) -> None:
        if self._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return  # current: opening to read writes nothing
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise BayeslawError(
                    f"store {self.path} has schema version {version}, newer than this bayeslaw "
                    f"({SCHEMA_VERSION}); upgrade bayeslaw"
                )
            for v in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[v].split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------
    def existing_ids(self, run_ids: Iterable[str]) -> set[str]:
        """Which of ``run_ids`` are already in the store."""
        ids = list(run_ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT run_id FROM runs WHERE run_id IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in self._conn.execute(q, chunk))
        return found

    def add(self, runs: Sequence[Run]) -> int:
        """Insert ``runs`` in one transaction; all land or none does.

        Raises
        ------
        BayeslawError
            If a run id is already in the store (nothing is written then).
        """
        rows = [run_to_row(r) for r in runs]
        placeholders = ",".join("?" * len(COLUMNS))
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            dup = self.existing_ids(r.run_id for r in runs)
            if dup:
                raise BayeslawError(
                    f"{len(dup)} run id(s) already in the store, e.g. {sorted(dup)[0]}; "
                    "nothing was written"
                )
            self._conn.executemany(
                f"INSERT INTO runs ({','.join(COLUMNS)}) VALUES ({placeholders})", rows
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return len(rows)

    def delete(self, run_ids: Sequence[str]) -> list[str]:
        """Delete runs by id in one transaction; returns the ids that were not found
        (nothing is deleted then)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            missing = sorted(set(run_ids) - self.existing_ids(run_ids))
            if not missing:
                self._conn.executemany("DELETE FROM runs WHERE run_id = ?",
                                       [(r,) for r in run_ids])
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return missing

    def runs(self, *, domains: Sequence[str] | None = None, status: str | None = "completed",
             ) -> list[Run]:
        """Runs in insertion order, optionally only some domains and one status."""
        q, args = "SELECT * FROM runs WHERE 1=1", []
        if domains:
            q += f" AND domain IN ({','.join('?' * len(domains))})"
            args += list(domains)
        if status is not None:
            q += " AND status = ?"
            args.append(status)
        return [_row_to_run(r) for r in self._conn.execute(q + " ORDER BY rowid", args)]

    def to_pandas(self, *, domains: Sequence[str] | None = None, status: str | None = None):
        """The runs as a ``pandas.DataFrame``, one row each, the store's columns by name
        (:func:`bayeslaw.runs.dataframe.to_frame`); all statuses unless ``status``."""
        return to_frame(self.runs(domains=domains, status=status))

    # -- streamed import: one transaction, written in batches (see runs.io.import_file) --
    def begin(self) -> None:
        """Open the import's transaction, with a page cache of :data:`IMPORT_CACHE_KIB`
        until it ends (this connection only): the random inserts into the run-id index
        of a large import then stay in memory."""
        self._conn.execute("BEGIN IMMEDIATE")
        self._cache = self._conn.execute("PRAGMA cache_size").fetchone()[0]
        self._conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")

    def commit(self) -> None:
        self._conn.execute("COMMIT")
        self._conn.execute(f"PRAGMA cache_size = {self._cache}")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")
        self._conn.execute(f"PRAGMA cache_size = {self._cache}")

    def drop_indexes(self) -> list[str]:
        """Drop the runs table's own indexes inside the open transaction and return the
        SQL that recreates them (:meth:`create_indexes`, before the commit; a rollback
        restores them anyway). Filling a store without them and then sorting once per
        index is faster than inserting every row into every index (1e6 rows into an
        empty store: ~6 s of CPU instead of ~10 s); when, see runs.io's
        ``_drop_indexes_now``."""
        found = self._conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = 'runs' AND sql IS NOT NULL").fetchall()
        for name, _ in found:
            self._conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]

    def create_indexes(self, statements: Sequence[str]) -> None:
        for sql in statements:
            self._conn.execute(sql)

    def last_rowid(self) -> int:
        return self._conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM runs").fetchone()[0]

    def same_measurement(self, run: Run, *, before: int | None = None) -> bool:
        """Whether the store holds a record of the same measurement: the same N, D, D',
        domain, seed, loss and source (whatever its id); with ``before``, among the
        records up to that rowid only (see :meth:`last_rowid`)."""
        return self._conn.execute(
            "SELECT 1 FROM runs WHERE params = ? AND pretrain_tokens = ? AND "
            "specialize_tokens = ? AND domain = ? AND seed IS ? AND loss IS ? AND source = ? "
            "AND rowid <= ? LIMIT 1",
            (run.params, run.pretrain_tokens, run.specialize_tokens, run.domain, run.seed,
             run.loss, run.source, before if before is not None else 2**63 - 1),
        ).fetchone() is not None

    def measured(self, rows: Sequence[tuple], *, before: int) -> list[bool]:
        """For each row (:func:`run_to_row`), whether the store holds a record of the same
        measurement among the records up to rowid ``before``, as
        :meth:`same_measurement` asks it, but for a whole batch in one query: the
        batch goes into a temporary table with the same column types (so values compare
        as they would as parameters), probed through the ``runs_measurement`` index."""
        conn = self._conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS batch (params INTEGER, "
                     "pretrain_tokens INTEGER, specialize_tokens INTEGER, domain TEXT, "
                     "seed INTEGER, loss REAL, source TEXT)")
        conn.execute("DELETE FROM batch")  # rowids restart at 1: row i is rowid i + 1
        key = itemgetter(*(COLUMNS.index(c) for c in (
            "params", "pretrain_tokens", "specialize_tokens", "domain", "seed", "loss",
            "source")))
        conn.executemany("INSERT INTO batch VALUES (?,?,?,?,?,?,?)", map(key, rows))
        found = {i - 1 for (i,) in conn.execute(
            "SELECT b.rowid FROM batch b WHERE EXISTS (SELECT 1 FROM runs r WHERE "
            "r.params = b.params AND r.pretrain_tokens = b.pretrain_tokens AND "
            "r.specialize_tokens = b.specialize_tokens AND r.domain = b.domain AND "
            "r.seed IS b.seed AND r.loss IS b.loss AND r.source = b.source AND r.rowid <= ?)",
            (before,))}
        conn.execute("DELETE FROM batch")
        return [i in found for i in range(len(rows))]

    def insert(self, rows: Sequence[tuple]) -> None:
        """Insert rows (:func:`run_to_row`) inside a transaction opened by :meth:`begin`
        (no duplicate check)."""
        self._conn.executemany(
            f"INSERT INTO runs ({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})",
            rows)

    def get(self, run_id: str) -> Run | None:
        row = self._conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else _row_to_run(row)

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def domains(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT domain FROM runs ORDER BY 1")]

    # -- checkpoints ----------------------------------------------------------
    def add_checkpoint(self, ckpt: Checkpoint) -> None:
        """Record a checkpoint (replacing one with the same id)."""
        self._conn.execute(
            "INSERT OR REPLACE INTO checkpoints (ckpt_id, params, pretrain_tokens, seed, path, "
            "run_id, created_at, config, size, sha256) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (ckpt.ckpt_id, ckpt.params, ckpt.pretrain_tokens, ckpt.seed, ckpt.path,
             ckpt.run_id, ckpt.created_at, json.dumps(ckpt.config or {}, sort_keys=True),
             ckpt.size, ckpt.sha256),
        )

    def checkpoints(self, *, params: int | None = None) -> list[Checkpoint]:
        q, args = "SELECT * FROM checkpoints", []
        if params is not None:
            q, args = q + " WHERE params = ?", [params]
        out = []
        for r in self._conn.execute(q + " ORDER BY params, pretrain_tokens", args):
            d = dict(r)
            d["config"] = json.loads(d["config"])
            out.append(Checkpoint(**d))
        return out
