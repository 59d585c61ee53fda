"""The planner's objective and its grid search: B independent minimizations at once, in jax.

Each of the B "searchers" minimizes an aggregate (mean, or a quantile) over its own
R draws of the mean domain loss (:func:`bayeslaw.plan.objective.mean_loss`) at

    N = e^u,  T = C / (6 N),  D = min(s T, D_cap),  D'_i = min(w_i (1 - s) T, D'_cap)

over u = log N and the pretraining share s in [0, 1] (or, with a fixed pretraining
D, D = D_fix and sum_i D'_i = T - D_fix). Per-draw optima are B = S searchers of
R = 1 draw; the Bayes decision is B = 1 searcher of R = S draws.

Layout. Parameters are arrays of shape (kd, B, R) (kd = 1 for shared ones), the
domain split w is (kd, B) and points (u, s) are (..., B): the searchers, or the draws
when R > 1, sit on the last (fastest) axis, where XLA vectorizes; with R = 1 that
axis is dropped. A mask m (B, R) marks real draws (0 for the padding that keeps the
compiled shapes to a few buckets, :func:`bayeslaw.plan.search.bucket`).

Grid search (:func:`search`): a coarse grid (``n_coarse`` points per free dimension)
over the whole range, then ``levels`` grid-zoom steps of ``n_fine`` points over +-2
cells around the incumbent (each step shrinks the window by 4 / (n_fine - 1) and keeps
the incumbent, so the objective never increases). The planner uses a small coarse
grid as the start of a Newton polish (:mod:`bayeslaw.plan.polish`), and the full
zoom (~1,900 evaluations per searcher) for the quantile objective and for the few
searchers the polish cannot certify.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN


class Config(NamedTuple):
    """Static settings of one compiled search (part of the jit cache key)."""

    free_u: bool
    free_s: bool
    fixed_pretrain: bool
    quantile: float | None = None
    n_coarse: int = 16
    n_fine: int = 9
    levels: int = 20


class Bounds(NamedTuple):
    """Dynamic settings: budget, caps, ranges; arrays of shape (B,) or scalars."""

    budget: jax.Array
    pretrain_fix: jax.Array
    pretrain_cap: jax.Array
    specialize_cap: jax.Array
    u_lo: jax.Array
    u_hi: jax.Array
    u0: jax.Array
    s0: jax.Array


def trunk(cfg: Config, b: Bounds, u, s):
    """(N, D, rest) of log size ``u`` and share ``s``: rest the specialization tokens to split."""
    N = jnp.exp(u)
    T = b.budget / (FLOPS_PER_PARAM_TOKEN * N)
    if cfg.fixed_pretrain:
        D = jnp.broadcast_to(b.pretrain_fix, jnp.shape(T))
        rest = jnp.maximum(T - D, 0.0)
    else:
        D = jnp.minimum(s * T, b.pretrain_cap)
        rest = (1.0 - s) * T
    return N, D, rest


def lead(x, ndim: int):
    """``x`` of shape (kd, B, ...) as (kd, 1 x ndim, B, ...): broadcast against points
    of shape (..., B) with ``ndim`` leading axes."""
    return x.reshape(x.shape[:1] + (1,) * ndim + x.shape[1:])


def tokens(cfg: Config, b: Bounds, u, s, w):
    """(N, D, D'_i) at points ``u``, ``s`` (..., B); ``w`` (kd, B), so D' is (kd, ..., B)."""
    N, D, rest = trunk(cfg, b, u, s)
    return N, D, jnp.minimum(lead(w, jnp.ndim(u) - 1) * rest, b.specialize_cap)


def domain_losses(law, theta, N, D, Dp):
    """L(N, D, D'_i; theta_i) of the kd domains, (kd, ...); theta leaves broadcast."""
    L = law.loss(theta, N, D, Dp)
    return jnp.where(jnp.isnan(L), jnp.inf, L)


def value(law, cfg: Config, b: Bounds, theta, m, w, u, s):
    """Aggregate over each searcher's draws of the mean domain loss at points ``u``, ``s``
    of shape (..., B) -> (..., B). theta leaves (kd, B, R), m (B, R), w (kd, B)."""
    N, D, Dp = tokens(cfg, b, u, s, w)
    return aggregate_losses(law, theta, m, N, D, Dp, cfg.quantile)


def aggregate_losses(law, theta, m, N, D, Dp, quantile: float | None = None):
    """The aggregate of :func:`value` at N, D (..., B) and D' (kd, ..., B)."""
    N, D = jnp.broadcast_arrays(N, D)
    k = N.ndim - 1
    if m.shape[-1] == 1:  # one draw per searcher: no draw axis
        th = {p: lead(v[..., 0], k) for p, v in theta.items()}
        return domain_losses(law, th, N, D, Dp).mean(0)
    th = {p: lead(v, k) for p, v in theta.items()}
    L = domain_losses(law, th, N[..., None], D[..., None], Dp[..., None]).mean(0)
    return aggregate(quantile, L, m)


def aggregate(quantile: float | None, L, m):
    """Mean (or ``quantile``) over the last axis of L, counting only where m > 0."""
    if quantile is None:
        return jnp.where(m > 0, L, 0.0).sum(-1) / m.sum(-1)
    return jnp.nanquantile(jnp.where(m > 0, L, jnp.nan), quantile, axis=-1)


def _grid(center, half, n, lo, hi):
    return jnp.clip(center + half * jnp.linspace(-1.0, 1.0, n)[:, None], lo, hi)


def _best(law, cfg, b, theta, m, w, ug, sg):
    """The best point of the outer grid ug (Gu, B) x sg (Gs, B)."""
    uu, ss = jnp.broadcast_arrays(ug[:, None], sg[None])
    B = ug.shape[-1]
    vals = value(law, cfg, b, theta, m, w, uu, ss).reshape(-1, B)
    idx = jnp.argmin(vals, axis=0)
    return uu.reshape(-1, B)[idx, jnp.arange(B)], ss.reshape(-1, B)[idx, jnp.arange(B)]


@partial(jax.jit, static_argnames=("law", "cfg"))
def search(law, cfg: Config, b: Bounds, theta, m, w):
    """The (u, s) minimizing the aggregate loss for each of the B searchers (grid zoom)."""
    B = m.shape[0]
    u_lo, u_hi = jnp.broadcast_to(b.u_lo, (B,)), jnp.broadcast_to(b.u_hi, (B,))
    u0, s0 = jnp.broadcast_to(b.u0, (B,)), jnp.broadcast_to(b.s0, (B,))
    hu, hs = 0.5 * (u_hi - u_lo), jnp.full((B,), 0.5)
    ug = _grid(0.5 * (u_lo + u_hi), hu, cfg.n_coarse, u_lo, u_hi) if cfg.free_u else u0[None]
    sg = _grid(hs, hs, cfg.n_coarse, 0.0, 1.0) if cfg.free_s else s0[None]
    cu, cs = _best(law, cfg, b, theta, m, w, ug, sg)
    hu, hs = hu * 4.0 / (cfg.n_coarse - 1), hs * 4.0 / (cfg.n_coarse - 1)

    def zoom(_, carry):
        cu, cs, hu, hs = carry
        ug = _grid(cu, hu, cfg.n_fine, u_lo, u_hi) if cfg.free_u else cu[None]
        sg = _grid(cs, hs, cfg.n_fine, 0.0, 1.0) if cfg.free_s else cs[None]
        cu, cs = _best(law, cfg, b, theta, m, w, ug, sg)
        shrink = 4.0 / (cfg.n_fine - 1)
        return cu, cs, hu * shrink, hs * shrink

    cu, cs, _, _ = jax.lax.fori_loop(0, cfg.levels, zoom, (cu, cs, hu, hs))
    return cu, cs


@partial(jax.jit, static_argnames=("law", "cfg"))
def evaluate(law, cfg: Config, b: Bounds, theta, m, w, u, s):
    """(N, D, D' (kd, B), aggregate loss) of each searcher at its (u, s) (B,)."""
    N, D, Dp = tokens(cfg, b, u, s, w)
    return N, D, Dp, value(law, cfg, b, theta, m, w, u, s)
