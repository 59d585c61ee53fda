"""The trainer executor's command files: removed after a good run, kept after a failure."""

import shutil
import tempfile

import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.store import RunStore
from bayeslaw.suggest.executors import trainer_executor

SPEC = {"params": 3000, "pretrain_tokens": 4096, "specialize_tokens": 0, "domain": "python"}


@pytest.mark.parametrize("program, ok", [("true", True), ("false", False)])
def test_command_files_are_cleaned_up_only_after_success(tmp_path, monkeypatch, program, ok):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    run = trainer_executor(python=shutil.which(program), settings={"batch_size": 8})
    with RunStore(tmp_path / "runs.db") as store:
        if ok:
            run([SPEC], store)
        else:
            with pytest.raises(BayeslawError, match="the trainer failed"):
                run([SPEC], store)
    left = sorted(p.name for p in (tmp_path / "tmp").rglob("*.json"))
    assert left == ([] if ok else ["settings.json", "specs.json"])
