import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.laws import get
from bayeslaw.report import predictive as pred
from tests.report.conftest import TRUTH


def test_mean_loss_of_a_point_mass_is_the_law():
    d = Draws.point("domain_gap", TRUTH, domains=("a", "b"))
    N, D, Dp = np.array([1e5, 1e6]), np.array([1e6, 0.0]), np.array([0.0, 5e5])
    got = pred.mean_loss(d, "b", N, D, Dp)
    want = np.asarray(get("domain_gap").loss(TRUTH, N, D, Dp))
    assert got.shape == (1, 2)
    np.testing.assert_allclose(got[0], want, rtol=1e-12)


def test_mean_loss_uses_the_domain_column(draws):
    a = pred.mean_loss(draws, "foldoc", 1e5, 1e6, 1e5)
    b = pred.mean_loss(draws, "code", 1e5, 1e6, 1e5)
    j = draws.domains.index("code")
    theta = {k: (v[:, j] if v.ndim == 2 else v) for k, v in draws.params.items()}
    np.testing.assert_allclose(b[:, 0], np.asarray(get("domain_gap").loss(theta, 1e5, 1e6, 1e5)))
    assert not np.allclose(a, b)


def test_coverage_and_pit_are_calibrated_for_a_matching_predictive():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(4000, 1))  * np.ones((1, 2000))
    observed = rng.normal(size=2000)
    assert pred.coverage(samples, observed, 0.9) == pytest.approx(0.9, abs=0.03)
    assert pred.coverage(samples, observed, 0.5) == pytest.approx(0.5, abs=0.04)
    counts, _ = np.histogram(pred.pit(samples, observed), bins=10, range=(0, 1))
    assert counts.min() > 140 and counts.max() < 260  # ~200 each when uniform


def test_coverage_exposes_too_narrow_intervals():
    rng = np.random.default_rng(2)
    samples = rng.normal(size=(4000, 1)) * np.ones((1, 1000))
    observed = 3 * rng.normal(size=1000)
    assert pred.coverage(samples, observed, 0.9) < 0.5
    pit = pred.pit(samples, observed)
    assert np.mean((pit < 0.05) | (pit > 0.95)) > 0.5  # U-shaped


def test_predictive_noise_is_student_t_on_log_loss():
    mu = np.full((20000, 1), 2.0)
    sigma, nu = 0.02, 6.0
    y = pred.predictive(mu, {"sigma": np.full(20000, sigma), "nu": np.full(20000, nu)})
    z = np.log(y / mu)[:, 0]
    assert np.std(z) == pytest.approx(sigma * np.sqrt(nu / (nu - 2)), rel=0.05)
    assert pred.predictive(mu, None) is mu


def test_thin_is_deterministic_and_keeps_ends(draws):
    from bayeslaw.draws import thin

    t = thin(draws.with_noise({"sigma": np.arange(draws.n_draws)}), 10)
    assert t.n_draws == 10
    np.testing.assert_array_equal(t.params["alpha"][[0, -1]], draws.params["alpha"][[0, -1]])
    assert t.noise["sigma"][0] == 0 and t.noise["sigma"][-1] == draws.n_draws - 1


def test_heavy_tailed_noise_stays_finite():
    """A Student-t with nu < 1 draws values whose exp overflows float64; the predictive
    keeps them finite (and warns nothing, since warnings are errors here)."""
    from bayeslaw.report.predictive import predictive

    mu = np.full((200, 3), 2.0)
    noise = {"sigma": np.full(200, 5.0), "nu": np.full(200, 0.2)}
    y = predictive(mu, noise, seed=1)
    assert np.isfinite(y).all() and (y > 0).all()
    assert np.median(y) < 1e3  # the bulk is untouched
