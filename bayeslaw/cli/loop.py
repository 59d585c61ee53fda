"""``bayeslaw loop``: fit -> suggest -> execute -> record -> refit, resumable."""

from __future__ import annotations

import argparse

from bayeslaw.cli.common import add_json, add_store, emit_json, log, positive_float, whole
from bayeslaw.cli.suggest import add_menu


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "loop", help="run the suggest/execute/refit loop",
        description="Fit the runs in the store, suggest a batch, execute it (simulator or "
        "trainer), record it, refit; until --experiment-flops are spent or the expected "
        "regret is below --regret. Interrupt it at any time and run the same command again: "
        "it resumes from the store and --state, never re-running a finished run.",
    )
    add_menu(p)
    p.add_argument("--experiment-flops", type=positive_float(), required=True, metavar="F",
                   help="compute the loop may spend on runs")
    p.add_argument("--regret", type=positive_float(), default=0.005,
                   help="stop when the expected relative regret is below this (default 0.005)")
    p.add_argument("--max-batches", type=whole(1), default=100)
    p.add_argument("--growth", type=float, default=1.0,
                   help="a batch spends at most GROWTH x the compute spent so far (default 1: "
                   "the campaign at most doubles per batch); 0: no step limit")
    p.add_argument("--initial", type=whole(0), default=12,
                   help="runs of the seed design when the store is empty (default 12)")
    p.add_argument("--executor", choices=("simulate", "train"), default="simulate")
    p.add_argument("--truth", metavar="TRUTH.toml", help="the simulator's world (simulate)")
    p.add_argument("--law", default="domain_gap",
                   help="law to fit after each batch (default domain_gap), or several, "
                   "comma-separated (e.g. domain_gap,saturation): their stacked mixture, so "
                   "that runs which tell the laws apart are valued (bench/bench_suggest.py)")
    p.add_argument("--chains", type=whole(1), default=2)
    p.add_argument("--warmup", type=whole(1), default=300)
    p.add_argument("--samples", type=whole(1), default=300)
    p.add_argument("--state", default="bayeslaw-loop.json", metavar="FILE",
                   help="the loop's state file (default ./bayeslaw-loop.json)")
    add_store(p)
    add_json(p)
    p.set_defaults(func=cmd_loop)


def make_fitter(args: argparse.Namespace):
    """The loop's fitter: ``bayeslaw.fit.fit`` with the command's settings, or the stacked
    mixture (``bayeslaw.fit.fit_stack``) of several laws."""
    from bayeslaw.fit import fit, fit_stack

    laws = [law.strip() for law in args.law.split(",") if law.strip()]
    kw = dict(domains=args.domain, chains=args.chains, warmup=args.warmup,
              samples=args.samples, seed=args.seed)

    def fitter(runs):
        post = fit(runs, law=laws[0], **kw) if len(laws) == 1 else fit_stack(runs, laws, **kw)
        return post.draws  # with their noise

    return fitter


def make_executor(args: argparse.Namespace):
    from bayeslaw.errors import BayeslawError

    if args.executor == "simulate":
        if not args.truth:
            raise BayeslawError("--executor simulate needs --truth TRUTH.toml (the known law "
                                "and parameters to answer runs from; see docs/suggest.md)")
        from bayeslaw.flow.executors import simulator_executor
        from bayeslaw.flow.simulate import load_truth

        return simulator_executor(load_truth(args.truth), seed=args.seed)
    from bayeslaw.flow.executors import trainer_executor

    return trainer_executor(seed=args.seed)


def cmd_loop(args: argparse.Namespace) -> int:
    from bayeslaw.checks import output
    from bayeslaw.cli.common import flag_remedy, open_store
    from bayeslaw.cli.suggest import SUGGEST_REMEDIES, menu_from, settings_from
    from bayeslaw.errors import BayeslawError
    from bayeslaw.flow.loop import LoopConfig, run_loop

    output(args.state, ("text",), what="--state")  # the state is JSON: never a store
    executor = make_executor(args)
    domains = args.domain or (
        list(executor.domains) if hasattr(executor, "domains") else None)
    with open_store(args) as store:
        runs = store.runs()
        domains = domains or store.domains()
        if not domains:
            raise BayeslawError("no domain to work on: pass --domain NAME")
        menu = menu_from(args, runs, domains)
        if args.new_domains:  # the decision serves the measured domains and the new ones
            args.domains = args.domains or len(domains) + args.new_domains
        cfg = LoopConfig(flops=args.experiment_flops, regret=args.regret,
                         max_batches=args.max_batches, initial=args.initial,
                         growth=args.growth if args.growth > 0 else None)
        with flag_remedy(SUGGEST_REMEDIES):  # the suggester's facts, with this command's flags
            state = run_loop(store, make_fitter(args), executor, menu, settings_from(args),
                             cfg, args.state, domains=domains, seed=args.seed, log=log)
    if args.json:
        emit_json(state)
    return 0
