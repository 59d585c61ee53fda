"""The compute-optimal frontier: optimal N, D, D' and loss as functions of the budget.

For each budget C_j: the per-draw optima (their quantiles are the bands) and the
Bayes decision with its expected loss, data for the report's plots.

Speed. Budgets are visited in increasing order; each budget's search
(:func:`bayeslaw.plan.search.solve`) starts its Newton polish from the optima of the
previous budgets, extrapolated linearly in log C, instead of the coarse grid (the
first budget gets the grid). Searchers the polish cannot certify get the grid search,
as in :func:`bayeslaw.plan.plan`, so both give the same optima
(tests/plan/test_frontier.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
from bayeslaw.draws import Draws
from bayeslaw.plan.constraints import Constraints, SearchSpace, search_space
from bayeslaw.plan.decision import Decision, losses_at, quantiles
from bayeslaw.plan.objective import DomainSet
from bayeslaw.plan.search import (
    Allocation,
    per_draw_layout,
    per_draw_result,
    pooled_layout,
    prepare,
    solve,
)
from bayeslaw.population import select

FIELDS = ("params", "pretrain_tokens", "specialize_tokens", "pretrain_share", "loss")


@dataclass(frozen=True)
class Frontier:
    """Per budget (arrays of length J): ``bands[field][q]`` quantiles of the per-draw optima,
    ``bayes[field]`` the Bayes decision (its ``loss`` the expected loss) and
    ``bayes_loss_interval[q]`` the interval of its loss; D' is per domain (mean over
    domains when heterogeneous)."""

    budgets: np.ndarray
    domains: tuple[str, ...]
    bands: dict
    bayes: dict
    bayes_loss_interval: dict

    def to_dict(self) -> dict:
        return {"budgets": self.budgets, "domains": list(self.domains), "bands": self.bands,
                "bayes": self.bayes, "bayes_loss_interval": self.bayes_loss_interval}


def _stack(rows: list[dict]) -> dict:
    out = {}
    for key, v in rows[0].items():
        out[key] = _stack([r[key] for r in rows]) if isinstance(v, dict) else np.array(
            [r[key] for r in rows])
    return out


class _Track:
    """Optima of B searchers along increasing budgets, each started from the last ones."""

    def __init__(self, law, theta, ds: DomainSet, quantile: float | None = None):
        self.law, self.theta, self.ds, self.quantile = law, theta, ds, quantile
        self.history: list[tuple[float, np.ndarray, np.ndarray]] = []

    def _start(self, sp: SearchSpace):
        if not self.history:
            return None
        if len(self.history) == 1:
            _, u, s = self.history[-1]
            return u, s
        (c0, u0, s0), (c1, u1, s1) = self.history[-2:]
        r = (math.log(sp.budget) - c1) / (c1 - c0) if c1 > c0 else 0.0
        return u1 + r * (u1 - u0), s1 + r * (s1 - s0)

    def solve(self, sp: SearchSpace) -> Allocation:
        a = solve(self.law, self.theta, self.ds.k, len(self.ds.columns), sp, self.quantile,
                  self._start(sp))
        u = np.log(a.params)
        tokens = sp.budget / (FLOPS_PER_PARAM_TOKEN * a.params)
        self.history.append((math.log(sp.budget), u, np.clip(a.pretrain_tokens / tokens, 0, 1)))
        return a


def _band(o) -> dict:
    Dp = o.specialize_tokens if o.specialize_tokens.ndim == 1 else o.specialize_tokens.mean(1)
    return {"params": quantiles(o.params), "pretrain_tokens": quantiles(o.pretrain_tokens),
            "specialize_tokens": quantiles(Dp), "pretrain_share": quantiles(o.pretrain_share),
            "loss": quantiles(o.loss)}


def _solve_all(draws, ds, theta, spaces, quantile):
    """(per-draw optimum, Bayes decision) per search space, budgets increasing."""
    per_draw = _Track(draws.law, per_draw_layout(theta), ds)
    bayes = _Track(draws.law, pooled_layout(theta), ds, quantile)
    out = []
    for sp in spaces:
        a = bayes.solve(sp)
        d = Decision(float(a.params[0]), float(a.pretrain_tokens[0]), a.specialize_tokens[0],
                     ds.k)
        out.append((per_draw_result(per_draw.solve(sp), ds), d))
    return out


def frontier(draws: Draws, budgets: Sequence[float], k: int, *,
             domains: Sequence[str] | None = None, new_domains: int = 0,
             constraints: Constraints | None = None, quantile: float | None = None) -> Frontier:
    """Optimal allocations over ``budgets`` (see :func:`bayeslaw.plan.plan` for arguments)."""
    draws, domains = select(draws, k, domains, new_domains)
    C = np.asarray(budgets, dtype=float)
    order = np.argsort(C, kind="stable")
    ds, theta, _ = prepare(draws, k, domains, constraints, float(C[order[0]]))
    spaces = [search_space(constraints, float(c)) for c in C[order]]
    solved = _solve_all(draws, ds, theta, spaces, quantile)
    solved = [solved[i] for i in np.argsort(order, kind="stable")]
    decisions = [d for _, d in solved]
    L = losses_at(draws, ds, np.array([d.params for d in decisions]),
                  np.array([d.pretrain_tokens for d in decisions]),
                  np.stack([d.specialize_tokens for d in decisions]))
    bayes = [{"params": d.params, "pretrain_tokens": d.pretrain_tokens,
              "specialize_tokens": d.specialize_total / d.k, "pretrain_share": d.pretrain_share,
              "loss": float(L[:, j].mean())} for j, d in enumerate(decisions)]
    return Frontier(C, ds.names, _stack([_band(o) for o, _ in solved]), _stack(bayes),
                    _stack([quantiles(L[:, j]) for j in range(len(decisions))]))
