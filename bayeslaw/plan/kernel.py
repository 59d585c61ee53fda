"""The vectorized search kernel: B independent minimizations at once, in jax.

Each of the B "searchers" minimizes an aggregate (mean, or a quantile) over its own
R draws of the mean domain loss (:func:`bayeslaw.plan.objective.mean_loss`) at

    N = e^u,  T = C / (6 N),  D = min(s T, D_cap),  D'_i = min(w_i (1 - s) T, D'_cap)

over u = log N and the pretraining share s in [0, 1] (or, with a fixed pretraining
D, D = D_fix and sum_i D'_i = T - D_fix). Per-draw optima are B = S searchers of
R = 1 draw; the Bayes decision is B = 1 searcher of R = S draws.

Algorithm: a coarse grid (``n_coarse`` points per free dimension) over the whole
range, then ``levels`` grid-zoom steps of ``n_fine`` points over +-2 cells around the
incumbent (each step shrinks the window by 4 / (n_fine - 1) and keeps the incumbent,
so the objective never increases). With 16 coarse points and 20 zooms of 9 the
final window is ~1.5e-6 in log N and ~1e-7 in share (about 1,900 loss evaluations
per searcher; the loss is flat at the optimum, so its error is ~1e-12 relative).
Heterogeneous domain weights w_i are set by :func:`allocate`, which equalizes
marginal gains (a Lagrange multiplier found by bisection, inner bisection per domain).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
from bayeslaw.plan.objective import mean_loss


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


def tokens(cfg: Config, b: Bounds, u, s, w):
    """(N, D, D'_i) of log size ``u`` and share ``s`` (broadcast; w carries the domain axis)."""
    N, D, rest = trunk(cfg, b, u, s)
    return N, D, jnp.minimum(w * rest[..., None], b.specialize_cap)


def _aggregate(cfg: Config, L):
    L = jnp.where(jnp.isnan(L), jnp.inf, L)
    if cfg.quantile is None:
        return L.mean(axis=-1)
    return jnp.quantile(L, cfg.quantile, axis=-1)


def objective(law, cfg: Config, b: Bounds, theta, w, u, s):
    """Aggregate loss on grids u (B, Gu) x s (B, Gs) -> (B, Gu, Gs); theta leaves (B, R, kd)."""
    ex = lambda x: x[:, None, None]  # noqa: E731  (B, ...) -> (B, 1, 1, ...)
    bb = Bounds(*(jnp.asarray(x)[:, None, None, None] if jnp.ndim(x) else x for x in b))
    uu, ss = u[:, :, None, None], s[:, None, :, None]
    N, D, Dp = tokens(cfg, bb, uu, ss, w[:, None, None, None, :])
    th = {p: ex(v) for p, v in theta.items()}
    return _aggregate(cfg, mean_loss(law, th, N[..., None], D[..., None], Dp))


def _grid(center, half, n, lo, hi, free):
    if not free:
        return center[:, None]
    return jnp.clip(center[:, None] + half[:, None] * jnp.linspace(-1.0, 1.0, n), lo, hi)


def _best(values, ug, sg):
    flat = values.reshape(values.shape[0], -1)
    idx = jnp.argmin(flat, axis=1)
    iu, is_ = idx // sg.shape[1], idx % sg.shape[1]
    return (jnp.take_along_axis(ug, iu[:, None], 1)[:, 0],
            jnp.take_along_axis(sg, is_[:, None], 1)[:, 0])


@partial(jax.jit, static_argnames=("law", "cfg"))
def search(law, cfg: Config, b: Bounds, theta, w):
    """The (u, s) minimizing the aggregate loss for each of the B searchers."""
    B = w.shape[0]
    u_lo, u_hi = jnp.broadcast_to(b.u_lo, (B,)), jnp.broadcast_to(b.u_hi, (B,))
    u0, s0 = jnp.broadcast_to(b.u0, (B,)), jnp.broadcast_to(b.s0, (B,))
    hu, hs = 0.5 * (u_hi - u_lo), jnp.full((B,), 0.5)
    ug = _grid(0.5 * (u_lo + u_hi), hu, cfg.n_coarse, u_lo[:, None], u_hi[:, None], cfg.free_u)
    ug = ug if cfg.free_u else u0[:, None]
    sg = _grid(hs, hs, cfg.n_coarse, 0.0, 1.0, cfg.free_s) if cfg.free_s else s0[:, None]
    cu, cs = _best(objective(law, cfg, b, theta, w, ug, sg), ug, sg)
    hu, hs = hu * 4.0 / (cfg.n_coarse - 1), hs * 4.0 / (cfg.n_coarse - 1)

    def zoom(_, carry):
        cu, cs, hu, hs = carry
        ug = _grid(cu, hu, cfg.n_fine, u_lo[:, None], u_hi[:, None], cfg.free_u)
        sg = _grid(cs, hs, cfg.n_fine, 0.0, 1.0, cfg.free_s)
        cu, cs = _best(objective(law, cfg, b, theta, w, ug, sg), ug, sg)
        shrink = 4.0 / (cfg.n_fine - 1)
        return cu, cs, hu * shrink, hs * shrink

    cu, cs, _, _ = jax.lax.fori_loop(0, cfg.levels, zoom, (cu, cs, hu, hs))
    return cu, cs


@partial(jax.jit, static_argnames=("law", "iters"))
def allocate(law, theta, N, D, total, cap, iters: int = 48):
    """Split ``total`` specialization tokens among kd domains: argmin of the mean over
    draws of sum_i L_i(N, D, D'_i) s.t. sum_i D'_i = total, 0 <= D'_i <= cap.

    KKT: every domain with 0 < D'_i < cap has the same marginal gain
    g_i = -dL_i/dD'_i = lambda. Each g_i falls with D'_i, so D'_i(lambda) is found by
    bisection, and lambda by bisection (in log) on sum_i D'_i(lambda) = total.
    Returns the weights D'_i / total, shape (B, kd). theta leaves (B, R, kd).
    """
    hi = jnp.broadcast_to(jnp.minimum(cap, total)[:, None], theta_shape(theta))

    def gain(x):
        f = lambda x: law.loss(theta, N[:, None, None], D[:, None, None], x[:, None, :]).sum()  # noqa: E731
        return jnp.maximum(-jax.grad(f)(x), 1e-300)

    def x_of(log_lam):
        def step(_, lh):
            lo, up = lh
            mid = 0.5 * (lo + up)
            above = jnp.log(gain(mid)) > log_lam[:, None]  # still gaining more than lambda
            return jnp.where(above, mid, lo), jnp.where(above, up, mid)
        lo, up = jax.lax.fori_loop(0, iters, step, (jnp.zeros_like(hi), hi))
        return 0.5 * (lo + up)

    g_lo, g_hi = jnp.log(gain(hi)).min(1), jnp.log(gain(hi * 1e-9)).max(1)

    def outer(_, lh):
        lo, up = lh
        mid = 0.5 * (lo + up)
        too_much = x_of(mid).sum(1) > total
        return jnp.where(too_much, mid, lo), jnp.where(too_much, up, mid)

    lo, up = jax.lax.fori_loop(0, iters, outer, (g_lo - 1.0, g_hi + 1.0))
    x = jnp.where((hi.sum(1) <= total)[:, None], hi, x_of(0.5 * (lo + up)))
    return x / jnp.maximum(total, 1e-300)[:, None]


def theta_shape(theta):
    """(B, kd): the searcher and domain axes of per-domain parameters."""
    shapes = [v.shape for v in theta.values()]
    B = shapes[0][0]
    kd = max(s[-1] for s in shapes)
    return (B, kd)
