"""The Bayes decision, its losses under every draw, regret and intervals.

The Bayes decision a* = argmin_a E_theta[L_bar(a; theta)] minimizes the posterior
expected mean domain loss (or, for a risk-averse user, its q-quantile). It is not
the median of the per-draw optima a*(theta): averaging losses favours allocations
that are good under most draws, and the loss is asymmetric in log N and the share.

Expected regret: E_theta[L_bar(a*; theta) - L_bar(a*(theta); theta)] >= 0, the loss
one expects to lose because the law is uncertain; it shrinks to 0 as the posterior
concentrates, so a regret that is large next to the gains at stake says more
experiments are worth running (Berger 1985, ch. 4; expected value of perfect
information).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import jax
import numpy as np

from bayeslaw import _jax
from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError
from bayeslaw.plan.constraints import SearchSpace
from bayeslaw.plan.objective import DomainSet, domain_theta, resolve_domains
from bayeslaw.plan.search import bucket, pooled_layout, solve

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Decision:
    """One allocation: N, D, D'_i (kd,) for k domains (kd = 1 when homogeneous)."""

    params: float
    pretrain_tokens: float
    specialize_tokens: np.ndarray
    k: int

    @property
    def specialize_total(self) -> float:
        Dp = self.specialize_tokens
        return float(self.k * Dp[0] if len(Dp) == 1 else Dp.sum())

    @property
    def pretrain_share(self) -> float:
        total = self.pretrain_tokens + self.specialize_total
        return float(self.pretrain_tokens / total) if total > 0 else float("nan")


def quantiles(x: np.ndarray) -> dict[str, float]:
    """{"q05", "q25", "q50", "q75", "q95"} of ``x`` over draws (axis 0)."""
    return {f"q{round(q * 100):02d}": np.quantile(x, q, axis=0) for q in QUANTILES}


def _as_decisions(decisions, ds: DomainSet):
    """N (M,), D (M,), D' (M, w) with w = kd, or k for homogeneous copies given each a D'."""
    N, D, Dp = (np.asarray(x, dtype=float) for x in decisions)
    N, D = np.atleast_1d(N), np.atleast_1d(D)
    Dp = np.atleast_1d(Dp)
    Dp = Dp[:, None] if Dp.ndim == 1 else Dp
    kd = len(ds.columns)
    if Dp.ndim != 2 or Dp.shape[1] not in (1, kd, ds.k) or not len(N) == len(D) == len(Dp):
        raise BayeslawError(
            f"decisions must be arrays N (M,), D (M,), D' (M,) or (M, {ds.k}); got shapes "
            f"{N.shape}, {D.shape}, {Dp.shape}")
    return N, D, (Dp if Dp.shape[1] > 1 else np.broadcast_to(Dp, (len(N), kd)))


def losses_at(draws: Draws, ds: DomainSet, N, D, Dp) -> np.ndarray:
    """(S, M) mean domain loss of M decisions (N, D (M,), D' (M, kd)) under every draw.

    With homogeneous domains D' may also be (M, k): exchangeable copies given different D'.
    Draws and decisions are padded to bucket sizes (one compiled program for many shapes).
    """
    import jax.numpy as jnp

    _jax.setup()
    theta = domain_theta(draws, ds)
    S, M = draws.n_draws, len(N)
    Sp, Mp = bucket(S), bucket(M)
    th = {p: jnp.asarray(np.pad(np.asarray(v).T, ((0, 0), (0, Sp - S)), "edge"))
          for p, v in theta.items()}
    pad = lambda x: np.pad(np.asarray(x, float), [(0, Mp - M)] + [(0, 0)] * (np.ndim(x) - 1),  # noqa: E731
                           "edge")
    L = _losses(draws.law, th, *(jnp.asarray(pad(x)) for x in (N, D, Dp)))
    return np.asarray(L)[:S, :M]


@partial(jax.jit, static_argnames="law")
def _losses(law, theta, N, D, Dp):
    """theta leaves (kd, S), N and D (M,), Dp (M, w) -> (S, M), the draws on the fast axis."""
    th = {p: v[:, None, :] for p, v in theta.items()}
    return law.loss(th, N[None, :, None], D[None, :, None], Dp.T[:, :, None]).mean(0).T


def decision_losses(draws: Draws, decisions, k: int, *,
                    domains: Sequence[str] | None = None) -> np.ndarray:
    """Mean domain loss (S, M) of each of M candidate decisions under each draw.

    ``decisions`` is (N, D, D'): arrays N (M,), D (M,), D' (M,) (the same D' for every
    domain) or (M, k) (one D'_i per domain, in ``domains`` order; for homogeneous
    domains, per exchangeable copy).
    """
    ds = resolve_domains(draws, k, domains)
    return losses_at(draws, ds, *_as_decisions(decisions, ds))


def bayes_decision(draws: Draws, ds: DomainSet, sp: SearchSpace,
                   quantile: float | None = None) -> Decision:
    """argmin over allocations of the posterior mean (or ``quantile``) of the mean domain loss.

    With heterogeneous domains and a quantile, the split among domains equalizes the
    posterior-mean marginal gains (an approximation: the quantile is not separable).
    """
    if quantile is not None and not 0 < quantile < 1:
        raise BayeslawError(f"quantile must be in (0, 1), got {quantile}")
    theta = pooled_layout(domain_theta(draws, ds))  # one searcher, S draws
    a = solve(draws.law, theta, ds.k, len(ds.columns), sp, quantile)
    return Decision(float(a.params[0]), float(a.pretrain_tokens[0]), a.specialize_tokens[0], ds.k)


def decision_summary(decision: Decision, L: np.ndarray) -> dict:
    """A decision as JSON-ready numbers with its expected loss and interval (L over draws)."""
    return {"params": decision.params, "pretrain_tokens": decision.pretrain_tokens,
            "specialize_tokens": decision.specialize_total / decision.k,
            "pretrain_share": decision.pretrain_share, "loss": float(L.mean()),
            "loss_interval": quantiles(L)}


def widen_decision(losses: np.ndarray, decision: Decision, calibration, *,
                   seed: int = 0) -> dict[str, float]:
    """Quantiles of a plan's mean domain loss (``losses`` (S,) over draws) widened by
    ``calibration`` at the decision's distance beyond the runs (its largest over the
    domains' D'_i): L_s exp(d^(p/2) (bias + tau z_s)), z_s ~ N(0, 1), one z for all the domains
    (a law's error in form is shared by the domains it describes the same way).
    ``calibration`` is the posterior's :class:`bayeslaw.fit.calibration.Calibration`."""
    d = max(float(calibration.box.distance(decision.params, decision.pretrain_tokens, dp))
            for dp in np.atleast_1d(decision.specialize_tokens))
    z = np.random.default_rng(seed).standard_normal(len(losses))
    g = d ** (calibration.power / 2)
    factor = np.exp(g * (calibration.bias + calibration.tau * z))
    return {k: float(v) for k, v in quantiles(np.asarray(losses) * factor).items()}
