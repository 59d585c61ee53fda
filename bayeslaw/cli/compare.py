"""``bayeslaw compare``: rank laws by PSIS-LOO and held-out extrapolation."""

from __future__ import annotations

import argparse

from bayeslaw._jax import setup
from bayeslaw.cli.common import (
    add_json,
    add_store,
    emit_json,
    fraction_float,
    log,
    open_store,
    whole,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare laws (PSIS-LOO, extrapolation)",
                       description="Fit each law to the runs and compare PSIS-LOO; also fit "
                       "on the smaller-compute runs and predict the largest-compute ones.")
    add_store(p)
    p.add_argument("--laws", default="chinchilla,domain_gap",
                   help="comma-separated law names (see `bayeslaw laws`)")
    p.add_argument("--domain", action="append", help="only this domain (repeatable)")
    p.add_argument("--holdout", type=fraction_float(), default=0.2,
                   help="fraction of runs (largest compute) held out")
    p.add_argument("--chains", type=whole(1), default=4)
    p.add_argument("--warmup", type=whole(1), default=500)
    p.add_argument("--samples", type=whole(1), default=500)
    p.add_argument("--seed", type=whole(0), default=0)
    p.add_argument("--priors", metavar="FILE")
    p.add_argument("--out", metavar="STACKED.nc", help="also save the laws' stacked mixture "
                   "(stacking weights, every law's draws) for plan, predict and suggest")
    add_json(p)
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    setup(host_devices=max(args.chains, 1))
    from bayeslaw.fit.comparison import compare_fits
    from bayeslaw.laws import get

    laws = [s.strip() for s in args.laws.split(",") if s.strip()]
    for name in laws:
        get(name)  # unknown names fail before any fitting
    with open_store(args, must_exist=True) as store:
        runs = store.runs(domains=args.domain)
    log(f"comparing {', '.join(laws)} on {len(runs)} runs (holdout {args.holdout:.0%})")
    rows, posts = compare_fits(runs, laws, domains=args.domain, holdout=args.holdout,
                               chains=args.chains, warmup=args.warmup, samples=args.samples,
                               seed=args.seed, priors=args.priors,
                               progress=lambda m: log(f"  {m}"))
    if args.out:
        from bayeslaw.fit.stack import stack

        stacked = stack([posts[name] for name in laws])
        stacked.save(args.out)
        log(f"stacked mixture ({', '.join(f'{n} {w:.2f}' for n, w in stacked.weight_of().items())}"
            f") -> {args.out}")
    if args.json:
        emit_json({"laws": rows})
        return 0
    print(f"{'law':<20} {'elpd_loo':>10} {'se':>7} {'d_elpd':>8} {'p_loo':>6} {'k>0.7':>6} "
          f"{'hold_err':>9} {'cover90':>8}")
    for r in rows:
        print(f"{r['law']:<20} {r['elpd_loo']:>10.1f} {r['se']:>7.1f} {r['elpd_diff']:>8.1f} "
              f"{r['p_loo']:>6.1f} {r['pareto_k_bad']:>6d} {r['holdout_rel_error']:>9.2%} "
              f"{r['holdout_coverage90']:>8.0%}")
    return 0
