"""Conventions shared by every subcommand.

- ``--json`` prints exactly one JSON document on stdout; logs and progress bars go
  to stderr.
- Exit codes: 0 success, 2 bad input or usage (:class:`~bayeslaw.errors.BayeslawError`),
  1 internal failure.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", metavar="DB",
        help="run store (SQLite file); default $BAYESLAW_STORE or ./bayeslaw.db",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _clean(obj: Any) -> Any:
    """Make numpy scalars/arrays and non-finite floats JSON-safe (NaN -> null)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def emit_json(obj: Any) -> None:
    """Print ``obj`` as the command's single JSON document."""
    sys.stdout.write(json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n")


def log(message: str) -> None:
    """A human-readable line on stderr."""
    print(message, file=sys.stderr)


def open_store(args: argparse.Namespace, *, must_exist: bool = False):
    from bayeslaw.errors import BayeslawError
    from bayeslaw.runs.store import RunStore, resolve_path

    path = resolve_path(getattr(args, "store", None))
    if must_exist and not path.exists():
        raise BayeslawError(
            f"no run store at {path}; import runs first (bayeslaw runs import FILE) "
            "or point --store / $BAYESLAW_STORE at an existing one"
        )
    return RunStore(path)
