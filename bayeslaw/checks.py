"""Checks of user-given values and output paths, in one place.

The CLI (through argparse types, see :mod:`bayeslaw.cli.common`), the run records,
the trainer's specs and settings and the study TOML call the same functions, so a
budget, a token count or a fraction is refused with the same words wherever it comes
from. Each check returns the cleaned value or raises :class:`BayeslawError` stating
the fact; the CLI adds the remedy. Nothing here imports more than the standard
library, so a bad argument is refused before jax or torch load.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError

SQLITE_MAX_INT = 2**63 - 1  # SQLite INTEGER is a signed 64-bit value


def parse_number(value: Any, name: str) -> float:
    """A finite float from a number or a plain decimal string.

    Refuses booleans, NaN and infinities, and strings Python would read but a
    spreadsheet would not (``5_0000``).
    """
    raw = value
    if isinstance(value, bool) or value is None:
        raise BayeslawError(f"{name} must be a number (got {value!r})")
    if isinstance(value, str):
        if "_" in value:
            raise BayeslawError(f"{name} must be a plain number, without '_' (got {value!r})")
        try:
            value = float(value)
        except ValueError:
            raise BayeslawError(f"{name} must be a number (got {value!r})") from None
    if not isinstance(value, int | float):
        try:
            value = float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise BayeslawError(f"{name} must be a number (got {value!r})") from None
    x = float(value)
    if not math.isfinite(x):
        raise BayeslawError(f"{name} must be finite (got {raw!r})")
    return x


def positive(value: Any, name: str) -> float:
    """A finite number > 0 (a budget, a loss)."""
    x = parse_number(value, name)
    if x <= 0:
        raise BayeslawError(f"{name} must be > 0 (got {value!r})")
    return x


def fraction(value: Any, name: str) -> float:
    """A number strictly between 0 and 1 (an acceptance rate, a quantile)."""
    x = parse_number(value, name)
    if not 0 < x < 1:
        raise BayeslawError(f"{name} must be between 0 and 1, exclusive (got {value!r})")
    return x


def count(value: Any, name: str, minimum: int = 0) -> int:
    """A parameter or token count: rounded to an integer, ``>= minimum`` and small
    enough for SQLite's 64-bit integers (non-integral values such as D = C / 6N are
    rounded)."""
    x = parse_number(value, name)
    if x > SQLITE_MAX_INT:
        raise BayeslawError(f"{name} is too large (got {value!r}; at most {SQLITE_MAX_INT:.3g})")
    n = int(round(x))
    if n < minimum:
        raise BayeslawError(f"{name} must be >= {minimum} (got {value!r})")
    return n


def integer(value: Any, name: str, minimum: int = 1) -> int:
    """A setting that must be a whole number ``>= minimum`` (a batch size, a number
    of domains); ``64.0`` is accepted, ``64.5`` and ``"64"`` in a JSON file are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BayeslawError(f"{name} must be an integer (got {value!r})")
    x = parse_number(value, name)
    if x != int(x):
        raise BayeslawError(f"{name} must be an integer (got {value!r})")
    if x < minimum:
        raise BayeslawError(f"{name} must be >= {minimum} (got {value!r})")
    if x > SQLITE_MAX_INT:
        raise BayeslawError(f"{name} is too large (got {value!r})")
    return int(x)


def text(value: Any, name: str) -> str:
    """A non-empty string (a domain name, an id)."""
    if not isinstance(value, str) or not value.strip():
        raise BayeslawError(f"{name} must be a non-empty string (got {value!r})")
    return value.strip()


def text_list(value: Any, name: str) -> tuple[str, ...]:
    """A list of non-empty strings; a bare string is refused (it is not a list of
    its letters)."""
    if isinstance(value, str) or not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise BayeslawError(f"{name} must be a list of strings (got {value!r})")
    return tuple(text(v, f"{name} item") for v in value)


def sequence(value: Any, name: str) -> list:
    """A list (not a string, not a mapping)."""
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise BayeslawError(f"{name} must be a list (got {value!r})")
    return list(value)


def number_map(value: Any, name: str) -> dict[str, float]:
    """A mapping of names to finite numbers >= 0 (mixture weights)."""
    if not isinstance(value, Mapping):
        raise BayeslawError(f"{name} must be a table of name = number (got {value!r})")
    out = {}
    for k, v in value.items():
        x = parse_number(v, f"{name}[{k}]")
        if x < 0:
            raise BayeslawError(f"{name}[{k}] must be >= 0 (got {v!r})")
        out[text(k, f"{name} key")] = x
    return out


# -- file kinds ---------------------------------------------------------------------------
_MAGIC = (
    (b"SQLite format 3\x00", "sqlite"),
    (b"\x89HDF\r\n\x1a\n", "hdf5"),  # netCDF-4 files are HDF5
    (b"CDF\x01", "netcdf"), (b"CDF\x02", "netcdf"),
    (b"PK\x03\x04", "zip"), (b"%PDF", "pdf"), (b"\x7fELF", "executable"),
    (b"\x89PNG", "png"), (b"PAR1", "parquet"),
)
KIND_NAMES = {"sqlite": "a SQLite database (a run store?)", "hdf5": "an HDF5/netCDF file",
              "netcdf": "a netCDF file", "text": "a text file", "binary": "a binary file",
              "zip": "a zip archive", "pdf": "a PDF", "executable": "an executable",
              "png": "a PNG image", "parquet": "a parquet file", "directory": "a directory",
              "empty": "an empty file"}
POSTERIOR_KINDS = ("hdf5", "netcdf")
TEXT_KINDS = ("text",)


def file_kind(path: str | os.PathLike) -> str | None:
    """What an existing file is, by its first bytes; ``None`` if nothing is there."""
    p = Path(path)
    if p.is_dir():
        return "directory"
    if not p.exists():
        return None
    with p.open("rb") as f:
        head = f.read(4096)
    if not head:
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # a multi-byte character cut at the end is fine
            return "binary"
    return "text"


def output(path: str | os.PathLike, kinds: tuple[str, ...], *, force: bool = False,
           what: str = "output") -> Path:
    """Check before any work that ``path`` can be written: its folder exists and any
    file already there is of one of ``kinds`` (the writer's own), unless ``force``.

    Raises
    ------
    BayeslawError
        Naming the missing folder, or what the existing file is.
    """
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise BayeslawError(f"{what} {p}: folder {parent} does not exist")
    kind = file_kind(p)
    if kind == "directory":
        raise BayeslawError(f"{what} {p} is a directory")
    if kind is not None and kind != "empty" and kind not in kinds and not force:
        raise BayeslawError(f"{what} {p} exists and is {KIND_NAMES[kind]}, not "
                            f"{' or '.join(KIND_NAMES[k] for k in kinds)}; refusing to "
                            "overwrite it")
    return p
