"""The fit's coordinates: latents in, the law's symbols in absolute units out.

Each symbol is a latent ``u`` with the prior ``u ~ Normal(loc, scale)`` of
:mod:`bayeslaw.fit.priors`, mapped to absolute units by its kind (:func:`absolute`);
the model (:mod:`bayeslaw.fit.model`), the point fit (:mod:`bayeslaw.fit.lbfgs`) and the
sampler's start (:mod:`bayeslaw.fit.start`) share these functions, and the pointwise log
likelihood (:func:`bayeslaw.fit.likelihood.log_lik_grid`) predicts with
:func:`predict_log_loss`. Without data the whitened latents ``u = c + W z`` have
``c = loc``, ``W = diag(scale)`` (:func:`prior_start`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from bayeslaw.fit.priors import KINDS
from bayeslaw.laws import Law


def order(law: Law) -> list[str]:
    """The symbols with exponents first (a coefficient's transform needs its exponent)."""
    return sorted(law.params, key=lambda p: KINDS[p][0] == "coef")


def latent_names(law: Law) -> list[str]:
    """The whitened latents, in order: each symbol's ``u`` (``u_mu`` if per-domain), sigma."""
    return [*order(law), "sigma"]


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
    if kind[0] == "tokens":
        return jnp.exp(data["log_T0"] + u)
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


def latent_shapes(law: Law, n_dom: int) -> dict[str, int]:
    """Each symbol's number of per-domain latents in the flat vector (0: one shared)."""
    return {p: (n_dom if p in law.domain_params else 0) for p in order(law)}


def to_symbols(law: Law, shapes: dict, x, data):
    """Absolute symbols from the flat latent vector(s) ``x`` (..., n_latent)."""
    theta, i = {}, 0
    for p, k in shapes.items():
        u = x[..., i:i + max(k, 1)] if k else x[..., i]
        theta[p] = absolute(p, u, theta, data, bool(k))
        i += max(k, 1)
    return theta


def from_cov(centre, cov, loc, scale) -> dict[str, np.ndarray]:
    """The model's start arrays for ``u = centre + W z``, ``W W^T = cov``."""
    W = np.linalg.cholesky(cov)
    W_inv = np.linalg.inv(W)
    z_cov = W_inv @ np.diag(scale**2) @ W_inv.T
    return {"centre": centre, "whiten": W, "z_loc": W_inv @ (loc - centre),
            "z_tril": np.linalg.cholesky(0.5 * (z_cov + z_cov.T))}


def prior_start(names, priors: dict) -> dict[str, np.ndarray]:
    """The start without data: ``c = loc``, ``W = diag(scale)``, so ``z ~ N(0, I)``."""
    loc = np.array([priors[n]["loc"] for n in names])
    scale = np.array([priors[n]["scale"] for n in names])
    return from_cov(loc, np.diag(scale**2), loc, scale)
