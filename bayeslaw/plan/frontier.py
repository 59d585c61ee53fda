"""The compute-optimal frontier: optimal N, D, D' and loss as functions of the budget.

For each budget C_j: the per-draw optima (their quantiles are the bands) and the
Bayes decision with its expected loss, data for the report's plots.

Speed. Budgets are visited in increasing order. Without constraints, with
homogeneous domains and the posterior-mean decision (the usual frontier), the
first budget gets a coarse grid search and every budget a Newton polish
(:mod:`bayeslaw.plan.polish`) started from the optima of the previous budgets,
extrapolated linearly in log C; a searcher the polish cannot certify (Hessian not
positive definite, not converged, or at a bound) gets the full grid search of
:func:`bayeslaw.plan.search.solve`. Otherwise each budget is solved as by
:func:`bayeslaw.plan.plan`. Both give the same optima (tests/plan/test_frontier.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.plan import kernel, polish
from bayeslaw.plan.constraints import Constraints, SearchSpace, search_space
from bayeslaw.plan.decision import Decision, bayes_decision, losses_at, quantiles
from bayeslaw.plan.objective import DomainSet
from bayeslaw.plan.search import (
    Allocation,
    allocation,
    bounds,
    config,
    per_draw_result,
    prepare,
    solve,
)
from bayeslaw.population import select

FIELDS = ("params", "pretrain_tokens", "specialize_tokens", "pretrain_share", "loss")
WARM_LEVELS = 6  # zoom steps of the first budget's grid search before the polish
FALLBACK_CHUNK = 128  # searchers per grid search for those the polish leaves


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
    """Optima of B searchers along increasing budgets, each warm-started from the last."""

    def __init__(self, law, theta, k: int):
        import jax.numpy as jnp

        self.law, self.k = law, k
        self.theta = {p: jnp.asarray(v) for p, v in theta.items()}
        self.B = next(iter(theta.values())).shape[0]
        self.w = jnp.full((self.B, 1), 1.0 / k)
        self.history: list[tuple[float, np.ndarray, np.ndarray]] = []
        self.fallbacks = 0

    def _start(self, cfg, b, sp: SearchSpace):
        if not self.history:
            return kernel.search(self.law, cfg._replace(levels=WARM_LEVELS), b, self.theta,
                                 self.w)
        if len(self.history) == 1:
            _, u, s = self.history[-1]
        else:
            (c0, u0, s0), (c1, u1, s1) = self.history[-2:]
            r = (math.log(sp.budget) - c1) / (c1 - c0) if c1 > c0 else 0.0
            u, s = u1 + r * (u1 - u0), s1 + r * (s1 - s0)
        return np.clip(u, sp.u_lo, sp.u_hi), np.clip(s, 0.0, 1.0)

    def solve(self, sp: SearchSpace) -> Allocation:
        import jax.numpy as jnp

        cfg, b = config(sp, None, free_u=True), bounds(sp, self.B)
        u, s = (jnp.asarray(x) for x in self._start(cfg, b, sp))
        u, s, ok = polish.newton(self.law, cfg, b, self.theta, self.w, u, s)
        left = np.flatnonzero(~np.asarray(ok))
        self.fallbacks += len(left)
        if len(left):
            u, s = self._search(cfg, sp, left, np.array(u), np.array(s))
        self.history.append((math.log(sp.budget), np.asarray(u), np.asarray(s)))
        return allocation(self.law, cfg, b, self.theta, self.w, jnp.asarray(u), jnp.asarray(s))


    def _search(self, cfg, sp: SearchSpace, left: np.ndarray, u, s):
        """The grid search for the searchers ``left``, in chunks of a fixed size (one
        compilation)."""
        n = min(FALLBACK_CHUNK, self.B)
        b = bounds(sp, n)
        for i in range(0, len(left), n):
            idx = left[i:i + n]
            pad = np.concatenate([idx, np.full(n - len(idx), idx[0])])
            th = {p: v[pad] for p, v in self.theta.items()}
            uf, sf = kernel.search(self.law, cfg, b, th, self.w[:n])
            u[idx], s[idx] = np.asarray(uf)[:len(idx)], np.asarray(sf)[:len(idx)]
        return u, s


def _polishable(sp: SearchSpace, ds: DomainSet, quantile: float | None) -> bool:
    return (quantile is None and ds.homogeneous and sp.sizes is None and sp.share is None
            and sp.fixed_pretrain is None and math.isinf(sp.pretrain_cap)
            and math.isinf(sp.specialize_cap))


def _band(o) -> dict:
    Dp = o.specialize_tokens if o.specialize_tokens.ndim == 1 else o.specialize_tokens.mean(1)
    return {"params": quantiles(o.params), "pretrain_tokens": quantiles(o.pretrain_tokens),
            "specialize_tokens": quantiles(Dp), "pretrain_share": quantiles(o.pretrain_share),
            "loss": quantiles(o.loss)}


def _polished(draws, ds, theta, spaces):
    """(per-draw optimum, Bayes decision) per search space, budgets increasing."""
    per_draw = _Track(draws.law, {p: v[:, None, :] for p, v in theta.items()}, ds.k)
    bayes = _Track(draws.law, {p: v[None] for p, v in theta.items()}, ds.k)
    out = []
    for sp in spaces:
        a = bayes.solve(sp)
        d = Decision(float(a.params[0]), float(a.pretrain_tokens[0]), a.specialize_tokens[0],
                     ds.k)
        out.append((per_draw_result(per_draw.solve(sp), ds), d))
    return out


def _per_budget(draws, ds, theta, spaces, quantile):
    """(per-draw optimum, Bayes decision) per search space, each solved from scratch."""
    th = {p: v[:, None, :] for p, v in theta.items()}
    return [(per_draw_result(solve(draws.law, th, ds.k, len(ds.columns), sp), ds),
             bayes_decision(draws, ds, sp, quantile)) for sp in spaces]


def frontier(draws: Draws, budgets: Sequence[float], k: int, *,
             domains: Sequence[str] | None = None, new_domains: int = 0,
             constraints: Constraints | None = None, quantile: float | None = None) -> Frontier:
    """Optimal allocations over ``budgets`` (see :func:`bayeslaw.plan.plan` for arguments)."""
    draws, domains = select(draws, k, domains, new_domains)
    C = np.asarray(budgets, dtype=float)
    order = np.argsort(C, kind="stable")
    ds, theta, _ = prepare(draws, k, domains, constraints, float(C[order[0]]))
    spaces = [search_space(constraints, float(c)) for c in C[order]]
    fast = all(_polishable(sp, ds, quantile) for sp in spaces)
    solved = (_polished if fast else _per_budget)(draws, ds, theta, spaces,
                                                  *(() if fast else (quantile,)))
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
