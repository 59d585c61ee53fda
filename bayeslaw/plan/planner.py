"""`plan`: the recommended split for a budget, with intervals, regret and baselines.

Combines the per-draw optima (:func:`~bayeslaw.plan.search.optimal_per_draw`), the
Bayes decision and its regret (:mod:`bayeslaw.plan.decision`) and the baselines
(:mod:`bayeslaw.plan.baselines`). ``Plan.to_dict()`` is the JSON of ``bayeslaw plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bayeslaw import _jax
from bayeslaw.draws import Draws
from bayeslaw.plan.baselines import baselines
from bayeslaw.plan.constraints import Constraints
from bayeslaw.plan.decision import Decision, bayes_decision, decision_summary, losses_at, quantiles
from bayeslaw.plan.search import PerDrawOptimum, per_draw_layout, per_draw_result, prepare, solve
from bayeslaw.population import select


@dataclass(frozen=True)
class Plan:
    """A plan (see :func:`plan`). ``losses`` (S,) is the recommended decision's mean domain
    loss under every draw, ``regret`` (S,) its gap to each draw's own optimum.
    ``blind_to_split``: the law saw only D + D', so every token went to pretraining
    (:func:`blind_to_split`)."""

    budget: float
    domains: tuple[str, ...]
    heterogeneous: bool
    recommended: Decision
    losses: np.ndarray
    per_draw: PerDrawOptimum
    regret: np.ndarray
    baselines: dict
    quantile: float | None
    constraints: Constraints
    blind_to_split: bool = False

    @property
    def expected_regret(self) -> float:
        return float(self.regret.mean())

    @property
    def relative_regret(self) -> float:
        """E[regret / optimal loss]: the fraction of the loss left on the table."""
        return float((self.regret / self.per_draw.loss).mean())

    def to_dict(self) -> dict:
        """The JSON document of ``bayeslaw plan --json``."""
        o, k = self.per_draw, len(self.domains)
        Dp = o.specialize_tokens if o.specialize_tokens.ndim == 1 else o.specialize_tokens.mean(1)
        rec = decision_summary(self.recommended, self.losses)
        r = self.recommended
        rec["tokens_per_param"] = (r.pretrain_tokens + r.specialize_total) / r.params
        total = o.pretrain_tokens + (k * o.specialize_tokens if o.specialize_tokens.ndim == 1
                                     else o.specialize_tokens.sum(1))
        out = {
            "budget": self.budget, "domains": list(self.domains), "k": k,
            "heterogeneous": self.heterogeneous, "quantile": self.quantile,
            "n_draws": int(len(self.losses)), "recommended": rec,
            "intervals": {"params": quantiles(o.params),
                          "pretrain_tokens": quantiles(o.pretrain_tokens),
                          "specialize_tokens": quantiles(Dp),
                          "tokens_per_param": quantiles(total / o.params),
                          "pretrain_share": quantiles(o.pretrain_share), "loss": quantiles(o.loss)},
            "expected_regret": self.expected_regret, "relative_regret": self.relative_regret,
            "regret_interval": quantiles(self.regret),
            "baselines": {name: self._baseline(b) for name, b in self.baselines.items()},
            "constraints": {f: v for f, v in vars(self.constraints).items() if v is not None},
            "blind_to_split": self.blind_to_split,
        }
        if self.heterogeneous:
            rec["specialize_tokens_per_domain"] = dict(
                zip(self.domains, self.recommended.specialize_tokens.tolist(), strict=True))
            out["intervals"]["specialize_tokens_per_domain"] = {
                name: quantiles(o.specialize_tokens[:, i]) for i, name in enumerate(self.domains)}
        return out

    def _baseline(self, b) -> dict | None:
        if b is None:
            return None
        decision, L = b
        gain = L - self.losses
        return {**decision_summary(decision, L), "gain": float(gain.mean()),
                "gain_interval": quantiles(gain), "relative_gain": float((gain / L).mean()),
                "prob_recommended_better": float((gain > 0).mean())}


def plan(draws: Draws, budget: float, k: int, *, domains: Sequence[str] | None = None,
         new_domains: int = 0, constraints: Constraints | None = None,
         quantile: float | None = None, seed: int = 0) -> Plan:
    """The allocation to run at compute ``budget`` for ``k`` domains, from posterior draws.

    Parameters
    ----------
    draws : Draws
        Posterior draws (S >= 1; S = 1 is a point estimate, e.g. an L-BFGS fit).
    budget : float
        Total compute C = 6 N (D + k D') in FLOPs.
    k : int
        Number of specialized domains.
    domains : list of str, optional
        Measured (posterior) domains to plan for; default all of them. With one measured
        domain, k copies of it (see :mod:`bayeslaw.plan.objective`); with m >= 2, the
        k - m others are new domains drawn from the fitted population
        (:func:`bayeslaw.population.select`).
    new_domains : int
        Number of new, unmeasured domains among the k (default: k - m).
    constraints : Constraints, optional
    quantile : float, optional
        Minimize this quantile of the loss over draws instead of its mean (risk-averse).
    seed : int
        Key of the new domains' draws (the planner itself is deterministic).
    """
    draws, domains = select(draws, k, domains, new_domains, key=seed)
    constraints = constraints or Constraints()
    _jax.setup()
    blind = blind_to_split(draws)
    untied = _untie(constraints) if blind else constraints
    ds, theta, sp = prepare(draws, k, domains, untied, budget)
    kd = len(ds.columns)
    per_draw = per_draw_result(
        solve(draws.law, per_draw_layout(theta), ds.k, kd, sp), ds)
    rec = bayes_decision(draws, ds, sp, quantile)
    L = losses_at(draws, ds, np.array([rec.params]), np.array([rec.pretrain_tokens]),
                  rec.specialize_tokens[None])[:, 0]
    regret = np.maximum(L - per_draw.loss, 0.0)  # < 0 only within search precision
    return Plan(float(budget), ds.names, not ds.homogeneous, rec, L, per_draw, regret,
                baselines(draws, ds, budget, constraints), quantile, constraints,
                blind)


def blind_to_split(draws: Draws) -> bool:
    """Whether the law depends on the tokens only through D + D' (Chinchilla's pooled
    law): checked on every draw at a few points, L(N, a, b) = L(N, a + b, 0) = L(N, 0, a + b)
    to 1e-9 relative. Every draw, not the first few: a stacked mixture's draws come law by
    law, and a split-blind law of small weight listed first must not make the whole
    mixture blind."""
    theta = {p: np.asarray(v, float)[:, None] for p, v in draws.params.items()}
    theta = {p: v if v.ndim == 3 else v[..., None] for p, v in theta.items()}  # (n, 1, kd)
    N = np.array([1e6, 1e8, 1e10])[:, None]
    a, b = 20.0 * N, 3.0 * N
    split = np.exp(np.asarray(draws.law.evaluate(theta, N, a, b)))
    pooled = [np.exp(np.asarray(draws.law.evaluate(theta, N, a + b, 0.0 * a))),
              np.exp(np.asarray(draws.law.evaluate(theta, N, 0.0 * a, a + b)))]
    return all(np.allclose(split, p, rtol=1e-9, atol=0.0) for p in pooled)


def _untie(c: Constraints) -> Constraints:
    """For a law blind to the split, D and D' are interchangeable tokens, but each D'
    is paid k times: all tokens go to pretraining (D' = 0), rather than an arbitrary
    point of a tie (which the search resolved to D = 0 when k = 1). A user's own
    pretraining, share or pretraining cap still rules."""
    free = c.pretrain_tokens is None and c.pretrain_share is None and \
        c.max_pretrain_tokens is None
    return replace(c, max_specialize_tokens=0) if free else c
