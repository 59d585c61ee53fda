"""Convergence and fit checks of a posterior, each failing one with a remedy.

- R-hat (rank-normalized, split; Vehtari et al. 2021) <= 1.01 for every symbol,
- bulk and tail ESS >= 100 per chain (400 for the default 4 chains),
- no divergent transitions,
- E-BFMI >= 0.3 for every chain (Betancourt 2016),
- posterior predictive check: the share of observed runs inside their 90% posterior
  predictive interval (near 0.9 when the law and the noise model fit),
- prior predictive check: the share of observed runs inside the 1-99% range of the
  prior predictive (near 1 when the priors are not in conflict with the data).

The first three are the convergence checks (:class:`Convergence`, thresholds in
:data:`THRESHOLDS`): a posterior that fails them is refused downstream
(:meth:`bayeslaw.fit.posterior.Posterior.checked_draws` raises
:class:`UnconvergedError`, or warns with :class:`UnconvergedWarning` when allowed).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from bayeslaw.errors import BayeslawError
from bayeslaw.fit import rank_stats
from bayeslaw.fit.predictive import sample


@dataclass(frozen=True)
class Thresholds:
    """When a sampled posterior counts as converged (Vehtari et al. 2021's advice).

    r_hat : the largest rank-normalized split R-hat allowed (> 1).
    ess_per_chain : the smallest bulk and tail ESS allowed, per chain (> 0).
    divergences : the most divergent transitions allowed (>= 0).
    """

    r_hat: float = 1.01
    ess_per_chain: float = 100.0
    divergences: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.r_hat) and self.r_hat > 1.0):
            raise BayeslawError(f"the R-hat threshold must be a number > 1 (got {self.r_hat})")
        if not (math.isfinite(self.ess_per_chain) and self.ess_per_chain > 0):
            raise BayeslawError(f"the ESS threshold must be > 0 (got {self.ess_per_chain})")
        if int(self.divergences) != self.divergences or self.divergences < 0:
            raise BayeslawError(f"the divergence threshold must be an integer >= 0 "
                                f"(got {self.divergences})")


THRESHOLDS = Thresholds()
RHAT_MAX = THRESHOLDS.r_hat
ESS_PER_CHAIN = THRESHOLDS.ess_per_chain
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


def _per_symbol(post_group, name, fn) -> np.ndarray:
    """``fn`` of (chains, draws) applied to each of a symbol's columns (domains)."""
    v = np.asarray(post_group[name].values, dtype=float)
    cols = v.reshape(v.shape[0], v.shape[1], -1)
    return np.array([fn(cols[:, :, j]) for j in range(cols.shape[2])])


def _convergence(post, names):
    """Each symbol's worst R-hat and smallest bulk / tail ESS over its domains
    (:mod:`bayeslaw.fit.rank_stats`, the figures of ArviZ without importing it)."""
    g = post.group("posterior")
    if g.sizes["chain"] < 2 or g.sizes["draw"] < 4:
        nan = {n: float("nan") for n in names}
        return nan, dict(nan), dict(nan)
    rhat = {n: float(np.nanmax(_per_symbol(g, n, rank_stats.rhat))) for n in names}
    bulk = {n: float(np.nanmin(_per_symbol(g, n, rank_stats.ess_bulk))) for n in names}
    tail = {n: float(np.nanmin(_per_symbol(g, n, rank_stats.ess_tail))) for n in names}
    return rhat, bulk, tail


LABELS = {"r_hat": "R-hat", "ess_bulk": "bulk ESS", "ess_tail": "tail ESS"}


class UnconvergedError(BayeslawError):
    """A sampled posterior failed its convergence checks; ``convergence`` has the figures."""

    def __init__(self, convergence: Convergence):
        self.convergence = convergence
        super().__init__(convergence.describe())


class UnconvergedWarning(UserWarning):
    """An unconverged posterior used anyway (``allow_unconverged=True``)."""


@dataclass(frozen=True)
class Convergence:
    """The convergence checks of a sampled posterior against ``thresholds``.

    ``r_hat`` is each symbol's worst R-hat over its domains, ``ess_bulk`` and ``ess_tail``
    its smallest ESS; NaN (one chain, or under 4 draws) cannot be checked and fails.
    """

    chains: int
    draws: int
    r_hat: dict[str, float]
    ess_bulk: dict[str, float]
    ess_tail: dict[str, float]
    divergences: int
    thresholds: Thresholds = THRESHOLDS

    @property
    def ess_min(self) -> float:
        return self.thresholds.ess_per_chain * self.chains

    @property
    def failing(self) -> dict[str, dict[str, float]]:
        """Each failing symbol with the figures that fail (R-hat, bulk or tail ESS)."""
        out: dict[str, dict[str, float]] = {}
        for p, r in self.r_hat.items():
            bad = {}
            if not r <= self.thresholds.r_hat:  # NaN fails too
                bad["r_hat"] = r
            for key, ess in (("ess_bulk", self.ess_bulk[p]), ("ess_tail", self.ess_tail[p])):
                if not ess >= self.ess_min:
                    bad[key] = ess
            if bad:
                out[p] = bad
        return out

    @property
    def ok(self) -> bool:
        return not self.failing and self.divergences <= self.thresholds.divergences

    def describe(self) -> str:
        """One line: the failing symbols and figures against the thresholds."""
        t = self.thresholds
        parts = []
        for p, bad in self.failing.items():
            figs = [f"{LABELS[k]} {v:.3g}" for k, v in bad.items()]
            parts.append(f"{p} ({', '.join(figs)})")
        divs = "no divergences" if t.divergences == 0 else f"<= {t.divergences} divergences"
        text = (f"the posterior has not converged ({self.chains} chains x {self.draws} draws; "
                f"needs R-hat <= {t.r_hat}, bulk and tail ESS >= {self.ess_min:.0f}, {divs})")
        if parts:
            text += ": " + "; ".join(parts)
        if self.divergences > t.divergences:
            text += f"{';' if parts else ':'} {self.divergences} divergent transitions"
        return text

    def to_dict(self) -> dict:
        """The JSON form: ``{"ok", "failing", "divergences", "thresholds"}``."""
        return {"ok": self.ok, "failing": self.failing, "divergences": self.divergences,
                "thresholds": {"r_hat": self.thresholds.r_hat, "ess": self.ess_min,
                               "divergences": self.thresholds.divergences}}

    def check(self, allow_unconverged: bool = False) -> None:
        """Raise :class:`UnconvergedError` unless :attr:`ok`; with ``allow_unconverged``,
        warn (:class:`UnconvergedWarning`) instead."""
        if self.ok:
            return
        if not allow_unconverged:
            raise UnconvergedError(self)
        warnings.warn(UnconvergedWarning(self.describe() + "; used anyway, as asked"),
                      stacklevel=3)


def convergence(post, thresholds: Thresholds = THRESHOLDS) -> Convergence | None:
    """The convergence checks of ``post``; None for a posterior without chains (L-BFGS)."""
    if post.method != "nuts":
        return None
    names = [*post.law.params, "sigma", "nu"]
    rhat, bulk, tail = _convergence(post, names)
    stats = post.group("sample_stats")
    div = int(stats["diverging"].values.sum()) if stats is not None and \
        "diverging" in stats else 0
    sizes = post.group("posterior").sizes
    return Convergence(int(sizes["chain"]), int(sizes["draw"]), rhat, bulk, tail, div,
                       thresholds)


def _ppc(post, seed: int = 0) -> float:
    """Share of observed log losses inside the 90% posterior predictive interval."""
    c = post.group("constant_data")
    obs = np.exp(post.group("observed_data")["log_loss"].values)
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
    prior = post.group("prior_predictive")
    if prior is None:
        return None
    obs = post.group("observed_data")["log_loss"].values
    pp = prior["log_loss"].values.reshape(-1, obs.size)
    lo, hi = np.percentile(pp, [1, 99], axis=0)
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
    stats = post.group("sample_stats")
    div = int(stats["diverging"].values.sum()) if stats is not None else 0
    bfmi = [float(b) for b in rank_stats.bfmi(stats["energy"].values)] if stats is not None \
        and "energy" in stats else []
    d = Diagnostics(rhat, bulk, tail, div, bfmi, _ppc(post), _prior_check(post))
    if post.method == "nuts":
        d.warnings = _warnings(d, post.group("posterior").sizes["chain"])
    return d
