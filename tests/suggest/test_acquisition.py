import numpy as np
import pytest

from bayeslaw.suggest import acquisition as acq
from bayeslaw.suggest.candidates import enumerate_candidates
from bayeslaw.suggest.decisions import decisions_at, expected_regret
from tests.suggest.helpers import BUDGET, MENU, perturbed


@pytest.fixture(scope="module")
def world():
    draws = perturbed(S=200, scale=0.08, seed=1)
    dec = decisions_at(draws, BUDGET, 1)
    cands = enumerate_candidates(MENU)
    mu = acq.predicted_log_loss(draws, cands)
    return draws, dec, cands, mu


def test_regret_of_uniform_weights_is_the_decision_sets_expected_regret(world):
    _, dec, _, _ = world
    S = dec.loss.shape[0]
    expected = dec.loss.mean(axis=0)  # R(w) / sum_s w_s L*_s with w = 1/S, by hand
    by_hand = (expected.min() - dec.best.mean()) / dec.best.mean()
    uniform = expected_regret(dec, acq.normalize(np.zeros(S)))
    assert uniform == pytest.approx(by_hand, rel=1e-12)
    assert expected_regret(dec) == pytest.approx(uniform, rel=1e-12) and uniform > 0
    point = np.full(S, -np.inf)
    point[7] = 0.0
    assert expected_regret(dec, acq.normalize(point)) == pytest.approx(0.0, abs=1e-15)  # one draw


def test_predicted_log_loss_matches_the_law(world):
    draws, _, cands, mu = world
    c = cands[5]
    theta = {k: v[3] for k, v in draws.for_domain(c.domain).items()}
    want = float(draws.law.log_loss(theta, c.params, c.pretrain_tokens, c.specialize_tokens))
    assert mu[3, 5] == pytest.approx(want, rel=1e-12)


def _oracle(dec):
    """A run whose outcome reveals each draw's optimal model size (log N*, in nats)."""
    return 0.5 * np.log(dec.params[np.argmin(dec.loss, axis=1)])[:, None]


def test_a_run_whose_outcome_no_draw_disagrees_on_is_worthless(world):
    _, dec, _, mu = world
    S = mu.shape[0]
    both = np.hstack([_oracle(dec), np.full((S, 1), float(mu.mean()))])
    sigma, nu = np.full(S, 0.005), np.full(S, 30.0)
    worlds = acq.fantasize(both, sigma, nu, 256, np.random.default_rng(0))
    v = acq.values(worlds, dec, both, sigma, nu)
    assert v[1] == 0.0  # the weights, hence every decision, are unchanged
    assert v[0] > 0.5 * expected_regret(dec)  # knowing N* removes most of the regret


def test_noisier_observations_are_worth_less(world):
    _, dec, _, mu = world
    S = mu.shape[0]
    col, nu = _oracle(dec), np.full(S, 30.0)
    vals = []
    for sigma in (0.005, 0.3, 30.0):
        worlds = acq.fantasize(col, np.full(S, sigma), nu, 512, np.random.default_rng(0))
        vals.append(acq.values(worlds, dec, col, np.full(S, sigma), nu)[0])
    assert vals[0] > vals[1] > vals[2]
    assert abs(vals[2]) < 0.1 * vals[0]


def test_conditioning_on_a_pick_lowers_the_worlds_regret(world):
    _, dec, _, mu = world
    S = mu.shape[0]
    sigma, nu = np.full(S, 0.005), np.full(S, 30.0)
    worlds = acq.fantasize(mu, sigma, nu, 64, np.random.default_rng(0))
    before = acq.world_regret(worlds.log_w, worlds.truth, dec).mean()
    v = acq.values(worlds, dec, mu, sigma, nu)
    best = int(np.argmax(v))
    acq.update(worlds, mu, sigma, nu, best)
    after = acq.world_regret(worlds.log_w, worlds.truth, dec).mean()
    assert v[best] > 0
    assert after == pytest.approx(before - v[best], rel=1e-9)
