"""Liew and Kato's multiplicative law: pretraining and specialization data multiply.

    L(N, D, D') = E + A N^-alpha + B (S + D)^-beta (1 + D'/S)^-gamma_D,
    gamma_D = gamma - lambda log(1 + D/S)

After Liew & Kato 2025, "Reusing Overtrained Language Models Saturates Scaling"
(arXiv 2510.06548), who model the loss after a first stage of D1 tokens and a second
stage of D2 tokens as a product of power laws, A D1^-a D2^-b(D1) + E, whose exponent in
D2 falls logarithmically with D1, b(D1) = b - c log D1. That is what this law keeps: the
two data terms multiply instead of adding, and the D' exponent decays linearly in log D.
Our reading of the form is from the paper's abstract and figure 1 (the full equation was
not available to us); the offsets S + D and 1 + D'/S are ours, so that D = 0 and
D' = 0 are finite, and the model-size term is Chinchilla's.

Limits. D' = 0: L = E + A N^-alpha + B (S + D)^-beta, Chinchilla in D. D = 0
(specialist from scratch): gamma_D = gamma, L = E + A N^-alpha + B S^-beta
(1 + D'/S)^-gamma, Chinchilla in D'. lambda = 0: the exponents do not interact. For
log(1 + D/S) > gamma / lambda the exponent turns negative and more D' would raise the
loss: the log decay is the paper's, beyond the range it was measured on.

Parameters: E irreducible loss (nats/token); A, alpha the model-size term; B the data
coefficient; beta the D exponent; S the token scale of both stages; gamma the D'
exponent of a fresh model; lambda its decay per e-fold of D. E and S are per-domain.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_power, log_sum


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.multiplicative`."""
    S = theta["S"]
    gamma_D = theta["gamma"] - theta["lambda"] * jnp.log1p(D / S)
    return log_sum(
        jnp.log(theta["E"]),
        log_power(jnp.log(theta["A"]), theta["alpha"], N),
        log_power(jnp.log(theta["B"]), theta["beta"], S + D) - gamma_D * jnp.log1p(D_prime / S),
    )


LAW = Law(
    name="multiplicative",
    equation="L = E + A*N^-alpha + B*(S + D)^-beta*(1 + D'/S)^-(gamma - lambda*log(1 + D/S))",
    params=("E", "A", "alpha", "B", "beta", "S", "gamma", "lambda"),
    domain_params=("E", "S"),
    log_loss=log_loss,
    description=__doc__,
)
