"""The built-in study steps hand the [fit] table to the analysis whole: a prior file is
resolved beside the study file and reaches the fit (it was accepted and then dropped)."""

from pathlib import Path

import bayeslaw.flow.analysis as analysis
from bayeslaw.flow.study import load, run_study

STUDY = """
[study]
name = "s"
store = "runs.db"
[train]
params = 1e4
pretrain_tokens = 1e5
[fit]
laws = ["chinchilla"]
priors = "my-priors.toml"
"""


def test_a_prior_file_reaches_the_fit_beside_the_study(tmp_path, monkeypatch):
    (tmp_path / "study.toml").write_text(STUDY)
    seen = {}

    def run_analysis(tables, store, out, **kw):
        seen["settings"] = analysis._fit_settings(tables["fit"])
        return {"report": "r.html"}

    monkeypatch.setattr(analysis, "run_analysis", run_analysis)
    study = load(tmp_path / "study.toml")
    run_study(study, tmp_path / "runs.db", tmp_path / "out", train=lambda: [], say=lambda m: None)
    assert seen["settings"] == {"priors": str(tmp_path / "my-priors.toml")}


def test_study_steps_are_checked_before_any_work(tmp_path, capsys):
    from bayeslaw.cli.main import main

    sv = Path(__file__).resolve().parents[2] / "studies" / "split-validation" / "tiny.toml"
    code = main(["study", "run", str(sv), "--steps", "sweeep", "--out", str(tmp_path / "o"),
                 "--records", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "unknown step(s) sweeep" in err and "sweep, holdout, fit" in err
    assert not (tmp_path / "o").exists()  # nothing written
    (tmp_path / "study.toml").write_text(STUDY)
    code = main(["study", "run", str(tmp_path / "study.toml"), "--steps", "fit"])
    assert code == 2 and "has no steps of its own" in capsys.readouterr().err
