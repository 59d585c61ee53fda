"""Fit and decision steps of the split-validation study (see steps.py)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from bayeslaw.flow.steps import Context, log, settings, train


def _completed(ctx: Context, name: str) -> list:
    from bayeslaw.runs.store import RunStore

    if not ctx.store(name).exists():
        return []
    with RunStore(ctx.store(name)) as s:
        return [r for r in s.runs() if r.domain in ctx.domains]


def _posterior(ctx: Context, law: str):
    from bayeslaw.fit.posterior import Posterior

    key = f"posterior-{law}"
    if key not in ctx.cache:
        ctx.cache[key] = Posterior.load(ctx.out / f"{key}.nc")
    return ctx.cache[key]


def thin(draws, n: int = 500):
    """At most ``n`` evenly spaced draws: the planner's cost grows with draws x domains."""
    from bayeslaw.draws import thin as evenly

    return evenly(draws, n)


# -- fit ---------------------------------------------------------------------------------
def seed_noise(runs) -> dict:
    """Spread of the loss over replicate seeds at identical (N, D, D', domain)."""
    by_point = defaultdict(dict)
    for r in runs:
        by_point[(r.params, r.pretrain_tokens, r.specialize_tokens, r.domain)][r.seed] = r.loss
    sd = [np.std(list(v.values()), ddof=1) / np.mean(list(v.values()))
          for v in by_point.values() if len(v) >= 2]
    if not sd:
        return {"n_points": 0}
    seeds = sorted({s for v in by_point.values() if len(v) >= 2 for s in v})
    return {"n_points": len(sd), "seeds": seeds, "median_rel_sd": float(np.median(sd)),
            "max_rel_sd": float(np.max(sd))}


def fit(ctx: Context) -> None:
    """Fit every law to the sweep; PSIS-LOO, diagnostics and the held-out predictions."""
    from bayeslaw.fit import fit as nuts
    from bayeslaw.fit.comparison import loo_row
    from bayeslaw.validate import extrapolation_rows, summarize_extrapolation

    runs, held = _completed(ctx, "sweep"), _completed(ctx, "holdout")
    cfg = ctx.cfg["fit"]
    kw = {k: cfg[k] for k in ("chains", "warmup", "samples", "seed", "escalate") if k in cfg}
    largest = max(r.flops for r in runs)
    laws = {}
    for law in cfg["laws"]:
        log(f"fit: {law} on {len(runs)} runs")
        post = nuts(runs, law, domains=ctx.domains, **kw)
        post.save(ctx.out / f"posterior-{law}.nc")
        ctx.cache[f"posterior-{law}"] = post
        d = post.diagnostics()
        rows = extrapolation_rows(post, held, seed=int(kw.get("seed", 0)))
        med = {p: float(np.median(v)) for p, v in post.draws.params.items()
               if np.ndim(v) == 1}
        laws[law] = {**loo_row(post), "r_hat_max": max(d.r_hat.values()),
                     "ess_bulk_min": min(d.ess_bulk.values()), "divergences": d.divergences,
                     "warnings": d.warnings, "medians": med,
                     "extrapolation": summarize_extrapolation(rows), "holdout": rows}
        s = laws[law]["extrapolation"]
        log(f"  elpd_loo {laws[law]['elpd_loo']:.1f}  held-out |error| "
            f"{s['mean_abs_rel_error'] or float('nan'):.4f}  coverage90 {s['coverage90']}")
    ctx.save("fit", {"n_runs": len(runs), "n_holdout": len(held), "largest_fitted_flops": largest,
                     "smallest_holdout_flops": min((r.flops for r in held), default=None),
                     "holdout_params": sorted({r.params for r in held}),
                     "fitted_params": sorted({r.params for r in runs}),
                     "laws": laws, "seed_noise": seed_noise(runs)})


# -- decision ----------------------------------------------------------------------------
def split_sensitive(post, N: float, T: float) -> bool:
    """Does the law's loss depend on how T tokens are split between D and D'? (A law of
    D + D' alone, such as chinchilla, cannot choose a split.)"""
    a = post.law.loss(post.draws.for_domain(post.domains[0]), N, T, 0.0)
    b = post.law.loss(post.draws.for_domain(post.domains[0]), N, T / 2, T / 2)
    return bool(np.max(np.abs(np.asarray(a) - np.asarray(b))) > 1e-9)


def choose_law(ctx: Context, budget: float) -> str:
    """[decision] law, or the best PSIS-LOO law among those that can choose a split."""
    fitres = ctx.results()["fit"]["laws"]
    want = ctx.cfg.get("decision", {}).get("law", "best")
    if want != "best":
        return want
    ranked = sorted(fitres, key=lambda law: -fitres[law]["elpd_loo"])
    for law in ranked:
        if split_sensitive(_posterior(ctx, law), 1e5, budget / 6e5):
            return law
    from bayeslaw.errors import BayeslawError

    raise BayeslawError("no fitted law depends on the split of D and D'; add one that does "
                        "(domain_gap, effective_transfer, saturation) to [fit] laws")


def model_sizes(ctx: Context) -> list[int]:
    """The sizes the planner may choose: ``[decision] model_sizes`` or 24 geometric steps
    from the smallest fitted N to 10x the largest N of the study, each snapped to the N
    the trainer's sizing builds, so the planned model is exactly the one trained."""
    from trainer.model import non_embedding_params
    from trainer.sizing import size_for

    fit = ctx.results()["fit"]
    lo, hi = min(fit["fitted_params"]), 10 * max(fit["fitted_params"] + fit["holdout_params"])
    want = ctx.cfg["decision"].get("model_sizes") or np.geomspace(lo, hi, 24)
    block = settings(ctx).block_size

    def buildable(n: float, tolerance: float = 0.05) -> int:
        return non_embedding_params(size_for(int(n), block_size=block, tolerance=tolerance))

    # a size the trainer builds exactly when asked for it (a fixed point of the sizing)
    return sorted({m for m in (buildable(buildable(n, 0.3)) for n in want) if buildable(m) == m})


def _arms(ctx: Context, budget: float, law: str):
    from bayeslaw.plan import Constraints, plan
    from bayeslaw.validate import make_arms

    post = _posterior(ctx, law)
    p = plan(thin(post.draws), budget, len(ctx.domains), domains=ctx.domains,
             constraints=Constraints(model_sizes=model_sizes(ctx)))
    rec = p.recommended
    dp = rec.specialize_tokens
    dp = dp if len(dp) == len(ctx.domains) else np.repeat(dp, len(ctx.domains))
    arms = make_arms(int(rec.params), budget, rec.pretrain_tokens,
                     dict(zip(ctx.domains, dp, strict=True)))
    return p, arms


def _jobs(ctx: Context, arms, seeds):
    from trainer.spec import RunSpec

    jobs, owner = [], defaultdict(set)
    cool = settings(ctx).cooldown
    for seed in seeds:
        for arm in arms:
            for spec, over in arm.specs(seed, cool):
                s = RunSpec.from_dict(spec)
                jobs.append((s, settings(ctx, **over)))
                owner[_key(s, over.get("mixture"))].add(arm.name)
    return jobs, owner


def _key(spec, mixture) -> tuple:
    return (spec.params, spec.pretrain_tokens, tuple(spec.specialize_tokens), spec.seed,
            tuple(mixture or ()))


def _observed(runs, owner, domains):
    """``{arm: {seed: {domain: loss}}}`` from the decision store's records."""
    out = defaultdict(lambda: defaultdict(dict))
    for r in runs:
        spec, mix = r.config["spec"], r.config["settings"].get("mixture") or None
        key = (spec["params"], spec["pretrain_tokens"], tuple(spec["specialize_tokens"]),
               spec["seed"], tuple(mix or ()))
        for arm in owner.get(key, ()):
            measured_at_zero = arm in ("no_specialization", "from_scratch")
            if (r.specialize_tokens == 0) == measured_at_zero and r.domain in domains:
                out[arm][r.seed][r.domain] = r
    return out


def _predict_mean(post, arm: str, recs: dict, seed: int) -> np.ndarray:
    """Posterior predictive draws of the mean domain loss at the records' (N, D, D')."""
    from bayeslaw.fit.predictive import sample
    from bayeslaw.validate import arm_point

    ys = [sample(post, *arm_point(arm, r), dom, seed=seed + i)[1]
          for i, (dom, r) in enumerate(sorted(recs.items()))]
    return np.mean(ys, axis=0)


def decision(ctx: Context) -> None:
    """Plan at the decision budget, train the five arms for every seed, compare."""
    from bayeslaw.validate import Arm, paired_comparison

    dcfg = ctx.cfg["decision"]
    largest = ctx.results()["fit"]["largest_fitted_flops"]
    budget = float(dcfg.get("budget") or dcfg["budget_factor"] * largest)
    done = ctx.results().get("decision")
    resume = bool(done and done["budget"] == budget and "arms" in done)
    if resume:  # the same arms as the interrupted or finished run, not a fresh plan
        law, plan_dict = done["law"], done["plan"]
        arms = [Arm(name, done["params"], row["pretrain_tokens"], row["specialize_tokens"])
                for name, row in done["arms"].items()]
    else:
        law = choose_law(ctx, budget)
        p, arms = _arms(ctx, budget, law)
        plan_dict = p.to_dict()
    log(f"decision: {law}, budget {budget:.3g} ({budget / largest:.1f}x the largest fitted "
        f"run), N = {arms[0].params:,}; arms: " + "; ".join(
            f"{a.name} D={a.pretrain_tokens:.3g} D'={list(a.specialize_tokens.values())[0]:.3g}"
            for a in arms))
    head = {"law": law, "budget": budget, "budget_over_largest": budget / largest,
            "params": arms[0].params, "k": len(ctx.domains), "plan": plan_dict}
    if not resume:  # the arms are on record before the long training starts
        ctx.save("decision", {**head, "arms": {a.name: {
            "pretrain_tokens": a.pretrain_tokens, "specialize_tokens": a.specialize_tokens}
            for a in arms}})
    jobs, owner = _jobs(ctx, arms, dcfg.get("seeds", [0]))
    train(ctx, "decision", jobs)
    obs = _observed(_completed(ctx, "decision"), owner, ctx.domains)
    post, k = _posterior(ctx, law), len(ctx.domains)
    table, means = {}, {}
    for arm in arms:
        seeds = {s: recs for s, recs in obs[arm.name].items() if len(recs) == k}
        means[arm.name] = {s: float(np.mean([r.loss for r in recs.values()]))
                           for s, recs in seeds.items()}
        pred = np.concatenate([_predict_mean(post, arm.name, recs, 17 * s)
                               for s, recs in seeds.items()]) if seeds else np.array([np.nan])
        lo, med, hi = np.percentile(pred, [5, 50, 95])
        vals = np.array(list(means[arm.name].values()))
        table[arm.name] = {
            "pretrain_tokens": arm.pretrain_tokens, "specialize_tokens": arm.specialize_tokens,
            "flops": arm.flops, "seeds": sorted(seeds), "mean_loss": float(vals.mean()),
            "sd_loss": float(vals.std(ddof=1)) if len(vals) > 1 else None,
            "by_seed": means[arm.name],
            "run_ids": {s: [r.run_id for r in recs.values()] for s, recs in seeds.items()},
            "predicted": {"q05": lo, "q50": med, "q95": hi},
            "inside90": [bool(lo <= v <= hi) for v in vals],
            "by_domain": {d: float(np.mean([recs[d].loss for recs in seeds.values()]))
                          for d in ctx.domains} if seeds else {}}
    comparison = paired_comparison(means, "planned")
    ctx.save("decision", {**head, "arms": table, "paired": comparison})
    for name, row in comparison.items():
        log(f"  {name:>18}: {row['mean_diff']:+.4f} nats/byte vs planned, 95% CI "
            f"[{row['ci'][0]:+.4f}, {row['ci'][1]:+.4f}], p = {row['p_value']:.3g}, "
            f"planned lower in {row['wins']}/{row['n']} seeds")

