"""Newton polish of a (log N, share) optimum from a nearby start, for the frontier.

The grid-zoom search (:mod:`bayeslaw.plan.kernel`) spends ~1,900 loss evaluations per
searcher to be robust from nowhere. Along a frontier each budget's optimum is close
to the previous one's (extrapolated in log C), so a few safeguarded Newton steps on

    f(u, s) = aggregate over the searcher's draws of L_bar(N(u), D(u, s), D'(u, s))

reach it to ~1e-10 (quadratic convergence) for ~10 evaluations' worth of work per
step (Nocedal & Wright 2006, ch. 3: Newton with a backtracking line search). Each
step tries t in {1, 1/2, 1/4, 1/8} and keeps the best point including the current
one, so f never increases. When the share sits on a bound (s = 0 or 1) with the
gradient pushing outward (the KKT conditions of the bound), the step is a Newton
step in u alone. A searcher is ``ok`` when its (reduced) Hessian is positive
definite, its last Newton step is below ``tol`` and the point is interior in u and
interior or KKT-held in s; callers re-run the grid search for the others.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from bayeslaw.plan import kernel
from bayeslaw.plan.objective import mean_loss

STEPS = (1.0, 0.5, 0.25, 0.125)


def _value(law, cfg: kernel.Config, b: kernel.Bounds, theta, w, x):
    """f(u, s) for one searcher: theta leaves (R, kd), w (kd,), b fields scalars."""
    N, D, Dp = kernel.tokens(cfg, b, x[0], x[1], w)
    return mean_loss(law, theta, N[None], D[None], Dp).mean()


def _newton_one(law, cfg, iters, tol, b, theta, w, x0):
    f = partial(_value, law, cfg, b, theta, w)
    lo, hi = jnp.stack([b.u_lo, 0.0]), jnp.stack([b.u_hi, 1.0])

    def step(_, carry):
        x, _, _ = carry
        g, H = jax.grad(f)(x), jax.hessian(f)(x)
        det = H[0, 0] * H[1, 1] - H[0, 1] * H[1, 0]
        edge = _held(x[1], g[1])
        pd = (H[0, 0] > 0) & ((det > 0) | edge)
        full = -jnp.array([H[1, 1] * g[0] - H[0, 1] * g[1],
                           H[0, 0] * g[1] - H[1, 0] * g[0]]) / jnp.where(det > 0, det, 1.0)
        dx = jnp.where(edge, jnp.array([-g[0] / jnp.where(H[0, 0] > 0, H[0, 0], 1.0), 0.0]),
                       full)
        dx = jnp.where(pd & jnp.all(jnp.isfinite(dx)), dx, 0.0)
        cand = jnp.stack([x] + [jnp.clip(x + t * dx, lo, hi) for t in STEPS])
        vals = jax.vmap(f)(cand)
        vals = jnp.where(jnp.isnan(vals), jnp.inf, vals)
        return cand[jnp.argmin(vals)], jnp.max(jnp.abs(dx)), pd

    x, last, pd = jax.lax.fori_loop(0, iters, step, (x0, jnp.inf, False))
    g = jax.grad(f)(x)
    inside = (x[0] > b.u_lo) & (x[0] < b.u_hi) & (((x[1] > 0.0) & (x[1] < 1.0)) | _held(x[1], g[1]))
    return x, pd & (last < tol) & inside


def _held(s, g_s):
    """The share sits on a bound and the objective pushes it further out (a KKT corner:
    the minimum over s is there, only u is left to optimize)."""
    return ((s <= 0.0) & (g_s > 0)) | ((s >= 1.0) & (g_s < 0))


@partial(jax.jit, static_argnames=("law", "cfg", "iters"))
def newton(law, cfg: kernel.Config, b: kernel.Bounds, theta, w, u0, s0, iters: int = 10,
           tol: float = 1e-7):
    """Polished (u, s) and an ``ok`` flag for each of B searchers (theta leaves (B, R, kd),
    w (B, kd), u0 and s0 (B,)); the mean over draws only (no quantile)."""
    B = w.shape[0]
    bb = kernel.Bounds(*(jnp.broadcast_to(jnp.asarray(x), (B,)) for x in b))
    one = partial(_newton_one, law, cfg, iters, tol)
    x, ok = jax.vmap(one)(bb, theta, w, jnp.stack([u0, s0], axis=1))
    return x[:, 0], x[:, 1], ok
