"""The report of a tiny real fit, end to end through the CLI: every section, no
external reference, a screenshot in headless chromium, and the errors users meet.

One fit (2 chains x 50 draws) and one report for the whole module, to stay fast.
"""

import importlib.util
import json

import numpy as np
import pytest

from bayeslaw.cli.main import main
from bayeslaw.runs import RunStore
from tests.report.conftest import simulate_runs
from tests.report.helpers import CHROMIUM, assert_all_sections, external_references, screenshot

# The planner and the suggester are built in parallel; until they are installed the
# report says so in their sections (checked below) instead of failing.
HAVE_PLAN = importlib.util.find_spec("bayeslaw.plan") is not None
HAVE_SUGGEST = importlib.util.find_spec("bayeslaw.suggest") is not None


# The tiny fit (2 chains x 50 draws, to keep the suite fast) fails the convergence
# checks by design; tests/fit/test_gate.py covers the refusal.
REPORT = ["report", "--allow-unconverged"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from bayeslaw.fit import fit

    tmp = tmp_path_factory.mktemp("report_fit")
    runs = simulate_runs(domains=("foldoc",))
    with RunStore(tmp / "runs.db") as store:
        store.add(runs)
    post = fit(runs, "domain_gap", chains=2, warmup=100, samples=50, seed=0, escalate=0)
    post.save(tmp / "post.nc")
    return tmp, runs


@pytest.fixture(scope="module")
def cli_report(fitted):
    tmp, runs = fitted
    out = tmp / "report.html"
    code = main([*REPORT, "--posterior", str(tmp / "post.nc"), "--store", str(tmp / "runs.db"),
                 "--suggest", "2", "--out", str(out), "--json"])
    return code, out, runs


def test_cli_writes_every_section_self_contained(cli_report, capsys):
    code, out, runs = cli_report
    assert code == 0
    html = out.read_text()
    assert_all_sections(html)
    assert external_references(html) == []
    # the runs table lists every run the posterior was fitted to
    assert all(r.run_id in html for r in runs)
    # real planner and suggester output, or a note that says which part is missing
    assert ("The planner is not available" in html) == (not HAVE_PLAN)
    assert ("The suggester is not available" in html) == (not HAVE_SUGGEST)
    if HAVE_PLAN:
        assert "recommended" in html and "specialists from scratch" in html


def test_cli_json_describes_the_report(fitted, tmp_path, capsys):
    tmp, runs = fitted
    out = tmp_path / "r.md"
    cmp = tmp_path / "compare.json"  # as saved from `bayeslaw compare --json`
    cmp.write_text(json.dumps({"laws": [{"law": "domain_gap", "elpd_loo": 90.0, "se": 3.0,
                                         "holdout_rel_error": 0.02,
                                         "holdout_coverage90": 0.8}]}))
    code = main([*REPORT, "--posterior", str(tmp / "post.nc"), "--store", str(tmp / "runs.db"),
                 "--suggest", "0", "--budget", "1e14", "--compare", str(cmp), "--out", str(out),
                 "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["out"] == str(out)
    assert "held-out 90% coverage" in out.read_text()
    ids = [s["id"] for s in doc["sections"]]
    assert ids[:2] == ["summary", "provenance"] and ids[-1] == "suggestions" and len(ids) == 12
    assert all((out.parent / f).exists() for f in doc["files"])
    if not HAVE_PLAN:
        return
    plan = next(s for s in doc["sections"] if s["id"] == "plan")
    rec = plan["tables"][0]["rows"][0]
    assert rec[0] == "recommended"
    N, D, Dp = rec[1], rec[2], rec[3]
    assert 6 * N * (D + Dp) == pytest.approx(1e14, rel=1e-3)  # the budget is spent
    assert all((out.parent / f).exists() for f in doc["files"])


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_cli_report_renders_in_chromium(cli_report, tmp_path):
    from PIL import Image

    _, out, _ = cli_report
    png = screenshot(out, tmp_path / "report.png", height=12000)
    img = np.asarray(Image.open(png).convert("L"))
    ink_rows = np.where((img < 200).any(axis=1))[0]
    assert ink_rows.max() > 6000  # eleven sections with figures make a long page


@pytest.mark.parametrize("extra,message", [
    (["--budget", "1e9"], "is below the smallest run"),
    (["--domain", "law"], "domain 'law' is not in the posterior"),
])
def test_user_errors_exit_2_with_one_line(fitted, tmp_path, capsys, extra, message):
    tmp, _ = fitted
    code = main([*REPORT, "--posterior", str(tmp / "post.nc"), "--store", str(tmp / "runs.db"),
                 "--out", str(tmp_path / "r.html"), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_a_netcdf_that_is_not_a_posterior(tmp_path, capsys):
    import xarray as xr

    path = tmp_path / "other.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(path, engine="h5netcdf")
    code = main(["report", "--posterior", str(path), "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not a bayeslaw posterior file" in err


def test_max_draws_thins_draws_and_noise_alike(fitted):
    from bayeslaw.fit.diagnostics import UnconvergedWarning
    from bayeslaw.fit.posterior import Posterior
    from bayeslaw.flow.gather import report_inputs

    tmp, runs = fitted
    post = Posterior.load(tmp / "post.nc")
    kw = {"budget": 1e20, "k": 2, "allow_unconverged": True}  # the tiny fit (see REPORT)
    with pytest.warns(UnconvergedWarning):
        full = report_inputs(post, runs, **kw)
    with pytest.warns(UnconvergedWarning):
        thin = report_inputs(post, runs, max_draws=30, **kw)
    assert full.draws.n_draws == 100 and thin.draws.n_draws == 30
    assert len(thin.draws.noise["sigma"]) == 30
    # evenly spaced: the first and last draws are kept, in order
    np.testing.assert_array_equal(thin.draws.params["alpha"][[0, -1]],
                                  full.draws.params["alpha"][[0, -1]])
    assert thin.plan is not None and thin.plan["recommended"]["params"] > 0


@pytest.mark.skipif(not HAVE_PLAN, reason="needs bayeslaw.plan")
@pytest.mark.filterwarnings("ignore::bayeslaw.fit.diagnostics.UnconvergedWarning")
def test_a_given_plan_is_shown_not_made_again(fitted):
    """``plan=`` (``bayeslaw report --plan plan.json``): the report shows that document (a
    marked copy comes through), takes its budget and k, and refuses one of another request."""
    from bayeslaw.errors import BayeslawError
    from bayeslaw.fit.posterior import Posterior
    from bayeslaw.flow.gather import report_inputs
    from bayeslaw.plan import plan

    tmp, runs = fitted
    post = Posterior.load(tmp / "post.nc")
    doc = plan(post.draws, 1e20, 2, domains=["foldoc"]).to_dict()
    doc["recommended"] = {**doc["recommended"], "params": 12345.0}
    got = report_inputs(post, runs, plan=doc, allow_unconverged=True)
    assert got.plan["recommended"]["params"] == 12345.0
    assert (got.budget, got.k, got.domains) == (1e20, 2, ["foldoc"])
    with pytest.raises(BayeslawError, match="not of this report"):
        report_inputs(post, runs, budget=2e20, plan=doc, allow_unconverged=True)
