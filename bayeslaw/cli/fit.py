"""``bayeslaw fit``: sample a law's posterior from the run store and save it."""

from __future__ import annotations

import argparse
import sys
import time

from bayeslaw._jax import setup
from bayeslaw.cli.common import (
    POSTERIOR_KINDS,
    add_force,
    add_json,
    add_store,
    check_output,
    emit_json,
    fraction_float,
    log,
    open_store,
    whole,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="fit a scaling law to the runs",
                       description="Fit a scaling law to the completed runs with NUTS (or the "
                       "Huber/L-BFGS baseline) and save the posterior as netCDF.")
    add_store(p)
    p.add_argument("--law", default="domain_gap", help="law name (see `bayeslaw laws`), or "
                   "`stack`: fit --laws and save their stacked mixture (the posterior to plan "
                   "with when several laws are plausible)")
    p.add_argument("--laws", help="with --law stack: comma-separated laws (default: all)")
    p.add_argument("--calibrate", action=argparse.BooleanOptionalAction, default=None,
                   help="learn how the predictive widens beyond the runs by backtesting "
                   "(refits each law on the smaller runs; default: on for --law stack)")
    p.add_argument("--domain", action="append", help="only this domain (repeatable)")
    p.add_argument("--chains", type=whole(1), default=4)
    p.add_argument("--warmup", type=whole(1), default=500)
    p.add_argument("--samples", type=whole(1), default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--priors", metavar="FILE", help="TOML file of prior overrides")
    p.add_argument("--target-accept", type=fraction_float(), default=0.9)
    p.add_argument("--escalate", type=whole(0), default=1, metavar="K",
                   help="draw more up to K times while the chains fail their convergence checks: "
                   "continue them for as many draws again (after divergences: start again "
                   "with twice the warmup and draws) (default 1; 0: never)")
    p.add_argument("--method", choices=("nuts", "lbfgs"), default="nuts")
    p.add_argument("--bootstrap", type=whole(0), default=0,
                   help="with --method lbfgs: resamples for intervals (e.g. 100)")
    p.add_argument("--out", required=True, metavar="POSTERIOR.nc")
    add_force(p, "an existing --out file that is not a posterior (e.g. a run store)")
    add_json(p)
    p.set_defaults(func=cmd_fit)


def summary(post, seconds: float) -> dict:
    """The JSON summary of a posterior: medians, 90% intervals, R-hat, ESS."""
    import numpy as np

    diag = post.diagnostics()
    params = {}
    multi = len(post.domains) > 1
    for name in [*post.law.params, "sigma", "nu"]:
        v = post.draws.params[name] if name in post.law.params else post.noise[name]
        cols = [(name, v)] if v.ndim == 1 else [
            (f"{name}[{d}]" if multi else name, v[:, j]) for j, d in enumerate(post.domains)]
        for key, x in cols:
            q05, q50, q95 = np.percentile(x, [5, 50, 95])
            params[key] = {"median": q50, "q05": q05, "q95": q95,
                           "r_hat": diag.r_hat.get(name), "ess_bulk": diag.ess_bulk.get(name)}
    return {"law": post.law.name, "method": post.method, "n_runs": len(post.run_ids),
            "domains": list(post.domains), "parameters": params,
            "divergences": diag.divergences, "fit_seconds": seconds,
            "ppc_coverage90": diag.ppc_coverage90, "warnings": diag.warnings}


def cmd_fit(args: argparse.Namespace) -> int:
    check_output(args.out, POSTERIOR_KINDS, args)  # before the fit, not after it
    with open_store(args, must_exist=True) as store:
        runs = store.runs(domains=args.domain)

    setup(host_devices=max(args.chains, 1))
    start = time.perf_counter()
    if args.law == "stack":
        return _fit_stack(args, runs, start)
    if args.method == "lbfgs":
        from bayeslaw.fit import lbfgs

        post = lbfgs.fit(runs, args.law, domains=args.domain, bootstrap=args.bootstrap,
                         seed=args.seed, priors=args.priors)
    else:
        from bayeslaw.fit import fit

        post = fit(runs, args.law, domains=args.domain, chains=args.chains,
                   warmup=args.warmup, samples=args.samples, seed=args.seed,
                   priors=args.priors, progress=sys.stderr.isatty() and not args.json,
                   target_accept=args.target_accept, escalate=args.escalate)
    if args.calibrate:
        from bayeslaw.fit.backtest import calibrate

        post = post.with_calibration(calibrate(runs, post, method=args.method))
    seconds = time.perf_counter() - start
    post.save(args.out)
    out = summary(post, seconds)
    for w in out["warnings"]:
        log(f"warning: {w}")
    log(f"fitted {post.law.name} to {out['n_runs']} runs in {seconds:.1f} s -> {args.out}")
    if args.json:
        emit_json(out)
    else:
        for k, v in out["parameters"].items():
            print(f"{k:<14} {v['median']:.4g}  [{v['q05']:.4g}, {v['q95']:.4g}]")
    return 0


def _fit_stack(args: argparse.Namespace, runs, start: float) -> int:
    from bayeslaw.fit.averaged import fit_stack
    from bayeslaw.laws import get, names

    laws = [s.strip() for s in (args.laws or ",".join(names())).split(",") if s.strip()]
    for name in laws:
        get(name)  # unknown names fail before any fitting
    kw = ({"bootstrap": args.bootstrap} if args.method == "lbfgs" else
          {"chains": args.chains, "warmup": args.warmup, "samples": args.samples,
           "target_accept": args.target_accept, "escalate": args.escalate})
    post = fit_stack(runs, laws, method=args.method, domains=args.domain, seed=args.seed,
                     priors=args.priors, calibrate=args.calibrate is not False, **kw)
    seconds = time.perf_counter() - start
    post.save(args.out)
    c = post.calibration
    out = {"law": "stack", "weights": post.weight_of(), "n_runs": len(post.run_ids),
           "domains": list(post.domains), "fit_seconds": seconds,
           "calibration": None if c is None else {"tau": c.tau, "power": c.power,
                                                  "gain": c.gain, "n_heldout": c.n_heldout},
           "laws": {p.law.name: summary(p, seconds) for p in post.components}}
    for name, s in out["laws"].items():
        for w in s["warnings"]:
            log(f"warning: {name}: {w}")
    log(f"stacked {', '.join(laws)} on {out['n_runs']} runs in {seconds:.1f} s -> {args.out}")
    if args.json:
        emit_json(out)
    else:
        for name, w in out["weights"].items():
            print(f"{name:<20} weight {w:.3f}")
        if c is not None:
            print(f"extrapolation widening: tau {c.tau:.4g}, power {c.power:g} "
                  f"(from {c.n_heldout} backtest predictions)")
    return 0
