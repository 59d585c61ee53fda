"""Optimal allocations: per posterior draw, or one decision for a whole posterior.

:func:`solve` finds the best (log N, share) of B searchers (:mod:`bayeslaw.plan.kernel`):

1. a start: a coarse 11 x 11 grid over the whole range (on at most 256 of a
   searcher's draws), or a given start (the frontier's previous budgets);
2. Newton's method on the mean loss (:mod:`bayeslaw.plan.polish`), which certifies
   each searcher it brings to a local minimum; for heterogeneous domains alternated
   with the split of the specialization tokens among domains
   (:mod:`bayeslaw.plan.split`), block coordinate descent whose every step can only
   lower the objective;
3. the full grid-zoom search for the searchers the polish could not certify (a kink
   of a token cap, a bound of the size range) and for a quantile objective, which is
   not smooth.

The searcher axis and the draw axis are padded to a few bucket sizes
(:func:`bucket`), so that a posterior of another size reuses the compiled programs
(and jax's persistent cache, :mod:`bayeslaw._jax`, keeps them across processes).
:func:`optimal_per_draw` is the public per-draw optimum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from bayeslaw import _jax
from bayeslaw.draws import Draws
from bayeslaw.plan import joint, kernel, polish, split
from bayeslaw.plan.constraints import Constraints, SearchSpace, search_space
from bayeslaw.plan.objective import DomainSet, domain_theta, resolve_domains

HETERO_ROUNDS = 4  # alternations of (log N, share) and the split among domains
COARSE = 11  # points per free dimension of the start grid (shares 0, 0.1, ..., 1)
COARSE_DRAWS = 256  # at most this many of a searcher's draws for the start grid
FALLBACK_CHUNK = 64  # searchers per grid search for those the polish leaves


@dataclass(frozen=True)
class Allocation:
    """Allocations of B searchers: N, D (B,), D'_i (B, kd), ``value`` the aggregate loss."""

    params: np.ndarray
    pretrain_tokens: np.ndarray
    specialize_tokens: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class PerDrawOptimum:
    """Each draw's own optimum at a budget.

    ``specialize_tokens`` is (S,) for homogeneous domains (one D' for each of the k),
    (S, k) for heterogeneous ones; ``loss`` (S,) the mean domain loss at the optimum;
    ``pretrain_share`` (S,) D / (D + sum_i D'_i).
    """

    params: np.ndarray
    pretrain_tokens: np.ndarray
    specialize_tokens: np.ndarray
    loss: np.ndarray
    pretrain_share: np.ndarray
    domains: tuple[str, ...]


def bounds(sp: SearchSpace, B: int, u0=None) -> kernel.Bounds:
    f = lambda x: np.asarray(x, dtype=np.float64)  # noqa: E731  (jit takes numpy; no eager ops)
    fix = 0.0 if sp.fixed_pretrain is None else sp.fixed_pretrain
    s0 = 1.0 if sp.share is None else sp.share
    return kernel.Bounds(
        f(sp.budget), f(fix), f(sp.pretrain_cap), f(sp.specialize_cap), f(np.full(B, sp.u_lo)),
        f(np.full(B, sp.u_hi)), f(np.zeros(B) if u0 is None else u0), f(np.full(B, s0)))


def config(sp: SearchSpace, quantile: float | None, free_u: bool) -> kernel.Config:
    free_s = sp.share is None and sp.fixed_pretrain is None
    return kernel.Config(free_u=free_u, free_s=free_s,
                         fixed_pretrain=sp.fixed_pretrain is not None, quantile=quantile)


def bucket(n: int) -> int:
    """The compiled size for n searchers or draws: the next 2^j or 3 x 2^(j-1) (at most
    a third of padding, a few shapes for any posterior)."""
    if n <= 2:
        return max(n, 1)
    j = math.ceil(math.log2(n))
    return 3 * 2 ** (j - 2) if 3 * 2 ** (j - 2) >= n else 2 ** j


def per_draw_layout(theta: dict) -> dict:
    """Leaves (S, kd) -> (kd, S, 1): S searchers of one draw each."""
    return {p: np.asarray(v).T[:, :, None] for p, v in theta.items()}


def pooled_layout(theta: dict) -> dict:
    """Leaves (S, kd) -> (kd, 1, S): one searcher over all S draws."""
    return {p: np.asarray(v).T[:, None, :] for p, v in theta.items()}


def _pad(theta: dict, B: int, R: int):
    """theta leaves (kd, B0, R0) padded to (kd, B, R) by repeating the last searcher and
    draw, and the mask (B, R) of real draws."""
    B0, R0 = next(iter(theta.values())).shape[1:]
    widths = ((0, 0), (0, B - B0), (0, R - R0))
    m = np.zeros((B, R))
    m[:, :R0] = 1.0
    return {p: np.pad(np.asarray(v, float), widths, mode="edge") for p, v in theta.items()}, m


def _take(b: kernel.Bounds, idx) -> kernel.Bounds:
    return kernel.Bounds(*(x[idx] if np.ndim(x) else x for x in b))


def _grid_solve(law, cfg: kernel.Config, b: kernel.Bounds, th, m, w, cap):
    """The grid-zoom search (alternating with the domain split when kd > 1)."""
    rounds = 1 if w.shape[0] == 1 else HETERO_ROUNDS
    for _ in range(rounds):
        u, s = kernel.search(law, cfg, b, th, m, w)
        if w.shape[0] > 1:
            N, D, rest = kernel.trunk(cfg, b, u, s)
            w = split.allocate(law, th, m, N, D, rest, cap, w)
    return u, s, w


def _start(law, cfg: kernel.Config, b: kernel.Bounds, th, m, w):
    """A coarse grid over the whole range, on at most COARSE_DRAWS of each searcher's draws."""
    step = -(-m.shape[1] // COARSE_DRAWS)
    thin = {p: v[..., ::step] for p, v in th.items()}
    return kernel.search(law, cfg._replace(n_coarse=COARSE, levels=0, quantile=None), b, thin,
                         m[:, ::step], w)


def _smooth(law, cfg: kernel.Config, b: kernel.Bounds, th, m, w, start):
    """Start (the coarse grid unless ``start``), Newton polish and the result, in one
    compiled program for both kinds of start: (u, s, ``ok`` flags, w,
    :func:`kernel.evaluate`). Newton on (log N, share) for homogeneous domains, on log N
    and the whole split (:mod:`bayeslaw.plan.joint`) for heterogeneous ones."""
    given = start is not None
    u, s = start if given else (b.u0, b.s0)
    return _smooth_jit(law, cfg, b, th, m, w, u, s, jnp.asarray(given))


@partial(jax.jit, static_argnames=("law", "cfg"))
def _smooth_jit(law, cfg: kernel.Config, b: kernel.Bounds, th, m, w, u, s, given):
    u, s = jax.lax.cond(given, lambda: (u, s), lambda: _start(law, cfg, b, th, m, w))
    if w.shape[0] == 1:
        u, s, ok = polish.newton(law, cfg, b, th, m, w, u, s)
    else:
        N, D, rest = kernel.trunk(cfg, b, u, s)
        w = split.allocate(law, th, m, N, D, rest, b.specialize_cap, w, iters=4)
        u, a, ok = joint.newton(law, b, th, m, u, jnp.concatenate([s[None], (1 - s) * w]),
                                fix_share=not cfg.free_s)
        s = a[0]
        w = jnp.where(s < 1, a[1:] / jnp.where(s < 1, 1 - s, 1.0), w)
    return u, s, ok, w, kernel.evaluate(law, cfg, b, th, m, w, u, s)


def _fallback(law, cfg, b, th, m, w, cap, left, u, s):
    """The grid search for the searchers ``left``, in chunks of one size (one compilation)."""
    u, s, w = np.array(u), np.array(s), np.array(w)
    n = min(FALLBACK_CHUNK, len(u))
    for i in range(0, len(left), n):
        idx = left[i:i + n]
        pad = np.concatenate([idx, np.full(n - len(idx), idx[0])])
        out = _grid_solve(law, cfg, _take(b, pad), {p: v[:, pad] for p, v in th.items()},
                          m[pad], jnp.asarray(w[:, pad]), cap)
        u[idx], s[idx] = np.asarray(out[0])[:len(idx)], np.asarray(out[1])[:len(idx)]
        w[:, idx] = np.asarray(out[2])[:, :len(idx)]
    return jnp.asarray(u), jnp.asarray(s), jnp.asarray(w)


def _solve(law, theta, k, kd, sp, quantile, u0, start) -> Allocation:
    """Search for B searchers (theta leaves (kd, B, R)); u0 (B,) fixes log N when not None."""
    B, R = next(iter(theta.values())).shape[1:]
    th, m = _pad(theta, bucket(B), bucket(R) if R > 1 else 1)
    Bp = m.shape[0]
    edge = lambda x: None if x is None else np.pad(np.asarray(x, float), (0, Bp - B), "edge")  # noqa: E731
    cfg = config(sp, quantile, free_u=u0 is None)
    b = bounds(sp, Bp, edge(u0))
    th, m_ = {p: np.asarray(v, float) for p, v in th.items()}, np.asarray(m, float)
    w = np.full((kd, Bp), 1.0 / k if kd == 1 else 1.0 / kd)
    cap = b.specialize_cap
    # the grid search where Newton does not apply: a quantile (not smooth), and
    # heterogeneous domains with caps, a size menu or a fixed pretraining (their kinks, and
    # the alternating search the joint Newton replaces would stop short)
    smooth = quantile is None and (kd == 1 or (
        cfg.free_u and not cfg.fixed_pretrain and math.isinf(sp.pretrain_cap)
        and math.isinf(sp.specialize_cap)))
    if not smooth:
        u, s, w = _grid_solve(law, cfg, b, th, m_, w, cap)
        N, D, Dp, value = kernel.evaluate(law, cfg, b, th, m_, w, u, s)
    else:
        if start is not None:
            u = b.u0 if u0 is not None else np.clip(edge(start[0]), b.u_lo, b.u_hi)
            s = np.clip(edge(start[1]), 0.0, 1.0) if cfg.free_s else b.s0
            start = (u, s)
        u, s, ok, w, (N, D, Dp, value) = _smooth(law, cfg, b, th, m_, w, start)
        left = np.flatnonzero(~np.asarray(ok)[:B])
        if len(left):
            u, s, w = _fallback(law, cfg, b, th, m_, w, cap, left, u, s)
            N, D, Dp, value = kernel.evaluate(law, cfg, b, th, m_, w, u, s)
    return Allocation(*(np.asarray(x)[..., :B] for x in (N, D)), np.asarray(Dp)[:, :B].T,
                      np.asarray(value)[:B])


def solve(law, theta, k: int, kd: int, sp: SearchSpace, quantile=None,
          start=None) -> Allocation:
    """Best allocation for each of B searchers (theta leaves (kd, B, R), see
    :func:`per_draw_layout` and :func:`pooled_layout`), over the size menu when there is
    one; ``start`` (u, s) of shape (B,) replaces the coarse grid."""
    if sp.log_sizes is None:
        return _solve(law, theta, k, kd, sp, quantile, None, start)
    M = len(sp.log_sizes)
    B = next(iter(theta.values())).shape[1]
    tiled = {p: np.tile(v, (1, M, 1)) for p, v in theta.items()}
    u0 = np.repeat(sp.log_sizes, B)
    start = None if start is None else (u0, np.tile(start[1], M))
    a = _solve(law, tiled, k, kd, sp, quantile, u0, start)
    best = np.argmin(a.value.reshape(M, B), axis=0)
    pick = lambda x: x.reshape((M, B) + x.shape[1:])[best, np.arange(B)]  # noqa: E731
    return Allocation(sp.sizes[best], *(pick(x) for x in (a.pretrain_tokens,
                                                          a.specialize_tokens, a.value)))


def prepare(draws: Draws, k: int, domains: Sequence[str] | None,
            constraints: Constraints | None, budget: float):
    """Resolve domains and constraints once: (DomainSet, theta (S, kd) leaves, SearchSpace)."""
    _jax.setup()
    ds = resolve_domains(draws, k, domains)
    return ds, domain_theta(draws, ds), search_space(constraints, budget)


def optimal_per_draw(draws: Draws, budget: float, k: int, *,
                     domains: Sequence[str] | None = None,
                     constraints: Constraints | None = None) -> PerDrawOptimum:
    """Each posterior draw's optimal (N, D, D') at compute ``budget`` for ``k`` domains.

    Minimizes the mean domain loss (1/k) sum_i L(N, D, D'_i; theta) subject to
    6 N (D + sum_i D'_i) <= C and the constraints (see :mod:`bayeslaw.plan.objective`
    for the domain semantics, :mod:`bayeslaw.plan.kernel` for the algorithm).
    """
    ds, theta, sp = prepare(draws, k, domains, constraints, budget)
    a = solve(draws.law, per_draw_layout(theta), ds.k, len(ds.columns), sp)
    return per_draw_result(a, ds)


def per_draw_result(a: Allocation, ds: DomainSet) -> PerDrawOptimum:
    Dp = a.specialize_tokens[:, 0] if ds.homogeneous else a.specialize_tokens
    spent = ds.k * Dp if ds.homogeneous else Dp.sum(1)
    share = a.pretrain_tokens / np.maximum(a.pretrain_tokens + spent, 1e-300)
    return PerDrawOptimum(a.params, a.pretrain_tokens, Dp, a.value, share, ds.names)
