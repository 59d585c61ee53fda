import json

import pytest

from bayeslaw.cli.main import main
from bayeslaw.runs import RunStore

SETTINGS = {"batch_size": 16, "block_size": 32, "warmup_steps": 3, "eval_tokens": 2048,
            "mixture": ["foldoc", "python"]}


@pytest.fixture
def settings_file(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(SETTINGS))
    return str(path)


def test_train_one_run_prints_its_records_as_json(tmp_path, settings_file, capsys):
    store = str(tmp_path / "s.db")
    code = main(["train", "--params", "3000", "--pretrain-tokens", "6144", "--checkpoints", "2",
                 "--specialize-tokens", "2048", "--domain", "python", "--settings", settings_file,
                 "--store", store, "--threads", "1", "--device", "cpu", "--json"])
    assert code == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["pretrain_tokens"], r["specialize_tokens"]) for r in records] == [
        (3584, 0), (3072, 2048), (6656, 0), (6144, 2048)]
    with RunStore(store) as s:
        assert len(s.checkpoints(params=3120)) == 2


def test_train_specs_file_like_suggest_output(tmp_path, settings_file, capsys):
    specs = tmp_path / "specs.json"
    specs.write_text(json.dumps([
        {"params": 3000, "pretrain_tokens": 4096, "specialize_tokens": 0, "domain": "foldoc"},
        {"params": 3000, "pretrain_tokens": 4096, "specialize_tokens": 1024, "domain": "foldoc",
         "seed": 0},
    ]))
    args = ["train", "--specs", str(specs), "--settings", settings_file, "--threads", "1",
            "--store", str(tmp_path / "s.db"), "--json"]
    assert main(args) == 0
    records = json.loads(capsys.readouterr().out)
    # the second spec's D'=0 point is the first spec's record: written once
    assert len({r["run_id"] for r in records}) == 2 and len(records) == 3
    assert main(args) == 0  # re-issued: same records, nothing new
    with RunStore(tmp_path / "s.db") as s:
        assert s.count() == 2


def test_bad_input_exits_2_with_one_line(tmp_path, settings_file, capsys):
    assert main(["train", "--params", "10", "--pretrain-tokens", "1e4",
                 "--store", str(tmp_path / "s.db")]) == 2
    assert "too small" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["train", "--specs", str(bad), "--store", str(tmp_path / "s.db")]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_domains_lists_bundled_and_user_domains(tmp_path, capsys):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("some legal text\n" * 50)
    assert main(["domains", "--domain-dir", f"law={tmp_path}", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    bundled = {"python", "foldoc", "gcide", "jargon", "fortunes", "wordnet", "bible"}
    assert bundled | {"law"} <= set(rows)
    assert rows["law"]["val_tokens"] == 800 and rows["law"]["train_tokens"] == 1601


def _study(tmp_path, executor="inprocess", extra=""):
    path = tmp_path / "tiny.toml"
    path.write_text(f"""
[study]
name = "tiny"
store = "tiny.db"
[train]
params = [3000, 6000]
pretrain_tokens = 4096
specialize_tokens = [1024]
domains = ["foldoc"]
executor = "{executor}"
{extra}
[train.settings]
batch_size = 16
block_size = 32
warmup_steps = 3
eval_tokens = 2048
mixture = ["foldoc", "python"]
""")
    return path


@pytest.mark.parametrize("executor", ["inprocess", "pool"])
def test_study_run_executes_the_grid(tmp_path, capsys, executor):
    path = _study(tmp_path, executor, "workers = 2" if executor == "pool" else "")
    assert main(["study", "run", str(path), "--threads", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records"] == 4 and out["failed"] == 0
    with RunStore(tmp_path / "tiny.db") as s:
        assert sorted({r.params for r in s.runs()}) == [3120, 6224]


def test_study_run_with_submitit_local_executor(tmp_path, capsys):
    pytest.importorskip("submitit")
    path = _study(tmp_path, "submitit")
    assert main(["study", "run", str(path), "--threads", "1", "--cluster", "local",
                 "--submitit-folder", str(tmp_path / "logs"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 4
