"""Posterior curves and predictive samples for the report's figures.

Pure numpy/jax functions of posterior draws. The mean curve of one draw s is the law
itself, ``mu_s(N, D, D') = L(N, D, D'; theta_s)``; an observation adds the fit's
noise on log loss, ``log y = log mu_s + sigma_s * t_{nu_s}`` (Student-t), so a
predictive sample is ``y = mu_s * exp(sigma_s * t)``. With no noise draws the
predictive is the mean curve alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayeslaw._jax import setup
from bayeslaw.draws import Draws
from bayeslaw.fit.predictive import MAX_LOG_LOSS

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QNAMES = ("q05", "q25", "q50", "q75", "q95")


def mean_loss(draws: Draws, domain: str | int, N, D, D_prime) -> np.ndarray:
    """The law's loss for every draw at every point: shape ``(S, G)``.

    ``N``, ``D``, ``D_prime`` broadcast to a common 1-d grid of G points.
    """
    setup()

    N, D, D_prime = (np.asarray(x, dtype=float).ravel() for x in np.broadcast_arrays(N, D, D_prime))
    theta = {k: np.asarray(v, dtype=float)[:, None] for k, v in draws.for_domain(domain).items()}
    log_l = draws.law.evaluate(theta, N[None], D[None], D_prime[None])
    return np.exp(np.asarray(log_l, dtype=float))


def predictive(mu: np.ndarray, noise: Mapping[str, np.ndarray] | None,
               seed: int = 0) -> np.ndarray:
    """Predictive samples ``mu * exp(sigma * t_nu)``, one per draw and point."""
    if noise is None:
        return mu
    rng = np.random.default_rng(seed)
    sigma = np.asarray(noise["sigma"], dtype=float)[:, None]
    nu = np.asarray(noise.get("nu", np.full(len(sigma), np.inf)), dtype=float)[:, None]
    t = rng.standard_t(np.broadcast_to(np.minimum(nu, 1e6), mu.shape))
    # a heavy-tailed draw (small nu) can pass exp's float64 range: keep it finite and > 0
    return mu * np.exp(np.clip(sigma * t, -MAX_LOG_LOSS, MAX_LOG_LOSS))


def quantiles(samples: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    """The 5, 25, 50, 75, 95% quantiles over ``axis`` (the draws)."""
    qs = np.quantile(samples, QUANTILES, axis=axis)
    return dict(zip(QNAMES, qs, strict=True))


def pit(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Probability integral transform: the share of predictive samples below each
    observation (uniform on [0, 1] when the predictive is calibrated)."""
    below = (samples < observed[None]).mean(axis=0)
    ties = (samples == observed[None]).mean(axis=0)
    return below + 0.5 * ties


def coverage(samples: np.ndarray, observed: np.ndarray, level: float) -> float:
    """Share of observations inside the central ``level`` predictive interval."""
    lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return float(np.mean((observed >= lo) & (observed <= hi)))
