import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.report.isoflop import best_over_share, isoflop, share_grid
from tests.report.conftest import TRUTH

CHIN = dict(E=1.82, A=482.0, alpha=0.348, B=2085.0, beta=0.366)


def test_chinchilla_isoflop_optimum_matches_the_closed_form():
    """L = E + A N^-a + B (C/6N)^-b is minimized at N* = G (C/6)^(b/(a+b)),
    G = (a A / (b B))^(1/(a+b)) (Hoffmann et al. 2022, eq. 4)."""
    d = Draws.point("chinchilla", CHIN)
    C = 1e21
    a, b = CHIN["alpha"], CHIN["beta"]
    G = (a * CHIN["A"] / (b * CHIN["B"])) ** (1 / (a + b))
    n_star = G * (C / 6) ** (b / (a + b))
    curve = isoflop(d, C, 1, n_points=200)
    step = curve.N[1] / curve.N[0]
    assert curve.N_opt[0] == pytest.approx(n_star, rel=step - 1)
    l_star = CHIN["E"] + CHIN["A"] * n_star**-a + CHIN["B"] * (C / (6 * n_star)) ** -b
    assert curve.loss["q50"].min() == pytest.approx(l_star, rel=1e-4)


def test_best_share_beats_both_extremes(draws):
    N = np.geomspace(1e4, 1e7, 7)
    shares = share_grid()
    best, share = best_over_share(draws, ["foldoc", "code"], N, 1e14, 2, shares)
    only_pre, _ = best_over_share(draws, ["foldoc", "code"], N, 1e14, 2, np.array([1.0]))
    scratch, _ = best_over_share(draws, ["foldoc", "code"], N, 1e14, 2, np.array([0.0]))
    assert np.all(best <= only_pre + 1e-12) and np.all(best <= scratch + 1e-12)
    assert np.all((share >= 0) & (share <= 1))
    # the domain gap G makes some specialization worth it at the optimum
    assert np.median(share) < 1


def test_bands_are_ordered_and_a_point_mass_has_none():
    d = Draws.point("domain_gap", TRUTH)
    c = isoflop(d, 1e14, 1, n_points=20)
    np.testing.assert_allclose(c.loss["q05"], c.loss["q95"])
    assert np.all(np.diff(c.N) > 0)


def test_larger_budget_means_lower_loss_and_larger_model(draws):
    small, big = isoflop(draws, 1e13, 2), isoflop(draws, 1e15, 2)
    assert big.loss["q50"].min() < small.loss["q50"].min()
    assert np.median(big.N_opt) > np.median(small.N_opt)


def test_isoflop_with_new_domains_averages_over_the_same_draws_as_the_plan():
    """Named new domains are drawn by the same pure function as the plan's, so the curve
    equals the one computed from the explicitly extended draws."""
    from bayeslaw.population import select
    from tests.test_population import _draws

    d = _draws(30)
    names = ["a", "b", "new-1", "new-2"]
    curve = isoflop(d, 1e15, 4, names, n_points=8)
    full, got = select(d, 4)
    assert got == names
    ref = isoflop(full, 1e15, 4, names, n_points=8)
    np.testing.assert_allclose(curve.loss["q50"], ref.loss["q50"], rtol=1e-12)
    measured = isoflop(d, 1e15, 2, ["a", "b"], n_points=8)
    assert not np.allclose(curve.loss["q50"], measured.loss["q50"])
