import json

import numpy as np
import pytest

from bayeslaw.cli import loop as loop_cli
from bayeslaw.cli import suggest as suggest_cli
from bayeslaw.cli.main import main
from bayeslaw.runs.store import RunStore
from tests.suggest.helpers import BUDGET, MENU, TRUTH, noise, perturbed

DRAWS = perturbed(S=400, scale=0.08, seed=4)
MENU_ARGS = ["--menu-params", *map(str, MENU.params), "--menu-pretrain-tokens",
             *map(str, MENU.pretrain_tokens), "--menu-specialize-tokens",
             *map(str, MENU.specialize_tokens)]


@pytest.fixture
def fake_posterior(monkeypatch):
    monkeypatch.setattr(suggest_cli, "load_posterior",
                        lambda args: (DRAWS.with_noise(noise(400)), {}))
    monkeypatch.setattr(loop_cli, "make_fitter",
                        lambda args: (lambda runs: DRAWS.with_noise(noise(400))))


def test_suggest_json_and_specs_file(fake_posterior, tmp_path, capsys):
    out = tmp_path / "specs.json"
    cap = 6 * 300_000 * 1_000_000
    RunStore(tmp_path / "r.db").close()  # suggest reads a store; it never creates one
    code = main(["suggest", "--posterior", "p.nc", "--budget", str(BUDGET), "--n", "3",
                 "--max-run-flops", str(cap), "--worlds", "16", "--store",
                 str(tmp_path / "r.db"), "--out", str(out), "--json", *MENU_ARGS])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["expected_regret"] > 0 and 1 <= len(result["specs"]) <= 3
    assert json.loads(out.read_text()) == result["specs"]
    for s in result["specs"]:
        assert set(s) >= {"params", "pretrain_tokens", "specialize_tokens", "domain", "parent",
                          "cost_flops", "score"}
        assert 6 * s["params"] * (s["pretrain_tokens"] + s["specialize_tokens"]) <= cap


def test_suggest_without_a_menu_or_runs_says_what_to_do(fake_posterior, tmp_path, capsys):
    RunStore(tmp_path / "r.db").close()
    code = main(["suggest", "--posterior", "p.nc", "--budget", "1e15", "--store",
                 str(tmp_path / "r.db")])
    assert code == 2
    assert "--menu-params" in capsys.readouterr().err


def test_loop_cli_simulates_and_resumes(fake_posterior, tmp_path, capsys):
    truth = tmp_path / "truth.toml"
    truth.write_text('law = "domain_gap"\n[theta]\n'
                     + "\n".join(f"{k} = {v}" for k, v in TRUTH.items()) + "\n")
    base = ["loop", "--budget", str(BUDGET), "--domains", "4", "--experiment-flops", "1e15",
            "--regret", "1e-9",
            "--n", "2", "--initial", "4", "--worlds", "256", "--truth", str(truth), "--store",
            str(tmp_path / "r.db"), "--state", str(tmp_path / "s.json"), "--json", *MENU_ARGS]
    assert main([*base, "--max-batches", "2"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*base, "--max-batches", "3"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["loop_id"] == first["loop_id"] and second["batch"] == 3
    with RunStore(tmp_path / "r.db") as store:
        keys = [(r.params, r.pretrain_tokens, r.specialize_tokens) for r in store.runs()]
    assert len(keys) == len(set(keys)) == 4 + 2 + 2


def test_loop_simulate_needs_a_truth(tmp_path, capsys):
    code = main(["loop", "--budget", "1e15", "--experiment-flops", "1e14", "--store",
                 str(tmp_path / "r.db")])
    assert code == 2 and "--truth" in capsys.readouterr().err


def test_table_shows_regret_removed_in_percent_and_the_shared_pretraining():
    from bayeslaw.cli.suggest import _table

    base = {"params": 335_712, "pretrain_tokens": 2_000_000, "domain": "code", "parent": None}
    first = {**base, "specialize_tokens": 800_000, "cost_flops": 1.6e12, "score": 2.5e-18,
             "value": 0.004, "after": None}
    second = {**base, "specialize_tokens": 0, "cost_flops": 0.0, "score": 2.5e-18,
              "value": 0.0, "after": 0, "narrowing": 0.0012}
    head, row1, row2 = _table({"specs": [first, second]}).splitlines()
    assert head.split()[-7:] == ["regret", "removed", "per", "PFLOP", "loss", "sd", "removed"]
    assert row1.split()[-5:] == ["-", "1.6e+12", "0.4%", "0.25%", "-"]
    assert row2.split()[-5:] == ["#1", "0", "0%", "0.25%", "0.12%"]


def test_suggest_on_a_settled_posterior_still_ranks_n_runs(monkeypatch, tmp_path, capsys):
    point = DRAWS.subset(np.zeros(DRAWS.n_draws, int))  # no doubt left: nothing to decide
    monkeypatch.setattr(suggest_cli, "load_posterior",
                        lambda args: (point.with_noise(noise(400)), {}))
    RunStore(tmp_path / "r.db").close()
    code = main(["suggest", "--posterior", "p.nc", "--budget", str(BUDGET), "--n", "4",
                 "--store", str(tmp_path / "r.db"), "--json", *MENU_ARGS])
    assert code == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["settled"] is True and result["n_valued"] == 0 and len(result["specs"]) == 4
    assert result["expected_regret_after"] == result["expected_regret"]
    lines = [x for x in err.splitlines() if x.startswith("settled:")]
    assert len(lines) == 1 and "4 runs listed" in lines[0]


def test_suggest_for_two_measured_and_two_new_domains(monkeypatch, tmp_path, capsys):
    from tests.test_population import _draws

    draws = _draws(60)  # domains a and b, with a fitted population
    monkeypatch.setattr(suggest_cli, "load_posterior",
                        lambda args: (draws.with_noise(noise(60)), {}))
    RunStore(tmp_path / "r.db").close()
    code = main(["suggest", "--posterior", "p.nc", "--budget", str(BUDGET), "--new-domains",
                 "2", "--n", "2", "--worlds", "16", "--store", str(tmp_path / "r.db"),
                 "--json", *MENU_ARGS])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["domains"] == 4 and result["expected_regret"] > 0
    assert result["specs"] and {s["domain"] for s in result["specs"]} <= {"a", "b"}


def test_loop_fits_the_stacked_mixture_of_comma_separated_laws(monkeypatch):
    """`loop --law a,b` refits the stacked mixture (the posterior bench_suggest shows the
    loop needs when the true law is in doubt); one name, the single law."""
    import argparse
    from types import SimpleNamespace

    import bayeslaw.fit as fit_pkg

    calls = []
    post = SimpleNamespace(draws="draws")
    monkeypatch.setattr(fit_pkg, "fit", lambda runs, law, **kw: calls.append(("fit", law)) or post,
                        raising=False)
    monkeypatch.setattr(fit_pkg, "fit_stack",
                        lambda runs, laws, **kw: calls.append(("stack", tuple(laws))) or post,
                        raising=False)
    args = argparse.Namespace(law="domain_gap, saturation", domain=None, chains=2, warmup=10,
                              samples=10, seed=0)
    assert loop_cli.make_fitter(args)([]) == "draws"
    args.law = "chinchilla"
    loop_cli.make_fitter(args)([])
    assert calls == [("stack", ("domain_gap", "saturation")), ("fit", "chinchilla")]
