import math
from pathlib import Path

import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs import RunStore
from trainer import engine
from trainer.runner import execute
from trainer.spec import RunSpec, TrainSettings

SPEC = RunSpec(params=3000, pretrain_tokens=16 * 32 * 24, specialize_tokens=(4096, 16384),
               domains=("foldoc",), seed=3, checkpoints=2)


def _by_id(runs):
    return {r.run_id: r for r in runs}


def test_pretrain_then_specialize_records_the_expected_rows(tiny, opts):
    runs = execute(SPEC, tiny, opts)
    tps = tiny.batch_size * tiny.block_size  # 512 tokens a step
    # two checkpoints (12 and 24 steps) x (one D'=0 point + two specializations)
    assert [(r.pretrain_tokens, r.specialize_tokens) for r in runs] == [
        (12 * tps + 1 * tps, 0), (12 * tps, 8 * tps), (12 * tps, 32 * tps),
        (24 * tps + 2 * tps, 0), (24 * tps, 8 * tps), (24 * tps, 32 * tps)]
    with RunStore(opts.store) as store:
        ckpts = {c.ckpt_id: c for c in store.checkpoints()}
        assert store.count() == 6
    assert sorted(c.pretrain_tokens for c in ckpts.values()) == [12 * tps, 24 * tps]
    for r in runs:
        assert r.status == "completed" and r.source == "trainer" and r.seed == 3
        assert r.params == 3120 and r.domain == "foldoc" and 0 < r.loss < math.log(256) + 0.5
        assert ckpts[r.parent_id].pretrain_tokens == (r.pretrain_tokens if r.specialize_tokens
                                                       else r.pretrain_tokens * 12 // 13)
        assert r.flops == 6 * r.params * (r.pretrain_tokens + r.specialize_tokens)
        assert {"mixture_loss", "tokens_per_s", "wall_s", "mfu", "epochs", "device"} <= set(
            r.metrics)
        assert r.config["code_version"] and r.config["model"]["n_embd"] == 16


def test_reissued_run_writes_nothing_new(tiny, opts):
    first = execute(SPEC, tiny, opts)
    again = execute(SPEC, tiny, opts)
    assert [r.to_dict() for r in again] == [r.to_dict() for r in first]
    with RunStore(opts.store) as store:
        assert store.count() == 6


@pytest.mark.parametrize("crash_at", [2, 5, 9])
def test_resume_after_a_crash_gives_the_same_records(tiny, opts, tmp_path, monkeypatch,
                                                     crash_at):
    import dataclasses
    clean = execute(SPEC, tiny, dataclasses.replace(opts, store=str(tmp_path / "clean.db")))
    calls, real_run = [0], engine.Trainer.run

    def crashing(self, *a, **kw):
        calls[0] += 1
        if calls[0] == crash_at:
            raise KeyboardInterrupt("simulated kill")
        return real_run(self, *a, **kw)

    monkeypatch.setattr(engine.Trainer, "run", crashing)
    with pytest.raises(KeyboardInterrupt):
        execute(SPEC, tiny, opts)
    monkeypatch.setattr(engine.Trainer, "run", real_run)
    with RunStore(opts.store) as store:
        partial = store.count()
    assert partial < 6
    resumed = execute(SPEC, tiny, opts)
    assert list(_by_id(resumed)) == list(_by_id(clean))
    for r, c in zip(resumed, clean, strict=True):
        assert (r.pretrain_tokens, r.specialize_tokens) == (c.pretrain_tokens, c.specialize_tokens)
        assert r.loss == pytest.approx(c.loss, rel=1e-5)
    with RunStore(opts.store) as store:
        assert store.count() == 6


def test_loss_on_the_specialized_domain_drops_as_d_prime_grows(tiny, opts):
    spec = RunSpec(params=3000, pretrain_tokens=16 * 32 * 30,
                   specialize_tokens=(2048, 16384, 65536), domains=("python",), seed=0)
    runs = execute(spec, tiny, opts)
    losses = [r.loss for r in sorted(runs, key=lambda r: r.specialize_tokens)]
    assert losses == sorted(losses, reverse=True)
    assert losses[0] - losses[-1] > 0.2


def test_a_diverging_run_is_recorded_failed_without_a_loss(tiny, opts):
    hot = TrainSettings(**{**tiny.to_dict(), "mixture": tiny.mixture, "lr": 50.0})
    runs = execute(SPEC, hot, opts)
    assert runs and all(r.status == "failed" and r.loss is None for r in runs)
    assert all("non-finite" in r.metrics["reason"] or "exploded" in r.metrics["reason"]
               for r in runs)
    with RunStore(opts.store) as store:
        assert store.runs() == []  # no data point among the completed runs
        assert len(store.runs(status="failed")) == 6


@pytest.mark.parametrize("spec, message", [
    (RunSpec(params=100, pretrain_tokens=1000), "too small"),
    (RunSpec(params=3000, pretrain_tokens=1000, domains=("klingon",)), "unknown domain"),
    (RunSpec(params=3000, pretrain_tokens=0, specialize_tokens=(1000,)), "needs a base"),
    (RunSpec(params=3000, pretrain_tokens=1000, checkpoint="ckpt_nothere"), "not in the store"),
])
def test_bad_specs_are_clear_errors(tiny, opts, spec, message):
    with pytest.raises(BayeslawError, match=message):
        execute(spec, tiny, opts)


def test_branching_from_a_stored_checkpoint_costs_only_the_specialization(tiny, opts):
    execute(RunSpec(params=3000, pretrain_tokens=16 * 32 * 12, seed=3), tiny, opts)
    with RunStore(opts.store) as store:
        (ckpt,) = store.checkpoints()
    spec = RunSpec(params=3000, pretrain_tokens=0, specialize_tokens=(4096,),
                   domains=("bible",), seed=3, checkpoint=ckpt.ckpt_id)
    (run,) = execute(spec, tiny, opts)
    assert run.parent_id == ckpt.ckpt_id and run.domain == "bible"
    assert (run.pretrain_tokens, run.specialize_tokens) == (ckpt.pretrain_tokens, 4096)


class _Planted:
    """A pickle that would create a marker file when unpickled without weights_only."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_planted_checkpoint_is_refused_without_running_code(tiny, opts, tmp_path):
    import dataclasses

    import torch

    from trainer.runner import sha256

    execute(RunSpec(params=3000, pretrain_tokens=16 * 32 * 12, seed=3), tiny, opts)
    with RunStore(opts.store) as store:
        (ckpt,) = store.checkpoints()
    marker = tmp_path / "pwned"
    torch.save({"model": _Planted(str(marker))}, ckpt.path)
    spec = RunSpec(params=3000, pretrain_tokens=0, specialize_tokens=(4096,),
                   domains=("bible",), seed=3, checkpoint=ckpt.ckpt_id)
    with pytest.raises(BayeslawError, match="altered"):  # its hash is not the recorded one
        execute(spec, tiny, opts)
    assert not marker.exists()
    with RunStore(opts.store) as store:  # an attacker who also rewrote the store's record
        store.add_checkpoint(dataclasses.replace(
            ckpt, size=Path(ckpt.path).stat().st_size, sha256=sha256(ckpt.path)))
    with pytest.raises(BayeslawError, match="refusing to load"):  # weights_only=True
        execute(spec, tiny, opts)
    assert not marker.exists()


def test_a_truncated_checkpoint_is_skipped_and_the_stream_retrained(tiny, opts):
    first = execute(SPEC, tiny, opts)
    with RunStore(opts.store) as store:
        last = max(store.checkpoints(), key=lambda c: c.pretrain_tokens)
        later = [r.run_id for r in first if r.parent_id == last.ckpt_id]
        assert store.delete(later) == []
    with open(last.path, "r+b") as f:
        f.truncate(100)
    again = execute(SPEC, tiny, opts)  # resumes from the earlier, intact checkpoint
    assert [r.run_id for r in again] == [r.run_id for r in first]
    for r, c in zip(again, first, strict=True):
        assert (r.pretrain_tokens, r.specialize_tokens) == (c.pretrain_tokens, c.specialize_tokens)
        assert r.loss == pytest.approx(c.loss, rel=1e-5)
    with RunStore(opts.store) as store:
        (rewritten,) = [c for c in store.checkpoints() if c.ckpt_id == last.ckpt_id]
    assert rewritten.size == Path(last.path).stat().st_size > 100
    assert not list(Path(last.path).parent.glob("*.tmp"))


class _StepKiller:
    """Counts the trainer's steps (``count``) and raises a simulated kill at step
    ``kill_at`` (None: never)."""

    def __init__(self, monkeypatch, kill_at):
        self.count, self.kill_at = 0, kill_at
        real_step = engine.Trainer._train_step

        def counting(trainer):
            self.count += 1
            if self.count == self.kill_at:
                raise KeyboardInterrupt("simulated kill")
            return real_step(trainer)

        monkeypatch.setattr(engine.Trainer, "_train_step", counting)


@pytest.mark.parametrize("crash_at, redone, recorded", [
    # SPEC's first checkpoint (step 12) costs 47 steps: 12 pretraining, a 1-step cooldown,
    # then the foldoc stream: 6 stable + 2 decay (D' = 4096), 20 stable + 6 decay
    # (D' = 16384); saved every 10 steps here (positions 16, 26) and at its branches
    # (6, 26). The second checkpoint costs 48: 12 pretraining (saved at step 22), 2 + 34.
    (36, 10 + 6 + 48, 2),  # killed at stream position 21: resumes from position 16
    (44, 6 + 48, 2),  # killed in the last decay: resumes from its branch point, 26
    (59, 2 + 2 + 34, 3),  # killed at pretraining step 24: resumes from step 22
])
def test_a_kill_between_checkpoints_resumes_from_the_latest_save(
        tiny, opts, tmp_path, monkeypatch, crash_at, redone, recorded):
    import dataclasses
    opts = dataclasses.replace(opts, save_every_s=0.0)  # save every 10 steps
    clean = execute(SPEC, tiny, dataclasses.replace(opts, store=str(tmp_path / "clean.db")))
    steps = _StepKiller(monkeypatch, crash_at)
    with pytest.raises(KeyboardInterrupt):
        execute(SPEC, tiny, opts)
    steps.kill_at = None
    with RunStore(opts.store) as store:  # each point is recorded as soon as it is done
        assert store.count() == recorded
    steps.count = 0
    resumed = execute(SPEC, tiny, opts)
    assert steps.count == redone  # nothing before the last save is trained again
    assert [r.run_id for r in resumed] == [r.run_id for r in clean]
    for r, c in zip(resumed, clean, strict=True):
        assert (r.pretrain_tokens, r.specialize_tokens) == (c.pretrain_tokens, c.specialize_tokens)
        assert r.loss == c.loss and r.metrics["epochs"] == c.metrics["epochs"]
        assert r.metrics["train_loss"] == c.metrics["train_loss"]
    saved = [p.name for p in opts.ckpt_dir().glob("*.pt")]
    assert len(saved) == 2 and all(n.startswith("ckpt_") for n in saved)  # no resume files


def test_a_kill_during_a_decay_resumes_it_from_its_last_save(tiny, opts, tmp_path,
                                                             monkeypatch):
    import dataclasses
    opts = dataclasses.replace(opts, save_every_s=0.0)  # save every 10 steps
    # 12 pretraining steps, a 1-step cooldown, 48 stable steps, a decay of 12
    spec = RunSpec(params=3000, pretrain_tokens=16 * 32 * 12, specialize_tokens=(16 * 32 * 60,),
                   domains=("bible",), seed=4)
    clean = execute(spec, tiny, dataclasses.replace(opts, store=str(tmp_path / "clean.db")))
    steps = _StepKiller(monkeypatch, 12 + 1 + 48 + 12)
    with pytest.raises(KeyboardInterrupt):  # in the decay's last step
        execute(spec, tiny, opts)
    assert len(list(opts.ckpt_dir().glob("decay_*.pt"))) == 1
    steps.kill_at, steps.count = None, 0
    resumed = execute(spec, tiny, opts)
    assert steps.count == 2  # from the decay's save at 10 of 12
    assert [r.to_dict()["metrics"]["train_loss"] for r in resumed] == [
        r.metrics["train_loss"] for r in clean]
    assert [(r.run_id, r.loss, r.specialize_tokens) for r in resumed] == [
        (r.run_id, r.loss, r.specialize_tokens) for r in clean]
    assert not list(opts.ckpt_dir().glob("decay_*.pt"))  # cleared once recorded


def test_a_recorded_domain_outside_the_mixture_gets_its_d_prime_zero_point(tiny, opts,
                                                                           tmp_path):
    """Pretraining on a user domain only (general=DIR) and recording a bundled domain:
    the cooldown's D' = 0 point is evaluated on the recorded domain (a KeyError once)."""
    from dataclasses import replace

    from trainer.domains import load

    general = tmp_path / "general"
    general.mkdir()
    text = load("python").train[:40_000].tobytes()
    for i in range(4):
        (general / f"shard-{i}.txt").write_bytes(text[i * 10_000:(i + 1) * 10_000])
    settings = replace(tiny, mixture=("general",))
    opts = replace(opts, user_domains={"general": str(general)})
    spec = RunSpec(params=3000, pretrain_tokens=16 * 32 * 8, specialize_tokens=(2048,),
                   domains=("foldoc", "bible"), seed=1)
    runs = execute(spec, settings, opts)
    zero = [r for r in runs if r.specialize_tokens == 0]
    assert sorted(r.domain for r in zero) == ["bible", "foldoc"]
    assert all(r.status == "completed" and 0 < r.loss < math.log(256) + 0.5 for r in zero)
    assert zero[0].loss != zero[1].loss  # each evaluated on its own domain
    assert set(zero[0].metrics["epochs"]) == {"general"}
