"""The planner's small batched linear algebra against numpy's LAPACK, and the guard that
the joint Newton program calls no LAPACK kernel (their thread-pool batching deadlocked
at 4,000 draws x 4 domains on 2 cores, see bayeslaw/plan/small.py)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from bayeslaw import _jax
from bayeslaw.plan import joint, small
from bayeslaw.plan.search import bounds, search_space

_jax.setup()


@pytest.mark.parametrize("n", [1, 2, 6, 9])
def test_solve_and_positive_definite_match_lapack(n):
    rng = np.random.default_rng(n)
    A = rng.standard_normal((300, n, n))
    if n > 1:
        A[:5, 0, 0] = 0.0  # a zero leading entry needs the row swap
    b = rng.standard_normal((300, n))
    x = np.asarray(small.solve(jnp.asarray(A), jnp.asarray(b)))
    np.testing.assert_allclose(x, np.linalg.solve(A, b[..., None])[..., 0], rtol=1e-7,
                               atol=1e-9)
    S = A @ A.transpose(0, 2, 1) - rng.uniform(0, 3, (300, 1, 1)) * np.eye(n)
    pd = np.asarray(small.positive_definite(jnp.asarray(S)))
    assert (pd == (np.linalg.eigvalsh(S).min(1) > 0)).all()
    assert 0 < pd.sum() < 300  # both answers occur


def test_joint_newton_calls_no_lapack():
    from bayeslaw.laws import get

    law = get("domain_gap")
    kd, B, R = 3, 2, 4
    theta = {p: jnp.ones((kd, B, R)) for p in law.params}
    sp = search_space(None, 1e20)
    b = bounds(sp, B, None)
    text = joint.newton.lower(law, b, theta, jnp.ones((B, R)), jnp.full(B, 20.0),
                              jnp.full((kd + 1, B), 0.25)).as_text()
    assert "lapack" not in text.lower() and "custom_call" not in text
