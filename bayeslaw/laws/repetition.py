"""The pre-learned-data law with a pretraining mixture seen more than once.

    L(N, D, D') = E + A N^-alpha + F / (D_l + D'^beta),
    D_l = P^beta,  P = S (1 + N D_eff / S^2)^mu,
    D_eff = min(D, U) + U R_star (1 - exp(-R / R_star)),  R = max(D / U - 1, 0)

:mod:`bayeslaw.laws.prelearned` with the pretraining tokens D replaced by their
effective number when the mixture holds only U unique tokens: Muennighoff et al. 2023,
"Scaling Data-Constrained Language Models" (NeurIPS 2023), eq. (5), where R = D/U - 1
is the number of repetitions beyond the first epoch and R_star the repetitions after
which a repeated token is worth 1/e of a fresh one (they fit R_star = 15.4).

U is a law parameter, the mixture's unique tokens, shared by all runs: the run format
has no column for it, and the runs of one study usually share one mixture. Where no run
repeats its data (D < U for all), U is only bounded below by the data and the law is
``prelearned``.

Limits. D <= U: D_eff = D, exactly ``prelearned``. D >> U: D_eff -> U (1 + R_star),
so more passes over the same mixture stop helping. D' = 0: L = E + A N^-alpha + F P^-beta.
D = 0: D_eff = 0, P = S, as in ``prelearned``. D_eff is continuous with a continuous
slope (1) at D = U.

Parameters: as ``prelearned`` (E and S per-domain), plus U the unique pretraining
tokens and R_star the repetition scale.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_pos
from bayeslaw.laws.prelearned import log_loss_of_pretraining


def effective_tokens(D, U, R_star):
    """Muennighoff et al.'s D_eff = min(D, U) + U R_star (1 - exp(-R / R_star))."""
    R = jnp.maximum(D / U - 1.0, 0.0)
    return jnp.minimum(D, U) - U * R_star * jnp.expm1(-R / R_star)


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.repetition`."""
    D_eff = effective_tokens(D, theta["U"], theta["R_star"])
    return log_loss_of_pretraining(theta, N, log_pos(D_eff), D_prime)


LAW = Law(
    name="repetition",
    equation="L = E + A*N^-alpha + F/(D_l + D'^beta), D_l = (S*(1 + N*D_eff/S^2)^mu)^beta, "
             "D_eff = min(D, U) + U*R_star*(1 - exp(-max(D/U - 1, 0)/R_star))",
    params=("E", "A", "alpha", "F", "beta", "S", "mu", "U", "R_star"),
    domain_params=("E", "S"),
    log_loss=log_loss,
    description=__doc__,
)
