"""The likelihood of an observed loss: Student-t on log loss with a learned scale.

    log L_obs ~ StudentT(nu, loc = log L(N, D, D'; theta), scale = sigma)

Errors are multiplicative on the loss (a 1% error at loss 4 and at loss 2 is the same
sigma ~ 0.01); heavy tails keep one bad run (a diverged seed, an extraction error in
digitized data) from dragging the exponents. The model (:mod:`bayeslaw.fit.model`),
the suggestion engine's reweighting and the simulations all use these functions.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpyro.distributions as dist


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
