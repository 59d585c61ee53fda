"""The registry of scaling laws L(N, D, D').

Each law is a module with a pure jax ``log_loss(theta, N, D, D_prime)`` and a
:class:`~bayeslaw.laws.base.Law` named ``LAW``. :func:`get` looks one up by name.
"""

from __future__ import annotations

from bayeslaw.errors import BayeslawError
from bayeslaw.laws import (
    chinchilla,
    domain_gap,
    effective_transfer,
    multiplicative,
    prelearned,
    repetition,
    saturation,
)
from bayeslaw.laws.base import Law

REGISTRY: dict[str, Law] = {
    m.LAW.name: m.LAW for m in (chinchilla, domain_gap, effective_transfer, saturation,
                                prelearned, repetition, multiplicative)
}


def get(name: str) -> Law:
    """The law registered as ``name``."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise BayeslawError(
            f"unknown law {name!r}; choose one of {', '.join(REGISTRY)} (see `bayeslaw laws`)"
        ) from None


def names() -> list[str]:
    return list(REGISTRY)


__all__ = ["REGISTRY", "Law", "get", "names"]
