"""The Chinchilla law, blind to where the tokens came from.

    L(N, D, D') = E + A N^-alpha + B (D + D')^-beta

Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", eq. (2),
with the pretraining and specialization tokens pooled. Limits: D' = 0 is exactly
Hoffmann's law in D; D = 0 is the same law in the domain tokens D' alone.
Specialization tokens count the same as general ones, so this law
can only say "more tokens": it is the null model against which the domain laws are
compared. Needs D + D' > 0.

Parameters: E irreducible loss of the domain (nats/token); A, alpha the model-size
term; B, beta the data term.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_power, log_sum


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.chinchilla`."""
    return log_sum(
        jnp.log(theta["E"]),
        log_power(jnp.log(theta["A"]), theta["alpha"], N),
        log_power(jnp.log(theta["B"]), theta["beta"], D + D_prime),
    )


LAW = Law(
    name="chinchilla",
    equation="L = E + A*N^-alpha + B*(D + D')^-beta",
    params=("E", "A", "alpha", "B", "beta"),
    domain_params=("E",),
    log_loss=log_loss,
    description=__doc__,
)
