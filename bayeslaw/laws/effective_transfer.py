"""The effective-transfer law: general tokens count as a discounted amount of domain tokens.

    L(N, D, D') = E + A N^-alpha + B (D' + tau D)^-beta

After Hernandez et al. 2021, "Scaling Laws for Transfer", who measure pretraining by
the amount of domain data it is worth (the "effective data transferred"). Here the
exchange rate is a constant fraction: one general token is worth ``tau`` domain tokens
(0 < tau < 1 when the mixture is less useful than the domain itself), and the data
term is Chinchilla's in the effective domain tokens D' + tau D.

Limits. D' = 0: L = E + A N^-alpha + (B tau^-beta) D^-beta, Chinchilla with a larger
data coefficient. D = 0 (specialist from scratch): L = E + A N^-alpha + B D'^-beta,
Chinchilla on the domain tokens. tau -> 1 recovers the ``chinchilla`` law. Needs
D' + tau D > 0.

Parameters: E irreducible loss of the domain (nats/token); A, alpha the model-size
term; B, beta the data term in domain tokens; tau the worth of a general token in
domain tokens. E and tau are per-domain.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_power, log_sum


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.effective_transfer`."""
    return log_sum(
        jnp.log(theta["E"]),
        log_power(jnp.log(theta["A"]), theta["alpha"], N),
        log_power(jnp.log(theta["B"]), theta["beta"], D_prime + theta["tau"] * D),
    )


LAW = Law(
    name="effective_transfer",
    equation="L = E + A*N^-alpha + B*(D' + tau*D)^-beta",
    params=("E", "A", "alpha", "B", "beta", "tau"),
    domain_params=("E", "tau"),
    log_loss=log_loss,
    description=__doc__,
)
