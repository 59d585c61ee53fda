"""Study files: a TOML grid of runs, read into specs.

A study is ``studies/NAME.toml`` (or ``studies/NAME/study.toml``)::

    [study]
    name = "trainer-sweep"
    question = "Does loss fall with N, D and D' on byte-level text?"
    store = "runs.db"                 # relative to the TOML file

    [train]                           # the grid; later steps get their own tables
    params = [5e4, 2e5, 8e5]          # N values
    pretrain_tokens = [2e6]           # D of the last stable checkpoint
    checkpoints = 3                   # geometric stable checkpoints D, D/2, D/4
    specialize_tokens = [2.5e5, 1e6]  # D' values
    domains = ["foldoc", "python"]    # specialized and recorded
    seeds = [0]
    executor = "inprocess"            # or "pool", "submitit"

    [train.settings]                  # TrainSettings overrides (see trainer.spec)
    lr = 3e-3

Only ``[study]`` and ``[train]`` are read here. ``[import]`` (``files``: run files
to import first, relative to the TOML file) and the analysis tables ``[fit]``,
``[plan]``, ``[suggest]``, ``[report]`` are run by ``bayeslaw study run`` through
:mod:`bayeslaw.pipeline`, so one file describes a whole study.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError
from trainer.spec import RunSpec, TrainSettings

STEPS = ("import", "train", "fit", "plan", "suggest", "report")
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
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text())
    except OSError as e:
        raise BayeslawError(f"study {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise BayeslawError(f"study {path}: not valid TOML ({e})") from None
    meta, grid = doc.get("study", {}), doc.get("train")
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
