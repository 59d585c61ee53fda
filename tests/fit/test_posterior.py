"""Posterior files, draws, noise, diagnostics and prediction, on one small 2-domain fit."""

import json

import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.fit import Posterior, fit, predict
from bayeslaw.laws import get
from tests.fit.sim import TRUTH, simulate

# The small fit (2 chains x 100 draws, to keep the suite fast) may fail the convergence
# checks; prediction is tested here, the refusal in test_gate.py.
pytestmark = pytest.mark.filterwarnings("ignore::bayeslaw.fit.diagnostics.UnconvergedWarning")
ALLOW = {"allow_unconverged": True}


@pytest.fixture(scope="module")
def runs():
    law = get("domain_gap")
    web = simulate(law, TRUTH["domain_gap"], n=40, seed=5, domain="web")
    code = simulate(law, {**TRUTH["domain_gap"], "G": 0.8}, n=12, seed=6, domain="code")
    return web + code


@pytest.fixture(scope="module")
def post(runs):
    return fit(runs, "domain_gap", chains=2, warmup=150, samples=100, seed=3, escalate=0)


def test_start_centres_the_domain_with_more_runs_more(runs, post):
    """The partial centring (bayeslaw.fit.start.centring) follows how tightly the data
    pin each domain: web (40 runs) more centred than code (12 runs), all in (0, 1)."""
    from bayeslaw.fit import data as fit_data
    from bayeslaw.fit import priors as fit_priors
    from bayeslaw.fit.start import start

    law = get("domain_gap")
    st = start(law, fit_data.from_runs(runs, law), fit_priors.resolve())
    for p in ("E", "G"):
        c = st[f"centring_{p}"]  # (code, web)
        assert 0 < c[0] < c[1] < 1, (p, c)


def test_draws_shapes_and_units(post):
    d = post.draws
    assert post.domains == ("code", "web") and d.n_draws == 200
    assert d.params["E"].shape == (200, 2) and d.params["alpha"].shape == (200,)
    assert post.noise["sigma"].shape == (200,) and post.noise["nu"].shape == (200,)
    assert np.median(d.params["A"]) > 50  # absolute units, not the centred latent
    g = np.median(d.params["G"], axis=0)
    assert g[0] > g[1]  # code has the larger gap


def test_save_load_round_trip(post, runs, tmp_path):
    path = tmp_path / "p.nc"
    post.save(path)
    back = Posterior.load(path)
    assert back.law.name == "domain_gap" and back.domains == post.domains
    assert set(back.run_ids) == {r.run_id for r in runs}
    for k, v in post.draws.params.items():
        np.testing.assert_array_equal(back.draws.params[k], v)
    attrs = back.idata.posterior.attrs
    assert "[alpha]" in attrs["priors"] and json.loads(attrs["versions"])["numpyro"]
    assert attrs["seed"] == 3 and attrs["created_at"]


def test_load_rejects_other_files(tmp_path):
    text = tmp_path / "x.nc"
    text.write_text("hello")
    with pytest.raises(BayeslawError, match="not a bayeslaw posterior file"):
        Posterior.load(text)
    import xarray as xr

    other = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", np.arange(3.0))}).to_netcdf(other, engine="h5netcdf")
    with pytest.raises(BayeslawError, match="not a bayeslaw posterior file"):
        Posterior.load(other)
    with pytest.raises(BayeslawError, match="no posterior file"):
        Posterior.load(tmp_path / "missing.nc")


def test_diagnostics_report(post):
    d = post.diagnostics()
    assert set(d.r_hat) >= {"alpha", "beta", "G", "sigma"}
    assert all(np.isfinite(v) for v in d.ess_bulk.values())
    assert len(d.bfmi) == 2 and d.divergences >= 0
    assert 0.7 <= d.ppc_coverage90 <= 1.0
    assert d.prior_coverage == pytest.approx(1.0)


def test_predict_bands(post):
    out = predict(post, 1e9, 1e10, 1e9, domain="web", **ALLOW)
    q = out["loss"]
    assert q["q05"] < q["q25"] < q["q50"] < q["q75"] < q["q95"]
    c = out["mean_curve"]
    assert q["q05"] <= c["q05"] <= c["q50"] <= c["q95"] <= q["q95"]
    truth = float(get("domain_gap").loss(TRUTH["domain_gap"], 1e9, 1e10, 1e9))
    assert c["q05"] * 0.99 < truth < c["q95"] * 1.01


def test_predict_arrays_follow_the_law(post):
    N = np.array([1e7, 1e8, 1e9])
    med = predict(post, N, 1e10, 0.0, domain="code", **ALLOW)["mean_curve"]["q50"]
    assert med.shape == (3,) and np.all(np.diff(med) < 0)


def test_predict_needs_a_domain_when_several(post):
    with pytest.raises(BayeslawError, match="several domains"):
        predict(post, 1e9, 1e10, 0.0, **ALLOW)
    with pytest.raises(BayeslawError, match="not in the posterior"):
        predict(post, 1e9, 1e10, 0.0, domain="law", **ALLOW)


def test_split_and_extrapolation(post, runs):
    from bayeslaw.fit.comparison import extrapolation, split_by_compute

    train, test = split_by_compute(runs, 0.25)
    assert len(test) == 13 and max(r.flops for r in train) <= min(r.flops for r in test)
    res = extrapolation(post, test)
    assert res["n_holdout"] == 13 and res["holdout_rel_error"] < 0.02
    assert res["holdout_coverage90"] >= 0.6
    with pytest.raises(BayeslawError, match="holdout"):
        split_by_compute(runs, 1.5)


def test_population_of_domains_is_stored_in_the_fit_latents(post, runs, tmp_path):
    """The population (u_d = mu + sd z_d) round-trips, and its link and offset are those
    of the fit: each measured domain's latent, log(theta_d) minus its reference scale,
    standardized by the population's mu and sd, is a plausible N(0, 1) draw."""
    path = tmp_path / "p.nc"
    post.save(path)
    pop, back = post.draws.population, Posterior.load(path).draws.population
    assert pop is not None and set(pop.mu) == {"E", "G", "S"}
    for p in pop.mu:
        np.testing.assert_array_equal(back.mu[p], pop.mu[p])
        np.testing.assert_array_equal(back.sd[p], pop.sd[p])
        assert (pop.sd[p] > 0).all()
    loss = np.array([r.loss for r in runs])
    dp = np.array([r.specialize_tokens for r in runs], float)
    assert pop.offset["E"] == pytest.approx(np.log(np.median(loss)))
    assert pop.offset["S"] == pytest.approx(np.log(dp[dp > 0]).mean())
    for j, dom in enumerate(post.domains):
        ref = {"E": np.log(np.median([r.loss for r in runs if r.domain == dom])),
               "G": np.log(np.median([r.loss for r in runs if r.domain == dom])),
               "S": pop.offset["S"]}
        for p in pop.mu:
            z = (np.log(post.draws.params[p][:, j]) - ref[p] - pop.mu[p]) / pop.sd[p]
            assert np.abs(z).mean() < 3, (dom, p)


def test_posterior_predictive_group_serves_arviz(post, runs, tmp_path):
    from bayeslaw.fit._arviz import az

    pp = post.idata.posterior_predictive["log_loss"]
    obs = post.idata.observed_data["log_loss"]
    assert pp.dims == ("chain", "draw", "run") and pp.shape == (2, 100, len(runs))
    assert list(pp["run"].values) == list(obs["run"].values)
    lo, hi = np.percentile(pp.values.reshape(-1, len(runs)), [5, 95], axis=0)
    assert 0.7 <= np.mean((obs.values >= lo) & (obs.values <= hi)) <= 1.0
    pit = az.loo_pit(post.idata, y="log_loss")
    assert pit.shape == (len(runs),) and np.all((pit >= 0) & (pit <= 1))
    post.save(tmp_path / "p.nc")
    back = Posterior.load(tmp_path / "p.nc").idata.posterior_predictive["log_loss"]
    np.testing.assert_array_equal(back.values, pp.values)


def test_posterior_predictive_draws_the_observation_model(runs):
    from bayeslaw.fit.data import from_runs
    from bayeslaw.fit.posterior import posterior_predictive

    law = get("domain_gap")
    fdata = from_runs(runs, law)
    truth = TRUTH["domain_gap"]
    S = 2000  # one chain of draws all at the truth: replicates are mu + sigma t_nu
    samples = {p: np.full((1, S, len(fdata.domains)) if p in law.domain_params else (1, S),
                          float(truth[p])) for p in law.params}
    samples.update(sigma=np.full((1, S), 0.02), nu=np.full((1, S), 5.0))
    y = posterior_predictive(law, fdata, samples, seed=1)[0]
    cols = {p: (np.full(len(fdata.N), truth[p])) for p in law.params}
    mu = np.asarray(law.evaluate(cols, fdata.N, fdata.D, fdata.D_prime))
    z = (y - mu) / 0.02  # Student-t, 5 dof: mean 0, variance 5/3
    assert y.shape == (S, len(runs)) and abs(z.mean()) < 0.02
    assert z.var() == pytest.approx(5 / 3, rel=0.05)
