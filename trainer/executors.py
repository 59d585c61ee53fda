"""Fan run specs out: in this process, a local process pool, or Slurm via submitit.

Every executor calls :func:`trainer.runner.execute` once per spec; the records land in
the same SQLite store (WAL mode, safe for concurrent writers), and idempotent ids
make a re-submitted batch finish only what is missing. Specs sharing a pretraining
stream (same N, settings, seed) train it once: a worker reaching a checkpoint holds a
lock on the stream, and the others wait and load it (:meth:`SpecRun.reach
<trainer.runner.SpecRun.reach>`). submitit is optional
(``pip install bayeslaw[slurm]``) and imported only when asked for; its local
executor (``cluster="local"``) runs the same job array on this machine, for tests.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from bayeslaw.errors import BayeslawError
from bayeslaw.runs import Run
from trainer.runner import Options, check, execute
from trainer.spec import RunSpec, TrainSettings

EXECUTORS = ("inprocess", "pool", "submitit")


def _job(spec: RunSpec, settings: TrainSettings, opts: Options) -> list[Run]:
    return execute(spec, settings, opts)


def _inprocess(specs, settings, opts, **_) -> list[list[Run]]:
    return [execute(s, settings, opts) for s in specs]


def _pool(specs, settings, opts, *, workers: int | None = None, **_) -> list[list[Run]]:
    workers = workers or min(len(specs), len(os.sched_getaffinity(0)))
    threads = opts.threads or max(1, len(os.sched_getaffinity(0)) // workers)
    opts = dataclasses.replace(opts, threads=threads, progress=False)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_job, s, settings, opts) for s in specs]
        return [f.result() for f in futures]


def _submitit(specs, settings, opts, *, folder: str = "submitit-logs", cluster: str | None = None,
              slurm: dict[str, Any] | None = None, **_) -> list[list[Run]]:
    try:
        import submitit
    except ImportError:
        raise BayeslawError("the submitit executor needs submitit: pip install 'bayeslaw[slurm]'"
                            ) from None
    ex = submitit.AutoExecutor(folder=folder, cluster=cluster)
    ex.update_parameters(**(slurm or {}))
    opts = dataclasses.replace(opts, progress=False)
    n = len(specs)
    jobs = ex.map_array(_job, list(specs), [settings] * n, [opts] * n)
    return [j.result() for j in jobs]


def run_specs(specs: list[RunSpec], settings: TrainSettings, opts: Options,
              executor: str = "inprocess", **kw: Any) -> list[Run]:
    """Execute every spec with ``executor``; returns all their records in spec order.

    ``kw``: ``workers`` for the pool; ``folder``, ``cluster`` (None = Slurm if
    available, ``"local"`` for this machine) and ``slurm`` (submitit parameters such
    as ``{"timeout_min": 60, "slurm_partition": "gpu", "gpus_per_node": 1}``).
    """
    run = {"inprocess": _inprocess, "pool": _pool, "submitit": _submitit}.get(executor)
    if run is None:
        raise BayeslawError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    for spec in specs:
        check(spec, settings, opts)
    if not specs:
        return []
    return [r for batch in run(specs, settings, opts, **kw) for r in batch]
