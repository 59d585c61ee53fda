"""``bayeslaw predict``: the posterior predictive loss at new (N, D, D') points."""

from __future__ import annotations

import argparse
import csv

from bayeslaw._jax import setup
from bayeslaw.checks import count, positive
from bayeslaw.cli.common import add_json, emit_json, flag_remedy, log, positive_float, token_count
from bayeslaw.cli.gate import add_allow_unconverged, diagnostics_field, gate
from bayeslaw.errors import BayeslawError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="predict the loss at new points",
                       description="Posterior predictive loss (with observation noise) and mean "
                       "curve at one point, or at every row of a CSV (columns params, "
                       "pretrain_tokens, specialize_tokens[, domain]; aliases N, D, D_prime).")
    p.add_argument("--posterior", required=True, metavar="P.nc")
    p.add_argument("--params", type=positive_float(), metavar="N")
    p.add_argument("--pretrain-tokens", type=token_count(0), metavar="D")
    p.add_argument("--specialize-tokens", type=token_count(0), default=0, metavar="D'")
    p.add_argument("--domain")
    p.add_argument("--points", metavar="CSV", help="predict at every row of this CSV")
    p.add_argument("--seed", type=int, default=0)
    add_allow_unconverged(p)
    add_json(p)
    p.set_defaults(func=cmd_predict)


def _points(args) -> list[dict]:
    if args.points:
        from bayeslaw.runs.record import normalize_keys

        try:
            with open(args.points, newline="", encoding="utf-8-sig") as f:
                rows = [normalize_keys(r) for r in csv.DictReader(f, strict=True)]
            out = []
            for line, r in enumerate(rows, start=2):
                try:
                    out.append({"N": positive(r["params"], "params"),
                                "D": float(count(r["pretrain_tokens"], "pretrain_tokens")),
                                "D_prime": float(count(r.get("specialize_tokens") or 0,
                                                       "specialize_tokens")),
                                "domain": r.get("domain") or args.domain})
                except BayeslawError as e:
                    raise BayeslawError(f"{args.points}:{line}: {e}") from None
            return out
        except (OSError, KeyError, ValueError, csv.Error) as e:
            raise BayeslawError(f"cannot read points from {args.points}: {e} (need columns "
                                "params, pretrain_tokens[, specialize_tokens, domain])") from None
    if args.params is None or args.pretrain_tokens is None:
        raise BayeslawError("give --params and --pretrain-tokens, or --points CSV")
    return [{"N": args.params, "D": float(args.pretrain_tokens),
             "D_prime": float(args.specialize_tokens),
             "domain": args.domain}]


def cmd_predict(args: argparse.Namespace) -> int:
    points = _points(args)  # bad input is refused before jax loads
    setup()
    from bayeslaw.extrapolation import Measured, assess
    from bayeslaw.fit import load, predict

    post = load(args.posterior)
    measured = Measured.of_posterior(post)
    out = []
    with gate(args), flag_remedy({"several domains": "say which with --domain"}):
        for pt in points:
            e = assess(measured, params=pt["N"], pretrain_tokens=pt["D"],
                       specialize_tokens=pt["D_prime"])
            for w in e.warnings:
                log(f"warning: N={pt['N']:.3g} D={pt['D']:.3g} D'={pt['D_prime']:.3g}: {w}")
            out.append({**pt, **predict(post, pt["N"], pt["D"], pt["D_prime"], pt["domain"],
                                        seed=args.seed,
                                        allow_unconverged=args.allow_unconverged),
                        "extrapolation": e.to_dict()})
    if args.json:
        diag = diagnostics_field(post)
        emit_json({**out[0], **diag} if not args.points else {"points": out, **diag})
        return 0
    for r in out:
        q = r["loss"]
        print(f"N={r['N']:.3g} D={r['D']:.3g} D'={r['D_prime']:.3g}: loss {q['q50']:.4f} "
              f"(90% {q['q05']:.4f}-{q['q95']:.4f}); mean curve {r['mean_curve']['q50']:.4f}")
    return 0
