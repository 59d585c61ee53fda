"""Rank-normalized split R-hat and bulk / tail effective sample sizes, in numpy.

Vehtari, Gelman, Simpson, Carpenter & Buerkner (2021), "Rank-normalization, folding,
and localization: an improved R-hat for assessing convergence of MCMC", Bayesian
Analysis 16(2). For draws x (chains M, draws N):

- split every chain in halves (2M chains of N/2 draws); z-scale: replace each value by
  Phi^-1((r - 3/8) / (n + 1/4)) with r its average rank among all n values (Blom 1958);
- R-hat = max(Rhat(z(x)), Rhat(z(|x - median x|))) with the classical
  Rhat = sqrt(((n - 1)/n W + B/n) / W) over the split chains (W the mean within-chain
  variance, B/n the variance of the chain means);
- bulk ESS = ESS(z(x)); tail ESS = min over q in {0.05, 0.95} of ESS(1{x <= x_q});
  ESS = MN / tau with tau = -1 + 2 sum_t rho_t, the autocorrelations rho_t combined over
  chains (Stan's estimator) and truncated by Geyer's initial monotone sequence.

These are the figures ArviZ 0.x computes (``az.rhat``, ``az.ess(method="bulk"|"tail")``;
tests/fit/test_rank_stats.py checks agreement to 1e-8); bayeslaw computes them itself so
that checking a posterior file before planning does not import ArviZ (1.5 s of a 5 s
``bayeslaw plan`` call).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

_PPF = np.frompyfunc(NormalDist().inv_cdf, 1, 1)


def _split(x: np.ndarray) -> np.ndarray:
    """(M, N) -> (2M, N // 2): each chain's first and last halves (the middle draw of an
    odd N dropped)."""
    half = x.shape[1] // 2
    return np.vstack([x[:, :half], x[:, x.shape[1] - half:]])


def _average_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..n of the flat ``v``, ties given their average rank."""
    order = np.argsort(v, kind="mergesort")
    s = v[order]
    start = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    count = np.diff(np.r_[start, len(s)])
    ranks = np.empty(len(v))
    ranks[order] = np.repeat(start + (count + 1) / 2.0, count)
    return ranks


def _z_scale(x: np.ndarray) -> np.ndarray:
    r = _average_ranks(x.ravel())
    u = (r - 0.375) / (r.size + 0.25)
    return _PPF(u).astype(float).reshape(x.shape)


def _rhat(x: np.ndarray) -> float:
    n = x.shape[1]
    W = x.var(axis=1, ddof=1).mean()
    B = n * x.mean(axis=1).var(ddof=1)
    return float(np.sqrt((B / W + n - 1) / n))


def _autocov(x: np.ndarray) -> np.ndarray:
    """Each chain's autocovariance at every lag (biased, / n), by FFT."""
    n = x.shape[1]
    m = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(x - x.mean(axis=1, keepdims=True), n=m, axis=1)
    return np.fft.irfft(f * np.conjugate(f), n=m, axis=1)[:, :n] / n


def _ess(x: np.ndarray) -> float:
    """ESS of (chains, draws) with Geyer's initial monotone sequence estimator."""
    M, n = x.shape
    if np.max(x) - np.min(x) < np.finfo(float).resolution:
        return float(x.size)
    acov = _autocov(x)
    mean_var = acov[:, 0].mean() * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if M > 1:
        var_plus += x.mean(axis=1).var(ddof=1)
    rho = np.zeros(n)
    rho[0] = even = 1.0
    rho[1] = odd = 1.0 - (mean_var - acov[:, 1].mean()) / var_plus
    t = 1
    while t < n - 3 and even + odd > 0.0:  # initial positive sequence
        even = 1.0 - (mean_var - acov[:, t + 1].mean()) / var_plus
        odd = 1.0 - (mean_var - acov[:, t + 2].mean()) / var_plus
        if even + odd >= 0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    last = t - 2
    if even > 0:
        rho[last + 1] = even
    t = 1
    while t <= last - 2:  # made monotone
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    tau = -1.0 + 2.0 * rho[:last + 1].sum() + rho[last + 1:last + 2].sum()
    tau = max(tau, 1.0 / np.log10(x.size))
    return float(np.nan if np.isnan(rho).any() else x.size / tau)


def _valid(x: np.ndarray, min_chains: int) -> bool:
    return x.shape[0] >= min_chains and x.shape[1] >= 4 and bool(np.isfinite(x).all())


def rhat(x) -> float:
    """Rank-normalized split R-hat of draws (chains, draws); NaN under 2 chains or 4
    draws, or with non-finite draws."""
    x = np.asarray(x, dtype=float)
    if not _valid(x, 2):
        return float("nan")
    s = _split(x)
    return max(_rhat(_z_scale(s)), _rhat(_z_scale(np.abs(s - np.median(s)))))


def ess_bulk(x) -> float:
    """Bulk ESS: the ESS of the rank-normalized split chains (chains, draws)."""
    x = np.asarray(x, dtype=float)
    if not _valid(x, 1):
        return float("nan")
    return _ess(_z_scale(_split(x)))


def ess_tail(x) -> float:
    """Tail ESS: the smaller ESS of the indicators of the 5% and 95% quantiles."""
    x = np.asarray(x, dtype=float)
    if not _valid(x, 1):
        return float("nan")
    return min(_ess(_split((x <= np.quantile(x, q)).astype(float))) for q in (0.05, 0.95))


def bfmi(energy) -> np.ndarray:
    """E-BFMI per chain of the Hamiltonian energy (chains, draws): mean squared energy
    change over the energy's variance (Betancourt 2016, arXiv:1604.00695)."""
    e = np.atleast_2d(np.asarray(energy, dtype=float))
    return np.square(np.diff(e, axis=1)).mean(axis=1) / e.var(axis=1, ddof=1)
