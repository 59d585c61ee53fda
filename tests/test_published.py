"""Zero-fit plans from published parameters (bayeslaw.published, bayeslaw plan --published)."""

from __future__ import annotations

import json

import pytest

from bayeslaw.cli.main import main
from bayeslaw.errors import BayeslawError
from bayeslaw.plan import plan
from bayeslaw.published import BUNDLED, load


def chinchilla_optimum(p: dict, budget: float) -> tuple[float, float]:
    """Hoffmann et al. 2022, eq. (4) with approach 3's law: minimizing
    E + A N^-alpha + B D^-beta on C = 6 N D gives N_opt = G (C/6)^a, D_opt = (C/6)/N_opt,
    a = beta / (alpha + beta), G = (alpha A / (beta B))^(1 / (alpha + beta))."""
    a = p["beta"] / (p["alpha"] + p["beta"])
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
    n = G * (budget / 6) ** a
    return n, budget / 6 / n


@pytest.mark.parametrize("name", ["hoffmann2022", "epoch2024"])
@pytest.mark.parametrize("budget", [1e21, 1e24])
def test_plan_matches_the_closed_form_optimum(name, budget):
    pub = load(name)
    result = plan(pub.draws(), budget, 1)
    n, d = chinchilla_optimum(pub.params, budget)
    assert result.recommended.params == pytest.approx(n, rel=1e-3)
    assert result.recommended.pretrain_tokens == pytest.approx(d, rel=1e-3)
    assert result.recommended.specialize_tokens[0] == 0


def test_the_bundled_constants_are_the_papers():
    assert BUNDLED["hoffmann2022"].params == {"E": 1.69, "A": 406.4, "alpha": 0.34,
                                              "B": 410.7, "beta": 0.28}
    assert BUNDLED["epoch2024"].params == {"E": 1.82, "A": 482.01, "alpha": 0.3478,
                                           "B": 2085.43, "beta": 0.3658}
    assert "2203.15556" in BUNDLED["hoffmann2022"].source
    assert "2404.10102" in BUNDLED["epoch2024"].source


GOOD = ('law = "chinchilla"\nsource = "our sweep"\n[params]\n'
        'E = 1.69\nA = 406.4\nalpha = 0.34\nB = 410.7\nbeta = 0.28\n')


def test_a_users_file_plans_as_the_same_numbers_bundled(tmp_path, capsys):
    (tmp_path / "mine.toml").write_text(GOOD)
    mine = load(tmp_path / "mine.toml")
    assert mine.params == BUNDLED["hoffmann2022"].params and mine.source == "our sweep"
    assert main(["plan", "--published", str(tmp_path / "mine.toml"), "--budget", "1e21",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    n, d = chinchilla_optimum(mine.params, 1e21)
    assert doc["recommended"]["params"] == pytest.approx(n, rel=1e-3)
    assert doc["recommended"]["tokens_per_param"] == pytest.approx(d / n, rel=2e-3)
    assert doc["uncertainty"].startswith("none") and doc["published"]["name"] == "mine"
    assert main(["plan", "--published", "epoch2024", "--budget", "1e21"]) == 0
    out = capsys.readouterr().out
    assert "NO UNCERTAINTY" in out and "2404.10102" in out


@pytest.mark.parametrize("text, needle", [
    (GOOD.replace("beta = 0.28\n", ""), "lacks beta"),
    (GOOD + "G = 0.5\n", "has no symbol 'G'"),
    (GOOD.replace("alpha = 0.34", "alpha = -0.34"), "params.alpha must be > 0"),
    ("lawz = 1\n" + GOOD, "unknown key 'lawz'"),
    (GOOD.replace("chinchilla", "nosuch"), "nosuch"),
    ("law = ", "not valid TOML"),
])
def test_bad_parameter_files_are_refused(tmp_path, text, needle):
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(BayeslawError, match=needle):
        load(tmp_path / "p.toml")


@pytest.mark.parametrize("argv, needle", [
    (["--published", "hoffman2022"], "must be a bundled set"),
    (["--published", "missing.toml"], "missing.toml: no such file"),
    (["--published", "epoch2024", "--posterior", "p.nc"], "not allowed with"),
])
def test_bad_published_arguments_exit_2(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["plan", "--budget", "1e21", *argv])
    assert e.value.code == 2 and needle in capsys.readouterr().err
