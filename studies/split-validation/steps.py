"""The steps of the split-validation study, run by ``bayeslaw study run study.toml``
(``[study] steps`` names this file; :mod:`bayeslaw.flow.steps` loads it). Each step reads
what earlier steps left in the stores and ``ctx.records`` and writes its own part of
``results.json``; the statistics and arm definitions are pure functions of
:mod:`bayeslaw.validate`."""

from __future__ import annotations

from bayeslaw.flow.steps import Context, grid, log, train

from . import active, analysis, writeup


def sweep(ctx: Context) -> None:
    """The fit runs: the sweep and its replicate seeds."""
    specs = grid(ctx, "sweep") + (grid(ctx, "replicates") if "replicates" in ctx.cfg else [])
    runs = train(ctx, "sweep", specs)
    log(f"sweep: {len(runs)} records in {ctx.store('sweep')}")


def holdout(ctx: Context) -> None:
    """The held-out runs: larger N and D than any fitted run."""
    runs = train(ctx, "holdout", grid(ctx, "holdout"))
    log(f"holdout: {len(runs)} records in {ctx.store('holdout')}")


STEPS = {"sweep": sweep, "holdout": holdout, "fit": analysis.fit,
         "decision": analysis.decision, "active": active.active, "report": writeup.report}
