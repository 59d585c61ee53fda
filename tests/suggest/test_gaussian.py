"""The knowledge-gradient values (bayeslaw.suggest.gaussian): closed forms and invariants."""

import numpy as np
from scipy.stats import norm

from bayeslaw.suggest import gaussian as gauss
from bayeslaw.suggest.decisions import Decisions


def _moments(Lbar, C, Sigma, best=1.0):
    return gauss.Moments(np.asarray(Lbar, float), np.asarray(C, float),
                         np.asarray(Sigma, float), best)


def test_two_decisions_match_the_closed_form():
    """E[min(a1 + b1 Z, a2 + b2 Z)] = a1 - (delta Phi(delta/s) + s phi(delta/s)) with
    delta = a1 - a2, s = |b1 - b2|."""
    Lbar, C = [2.00, 2.01], [[0.03], [-0.02]]
    Sigma = [[0.04]]
    batch = gauss.Batch(_moments(Lbar, C, Sigma), gauss.normal_points(4096, 2, seed=0))
    b = np.array(C)[:, 0] / 0.2
    delta, s = Lbar[0] - Lbar[1], abs(b[0] - b[1])
    exact = Lbar[0] - (delta * norm.cdf(delta / s) + s * norm.pdf(delta / s))
    assert batch.regret() == min(Lbar) - 1.0
    np.testing.assert_allclose(batch.values(np.array([0]))[0], min(Lbar) - exact, rtol=2e-3)


def test_rank_one_updates_equal_the_full_cholesky():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 5))
    Sigma = X @ X.T + np.eye(5)
    C = rng.standard_normal((7, 5))
    batch = gauss.Batch(_moments(np.zeros(7), C, Sigma), gauss.normal_points(64, 4, 0))
    for i in (3, 0, 4):
        batch.add(i)
    Q = [3, 0, 4]
    R = np.linalg.cholesky(Sigma[np.ix_(Q, Q)])
    np.testing.assert_allclose(batch.R, R, atol=1e-12)
    np.testing.assert_allclose(batch.B, C[:, Q] @ np.linalg.inv(R).T, atol=1e-12)


def test_values_are_nonnegative_and_zero_without_covariance():
    rng = np.random.default_rng(1)
    C = rng.standard_normal((6, 4)) * 0.01
    C[:, 2] = 0.0  # an outcome no decision loss covaries with
    batch = gauss.Batch(_moments(rng.uniform(2, 2.02, 6), C, np.eye(4) * 0.01),
                        gauss.normal_points(256, 3, 0))
    v = batch.values(np.arange(4))
    assert np.all(v >= 0) and v[2] == 0.0 and v.max() > 0


def test_a_repeat_of_a_pick_is_worth_less_than_the_pick_was():
    """Two noisy observations of the same run: the second adds less than the first."""
    noise = 0.01
    Sigma = np.full((2, 2), 0.04) + np.eye(2) * noise  # candidates 0 and 1: the same run
    C = np.array([[0.03, 0.03], [-0.02, -0.02]])
    batch = gauss.Batch(_moments([2.00, 2.01], C, Sigma), gauss.normal_points(1024, 3, 0))
    first = batch.values(np.array([0, 1]))
    batch.add(0)
    second = batch.values(np.array([1]))[0]
    assert first[0] == first[1] and 0 < second < 0.5 * first[0]


def test_moments_from_draws_add_the_noise_variance():
    rng = np.random.default_rng(2)
    S = 4000
    mu = rng.standard_normal((S, 2)) * [0.1, 0.2]
    loss = np.stack([2 + mu[:, 0], 2.1 - mu[:, 1]], axis=1)
    dec = Decisions(*(np.ones(2),) * 3, loss, loss.min(axis=1))
    sigma, nu = np.full(S, 0.05), np.full(S, 1e6)
    m = gauss.Moments.of(dec, mu, sigma, nu)
    np.testing.assert_allclose(np.diag(m.Sigma), [0.01 + 0.0025, 0.04 + 0.0025], rtol=0.06)
    np.testing.assert_allclose(m.C, [[0.01, 0], [0, -0.04]], atol=0.003)
    assert gauss.noise_variance(np.array([1.0]), np.array([1.0])) == 5.0  # nu clipped at 2.5
