"""Training for split-validation-2: the study runner's training, with the general corpus.

The general mixture is the user domain ``general=<out>/general`` (corpus.py), which
every training process is told about (``trainer.runner.Options.user_domains``). Specs
that share a pretraining stream (same N, seed and settings: the stream does not depend on
D) run in one worker in increasing D, so each stream is trained once and every later
spec branches from the checkpoint the earlier one left (``SpecRun.reach`` loads the
latest saved checkpoint below its D); groups run on ``[study] workers`` processes,
most expensive first.
"""

from __future__ import annotations

# the pool runs in bayeslaw.flow.steps: spawned workers import its function by name,
# and this study's package exists only in the process that loaded it
from bayeslaw.flow.steps import Context, log, run_groups, settings


def corpus_dir(ctx: Context):
    return ctx.out / ctx.cfg.get("corpus", {}).get("name", "general")


def user_domains(ctx: Context) -> dict[str, str]:
    name = ctx.cfg.get("corpus", {}).get("name", "general")
    return {name: str(corpus_dir(ctx))}


def _cost(group) -> float:
    from trainer.model import train_flops_per_token
    from trainer.runner import train_tokens
    from trainer.sizing import size_for

    return sum(train_tokens(spec, s, max(1, len(spec.domains)))
               * train_flops_per_token(size_for(spec.params, block_size=s.block_size))
               for spec, s in group)


def groups_of(jobs, default, order: str = "cost", part=None) -> list[list]:
    """Jobs (specs, or (spec, settings) pairs) grouped by pretraining stream, each group
    in increasing D; groups most expensive first (``order="cost"``: the shortest
    schedule), or in the order the jobs give them (``"given"``: e.g. seed by seed, so
    that an interrupted step has whole seeds). ``part(spec)`` splits a stream's specs
    into groups that run in parallel, sharing the stream through its lock."""
    out: dict[tuple, list] = {}
    for job in jobs:
        spec, s = job if isinstance(job, tuple) else (job, default)
        key = (spec.params, spec.seed, repr(s), part(spec) if part else 0)
        out.setdefault(key, []).append((spec, s))
    groups = [sorted(g, key=lambda j: j[0].pretrain_tokens) for g in out.values()]
    return groups if order == "given" else sorted(groups, key=_cost, reverse=True)


def train(ctx: Context, store: str, jobs, order: str = "cost", part=None) -> list:
    """Run ``jobs`` into ``<out>/<store>.db`` (resuming) and export the store as CSV
    (``order``, ``part``: see :func:`groups_of`), every worker told of the corpus."""
    return run_groups(ctx, store, groups_of(jobs, settings(ctx), order, part),
                      user_domains=user_domains(ctx))


def corpus(ctx: Context) -> None:
    """Build (or find) the general corpus; its manifest goes into the records."""
    from . import corpus as build

    c = ctx.cfg.get("corpus", {})
    m = build.ensure(corpus_dir(ctx), tuple(c.get("sources", build.SOURCES)),
                     int(c.get("shards", build.SHARDS)), c.get("max_bytes"))
    ctx.save("corpus", m)
    log(f"corpus: {m['total_bytes']:,} bytes ({m['train_bytes']:,} training), sha256 "
        f"{m['sha256'][:16]}")


def grid(ctx: Context, table: str):
    from bayeslaw.flow.study import grid_specs

    tables = ctx.cfg[table] if isinstance(ctx.cfg[table], list) else [ctx.cfg[table]]
    return [s for t in tables for s in grid_specs({"domains": ctx.domains, **t}, f"[{table}]")]


def sweep(ctx: Context) -> None:
    """The fit runs: the sweep and its replicate seeds."""
    specs = grid(ctx, "sweep") + (grid(ctx, "replicates") if "replicates" in ctx.cfg else [])
    log(f"sweep: {len(train(ctx, 'sweep', specs))} records")


def holdout(ctx: Context) -> None:
    """The held-out runs: larger N (and compute) than any fitted run."""
    log(f"holdout: {len(train(ctx, 'holdout', grid(ctx, 'holdout')))} records")
