"""Run identifiers: a readable prefix and a nanoid from a lowercase alphanumeric alphabet.

The alphabet has no ``-`` or ``_``, so an id never starts with ``-`` (it would be
read as a command-line option) and can be double-clicked as one word.
"""

from __future__ import annotations

from nanoid import generate

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
SIZE = 14  # 36**14 ~ 6e21 ids: collisions are negligible for any campaign


def new_id(prefix: str = "run") -> str:
    """A fresh id such as ``run_k3x9q0m2a7bz1c``."""
    return f"{prefix}_{generate(ALPHABET, SIZE)}"
