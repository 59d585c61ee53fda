"""Extrapolation-calibrated predictive intervals, learned by backtesting.

A law fitted to small runs is used far beyond them; its posterior predictive knows the
parameters' uncertainty and the runs' noise, but not what the law's form gets wrong
there. We model that form error on log loss as growing with the distance beyond the
data, with a learned spread and, optionally (criterion drift), a learned mean,

    y ~ StudentT(nu, log L(x; theta) + bias g(d), sqrt(sigma^2 + tau^2 g(d)^2)),
    g(d) = d(x)^(p/2),

    d(x) = max_c max(0, z_c(x) - max_i z_c(x_i), min_i z_c(x_i) - z_c(x)),

with z = (log C, log N, log D, log D') (C = 6 N (D + D'); D, D' floored at one token)
and x_i the fitted runs: d is how many e-folds the point lies outside the box of the
data in its most extrapolated coordinate, 0 inside it. Equivalently the law's error at
distance d is g(d) (bias + tau z), z ~ N(0, 1): a systematic part (the law bends the
wrong way beyond the data, so every larger run lies on one side) and a random part.

bias, tau and p are learned from the runs themselves by rolling-origin backtesting
(Tashman 2000): sort the runs by compute; for each origin f (50%, 65%, 80% of them) fit
the same laws to the smaller fraction f, predict every larger run, and maximize the
summed log predictive density of the held-out runs for each p in a small grid (profile
likelihood). Criterion ``"likelihood"`` (the default) fixes bias = 0 and learns tau >= 0
(a zero-mean widening: a systematic error is absorbed as width); ``"drift"`` learns the
drift bias too; ``"coverage"`` takes the likelihood's p and the smallest tau whose 90%
intervals cover 90% of the backtest points.

Assumptions (docs/fit.md): the form error of a law beyond its data is g(d) (bias + tau
z) with the same bias (0 by default), tau and p for the final fit as for its folds (with
criterion drift: the drift the smaller fits showed continues); the same power holds
beyond the largest distance seen in the backtests (the final fit may extrapolate further
than its folds did); each fold's posterior stands for the final one (NUTS with short
chains, :data:`FOLD_NUTS`; ``method="lbfgs"``, the point fit, is cheaper but has no
parameter uncertainty, so its tau also absorbs that and the widening errs wide; a point
fold borrows the noise draws, sigma and nu, of the posterior being calibrated, see
:func:`folds_for`); the folds' held-out runs overlap (each larger run is predicted from
every earlier origin), so the likelihood counts them more than once; and a stacked
posterior's folds mix its laws of weight >= :data:`MIN_WEIGHT` with their full-data
stacking weights (renormalized).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw._jax import setup
from bayeslaw.errors import BayeslawError
from bayeslaw.fit.calibration import Box, Calibration
from bayeslaw.fit.fitter import fitter
from bayeslaw.fit.stack import StackedPosterior, stack

ORIGINS = (0.5, 0.65, 0.8)  # fractions of the runs (by compute) each fold is fitted to
POWERS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)  # the grid of p profiled over
TARGET = 0.9  # criterion "coverage": the central interval whose backtest coverage is matched
FOLD_NUTS = {"chains": 2, "warmup": 200, "samples": 200}  # per fold, with method="nuts"
MIN_WEIGHT = 0.01  # a stacked law of less weight is not refitted in the folds


@dataclass(frozen=True)
class Fold:
    """One backtest fold: held-out log losses ``y`` (n,), their distances ``d`` (n,) beyond
    the fold's runs, the fold posterior's log mean curve ``mu`` (S, n) and noise (S,)."""

    y: np.ndarray
    d: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    nu: np.ndarray


def log_mean(post, runs: Sequence) -> np.ndarray:
    """(S, n) log L of each draw at each run (its own domain's parameters)."""
    setup()
    cols = [post.domains.index(r.domain) for r in runs]
    law, draws = post.law, post.draws
    theta = {p: (np.asarray(v)[:, cols] if p in law.domain_params else np.asarray(v)[:, None])
             for p, v in draws.params.items()}
    N, D, Dp = (np.array([getattr(r, a) for r in runs], dtype=float)[None]
                for a in ("params", "pretrain_tokens", "specialize_tokens"))
    return np.asarray(law.log_loss(theta, N, D, Dp))


def fold(post, train: Sequence, test: Sequence) -> Fold:
    """The held-out predictive of ``test`` by ``post`` fitted to ``train``."""
    test = [r for r in test if r.domain in post.domains]
    box = Box.of(*(np.array([getattr(r, a) for r in train], dtype=float)
                   for a in ("params", "pretrain_tokens", "specialize_tokens")))
    d = box.distance(*(np.array([getattr(r, a) for r in test], dtype=float)
                       for a in ("params", "pretrain_tokens", "specialize_tokens")))
    y = np.log(np.array([r.loss for r in test], dtype=float))
    return Fold(y, d, log_mean(post, test), np.asarray(post.noise["sigma"], dtype=float),
                np.asarray(post.noise["nu"], dtype=float))


def _location_scale(f: Fold, tau: float, power: float, bias: float):
    """The widened predictive's location (S, n) and scale (S, n) on fold ``f``: the form
    error g(d) (bias + tau z), g(d) = d^(p/2), added to each draw's log mean curve."""
    g = f.d[None] ** (power / 2)
    return f.mu + bias * g, np.sqrt(f.sigma[:, None] ** 2 + tau**2 * g**2)


def log_density(folds: Sequence[Fold], tau: float, power: float, bias: float = 0.0) -> float:
    """Summed log predictive density of every held-out point, widened by (tau, power) and
    shifted by the drift ``bias`` d^(p/2)."""
    from scipy.special import gammaln

    total = 0.0
    for f in folds:
        loc, scale = _location_scale(f, tau, power, bias)
        nu = f.nu[:, None]  # the Student-t log density, written out (scipy's is slow)
        lp = (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(np.pi * nu)
              - np.log(scale) - (nu + 1) / 2 * np.log1p(((f.y[None] - loc) / scale) ** 2 / nu))
        top = lp.max(axis=0)  # log of the mean density over draws
        total += float(np.sum(top + np.log(np.mean(np.exp(lp - top), axis=0))))
    return total


def pit(folds: Sequence[Fold], tau: float, power: float, bias: float = 0.0) -> np.ndarray:
    """The predictive CDF at each held-out point (all folds, in order): uniform on
    (0, 1) when the widened predictive is calibrated."""
    from scipy.stats import t as student_t

    out = []
    for f in folds:
        loc, scale = _location_scale(f, tau, power, bias)
        out.append(student_t.cdf((f.y[None] - loc) / scale, f.nu[:, None]).mean(0))
    return np.concatenate(out) if out else np.zeros(0)


def coverage(folds: Sequence[Fold], tau: float, power: float, level: float = TARGET,
             bias: float = 0.0) -> float:
    """Share of held-out points inside their central ``level`` predictive interval."""
    u = pit(folds, tau, power, bias)
    return float(np.mean(np.abs(u - 0.5) <= level / 2)) if len(u) else float("nan")


def match_coverage(folds: Sequence[Fold], power: float, level: float = TARGET) -> float:
    """The smallest tau >= 0 whose backtest coverage of the central ``level`` interval
    reaches ``level`` (bisection in log tau; coverage grows with tau)."""
    if coverage(folds, 0.0, power, level) >= level:
        return 0.0
    lo, hi = -12.0, 2.0
    if coverage(folds, float(np.exp(hi)), power, level) < level:
        return float(np.exp(hi))
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if coverage(folds, float(np.exp(mid)), power, level) >= level \
            else (mid, hi)
    return float(np.exp(hi))


def learn(folds: Sequence[Fold], powers: Sequence[float] = POWERS) -> tuple[float, float, float]:
    """(tau, power, gain per point): the maximum of :func:`log_density` over tau >= 0 for
    each power (bounded scalar search in log tau), against tau = 0."""
    from scipy.optimize import minimize_scalar

    n = sum(len(f.y) for f in folds)
    if n == 0:
        raise BayeslawError("the backtest has no held-out runs to learn the widening from")
    base = log_density(folds, 0.0, 1.0)
    best = (0.0, 1.0, base)
    for p in powers:
        r = minimize_scalar(lambda lt, p=p: -log_density(folds, float(np.exp(lt)), p),
                            bounds=(-12.0, 2.0), method="bounded", options={"xatol": 1e-3})
        if -r.fun > best[2]:
            best = (float(np.exp(r.x)), float(p), float(-r.fun))
    return best[0], best[1], (best[2] - base) / n


def learn_drift(folds: Sequence[Fold], powers: Sequence[float] = POWERS
                ) -> tuple[float, float, float, float]:
    """(tau, power, bias, gain per point): the maximum of :func:`log_density` over the
    drift ``bias`` and tau >= 0 for each power (Nelder-Mead in (bias, log tau) from the
    least-squares drift of the median curve's residuals), against no widening."""
    from scipy.optimize import minimize

    n = sum(len(f.y) for f in folds)
    if n == 0:
        raise BayeslawError("the backtest has no held-out runs to learn the widening from")
    base = log_density(folds, 0.0, 1.0)
    best = (0.0, 1.0, 0.0, base)
    for p in powers:
        g = np.concatenate([f.d ** (p / 2) for f in folds])
        r = np.concatenate([f.y - np.median(f.mu, axis=0) for f in folds])
        b0 = float(g @ r / max(g @ g, 1e-300))
        t0 = max(float(np.sqrt(np.mean((r - b0 * g) ** 2) / max(np.mean(g**2), 1e-300))),
                 1e-4)
        res = minimize(lambda x, p=p: -log_density(folds, float(np.exp(x[1])), p, float(x[0])),
                       np.array([b0, np.log(t0)]), method="Nelder-Mead",
                       options={"xatol": 1e-3, "fatol": 1e-2, "maxiter": 200})
        tau = float(np.exp(np.clip(res.x[1], -12.0, 2.0)))
        lp = log_density(folds, tau, p, float(res.x[0]))
        if lp > best[3]:
            best = (tau, float(p), float(res.x[0]), lp)
    return best[0], best[1], best[2], (best[3] - base) / n


@dataclass(frozen=True)
class FoldFit:
    """One rolling-origin fold: the ``train`` runs, the larger ``test`` runs and each law's
    posterior fitted to ``train`` (by name)."""

    train: list
    test: list
    posteriors: dict


def stacked_laws(post, min_weight: float = MIN_WEIGHT) -> tuple[str, ...]:
    """The laws whose fold fits a calibration of ``post`` needs: its law, or a stacked
    posterior's laws of weight >= ``min_weight`` (the folds mix them with their weights
    renormalized; a law below it moves the mixture's quantiles by less than its weight)."""
    if not hasattr(post, "names"):
        return (post.law.name,)
    w = post.weight_of()
    keep = tuple(n for n in post.names if w[n] >= min_weight)
    return keep or (max(w, key=w.get),)


def fold_fits(runs: Sequence, laws: Sequence[str], *, origins: Sequence[float] = ORIGINS,
              method: str = "nuts", fit_kw: dict | None = None,
              cache=None) -> list[FoldFit]:
    """Each law refitted to the smallest fraction f of the runs by compute, for each f in
    ``origins`` (a fold that cannot be fitted, too few runs or no spread, is skipped);
    ``cache``: a folder where each fold fit is kept (see :func:`bayeslaw.fit.fitter.fitter`)."""
    one = fitter(method, {**(FOLD_NUTS if method == "nuts" else {}), **(fit_kw or {})},
                  cache)
    ordered = sorted(runs, key=lambda r: r.flops)
    out = []
    for f in origins:
        n = int(round(f * len(ordered)))
        if n < 2 or n >= len(ordered):
            continue
        try:
            posts = {law: one(ordered[:n], law) for law in laws}
        except BayeslawError:
            continue
        out.append(FoldFit(ordered[:n], ordered[n:], posts))
    if not out:
        raise BayeslawError(f"no backtest fold could be fitted from {len(runs)} runs; the "
                            "widening needs runs at several compute scales")
    return out


def folds_for(fits: Sequence[FoldFit], post) -> list[Fold]:
    """The held-out predictive folds of ``post``'s kind: its law's fold posterior, or for a
    StackedPosterior the fold laws stacked with its weights.

    Point-fit folds (``method="lbfgs"``: one draw, Gaussian noise) take the noise draws
    (sigma, nu) of ``post`` itself, and a stacked fold of point fits has as many draws as
    ``post``'s noise, allocated by the weights: the runs' noise, heavy-tailed or not, does
    not depend on how many runs are fitted, and a Gaussian fold predictive of
    heavy-tailed runs would learn the tails as a widening.
    """
    sigma, nu = (np.asarray(post.noise[k], dtype=float) for k in ("sigma", "nu"))
    out = []
    for ff in fits:
        point = all(p.draws.n_draws == 1 for p in ff.posteriors.values())
        if isinstance(post, StackedPosterior):  # the laws refitted in the folds (see
            names = [n for n in post.names if n in ff.posteriors]  # :func:`stacked_laws`)
            w = [post.weight_of()[n] for n in names]
            fp = stack([ff.posteriors[n] for n in names], weights=w,
                       n_draws=len(sigma) if point else post.n_draws)
        else:
            fp = ff.posteriors[post.law.name]
        f = fold(fp, ff.train, ff.test)
        out.append(Fold(f.y, f.d, f.mu, sigma, nu) if point else f)
    return out


CRITERIA = ("likelihood", "drift", "coverage")


def from_folds(folds: Sequence[Fold], runs: Sequence, method: str = "nuts",
               criterion: str = "likelihood") -> Calibration:
    """The calibration learned on ``folds``, its box the range of ``runs`` (the final fit's).

    ``criterion``: ``"likelihood"`` (default), tau and p maximizing the held-out log
    predictive density with no drift (:func:`learn`); ``"drift"``, the drift ``bias``
    too (:func:`learn_drift`); ``"coverage"``, p from the likelihood profile and tau the
    smallest whose held-out 90% intervals cover 90% of the backtest points
    (:func:`match_coverage`). On bench/bench_calibration.py (results_calibration.md)
    the drift the folds showed did not continue to the final fit on two of four data
    sets (the split-validation sweep's held-out runs lie on the other side), so it is
    not the default; coverage matching widened less than the likelihood on
    bench/bench_stacking.py (most backtest points lie just beyond their fold).
    """
    if criterion not in CRITERIA:
        raise BayeslawError(f"unknown calibration criterion {criterion!r} (one of "
                            f"{', '.join(CRITERIA)})")
    bias = 0.0
    if criterion == "drift":
        tau, power, bias, _ = learn_drift(folds)
    else:
        tau, power, _ = learn(folds)
    if criterion == "coverage":
        tau = match_coverage(folds, power)
    n = sum(len(f.y) for f in folds)
    gain = (log_density(folds, tau, power, bias) - log_density(folds, 0.0, power)) / n
    box = Box.of(*(np.array([getattr(r, a) for r in runs], dtype=float)
                   for a in ("params", "pretrain_tokens", "specialize_tokens")))
    return Calibration(tau, power, box, n, len(folds), gain, method, criterion, bias)


def calibrate(runs: Sequence, post, *, origins: Sequence[float] = ORIGINS,
              method: str = "nuts", fit_kw: dict | None = None,
              criterion: str = "likelihood") -> Calibration:
    """Learn the widening of ``post``'s predictive from its own ``runs`` (see module doc).

    ``runs`` are filtered to those ``post`` was fitted to; ``post`` is a Posterior or a
    StackedPosterior (its folds are stacked with its weights).
    """
    ids = set(post.run_ids)
    runs = [r for r in runs if r.run_id in ids and r.status == "completed"]
    fits = fold_fits(runs, stacked_laws(post), origins=origins, method=method, fit_kw=fit_kw)
    return from_folds(folds_for(fits, post), runs, method, criterion)
