"""Turning finished points into run records, with their ids and provenance.

Every point has an id derived from what determines it (the stream key, the settings,
the checkpoint step, the kind of branch, the domain, D'), so re-issuing a run finds
the records it already wrote and writes each one once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from bayeslaw.errors import BayeslawError
from bayeslaw.runs import Run, RunStore
from trainer import device as dev
from trainer.spec import digest


@dataclass(frozen=True)
class Point:
    """One data point to produce: a domain's loss after a cooldown or a specialization."""

    kind: str  # "cooldown" (D' = 0) or "specialize"
    domain: str
    step: int  # the checkpoint's step
    dprime: int  # nominal D' (0 for a cooldown)
    run_id: str = ""


def point(key: str, settings_id: str, kind: str, domain: str, step: int, dprime: int) -> Point:
    rid = "trn_" + digest(key, settings_id, kind, domain, step, dprime)
    return Point(kind, domain, step, dprime, rid)


@dataclass
class Context:
    """What every record of one spec shares."""

    params: int
    seed: int
    config: dict[str, Any]
    device: str
    threads: int
    flops_per_token: float
    peak: float
    done: set[str] = field(default_factory=set)


def metrics(ctx: Context, *, losses: dict[str, float], mixture_loss: float, train_loss: float,
            tokens: int, seconds: float, wall_s: float, epochs: dict[str, float]) -> dict:
    tps = tokens / seconds if seconds > 0 else None
    return {
        "mixture_loss": mixture_loss, "val_losses": losses, "train_loss": train_loss,
        "wall_s": round(wall_s, 3), "tokens_per_s": tps,
        "mfu": tps * ctx.flops_per_token / ctx.peak if tps else None,
        "matmul_peak_flops": ctx.peak, "epochs": epochs,
        "device": dev.name(ctx.device), "threads": ctx.threads,
    }


def record(ctx: Context, p: Point, *, D: int, Dp: int, loss: float | None, parent: str | None,
           metrics: dict, status: str = "completed") -> Run:
    config = dict(ctx.config, kind=p.kind, checkpoint_step=p.step, nominal_dprime=p.dprime,
                  code_version=dev.code_version(), torch=torch.__version__)
    return Run(params=ctx.params, pretrain_tokens=D, specialize_tokens=Dp, domain=p.domain,
               loss=loss, run_id=p.run_id, seed=ctx.seed, parent_id=parent, status=status,
               source="trainer", config=config, metrics=metrics)


def add_once(store: RunStore, runs: list[Run], ctx: Context) -> list[Run]:
    """Add the runs not yet in the store (another worker may have written them)."""
    new = [r for r in runs if r.run_id not in store.existing_ids([r.run_id])]
    try:
        if new:
            store.add(new)
    except BayeslawError:
        new = [r for r in new if r.run_id not in store.existing_ids([r.run_id])]
        if new:
            store.add(new)
    ctx.done.update(r.run_id for r in runs)
    return new
