"""The extrapolation widening: distance beyond the runs, the widened predictive, and the
backtest's estimate of the extra variance (zero when the law is right, the truth when
an extra noise grows with the distance)."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.fit.backtest import Fold, calibrate, coverage, learn, learn_drift
from bayeslaw.fit.calibration import Box, Calibration
from bayeslaw.fit.predictive import sample
from bayeslaw.laws import get
from tests.fit.sim import TRUTH, simulate

BOX = Box.of([1e7, 1e9], [1e9, 1e10], [0.0, 1e9])


def test_distance_is_zero_inside_and_counts_e_folds_beyond():
    assert BOX.distance(1e8, 3e9, 1e8) == 0.0
    # 4x the largest N at the largest D: log 4 beyond in N (compute grows less than that).
    assert BOX.distance(4e9, 1e10, 0.0) == pytest.approx(np.log(4.0))
    # e^2 x the largest D' (the most extrapolated coordinate wins)
    assert BOX.distance(1e8, 3e9, np.e**2 * 1e9) == pytest.approx(2.0)
    assert BOX.distance(1e6, 3e9, 0.0) == pytest.approx(np.log(10.0))  # below counts too


def _point_posterior(calibration, sigma=0.01, S=4000):
    law = get("chinchilla")
    d = Draws.point(law, TRUTH["chinchilla"])
    draws = Draws(law, d.domains, {k: np.repeat(v, S, axis=0) for k, v in d.params.items()})
    return SimpleNamespace(law=law, draws=draws, domains=d.domains, calibration=calibration,
                           noise={"sigma": np.full(S, sigma), "nu": np.full(S, 1e4)})


def test_predictive_widens_with_distance_only_beyond_the_runs():
    c = Calibration(tau=0.02, power=2.0, box=BOX)
    post = _point_posterior(c)
    N = np.array([1e8, 1e9 * np.e, 1e9 * np.e**2])  # d = 0, 1, 2 (D and D' inside)
    _, y = sample(post, N, 3e9, 1e8, seed=0)
    _, y0 = sample(post, N, 3e9, 1e8, seed=0, widen=False)
    sd, sd0 = np.log(y).std(0), np.log(y0).std(0)
    assert sd[0] == pytest.approx(sd0[0])
    expect = np.sqrt(0.01**2 + 0.02**2 * np.array([0.0, 1.0, 2.0]) ** 2)
    np.testing.assert_allclose(sd, expect, rtol=0.05)
    np.testing.assert_allclose(sd0, 0.01, rtol=0.05)


def _folds(extra_tau, power=2.0, n=300, S=200, sigma=0.01, seed=0, bias=0.0):
    """Folds whose posterior knows the true mean curve up to a small parameter spread;
    held-out y carry noise sigma plus an extra d^(power/2) (bias + extra_tau z)."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0.1, 3.0, n)
    truth = rng.normal(1.0, 0.1, n)
    mu = truth + 0.002 * rng.standard_normal((S, 1)) * d  # parameter uncertainty grows too
    g = d ** (power / 2)
    y = truth + bias * g + np.sqrt(sigma**2 + extra_tau**2 * g**2) * rng.standard_normal(n)
    return [Fold(y, d, mu, np.full(S, sigma), np.full(S, 1e4))]


def test_learns_no_widening_when_the_law_is_right():
    tau, power, gain = learn(_folds(0.0))
    assert tau * 3.0 ** (power / 2) < 0.005  # under half the noise at the farthest point
    assert gain < 0.01


def test_learns_the_extra_variance():
    tau, power, gain = learn(_folds(0.02, n=600))
    for d in (1.0, 2.0, 3.0):
        assert tau**2 * d**power == pytest.approx(0.02**2 * d**2, rel=0.35)
    assert gain > 0.1


def test_backtest_plumbing_with_point_fits():
    from bayeslaw.fit import lbfgs

    runs = simulate(get("chinchilla"), TRUTH["chinchilla"], n=32, seed=4, noise=0.01,
                    frac_special=0.0)
    post = lbfgs.fit(runs, "chinchilla", n_starts=1)
    c = calibrate(runs, post, method="lbfgs", fit_kw={"n_starts": 1})
    # three folds of 16, 21 and 26 runs, each predicting all the larger runs
    assert (c.folds, c.n_heldout) == (3, 16 + 11 + 6)
    assert c.box == Box.of([r.params for r in runs], [r.pretrain_tokens for r in runs], 0.0)
    # A point fit knows no parameter uncertainty: its held-out errors grow with the
    # distance beyond the runs, and the widening learned from them is positive (it errs
    # wide, as the module says); its round trip through the posterior's attrs.
    assert c.tau > 0 and c.gain > 0
    assert post.with_calibration(c).calibration == c
    # point folds borrow the calibrated posterior's noise draws (heavy tails included)
    from bayeslaw.fit.backtest import fold_fits, folds_for

    fits = fold_fits(runs, ["chinchilla"], method="lbfgs", fit_kw={"n_starts": 1})
    heavy = SimpleNamespace(law=post.law, noise={"sigma": np.full(5, 0.5), "nu": np.full(5, 3.0)})
    (f, *_) = folds_for(fits, heavy)
    assert f.mu.shape == (1, 16) and list(f.sigma) == [0.5] * 5 and list(f.nu) == [3.0] * 5


def test_coverage_criterion_matches_the_target():
    from bayeslaw.fit.backtest import match_coverage

    folds = _folds(0.02, n=600)
    assert coverage(folds, 0.0, 2.0) < 0.7  # the unwidened intervals are far too narrow
    tau = match_coverage(folds, 2.0)
    assert coverage(folds, tau, 2.0) == pytest.approx(0.9, abs=0.01)
    assert tau == pytest.approx(0.02, rel=0.3)
    right = _folds(0.0, n=600)
    assert match_coverage(right, 2.0) * 3.0 < 0.005  # little or none when the law is right


def test_learns_the_drift_and_its_spread():
    # A law whose form error beyond the data is d^(p/2) (bias + tau z): the drift, tau and
    # p are recovered, and the drift-corrected intervals cover what they say (the
    # zero-mean widening of `learn` cannot: its 50% intervals miss, shifted).
    folds = _folds(0.01, power=1.0, n=400, S=100, bias=0.03)
    tau, power, bias, gain = learn_drift(folds)
    assert power == 1.0
    assert bias == pytest.approx(0.03, rel=0.1)
    assert tau == pytest.approx(0.01, rel=0.3)
    assert gain > 0.5
    assert coverage(folds, tau, power, 0.5, bias) == pytest.approx(0.5, abs=0.06)
    assert coverage(folds, tau, power, 0.9, bias) == pytest.approx(0.9, abs=0.04)
    t0, p0, _ = learn(folds)
    assert coverage(folds, t0, p0, 0.5) < 0.4


def test_learns_no_drift_when_the_law_is_right():
    tau, power, bias, gain = learn_drift(_folds(0.0, S=100))
    g = 3.0 ** (power / 2)
    assert abs(bias) * g < 0.005 and tau * g < 0.005  # under half the noise at d = 3
    assert gain < 0.01


def test_predictive_shifts_by_the_drift_beyond_the_runs():
    c = Calibration(tau=0.0, power=2.0, box=BOX, bias=-0.05)
    post = _point_posterior(c)
    N = np.array([1e8, 1e9 * np.e, 1e9 * np.e**2])  # d = 0, 1, 2
    _, y = sample(post, N, 3e9, 1e8, seed=0)
    _, y0 = sample(post, N, 3e9, 1e8, seed=0, widen=False)
    shift = np.median(np.log(y), 0) - np.median(np.log(y0), 0)
    np.testing.assert_allclose(shift, [0.0, -0.05, -0.10], atol=1e-3)
    # its JSON round trip, and a calibration written before the drift existed reads as 0
    assert Calibration.from_json(c.to_json()) == c
    old = json.loads(c.to_json())
    del old["bias"]
    assert Calibration.from_json(json.dumps(old)).bias == 0.0


def test_stacked_folds_refit_only_the_weighted_laws():
    from bayeslaw.fit.backtest import stacked_laws

    post = SimpleNamespace(names=("a", "b", "c"),
                           weight_of=lambda: {"a": 0.7, "b": 0.295, "c": 0.005})
    assert stacked_laws(post) == ("a", "b")
    assert stacked_laws(SimpleNamespace(law=SimpleNamespace(name="a"))) == ("a",)


def test_fit_cache_reuses_a_fit_of_the_same_inputs(tmp_path):
    from dataclasses import replace

    from bayeslaw.fit.fitter import fit_key, fitter

    runs = simulate(get("chinchilla"), TRUTH["chinchilla"], n=32, seed=4, noise=0.01,
                    frac_special=0.0)
    kw = {"n_starts": 1}
    fit = fitter("lbfgs", kw, tmp_path)
    a = fit(runs, "chinchilla")
    (path,) = tmp_path.iterdir()
    assert path.name == f"chinchilla-{fit_key(runs, 'chinchilla', 'lbfgs', kw)}.nc"
    b = fit(runs, "chinchilla")  # read back, not refitted
    np.testing.assert_array_equal(a.draws.params["E"], b.draws.params["E"])
    assert len(list(tmp_path.iterdir())) == 1
    moved = [replace(runs[0], loss=runs[0].loss * 1.01), *runs[1:]]
    assert fit_key(moved, "chinchilla", "lbfgs", kw) != fit_key(runs, "chinchilla", "lbfgs", kw)
    assert fit_key(runs, "chinchilla", "lbfgs", {"n_starts": 2}) != \
        fit_key(runs, "chinchilla", "lbfgs", kw)
