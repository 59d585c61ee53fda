"""The numpyro model of a scaling law: centred latents, partial pooling, Student-t.

Each parameter symbol is a deterministic site in absolute units, built from a latent
with the prior of :mod:`bayeslaw.fit.priors`. Per-domain symbols
(``law.domain_params``) are partially pooled across domains with a non-centred
hierarchy when more than one domain is fitted:

    u_d = u_mu + u_sd z_d,   u_mu ~ N(loc, scale),  u_sd ~ HalfNormal(pool),  z_d ~ N(0, 1)

NUTS moves in standardized coordinates: each latent ``u ~ N(loc, scale)`` (and
``u_mu``, and ``log sigma``) is sampled as ``u = c + s z`` with
``z ~ N((loc - c) / s, scale / s)``, the same prior on ``u``, where the centre ``c`` and
spread ``s`` are the data's L-BFGS optimum and Laplace standard deviation
(:mod:`bayeslaw.fit.start`, passed in ``data``). The posterior of ``z`` is then of
unit scale, which NUTS's warmup (it starts from an identity mass matrix and
regularizes it towards the identity) needs: the raw latents' posteriors are ~0.01 wide.

The observation site ``log_loss`` takes ``y=None`` by default, so the same function
simulates prior and posterior predictive data.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from numpyro.infer import init_to_median, init_to_uniform

from bayeslaw.fit import likelihood
from bayeslaw.fit.priors import KINDS
from bayeslaw.laws import Law

STD = "_std"  # suffix of the standardized sample sites (see :func:`standardized`)


def keys(name: str) -> tuple[str, str]:
    """The optional data keys of the centre and the spread of symbol ``name``'s latent."""
    return f"centre_{name}", f"spread_{name}"


def init_near_start(site=None, radius: float = 2.0):
    """Chains start at ``z ~ U(-radius, radius)`` on the standardized sites (within
    ``radius`` spreads of the L-BFGS optimum, see :mod:`bayeslaw.fit.start`), elsewhere
    at the prior median (a numpyro init strategy)."""
    if site is None:
        return functools.partial(init_near_start, radius=radius)
    if site["name"].endswith(STD):
        return init_to_uniform(site, radius=radius)
    return init_to_median(site, num_samples=15)


# One object (numpyro wants a partial), so that the cached sampler is found again.
INIT = init_near_start()


def order(law: Law) -> list[str]:
    """The symbols with exponents first (a coefficient's transform needs its exponent)."""
    return sorted(law.params, key=lambda p: KINDS[p][0] == "coef")


def standardized(site: str, name: str, prior: dict, data: dict):
    """``u ~ Normal(loc, scale)`` sampled as ``u = c + s z`` (site ``{site}_std`` is z).

    ``c``, ``s`` come from the data (:mod:`bayeslaw.fit.start`), else ``loc``, ``scale``;
    ``z ~ Normal((loc - c) / s, scale / s)``, so the prior on u is exactly the same.
    """
    centre, spread = keys(name)
    c, s = data.get(centre, prior["loc"]), data.get(spread, prior["scale"])
    z = numpyro.sample(f"{site}{STD}", dist.Normal((prior["loc"] - c) / s, prior["scale"] / s))
    return c + s * z


def _latent(name: str, prior: dict, n_domains: int | None, pool: float, data: dict):
    """``u`` for one symbol: a scalar, or a vector over domains (pooled if > 1)."""
    if n_domains is None:
        return standardized(f"u_{name}", name, prior, data)
    mu = standardized(f"u_{name}_mu", name, prior, data)
    if n_domains == 1:
        return mu[None]
    sd = numpyro.sample(f"u_{name}_sd", dist.HalfNormal(pool))
    with numpyro.plate(f"domains_{name}", n_domains):
        z = numpyro.sample(f"u_{name}_z", dist.Normal(0.0, 1.0))
    return mu + sd * z


def absolute(name: str, u, theta: dict, data: dict, per_domain: bool):
    """The symbol in absolute units from its latent ``u`` (see the priors' table)."""
    kind = KINDS[name]
    log_l0 = data["log_L0_dom"] if per_domain else data["log_L0"]
    if kind[0] in ("floor", "gap"):
        return jnp.exp(log_l0 + u)
    if kind[0] == "coef":
        return jnp.exp(data["log_L0"] + u + theta[kind[1]] * data[f"log_{kind[2]}"])
    if kind[0] == "scale":
        return jnp.exp(data["log_P0"] + u)
    if kind[0] == "positive":
        return jnp.exp(u)
    return jax.nn.sigmoid(u)  # fraction


def predict_log_loss(law: Law, theta: dict, data: dict):
    """log L at every run (last axis): per-domain symbols picked by each run's domain.

    ``theta`` values may carry leading draw axes: shared (...), per-domain (..., n_domains).
    """
    cols = {k: (v[..., data["dom"]] if k in law.domain_params else jnp.asarray(v)[..., None])
            for k, v in theta.items()}
    return law.log_loss(cols, data["N"], data["D"], data["D_prime"])


@functools.lru_cache(maxsize=64)
def make_model(law: Law, frozen_priors: tuple, n_domains: int):
    """The model function for ``law`` (cached, so the sampler compiles once per shape)."""
    priors = {k: dict(v) for k, v in frozen_priors}

    def model(data, y=None):
        theta = {}
        for name in order(law):
            per_domain = name in law.domain_params
            u = _latent(name, priors[name], n_domains if per_domain else None,
                        priors["pool"]["scale"], data)
            theta[name] = numpyro.deterministic(
                name, absolute(name, u, theta, data, per_domain))
        log_sigma = standardized("u_sigma", "sigma", priors["sigma"], data)
        sigma = numpyro.deterministic("sigma", jnp.exp(log_sigma))
        nu = numpyro.sample("nu", dist.Gamma(priors["nu"]["concentration"],
                                             priors["nu"]["rate"]))
        mu = predict_log_loss(law, theta, data)
        with numpyro.plate("runs", mu.shape[-1]):
            numpyro.sample("log_loss", likelihood.distribution(mu, sigma, nu), obs=y)

    model.__name__ = f"{law.name}_model"
    return model
