"""The likelihood of an observed loss: Student-t on log loss with a learned scale.

    log L_obs ~ StudentT(nu, loc = log L(N, D, D'; theta), scale = sigma)

Errors are multiplicative on the loss (a 1% error at loss 4 and at loss 2 is the same
sigma ~ 0.01); heavy tails keep one bad run (a diverged seed, an extraction error in
digitized data) from dragging the exponents. The model (:mod:`bayeslaw.fit.model`),
the suggestion engine's reweighting and the simulations all use these functions;
:func:`log_lik_grid` is the pointwise log likelihood of the observed runs under every
draw (a posterior's ``log_likelihood`` group, for PSIS-LOO and stacking).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist

from bayeslaw.fit.latents import predict_log_loss
from bayeslaw.laws import Law


def distribution(log_loss_pred, sigma, nu) -> dist.StudentT:
    """The observation distribution of log loss."""
    return dist.StudentT(nu, log_loss_pred, sigma)


def log_lik(log_loss_obs, log_loss_pred, sigma, nu):
    """Log density of observed log losses given predictions (all broadcasting)."""
    return distribution(log_loss_pred, sigma, nu).log_prob(jnp.asarray(log_loss_obs))


@jax.jit
def sample_obs(key, log_loss_pred, sigma, nu):
    """Simulated observed log losses, of the broadcast shape of the inputs (one compiled
    program per shape: eagerly, the Student-t sampler is ~20 separately compiled ops)."""
    return distribution(jnp.asarray(log_loss_pred), jnp.asarray(sigma), jnp.asarray(nu)).sample(key)


@functools.lru_cache(maxsize=16)
def _log_lik_fn(law: Law):
    # One compiled program per law and shape (op by op, the first call took ~1.5 s).
    def pointwise(theta, sigma, nu, arrays, y):
        mu = predict_log_loss(law, theta, arrays)
        return log_lik(y, mu, sigma[..., None], nu[..., None])

    return jax.jit(pointwise)


def log_lik_grid(law: Law, fdata, samples: Mapping[str, np.ndarray]) -> np.ndarray:
    """Pointwise log likelihood (chains, draws, runs) of the observed runs."""
    theta = {p: np.asarray(samples[p]) for p in law.params}
    sigma, nu = (np.asarray(samples[k]) for k in ("sigma", "nu"))
    arrays, y = fdata.padded()  # one compiled program per bucket of run counts
    out = _log_lik_fn(law)(theta, sigma, nu, arrays, y)
    return np.asarray(out)[..., :len(fdata.log_loss)]
