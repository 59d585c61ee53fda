"""``bayeslaw plan``: the compute-optimal split for a budget, from a posterior file (or,
with no runs yet, from published point parameters: :mod:`bayeslaw.published`)."""

from __future__ import annotations

import argparse

from bayeslaw.checks import positive
from bayeslaw.cli.common import (
    add_json,
    add_new_domains,
    arg,
    domain_remedy,
    emit_json,
    flag_remedy,
    fraction_float,
    log,
    positive_float,
    token_count,
    whole,
)
from bayeslaw.cli.gate import add_allow_unconverged, checked_draws, diagnostics_field
from bayeslaw.errors import BayeslawError
from bayeslaw.published import check_spec

# The core says why a budget cannot be planned; these are the flags that change it.
PLAN_REMEDIES = {
    "cannot pretrain": "raise --budget or lower --pretrain-tokens",
    "too small for the smallest model": "raise --budget or allow smaller models (--params, "
                                        "--model-sizes)",
}


def _sizes(text: str) -> list[float]:
    try:
        return [positive(x, "model size") for x in text.split(",") if x.strip()]
    except BayeslawError as e:
        raise argparse.ArgumentTypeError(f"expected N1,N2,... numbers > 0: {e}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan", help="compute-optimal (N, D, D') for a budget, with uncertainty bands",
        description="For a compute budget C = 6 N (D + k D') and k specialized domains, the "
        "allocation (model size N, pretraining tokens D, specialization tokens D' per domain) "
        "that minimizes the posterior expected mean domain loss, with 50%/90% intervals of "
        "each draw's optimum, the expected regret, and baselines at the same budget.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--posterior", metavar="P.nc", action="append",
                        help="posterior file (bayeslaw fit --out; a stacked one from --law "
                        "stack); repeat with several laws' files to plan with their stacked "
                        "mixture")
    source.add_argument("--published", metavar="NAME|FILE.toml", type=arg(check_spec),
                        help="plan without runs from published point parameters: "
                        "hoffmann2022 (Hoffmann et al. 2022, approach 3), epoch2024 "
                        "(Besiroglu et al. 2024), or your own TOML file (see "
                        "bayeslaw/published.py); no posterior, so no uncertainty")
    p.add_argument("--budget", required=True, type=positive_float(), metavar="FLOPS")
    p.add_argument("--domains", type=whole(1), metavar="K", help="number of specialized domains "
                   "(default: the measured domains planned for plus --new-domains)")
    p.add_argument("--domain", action="append", metavar="NAME", help="a posterior domain to "
                   "plan for (repeat for heterogeneous domains; once for K copies of it; "
                   "default: all of the posterior's)")
    add_new_domains(p)
    p.add_argument("--params", type=positive_float(), metavar="N", help="fixed model size")
    p.add_argument("--pretrain-tokens", type=token_count(0), metavar="D",
                   help="fixed pretraining (an existing base): only how long to specialize")
    p.add_argument("--max-specialize-tokens", type=token_count(0), metavar="T",
                   help="domain tokens available per domain (0: no specialization)")
    p.add_argument("--max-pretrain-tokens", type=token_count(0), metavar="T",
                   help="general tokens available")
    p.add_argument("--model-sizes", type=_sizes, metavar="N1,N2,...", help="menu of sizes")
    p.add_argument("--quantile", type=fraction_float(), metavar="Q",
                   help="minimize this quantile of the loss instead of its mean (risk-averse)")
    add_allow_unconverged(p)
    add_json(p)
    p.set_defaults(func=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    from bayeslaw.fit import load
    from bayeslaw.plan import Constraints, plan

    constraints = Constraints(
        params=args.params, pretrain_tokens=args.pretrain_tokens,
        max_specialize_tokens=args.max_specialize_tokens,
        max_pretrain_tokens=args.max_pretrain_tokens, model_sizes=args.model_sizes)
    if args.published:
        return _plan_published(args, constraints)
    posterior = load(args.posterior)  # one file of either kind, or several stacked
    posterior.check_budget(args.budget)
    draws = checked_draws(posterior, args)
    k = args.domains or len(args.domain or draws.domains) + args.new_domains
    with domain_remedy(), flag_remedy(PLAN_REMEDIES):
        result = plan(draws, args.budget, k, domains=args.domain, new_domains=args.new_domains,
                      constraints=constraints, quantile=args.quantile)
    doc = {**result.to_dict(), **diagnostics_field(posterior)}
    _add_mixture(doc, posterior, result)
    doc["extrapolation"] = _extrapolation(posterior, doc)
    if args.json:
        emit_json(doc)
    else:
        print(table(doc))
    return 0


NO_UNCERTAINTY = ("none: planned from published point parameters (one draw), not a "
                  "posterior; the intervals are points and the expected regret is 0 by "
                  "construction, not because the law is known")


def _plan_published(args: argparse.Namespace, constraints) -> int:
    """A zero-fit plan (:mod:`bayeslaw.published`): the planner on one draw."""
    from bayeslaw.plan import plan
    from bayeslaw.published import load

    pub = load(args.published)
    draws = pub.draws()
    k = args.domains or len(args.domain or draws.domains) + args.new_domains
    with domain_remedy(), flag_remedy(PLAN_REMEDIES):
        result = plan(draws, args.budget, k, domains=args.domain, new_domains=args.new_domains,
                      constraints=constraints, quantile=args.quantile)
    doc = {**result.to_dict(), "published": pub.to_dict(), "uncertainty": NO_UNCERTAINTY}
    if args.json:
        emit_json(doc)
    else:
        print(published_table(doc))
    return 0


def published_table(doc: dict) -> str:
    """The human-readable zero-fit plan: the point optimum, its source, and the warning."""
    pub, r = doc["published"], doc["recommended"]
    values = ", ".join(f"{k}={v if isinstance(v, list) else f'{v:g}'}"
                       for k, v in pub["params"].items())
    lines = [f"Budget {doc['budget']:.3g} FLOPs, k={doc['k']} domain(s): planned from published "
             f"parameters {pub['name']} ({pub['law']} law: {values})",
             f"Source: {pub['source']}",
             "NO UNCERTAINTY: a point estimate, not a posterior; the plan is as good as those "
             "numbers are for your data and setup. Fit your own runs (bayeslaw fit) for intervals "
             "and regret.", "",
             f"{'':<20} {'N':>10} {'D':>10}         D' {'share':>6} {'loss':>8}",
             f"{'recommended':<20} {r['params']:>10.3g} {r['pretrain_tokens']:>10.3g} "
             f"{r['specialize_tokens']:>10.3g} {r['pretrain_share']:>6.3f} {r['loss']:>8.4f}",
             f"Tokens per parameter (D + k D') / N: {r['tokens_per_param']:.3g}"
             + ("; the law sees only D + D', so all tokens go to pretraining"
                if doc.get("blind_to_split") else "")]
    return "\n".join(lines)


def _add_mixture(doc: dict, posterior, result) -> None:
    """The stacking weights and, with a calibration, the recommended decision's loss
    interval widened for its distance beyond the runs."""
    if hasattr(posterior, "weight_of"):
        doc["stack"] = {"weights": posterior.weight_of()}
    calibration = getattr(posterior, "calibration", None)
    if calibration is not None:
        from bayeslaw.plan.decision import widen_decision

        doc["recommended"]["loss_interval_calibrated"] = widen_decision(
            result.losses, result.recommended, calibration)
        doc["calibration"] = {"tau": calibration.tau, "power": calibration.power}


def _extrapolation(posterior, doc: dict) -> dict:
    """How far the recommended plan leaves the fitted runs; each warning also on stderr."""
    from bayeslaw.extrapolation import Measured, assess_plan

    e = assess_plan(Measured.of_posterior(posterior), doc)
    for w in e.warnings:
        log(f"warning: {w}")
    return e.to_dict()


def _row(name: str, r: dict) -> str:
    lo, hi = r["loss_interval"]["q05"], r["loss_interval"]["q95"]
    return (f"{name:<20} {r['params']:>10.3g} {r['pretrain_tokens']:>10.3g} "
            f"{r['specialize_tokens']:>10.3g} {r['pretrain_share']:>6.3f} "
            f"{r['loss']:>8.4f} [{lo:.4f}, {hi:.4f}]")


def advice(doc: dict) -> str:
    """What the expected regret means for running more experiments."""
    rel = doc["relative_regret"]
    gains = [b["gain"] for b in doc["baselines"].values() if b]
    best_gain = min(gains) if gains else float("nan")
    text = (f"Expected regret {doc['expected_regret']:.4g} nats ({100 * rel:.2f}% of the optimal "
            "loss): the loss you expect to lose because the law is uncertain.")
    if rel < 1e-3:
        return text + " The posterior is sharp enough for this decision; run it."
    if gains and doc["expected_regret"] > 0.5 * best_gain:
        return text + (" It is comparable to the gain over the best baseline: more experiments "
                       "(bayeslaw suggest) are likely worth their compute before committing.")
    return text + (" Worth reducing if the budget is large: bayeslaw suggest proposes runs "
                   "that shrink it most per FLOP.")


def table(doc: dict) -> str:
    """The human-readable plan."""
    k, names = doc["k"], sorted(set(doc["domains"]))
    lines = [f"Budget {doc['budget']:.3g} FLOPs, k={k} domain(s): {', '.join(names)} "
             f"({'heterogeneous' if doc['heterogeneous'] else 'homogeneous'}; "
             f"{doc['n_draws']} posterior draws)", "",
             f"{'':<20} {'N':>10} {'D':>10}         D' {'share':>6} {'loss':>8} 90% interval"]
    lines.append(_row("recommended", doc["recommended"]))
    wide = doc["recommended"].get("loss_interval_calibrated")
    if wide:
        lines.append(f"{'':<20} loss 90% interval widened for extrapolation: "
                     f"[{wide['q05']:.4f}, {wide['q95']:.4f}]")
    if doc.get("stack"):
        lines.append("stacked laws: " + ", ".join(
            f"{n} {w:.2f}" for n, w in doc["stack"]["weights"].items()))
    for name, b in doc["baselines"].items():
        lines.append(_row(name, b) + f"  gain {b['gain']:+.4f}" if b else
                     f"{name:<20} (not feasible under these constraints)")
    tpp = doc["recommended"]["tokens_per_param"]
    lines.append(f"Tokens per parameter (D + k D') / N: {tpp:.3g}"
                 + ("; the law sees only D + D', so all tokens go to pretraining"
                    if doc.get("blind_to_split") else ""))
    per = doc["recommended"].get("specialize_tokens_per_domain")
    if per:
        lines += ["", "D' per domain: " + ", ".join(f"{d}={v:.3g}" for d, v in per.items())]
    ext = doc.get("extrapolation")
    if ext:
        lines.append(f"Extrapolation: {ext['compute_factor']:.3g}x the largest run's compute"
                     + (f"; {len(ext['warnings'])} warning(s) on stderr" if ext["warn"] else ""))
    lines += ["", "Per-draw optima (q05 / q50 / q95):"]
    for key, label in (("params", "N"), ("pretrain_tokens", "D"), ("specialize_tokens", "D'"),
                       ("tokens_per_param", "T/N"), ("pretrain_share", "share"),
                       ("loss", "loss")):
        q = doc["intervals"][key]
        lines.append(f"  {label:<6} {q['q05']:.4g} / {q['q50']:.4g} / {q['q95']:.4g}")
    return "\n".join(lines + ["", advice(doc)])
