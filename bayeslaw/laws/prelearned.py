"""The pre-learned-data law: fine-tuning data adds to what pretraining already taught.

    L(N, D, D') = E + A N^-alpha + F / (D_l + D'^beta),
    D_l = P^beta,  P = S (1 + N D / S^2)^mu

After Lin et al. 2024, "Selecting Large Language Model to Fine-tune via Rectified
Scaling Law" (ICML 2024), whose rectified law for one pretrained model is
L(D') = E + B / (D_l + D'^beta), with D_l the model's "pre-learned data size": the
fine-tuning curve is flat while D'^beta << D_l (the pre-power phase) and a power law
B D'^-beta once D'^beta >> D_l. Their B is F here (its prior is centred on the D' seen,
not on D + D' as Chinchilla's B). The term is the harmonic combination of what the
pretrained model already does on the domain (F / D_l) and what D' domain tokens alone
would do (F D'^-beta).

Lin et al. fit D_l per model. Here it is a function of N and D: P, the pre-learned data
in domain tokens, grows as a power mu of the pretraining compute N D (measured in units
of the token scale S squared), because Lin et al. find D_l larger for larger and longer
pretrained models (our per-model fits of their FLAN curves give P ~ N^0.35 within
GPT-2 and within LaMini-GPT, one D each; on Gigaword and WMT19 the trend is noisy).
A product N D rather than separate exponents keeps one parameter; S is also the
offset that keeps a model with D = 0 finite. Its price: along an IsoFLOP (N D fixed) the
data term is constant, so on single-stage data the law cannot place a compute-optimal N
(bench/results_calibration.md: fit RMS error of log L 0.022 on Epoch's runs, Chinchilla
0.007); separate exponents of N and D in P are the next candidate.

Limits. D' = 0: L = E + A N^-alpha + F P^-beta, the pretrained model's loss on the
domain, falling as (N D)^-(mu beta) for N D >> S^2. D = 0 (specialist from scratch):
P = S, L = E + A N^-alpha + F / (S^beta + D'^beta), Chinchilla in D' for D' >> S. D'
>> P: L -> E + A N^-alpha + F D'^-beta, pretraining forgotten in the data term.

Parameters: E irreducible loss (nats/token); A, alpha the model-size term; F, beta the
domain-data term (Lin et al.'s B and beta); S the domain's pre-learned token scale; mu
how fast the pre-learned data grows with N D. E and S are per-domain.
"""

from __future__ import annotations

import jax.numpy as jnp

from bayeslaw.laws.base import Law, log_pos, log_power, log_sum


def log_prelearned(S, mu, N, log_D):
    """log P = log S + mu log(1 + N D / S^2), with ``log_D`` = log D (-inf at D = 0)."""
    log_S = jnp.log(S)
    return log_S + mu * jnp.logaddexp(0.0, jnp.log(N) + log_D - 2.0 * log_S)


def log_rectified(F, beta, log_P, D_prime):
    """log of Lin et al.'s term F / (P^beta + D'^beta)."""
    return jnp.log(F) - jnp.logaddexp(beta * log_P, log_pos(D_prime, beta))


def log_loss(theta, N, D, D_prime):
    """log L of :mod:`bayeslaw.laws.prelearned`."""
    return log_loss_of_pretraining(theta, N, log_pos(D), D_prime)


def log_loss_of_pretraining(theta, N, log_D, D_prime):
    """log L given log of the pretraining tokens that count (D here; the effective
    tokens of :mod:`bayeslaw.laws.repetition`)."""
    log_P = log_prelearned(theta["S"], theta["mu"], N, log_D)
    return log_sum(
        jnp.log(theta["E"]),
        log_power(jnp.log(theta["A"]), theta["alpha"], N),
        log_rectified(theta["F"], theta["beta"], log_P, D_prime),
    )


LAW = Law(
    name="prelearned",
    equation="L = E + A*N^-alpha + F/(D_l + D'^beta), D_l = (S*(1 + N*D/S^2)^mu)^beta",
    params=("E", "A", "alpha", "F", "beta", "S", "mu"),
    domain_params=("E", "S"),
    log_loss=log_loss,
    description=__doc__,
)
