"""Newton's method on (log N, share) for B searchers at once, from a nearby start.

Each searcher minimizes its own smooth objective (:func:`bayeslaw.plan.kernel.value`
with the mean over draws)

    f_b(u, s) = mean over the searcher's draws of L_bar(N(u), D(u, s), D'(u, s)).

The searchers are independent, so the gradient of F = sum_b f_b holds every
searcher's gradient, and two forward-over-reverse products with the tangents
(1, 0) and (0, 1) hold every searcher's 2 x 2 Hessian: a Newton step for all B costs
about four loss evaluations each, on arrays whose last axis is B (or the draws).

Each step tries t in {1, 1/2, 1/4, 1/8} and keeps the best point including the
current one, so f never increases (Nocedal & Wright 2006, ch. 3: Newton with a
backtracking line search); converged, the steps shrink quadratically. A fixed
dimension (a size on the menu, a fixed share or pretraining) is not stepped. When the
share sits on a bound (s = 0 or 1) with the gradient pushing outward (the KKT
conditions of the bound) the step is a Newton step in u alone. A searcher is ``ok``
when its (reduced) Hessian is positive definite, its last step is below ``tol`` and
the point is interior in u and interior or KKT-held in s; callers give the others the
grid search (:func:`bayeslaw.plan.kernel.search`).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from bayeslaw.plan import kernel

STEPS = (0.0, 1.0, 0.5, 0.25, 0.125)


def _held(s, g_s):
    """The share sits on a bound and the objective pushes it further out (a KKT corner:
    the minimum over s is there, only u is left to optimize)."""
    return ((s <= 0.0) & (g_s > 0)) | ((s >= 1.0) & (g_s < 0))


def _direction(cfg: kernel.Config, s, g, H):
    """Newton direction (du, ds) and whether the (reduced) Hessian is positive definite."""
    gu, gs = g
    huu, hus, hss = H
    edge = _held(s, gs) if cfg.free_s else jnp.zeros_like(s, dtype=bool)
    zero = jnp.zeros_like(s)
    safe = lambda h: jnp.where(h > 0, h, 1.0)  # noqa: E731
    if cfg.free_u and cfg.free_s:
        det = huu * hss - hus * hus
        d = jnp.where(det > 0, det, 1.0)
        du = jnp.where(edge, -gu / safe(huu), -(hss * gu - hus * gs) / d)
        ds = jnp.where(edge, 0.0, -(huu * gs - hus * gu) / d)
        pd = (huu > 0) & (edge | (det > 0))
    elif cfg.free_u:
        du, ds, pd = -gu / safe(huu), zero, huu > 0
    elif cfg.free_s:
        du, ds, pd = zero, jnp.where(edge, 0.0, -gs / safe(hss)), edge | (hss > 0)
    else:
        du, ds, pd = zero, zero, jnp.ones_like(s, dtype=bool)
    good = pd & jnp.isfinite(du) & jnp.isfinite(ds)
    return jnp.where(good, du, 0.0), jnp.where(good, ds, 0.0), pd


@partial(jax.jit, static_argnames=("law", "cfg", "iters"))
def newton(law, cfg: kernel.Config, b: kernel.Bounds, theta, m, w, u0, s0, iters: int = 12,
           tol: float = 1e-7):
    """Polished (u, s) and an ``ok`` flag for each of B searchers (theta leaves (kd, B, R),
    m (B, R), w (kd, B), u0 and s0 (B,)); the mean over draws only (no quantile)."""
    cfg = cfg._replace(quantile=None)
    B = m.shape[0]
    u_lo, u_hi = jnp.broadcast_to(b.u_lo, (B,)), jnp.broadcast_to(b.u_hi, (B,))
    f_b = partial(kernel.value, law, cfg, b, theta, m, w)
    grad = jax.grad(lambda u, s: f_b(u, s).sum(), argnums=(0, 1))
    one, zero = jnp.ones(B), jnp.zeros(B)

    def step(carry):
        i, u, s, _, _ = carry
        g, (huu, hsu) = jax.jvp(grad, (u, s), (one, zero))
        _, (hus, hss) = jax.jvp(grad, (u, s), (zero, one))
        du, ds, pd = _direction(cfg, s, g, (huu, 0.5 * (hus + hsu), hss))
        t = jnp.asarray(STEPS)[:, None]
        uc, sc = jnp.clip(u + t * du, u_lo, u_hi), jnp.clip(s + t * ds, 0.0, 1.0)
        best = jnp.argmin(f_b(uc, sc), axis=0)
        pick = lambda x: x[best, jnp.arange(B)]  # noqa: E731
        return i + 1, pick(uc), pick(sc), jnp.maximum(jnp.abs(du), jnp.abs(ds)), pd

    def going(carry):
        i, _, _, last, pd = carry
        return (i < iters) & jnp.any(pd & (last >= tol))

    start = (0, u0, s0, jnp.full(B, jnp.inf), jnp.ones(B, dtype=bool))
    _, u, s, last, pd = jax.lax.while_loop(going, step, start)
    inside = jnp.ones(B, dtype=bool)
    if cfg.free_u:
        inside &= (u > u_lo) & (u < u_hi)
    if cfg.free_s:
        g_s = grad(u, s)[1]
        inside &= ((s > 0.0) & (s < 1.0)) | _held(s, g_s)
    return u, s, pd & (last < tol) & inside
