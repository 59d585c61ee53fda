"""Decision step of split-validation-2: the plan, and the measured share curve (see steps.py).

The averaged posterior (fitting.py) plans the split at the decision budget C =
``budget_factor`` x the largest fitted run, choosing N among the trainer's sizes in
[``min_params``, ``max_params``]. Then, at the planned N and exactly C (T = C / 6N tokens
per arm, every token counted where it is spent), arms at the pretraining shares
``shares`` (0: k specialists from scratch; 1: no specialization; otherwise D = s T and
D'_i = (1 - s) T / k) and the planned split, for every seed of ``seeds``; and the planned
split at ``n_factors`` x the planned N for ``n_seeds``. Each seed's arms run in one
worker, pretraining stream shared (training.py), seeds in order, so an interrupted run
has whole seeds. The statistics are :mod:`bayeslaw.validate`'s.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from bayeslaw.flow.steps import Context, log, settings

from .first import analysis
from .fitting import averaged
from .training import train

thin = analysis.thin
predict_mean = analysis._predict_mean  # the first study's: mean domain loss per draw

RECIPES = {"no_specialization": 1.0, "fixed_10pct": 0.9, "even_split": 0.5, "from_scratch": 0.0}


def arm_name(share: float) -> str:
    """The share arms carry the recipes' names where they are one (bayeslaw.validate.ARMS)."""
    for name, s in RECIPES.items():
        if abs(share - s) < 1e-9:
            return name
    return f"share_{share:g}"


def share_arm(N: int, budget: float, share: float, domains: list[str]):
    from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
    from bayeslaw.validate import Arm

    T = budget / (FLOPS_PER_PARAM_TOKEN * N)
    return Arm(arm_name(share), N, share * T, {d: (1 - share) * T / len(domains) for d in domains})


def snapped(ctx: Context, want) -> list[int]:
    """The sizes the trainer builds exactly when asked for them (fixed points of its
    sizing) nearest to each of ``want``, as the first study's ``analysis.model_sizes``."""
    from trainer.model import non_embedding_params
    from trainer.sizing import size_for

    block = settings(ctx).block_size

    def buildable(n: float, tolerance: float = 0.05) -> int:
        return non_embedding_params(size_for(int(n), block_size=block, tolerance=tolerance))

    return sorted({m for m in (buildable(buildable(n, 0.3)) for n in want)
                   if buildable(m) == m})


def sizes(ctx: Context) -> list[int]:
    """The planner's sizes: the trainer's in [min_params, max_params] (24 geometric steps)."""
    lo, hi = float(ctx.cfg["decision"]["min_params"]), float(ctx.cfg["decision"]["max_params"])
    ok = [n for n in snapped(ctx, np.geomspace(lo, hi, 24)) if lo * 0.999 <= n <= hi * 1.001]
    return ok or [int(lo)]


def nearest_size(ctx: Context, n: float) -> int:
    """The trainer size nearest (in log) to ``n``."""
    return min(snapped(ctx, np.geomspace(n / 1.5, n * 1.5, 24)), key=lambda m: abs(np.log(m / n)))


def make_plan(ctx: Context, budget: float) -> dict:
    """The averaged posterior's plan at ``budget``: the decision, its band, its loss."""
    from bayeslaw.plan import Constraints, plan
    from bayeslaw.plan.decision import widen_decision

    st = averaged(ctx)
    p = plan(thin(st.draws), budget, len(ctx.domains), domains=ctx.domains,
             constraints=Constraints(model_sizes=sizes(ctx)))
    rec = p.recommended
    dp = np.atleast_1d(rec.specialize_tokens)
    dp = dp if len(dp) == len(ctx.domains) else np.repeat(dp, len(ctx.domains))
    doc = p.to_dict()
    if st.calibration is not None:
        doc["recommended"]["loss_interval_calibrated"] = widen_decision(p.losses, rec,
                                                                        st.calibration)
    return {"params": int(rec.params), "pretrain_tokens": float(rec.pretrain_tokens),
            "specialize_tokens": dict(zip(ctx.domains, dp.tolist(), strict=True)),
            "pretrain_share": float(rec.pretrain_share), "sizes": sizes(ctx), "plan": doc}


def arms_of(ctx: Context, dec: dict) -> tuple[list, list]:
    """(arms at the planned N, the planned split at the other sizes)."""
    from bayeslaw.validate import Arm, make_arms

    N, budget, pl = dec["params"], dec["budget"], dec["planned"]
    main = [share_arm(N, budget, s, ctx.domains) for s in ctx.cfg["decision"]["shares"]]
    main.append(make_arms(N, budget, pl["pretrain_tokens"], pl["specialize_tokens"],
                          names=("planned",))[0])
    variants = []
    for f, n in dec["n_variants"].items():
        a = make_arms(n, budget, pl["pretrain_tokens"], pl["specialize_tokens"],
                      names=("planned",))[0]
        variants.append(Arm(f"planned_{f}N", a.params, a.pretrain_tokens, a.specialize_tokens))
    return main, variants


def semantics(arm) -> str:
    """The arm whose training and record rules apply (``bayeslaw.validate.Arm.specs``,
    ``arm_point``): a split with D = 0 is trained as specialists from scratch, one with
    every D'_i = 0 as no specialization (a plan may land on either end)."""
    if arm.pretrain_tokens == 0:
        return "from_scratch"
    if sum(arm.specialize_tokens.values()) == 0:
        return "no_specialization"
    return arm.name


def arm_specs(arm, seed: int, cooldown: float, parts: list[list[str]]) -> list[tuple[dict, dict]]:
    """``Arm.specs`` with the domains of equal D'_i within each part of ``parts`` in one
    spec: the trainer then trains one cooldown at D for them (evaluated on each) instead
    of one per domain; the parts can run in two workers that share the pretraining
    stream (the second waits for the stream's lock and loads the checkpoint)."""
    specs = replace(arm, name=semantics(arm)).specs(seed, cooldown)
    if semantics(arm) in ("from_scratch", "no_specialization"):
        return specs
    merged: dict[tuple, tuple[dict, dict]] = {}
    for spec, over in specs:
        part = next(i for i, p in enumerate(parts) if spec["domains"][0] in p)
        key = (part, spec["pretrain_tokens"], tuple(spec["specialize_tokens"]))
        if key in merged:
            merged[key][0]["domains"].append(spec["domains"][0])
        else:
            merged[key] = ({**spec, "domains": list(spec["domains"])}, over)
    return list(merged.values())


def part_of(spec, parts: list[list[str]]) -> int:
    """Which worker part a spec belongs to (by its first domain)."""
    return next((i for i, p in enumerate(parts) if spec.domains and spec.domains[0] in p), 0)


def _key(spec, mixture) -> tuple:
    return (spec["params"], spec["pretrain_tokens"], tuple(spec["specialize_tokens"]),
            spec["seed"], tuple(mixture))


def jobs_of(ctx: Context, main, variants) -> tuple[list, dict, list]:
    """(spec, settings) jobs, seed by seed (the arms at the planned N for three seeds, the
    size variants' first seed, the other seeds, the variants' other seeds), and which
    arm(s) each spec serves."""
    from trainer.spec import RunSpec

    d, cool = ctx.cfg["decision"], settings(ctx).cooldown
    seeds, n_seeds = list(d["seeds"]), list(d.get("n_seeds", []))
    # the first n_seeds[0] goes after the third seed: a run cut short keeps both
    order = ([(s, main) for s in seeds[:3]] + [(s, variants) for s in n_seeds[:1]]
             + [(s, main) for s in seeds[3:]] + [(s, variants) for s in n_seeds[1:]])
    k = len(ctx.domains)
    parts = [ctx.domains[: (k + 1) // 2], ctx.domains[(k + 1) // 2:]]
    jobs, owner = [], defaultdict(set)
    for seed, arms in order:
        for arm in arms:
            for spec, over in arm_specs(arm, seed, cool, parts):
                s = settings(ctx, **over)
                jobs.append((RunSpec.from_dict(spec), s))
                owner[_key(jobs[-1][0].to_dict(), list(s.mixture))].add(arm.name)
    return jobs, owner, parts


def observed(runs, owner, domains, kinds: dict) -> dict:
    """``{arm: {seed: {domain: run}}}`` from the decision store's records (``kinds``: each
    arm's :func:`semantics`)."""
    out = defaultdict(lambda: defaultdict(dict))
    for r in runs:
        key = _key(r.config["spec"], r.config["settings"]["mixture"])
        for arm in owner.get(key, ()):
            at_zero = kinds[arm] in ("no_specialization", "from_scratch")
            if (r.specialize_tokens == 0) == at_zero and r.domain in domains:
                out[arm][r.seed][r.domain] = r
    return out


def given_plan(ctx: Context, budget: float) -> dict:
    """``[decision] plan = {params, share}``: a split to measure without a fit (tests; or
    re-measuring a plan made elsewhere), D'_i equal."""
    g = ctx.cfg["decision"]["plan"]
    arm = share_arm(int(g["params"]), budget, float(g["share"]), ctx.domains)
    return {"params": arm.params, "pretrain_tokens": arm.pretrain_tokens,
            "specialize_tokens": dict(arm.specialize_tokens),
            "pretrain_share": float(g["share"]), "plan": None}


def setup(ctx: Context) -> dict:
    """The plan and the arms, on record before any training (resumed if there)."""
    d = ctx.cfg["decision"]
    fit = ctx.results().get("fit")
    largest = fit["largest_fitted_flops"] if fit else None
    budget = float(d.get("budget") or d["budget_factor"] * largest)
    done = ctx.results().get("decision")
    if done and done["budget"] == budget and "planned" in done:
        return done
    pl = given_plan(ctx, budget) if "plan" in d else make_plan(ctx, budget)
    N = pl["params"]
    dec = {"budget": budget, "budget_over_largest": budget / largest if largest else None,
           "k": len(ctx.domains),
           "params": N, "planned": pl,
           "n_variants": {f"{f:g}": nearest_size(ctx, f * N) for f in d.get("n_factors", [])}}
    ctx.save("decision", dec)
    return dec


def decision(ctx: Context) -> None:
    from bayeslaw.validate import paired_comparison
    from bayeslaw.validate.curve import realized_regret, share_curve

    dec = setup(ctx)
    pl = dec["planned"]
    log(f"decision: C = {dec['budget']:.3g}, planned N = {dec['params']:,}, share "
        f"{pl['pretrain_share']:.3f}, variants {dec['n_variants']}")
    main, variants = arms_of(ctx, dec)
    jobs, owner, parts = jobs_of(ctx, main, variants)
    train(ctx, "decision", jobs, order="given", part=lambda spec: part_of(spec, parts))
    kinds = {a.name: semantics(a) for a in main + variants}
    obs = observed(analysis._completed(ctx, "decision"), owner, ctx.domains, kinds)
    k = len(ctx.domains)
    ctx.cache.pop("averaged", None)  # the calibrate step may have widened it meanwhile
    st = averaged(ctx) if pl["plan"] is not None else None
    table, means = {}, {}
    corpus_bytes = ctx.results().get("corpus", {}).get("train_bytes")
    for arm in main + variants:
        seeds = {s: recs for s, recs in obs[arm.name].items() if len(recs) == k}
        if not seeds:
            continue
        means[arm.name] = {s: float(np.mean([r.loss for r in recs.values()]))
                           for s, recs in sorted(seeds.items())}
        vals = np.array(list(means[arm.name].values()))
        lo, med, hi = np.percentile(np.concatenate([
            predict_mean(st, kinds[arm.name], recs, 17 * s) for s, recs in seeds.items()]),
            [5, 50, 95]) if st is not None else (np.nan,) * 3
        raw = np.percentile(np.concatenate([
            predict_mean(st.with_calibration(None), kinds[arm.name], recs, 17 * s)
            for s, recs in seeds.items()]), [5, 50, 95]) if st is not None else [np.nan] * 3
        total = arm.pretrain_tokens + sum(arm.specialize_tokens.values())
        table[arm.name] = {
            "params": arm.params, "share": arm.pretrain_tokens / total,
            "pretrain_tokens": arm.pretrain_tokens, "specialize_tokens": arm.specialize_tokens,
            "flops": arm.flops, "seeds": sorted(seeds), "mean_loss": float(vals.mean()),
            "sd_loss": float(vals.std(ddof=1)) if len(vals) > 1 else None,
            "by_seed": means[arm.name],
            "predicted": {"q05": lo, "q50": med, "q95": hi},
            "inside90": [bool(lo <= v <= hi) for v in vals],
            "predicted_uncalibrated": dict(zip(("q05", "q50", "q95"), raw, strict=True)),
            "inside90_uncalibrated": [bool(raw[0] <= v <= raw[2]) for v in vals],
            "by_domain": {d: float(np.mean([recs[d].loss for recs in seeds.values()]))
                          for d in ctx.domains},
            "general_epochs": arm.pretrain_tokens / corpus_bytes if corpus_bytes else None}
    at_n = {a.name: means[a.name] for a in main if a.name in means}
    out = {**dec, "arms": table, "coverage90": {
        key: {"inside": sum(sum(r[key]) for r in table.values()),
              "n": sum(len(r[key]) for r in table.values())}
        for key in ("inside90", "inside90_uncalibrated")}}
    if "planned" in at_n:
        shares = {a: table[a]["share"] for a in at_n}
        n_boot = int(ctx.cfg["decision"].get("n_boot", 2000))
        out["curve"] = share_curve(shares, at_n, plan_share=table["planned"]["share"],
                                   n_boot=n_boot)
        out["regret"] = realized_regret(at_n, "planned", n_boot=n_boot)
        out["paired"] = paired_comparison({a: at_n[a] for a in ["planned", *RECIPES]
                                           if a in at_n}, "planned")
        out["verdict"] = verdict(out) if pl["plan"] is not None else None
        log(f"  measured optimum {out['curve']['optimum']}; plan regret {out['regret']}")
    ctx.save("decision", out)


def verdict(dec: dict) -> dict:
    """Did the plan's 90% bands contain the measured optimum (share; and N among the sizes
    measured at the planned share)?"""
    band = dec["planned"]["plan"]["intervals"]
    s_lo, s_hi = band["pretrain_share"]["q05"], band["pretrain_share"]["q95"]
    opt = dec["curve"]["optimum"]
    out = {"share_band": [s_lo, s_hi], "measured_optimal_share": opt["share"],
           "share_in_band": bool(s_lo <= opt["share"] <= s_hi)}
    if opt["interval"]:
        lo, hi = opt["interval"]
        out["band_overlaps_optimum_interval"] = bool(s_lo <= hi and lo <= s_hi)
    sized = {a["params"]: a["mean_loss"] for name, a in dec["arms"].items()
             if name == "planned" or name.startswith("planned_")}
    if len(sized) > 1:
        best_n = min(sized, key=sized.get)
        n_lo, n_hi = band["params"]["q05"], band["params"]["q95"]
        out.update({"n_band": [n_lo, n_hi], "measured_best_n": best_n,
                    "n_losses": sized, "n_in_band": bool(n_lo <= best_n <= n_hi)})
    return out
