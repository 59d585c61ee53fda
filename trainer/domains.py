"""Text domains: the bundled ones and the user's own directories of text.

A domain is a name, a training byte array and a held-out validation byte array
(byte-level tokens, vocabulary 256). Bundled domains live in ``trainer/domains``
(see ``SOURCES.md`` there). A user domain is ``NAME=DIR``: every regular file under
DIR is read as bytes in sorted order; one file in :data:`VAL_EVERY` (the 1st, the
21st, ...) is held out for validation. A user domain may shadow a bundled one.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from bayeslaw.errors import BayeslawError

BUNDLED = Path(__file__).with_name("domains")
VAL_EVERY = 20  # one user file in 20 is held out


@dataclass(frozen=True)
class Domain:
    name: str
    train: np.ndarray  # uint8 tokens
    val: np.ndarray  # uint8 tokens, held out
    source: str


def manifest() -> dict:
    return json.loads((BUNDLED / "manifest.json").read_text())


@cache
def _bundled(name: str) -> Domain:
    def read(part):
        return np.frombuffer(gzip.open(BUNDLED / f"{name}.{part}.gz").read(), dtype=np.uint8)
    return Domain(name, read("train"), read("val"), manifest()[name]["source"])


@cache
def _user(name: str, directory: str) -> Domain:
    files = sorted(p for p in Path(directory).rglob("*") if p.is_file())
    if len(files) < 2:
        raise BayeslawError(f"domain {name}={directory}: needs at least two files "
                            "(one in twenty is held out for validation)")
    val = [p.read_bytes() for i, p in enumerate(files) if i % VAL_EVERY == 0]
    train = [p.read_bytes() for i, p in enumerate(files) if i % VAL_EVERY != 0]
    as_array = lambda parts: np.frombuffer(b"\n".join(parts), dtype=np.uint8)  # noqa: E731
    return Domain(name, as_array(train), as_array(val), f"user directory {directory}")


def parse_user(items: list[str] | None) -> dict[str, str]:
    """``["law=/data/law", ...]`` -> ``{"law": "/data/law"}``, checking each directory."""
    out = {}
    for item in items or []:
        name, sep, directory = item.partition("=")
        if not sep or not name or not Path(directory).is_dir():
            raise BayeslawError(f"--domain-dir {item!r}: expected NAME=DIRECTORY with an "
                                "existing directory")
        out[name] = str(Path(directory).resolve())
    return out


def names(user: dict[str, str] | None = None) -> list[str]:
    return sorted(set(manifest()) | set(user or {}))


def load(name: str, user: dict[str, str] | None = None) -> Domain:
    """The domain called ``name``; a clear error listing the known ones otherwise."""
    user = user or {}
    if name in user:
        return _user(name, user[name])
    if name in manifest():
        return _bundled(name)
    raise BayeslawError(f"unknown domain {name!r}; known: {', '.join(names(user))} "
                        "(or add one with --domain-dir NAME=DIR)")
