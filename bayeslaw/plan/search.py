"""Optimal allocations: per posterior draw, or one decision for a whole posterior.

:func:`solve` drives the jax kernel (:mod:`bayeslaw.plan.kernel`) over a menu of
model sizes and, for heterogeneous domains, alternates the (log N, share) search
with the per-domain split of the specialization tokens (block coordinate descent:
each step can only lower the objective). :func:`optimal_per_draw` is the
public per-draw optimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw import _jax
from bayeslaw.draws import Draws
from bayeslaw.plan import kernel
from bayeslaw.plan.constraints import Constraints, SearchSpace, search_space
from bayeslaw.plan.objective import DomainSet, domain_theta, resolve_domains

HETERO_ROUNDS = 4  # alternations of (log N, share) search and domain split


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
    import jax.numpy as jnp

    f = lambda x: jnp.asarray(x, dtype=jnp.float64)  # noqa: E731
    fix = 0.0 if sp.fixed_pretrain is None else sp.fixed_pretrain
    s0 = 1.0 if sp.share is None else sp.share
    return kernel.Bounds(
        f(sp.budget), f(fix), f(sp.pretrain_cap), f(sp.specialize_cap), f(np.full(B, sp.u_lo)),
        f(np.full(B, sp.u_hi)), f(np.zeros(B) if u0 is None else u0), f(np.full(B, s0)))


def config(sp: SearchSpace, quantile: float | None, free_u: bool) -> kernel.Config:
    free_s = sp.share is None and sp.fixed_pretrain is None
    return kernel.Config(free_u=free_u, free_s=free_s,
                         fixed_pretrain=sp.fixed_pretrain is not None, quantile=quantile)


def _solve_sizes(law, theta, k, kd, sp, quantile, u0) -> Allocation:
    """Search for B searchers; u0 (B,) fixes log N when not None."""
    import jax.numpy as jnp

    B = next(iter(theta.values())).shape[0]
    cfg = config(sp, quantile, free_u=u0 is None)
    b = bounds(sp, B, u0)
    th = {p: jnp.asarray(v) for p, v in theta.items()}
    w = jnp.full((B, kd), 1.0 / k if kd == 1 else 1.0 / kd)
    rounds = 1 if kd == 1 else HETERO_ROUNDS
    for _ in range(rounds):
        u, s = kernel.search(law, cfg, b, th, w)
        if kd > 1:
            N, D, rest = kernel.trunk(cfg, b, u, s)
            w = kernel.allocate(law, th, N, D, rest, b.specialize_cap)
    return allocation(law, cfg, b, th, w, u, s)


def allocation(law, cfg: kernel.Config, b: kernel.Bounds, theta, w, u, s) -> Allocation:
    """The allocation and its aggregate loss at (u, s) for each of B searchers."""
    N, D, Dp = kernel.tokens(cfg, b, u, s, w)
    value = kernel.objective(law, cfg, b, theta, w, u[:, None], s[:, None])[:, 0, 0]
    return Allocation(np.asarray(N), np.asarray(D), np.asarray(Dp), np.asarray(value))


def solve(law, theta, k: int, kd: int, sp: SearchSpace, quantile=None) -> Allocation:
    """Best allocation for each of B searchers (theta leaves (B, R, kd)), over the size menu
    when there is one."""
    if sp.log_sizes is None:
        return _solve_sizes(law, theta, k, kd, sp, quantile, None)
    M = len(sp.log_sizes)
    B = next(iter(theta.values())).shape[0]
    tiled = {p: np.tile(v, (M,) + (1,) * (v.ndim - 1)) for p, v in theta.items()}
    u0 = np.repeat(sp.log_sizes, B)
    a = _solve_sizes(law, tiled, k, kd, sp, quantile, u0)
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
    a = solve(draws.law, {p: v[:, None, :] for p, v in theta.items()}, ds.k,
              len(ds.columns), sp)
    return per_draw_result(a, ds)


def per_draw_result(a: Allocation, ds: DomainSet) -> PerDrawOptimum:
    Dp = a.specialize_tokens[:, 0] if ds.homogeneous else a.specialize_tokens
    spent = ds.k * Dp if ds.homogeneous else Dp.sum(1)
    share = a.pretrain_tokens / np.maximum(a.pretrain_tokens + spent, 1e-300)
    return PerDrawOptimum(a.params, a.pretrain_tokens, Dp, a.value, share, ds.names)
