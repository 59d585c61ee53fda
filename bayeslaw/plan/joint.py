"""Newton's method on log N and the whole token split at once, for heterogeneous domains.

With kd domains of their own parameters the split of the T = C / (6 N) tokens is
a point of the simplex, a_0 = D / T (the pretraining share s) and a_i = D'_i / T:

    min over u, a of  f_b(u, a) = mean over the searcher's draws of
                      (1/k) sum_i L_i(e^u, a_0 T, a_i T),   sum_j a_j = 1, a_j >= 0.

Alternating (log N, s) and the split among domains converges only linearly, because
the blocks are strongly coupled (a domain's tokens change the best trunk); a Newton
step on all kd + 2 variables together converges quadratically. Each step (an
active-set Newton method on the simplex, Nocedal & Wright 2006, ch. 16):

- a_j = 0 stays fixed when its gradient is at least the free variables' mean
  gradient (the KKT multiplier estimate), else it is free;
- the step solves the equality-constrained quadratic model on the free variables
  (the KKT system [H 1; 1' 0], one small solve per searcher, :mod:`bayeslaw.plan.small`);
- the step is projected back (a clipped at 0 and renormalized) and a backtracking
  line search (t in {1, 1/2, 1/4, 1/8} or none) keeps f from increasing.

Gradient and Hessian of every searcher come from one gradient and kd + 2
forward-over-reverse products of F = sum_b f_b (vmapped over the tangents, so the
program holds one copy of the derivative). A searcher is ``ok`` when its last
step is below ``tol``, its reduced Hessian is positive definite and u is interior.
A fixed share keeps a_0 out of the active set (the baselines). Used without token caps
or a fixed pretraining (where the alternating grid search of
:func:`bayeslaw.plan.search.solve` applies); ``mean`` objective only.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
from bayeslaw.plan import kernel, small

STEPS = (0.0, 1.0, 0.5, 0.25, 0.125)


def value(law, b: kernel.Bounds, theta, m, u, a):
    """f_b at u (..., B) and a (kd + 1, ..., B) -> (..., B) (theta leaves (kd, B, R))."""
    T = b.budget / (FLOPS_PER_PARAM_TOKEN * jnp.exp(u))
    return kernel.aggregate_losses(law, theta, m, jnp.exp(u), a[0] * T, a[1:] * T)


def _hessian(grad, z):
    """Every searcher's Hessian (B, n, n) of F at z (n, B)."""
    basis = jnp.broadcast_to(jnp.eye(z.shape[0])[:, :, None], (z.shape[0],) + z.shape)
    cols = jax.vmap(lambda e: jax.jvp(grad, (z,), (e,))[1])(basis)  # (j, i, B)
    return cols.transpose(2, 1, 0)


def _direction(g, H, z, fix_share: bool):
    """Active-set Newton direction (n, B) and whether the reduced Hessian is PD."""
    g, a = g.T, z[1:].T  # (B, n), (B, n - 1)
    ga = g[:, 1:]
    pos = a > 0
    if fix_share:
        pos = pos.at[:, 0].set(False)
    lam = (ga * a * pos).sum(1, keepdims=True) / jnp.maximum((a * pos).sum(1, keepdims=True),
                                                             1e-300)
    free_a = pos | (ga < lam)
    if fix_share:  # a_0 stays; with a_0 = 1 nothing is left to split
        free_a = free_a.at[:, 0].set(False) & (a[:, :1] < 1)
    free = jnp.concatenate([jnp.ones_like(free_a[:, :1]), free_a], axis=1)  # (B, n)
    c = jnp.concatenate([jnp.zeros_like(ga[:, :1]), free_a.astype(g.dtype)], axis=1)
    both = free[:, :, None] & free[:, None, :]
    eye = jnp.eye(g.shape[1])
    Hf = jnp.where(both, H, 0.0) + eye * (~free)[:, None, :]
    none = (c.sum(1) == 0).astype(g.dtype)[:, None, None]  # no free a: no constraint row
    K = jnp.concatenate([jnp.concatenate([Hf, c[:, :, None]], 2),
                         jnp.concatenate([c[:, None, :], none], 2)], 1)
    rhs = jnp.concatenate([-jnp.where(free, g, 0.0), jnp.zeros_like(g[:, :1])], 1)
    d = small.solve(K, rhs)[:, :-1]
    # the reduced Hessian: H on the free variables, projected on sum(d_a) = 0
    P = jnp.where(both, eye, 0.0) - c[:, :, None] * c[:, None, :] / jnp.maximum(
        c.sum(1), 1.0)[:, None, None]
    pd = small.positive_definite(P @ H @ P + (eye - P))
    good = pd & jnp.all(jnp.isfinite(d), axis=1)
    return jnp.where(good[:, None], d, 0.0).T, pd


@partial(jax.jit, static_argnames=("law", "fix_share", "iters"))
def newton(law, b: kernel.Bounds, theta, m, u0, a0, fix_share: bool = False, iters: int = 20,
           tol: float = 1e-7):
    """Polished (u, a) and ``ok`` for B searchers from u0 (B,) and a0 (kd + 1, B);
    ``fix_share`` keeps a_0 (the pretraining share) where a0 puts it."""
    B = m.shape[0]
    u_lo, u_hi = jnp.broadcast_to(b.u_lo, (B,)), jnp.broadcast_to(b.u_hi, (B,))
    f_b = partial(value, law, b, theta, m)
    grad = jax.grad(lambda z: f_b(z[0], z[1:]).sum())

    def step(carry):
        i, z, _, _ = carry
        dz, pd = _direction(grad(z), _hessian(grad, z), z, fix_share)
        t = jnp.asarray(STEPS)[:, None, None]
        cand = z + t * dz  # (steps, n, B)
        u = jnp.clip(cand[:, 0], u_lo, u_hi)
        a = jnp.maximum(cand[:, 1:], 0.0)
        if fix_share:  # the domains share 1 - a_0
            left, tot = 1.0 - z[1], a[:, 1:].sum(1, keepdims=True)
            a = a.at[:, 0].set(z[1]).at[:, 1:].set(
                jnp.where(tot > 0, a[:, 1:] * left / jnp.where(tot > 0, tot, 1.0), a[:, 1:]))
        else:
            a = a / a.sum(1, keepdims=True)
        best = jnp.argmin(f_b(u, a.transpose(1, 0, 2)), axis=0)
        pick = lambda x: x[best, ..., jnp.arange(B)].T  # noqa: E731
        z = jnp.concatenate([pick(u[:, None]), pick(a)], axis=0)
        return i + 1, z, jnp.abs(dz).max(0), pd

    def going(carry):
        i, _, last, pd = carry
        return (i < iters) & jnp.any(pd & (last >= tol))

    z0 = jnp.concatenate([u0[None], a0], axis=0)
    _, z, last, pd = jax.lax.while_loop(
        going, step, (0, z0, jnp.full(B, jnp.inf), jnp.ones(B, dtype=bool)))
    u = z[0]
    return u, z[1:], pd & (last < tol) & (u > u_lo) & (u < u_hi)
