"""``bayeslaw suggest``: the next runs that most reduce the decision's regret per FLOP."""

from __future__ import annotations

import argparse
import json
import sys

from bayeslaw.cli.common import (
    add_force,
    add_json,
    add_new_domains,
    add_store,
    check_output,
    domain_remedy,
    emit_json,
    flag_remedy,
    log,
    open_store,
    positive_float,
    token_count,
    whole,
)
from bayeslaw.cli.gate import add_allow_unconverged, checked_draws, diagnostics_field
from bayeslaw.errors import BayeslawError

# The core says that no run is left to suggest; these are the flags that change it.
SUGGEST_REMEDIES = {"no candidate run": "raise --max-run-flops or add smaller sizes or token "
                                        "counts to the menu (--menu-params, "
                                        "--menu-pretrain-tokens, --menu-specialize-tokens)"}


def add_menu(p: argparse.ArgumentParser) -> None:
    """Flags shared by ``suggest`` and ``loop``: the target, the menu and the caps."""
    p.add_argument("--budget", type=positive_float(), required=True, metavar="FLOPS",
                   help="compute of the decision to plan (the target budget)")
    p.add_argument("--domains", type=whole(1), metavar="K",
                   help="number of specialized domains k in C = 6N(D + kD') (default: suggest "
                   "plans the measured domains plus --new-domains; loop plans 1)")
    p.add_argument("--domain", action="append", metavar="NAME",
                   help="a domain of the decision and of the candidate runs (repeatable; "
                   "default all of the posterior's)")
    add_new_domains(p)
    p.add_argument("--n", type=whole(1), default=4, metavar="Q", help="runs per batch (default 4)")
    p.add_argument("--max-run-flops", type=positive_float(), metavar="F",
                   help="cap on one run's 6 N (D + D')")
    p.add_argument("--menu-params", type=token_count(1), nargs="+", metavar="N",
                   help="model sizes to choose from (default: those in the store plus 2x and "
                   "4x the largest)")
    p.add_argument("--menu-pretrain-tokens", type=token_count(0), nargs="+", metavar="D",
                   help="pretraining token counts, 0 allowed (default: the store's plus 2x "
                   "and 4x the largest)")
    p.add_argument("--menu-specialize-tokens", type=token_count(0), nargs="+", metavar="D'",
                   help="specialization token counts, 0 allowed (default: the store's plus "
                   "2x and 4x the largest)")
    p.add_argument("--method", choices=("gaussian", "reweight"), default="gaussian",
                   help="how a run's value is estimated: from the draws' moments "
                   "(gaussian, default) or by reweighting the draws with fantasized "
                   "outcomes (reweight); see docs/suggest.md")
    p.add_argument("--worlds", type=whole(1), default=256,
                   help="fantasized worlds of --method reweight (default 256)")
    p.add_argument("--seed", type=whole(0), default=0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suggest", help="rank the next runs to execute",
        description="Rank candidate runs by the expected drop of the planning decision's "
        "regret per FLOP (a knowledge gradient from the posterior draws), greedily in "
        "batches. A specialization from a stored checkpoint costs only 6 N D'. The specs "
        "can be executed with `bayeslaw train --specs FILE` (see --out).",
    )
    p.add_argument("--posterior", required=True, metavar="P.nc", help="posterior from `fit`")
    add_menu(p)
    p.add_argument("--campaign-flops", type=positive_float(), metavar="F",
                   help="what the whole batch may cost")
    p.add_argument("--out", metavar="SPECS.json",
                   help="also write the specs as a JSON list for `bayeslaw train --specs`")
    add_force(p, "an existing --out file that is not text")
    add_allow_unconverged(p)
    add_store(p)
    add_json(p)
    p.set_defaults(func=cmd_suggest)


def load_posterior(args: argparse.Namespace):
    """``(draws, extra JSON)`` of the ``--posterior`` file (the draws with their noise),
    through the
    convergence gate (:mod:`bayeslaw.cli.gate`)."""
    from bayeslaw.fit import load

    post = load(args.posterior)  # a stacked file gives the mixture's draws
    return checked_draws(post, args), diagnostics_field(post)


def menu_from(args: argparse.Namespace, runs, domains):
    """The menu from the flags; each axis not given is the store's values plus 2x and 4x
    the largest (:func:`bayeslaw.suggest.candidates.menu_of_runs`, as in the report)."""
    from bayeslaw.suggest.candidates import menu_of_runs

    runs = list(runs)
    missing = [flag for flag, given in (("--menu-params", args.menu_params),
                                        ("--menu-pretrain-tokens", args.menu_pretrain_tokens),
                                        ("--menu-specialize-tokens",
                                         args.menu_specialize_tokens)) if not given]
    if missing and not runs:
        raise BayeslawError(f"no runs in the store to take the menu from: pass "
                            f"{', '.join(missing)} or import runs into the store")
    return menu_of_runs(runs, domains, params=args.menu_params,
                        pretrain_tokens=args.menu_pretrain_tokens,
                        specialize_tokens=args.menu_specialize_tokens)


def settings_from(args: argparse.Namespace, campaign_flops=None):
    from bayeslaw.suggest import Settings

    k = args.domains or 1
    if args.budget <= 0 or k < 1 or args.n < 1:
        raise BayeslawError("--budget must be > 0, --domains and --n >= 1")
    return Settings(budget=args.budget, k=k, q=args.n,
                    max_run_flops=args.max_run_flops, campaign_flops=campaign_flops,
                    n_worlds=args.worlds, method=args.method)


def _store_runs(args: argparse.Namespace) -> tuple[list, list]:
    """The runs and checkpoints of the store; none when no store was named and the
    default one does not exist (suggesting reads a store, it never creates one)."""
    import os

    from bayeslaw.runs.store import resolve_path

    named = args.store or os.environ.get("BAYESLAW_STORE")
    if not named and not resolve_path(None).exists():
        return [], []
    with open_store(args, must_exist=True) as store:
        return store.runs(), store.checkpoints()


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.3g}%"


def _table(result: dict) -> str:
    """The ranked runs: the expected regret each removes (% of the optimal loss) and its
    group's removal per PFLOP (the score they are ranked by); ``from`` is the checkpoint a
    run branches from, or ``#i``, the listed run whose pretraining it reuses."""
    head = (f"{'#':>2} {'N':>12} {'D':>14} {'Dprime':>14} {'domain':<12} {'from':<14} "
            f"{'FLOPs':>9} {'regret removed':>14} {'per PFLOP':>10} {'loss sd removed':>15}")
    head = head.replace("Dprime", "    D'")
    rows = [head]
    for i, s in enumerate(result["specs"], 1):
        origin = s["parent"] or ("-" if s.get("after") is None else f"#{s['after'] + 1}")
        score = s["score"]
        per_pflop = "free" if score is None else _pct(score * PFLOP)
        rows.append(f"{i:>2} {s['params']:>12,} {s['pretrain_tokens']:>14,} "
                    f"{s['specialize_tokens']:>14,} {s['domain']:<12} {origin:<14} "
                    f"{s['cost_flops']:>9.3g} {_pct(s.get('value')):>14} {per_pflop:>10} "
                    f"{_pct(s.get('narrowing')):>15}")
    return "\n".join(rows)


PFLOP = 1e15


def _settled_line(n_valued: int, n_listed: int, n_asked: int, regret: float) -> str | None:
    """One line on stderr when fewer than the runs asked for are worth running."""
    short = (f" (only {n_listed} of the {n_asked} asked for fit the menu, the caps and "
             "--campaign-flops)" if n_listed < n_asked else "")
    rest = "ranked by how much they narrow the recommended plan's predicted loss per FLOP"
    if n_valued == 0:
        return (f"settled: no run is expected to change the decision (expected regret "
                f"{regret:.3%}); the {n_listed} runs listed{short} only narrow its "
                f"predicted loss, {rest}")
    if n_valued < n_listed:
        return (f"only {n_valued} of the {n_listed} runs listed{short} are expected to reduce "
                f"the regret; runs {n_valued + 1}-{n_listed} do not change the decision, {rest}")
    if short:
        return f"{n_listed} runs listed{short}"
    return None


def cmd_suggest(args: argparse.Namespace) -> int:
    from bayeslaw.flow.loop import run_key
    from bayeslaw.suggest import suggest

    if args.out:
        check_output(args.out, ("text",), args)
    runs, ckpts = _store_runs(args)
    draws, diag = load_posterior(args)
    domains = args.domain or list(draws.domains)
    for d in domains:
        draws.domain_index(d)  # a clear error for an unknown domain
    args.domains = args.domains or len(domains) + args.new_domains
    with domain_remedy(), flag_remedy(SUGGEST_REMEDIES):
        s = suggest(draws, menu_from(args, runs, domains),
                    settings_from(args, args.campaign_flops), checkpoints=ckpts,
                    done=map(run_key, runs), domains=domains, seed=args.seed)
    result = {"budget": args.budget, "domains": args.domains, "expected_regret": s.regret_now,
              "expected_regret_after": s.regret_after, "settled": s.settled,
              "n_valued": s.n_valued, "specs": s.specs, **diag}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(s.specs, f, indent=2)
        log(f"wrote {len(s.specs)} spec(s) to {args.out}")
    note = _settled_line(s.n_valued, len(s.specs), args.n, s.regret_now)
    if note:
        log(note)
    if args.json:
        emit_json(result)
    else:
        sys.stdout.write(_table(result) + "\n")
        log(f"expected regret {s.regret_now:.3%} now, {s.regret_after:.3%} expected after "
            f"the batch (relative to the optimal loss)")
    return 0
