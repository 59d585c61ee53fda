"""The domain-gap law: a general model plus a gap that specialization closes.

    L(N, D, D') = E + A N^-alpha + B (D + D')^-beta + G (1 + D'/S)^-gamma

The first three terms are the Chinchilla law of all tokens seen. G (nats/token) is
the extra loss of a mixture-trained model on this domain, the gap; specializing for
D' tokens closes it on a token scale S with exponent gamma.

Limits. D' = 0: L = E + A N^-alpha + B D^-beta + G, the general model's loss on the
domain. D = 0 (specialist from scratch): L = E + A N^-alpha + B D'^-beta +
G (1 + D'/S)^-gamma. Needs D + D' > 0.

Parameters: E, A, alpha, B, beta as in Chinchilla; G the domain gap; S the
specialization token scale; gamma how fast the gap closes. E, G and S are
per-domain.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_power, log_sum


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.domain_gap`."""
    return log_sum(
        jnp.log(theta["E"]),
        log_power(jnp.log(theta["A"]), theta["alpha"], N),
        log_power(jnp.log(theta["B"]), theta["beta"], D + D_prime),
        log_power(jnp.log(theta["G"]), theta["gamma"], 1.0 + D_prime / theta["S"]),
    )


LAW = Law(
    name="domain_gap",
    equation="L = E + A*N^-alpha + B*(D + D')^-beta + G*(1 + D'/S)^-gamma",
    params=("E", "A", "alpha", "B", "beta", "G", "S", "gamma"),
    domain_params=("E", "G", "S"),
    log_loss=log_loss,
    description=__doc__,
)
