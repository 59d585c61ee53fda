"""Run identifiers: a readable prefix and a random string over a lowercase alphanumeric
alphabet (nanoid's format).

The alphabet has no ``-`` or ``_``, so an id never starts with ``-`` (it would be
read as a command-line option) and can be double-clicked as one word.
"""

from __future__ import annotations

import os

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
SIZE = 14  # 36**14 ~ 6e21 ids: collisions are negligible for any campaign
_USABLE = 256 - 256 % len(ALPHABET)  # bytes below 252 map uniformly onto 36 characters
_TABLE = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _USABLE else 0 for b in range(256))
_DROP = bytes(range(_USABLE, 256))


def new_id(prefix: str = "run") -> str:
    """A fresh id such as ``run_k3x9q0m2a7bz1c``: 14 characters drawn uniformly from the
    alphabet with the OS's random source (nanoid's method: bytes that would bias the
    draw are dropped; done with ``bytes.translate``, so a 1e6-row import spends about a
    second here)."""
    while True:
        chars = os.urandom(2 * SIZE).translate(_TABLE, _DROP)
        if len(chars) >= SIZE:  # fails with probability ~1e-14
            return f"{prefix}_{chars[:SIZE].decode()}"


def new_ids(count: int, prefix: str = "run") -> list[str]:
    """``count`` fresh ids drawn as :func:`new_id` draws them (14 uniform characters
    each, biasing bytes dropped), from a few large reads of the OS's random source
    instead of one per id: a large import makes its ids at once."""
    need = count * SIZE
    chars = b""
    while len(chars) < need:  # 256/252 bytes per character, plus a margin
        chars += os.urandom((need - len(chars)) * 33 // 32 + 64).translate(_TABLE, _DROP)
    text = chars[:need].decode()
    return [f"{prefix}_{text[i : i + SIZE]}" for i in range(0, need, SIZE)]
