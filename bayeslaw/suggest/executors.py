"""Executors of run specs for the loop: each runs specs and records them in the store.

An executor is ``executor(specs, store) -> None``; it must record every finished
run in ``store`` as soon as it finishes (so an interruption loses at most the run in
progress) and carry each spec's ``loop``, ``batch`` and ``cost_flops`` into the run's
``config``, from which the loop derives what it has spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bayeslaw.runs.store import Checkpoint, RunStore
from bayeslaw.simulate import Truth, simulate

TAGS = ("loop", "batch", "cost_flops")


def simulator_executor(truth: Truth, *, seed: int = 0):
    """Answer specs from ``truth`` (:func:`bayeslaw.simulate.simulate`), one at a time.

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


def trainer_executor(*, seed: int = 0, python: str | None = None,
                     settings: dict | None = None):
    """Run specs with the bundled trainer: ``bayeslaw train --specs FILE --store DB``.

    The trainer records each finished run (and its checkpoints) in the store itself;
    it runs in a subprocess so that torch stays out of the loop's process. A spec
    without a ``seed`` gets ``seed``; ``settings`` (a dict of
    :class:`trainer.spec.TrainSettings` fields) are passed with ``--settings`` so the
    loop trains exactly like the runs it started from.
    """
    import json
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    from bayeslaw.errors import BayeslawError

    def _json(folder: str, name: str, obj) -> str:
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            json.dump(obj, f)
        return path

    def execute(specs: Sequence[dict], store: RunStore) -> None:
        folder = tempfile.mkdtemp(prefix="bayeslaw-train-")
        path = _json(folder, "specs.json", [{**s, "seed": s.get("seed", seed)} for s in specs])
        cmd = [python or sys.executable, "-m", "bayeslaw", "train", "--specs", path,
               "--store", str(store.path), "--no-progress"]
        if settings:
            cmd += ["--settings", _json(folder, "settings.json", settings)]
        if subprocess.run(cmd).returncode != 0:  # the files stay, for the user to inspect
            raise BayeslawError(f"the trainer failed on {path} (command: {' '.join(cmd)}); "
                                "fix it and run the loop again: it resumes")
        shutil.rmtree(folder, ignore_errors=True)

    return execute
