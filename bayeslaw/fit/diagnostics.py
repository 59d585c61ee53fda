"""Convergence and fit checks of a posterior, each failing one with a remedy.

- R-hat (rank-normalized, split; Vehtari et al. 2021) <= 1.01 for every symbol,
- bulk and tail ESS >= 100 per chain,
- no divergent transitions,
- E-BFMI >= 0.3 for every chain (Betancourt 2016),
- posterior predictive check: the share of observed runs inside their 90% posterior
  predictive interval (near 0.9 when the law and the noise model fit),
- prior predictive check: the share of observed runs inside the 1-99% range of the
  prior predictive (near 1 when the priors are not in conflict with the data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bayeslaw.fit._arviz import az

RHAT_MAX = 1.01
ESS_PER_CHAIN = 100
BFMI_MIN = 0.3
PPC_MIN = 0.7
PRIOR_MIN = 0.9


@dataclass
class Diagnostics:
    """Per-parameter R-hat and ESS (bulk, tail), divergences, E-BFMI per chain,
    predictive-check coverages, and the warnings (each with a remedy)."""

    r_hat: dict[str, float]
    ess_bulk: dict[str, float]
    ess_tail: dict[str, float]
    divergences: int
    bfmi: list[float]
    ppc_coverage90: float
    prior_coverage: float | None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.warnings


def _per_param(ds, names) -> dict[str, float]:
    """The worst value over a parameter's domains (max R-hat / min ESS handled by caller)."""
    return {n: np.asarray(ds[n].values, dtype=float) for n in names}


def _convergence(post, names):
    if post.idata.posterior.sizes["chain"] < 2 or post.idata.posterior.sizes["draw"] < 4:
        nan = {n: float("nan") for n in names}
        return nan, dict(nan), dict(nan)
    sub = post.idata.posterior[names]
    rhat = {k: float(np.nanmax(v)) for k, v in _per_param(az.rhat(sub), names).items()}
    bulk = {k: float(np.nanmin(v)) for k, v in
            _per_param(az.ess(sub, method="bulk"), names).items()}
    tail = {k: float(np.nanmin(v)) for k, v in
            _per_param(az.ess(sub, method="tail"), names).items()}
    return rhat, bulk, tail


def _ppc(post, seed: int = 0) -> float:
    """Share of observed log losses inside the 90% posterior predictive interval."""
    from bayeslaw.fit.predictive import sample

    c = post.idata.constant_data
    obs = np.exp(post.idata.observed_data["log_loss"].values)
    inside = np.zeros(obs.shape, dtype=bool)
    for j, d in enumerate(post.domains):
        m = c["domain_index"].values == j
        if m.any():
            _, y = sample(post, c["N"].values[m], c["D"].values[m], c["D_prime"].values[m], d,
                          seed=seed)
            lo, hi = np.percentile(y, [5, 95], axis=0)
            inside[m] = (obs[m] >= lo) & (obs[m] <= hi)
    return float(inside.mean())


def _prior_check(post) -> float | None:
    if "prior_predictive" not in post.idata.groups():
        return None
    pp = post.idata.prior_predictive["log_loss"].values.reshape(-1, post.idata.observed_data[
        "log_loss"].size)
    lo, hi = np.percentile(pp, [1, 99], axis=0)
    obs = post.idata.observed_data["log_loss"].values
    return float(((obs >= lo) & (obs <= hi)).mean())


def _warnings(d: Diagnostics, chains: int) -> list[str]:
    out = []
    bad = [k for k, v in d.r_hat.items() if v > RHAT_MAX]
    if bad:
        out.append(f"R-hat > {RHAT_MAX} for {', '.join(bad)}: chains disagree; run longer "
                   "(--warmup 1000 --samples 1000) and check for multimodality (several laws "
                   "or priors; --priors FILE)")
    low = [k for k in d.ess_bulk if min(d.ess_bulk[k], d.ess_tail[k]) < ESS_PER_CHAIN * chains]
    if low:
        out.append(f"ESS below {ESS_PER_CHAIN} per chain for {', '.join(low)}: intervals are "
                   "noisy; draw more samples (--samples 2000)")
    if d.divergences:
        out.append(f"{d.divergences} divergent transitions: the posterior may be biased; raise "
                   "target_accept (0.95-0.99) or tighten the priors of poorly identified symbols")
    if any(b < BFMI_MIN for b in d.bfmi):
        out.append(f"E-BFMI below {BFMI_MIN} (min {min(d.bfmi):.2f}): the sampler explores "
                   "energy poorly; tighten the priors on sigma and nu or add runs")
    if d.ppc_coverage90 < PPC_MIN:
        out.append(f"only {d.ppc_coverage90:.0%} of runs lie in their 90% predictive interval: "
                   "the law misfits these data; compare laws (bayeslaw compare)")
    if d.prior_coverage is not None and d.prior_coverage < PRIOR_MIN:
        out.append(f"only {d.prior_coverage:.0%} of runs lie in the prior predictive 1-99% "
                   "range: the priors conflict with the data; widen them (--priors FILE)")
    return out


def diagnose(post) -> Diagnostics:
    """All the checks above for ``post`` (a :class:`~bayeslaw.fit.posterior.Posterior`)."""
    names = [*post.law.params, "sigma", "nu"]
    rhat, bulk, tail = _convergence(post, names)
    stats = post.idata.get("sample_stats")
    div = int(stats["diverging"].values.sum()) if stats is not None else 0
    bfmi = [float(b) for b in az.bfmi(post.idata)] if stats is not None and \
        "energy" in stats else []
    d = Diagnostics(rhat, bulk, tail, div, bfmi, _ppc(post), _prior_check(post))
    if post.method == "nuts":
        d.warnings = _warnings(d, post.idata.posterior.sizes["chain"])
    return d
