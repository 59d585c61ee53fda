"""The saturation law: the more a model was pretrained, the less specialization helps.

    L(N, D, D') = E + A N^-alpha + B (D + D')^-beta + G (1 + D'/S)^-gamma_D,
    gamma_D = gamma (1 + D/S)^-kappa

After Liew & Kato 2025, "Reusing overtrained language models saturates scaling", who
find that the scaling exponent of continued-pretraining data falls as the base model's
pretraining tokens grow. Here the gap-closing exponent of ``domain_gap`` decays as a
power of the pretraining tokens measured on the same token scale S, so it stays
positive (their logarithmic decay would turn negative at large D). kappa = 0 is
exactly ``domain_gap``; kappa > 0 makes the benefit of D' shrink as D grows.

Limits. D' = 0: L = E + A N^-alpha + B D^-beta + G, as in ``domain_gap``. D = 0
(specialist from scratch): gamma_D = gamma, so L is ``domain_gap`` at D = 0. For
D >> S the gap closes ever more slowly (gamma_D ~ gamma (S/D)^kappa). Needs D + D' > 0.

Parameters: E, A, alpha, B, beta as in Chinchilla; G the domain gap (nats/token); S
the specialization token scale; gamma the gap-closing exponent of a fresh model;
kappa how fast pretraining saturates it. E, G and S are per-domain.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_power, log_sum


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.saturation`."""
    S = theta["S"]
    gamma_D = theta["gamma"] * jnp.exp(-theta["kappa"] * jnp.log1p(D / S))
    return log_sum(
        jnp.log(theta["E"]),
        log_power(jnp.log(theta["A"]), theta["alpha"], N),
        log_power(jnp.log(theta["B"]), theta["beta"], D + D_prime),
        log_power(jnp.log(theta["G"]), gamma_D, 1.0 + D_prime / S),
    )


LAW = Law(
    name="saturation",
    equation="L = E + A*N^-alpha + B*(D + D')^-beta + G*(1 + D'/S)^-(gamma*(1 + D/S)^-kappa)",
    params=("E", "A", "alpha", "B", "beta", "G", "S", "gamma", "kappa"),
    domain_params=("E", "G", "S"),
    log_loss=log_loss,
    description=__doc__,
)
