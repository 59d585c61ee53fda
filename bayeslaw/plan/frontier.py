"""The compute-optimal frontier: optimal N, D, D' and loss as functions of the budget.

For each budget C_j: the per-draw optima (their quantiles are the bands) and the
Bayes decision with its expected loss, data for the report's plots. The search is
compiled once (the shapes do not change with the budget).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.plan.constraints import Constraints
from bayeslaw.plan.decision import bayes_decision, losses_at, quantiles
from bayeslaw.plan.search import per_draw_result, prepare, solve

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


def frontier(draws: Draws, budgets: Sequence[float], k: int, *,
             domains: Sequence[str] | None = None, constraints: Constraints | None = None,
             quantile: float | None = None) -> Frontier:
    """Optimal allocations over ``budgets`` (see :func:`bayeslaw.plan.plan` for arguments)."""
    bands, bayes, intervals = [], [], []
    for C in budgets:
        ds, theta, sp = prepare(draws, k, domains, constraints, float(C))
        o = per_draw_result(solve(draws.law, {p: v[:, None, :] for p, v in theta.items()},
                                  ds.k, len(ds.columns), sp), ds)
        Dp = o.specialize_tokens if o.specialize_tokens.ndim == 1 else o.specialize_tokens.mean(1)
        bands.append({"params": quantiles(o.params),
                      "pretrain_tokens": quantiles(o.pretrain_tokens),
                      "specialize_tokens": quantiles(Dp),
                      "pretrain_share": quantiles(o.pretrain_share), "loss": quantiles(o.loss)})
        d = bayes_decision(draws, ds, sp, quantile)
        L = losses_at(draws, ds, np.array([d.params]), np.array([d.pretrain_tokens]),
                      d.specialize_tokens[None])[:, 0]
        bayes.append({"params": d.params, "pretrain_tokens": d.pretrain_tokens,
                      "specialize_tokens": d.specialize_total / d.k,
                      "pretrain_share": d.pretrain_share, "loss": float(L.mean())})
        intervals.append(quantiles(L))
    return Frontier(np.asarray(budgets, dtype=float), ds.names, _stack(bands), _stack(bayes),
                    _stack(intervals))
