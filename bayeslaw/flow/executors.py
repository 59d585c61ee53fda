"""Executors of run specs for the loop: each runs specs and records them in the store.

An executor is ``executor(specs, store) -> None``; it must record every finished
run in ``store`` as soon as it finishes (so an interruption loses at most the run in
progress). The loop keeps what it has spent in its state file
(:mod:`bayeslaw.flow.loop`); the simulator also tags each run's ``config`` with its
spec's ``loop``, ``batch`` and ``cost_flops``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bayeslaw.flow.simulate import Truth, simulate
from bayeslaw.runs.store import Checkpoint, RunStore

TAGS = ("loop", "batch", "cost_flops")


def simulator_executor(truth: Truth, *, seed: int = 0):
    """Answer specs from ``truth`` (:func:`bayeslaw.flow.simulate.simulate`), one at a time.

    Each pretraining trunk (N, D > 0) it "trains" is recorded as a checkpoint, as the
    trainer does, so later specializations from it are costed 6 N D' only.
    """

    def execute(specs: Sequence[dict], store: RunStore) -> None:
        have = {(c.params, c.pretrain_tokens) for c in store.checkpoints()}
        for spec in specs:
            (run,) = simulate(truth, [spec], seed=seed)
            tags = {k: spec[k] for k in TAGS if k in spec}
            store.add([replace(run, config={**run.config, **tags})])
            if run.pretrain_tokens > 0 and (run.params, run.pretrain_tokens) not in have:
                have.add((run.params, run.pretrain_tokens))
                store.add_checkpoint(Checkpoint(
                    ckpt_id=f"sim-{run.params}-{run.pretrain_tokens}", params=run.params,
                    pretrain_tokens=run.pretrain_tokens, path="(simulated)", seed=run.seed,
                    run_id=run.run_id, created_at=run.created_at))

    execute.domains = truth.draws.domains
    return execute


def trainer_executor(*, seed: int = 0, settings: Mapping[str, Any] | None = None,
                     executor: str = "inprocess", options: Mapping[str, Any] | None = None,
                     **executor_kw: Any):
    """Run specs with the bundled trainer's Python API
    (:func:`trainer.executors.run_specs`): in this process, a local process pool
    (``executor="pool"``) or a submitit job array (``"submitit"``; ``executor_kw`` as
    ``run_specs`` takes them).

    The trainer records each finished run (and its checkpoints) in the store itself, so
    an interruption loses at most the run in progress. A spec without a ``seed`` gets
    ``seed``; ``settings`` (a dict of :class:`trainer.spec.TrainSettings` fields) make
    the loop train exactly like the runs it started from; ``options`` are
    :class:`trainer.runner.Options` fields (device, threads, ...; the store is the loop's).
    """

    def execute(specs: Sequence[dict], store: RunStore) -> None:
        from trainer.executors import run_specs
        from trainer.runner import Options
        from trainer.spec import RunSpec, TrainSettings

        opts = Options(**{"progress": False, **(options or {}), "store": str(store.path)})
        run_specs([RunSpec.from_dict({**s, "seed": s.get("seed", seed)}) for s in specs],
                  TrainSettings.from_dict(settings), opts, executor, **executor_kw)

    return execute
