"""The classical baseline: Huber loss on log loss, L-BFGS from a grid of starts.

    min_theta  sum_i Huber_delta( log L(N_i, D_i, D'_i; theta) - log L_i ),  delta = 1e-3

Hoffmann et al. 2022 (appendix D.2) and Besiroglu et al. 2024 (Epoch's replication).
The parameters are those of the Bayesian model's latents (centred on the data; see
:mod:`bayeslaw.fit.priors`), without priors and without pooling, so the optimum is the
plain Huber estimate in the law's symbols. The grid takes every symbol at its prior's
loc - scale, loc, loc + scale; the objective is evaluated on the whole grid at once
and L-BFGS-B refines the ``n_starts`` best points (Epoch refines every grid point;
pruning first is much cheaper and, on their data, reaches the same optimum).
Uncertainty comes from the bootstrap (``bootstrap=100``): resample runs, refit.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

from bayeslaw._jax import setup
from bayeslaw.fit import data as fit_data
from bayeslaw.fit import priors as fit_priors
from bayeslaw.fit.latents import latent_shapes, predict_log_loss, to_symbols
from bayeslaw.fit.likelihood import log_lik_grid
from bayeslaw.fit.posterior import Posterior, build, provenance
from bayeslaw.laws import Law
from bayeslaw.laws import get as get_law

HUBER_DELTA = 1e-3
NU_POINT = 1e4  # a point fit's noise is Gaussian: Student-t with huge nu


@functools.lru_cache(maxsize=16)
def _objective(law: Law, n_dom: int):
    import jax
    import jax.numpy as jnp

    shapes = latent_shapes(law, n_dom)

    def huber(x, data, y):
        r = predict_log_loss(law, to_symbols(law, shapes, x, data), data) - y
        a = jnp.abs(r)
        h = jnp.where(a <= HUBER_DELTA, 0.5 * r**2, HUBER_DELTA * (a - 0.5 * HUBER_DELTA))
        if "mask" in data:  # padded runs (FitData.padded) do not count
            h = jnp.where(data["mask"], h, 0.0)
        return jnp.sum(h, axis=-1)

    return jax.jit(huber), jax.jit(jax.value_and_grad(huber))


def _grid(law: Law, shapes: dict, priors: dict) -> np.ndarray:
    axes = [[priors[p]["loc"] + s * priors[p]["scale"] for s in (-1.0, 0.0, 1.0)]
            for p in shapes]
    pts = np.array(list(itertools.product(*axes)))
    reps = [max(k, 1) for k in shapes.values()]
    return np.repeat(pts, reps, axis=1)


def grid_starts(law: Law, fdata, n_starts: int, priors=None) -> np.ndarray:
    """The ``n_starts`` grid points of lowest Huber loss (n_starts x n_latent), best first."""
    import jax.numpy as jnp

    value, _ = _objective(law, len(fdata.domains))
    padded, y = fdata.padded()  # one compiled objective per bucket of run counts
    data = {k: jnp.asarray(v) for k, v in padded.items()}
    grid = _grid(law, latent_shapes(law, len(fdata.domains)), fit_priors.resolve(priors))
    f0 = np.asarray(value(jnp.asarray(grid), data, jnp.asarray(y)))  # one batch
    return grid[np.argsort(f0)[:n_starts]]


def optimize(law: Law, fdata, *, n_starts: int = 8, priors=None) -> tuple[np.ndarray, float]:
    """The best latent vector and its Huber loss for the runs in ``fdata``."""
    import jax.numpy as jnp
    from scipy.optimize import minimize

    _, value_grad = _objective(law, len(fdata.domains))
    padded, y = fdata.padded()
    data = {k: jnp.asarray(v) for k, v in padded.items()}
    y = jnp.asarray(y)
    best = (None, np.inf)

    def fg(x):
        v, g = value_grad(jnp.asarray(x), data, y)
        return float(v), np.asarray(g, dtype=float)

    for x0 in grid_starts(law, fdata, n_starts, priors):
        r = minimize(fg, x0, jac=True, method="L-BFGS-B")
        if np.isfinite(r.fun) and r.fun < best[1]:
            best = (r.x, float(r.fun))
    return best


def robust_scale(r: np.ndarray) -> float:
    """The noise scale of residuals ``r``: 1.4826 MAD (the SD for Gaussian noise), >= 1e-6."""
    return max(1.4826 * float(np.median(np.abs(r - np.median(r)))), 1e-6)


def _point(law: Law, fdata, x: np.ndarray) -> dict[str, np.ndarray]:
    """Symbols at latent ``x`` plus the residual noise scale (robust: 1.4826 MAD)."""
    import jax.numpy as jnp

    data = {k: jnp.asarray(v) for k, v in fdata.arrays.items()}
    theta = to_symbols(law, latent_shapes(law, len(fdata.domains)), jnp.asarray(x), data)
    r = np.asarray(predict_log_loss(law, theta, data)) - fdata.log_loss
    out = {k: np.asarray(v) for k, v in theta.items()}
    out["sigma"] = np.asarray(robust_scale(r))
    out["nu"] = np.asarray(NU_POINT)
    return out


def fit(runs: Sequence, law: str | Law = "domain_gap", *, domains: Sequence[str] | None = None,
        n_starts: int = 8, bootstrap: int = 0, seed: int = 0, priors=None) -> Posterior:
    """The Huber/L-BFGS estimate as a :class:`Posterior` of one draw, or of ``bootstrap``
    draws (each the estimate on runs resampled with replacement).

    ``priors`` only places the grid of starting points (the fit itself has no prior).
    """
    setup()
    law = get_law(law) if isinstance(law, str) else law
    fdata = fit_data.from_runs(runs, law, domains)
    rng = np.random.default_rng(seed)
    sets = [fdata] if bootstrap < 1 else [
        fdata.take(rng.integers(0, len(fdata.N), len(fdata.N))) for _ in range(bootstrap)]
    points = [_point(law, s, optimize(law, s, n_starts=n_starts, priors=priors)[0])
              for s in sets]
    samples = {k: np.stack([p[k] for p in points])[None] for k in points[0]}
    method = "lbfgs" if bootstrap < 1 else "lbfgs-bootstrap"
    attrs = provenance(law, fit_priors.to_toml(fit_priors.resolve(priors)), fdata.run_ids,
                       fdata.domains, method=method, seed=seed, huber_delta=HUBER_DELTA,
                       n_starts=n_starts, bootstrap=bootstrap)
    return build(law, fdata, samples, None, log_lik_grid(law, fdata, samples), attrs)
