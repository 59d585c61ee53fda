"""Per-draw optima: closed form, brute force, budget, monotonicity, constraints."""

from __future__ import annotations

import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.plan import Constraints, decision_losses, optimal_per_draw, plan
from tests.plan.helpers import CHINCHILLA, DOMAIN_GAP, cloud, numpy_loss


def chinchilla_closed_form(th: dict, C: float):
    """Hoffmann et al. 2022, eq. (4): N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b."""
    a = th["beta"] / (th["alpha"] + th["beta"])
    b = th["alpha"] / (th["alpha"] + th["beta"])
    G = (th["alpha"] * th["A"] / (th["beta"] * th["B"])) ** (1 / (th["alpha"] + th["beta"]))
    return G * (C / 6) ** a, (C / 6) ** b / G


@pytest.mark.parametrize("C", [1e18, 3.2e21, 1e24])
def test_point_mass_chinchilla_without_specialization_is_closed_form(C):
    draws = Draws.point("chinchilla", CHINCHILLA)
    o = optimal_per_draw(draws, C, 3, constraints=Constraints(max_specialize_tokens=0))
    N, D = chinchilla_closed_form(CHINCHILLA, C)
    np.testing.assert_allclose(o.params, [N], rtol=1e-5)
    np.testing.assert_allclose(o.pretrain_tokens, [D], rtol=1e-5)
    assert o.specialize_tokens[0] == 0 and o.pretrain_share[0] == 1.0


def brute_force_homogeneous(th: dict, C: float, k: int, n: int = 600):
    """Dense grid over log N and share around everything plausible; returns (loss, N, s)."""
    u = np.linspace(np.log(1e6), np.log(1e12), n)[:, None]
    s = np.linspace(0, 1, n)[None, :]
    N = np.exp(u)
    T = C / (6 * N)
    L = numpy_loss("domain_gap", th, N, s * T, (1 - s) * T / k)
    i, j = np.unravel_index(np.argmin(L), L.shape)
    return L[i, j], N[i, 0], s[0, j]


def test_per_draw_optimum_matches_brute_force_and_spends_the_budget():
    draws, C, k = cloud(DOMAIN_GAP, 4, spread=0.2, seed=1), 1e21, 4
    o = optimal_per_draw(draws, C, k)
    np.testing.assert_allclose(6 * o.params * (o.pretrain_tokens + k * o.specialize_tokens), C,
                               rtol=1e-12)
    for i in range(4):
        th = {p: float(np.ravel(v[i])[0]) for p, v in draws.params.items()}
        L, N, s = brute_force_homogeneous(th, C, k)
        assert o.loss[i] <= L * (1 + 1e-9)  # never worse than the dense grid
        assert o.loss[i] >= L * (1 - 1e-5)  # and the grid is close to the optimum
        np.testing.assert_allclose(o.params[i], N, rtol=0.03)
        np.testing.assert_allclose(o.pretrain_share[i], s, atol=0.005)


def test_heterogeneous_split_matches_brute_force():
    """Two domains with different gaps: per-domain D'_i under one trunk."""
    vals = dict(DOMAIN_GAP, G=[0.2, 0.8], S=[1e9, 3e8])
    draws, C = cloud(vals, 2, spread=0.1, seed=2, domains=("x", "y")), 1e21
    o = optimal_per_draw(draws, C, 2, domains=["x", "y"])
    assert o.specialize_tokens.shape == (2, 2)
    np.testing.assert_allclose(6 * o.params * (o.pretrain_tokens + o.specialize_tokens.sum(1)),
                               C, rtol=1e-10)
    u = np.linspace(np.log(1e7), np.log(1e11), 120)[:, None, None]
    s = np.linspace(0, 1, 121)[None, 1:, None]  # s = 0 with w = 0 leaves a domain untrained
    w = np.linspace(0, 1, 121)[None, None, :]
    for i in range(2):
        th = [{p: float(v[i, j] if v.ndim == 2 else v[i]) for p, v in draws.params.items()}
              for j in range(2)]
        N = np.exp(u)
        T = C / (6 * N)
        L = 0.5 * (numpy_loss("domain_gap", th[0], N, s * T, w * (1 - s) * T)
                   + numpy_loss("domain_gap", th[1], N, s * T, (1 - w) * (1 - s) * T))
        assert o.loss[i] <= L.min() * (1 + 1e-9)
        assert o.loss[i] >= L.min() * (1 - 1e-4)
        # the domain with the larger gap gets more specialization tokens
    assert (o.specialize_tokens[:, 1] > o.specialize_tokens[:, 0]).all()


def test_optimal_loss_falls_with_budget_and_model_grows():
    draws = cloud(DOMAIN_GAP, 8, seed=3)
    prev = None
    for C in np.geomspace(1e18, 1e24, 7):
        o = optimal_per_draw(draws, C, 2)
        if prev is not None:
            assert (o.loss < prev.loss).all() and (o.params > prev.params).all()
        prev = o


def test_fixed_size_menu_and_fixed_pretraining_are_respected():
    draws, C, k = cloud(DOMAIN_GAP, 6, seed=4), 1e21, 4
    free = optimal_per_draw(draws, C, k)
    menu = (1e8, 3e8, 1e9, 3e9)
    o = optimal_per_draw(draws, C, k, constraints=Constraints(model_sizes=menu))
    assert set(o.params) <= set(menu) and (o.loss >= free.loss * (1 - 1e-12)).all()
    for n in menu:  # the chosen size beats every other size on the menu
        fixed = optimal_per_draw(draws, C, k, constraints=Constraints(params=n))
        assert (fixed.params == n).all() and (o.loss <= fixed.loss * (1 + 1e-12)).all()
    base = optimal_per_draw(draws, C, k, constraints=Constraints(pretrain_tokens=5e10))
    np.testing.assert_allclose(base.pretrain_tokens, 5e10)
    np.testing.assert_allclose(6 * base.params * (5e10 + k * base.specialize_tokens), C,
                               rtol=1e-10)


def test_token_caps_bind_and_the_model_takes_the_rest():
    draws, C, k = cloud(DOMAIN_GAP, 4, seed=5), 1e21, 4
    o = optimal_per_draw(draws, C, k, constraints=Constraints(max_specialize_tokens=1e9,
                                                              max_pretrain_tokens=5e10))
    assert (o.specialize_tokens <= 1e9 * (1 + 1e-12)).all()
    assert (o.pretrain_tokens <= 5e10 * (1 + 1e-12)).all()
    assert (6 * o.params * (o.pretrain_tokens + k * o.specialize_tokens) <= C * (1 + 1e-9)).all()


def test_search_is_compiled_once_per_shape():
    """A new budget or new draw values of the same shape reuse the compiled search."""
    from bayeslaw.plan import kernel

    optimal_per_draw(cloud(DOMAIN_GAP, 7, seed=6), 1e20, 2)
    n = kernel.search._cache_size()
    for C, seed in ((1e21, 7), (3e23, 8)):
        optimal_per_draw(cloud(DOMAIN_GAP, 7, seed=seed), C, 2)
    assert kernel.search._cache_size() == n


def test_joint_newton_matches_the_alternating_grid_search():
    """Heterogeneous domains: Newton on log N and the whole split (the default) against
    the grid search alternating with the split among domains, which a cap too large to
    bind selects; Newton's optimum is at least as good and the same allocation."""
    vals = dict(DOMAIN_GAP, G=[0.2, 0.8], S=[1e9, 3e8])
    draws, C = cloud(vals, 2, spread=0.1, seed=2, domains=("x", "y")), 1e21
    fast = optimal_per_draw(draws, C, 2, domains=["x", "y"])
    grid = optimal_per_draw(draws, C, 2, domains=["x", "y"],
                            constraints=Constraints(max_specialize_tokens=1e30))
    assert (fast.loss <= grid.loss * (1 + 1e-12)).all()
    np.testing.assert_allclose(fast.loss, grid.loss, rtol=1e-9)
    np.testing.assert_allclose(fast.params, grid.params, rtol=1e-3)
    np.testing.assert_allclose(fast.specialize_tokens, grid.specialize_tokens, rtol=1e-3)


def test_padding_to_bucket_sizes_changes_nothing():
    """63 draws run padded to 64 (test_frontier's shapes): each draw's optimum is the one it
    has among 64 draws, and the Bayes decision minimizes the expected loss over the 63
    real draws (a padded copy of the last draw, counted, moves it by 4e-3 in log N)."""
    from bayeslaw.plan.search import bucket

    assert [bucket(n) for n in (1, 2, 5, 7, 2000, 2500, 4000)] == [1, 2, 6, 8, 2048, 3072, 4096]
    full = cloud(DOMAIN_GAP, 64, spread=0.1, seed=7)
    draws = Draws(full.law, full.domains, {p: v[:63] for p, v in full.params.items()})
    C, k = 1e21, 4
    p = plan(draws, C, k)
    np.testing.assert_allclose(p.per_draw.loss, optimal_per_draw(full, C, k).loss[:63],
                               rtol=1e-12)
    r, h = p.recommended, 1e-3
    u = np.log(r.params) + h * np.array([0, -1, 1, 0, 0])
    s = r.pretrain_share + h * np.array([0, 0, 0, -1, 1])
    T = C / (6 * np.exp(u))
    L = decision_losses(draws, (np.exp(u), s * T, (1 - s) * T / k), k).mean(0)
    assert (L[1:] >= L[0]).all()


def test_newton_is_compiled_once_per_bucket():
    """Posteriors of 7 and 8 draws share the bucket of 8: no new compilation."""
    from bayeslaw.plan import polish

    optimal_per_draw(cloud(DOMAIN_GAP, 7, seed=6), 1e20, 2)
    n = polish.newton._cache_size()
    optimal_per_draw(cloud(DOMAIN_GAP, 8, seed=7), 3e21, 2)
    assert polish.newton._cache_size() == n
