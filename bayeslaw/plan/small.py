"""Batched linear algebra on many small matrices, in plain element-wise jax.

The joint Newton step (:mod:`bayeslaw.plan.joint`) solves one (kd + 3)-square KKT system
and tests one (kd + 2)-square Hessian per searcher, thousands of them at once. jax's
``jnp.linalg.solve`` / ``eigvalsh`` send batched small matrices to LAPACK custom calls
that split the batch over XLA's CPU thread pool and wait on it from inside that pool;
with jaxlib 0.10.2 on 2 cores this deadlocked (every thread waiting, no CPU) for 4,000
draws x 4 heterogeneous domains (a gdb stack: ``lapack_dsyevd_ffi`` ->
``jax::ParallelBatchMap`` -> ``BlockingCounter::Wait`` on both ``tf_XLAEigen`` workers).
For n <= ~12 the unrolled eliminations below are as fast, vectorize over the batch like
any other element-wise program, and cannot deadlock.
"""

from __future__ import annotations

import jax.numpy as jnp


def solve(A, b):
    """x with A x = b for A (B, n, n), b (B, n): Gaussian elimination with partial pivoting
    (Golub & Van Loan 2013, alg. 3.4.1), unrolled over the n columns. A singular system
    gives non-finite entries (as LAPACK's getrf/getrs would)."""
    n = A.shape[-1]
    M = jnp.concatenate([A, b[..., None]], axis=-1)  # (B, n, n + 1)
    rows = jnp.arange(n)
    for j in range(n):
        col = jnp.where(rows >= j, jnp.abs(M[:, :, j]), -1.0)
        p = jnp.argmax(col, axis=1)  # (B,)
        rj, rp = M[:, j], jnp.take_along_axis(M, p[:, None, None], axis=1)[:, 0]
        M = M.at[:, j].set(rp)
        M = jnp.where((rows[None, :, None] == p[:, None, None]) & (p[:, None, None] != j),
                      rj[:, None, :], M)
        piv = M[:, j, j]
        f = jnp.where(rows[None, :] > j, M[:, :, j] / piv[:, None], 0.0)  # (B, n)
        M = M - f[:, :, None] * M[:, j][:, None, :]
    x = jnp.zeros(b.shape, M.dtype)
    for j in reversed(range(n)):
        s = M[:, j, n] - (M[:, j, j + 1:n] * x[:, j + 1:]).sum(1)
        x = x.at[:, j].set(s / M[:, j, j])
    return x


def positive_definite(A):
    """(B,) whether each symmetric A (B, n, n) is positive definite: every pivot of its
    LDL' factorization without pivoting is positive (Sylvester's criterion in the form of
    Gaussian elimination, Golub & Van Loan 2013, thm. 4.2.1)."""
    n = A.shape[-1]
    ok = jnp.ones(A.shape[:1], dtype=bool)
    rows = jnp.arange(n)
    for j in range(n):
        piv = A[:, j, j]
        ok = ok & (piv > 0) & jnp.isfinite(piv)
        safe = jnp.where(piv > 0, piv, 1.0)
        f = jnp.where(rows[None, :] > j, A[:, :, j] / safe[:, None], 0.0)
        A = A - f[:, :, None] * A[:, j][:, None, :]
    return ok
