"""isoFLOP curves of split-model training: the best loss a model of size N reaches
at a fixed compute, with its posterior bands.

At compute C and k domains a model of N parameters trains on T = C / (6 N) tokens
in all (:mod:`bayeslaw.compute`), split as D = s T of pretraining and k D' =
(1 - s) T of specialization. For each posterior draw and each N the curve takes the
best pretraining share s on a grid,

    L*_s(N; C) = min_s mean_i L(N, s T, (1 - s) T / k; theta_s, domain i),

the loss averaged over the planned domains i. The bands are quantiles of L*_s(N; C)
over draws s; the minimum over N of each draw's curve is that draw's compute-optimal
model size. This is a view for the report (a grid search), not the planner: the
plan section shows the planner's own refined decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.compute import tokens_for_budget
from bayeslaw.draws import Draws, thin
from bayeslaw.population import select
from bayeslaw.report import predictive as pred


@dataclass(frozen=True)
class IsoFlop:
    """One budget's isoFLOP curve.

    Attributes
    ----------
    budget : float
        C, FLOPs.
    N : ndarray (G,)
        Model sizes of the curve.
    loss : dict of ndarray (G,)
        Quantiles q05..q95 over draws of the best loss at each N.
    share : ndarray (G,)
        Median over draws of the best pretraining share at each N.
    N_opt : ndarray (S,)
        Each draw's compute-optimal N on the grid.
    """

    budget: float
    N: np.ndarray
    loss: dict[str, np.ndarray]
    share: np.ndarray
    N_opt: np.ndarray


def share_grid(n: int = 41) -> np.ndarray:
    """Pretraining shares from 0 (specialist from scratch) to 1 (no specialization)."""
    return np.linspace(0.0, 1.0, n)


def best_over_share(draws: Draws, domains: Sequence[str], N: np.ndarray, budget: float,
                    k: int, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and N, the lowest domain-averaged loss over ``shares`` and its share.

    Returns (loss, share), each ``(S, len(N))``.
    """
    T = tokens_for_budget(budget, N)[:, None]
    D = (shares[None, :] * T).ravel()
    Dp = ((1 - shares[None, :]) * T / k).ravel()
    NN = np.repeat(N, len(shares))
    loss = np.mean([pred.mean_loss(draws, d, NN, D, Dp) for d in domains], axis=0)
    loss = loss.reshape(draws.n_draws, len(N), len(shares))
    best = loss.argmin(axis=2)
    return np.take_along_axis(loss, best[..., None], axis=2)[..., 0], shares[best]


def isoflop(draws: Draws, budget: float, k: int, domains: Sequence[str] | None = None, *,
            N_range: tuple[float, float] | None = None, n_points: int = 40,
            max_draws: int = 300) -> IsoFlop:
    """The isoFLOP curve at ``budget`` for ``k`` domains (see the module docstring).

    ``N_range`` defaults to the sizes that leave between 1 and 1e5 tokens per
    parameter at this budget: ``sqrt(C / 6e5)`` to ``sqrt(C / 6)``.
    """
    draws, names = select(draws, k, domains)  # the plan's new domains, if any
    draws = thin(draws, max_draws)
    domains = list(names or draws.domains)
    lo, hi = N_range or (np.sqrt(budget / 6e5), np.sqrt(budget / 6.0))
    N = np.geomspace(lo, hi, n_points)
    loss, share = best_over_share(draws, domains, N, budget, k, share_grid())
    N_opt = N[loss.argmin(axis=1)]
    return IsoFlop(float(budget), N, pred.quantiles(loss), np.median(share, axis=0), N_opt)
