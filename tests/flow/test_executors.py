"""The trainer executor calls the trainer's Python API: specs as the suggester writes
them become trainer specs with the loop's seed, settings and options, and a failure
reaches the loop as an error."""

import pytest

import trainer.executors
from bayeslaw.errors import BayeslawError
from bayeslaw.flow.executors import trainer_executor
from bayeslaw.runs.store import RunStore
from trainer.spec import RunSpec, TrainSettings

SPEC = {"params": 3000, "pretrain_tokens": 4096, "specialize_tokens": 1024, "domain": "python",
        "cost_flops": 1.0, "score": 0.5, "loop": "ab12", "batch": 1}


def test_specs_reach_the_trainer_api(tmp_path, monkeypatch):
    seen = {}

    def run_specs(specs, settings, opts, executor, **kw):
        seen.update(specs=specs, settings=settings, opts=opts, executor=executor, kw=kw)
        return []

    monkeypatch.setattr(trainer.executors, "run_specs", run_specs)
    run = trainer_executor(seed=3, settings={"batch_size": 8}, executor="pool",
                           options={"threads": 1}, workers=2)
    with RunStore(tmp_path / "runs.db") as store:
        run([SPEC, {**SPEC, "seed": 1, "specialize_tokens": 0}], store)
    assert seen["specs"] == [
        RunSpec(params=3000, pretrain_tokens=4096, specialize_tokens=(1024,),
                domains=("python",), seed=3),
        RunSpec(params=3000, pretrain_tokens=4096, domains=("python",), seed=1)]
    assert seen["settings"] == TrainSettings(batch_size=8)
    assert seen["opts"].store == str(tmp_path / "runs.db")
    assert (seen["opts"].threads, seen["opts"].progress) == (1, False)
    assert (seen["executor"], seen["kw"]) == ("pool", {"workers": 2})


def test_a_bad_spec_is_an_error_before_training(tmp_path):
    run = trainer_executor(settings={"batch_size": 8})
    with RunStore(tmp_path / "runs.db") as store, pytest.raises(BayeslawError, match="params"):
        run([{"pretrain_tokens": 4096, "domain": "python"}], store)
    with RunStore(tmp_path / "runs.db") as store, pytest.raises(BayeslawError, match="setting"):
        trainer_executor(settings={"batchsize": 8})([SPEC], store)
