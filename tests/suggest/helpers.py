"""Small worlds shared by the suggest tests."""

from __future__ import annotations

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.laws import get as get_law
from bayeslaw.suggest.candidates import Menu

TRUTH = dict(E=1.5, A=30.0, alpha=0.3, B=60.0, beta=0.3, G=0.5, S=2e6, gamma=0.5)
MENU = Menu((30_000, 100_000, 300_000), (0, 1_000_000, 3_000_000), (0, 300_000, 1_000_000),
            ("default",))
BUDGET = 2e15


def perturbed(S: int = 200, scale: float = 0.05, seed: int = 0,
              domains: tuple[str, ...] = ("default",)) -> Draws:
    """Draws of domain_gap scattered around TRUTH (log-normal, relative ``scale``)."""
    rng = np.random.default_rng(seed)
    law = get_law("domain_gap")
    params = {}
    for k, v in TRUTH.items():
        shape = (S, len(domains)) if k in law.domain_params else (S,)
        params[k] = v * np.exp(scale * rng.standard_normal(shape))
    return Draws(law, domains, params)


def noise(S: int, sigma: float = 0.005, nu: float = 30.0) -> dict:
    return {"sigma": np.full(S, sigma), "nu": np.full(S, nu)}
