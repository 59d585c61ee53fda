"""Bayes decision, decision losses, regret, baselines, frontier, constraint errors."""

from __future__ import annotations

import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError
from bayeslaw.plan import Constraints, decision_losses, frontier, optimal_per_draw, plan
from bayeslaw.plan.planner import blind_to_split
from tests.plan.helpers import CHINCHILLA, DOMAIN_GAP, cloud, numpy_loss


def test_decision_losses_match_the_law_evaluated_directly():
    draws = cloud(DOMAIN_GAP, 5, seed=0)
    N, D, Dp = np.array([1e8, 1e9]), np.array([1e10, 2e11]), np.array([0.0, 3e9])
    L = decision_losses(draws, (N, D, Dp), 3)
    th = {p: np.ravel(v)[:, None] for p, v in draws.params.items()}
    np.testing.assert_allclose(L, numpy_loss("domain_gap", th, N, D, Dp), rtol=1e-12)


def test_bayes_decision_minimizes_expected_loss_not_median_of_optima():
    draws, C, k = cloud(DOMAIN_GAP, 200, spread=0.3, seed=1), 1e21, 4
    p = plan(draws, C, k)
    r = p.recommended
    # brute force over a grid of decisions around it: none has a lower expected loss
    u = np.log(r.params) + np.linspace(-0.3, 0.3, 25)
    s = np.clip(r.pretrain_share + np.linspace(-0.06, 0.06, 25), 0, 1)
    uu, ss = (x.ravel() for x in np.meshgrid(u, s))
    T = C / (6 * np.exp(uu))
    L = decision_losses(draws, (np.exp(uu), ss * T, (1 - ss) * T / k), k).mean(0)
    assert p.losses.mean() <= L.min() * (1 + 1e-9)
    # the median of per-draw optima is a worse decision under the posterior
    o = p.per_draw
    Nm, sm = np.median(o.params), np.median(o.pretrain_share)
    Tm = C / (6 * Nm)
    Lm = decision_losses(draws, ([Nm], [sm * Tm], [(1 - sm) * Tm / k]), k).mean()
    assert Lm > p.losses.mean()
    assert (p.regret >= 0).all() and p.expected_regret > 0


def test_point_estimate_plan_has_no_regret_and_collapsed_intervals():
    d = Draws.point("domain_gap", DOMAIN_GAP)
    p = plan(d, 1e21, 4)
    doc = p.to_dict()
    assert p.expected_regret < 1e-10
    assert doc["intervals"]["params"]["q05"] == doc["intervals"]["params"]["q95"]
    np.testing.assert_allclose(doc["recommended"]["params"], p.per_draw.params[0], rtol=1e-5)
    assert set(doc["baselines"]) == {"no_specialization", "from_scratch", "fixed_10pct"}
    for b in doc["baselines"].values():  # the optimum is at least as good as each baseline
        assert b["gain"] >= -1e-12
    assert doc["baselines"]["no_specialization"]["specialize_tokens"] == 0
    assert doc["baselines"]["from_scratch"]["pretrain_tokens"] == 0
    np.testing.assert_allclose(doc["baselines"]["fixed_10pct"]["pretrain_share"], 0.9)


def test_risk_averse_quantile_decision_has_lower_upper_quantile():
    draws, C, k = cloud(DOMAIN_GAP, 200, spread=0.3, seed=2), 1e21, 4
    mean = plan(draws, C, k)
    q90 = plan(draws, C, k, quantile=0.9)
    assert np.quantile(q90.losses, 0.9) <= np.quantile(mean.losses, 0.9) + 1e-12
    assert q90.losses.mean() >= mean.losses.mean() - 1e-12


def test_heterogeneous_plan_json_has_per_domain_tokens():
    vals = dict(DOMAIN_GAP, G=[0.2, 0.8], S=[1e9, 3e8])
    draws = cloud(vals, 30, seed=3, domains=("x", "y"))
    doc = plan(draws, 1e21, 2, domains=["x", "y"]).to_dict()
    per = doc["recommended"]["specialize_tokens_per_domain"]
    assert per["y"] > per["x"]
    np.testing.assert_allclose(doc["recommended"]["specialize_tokens"], (per["x"] + per["y"]) / 2)
    r = doc["recommended"]
    np.testing.assert_allclose(6 * r["params"] * (r["pretrain_tokens"] + per["x"] + per["y"]),
                               1e21, rtol=1e-9)


def test_frontier_is_monotone_in_budget():
    draws = cloud(DOMAIN_GAP, 64, seed=4)  # 64 draws: the shapes test_frontier compiles
    f = frontier(draws, np.geomspace(1e19, 1e23, 5), 4)
    assert (np.diff(f.bayes["loss"]) < 0).all() and (np.diff(f.bayes["params"]) > 0).all()
    assert (np.diff(f.bands["loss"]["q50"]) < 0).all()
    assert (f.bands["params"]["q05"] <= f.bands["params"]["q95"]).all()


@pytest.mark.parametrize("constraints, budget, message", [
    (Constraints(params=1e9), 1e9, "too small for the smallest model"),
    (Constraints(model_sizes=[1e9, 1e10], pretrain_tokens=1e12), 1e21, "too small"),
    (Constraints(params=1e9, model_sizes=[1e8]), 1e21, "not in the model size menu"),
    (Constraints(pretrain_tokens=2e10, max_pretrain_tokens=1e10), 1e21, "exceed max pretrain"),
    (Constraints(max_pretrain_tokens=0, max_specialize_tokens=0), 1e21, "both 0"),
    (Constraints(), -1.0, "positive number of FLOPs"),
])
def test_infeasible_requests_raise_clear_errors(constraints, budget, message):
    with pytest.raises(BayeslawError, match=message):
        optimal_per_draw(Draws.point("chinchilla", CHINCHILLA), budget, 2,
                         constraints=constraints)


def test_domain_errors():
    draws = cloud(dict(DOMAIN_GAP, G=[0.2, 0.8]), 3, domains=("x", "y"))
    with pytest.raises(BayeslawError, match="none was named to plan for"):
        decision_losses(draws, (np.array([1e8]), np.array([1e10]), np.array([1e9])), 2)
    with pytest.raises(BayeslawError, match="k=1 is fewer than the 2 measured domains"):
        plan(draws, 1e21, 1)
    with pytest.raises(BayeslawError, match="'z' is not in the posterior"):
        plan(draws, 1e21, 2, domains=["x", "z"])
    with pytest.raises(BayeslawError, match="no population of domains"):
        plan(draws, 1e21, 3, domains=["x", "y"])  # a 3rd, new domain needs a fitted population


def test_decision_losses_per_copy_specialization_is_the_mean_over_copies():
    draws = cloud(DOMAIN_GAP, 3, seed=5)
    N, D = np.array([1e9]), np.array([1e11])
    both = decision_losses(draws, (N, D, np.array([[1e9, 4e9]])), 2)
    one = decision_losses(draws, (N, D, np.array([1e9])), 2)
    four = decision_losses(draws, (N, D, np.array([4e9])), 2)
    np.testing.assert_allclose(both, (one + four) / 2, rtol=1e-12)
    with pytest.raises(BayeslawError, match="decisions must be arrays"):
        decision_losses(draws, (N, D, np.ones((1, 3))), 2)


@pytest.mark.parametrize("k", [1, 3])
def test_a_law_blind_to_the_split_pretrains_and_never_recommends_d_zero(k):
    """Chinchilla sees only D + D': at k = 1 the split is a tie (the search used to land
    on D = 0), at k > 1 each D' is paid k times. Either way: all tokens to D, and
    T/N matches the law's closed-form optimum N* = G (C/6)^(beta/(alpha+beta))."""
    draws = Draws.point("chinchilla", CHINCHILLA)
    C = 1e23
    p = plan(draws, C, k)
    doc = p.to_dict()
    assert doc["blind_to_split"] and doc["recommended"]["specialize_tokens"] == 0
    assert doc["recommended"]["pretrain_share"] == 1.0
    a, b = CHINCHILLA["alpha"], CHINCHILLA["beta"]
    G = (a * CHINCHILLA["A"] / (b * CHINCHILLA["B"])) ** (1 / (a + b))
    N = G * (C / 6) ** (b / (a + b))
    assert doc["recommended"]["params"] == pytest.approx(N, rel=1e-3)
    assert doc["recommended"]["tokens_per_param"] == pytest.approx(C / 6 / N ** 2, rel=2e-3)
    assert not plan(cloud(DOMAIN_GAP, 4), C, 1).blind_to_split


def test_a_mixture_is_blind_only_if_every_draw_is():
    """A stacked mixture lists its draws law by law: ten split-blind chinchilla draws first,
    then domain_gap draws. The mixture depends on the split, so the planner must not give
    every token to pretraining (it did when only the first eight draws were checked)."""
    from bayeslaw.fit.stack import INDEX, key, mixture_law

    chin = Draws.point("chinchilla", CHINCHILLA)
    dg = cloud(DOMAIN_GAP, 40)
    law = mixture_law(("chinchilla", "domain_gap"))
    n_c, n_d = 10, dg.n_draws
    params = {INDEX: np.r_[np.zeros(n_c), np.ones(n_d)]}
    for p, v in chin.params.items():  # (1,) or (1, domains): repeated on every row
        v = np.asarray(v, float)
        params[key("chinchilla", p)] = np.repeat(v, n_c + n_d, axis=0)
    for p, v in dg.params.items():
        v = np.asarray(v, float)
        params[key("domain_gap", p)] = np.concatenate([np.repeat(v[:1], n_c, axis=0), v])
    mix = Draws(law, dg.domains, params)
    assert not blind_to_split(mix)
    assert blind_to_split(Draws(law, dg.domains, {k: v[:n_c] for k, v in params.items()}))
