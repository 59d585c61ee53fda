"""``bayeslaw train``: real pretrain -> specialize runs with the bundled trainer."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bayeslaw.cli.common import (
    add_json,
    add_store,
    emit_json,
    log,
    open_store,
    positive_float,
    token_count,
    whole,
)
from bayeslaw.errors import BayeslawError


def add_execution(p: argparse.ArgumentParser) -> None:
    """Options shared by ``train`` and ``study run``: where and how runs execute."""
    p.add_argument("--device", default="auto", help="auto (cuda if visible), cpu or cuda[:i]")
    p.add_argument("--threads", type=whole(1), help="CPU threads per run (default: all cores)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--checkpoint-dir", help="where checkpoint files go "
                   "(default: STORE-checkpoints next to the store)")
    p.add_argument("--domain-dir", action="append", metavar="NAME=DIR",
                   help="a directory of your own text as domain NAME (repeatable)")
    p.add_argument("--executor", default="inprocess", choices=("inprocess", "pool", "submitit"),
                   help="run specs here, in a local process pool, or as a submitit job array")
    p.add_argument("--workers", type=whole(1), help="process-pool size (default: one per core)")
    p.add_argument("--submitit-folder", default="submitit-logs", help="submitit log folder")
    p.add_argument("--cluster", help="submitit cluster: slurm (default when available) or local")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--force", action="store_true",
                   help="run specs estimated to take more than 24 hours (refused by default; "
                   "the estimate is printed), and overwrite output files of another kind")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train models and record their runs",
        description="Pretrain a GPT of N non-embedding parameters on the mixture of domains "
        "to D tokens (with --checkpoints geometric stable checkpoints D, D/2, ...), record "
        "each checkpoint's D'=0 point (after a cooldown of 0.1 D, counted in D), and "
        "specialize on each --domain for each D'. Or run a JSON list of specs (--specs), "
        "such as the output of bayeslaw suggest --json. Re-issuing a run resumes it.",
    )
    p.add_argument("--params", type=positive_float(),
                   help="target N (non-embedding parameters)")
    p.add_argument("--pretrain-tokens", type=token_count(0),
                   help="D of the last stable checkpoint")
    p.add_argument("--specialize-tokens", type=token_count(0), nargs="+", default=[],
                   help="D' values to specialize for")
    p.add_argument("--domain", action="append", help="domain to specialize on and record "
                   "(repeatable; default every mixture domain)")
    p.add_argument("--checkpoint", help="branch from this stored checkpoint id")
    p.add_argument("--checkpoints", type=whole(1), default=3,
                   help="geometric stable checkpoints D, D/2, ... (default 3)")
    p.add_argument("--seed", type=whole(0), default=0)
    p.add_argument("--specs", help="JSON file: a list of run specs (params, pretrain_tokens, "
                   "specialize_tokens, domain, seed, checkpoint)")
    p.add_argument("--settings", help="JSON object of training settings (batch_size, lr, "
                   "cooldown, weights, mixture, ...; see docs/trainer.md)")
    p.add_argument("--list-checkpoints", action="store_true",
                   help="list the stored checkpoints and exit")
    add_execution(p)
    add_store(p)
    add_json(p)
    p.set_defaults(func=cmd_train)


def options(args: argparse.Namespace):
    from bayeslaw.runs import resolve_path
    from trainer.domains import parse_user
    from trainer.runner import Options

    return Options(store=str(resolve_path(args.store)), checkpoint_dir=args.checkpoint_dir,
                   device=args.device, threads=args.threads, compile=args.compile,
                   progress=not args.no_progress, user_domains=parse_user(args.domain_dir),
                   max_hours=None if args.force else 24.0)


def executor_kw(args: argparse.Namespace) -> dict:
    return {"workers": args.workers, "folder": args.submitit_folder, "cluster": args.cluster}


def _load_json(path: str, what: str):
    try:
        return json.loads(Path(path).read_text())
    except OSError as e:
        raise BayeslawError(f"{what} {path}: {e.strerror}") from None
    except ValueError as e:
        raise BayeslawError(f"{what} {path}: not valid JSON ({e})") from None


def _specs(args: argparse.Namespace):
    from trainer.spec import RunSpec

    if args.specs:
        items = _load_json(args.specs, "specs file")
        items = items.get("specs", items) if isinstance(items, dict) else items
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BayeslawError(f"specs file {args.specs}: expected a JSON list of objects")
        return [RunSpec.from_dict(i) for i in items]
    if args.params is None or (args.pretrain_tokens is None and not args.checkpoint):
        raise BayeslawError("give --params and --pretrain-tokens (or --checkpoint), or --specs")
    return [RunSpec.from_dict({
        "params": args.params, "pretrain_tokens": args.pretrain_tokens or 0,
        "specialize_tokens": args.specialize_tokens, "domains": args.domain or [],
        "seed": args.seed, "checkpoints": args.checkpoints, "checkpoint": args.checkpoint})]


def run_specs_or_say(specs, settings, opts, executor, **kw):
    """:func:`trainer.executors.run_specs`, with the remedy for a refused long spec."""
    from trainer.executors import run_specs
    from trainer.runner import TooLong

    try:
        return run_specs(specs, settings, opts, executor, **kw)
    except TooLong as e:
        raise BayeslawError(f"{e}; pass --force to run it anyway") from None


def _list_checkpoints(args: argparse.Namespace) -> int:
    with open_store(args, must_exist=True) as store:
        ckpts = store.checkpoints()
    if args.json:
        emit_json([c.__dict__ for c in ckpts])
    else:
        for c in ckpts:
            print(f"{c.ckpt_id}  N={c.params:>12,}  D={c.pretrain_tokens:>14,}  seed={c.seed}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from trainer.spec import TrainSettings

    if args.list_checkpoints:
        return _list_checkpoints(args)
    settings = TrainSettings.from_dict(_load_json(args.settings, "settings file")
                                       if args.settings else None)
    runs = run_specs_or_say(_specs(args), settings, options(args), args.executor,
                            **executor_kw(args))
    ok = [r for r in runs if r.status == "completed"]
    log(f"{len(runs)} record(s) ({len(runs) - len(ok)} failed) in {options(args).store}")
    if args.json:
        emit_json([r.to_dict() for r in runs])
    else:
        for r in runs:
            loss = "failed" if r.loss is None else f"{r.loss:.4f}"
            print(f"{r.run_id}  {r.domain:<9} N={r.params:>10,} D={r.pretrain_tokens:>11,} "
                  f"D'={r.specialize_tokens:>10,}  loss={loss}")
    return 0
