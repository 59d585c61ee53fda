"""Stacking over laws: weights, the mixture's draws, its file, its plan and predictive.

Two laws fitted to runs simulated from domain_gap, with the NUTS settings of
test_recovery.py (80 runs, one domain, 2 chains x 250 + 250) so that a suite run reuses
its compiled sampler.
"""

import json

import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.fit import fit, predict
from bayeslaw.fit.files import load
from bayeslaw.fit.posterior import Posterior
from bayeslaw.fit.stack import INDEX, allocate, stack
from bayeslaw.laws import get
from bayeslaw.plan import plan
from tests.fit.sim import TRUTH, simulate

# Test-sized chains (2 x 250) need not pass the convergence gate; the tests that use
# them say so with allow_unconverged, which warns.
pytestmark = pytest.mark.filterwarnings("ignore::bayeslaw.fit.diagnostics.UnconvergedWarning")


@pytest.fixture(scope="module")
def runs():
    return simulate(get("domain_gap"), TRUTH["domain_gap"], n=80, seed=1)


@pytest.fixture(scope="module")
def posts(runs):
    return {law: fit(runs, law, chains=2, warmup=250, samples=250, seed=1, escalate=0)
            for law in ("chinchilla", "domain_gap")}


def test_true_law_gets_the_weight(posts):
    # Data from domain_gap with a gap G = 0.4 that D' closes: chinchilla (tokens alike
    # wherever spent) cannot fit it, so stacking must put (almost) all weight on the truth.
    s = stack(list(posts.values()))
    assert s.weight_of()["domain_gap"] > 0.95, s.weight_of()
    assert np.isclose(s.weights.sum(), 1.0)


def test_mixture_draws_follow_the_weights(posts):
    s = stack(list(posts.values()), weights=[0.25, 0.75], n_draws=400)
    k = s.component_of_draw()
    assert np.bincount(k).tolist() == [100, 300]
    d = s.draws
    np.testing.assert_array_equal(d.params["domain_gap.alpha"][k == 1],
                                  posts["domain_gap"].draws.params["alpha"][
                                      np.floor(np.arange(300) * 500 / 300).astype(int)])
    assert np.isfinite(d.params["chinchilla.alpha"]).all()  # filled, never used
    assert len(s.noise["sigma"]) == 400 and INDEX in s.law.params


def test_allocate_counts():
    assert allocate(np.array([0.5, 0.3, 0.2]), 7).tolist() == [4, 2, 1]
    assert allocate(np.array([1.0, 0.0]), 5).tolist() == [5, 0]


def test_one_weight_plan_equals_single_law_plan(posts):
    single = posts["domain_gap"]
    s = stack(list(posts.values()), weights=[0.0, 1.0])
    assert (s.component_of_draw() == 1).all()
    a, b = plan(s.draws, 1e21, 2), plan(single.draws, 1e21, 2)  # same draws, in order
    assert a.recommended.params == pytest.approx(b.recommended.params, rel=1e-9)
    assert a.recommended.pretrain_share == pytest.approx(b.recommended.pretrain_share, abs=1e-9)
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-12)
    np.testing.assert_allclose(a.per_draw.loss, b.per_draw.loss, rtol=1e-12)


def test_mixture_predictive_spans_both_laws(posts):
    s = stack(list(posts.values()), weights=[0.5, 0.5])
    far = (3e10, 3e11, 3e10)  # 3x beyond the runs in N, D and D'
    q = {n: predict(p, *far, allow_unconverged=True)["mean_curve"]["q50"] for n, p in posts.items()}
    mix = predict(s, *far, allow_unconverged=True)["mean_curve"]
    assert min(q.values()) - 1e-9 <= mix["q50"] <= max(q.values()) + 1e-9
    bands = [predict(p, *far, allow_unconverged=True)["mean_curve"] for p in posts.values()]
    assert mix["q95"] - mix["q05"] >= min(b["q95"] - b["q05"] for b in bands)


def test_file_round_trip(posts, runs, tmp_path):
    from bayeslaw.fit.calibration import Box, Calibration

    c = Calibration(0.02, 1.5, Box((1.0,) * 4, (2.0,) * 4), 30, 3, 0.1, "nuts")
    s = stack(list(posts.values())).with_calibration(c)
    path = tmp_path / "stack.nc"
    s.save(path)
    back = load(path)
    assert back.names == ("chinchilla", "domain_gap") and back.calibration == c
    np.testing.assert_allclose(back.weights, s.weights)
    assert set(back.run_ids) == {r.run_id for r in runs}
    for k, v in s.draws.params.items():
        np.testing.assert_array_equal(back.draws.params[k], v)
    attrs = back.components[1].idata.posterior.attrs  # each law keeps its provenance
    assert attrs["law"] == "domain_gap" and json.loads(attrs["versions"])["numpyro"]
    with pytest.raises(BayeslawError, match="stacked posterior"):
        Posterior.load(path)
    posts["chinchilla"].save(tmp_path / "a.nc")
    posts["domain_gap"].save(tmp_path / "b.nc")
    both = load([str(tmp_path / "a.nc"), str(tmp_path / "b.nc")])
    np.testing.assert_allclose(both.weights, stack(list(posts.values())).weights)


def test_stacking_refuses_mismatched_fits(posts, runs):
    with pytest.raises(BayeslawError, match="distinct laws"):
        stack([posts["domain_gap"], posts["domain_gap"]])
    point = Posterior(posts["chinchilla"].idata.sel(draw=[0], chain=[0]))
    with pytest.raises(BayeslawError, match="needs posterior draws"):
        stack([point, posts["domain_gap"]])


def test_cli_fit_stack_then_plan_and_predict(runs, posts, tmp_path, capsys):
    # In process, with the fixture's settings, so the compiled samplers are reused.
    from bayeslaw.cli.main import main
    from bayeslaw.runs.store import RunStore

    db = tmp_path / "runs.db"
    with RunStore(db) as s:
        s.add(runs)
    out = tmp_path / "stack.nc"
    assert main(["fit", "--store", str(db), "--law", "stack", "--laws", "chinchilla,domain_gap",
                 "--chains", "2", "--warmup", "250", "--samples", "250", "--seed", "1",
                 "--escalate", "0", "--no-calibrate", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["laws"]) == {"chinchilla", "domain_gap"} and doc["calibration"] is None
    assert doc["weights"]["domain_gap"] > 0.95
    assert main(["plan", "--posterior", str(out), "--budget", "1e21", "--domains", "2",
                 "--allow-unconverged", "--json"]) == 0
    plan_doc = json.loads(capsys.readouterr().out)
    assert plan_doc["stack"]["weights"] == doc["weights"] and plan_doc["n_draws"] == 500
    assert main(["predict", "--posterior", str(out), "--params", "1e9", "--pretrain-tokens",
                 "2e10", "--allow-unconverged", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loss"]["q50"] > 0
    # a calibrated file: the plan's recommended loss band widens beyond the runs
    from bayeslaw.fit.calibration import Box, Calibration

    box = Box.of([r.params for r in runs], [r.pretrain_tokens for r in runs],
                 [r.specialize_tokens for r in runs])
    load(out).with_calibration(Calibration(0.05, 1.0, box)).save(tmp_path / "cal.nc")
    assert main(["plan", "--posterior", str(tmp_path / "cal.nc"), "--budget", "1e23",
                 "--domains", "2", "--allow-unconverged", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)["recommended"]
    wide, narrow = rec["loss_interval_calibrated"], rec["loss_interval"]
    assert wide["q95"] - wide["q05"] > 1.5 * (narrow["q95"] - narrow["q05"])


def test_diagnostics_merge_the_laws(posts):
    s = stack(list(posts.values()))
    d = s.diagnostics()
    one = {n: p.diagnostics() for n, p in posts.items()}
    assert d.r_hat["domain_gap.gamma"] == one["domain_gap"].r_hat["gamma"]
    assert d.divergences == sum(x.divergences for x in one.values())
    assert d.ok == all(x.ok for x in one.values())
