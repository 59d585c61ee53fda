"""Study files and ``bayeslaw study run``: one TOML file describes a whole study.

A study is ``studies/NAME.toml`` (or ``studies/NAME/study.toml``)::

    [study]
    name = "trainer-sweep"
    question = "Does loss fall with N, D and D' on byte-level text?"
    store = "runs.db"                 # relative to the TOML file

    [import]                          # optional: run files imported first
    files = ["runs.csv"]

    [train]                           # the grid of runs to train
    params = [5e4, 2e5, 8e5]          # N values
    pretrain_tokens = [2e6]           # D of the last stable checkpoint
    checkpoints = 3                   # geometric stable checkpoints D, D/2, D/4
    specialize_tokens = [2.5e5, 1e6]  # D' values
    domains = ["foldoc", "python"]    # specialized and recorded
    seeds = [0]
    executor = "inprocess"            # or "pool", "submitit"

    [train.settings]                  # TrainSettings overrides (see trainer.spec)
    lr = 3e-3

The built-in steps are import -> train -> analysis (the ``[fit]``, ``[plan]``,
``[suggest]`` and ``[report]`` tables, :mod:`bayeslaw.flow.analysis`). A study with
steps of its own names them with ``[study] steps = "steps.py"`` instead
(:mod:`bayeslaw.flow.steps`; e.g. ``studies/split-validation``).
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError
from trainer.spec import RunSpec, TrainSettings

STEPS = ("import", "train", "fit", "plan", "suggest", "report")  # the built-in tables
GRID_KEYS = {"params", "pretrain_tokens", "checkpoints", "specialize_tokens", "domains", "seeds",
             "executor", "workers", "settings", "slurm"}


@dataclass(frozen=True)
class Study:
    name: str
    path: Path
    store: Path
    specs: list[RunSpec]
    settings: TrainSettings
    executor: str
    executor_kw: dict[str, Any]
    tables: dict[str, Any]  # every table of the file, for later steps
    steps: Path | None = None  # a study's own steps file ([study] steps)


def _list(v: Any) -> list:
    return list(v) if isinstance(v, list | tuple) else [v]


def grid_specs(grid: dict[str, Any], where: str = "[train]") -> list[RunSpec]:
    """The specs of a grid table: every (seed, N, D) with its checkpoints, D' values and
    domains (see the module docstring for the keys)."""
    for key in ("params", "pretrain_tokens"):
        if key not in grid:
            raise BayeslawError(f"{where} needs {key}")
    return [RunSpec.from_dict({
        "params": n, "pretrain_tokens": d, "seed": s, "checkpoints": grid.get("checkpoints", 1),
        "specialize_tokens": _list(grid.get("specialize_tokens", [])),
        "domains": _list(grid.get("domains", []))})
        for s, n, d in itertools.product(_list(grid.get("seeds", [0])), _list(grid["params"]),
                                         _list(grid["pretrain_tokens"]))]


def load(path: str | Path) -> Study:
    """Read and check a study file (tables and keys; numbers before any work)."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text())
    except OSError as e:
        raise BayeslawError(f"study {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise BayeslawError(f"study {path}: not valid TOML ({e})") from None
    meta, grid = doc.get("study", {}), doc.get("train")
    if "steps" in meta:  # a study of its own steps reads its own tables
        return Study(name=meta.get("name", path.stem), path=path,
                     store=path.parent / meta.get("store", f"{path.stem}.db"), specs=[],
                     settings=TrainSettings(), executor="inprocess", executor_kw={},
                     tables=doc, steps=path.parent / meta["steps"])
    if not isinstance(grid, dict):
        raise BayeslawError(f"study {path}: needs a [train] table with the grid of runs")
    unknown = sorted(set(grid) - GRID_KEYS)
    if unknown:
        raise BayeslawError(f"study {path}: unknown [train] key(s) {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(GRID_KEYS))}")
    specs = grid_specs(grid, f"study {path}: [train]")
    return Study(
        name=meta.get("name", path.stem), path=path,
        store=path.parent / meta.get("store", f"{path.stem}.db"), specs=specs,
        settings=TrainSettings.from_dict(grid.get("settings")),
        executor=grid.get("executor", "inprocess"),
        executor_kw={"workers": grid.get("workers"), "slurm": grid.get("slurm")}, tables=doc)


# The analysis tables' numbers, checked before any training (bayeslaw.checks).
_TABLE_CHECKS = {
    "fit": {"chains": "integer", "warmup": "integer", "samples": "integer",
            "holdout": "fraction"},
    "plan": {"budget": "positive", "budget_factor": "positive", "domains": "integer",
             "new_domains": ("integer", 0)},  # (check, minimum)
    "suggest": {"n": "integer"},
}


# Every key the analysis tables take: a typo is an error, not a silently ignored setting.
_TABLE_KEYS = {"plan": {"budget", "budget_factor", "domains", "new_domains"}, "suggest": {"n"},
               "report": {"out"}}


def check_tables(study: Study) -> None:
    """Refuse an unknown key or a bad number in the analysis tables, before any work."""
    from bayeslaw import checks
    from bayeslaw.flow.analysis import FIT_KEYS

    if study.steps is not None:
        return  # its own steps read its own tables
    for table, known in {**_TABLE_KEYS, "fit": FIT_KEYS}.items():
        unknown = sorted(set(study.tables.get(table, {})) - known)
        if unknown:
            raise BayeslawError(f"study {study.path}: unknown [{table}] key(s) "
                                f"{', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for table, keys in _TABLE_CHECKS.items():
        for key, check in keys.items():
            value = study.tables.get(table, {}).get(key)
            if value is not None:
                name, *minimum = check if isinstance(check, tuple) else (check,)
                try:
                    getattr(checks, name)(value, f"[{table}] {key}", *minimum)
                except BayeslawError as e:
                    raise BayeslawError(f"study {study.path}: {e}") from None
    plan = study.tables.get("plan", {})
    if plan.get("new_domains") and plan.get("domains") and plan["new_domains"] >= plan["domains"]:
        raise BayeslawError(f"study {study.path}: [plan] new_domains = {plan['new_domains']} "
                            f"leaves no measured domain among domains = {plan['domains']} (k); "
                            "the new ones are drawn from the measured ones' population")


def import_files(study: Study, store_path: str | Path,
                 say: Callable[[str], None] = print) -> int:
    """Import the study's ``[import] files``; measurements already in the store are
    skipped, so a re-run imports nothing new. An invalid record stops the study (as
    ``runs import``)."""
    from bayeslaw.runs.io import import_runs
    from bayeslaw.runs.store import RunStore

    n = 0
    with RunStore(store_path) as store:
        for name in study.tables.get("import", {}).get("files", []):
            done = import_runs(store, study.path.parent / name)
            if done.rejected:
                bad = done.rejected[0]
                raise BayeslawError(f"study {study.name}: {name}:{bad.line}: {bad.reason} "
                                    f"({len(done.rejected)} invalid record(s))")
            n += done.written
            say(f"study {study.name}: imported {done.written} run(s) from {name}"
                + (f", skipped {done.skipped} already in the store" if done.skipped else ""))
    return n


def run_study(study: Study, store: str | Path, out: Path | None, *,
              train: Callable[[], list], say: Callable[[str], None] = print,
              provenance: Mapping[str, Any] | None = None,
              allow_unconverged: bool = False) -> dict[str, Any]:
    """The built-in steps of ``study``: import its files into ``store``, ``train()`` its
    grid (the caller binds the executor and options: ``trainer.executors.run_specs``),
    then, with a ``[fit]`` table, the analysis into ``out``. Returns the summary."""
    import time

    imported = import_files(study, store, say)
    say(f"study {study.name}: {len(study.specs)} spec(s) -> {store}")
    t0 = time.perf_counter()
    runs = train()
    wall = time.perf_counter() - t0
    failed = sum(r.status != "completed" for r in runs)
    say(f"study {study.name}: {len(runs)} record(s), {failed} failed, {wall:.0f} s")
    summary: dict[str, Any] = {"study": study.name, "store": str(store), "imported": imported,
                               "records": len(runs), "failed": failed, "train_wall_s": wall}
    if "fit" in study.tables and out is not None:
        from bayeslaw.flow.analysis import run_analysis

        tables = dict(study.tables)
        if isinstance(tables["fit"].get("priors"), str):  # a prior file, beside the study's
            tables["fit"] = {**tables["fit"],
                             "priors": str(study.path.parent / tables["fit"]["priors"])}
        summary["analysis"] = run_analysis(tables, Path(store), out, say=say,
                                           provenance=provenance,
                                           allow_unconverged=allow_unconverged)
        say(f"study {study.name}: report at {summary['analysis']['report']}")
    summary["wall_s"] = time.perf_counter() - t0
    return summary
