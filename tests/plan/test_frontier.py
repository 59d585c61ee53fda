"""The fast frontier (warm-started Newton polish) against per-budget plans (grid search)."""

from __future__ import annotations

import numpy as np
import pytest

from bayeslaw.plan import Constraints, frontier, plan
from tests.plan.helpers import DOMAIN_GAP, cloud

FIELDS = ("params", "pretrain_tokens", "specialize_tokens", "pretrain_share")


def assert_matches_plan(f, draws, j, constraints=None):
    p = plan(draws, f.budgets[j], 4, constraints=constraints).to_dict()
    rec, bands = p["recommended"], p["intervals"]
    for key in FIELDS:
        np.testing.assert_allclose(f.bayes[key][j], rec[key], rtol=1e-3, err_msg=key)
        for q, v in bands[key].items():
            np.testing.assert_allclose(f.bands[key][q][j], v, rtol=1e-3, atol=1e-9 * v + 1e-6,
                                       err_msg=f"{key} {q}")
    np.testing.assert_allclose(f.bayes["loss"][j], rec["loss"], rtol=1e-4)
    for q, v in bands["loss"].items():
        np.testing.assert_allclose(f.bands["loss"][q][j], v, rtol=1e-4)
        np.testing.assert_allclose(f.bayes_loss_interval[q][j], rec["loss_interval"][q],
                                   rtol=1e-4)


@pytest.fixture(scope="module")
def wide_cloud():
    """A spread wide enough that at 1e19 FLOPs some draws do not specialize at all (s = 1,
    the polish's KKT corner) while the others do."""
    return cloud(DOMAIN_GAP, 64, spread=0.1, seed=7)


def test_polished_frontier_matches_per_budget_plans(wide_cloud):
    budgets = np.geomspace(1e19, 1e24, 12)[::-1]  # decreasing: the frontier sorts them
    f = frontier(wide_cloud, budgets, 4)
    np.testing.assert_array_equal(f.budgets, budgets)
    assert set(f.to_dict()) == {"budgets", "domains", "bands", "bayes", "bayes_loss_interval"}
    low = int(np.argmin(budgets))
    assert f.bands["pretrain_share"]["q95"][low] == 1.0 > f.bands["pretrain_share"]["q05"][low]
    for j in (low, 5, int(np.argmax(budgets))):
        assert_matches_plan(f, wide_cloud, j)


def test_constrained_frontier_matches_per_budget_plans(wide_cloud):
    c = Constraints(max_specialize_tokens=2e9)
    f = frontier(wide_cloud, [1e20, 1e22], 4, constraints=c)
    for j in (0, 1):
        assert_matches_plan(f, wide_cloud, j, constraints=c)
