"""Where NUTS starts, and at what scale: the L-BFGS optimum and a Gauss-Newton spread.

The model (:mod:`bayeslaw.fit.model`) samples every latent ``u`` of the priors' table
in standardized form,

    u = c + s z,   z ~ Normal((loc - c) / s, scale / s),

which is exactly ``u ~ Normal(loc, scale)``: the prior on the law's symbols does not
change, only the coordinates NUTS moves in. This module computes the centre ``c`` and
the spread ``s`` of each latent from the data:

- ``c``: the Huber/L-BFGS optimum of the latents (:func:`bayeslaw.fit.lbfgs.optimize`),
- ``s``: the Gauss-Newton (Laplace) posterior standard deviation at ``c``,

      Cov = (J^T J / sigma^2 + diag(1 / scale^2))^-1,   J = d log L_i / d u,

  with sigma the residuals' robust scale (1.4826 MAD); for ``u_sigma = log sigma``,
  ``s = (2 n + 1 / scale^2)^-1/2`` (the Fisher information of a log scale).

Then ``z`` is within a few units of 0 a posteriori, so the sampler's first,
identity-metric warmup window already takes steps of the right size, and a chain
started at ``z ~ U(-2, 2)`` starts near the optimum (Stan's default radius, so that
R-hat can still see chains that disagree). Without a start (an empty dict; the
keys are optional in the model's data), ``c = loc`` and ``s = scale``.

For a per-domain symbol with several domains, the pooled mean ``u_mu`` is
standardized with the domains' mean optimum and a spread that adds their scatter.
"""

from __future__ import annotations

import functools

import numpy as np

from bayeslaw.fit import lbfgs
from bayeslaw.fit.model import keys, predict_log_loss
from bayeslaw.laws import Law

N_STARTS = 4  # L-BFGS refinements from the best grid points (the baseline uses 8)


@functools.lru_cache(maxsize=16)
def _residual_fn(law: Law, n_dom: int):
    import jax

    shapes = lbfgs.latent_shapes(law, n_dom)

    def pred(x, data):
        return predict_log_loss(law, lbfgs.to_symbols(law, shapes, x, data), data)

    return jax.jit(pred), jax.jit(jax.jacfwd(pred))


def _spreads(law: Law, fdata, x: np.ndarray, scales: np.ndarray) -> tuple[np.ndarray, float]:
    """Gauss-Newton standard deviations of the latents at ``x``, and sigma."""
    import jax.numpy as jnp

    data = {k: jnp.asarray(v) for k, v in fdata.arrays.items()}
    pred, jac = _residual_fn(law, len(fdata.domains))
    r = np.asarray(pred(jnp.asarray(x), data)) - fdata.log_loss
    sigma = max(1.4826 * float(np.median(np.abs(r - np.median(r)))), 1e-6)
    J = np.asarray(jac(jnp.asarray(x), data))
    cov = np.linalg.inv(J.T @ J / sigma**2 + np.diag(1.0 / scales**2))
    return np.sqrt(np.clip(np.diag(cov), 1e-300, None)), sigma


def start(law: Law, fdata, priors: dict) -> dict[str, np.ndarray]:
    """Centres and spreads (``keys(name)``) of every latent, or ``{}`` if L-BFGS fails.

    ``priors`` are resolved priors (:func:`bayeslaw.fit.priors.resolve`).
    """
    shapes = lbfgs.latent_shapes(law, len(fdata.domains))
    x, _ = lbfgs.optimize(law, fdata, n_starts=N_STARTS, priors=priors)
    if x is None or not np.all(np.isfinite(x)):
        return {}
    scales = np.concatenate([[priors[p]["scale"]] * max(k, 1) for p, k in shapes.items()])
    try:
        sd, sigma = _spreads(law, fdata, np.asarray(x), scales)
    except np.linalg.LinAlgError:
        return {}
    out, i = {}, 0
    for p, k in shapes.items():
        c, s = x[i:i + max(k, 1)], sd[i:i + max(k, 1)]
        out.update(zip(keys(p), (np.mean(c), np.sqrt(np.mean(s**2) + np.var(c) / c.size)),
                       strict=True))
        i += max(k, 1)
    n, scale = len(fdata.log_loss), priors["sigma"]["scale"]
    out.update(zip(keys("sigma"), (np.log(sigma), (2.0 * n + scale**-2) ** -0.5), strict=True))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}
