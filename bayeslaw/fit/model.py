"""The numpyro model of a scaling law: centred latents, partial pooling, Student-t.

Each parameter symbol is a deterministic site in absolute units, built from a latent
with the prior of :mod:`bayeslaw.fit.priors`. Per-domain symbols
(``law.domain_params``) are partially pooled across domains with a non-centred
hierarchy when more than one domain is fitted:

    u_d = u_mu + u_sd z_d,   u_mu ~ N(loc, scale),  u_sd ~ HalfNormal(pool),  z_d ~ N(0, 1)

(sampled partially centred by how tightly the data pin each domain, :func:`_per_domain`).

NUTS moves in whitened coordinates: the latents ``u`` of the symbols (``u_mu`` for a
per-domain one) and ``log sigma`` are one vector site ``u_std`` = z with
``u = c + W z``, where the centre ``c`` and the whitening ``W`` (a Cholesky factor of
the Laplace covariance) come from the data's posterior mode (:mod:`bayeslaw.fit.start`,
passed in ``data``), and z's prior is the one that keeps the documented independent
``u ~ N(loc, scale)`` exactly (:func:`latents`). The posterior of z is then close to
N(0, I): NUTS's warmup starts from an identity mass matrix and regularizes it towards
the identity, while the raw latents' posteriors are ~0.01 wide and 0.99 correlated.

The observation site ``log_loss`` takes ``y=None`` by default, so the same function
simulates prior and posterior predictive data.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from numpyro.infer import init_to_median, init_to_uniform

from bayeslaw.fit import likelihood
from bayeslaw.fit.latents import absolute, latent_names, order, predict_log_loss, prior_start
from bayeslaw.laws import Law

STD = "u_std"  # the one sample site of the whitened latents (see :func:`latents`)


def init_near_start(site=None, radius: float = 2.0):
    """Chains start at ``z ~ U(-radius, radius)`` on the whitened latents (within about
    ``radius`` standard deviations of the posterior mode, see :mod:`bayeslaw.fit.start`),
    elsewhere at the prior median (a numpyro init strategy)."""
    if site is None:
        return functools.partial(init_near_start, radius=radius)
    if site["name"] == STD:
        return init_to_uniform(site, radius=radius)
    return init_to_median(site, num_samples=15)


# One object (numpyro wants a partial), so that the cached sampler is found again.
INIT = init_near_start()


def latents(law: Law, priors: dict, data: dict) -> dict:
    """Each symbol's latent ``u ~ Normal(loc, scale)`` (independent), sampled whitened.

    ``u = c + W z`` with ``z ~ MVN(W^-1 (loc - c), W^-1 diag(scale^2) W^-T)``, which is
    exactly the independent normal priors of the table; ``c`` (``centre``), ``W``
    (``whiten``) and the prior of ``z`` (``z_loc``, ``z_tril``) come from
    :func:`bayeslaw.fit.start.start` in ``data``, else ``c = loc`` and ``W = diag(scale)``.
    """
    names = latent_names(law)
    st = data if "centre" in data else prior_start(names, priors)
    z = numpyro.sample(STD, dist.MultivariateNormal(st["z_loc"], scale_tril=st["z_tril"]))
    u = st["centre"] + z @ jnp.swapaxes(st["whiten"], -1, -2)
    return {n: u[..., i] for i, n in enumerate(names)}


def _per_domain(name: str, mu, n_domains: int, pool: float, data: dict):
    """``u`` over domains from the pooled mean ``mu`` (partial pooling if > 1 domain).

    ``u_d ~ Normal(mu, sd)`` is sampled partially centred (Papaspiliopoulos, Roberts &
    Sköld 2007; numpyro's ``LocScaleReparam``): with ``c_d`` in [0, 1],

        x_d ~ Normal(c_d mu, sd^c_d),   u_d = mu + sd^(1 - c_d) (x_d - c_d mu),

    exactly ``Normal(mu, sd)`` for every ``c_d``; ``c_d = 0`` is the non-centred
    ``mu + sd z_d``, ``c_d = 1`` the centred ``u_d``. ``c_d`` comes from the data
    (``data["centring_<name>"]``, :func:`bayeslaw.fit.start.centring`), else 0.
    """
    if n_domains == 1:
        return mu[None]
    sd = numpyro.sample(f"u_{name}_sd", dist.HalfNormal(pool))
    numpyro.deterministic(f"u_{name}_mu", mu)  # kept: a new domain is mu + sd z (population)
    c = data.get(f"centring_{name}", jnp.zeros(n_domains))
    with numpyro.plate(f"domains_{name}", n_domains):
        x = numpyro.sample(f"u_{name}_z", dist.Normal(c * mu, sd**c))
    return mu + sd ** (1.0 - c) * (x - c * mu)


@functools.lru_cache(maxsize=64)
def make_model(law: Law, frozen_priors: tuple, n_domains: int):
    """The model function for ``law`` (cached, so the sampler compiles once per shape)."""
    priors = {k: dict(v) for k, v in frozen_priors}

    def model(data, y=None):
        u, theta = latents(law, priors, data), {}
        for name in order(law):
            per_domain = name in law.domain_params
            v = _per_domain(name, u[name], n_domains, priors["pool"]["scale"], data) \
                if per_domain else u[name]
            theta[name] = numpyro.deterministic(
                name, absolute(name, v, theta, data, per_domain))
        sigma = numpyro.deterministic("sigma", jnp.exp(u["sigma"]))
        nu = numpyro.sample("nu", dist.Gamma(priors["nu"]["concentration"],
                                             priors["nu"]["rate"]))
        mu = predict_log_loss(law, theta, data)
        obs = likelihood.distribution(mu, sigma, nu)
        if "mask" in data:  # padded runs (FitData.padded) are not observed
            obs = obs.mask(data["mask"])
        with numpyro.plate("runs", mu.shape[-1]):
            numpyro.sample("log_loss", obs, obs=y)

    model.__name__ = f"{law.name}_model"
    return model
