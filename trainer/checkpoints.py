"""Checkpoint files: written atomically, verified by hash, loaded as tensors only; and
a lock per stream, so that workers sharing a stream train it once.

A file is written under a unique temporary name in its folder (``mkstemp``) and renamed
into place (``os.replace``, atomic on POSIX): a kill leaves no half-written file under
the final name, and two processes saving the same state never write one temporary
file. Loading uses ``torch.load(weights_only=True)``, so a file planted in the folder
cannot run code.

Pretraining checkpoints are registered in the run store with their size and sha256
(:mod:`trainer.runner`). Saves between them (of pretraining, specialization streams,
decays) are resume points, not bases to branch from, so they stay out of the store's
checkpoint table (which the suggester reads as pretraining checkpoints at (N, D)): a
:class:`StreamFiles` names each ``{prefix}_{position}_{sha256}.pt``, and the rename sets
the name (position and hash) together with the content.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from bayeslaw.errors import BayeslawError


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(path: str | Path, device: str) -> dict:
    """A checkpoint's tensors and plain values only (``weights_only=True``): a file
    planted in the checkpoint folder must never run code when it is unpickled."""
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as e:
        raise BayeslawError(f"checkpoint {path} holds more than tensors and plain values; "
                            "refusing to load it (delete the file to retrain)") from e


def write(state: dict, path: Path, name: Callable[[str], str] | None = None) -> Path:
    """Save ``state`` to a unique temporary file next to ``path`` and rename it to
    ``path``, or to ``name(sha256 of the file)`` in the same folder; returns the final
    path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; keep what open() would give
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
        final = path if name is None else path.with_name(name(sha256(tmp)))
        os.replace(tmp, final)
        return final
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the block. The
    kernel releases it when the process dies, so a killed worker never leaves it held.
    (On NFS, Linux emulates ``flock`` with byte-range locks, which NFS supports.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@dataclass(frozen=True)
class StreamFiles:
    """The saved positions of one stream: files ``{prefix}_{position}_{sha256}.pt`` in
    ``folder``, ``position`` counting steps from the stream's start."""

    folder: Path
    prefix: str

    def saved(self) -> list[tuple[int, str, Path]]:
        """(position, recorded hash, path) of every saved file, latest first."""
        out = []
        for p in self.folder.glob(f"{self.prefix}_*_*.pt"):
            pos, digest = p.stem[len(self.prefix) + 1:].split("_", 1)
            if pos.isdigit():
                out.append((int(pos), digest, p))
        return sorted(out, reverse=True)

    def save(self, state: dict, position: int) -> Path:
        """Write ``state`` as the stream at ``position``, then delete this stream's
        files at earlier positions (a later one, another worker's, stays)."""
        stem = f"{self.prefix}_{position:010d}"
        final = write(state, self.folder / f"{stem}.pt", lambda h: f"{stem}_{h}.pt")
        for pos, _, p in self.saved():
            if pos < position:
                p.unlink(missing_ok=True)
        return final

    def clear(self, at_most: int | None = None) -> None:
        """Delete this stream's saved positions (those <= ``at_most``, if given)."""
        for pos, _, p in self.saved():
            if at_most is None or pos <= at_most:
                p.unlink(missing_ok=True)

    def latest(self, at_most: int, device: str) -> tuple[int, dict] | None:
        """The state at the latest position <= ``at_most`` whose file matches the hash
        in its name (a truncated or altered one is skipped), or None."""
        for pos, digest, p in self.saved():
            if pos > at_most:
                continue
            try:
                if sha256(p) == digest:
                    return pos, load(p, device)
            except FileNotFoundError:  # deleted by another worker since the listing
                continue
        return None
