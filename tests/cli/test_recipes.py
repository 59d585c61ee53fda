"""The W&B and MLflow recipes of docs/recipes.md, run as written on the sample exports in
tests/data, and the checks of ``--map`` and of parquet files at the command line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from bayeslaw.cli.main import main
from bayeslaw.runs import RunStore

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def run(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as e:
        return int(e.code)


def recipe(export: str) -> list[str]:
    """The documented ``bayeslaw runs import`` command line for the sample ``export``."""
    text = (ROOT / "docs" / "recipes.md").read_text()
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        argv = shlex.split(block.replace("\\\n", " "))
        if argv[:4] == ["bayeslaw", "runs", "import", export]:
            return [*argv[1:3], str(DATA / export), *argv[4:]]
    raise AssertionError(f"docs/recipes.md has no import of {export}")


def test_wandb_recipe_imports_the_finished_runs(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert run(*recipe("wandb_runs_export.csv"), "--store", db) == 0
    err = capsys.readouterr().err
    assert ":5: missing loss" in err and "imported 7 new run(s)" in err  # the crashed run
    with RunStore(db) as store:
        runs = {r.run_id: r for r in store.runs()}
    assert len(runs) == 7 and "dusty-moon-4" not in runs
    r = runs["calm-bird-7"]
    assert (r.params, r.pretrain_tokens, r.specialize_tokens, r.domain, r.seed, r.loss) == (
        12_582_912, 800_000_000, 200_000_000, "code", 1, 2.6331)
    assert r.created_at == "2025-03-11T09:30:20.000Z" and r.status == "completed"
    assert sorted({r.domain for r in runs.values()}) == ["code", "web"]


def test_mlflow_recipe_imports_every_run_once(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    argv = [*recipe("mlflow_runs_export.csv"), "--store", db]
    assert run(*argv) == 0
    with RunStore(db) as store:
        runs = {r.run_id: r for r in store.runs()}
    assert len(runs) == 6
    r = runs["5d6e7f8091a24b3c8d4e5f60718293a4"]
    assert (r.params, r.pretrain_tokens, r.specialize_tokens, r.domain, r.seed, r.loss) == (
        12_582_912, 800_000_000, 200_000_000, "legal", 1, 2.4980)
    assert r.status == "completed"  # MLflow's status column (FINISHED) is not ours
    capsys.readouterr()
    assert run(*argv) == 0
    assert "imported 0 new run(s)" in capsys.readouterr().err


@pytest.mark.parametrize("flags, needle", [
    (["--map", "los=eval/loss"], "unknown run field 'los'"),
    (["--map", "loss"], "must be FIELD=COLUMN"),
    (["--map", "loss=eval/loss", "--map", "L=train/loss"], "loss is mapped twice"),
    (["--map", "loss=eval/losss", "--map", "params=model.n_params"],
     "no column 'eval/losss' to map"),
])
def test_bad_maps_exit_2_with_one_line_and_no_store(tmp_path, capsys, flags, needle):
    db = tmp_path / "s.db"
    assert run("runs", "import", str(DATA / "wandb_runs_export.csv"), "--store", str(db),
               *flags) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err.splitlines()[-1] and "Traceback" not in err
    assert not db.exists()


def test_parquet_export_imports_back_and_reads_as_to_pandas(tmp_path, capsys):
    a, b, pq = (str(tmp_path / n) for n in ("a.db", "b.db", "runs.parquet"))
    assert run(*recipe("mlflow_runs_export.csv"), "--store", a) == 0
    assert run("runs", "export", pq, "--store", a) == 0
    assert run("runs", "import", pq, "--store", b) == 0
    with RunStore(a) as sa, RunStore(b) as sb:
        assert sa.runs(status=None) == sb.runs(status=None)
        pd.testing.assert_frame_equal(pd.read_parquet(pq), sa.to_pandas())
    # a parquet export does not overwrite a text file, nor a CSV export a parquet file
    (tmp_path / "t.parquet").write_text("not parquet")
    (tmp_path / "t.csv").write_bytes(Path(pq).read_bytes())
    capsys.readouterr()
    assert run("runs", "export", str(tmp_path / "t.parquet"), "--store", a) == 2
    assert "is a text file, not a parquet file" in capsys.readouterr().err
    assert run("runs", "export", str(tmp_path / "t.csv"), "--store", a) == 2
    assert "is a parquet file, not a text file" in capsys.readouterr().err
    assert (tmp_path / "t.parquet").read_text() == "not parquet"
