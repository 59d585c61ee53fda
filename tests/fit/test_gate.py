"""The convergence gate: an unconverged posterior is refused by the API and the CLI
(exit 2, naming the failing symbols), and allowed only explicitly (a warning, and
``diagnostics.ok = false`` in the JSON). The posteriors are built from chains drawn
here (no sampler, no compilation): two chains that agree, and two that do not."""

import json

import numpy as np
import pytest

from bayeslaw.cli.main import main
from bayeslaw.errors import BayeslawError
from bayeslaw.fit import Posterior, predict
from bayeslaw.fit import data as fit_data
from bayeslaw.fit.diagnostics import Thresholds, UnconvergedError, UnconvergedWarning, convergence
from bayeslaw.fit.posterior import build, provenance
from bayeslaw.laws import get
from tests.fit.sim import TRUTH, simulate

LAW = get("chinchilla")


def chains(shift: float, draws: int, law: str = "domain_gap", seed: int = 0) -> Posterior:
    """Two chains of iid draws around the truth; chain 1 moved by ``shift`` (relative)
    on alpha and E, so that R-hat sees them disagree."""
    rng = np.random.default_rng(seed)
    law = get(law)
    runs = simulate(law, TRUTH[law.name], n=20, seed=0)
    fdata = fit_data.from_runs(runs, law, None)
    offset = np.array([0.0, shift])[:, None]
    samples = {}
    for p, v in {**TRUTH[law.name], "sigma": 0.005, "nu": 20.0}.items():
        moved = offset if p in ("alpha", "E") else 0.0
        x = v * np.exp(0.01 * rng.standard_normal((2, draws)) + moved)
        samples[p] = x[..., None] if p in law.domain_params else x
    stats = {"diverging": np.zeros((2, draws), dtype=bool)}
    attrs = provenance(law, "", fdata.run_ids, fdata.domains, method="nuts", seed=0)
    return build(law, fdata, samples, stats, np.zeros((2, draws, len(runs))), attrs)


@pytest.fixture(scope="module")
def good():
    return chains(0.0, 2000, law="chinchilla")


@pytest.fixture(scope="module")
def bad():
    return chains(0.05, 20)  # 40 draws, as tests/cli/test_plan_cli.py's (one compile)


def test_convergence_names_the_failing_symbols(good, bad):
    assert good.convergence.ok and good.convergence.failing == {}
    c = bad.convergence
    assert not c.ok and {"alpha", "E"} <= set(c.failing)
    assert c.failing["alpha"]["r_hat"] > 1.5  # chains 5 sd apart
    assert c.failing["beta"].keys() == {"ess_bulk", "ess_tail"}  # 40 draws < 200
    text = c.describe()
    assert "alpha (R-hat" in text and "ESS >= 200" in text
    assert json.loads(json.dumps(c.to_dict()))["ok"] is False


def test_divergences_fail_and_thresholds_are_validated(good):
    c = convergence(good)
    object.__setattr__(c, "divergences", 3)
    assert not c.ok and "3 divergent transitions" in c.describe()
    for bad_kw in ({"r_hat": 1.0}, {"ess_per_chain": 0}, {"divergences": -1}):
        with pytest.raises(BayeslawError):
            Thresholds(**bad_kw)


def test_api_refuses_or_warns(good, bad):
    assert good.checked_draws().n_draws == 4000
    with pytest.raises(UnconvergedError, match="alpha"):
        bad.checked_draws()
    with pytest.raises(UnconvergedError, match="has not converged"):
        predict(bad, 1e9, 1e10)
    with pytest.warns(UnconvergedWarning, match="alpha"):
        assert bad.checked_draws(allow_unconverged=True).n_draws == 40


def test_plan_cli_refuses_then_allows(bad, tmp_path, capsys):
    path = str(tmp_path / "bad.nc")
    bad.save(path)
    args = ["plan", "--posterior", path, "--budget", "1e21", "--json"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "alpha (R-hat" in err and "--allow-unconverged" in err and "--warmup" in err
    assert main([*args, "--allow-unconverged"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["diagnostics"]["ok"] is False and "alpha" in doc["diagnostics"]["failing"]
    assert "warning: the posterior has not converged" in out.err


def test_report_banner():
    from bayeslaw.report.build import unconverged_banner
    from bayeslaw.report.html import render_html
    from bayeslaw.report.model import Report

    conv = {"ok": False, "failing": {"E": {"r_hat": 1.12}}, "divergences": 2}
    banner = unconverged_banner(conv)
    assert len(banner) == 1 and "E (R-hat 1.12" in banner[0] and "2 divergent" in banner[0]
    assert unconverged_banner({"ok": True, "failing": {}}) == []
    page = render_html(Report("t", [], banner=banner))
    assert page.index('id="unconverged"') < page.index("<nav>")


def test_fit_escalates_once_with_twice_the_draws(monkeypatch):
    """The sampler is replaced by one that returns chains that disagree (and diverge)
    on the first call and agree on the second: fit samples again, with twice the
    warmup and draws and a higher target acceptance, and records it."""
    from bayeslaw.fit import fit, nuts

    calls = []

    def fake_run(model, data, y, *, chains, warmup, samples, seed, target_accept, **kw):
        calls.append((warmup, samples, seed, target_accept))
        post = chains_of(0.05 if len(calls) == 1 else 0.0, samples, seed)
        grouped = {k: post.idata.posterior[k].values for k in [*LAW.params, "sigma", "nu"]}
        shape = (2, samples)
        stats = {"diverging": np.arange(2 * samples).reshape(shape) < 3 * (len(calls) == 1),
                 "energy": np.random.default_rng(seed).normal(size=shape),
                 "num_steps": np.full(shape, 7), "accept_prob": np.full(shape, 0.9),
                 "potential_energy": np.zeros(shape)}
        return nuts.NutsResult(grouped, stats, "vectorized")

    def chains_of(shift, draws, seed):
        return chains(shift, draws, law="chinchilla", seed=seed)

    monkeypatch.setattr(nuts, "run", fake_run)
    runs = simulate(LAW, TRUTH["chinchilla"], n=20, seed=0)
    post = fit(runs, "chinchilla", chains=2, warmup=10, samples=200, seed=4)
    assert calls == [(10, 200, 4, 0.9), (20, 400, 5, 0.95)]
    assert post.convergence.ok and post.attrs["escalations"] == 1
    assert post.attrs["warmup"] == 20 and post.attrs["samples"] == 400
    calls.clear()
    post = fit(runs, "chinchilla", chains=2, warmup=10, samples=200, seed=4, escalate=0)
    assert len(calls) == 1 and not post.convergence.ok and post.attrs["escalations"] == 0


def test_fit_resumes_chains_that_only_need_more_draws(monkeypatch):
    """Chains that agree but are too short (ESS below the threshold, no divergences)
    are continued from where they stopped, not restarted: the second call resumes with
    the same settings and the posterior holds the draws of both; not so when they ran
    at NUTS's maximum tree depth."""
    from bayeslaw.fit import fit, nuts

    calls = []

    steps = [7]

    def fake_run(model, data, y, *, chains, warmup, samples, seed, target_accept,
                 resume=False, **kw):
        calls.append((warmup, samples, seed, target_accept, resume))
        post = chains_of_law(samples, seed)
        grouped = {k: post.idata.posterior[k].values for k in [*LAW.params, "sigma", "nu"]}
        shape = (2, samples)
        stats = {"diverging": np.zeros(shape, dtype=bool),
                 "energy": np.random.default_rng(seed).normal(size=shape),
                 "num_steps": np.full(shape, steps[0]), "accept_prob": np.full(shape, 0.9),
                 "potential_energy": np.full(shape, float(seed))}
        return nuts.NutsResult(grouped, stats, "vectorized")

    def chains_of_law(draws, seed):
        return chains(0.0, draws, law="chinchilla", seed=seed)

    monkeypatch.setattr(nuts, "run", fake_run)
    runs = simulate(LAW, TRUTH["chinchilla"], n=20, seed=0)
    post = fit(runs, "chinchilla", chains=2, warmup=10, samples=80, seed=4)
    assert calls == [(10, 80, 4, 0.9, False), (10, 80, 5, 0.9, True)]
    assert post.attrs["escalations"] == 1  # escalate=1: the resumed chains are final
    assert post.attrs["warmup"] == 10 and post.attrs["samples"] == 160
    lp = post.idata.sample_stats["lp"].values
    assert lp.shape == (2, 160) and (lp[:, :80] == -4).all() and (lp[:, 80:] == -5).all()
    # Chains at the maximum tree depth: the adaptation failed, they start again.
    calls.clear()
    steps[0] = 1023
    post = fit(runs, "chinchilla", chains=2, warmup=10, samples=80, seed=4)
    assert calls == [(10, 80, 4, 0.9, False), (20, 160, 5, 0.9, False)]
    assert post.attrs["samples"] == 160


def test_fit_samples_the_domains_non_centred_after_divergences(monkeypatch):
    """The first attempt samples each per-domain latent with the centring chosen from
    the mode (c_d > 0); after divergences the restart samples them all non-centred
    (c_d = 0). Sampler and posterior are stand-ins: only the data the sampler gets are
    checked."""
    from types import SimpleNamespace

    from bayeslaw.fit import bayes, fit, nuts

    seen = []

    def fake_run(model, data, y, *, chains, samples, **kw):
        seen.append({k: np.asarray(v) for k, v in data.items() if k.startswith("centring_")})
        shape = (chains, samples)
        return nuts.NutsResult({}, {"num_steps": np.full(shape, 7),
                                    "potential_energy": np.zeros(shape)}, "vectorized")

    diverged = SimpleNamespace(convergence=SimpleNamespace(ok=False, divergences=3))
    monkeypatch.setattr(nuts, "run", fake_run)
    monkeypatch.setattr(bayes, "log_lik_grid", lambda *a: None)
    monkeypatch.setattr(bayes, "_prior_predictive", lambda *a: np.zeros((1, 1, 1)))
    monkeypatch.setattr(bayes, "build", lambda *a: diverged)
    law = get("domain_gap")
    runs = [*simulate(law, TRUTH["domain_gap"], n=20, seed=0, domain="a"),
            *simulate(law, TRUTH["domain_gap"], n=20, seed=1, domain="b")]
    assert fit(runs, law, chains=2, warmup=10, samples=20, seed=0) is diverged
    first, second = seen
    assert set(first) == {f"centring_{p}" for p in law.domain_params} == set(second)
    assert all((c > 0).all() and c.shape == (2,) for c in first.values())
    assert all((c == 0).all() for c in second.values())
