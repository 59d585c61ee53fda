"""Where NUTS starts, and in which coordinates: the posterior mode and its Laplace covariance.

The model (:mod:`bayeslaw.fit.model`) samples the vector of latents ``u`` (the symbols'
``u`` of the priors' table, ``u_mu`` for a per-domain symbol, and ``log sigma``) as

    u = c + W z,   z ~ MVN(W^-1 (loc - c), W^-1 diag(scale^2) W^-T),

which is exactly the independent ``u ~ Normal(loc, scale)`` of the priors: the prior on
the law's symbols does not change, only the coordinates NUTS moves in. This module
computes the centre ``c`` and the whitening ``W`` from the data:

- ``c``: the posterior mode of the latents (:func:`posterior_mode`, Levenberg-Marquardt
  with the priors, from the best few points of the Huber loss's grid,
  :func:`bayeslaw.fit.lbfgs.grid_starts`; the lowest mode wins), and ``log sigma`` of
  its residuals (1.4826 MAD). Refining the grid points with L-BFGS first, as the
  baseline does, cost 10x more (0.4-10 CPU s on the shipped data sets) and found
  the same or a slightly worse mode (bench/results_fit.txt, December 2026),
- ``W``: the Cholesky factor of the Gauss-Newton (Laplace) covariance at ``c``,

      Cov = (J^T J / sigma^2 + diag(1 / scale^2))^-1,   J = d log L_i / d u,

  with ``1 / (2 n + 1 / scale^2)`` for ``log sigma`` (the information of a log scale).

A posteriori z is then close to N(0, I), so the sampler's first, identity-metric
warmup window already takes steps of the right size and direction, and a chain
started at ``z ~ U(-2, 2)`` (Stan's radius, so that R-hat still sees chains that
disagree) starts near the optimum. For a per-domain symbol fitted to several
domains, ``u_mu``'s row ties the domains together (J summed over them) and its
variance adds the scatter of the domains' optima over their number.
"""

from __future__ import annotations

import functools

import numpy as np

from bayeslaw.fit import lbfgs
from bayeslaw.fit.latents import (
    from_cov,
    latent_names,
    latent_shapes,
    predict_log_loss,
    prior_start,
    to_symbols,
)
from bayeslaw.laws import Law

N_STARTS = 3  # Levenberg-Marquardt runs from the best grid points of the Huber loss
ROUNDS = 3  # of LM, each with sigma from the last mode (a grid point's residuals are wide)


@functools.lru_cache(maxsize=16)
def _prediction_fn(law: Law, n_dom: int):
    import jax

    shapes = latent_shapes(law, n_dom)

    def pred(x, data):
        return predict_log_loss(law, to_symbols(law, shapes, x, data), data)

    return jax.jit(pred), jax.jit(jax.jacfwd(pred))


def posterior_mode(law: Law, fdata, x: np.ndarray, priors: dict,
                   rounds: int = ROUNDS) -> tuple[np.ndarray, float]:
    """The mode of the latents' posterior (Gaussian noise of the residuals' scale, the
    priors' normals; per-domain latents with the pooled prior scale), from ``x``, by
    Levenberg-Marquardt on the stacked residuals

        [ (log L(x) - y) / sigma,  (x - loc) / scale ],

    ``sigma`` the residuals' robust scale at the previous round's mode (``rounds``
    rounds, the first at ``x``). Returns the mode and its objective
    ``0.5 |residuals|^2 + n log sigma`` (lower is better).

    Not the Huber optimum: it has no prior, and where the data leave a direction loose
    (E against B (D + D')^-beta on a few model sizes), it lies far out on the ridge,
    tens of the Laplace standard deviations from the posterior's bulk, and its
    curvature there is no guide to the posterior's.
    """
    import jax.numpy as jnp
    from scipy.optimize import least_squares

    shapes = latent_shapes(law, len(fdata.domains))
    n, y = len(fdata.log_loss), fdata.log_loss
    data = {k: jnp.asarray(v) for k, v in fdata.padded()[0].items()}
    pred, jac = _prediction_fn(law, len(fdata.domains))
    T = _tie(shapes)
    loc = T @ np.array([priors[p]["loc"] for p in shapes])
    pooled = np.array([np.hypot(priors[p]["scale"], priors["pool"]["scale"]) if k else
                       priors[p]["scale"] for p, k in shapes.items()])
    scale = T @ pooled
    cost = np.inf
    for _ in range(rounds):
        sigma = lbfgs.robust_scale(np.asarray(pred(jnp.asarray(x), data))[:n] - y)

        def residuals(v, sigma=sigma):
            r = np.asarray(pred(jnp.asarray(v), data))[:n] - y
            return np.concatenate([r / sigma, (v - loc) / scale])

        def jacobian(v, sigma=sigma):
            return np.vstack([np.asarray(jac(jnp.asarray(v), data))[:n] / sigma,
                              np.diag(1.0 / scale)])

        try:  # a grid point far off may give non-finite residuals
            res = least_squares(residuals, x, jac=jacobian, method="lm", max_nfev=200)
        except ValueError:
            break
        if not (np.all(np.isfinite(res.x)) and np.isfinite(res.cost)):
            break
        x, cost = res.x, float(res.cost) + n * np.log(sigma)
    return x, cost


def _noncentred(law: Law, n_dom: int) -> dict[str, np.ndarray]:
    """``c_d = 0`` for every per-domain latent (the same arrays, so the same sampler)."""
    if n_dom == 1:
        return {}
    return {f"centring_{p}": np.zeros(n_dom) for p in law.domain_params}


def _tie(shapes: dict[str, int]) -> np.ndarray:
    """(L-BFGS latents x symbols): per-domain entries summed into their symbol's column."""
    sizes = [max(k, 1) for k in shapes.values()]
    return np.repeat(np.eye(len(sizes)), sizes, axis=0)


def _laplace(law: Law, fdata, x: np.ndarray, priors: dict):
    """Centre and covariance of the latents (symbols then log sigma) at the optimum x."""
    import jax.numpy as jnp

    shapes = latent_shapes(law, len(fdata.domains))
    n = len(fdata.log_loss)
    data = {k: jnp.asarray(v) for k, v in fdata.padded()[0].items()}  # compiled per bucket
    pred, jac = _prediction_fn(law, len(fdata.domains))
    r = np.asarray(pred(jnp.asarray(x), data))[:n] - fdata.log_loss
    sigma = lbfgs.robust_scale(r)
    T = _tie(shapes)
    J = np.asarray(jac(jnp.asarray(x), data))[:n] @ T
    scale = np.array([priors[p]["scale"] for p in shapes])
    cov = np.linalg.inv(J.T @ J / sigma**2 + np.diag(scale**-2.0))
    centre = (T.T @ x) / T.sum(0)
    scatter = (T.T @ (x - T @ centre) ** 2) / T.sum(0) ** 2
    n, s_sigma = len(fdata.log_loss), priors["sigma"]["scale"]
    full = np.zeros((len(shapes) + 1,) * 2)
    full[:-1, :-1] = cov + np.diag(scatter)
    full[-1, -1] = 1.0 / (2.0 * n + s_sigma**-2)
    return np.append(centre, np.log(sigma)), full


def centring(law: Law, fdata, x: np.ndarray, priors: dict) -> dict[str, np.ndarray]:
    """How far each per-domain latent is centred (``c_d`` of
    :func:`bayeslaw.fit.model._per_domain`), from how tightly the data pin it:

        c_d = s^2 / (s^2 + v_d),

    ``v_d`` the Laplace variance of domain d's latent at the mode ``x`` (each domain's
    own latents, their prior scale widened by the pooling's), ``s`` the pooling prior's
    scale (the root mean square of ``HalfNormal(s)``). A domain whose data pin its
    latent well within the spread between domains is sampled (nearly) centred, one the
    data leave loose (nearly) non-centred, where each form has no funnel between the
    domain's latent and the spread ``sd`` (Gorinova, Moore & Hoffman 2020 learn the
    same weights variationally; this is their closed form for a normal likelihood).
    Empty with one domain (no pooling).
    """
    import jax.numpy as jnp

    n_dom = len(fdata.domains)
    shapes = latent_shapes(law, n_dom)
    if n_dom == 1:
        return {}
    n = len(fdata.log_loss)
    data = {k: jnp.asarray(v) for k, v in fdata.padded()[0].items()}
    pred, jac = _prediction_fn(law, n_dom)
    sigma = lbfgs.robust_scale(np.asarray(pred(jnp.asarray(x), data))[:n] - fdata.log_loss)
    J = np.asarray(jac(jnp.asarray(x), data))[:n]
    pool = priors["pool"]["scale"]
    scale = _tie(shapes) @ np.array([np.hypot(priors[p]["scale"], pool) if k else
                                     priors[p]["scale"] for p, k in shapes.items()])
    var = np.diag(np.linalg.inv(J.T @ J / sigma**2 + np.diag(scale**-2.0)))
    out, i = {}, 0
    for p, k in shapes.items():
        if k:
            out[f"centring_{p}"] = pool**2 / (pool**2 + var[i:i + k])
        i += max(k, 1)
    return out


def start(law: Law, fdata, priors: dict) -> dict[str, np.ndarray]:
    """The model's start arrays (``centre``, ``whiten``, ``z_loc``, ``z_tril``, and the
    per-domain ``centring_<symbol>``) for the data ``fdata``; the prior's
    (:func:`prior_start`, non-centred) if no finite mode is found.

    ``priors`` are resolved priors (:func:`bayeslaw.fit.priors.resolve`).
    """
    names = latent_names(law)
    modes = [posterior_mode(law, fdata, x0, priors)
             for x0 in lbfgs.grid_starts(law, fdata, N_STARTS, priors)]
    x, cost = min(modes, key=lambda m: m[1])
    try:
        if not (np.isfinite(cost) and np.all(np.isfinite(x))):
            raise ValueError("no finite posterior mode")
        centre, cov = _laplace(law, fdata, x, priors)
        loc = np.array([priors[n]["loc"] for n in names])
        scale = np.array([priors[n]["scale"] for n in names])
        return {**from_cov(centre, cov, loc, scale), **centring(law, fdata, x, priors)}
    except (ValueError, np.linalg.LinAlgError):
        return {**prior_start(names, priors), **_noncentred(law, len(fdata.domains))}
