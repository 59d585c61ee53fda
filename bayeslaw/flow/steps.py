"""A study's own steps: the step runner and the helpers every step uses.

A study whose ``[study]`` table names ``steps = "FILE.py"`` (e.g.
``studies/split-validation/study.toml``) is run by ``bayeslaw study run`` step by step:
FILE.py (and the modules next to it, imported relatively) is loaded as a package and its
``STEPS`` (an ordered ``{name: step(ctx)}``) run in order, ``--steps`` picking some. Each
step reads what earlier steps left in the stores and ``ctx.records`` and writes its own
section of ``results.json``; every training step writes its own run store under
``[study] out`` and resumes when re-run (the trainer skips recorded points and reloads
checkpoints).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError

Step = Callable[["Context"], None]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Context:
    """What a step gets: the study's tables, where to write, how to train."""

    cfg: dict[str, Any]
    out: Path  # stores and checkpoints (not tracked)
    records: Path  # CSV exports, results and the report (tracked)
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


def load_steps(path: Path) -> dict[str, Step]:
    """The ``STEPS`` of a study's step file; the file's folder is imported as a package
    (named after the folder), so its modules import each other relatively
    (``from .analysis import fit``) and nothing edits ``sys.path``."""
    path = Path(path).resolve()
    if not path.is_file():
        raise BayeslawError(f"study steps file {path} does not exist")
    package = "bayeslaw_study_" + re.sub(r"\W", "_", path.parent.name)
    if package not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            package, path.parent / "__init__.py", submodule_search_locations=[str(path.parent)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module  # no __init__.py needed: nothing is executed for it
    module = importlib.import_module(f"{package}.{path.stem}")
    steps = getattr(module, "STEPS", None)
    if not isinstance(steps, Mapping) or not all(callable(s) for s in steps.values()):
        raise BayeslawError(f"study steps file {path} must define STEPS = {{name: step(ctx)}}")
    return dict(steps)


def run_steps(steps: Mapping[str, Step], ctx: Context, names: Sequence[str] | None = None
              ) -> dict[str, float]:
    """Run ``names`` (default: all) of ``steps`` in the steps' order; returns their wall
    seconds."""
    unknown = sorted(set(names or ()) - set(steps))
    if unknown:
        raise BayeslawError(f"unknown step(s) {', '.join(unknown)}; "
                            f"this study's steps: {', '.join(steps)}")
    ctx.out.mkdir(parents=True, exist_ok=True)
    ctx.records.mkdir(parents=True, exist_ok=True)
    walls = {}
    for name, step in steps.items():
        if names and name not in names:
            continue
        t0 = time.perf_counter()
        log(f"== {name}")
        step(ctx)
        walls[name] = time.perf_counter() - t0
        log(f"== {name} done in {walls[name]:.0f} s")
    return walls


# -- training ---------------------------------------------------------------------------
def settings(ctx: Context, **overrides):
    """The study's ``[settings]`` table (with ``overrides``) as the trainer's settings."""
    from trainer.spec import TrainSettings

    return TrainSettings.from_dict({**ctx.cfg.get("settings", {}), **overrides})


def _run_group(group, opts) -> list:
    from trainer.runner import execute

    return [r for spec, s in group for r in execute(spec, s, opts)]


def train(ctx: Context, store: str, jobs) -> list:
    """Run ``jobs`` (run specs, or (spec, settings) pairs) into ``<out>/<store>.db``,
    resuming, and export the store as CSV.

    Specs that share a pretraining stream (same N, D, seed and settings) run one after
    the other in one worker, so the stream is trained once; groups run most expensive
    first (:func:`run_groups`)."""
    default = settings(ctx)
    groups: dict[tuple, list] = {}
    for job in jobs:
        spec, s = job if isinstance(job, tuple) else (job, default)
        key = (spec.params, spec.pretrain_tokens, spec.seed, repr(s))
        groups.setdefault(key, []).append((spec, s))
    order = sorted(groups.values(), key=lambda g: -g[0][0].params * g[0][0].pretrain_tokens)
    return run_groups(ctx, store, order)


def run_groups(ctx: Context, store: str, groups: list[list], **options) -> list:
    """Run ``groups`` of (spec, settings) pairs, in this order, into ``<out>/<store>.db``
    and export the store as CSV. A group runs in one worker; groups run on ``[study]
    workers`` processes of ``[study] threads`` threads each (default: the cores shared
    out; one thread per process is robust to other load on a small machine). ``options``:
    further :class:`trainer.runner.Options` fields (e.g. ``user_domains``)."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from trainer.runner import Options

    cores = len(os.sched_getaffinity(0))
    workers = max(1, min(len(groups), int(ctx.cfg["study"].get("workers", cores))))
    threads = int(ctx.cfg["study"].get("threads", max(1, cores // workers)))
    opts = Options(store=str(ctx.store(store)), device=ctx.device,
                   progress=ctx.progress and workers == 1, threads=threads, **options)
    log(f"{store}: {sum(map(len, groups))} specs in {len(groups)} streams on {workers} workers")
    if workers == 1:
        runs = [r for g in groups for r in _run_group(g, opts)]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            runs = [r for f in [pool.submit(_run_group, g, opts) for g in groups]
                    for r in f.result()]
    export(ctx, store)
    return runs


def export(ctx: Context, store: str) -> None:
    """Write ``<out>/<store>.db`` as ``<records>/<store>.csv`` (every record, failed too)."""
    from bayeslaw.runs.io import write_runs
    from bayeslaw.runs.store import RunStore

    with RunStore(ctx.store(store)) as s:
        write_runs(ctx.records / f"{store}.csv", s.runs(status=None))


def grid(ctx: Context, table: str):
    """The specs of a grid table, or of every table of an array of tables."""
    from bayeslaw.flow.study import grid_specs

    tables = ctx.cfg[table] if isinstance(ctx.cfg[table], list) else [ctx.cfg[table]]
    return [s for t in tables
            for s in grid_specs({"domains": ctx.domains, **t}, f"[{table}]")]
