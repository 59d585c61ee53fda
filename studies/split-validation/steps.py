"""The steps of the split-validation study (see run.py). Each step reads what earlier
steps left in the stores and ``ctx.records`` and writes its own part of
``results.json``; the statistics and arm definitions are pure functions of
:mod:`bayeslaw.validate`."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Context:
    cfg: dict[str, Any]
    out: Path
    records: Path
    device: str = "auto"
    progress: bool = True
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def domains(self) -> list[str]:
        return list(self.cfg["study"]["domains"])

    def store(self, name: str) -> Path:
        return self.out / f"{name}.db"

    # results.json: one section per step, rewritten as steps finish
    def results(self) -> dict[str, Any]:
        p = self.records / "results.json"
        return json.loads(p.read_text()) if p.exists() else {}

    def save(self, section: str, value: Any) -> None:
        from bayeslaw.jsonable import plain

        doc = self.results()
        doc[section] = plain(value)
        (self.records / "results.json").write_text(json.dumps(doc, indent=2) + "\n")


# -- training ---------------------------------------------------------------------------
def settings(ctx: Context, **overrides):
    from trainer.spec import TrainSettings

    return TrainSettings.from_dict({**ctx.cfg.get("settings", {}), **overrides})


def _run_group(group, opts) -> list:
    from trainer.runner import execute

    return [r for spec, s in group for r in execute(spec, s, opts)]


def train(ctx: Context, store: str, jobs) -> list:
    """Run ``jobs`` (run specs, or (spec, settings) pairs) into ``<out>/<store>.db``,
    resuming, and export the store as CSV.

    Specs that share a pretraining stream (same N, D, seed and settings) run one after
    the other in one worker, so the stream is trained once; groups run on
    ``[study] workers`` processes of ``[study] threads`` threads each (default: the cores
    shared out; one thread per process is robust to other load on a small machine)."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from trainer.runner import Options

    default = settings(ctx)
    groups: dict[tuple, list] = {}
    for job in jobs:
        spec, s = job if isinstance(job, tuple) else (job, default)
        key = (spec.params, spec.pretrain_tokens, spec.seed, repr(s))
        groups.setdefault(key, []).append((spec, s))
    cores = len(os.sched_getaffinity(0))
    workers = max(1, min(len(groups), int(ctx.cfg["study"].get("workers", cores))))
    threads = int(ctx.cfg["study"].get("threads", max(1, cores // workers)))
    opts = Options(store=str(ctx.store(store)), device=ctx.device,
                   progress=ctx.progress and workers == 1, threads=threads)
    order = sorted(groups.values(), key=lambda g: -g[0][0].params * g[0][0].pretrain_tokens)
    if workers == 1:
        runs = [r for g in order for r in _run_group(g, opts)]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            runs = [r for f in [pool.submit(_run_group, g, opts) for g in order]
                    for r in f.result()]
    export(ctx, store)
    return runs


def export(ctx: Context, store: str) -> None:
    from bayeslaw.runs.io import write_runs
    from bayeslaw.runs.store import RunStore

    with RunStore(ctx.store(store)) as s:
        write_runs(ctx.records / f"{store}.csv", s.runs(status=None))


def grid(ctx: Context, table: str):
    """The specs of a grid table, or of every table of an array of tables."""
    from trainer.study import grid_specs

    tables = ctx.cfg[table] if isinstance(ctx.cfg[table], list) else [ctx.cfg[table]]
    return [s for t in tables
            for s in grid_specs({"domains": ctx.domains, **t}, f"[{table}]")]


def sweep(ctx: Context) -> None:
    """The fit runs: the sweep and its replicate seeds."""
    specs = grid(ctx, "sweep") + (grid(ctx, "replicates") if "replicates" in ctx.cfg else [])
    runs = train(ctx, "sweep", specs)
    log(f"sweep: {len(runs)} records in {ctx.store('sweep')}")


def holdout(ctx: Context) -> None:
    """The held-out runs: larger N and D than any fitted run."""
    runs = train(ctx, "holdout", grid(ctx, "holdout"))
    log(f"holdout: {len(runs)} records in {ctx.store('holdout')}")
