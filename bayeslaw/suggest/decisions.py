"""The decisions a campaign is trying to make, and their loss under each draw.

The planner's question at budget C with k domains is a choice of (N, D, D') with
6 N (D + k D') = C. We discretize it: log-spaced model sizes N (tokens per
parameter T/N from ``ratio_range``, T = C / 6N) times pretraining shares
p = D / (D + k D') in [0, 1], so D = p T and D' = (1 - p) T / k. Under draw s the
decision m has the mean domain loss

    L[s, m] = (1 / n_dom) sum_j L_{theta_s, j}(N_m, D_m, D'_m)

(:func:`bayeslaw.plan.decision_losses`) and the draw's own best loss is
L*_s = min_m L[s, m]. The expected regret of the
Bayes decision under weights w is

    R(w) = min_m sum_s w_s L[s, m]  -  sum_s w_s L*_s,

which the acquisition tracks. For speed the set is then pruned to the decisions
that are best for at least one draw (the candidates for a reweighted Bayes
decision); L*_s keeps the full grid's minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
from bayeslaw.draws import Draws
from bayeslaw.plan import decision_losses


@dataclass(frozen=True)
class Decisions:
    """M decisions at one budget and their losses under S draws.

    Attributes: ``params``, ``pretrain_tokens``, ``specialize_tokens`` (M,);
    ``loss`` (S, M) mean domain loss; ``best`` (S,) each draw's best loss.
    """

    params: np.ndarray
    pretrain_tokens: np.ndarray
    specialize_tokens: np.ndarray
    loss: np.ndarray
    best: np.ndarray


def decision_grid(budget: float, k: int, *, n_params: int = 48, n_shares: int = 41,
                  ratio_range: tuple[float, float] = (0.5, 5000.0)):
    """(N, D, D') of every grid decision spending exactly ``budget`` (arrays (M,))."""
    T_over_N = np.geomspace(ratio_range[0], ratio_range[1], n_params)
    N = np.sqrt(budget / (FLOPS_PER_PARAM_TOKEN * T_over_N))
    share = np.linspace(0.0, 1.0, n_shares)
    N, p = (a.ravel() for a in np.meshgrid(N, share, indexing="ij"))
    T = budget / (FLOPS_PER_PARAM_TOKEN * N)
    return N, p * T, (1.0 - p) * T / k


def decisions_at(draws: Draws, budget: float, k: int, *, domains: Sequence[str] | None = None,
                 prune: bool = True, **grid) -> Decisions:
    """The decision set at ``budget`` under ``draws`` (see the module docstring)."""
    N, D, Dp = decision_grid(budget, k, **grid)
    loss = decision_losses(draws, (N, D, Dp), k, domains=domains)
    best = loss.min(axis=1)
    keep = np.unique(loss.argmin(axis=1)) if prune else np.arange(loss.shape[1])
    keep = np.union1d(keep, [loss.mean(axis=0).argmin()])
    return Decisions(N[keep], D[keep], Dp[keep], loss[:, keep], best)


def bayes_index(dec: Decisions, weights: np.ndarray | None = None) -> int:
    """Index in ``dec`` of the Bayes decision: the least expected loss under ``weights``
    (default uniform) among the grid's decisions (the planner's, over the continuous
    allocations, is :func:`bayeslaw.plan.decision.bayes_decision`)."""
    w = np.full(dec.loss.shape[0], 1.0 / dec.loss.shape[0]) if weights is None else weights
    return int(np.argmin(w @ dec.loss))


def expected_regret(dec: Decisions, weights: np.ndarray | None = None) -> float:
    """Relative expected regret ``R(w) / sum_s w_s L*_s`` of the Bayes decision."""
    w = np.full(dec.loss.shape[0], 1.0 / dec.loss.shape[0]) if weights is None else weights
    m = bayes_index(dec, w)
    return float(w @ (dec.loss[:, m] - dec.best) / (w @ dec.best))
