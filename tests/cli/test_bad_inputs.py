"""Every class of bad input exits 2 with a one-line reason and changes nothing on disk.

Each case runs the CLI's ``main`` in this process on a tiny store and asserts the exit
code, the message, and that no file in the folder appeared, vanished or changed (the
store's bytes included). Nothing here fits a law: the posterior files are built from
a few fixed draws.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bayeslaw.cli.main import main
from bayeslaw.runs import RunStore

HEADER = "N,D,D_prime,domain,loss\n"
GOOD = HEADER + "100000,1000000,0,web,3.1\n200000,1000000,5000,web,2.9\n"


def run(*argv: str) -> int:
    """``main(argv)``; argparse's own usage errors (SystemExit 2) become codes too."""
    try:
        return main(list(argv))
    except SystemExit as e:
        return int(e.code)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def d(tmp_path, monkeypatch):
    """A folder holding a small store (``runs.db``) and a good run file; cwd is there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAYESLAW_STORE", raising=False)
    (tmp_path / "good.csv").write_text(GOOD)
    assert run("runs", "import", "good.csv", "--store", "runs.db") == 0
    return tmp_path


def refused(folder: Path, capsys, argv: list[str], *needles: str) -> str:
    """Run ``argv``; assert exit 2, every needle in the one-line reason, nothing changed."""
    capsys.readouterr()
    before = snapshot(folder)
    assert run(*argv) == 2, argv
    err = capsys.readouterr().err.strip()
    reason = err.splitlines()[-1]  # argparse prints its usage first; an import its rows
    where = err if argv[:2] == ["runs", "import"] else reason
    for needle in needles:
        assert needle in where, (argv, err)
    assert "Traceback" not in err and "internal error" not in err
    assert snapshot(folder) == before, f"{argv} changed files"
    return where


# -- 1. output paths: the store is never overwritten, folders are checked before work ---
@pytest.mark.parametrize("argv, needles", [
    (["fit", "--store", "runs.db", "--out", "runs.db"], ["runs.db", "SQLite", "--force"]),
    (["fit", "--store", "runs.db", "--out", "no_dir/p.nc"], ["folder no_dir does not exist"]),
    (["report", "--posterior", "p.nc", "--out", "store.html"], ["SQLite", "refusing"]),
    (["suggest", "--posterior", "p.nc", "--budget", "1e20", "--out", "store.html"],
     ["SQLite"]),
    (["runs", "export", "runs.db", "--store", "runs.db"], ["export file", "SQLite"]),
])
def test_outputs_of_another_kind_are_not_overwritten(d, capsys, argv, needles):
    (d / "store.html").write_bytes((d / "runs.db").read_bytes())
    refused(d, capsys, argv, *needles)


def test_force_overwrites_a_foreign_kind(d, capsys):
    (d / "x.csv").write_bytes(b"\x00\x01binary")
    assert run("runs", "export", "x.csv", "--store", "runs.db", "--force") == 0
    assert (d / "x.csv").read_text().startswith("run_id,")


# -- 2. stores: read-only commands and failed imports create none; non-databases refused --
@pytest.mark.parametrize("argv", [
    ["runs", "list", "--store", "typo.db"],
    ["runs", "delete", "run_x", "--store", "typo.db"],
    ["fit", "--store", "typo.db", "--out", "p.nc"],
    ["suggest", "--posterior", "p.nc", "--budget", "1e20", "--store", "typo.db"],
    ["report", "--posterior", "p.nc", "--out", "r.html", "--store", "typo.db",
     "--allow-unconverged"],
])
def test_read_only_commands_never_create_a_store(d, capsys, argv):
    if argv[0] == "report":  # the report reads its posterior first: give it one
        pytest.importorskip("arviz")
        _posterior(d / "p.nc")
    refused(d, capsys, argv, "no run store at typo.db")
    assert not (d / "typo.db").exists()


def test_a_failed_import_leaves_no_new_store(d, capsys):
    (d / "bad.csv").write_text(HEADER + "100,10,0,web,-1\n")
    refused(d, capsys, ["runs", "import", "bad.csv", "--store", "new.db"], "nothing imported")


@pytest.mark.parametrize("content, kind", [
    (b"just some notes\n", "a text file"), (b"\x89HDF\r\n\x1a\n\x00\x00", "HDF5"),
])
def test_a_file_that_is_not_a_database_is_refused(d, capsys, content, kind):
    (d / "notes.db").write_bytes(content)
    for argv in (["runs", "list", "--store", "notes.db"],
                 ["runs", "import", "good.csv", "--store", "notes.db"]):
        refused(d, capsys, argv, "notes.db is not a run store", kind)


# -- 3. numbers and types: refused at parse time, one line, exit 2 ------------------------
@pytest.mark.parametrize("argv, needles", [
    (["fit", "--out", "p.nc", "--target-accept", "2"], ["--target-accept", "between 0 and 1"]),
    (["fit", "--out", "p.nc", "--target-accept", "nan"], ["--target-accept", "finite"]),
    (["fit", "--out", "p.nc", "--chains", "0"], ["--chains", ">= 1"]),
    (["suggest", "--posterior", "p.nc", "--budget", "nan"], ["--budget", "finite"]),
    (["suggest", "--posterior", "p.nc", "--budget", "inf"], ["--budget", "finite"]),
    (["suggest", "--posterior", "p.nc", "--budget", "0"], ["--budget", "> 0"]),
    (["suggest", "--posterior", "p.nc", "--budget", "1e20", "--worlds", "0"],
     ["--worlds", ">= 1"]),
    (["plan", "--posterior", "p.nc", "--budget", "1e20", "--domains", "0"],
     ["--domains", ">= 1"]),
    (["plan", "--posterior", "p.nc", "--budget", "1e20", "--quantile", "1"], ["--quantile"]),
    (["plan", "--posterior", "p.nc", "--budget", "1e20", "--model-sizes", "1e6,nan"],
     ["--model-sizes", "finite"]),
    (["report", "--posterior", "p.nc", "--out", "r.html", "--budget", "0"], ["--budget"]),
    (["report", "--posterior", "p.nc", "--out", "r.html", "--domains", "0"], ["--domains"]),
    (["train", "--params", "1e6", "--pretrain-tokens", "1e6", "--specialize-tokens=-5e5"],
     ["--specialize-tokens", ">= 0", "-5e5"]),
    (["train", "--params", "1e6", "--pretrain-tokens", "1e30"], ["too large"]),
    (["predict", "--posterior", "p.nc", "--params", "nan", "--pretrain-tokens", "1e6"],
     ["--params", "finite"]),
    (["loop", "--budget", "1e20", "--experiment-flops", "-1"], ["--experiment-flops"]),
    (["loop", "--budget", "1e20", "--experiment-flops", "1e18", "--state", "runs.db",
      "--store", "runs.db"], ["--state runs.db exists and is a SQLite database"]),
])
def test_bad_numbers_are_refused_with_the_flag(d, capsys, argv, needles):
    refused(d, capsys, argv, *needles)


def test_a_usage_error_is_answered_before_jax_or_torch_loads(tmp_path):
    code = ("import sys\nfrom bayeslaw.cli.main import main\n"
            "try:\n    main(['plan', '--posterior', 'p.nc', '--budget', 'nan'])\n"
            "except SystemExit as e:\n    assert e.code == 2\n"
            "print(sorted(m for m in ('jax', 'torch', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_nan_in_points_names_the_line(d, capsys):
    (d / "pts.csv").write_text("N,D,D_prime\n1e6,1e9,0\n1e6,nan,0\n")
    refused(d, capsys, ["predict", "--posterior", "p.nc", "--points", "pts.csv"],
            "pts.csv:3", "pretrain_tokens must be finite")


@pytest.mark.parametrize("settings, needles", [
    ({"batch_size": 0}, ["batch_size must be >= 1"]),
    ({"batch_size": "64"}, ["batch_size must be an integer"]),
    ({"mixture": "foldoc"}, ["mixture must be a list of strings"]),
    ({"lr": -1}, ["lr must be > 0"]),
    ({"weights": {"foldoc": "heavy"}}, ["weights[foldoc] must be a number"]),
])
def test_settings_json_of_the_wrong_type(d, capsys, settings, needles):
    (d / "s.json").write_text(json.dumps(settings))
    refused(d, capsys, ["train", "--params", "1e4", "--pretrain-tokens", "1e4",
                        "--settings", "s.json", "--store", "runs.db"], *needles)


@pytest.mark.parametrize("spec, needles", [
    ({"params": 1e4, "pretrain_tokens": 1e4, "domain": 5}, ["domains must be a list"]),
    ({"params": 1e4, "pretrain_tokens": 1e4, "specialize_tokens": [-5]},
     ["specialize_tokens must be >= 0"]),
    ({"params": 1e30, "pretrain_tokens": 1e4}, ["params is too large"]),
    ({"params": 1e4, "pretrain_tokens": "lots"}, ["pretrain_tokens must be a number"]),
])
def test_specs_json_of_the_wrong_type(d, capsys, spec, needles):
    (d / "specs.json").write_text(json.dumps([spec]))
    refused(d, capsys, ["train", "--specs", "specs.json", "--store", "runs.db"], *needles)


def test_a_run_estimated_beyond_a_day_is_refused_with_its_estimate(d, capsys):
    pytest.importorskip("torch")
    reason = refused(d, capsys, ["train", "--params", "1e6", "--pretrain-tokens", "1e15",
                                 "--domain", "foldoc", "--store", "runs.db"],
                     "estimated", "hours", "FLOPs", "--force")
    hours = float(reason.split("estimated ")[1].split(" hours")[0])
    assert hours > 1e4  # 6 N D alone is 6e21 FLOPs: no CPU does that in a day


# -- 4. tampered posterior files ----------------------------------------------------------
def _posterior(path: Path, tamper=None) -> None:
    """A small real posterior file (fixed draws of domain_gap, no fit), optionally
    altered by ``tamper(idata)`` before it is written."""
    from types import SimpleNamespace

    from bayeslaw.fit.posterior import build, provenance
    from bayeslaw.laws import get

    law = get("domain_gap")
    rng = np.random.default_rng(0)
    truth = dict(E=1.6, A=40.0, alpha=0.3, B=60.0, beta=0.3, G=0.5, S=3e5, gamma=0.6)
    samples = {k: v * np.exp(0.02 * rng.standard_normal((1, 20, 1) if k in law.domain_params
                                                        else (1, 20)))
               for k, v in truth.items()}
    samples.update(sigma=np.full((1, 20), 0.01), nu=np.full((1, 20), 5.0))
    n = np.array([1e5, 2e5])
    fdata = SimpleNamespace(N=n, D=np.array([1e6, 1e6]), D_prime=np.array([0.0, 5e3]),
                            dom=np.array([0, 0]), log_loss=np.log([3.1, 2.9]),
                            domains=("web",), run_ids=("a", "b"), scales={})
    post = build(law, fdata, samples, None, np.zeros((1, 20, 2)),
                 provenance(law, "", ("a", "b"), ("web",), method="nuts", seed=0))
    if tamper:
        tamper(post.idata)
    post.save(path)


def _drop_sigma(idata):
    idata.posterior = idata.posterior.drop_vars("sigma")


def _nan_alpha(idata):
    idata.posterior["alpha"][0, 3] = math.nan


@pytest.mark.parametrize("tamper, needles", [
    (_drop_sigma, ["lacks the draws of sigma"]), (_nan_alpha, ["alpha", "not all finite"]),
])
def test_a_tampered_posterior_is_refused_by_name(d, capsys, tamper, needles):
    pytest.importorskip("arviz")
    _posterior(d / "bad.nc", tamper)
    refused(d, capsys, ["predict", "--posterior", "bad.nc", "--params", "1e6",
                        "--pretrain-tokens", "1e9"], "bad.nc", *needles)
    refused(d, capsys, ["plan", "--posterior", "bad.nc", "--budget", "1e20"], *needles)


# -- 5. strict import -----------------------------------------------------------------------
@pytest.mark.parametrize("text, needles", [
    (HEADER + '100000,1000000,0,"web,3.1\n', ["malformed CSV", "unexpected end of data"]),
    ("N,params,D,D_prime,domain,loss\n1,1,1,0,web,3\n", ["'N' and 'params' both give params"]),
    (HEADER + "5_0000,1000000,0,web,3.1\n", [":2:", "without '_'"]),
    (HEADER + "100000,0,0,web,3.1\n", [":2:", "both 0"]),
    (HEADER + "1e30,1000000,0,web,3.1\n", [":2:", "params is too large"]),
])
def test_strict_import(d, capsys, text, needles):
    (d / "x.csv").write_text(text)
    refused(d, capsys, ["runs", "import", "x.csv", "--store", "runs.db"], "x.csv", *needles)


def test_a_byte_order_mark_is_read_past(d, capsys):
    (d / "bom.csv").write_bytes(b"\xef\xbb\xbf" + GOOD.replace("3.1", "3.2").encode())
    capsys.readouterr()
    assert run("runs", "import", "bom.csv", "--store", "runs.db") == 0
    assert "imported 1 new run(s) into runs.db, skipped 1" in capsys.readouterr().err
    with RunStore("runs.db") as store:
        assert store.count() == 3 and store.runs()[-1].params == 100000  # the N column


def test_jsonl_domain_must_be_a_string(d, capsys):
    (d / "x.jsonl").write_text(json.dumps({"N": 1e5, "D": 1e6, "D_prime": 0, "domain": 5,
                                           "loss": 3.0}) + "\n")
    capsys.readouterr()
    before = snapshot(d)
    assert run("runs", "import", "x.jsonl", "--store", "runs.db") == 2
    assert "x.jsonl:1: domain must be a string" in capsys.readouterr().err
    assert snapshot(d) == before


# -- 6. re-import and delete ------------------------------------------------------------------
def test_reimport_skips_what_the_store_holds_and_delete_removes(d, capsys):
    capsys.readouterr()
    before = snapshot(d)
    assert run("runs", "import", "good.csv", "--store", "runs.db") == 0
    assert "imported 0 new run(s) into runs.db, skipped 2 already in the store" in \
        capsys.readouterr().err
    assert snapshot(d) == before
    assert run("runs", "import", "good.csv", "--store", "runs.db", "--allow-duplicates") == 0
    with RunStore("runs.db") as store:
        ids = [r.run_id for r in store.runs()]
    assert len(ids) == 4
    refused(d, capsys, ["runs", "delete", ids[0], "run_nope", "--store", "runs.db"],
            "no run run_nope", "nothing deleted")
    assert run("runs", "delete", *ids[2:], "--store", "runs.db") == 0
    with RunStore("runs.db") as store:
        assert [r.run_id for r in store.runs()] == ids[:2]


# -- 7. Markdown reports escape user strings -------------------------------------------------
def test_markdown_report_escapes_user_strings():
    from bayeslaw.report.markdown import render_markdown
    from bayeslaw.report.model import Report, Section, Table

    evil = '<img src=x onerror="alert(1)">'
    link = "[click](javascript:alert(1))"
    report = Report(f"runs of {evil}", [Section(
        "runs", f"Domain {evil}", text=[f"Fitted to domain {evil}."], warnings=[evil],
        tables=[Table(["run_id", "domain", "source"], [[f"run_{link}", evil, "a|b"]],
                      caption=evil)], blocks=[(evil, "x\n```\n<script>")])])
    text = render_markdown(report, "figs")
    assert "<img" not in text and "<script" not in text.split("```text")[0]
    assert "&lt;img src=x" in text and "](javascript" not in text
    assert "a\\|b" in text and "\n```\n<script>" not in text


# -- 8. study files: say where they write, never overwrite another kind ------------------------
def test_study_outputs_are_announced_and_checked(d, capsys):
    outside = d / "elsewhere"
    outside.mkdir()
    (outside / "posterior.nc").write_bytes((d / "runs.db").read_bytes())
    study = d / "s" / "study.toml"
    study.parent.mkdir()
    study.write_text(f'[study]\nname = "x"\nstore = "../runs.db"\nout = "{outside}"\n'
                     "[train]\nparams = [1e4]\npretrain_tokens = [1e4]\n[fit]\n")
    reason = refused(d, capsys, ["study", "run", str(study)], "posterior.nc", "SQLite",
                     "--force")
    assert "study output" in reason
    study.write_text(study.read_text() + "[plan]\nbudget = -1\n")
    (outside / "posterior.nc").unlink()
    refused(d, capsys, ["study", "run", str(study)], "[plan] budget must be > 0")
    # where it writes is said before any work
    capsys.readouterr()
    study.write_text(study.read_text().replace("budget = -1", "budget = 1e20"))
    (outside / "plan.json").write_bytes(b"\x89HDF\r\n\x1a\n")
    assert run("study", "run", str(study)) == 2
    err = capsys.readouterr().err
    assert f"analysis outputs in {outside.resolve()}" in err and "plan.json" in err


@pytest.mark.parametrize("table, key", [("plan", "budjet"), ("suggest", "count"),
                                        ("report", "output"), ("fit", "chain")])
def test_study_tables_refuse_unknown_keys(d, capsys, table, key):
    study = d / "study.toml"
    study.write_text('[study]\nname = "x"\nstore = "runs.db"\n'
                     f"[train]\nparams = [1e4]\npretrain_tokens = [1e4]\n[{table}]\n{key} = 1\n")
    refused(d, capsys, ["study", "run", str(study)], f"unknown [{table}] key(s) {key}")


@pytest.mark.parametrize("plan, reason", [
    ("new_domains = -1", "[plan] new_domains must be >= 0"),
    ("new_domains = 1.5", "[plan] new_domains must be an integer"),
    ('new_domains = "one"', "[plan] new_domains must be an integer"),
    ("domains = 4\nnew_domains = 4", "new_domains = 4 leaves no measured domain")])
def test_study_plan_new_domains_is_checked_before_any_work(d, capsys, plan, reason):
    study = d / "study.toml"
    study.write_text('[study]\nname = "x"\nstore = "runs.db"\n'
                     f"[train]\nparams = [1e4]\npretrain_tokens = [1e4]\n[fit]\n[plan]\n{plan}\n")
    refused(d, capsys, ["study", "run", str(study)], reason)
