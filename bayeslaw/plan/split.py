"""The split of the specialization tokens among heterogeneous domains, for B searchers.

Given the trunk (N, D) and ``rest`` specialization tokens, each searcher minimizes

    F(x) = (1/k) sum_i mean over its draws of L_i(N, D, x_i)
    s.t.   sum_i x_i = rest,  0 <= x_i <= D'_cap,

a problem separable in the domains: F's Hessian is diagonal. A projected Newton
step (Bertsekas 1982) minimizes F's quadratic model over the constraints exactly:

    x_i(lambda) = clip(x_i - (g_i - lambda) / h_i, 0, D'_cap),  sum_i x_i(lambda) = rest,

with g = dF/dx, h = d^2F/dx^2 (one gradient and one Hessian-vector product with the
tangent 1 give both, for every searcher and domain at once) and lambda, the shared
marginal gain, found by bisection on that piecewise-linear sum (arithmetic only, no
loss evaluations). A backtracking line search along the step (t in {1, 1/2, 1/4, 1/8}
or none) keeps F from increasing. At the optimum every domain with 0 < x_i < cap has
the same marginal gain -g_i (the KKT conditions).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from bayeslaw.plan import kernel

STEPS = (0.0, 1.0, 0.5, 0.25, 0.125)


def _objective(law, theta, m, N, D, x):
    """F of each searcher at x (..., kd, B) -> (..., B) (mean over domains and draws)."""
    if m.shape[-1] == 1:
        L = kernel.domain_losses(law, {p: v[..., 0] for p, v in theta.items()}, N, D, x)
        return L.mean(-2)
    L = kernel.domain_losses(law, theta, N[:, None], D[:, None], x[..., None]).mean(-3)
    return kernel.aggregate(None, L, m)


def _multiplier(x, g, h, rest, cap, iters: int = 100):
    """The x_i(lambda) of the module docstring whose sum is ``rest`` (bisection on lambda)."""
    lo = jnp.min(g - h * x, axis=0)
    hi = jnp.max(g + h * (rest - x), axis=0)
    at = lambda lam: jnp.clip(x - (g - lam) / h, 0.0, cap)  # noqa: E731

    def bisect(_, lh):
        lo, hi = lh
        mid = 0.5 * (lo + hi)
        low = at(mid).sum(0) < rest
        return jnp.where(low, mid, lo), jnp.where(low, hi, mid)

    lo, hi = jax.lax.fori_loop(0, iters, bisect, (lo, hi))
    return at(hi)


@partial(jax.jit, static_argnames=("law", "iters"))
def allocate(law, theta, m, N, D, rest, cap, w0, iters: int = 10):
    """Weights w (kd, B) of the split x_i = w_i rest (see the module docstring), from the
    split ``w0`` (kd, B). theta leaves (kd, B, R), m (B, R); N, D, rest (B,)."""
    rest = jnp.broadcast_to(rest, N.shape)
    cap = jnp.broadcast_to(cap, N.shape)
    F = partial(_objective, law, theta, m, N, D)
    grad = jax.grad(lambda x: F(x).sum())

    def step(_, x):
        g, h = jax.jvp(grad, (x,), (jnp.ones_like(x),))
        ok = jnp.isfinite(g) & jnp.isfinite(h)
        g = jnp.where(ok, g, 0.0)
        # where F is not convex (or h is unusable) a step of the size of ``rest``
        h_floor = jnp.abs(g) / jnp.maximum(rest, 1e-300) + 1e-300
        h = jnp.where(ok & (h > h_floor), h, h_floor)
        target = _multiplier(x, g, h, rest, cap)
        t = jnp.asarray(STEPS)[:, None, None]
        cand = x + t * (target - x)
        best = jnp.argmin(F(cand), axis=0)
        return jnp.take_along_axis(cand, best[None, None, :], axis=0)[0]

    x0 = w0 * rest  # made feasible: its Euclidean projection (g = 0, h = 1)
    x0 = _multiplier(x0, jnp.zeros_like(x0), jnp.ones_like(x0), rest, cap)
    x = jax.lax.fori_loop(0, iters, step, x0)
    return jnp.where(rest > 0, x / jnp.where(rest > 0, rest, 1.0), w0)
