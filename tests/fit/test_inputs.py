"""Bad input gets a clear BayeslawError; priors resolve and override; the likelihood."""

import math

import numpy as np
import pytest
from scipy import stats

from bayeslaw.errors import BayeslawError
from bayeslaw.fit import fit, likelihood
from bayeslaw.fit.priors import DEFAULTS, resolve, to_toml
from bayeslaw.laws import get
from bayeslaw.runs.record import Run
from tests.fit.sim import TRUTH, simulate


@pytest.fixture(scope="module")
def runs():
    return simulate(get("chinchilla"), TRUTH["chinchilla"], n=20, seed=0)


def _fit(runs, **kw):
    return fit(runs, "chinchilla", chains=1, warmup=5, samples=5, escalate=0, **kw)


def test_too_few_runs(runs):
    with pytest.raises(BayeslawError, match="too few to fit domain_gap"):
        fit(runs[:8], "domain_gap")


def test_no_spread(runs):
    same_n = [Run(10**8, r.pretrain_tokens, 0, "web", r.loss) for r in runs]
    with pytest.raises(BayeslawError, match="same model size"):
        _fit(same_n)
    same_d = [Run(r.params, 10**9, 0, "web", r.loss) for r in runs]
    with pytest.raises(BayeslawError, match="same token count"):
        _fit(same_d)


def test_domain_without_runs(runs):
    with pytest.raises(BayeslawError, match="'code' has no completed runs"):
        _fit(runs, domains=["web", "code"])


def test_nan_loss(runs):
    bad = [*runs[1:], Run(10**8, 10**9, 0, "web", float("nan"))]
    with pytest.raises(BayeslawError, match="NaN"):
        _fit(bad)


def test_unknown_law(runs):
    with pytest.raises(BayeslawError, match="unknown law"):
        fit(runs, "kaplan")


def test_priors_resolve_and_override(tmp_path):
    assert resolve() == DEFAULTS
    path = tmp_path / "p.toml"
    path.write_text("[alpha]\nloc = -1.05\nscale = 0.3\n[nu]\nrate = 0.05\n")
    got = resolve(path)
    assert got["alpha"] == {"loc": -1.05, "scale": 0.3} and got["nu"]["rate"] == 0.05
    assert got["beta"] == DEFAULTS["beta"]
    import tomllib

    assert tomllib.loads(to_toml(got)) == got


@pytest.mark.parametrize("bad, msg", [({"zeta": {"loc": 0}}, "unknown prior"),
                                      ({"alpha": {"scale": -1}}, "must be > 0"),
                                      ({"alpha": {"mean": 1}}, "takes the keys")])
def test_bad_priors(bad, msg):
    with pytest.raises(BayeslawError, match=msg):
        resolve(bad)


def test_bad_toml(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[alpha\n")
    with pytest.raises(BayeslawError, match="not valid TOML"):
        resolve(path)


def test_log_lik_is_student_t():
    from bayeslaw import _jax

    _jax.setup()  # float64, as every caller of the likelihood sets it (not test order)
    y, mu, s, nu = np.array([1.0, 1.1]), np.array([1.02, 1.0]), 0.01, 4.0
    got = np.asarray(likelihood.log_lik(y, mu, s, nu))
    np.testing.assert_allclose(got, stats.t.logpdf(y, nu, loc=mu, scale=s), rtol=1e-10)


def test_sample_obs_matches_scale():
    import jax

    x = np.asarray(likelihood.sample_obs(jax.random.PRNGKey(0), np.zeros(20000), 0.02, 1e4))
    assert x.shape == (20000,)
    assert abs(np.std(x) - 0.02) < 0.001 and abs(np.mean(x)) < 0.001
    assert math.isfinite(float(np.max(np.abs(x))))
