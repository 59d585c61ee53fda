"""`bayeslaw plan`: JSON document, table, and one-line errors (exit 2).

The posterior file reader (bayeslaw.fit, issue 3) is replaced by a stand-in that
returns known draws, so this tests the command itself; the file round trip is the
fit's own test.
"""

from __future__ import annotations

import json
import sys
import types

import pytest

from bayeslaw.cli.main import main
from bayeslaw.draws import Draws
from tests.plan.helpers import DOMAIN_GAP, cloud
from tests.test_population import _draws as population_draws

REQUIRED = {"budget", "domains", "recommended", "intervals", "expected_regret", "baselines"}


@pytest.fixture
def posterior(monkeypatch):
    """A stand-in bayeslaw.fit whose load returns draws by file name."""
    files = {"one.nc": cloud(DOMAIN_GAP, 40, seed=0),
             "two.nc": cloud(dict(DOMAIN_GAP, G=[0.2, 0.8]), 40, seed=1, domains=("x", "y")),
             "point.nc": Draws.point("domain_gap", DOMAIN_GAP), "pop.nc": population_draws(40)}

    class Posterior:
        # the runs it was "fitted" to: the largest is 6 * 1e8 * (1e10 + 1e9) = 6.6e18 FLOPs
        runs = {"N": [1e7, 1e8], "D": [1e9, 1e10], "D_prime": [0.0, 1e9]}

        def group(self, name):
            return {"constant_data": self.runs}.get(name)

        def __init__(self, draws):
            self.draws = draws

        @classmethod
        def load(cls, path):
            return cls(files[path])

        def check_budget(self, budget):  # the real check is tested with a real file below
            pass

    monkeypatch.setitem(sys.modules, "bayeslaw.fit",
                        types.SimpleNamespace(load=lambda paths: Posterior.load(*paths)))


def test_json_has_the_issue_fields(posterior, capsys):
    assert main(["plan", "--posterior", "one.nc", "--budget", "1e21", "--domains", "4",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert REQUIRED <= set(doc)
    assert set(doc["recommended"]) >= {"params", "pretrain_tokens", "specialize_tokens",
                                       "pretrain_share", "loss"}
    for key in ("params", "pretrain_tokens", "specialize_tokens", "pretrain_share", "loss"):
        assert set(doc["intervals"][key]) == {"q05", "q25", "q50", "q75", "q95"}
    assert set(doc["baselines"]) == {"no_specialization", "from_scratch", "fixed_10pct"}
    r = doc["recommended"]
    assert abs(6 * r["params"] * (r["pretrain_tokens"] + 4 * r["specialize_tokens"]) / 1e21
               - 1) < 1e-9


def test_table_and_constraints(posterior, capsys):
    assert main(["plan", "--posterior", "two.nc", "--budget", "1e21", "--domain", "x",
                 "--domain", "y", "--model-sizes", "1e8,3e8,1e9"]) == 0
    out = capsys.readouterr().out
    assert "recommended" in out and "no_specialization" in out and "Expected regret" in out
    assert "D' per domain: x=" in out
    assert main(["plan", "--posterior", "point.nc", "--budget", "1e21", "--domains", "2",
                 "--params", "1e9", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recommended"]["params"] == 1e9 and doc["expected_regret"] < 1e-10


@pytest.mark.parametrize("args, message", [
    (["--posterior", "one.nc", "--budget", "1e9", "--params", "1e9"], "too small"),
    (["--posterior", "one.nc", "--budget", "1e21", "--pretrain-tokens", "2e10",
      "--max-pretrain-tokens", "1e10"], "contradictory"),
    (["--posterior", "two.nc", "--budget", "1e21", "--domain", "x", "--domain", "z"],
     "'z' is not in the posterior"),
])
def test_errors_are_one_line_exit_2(posterior, capsys, args, message):
    assert main(["plan", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_two_measured_domains_and_two_new(posterior, capsys):
    assert main(["plan", "--posterior", "pop.nc", "--budget", "1e15", "--domain", "a",
                 "--domain", "b", "--new-domains", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["k"] == 4 and doc["domains"] == ["a", "b", "new-1", "new-2"]
    assert set(doc["recommended"]["specialize_tokens_per_domain"]) == set(doc["domains"])
    assert main(["plan", "--posterior", "pop.nc", "--budget", "1e15", "--domains", "4",
                 "--json"]) == 0  # the same request by count
    assert json.loads(capsys.readouterr().out)["domains"] == doc["domains"]
    assert main(["plan", "--posterior", "two.nc", "--budget", "1e21", "--new-domains", "1"]) == 2
    err = capsys.readouterr().err
    assert "no population of domains" in err and "--new-domains" in err and "\n" not in err.strip()


def test_plan_from_a_real_lbfgs_posterior_file(tmp_path, capsys):
    """The point-estimate path end to end: L-BFGS fit (one draw) -> file -> bayeslaw plan."""
    from bayeslaw.fit.lbfgs import fit
    from tests.plan.test_recovery import simulate

    path = tmp_path / "lbfgs.nc"
    fit(simulate(0), law="domain_gap", n_starts=2).save(path)
    assert main(["plan", "--posterior", str(path), "--budget", "1e18", "--domains", "4",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    r = doc["recommended"]
    assert doc["n_draws"] == 1 and doc["expected_regret"] < 1e-10
    assert abs(6 * r["params"] * (r["pretrain_tokens"] + 4 * r["specialize_tokens"]) / 1e18
               - 1) < 1e-9
    assert main(["plan", "--posterior", str(path), "--budget", "1e6", "--domains", "4"]) == 2
    assert "below the smallest run" in capsys.readouterr().err


def test_a_budget_far_beyond_the_runs_warns_on_stderr_and_in_json(posterior, capsys):
    assert main(["plan", "--posterior", "one.nc", "--budget", "6.6e24", "--json"]) == 0
    captured = capsys.readouterr()
    ext = json.loads(captured.out)["extrapolation"]
    assert ext["compute_factor"] == pytest.approx(1e6) and ext["warn"]
    assert ext["params"]["where"] == "above" and ext["params"]["factor"] > 31.6
    assert "warning: compute 6.6e+24 FLOPs is 1e+06x the largest run" in captured.err
    assert main(["plan", "--posterior", "one.nc", "--budget", "6.6e19", "--json"]) == 0
    captured = capsys.readouterr()
    ext = json.loads(captured.out)["extrapolation"]
    assert ext["compute_factor"] == pytest.approx(10) and "compute" not in captured.err
