"""Shared test laws and draw clouds for the planner tests."""

from __future__ import annotations

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.laws import get

# Hoffmann et al. 2022 (approach 3) and a domain gap closed on a 1e9-token scale.
CHINCHILLA = dict(E=1.69, A=406.4, alpha=0.34, B=410.7, beta=0.28)
DOMAIN_GAP = dict(E=1.8, A=400.0, alpha=0.34, B=410.0, beta=0.28, G=0.5, S=1e9, gamma=0.6)


def cloud(values: dict, S: int, spread: float = 0.05, seed: int = 0,
          domains=("a",), law: str = "domain_gap") -> Draws:
    """S draws with every parameter perturbed log-normally by ``spread`` (per domain for
    per-domain parameters, the domain columns differing too)."""
    rng = np.random.default_rng(seed)
    law_ = get(law)
    params = {}
    for p, v in values.items():
        if p in law_.domain_params:
            x = np.asarray(v, float) * np.exp(spread * rng.standard_normal((S, len(domains))))
        else:
            x = v * np.exp(spread * rng.standard_normal(S))
        params[p] = x
    return Draws(law_, tuple(domains), params)


def numpy_loss(law: str, theta: dict, N, D, Dp):
    """The law evaluated directly (not in log space) in numpy, for brute-force checks."""
    L = theta["E"] + theta["A"] * N ** -theta["alpha"] + theta["B"] * (D + Dp) ** -theta["beta"]
    if law == "domain_gap":
        L = L + theta["G"] * (1 + Dp / theta["S"]) ** -theta["gamma"]
    return L
