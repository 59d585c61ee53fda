"""Active design check of split-validation-2, repeated (see steps.py).

For each campaign c of ``[active] campaigns`` (training seed 100 + c, its own stores, so
campaigns are independent replicates of the noise): from the same small seed design
(the first study's ``active.seed_design``), (a) the suggestion loop (fit -> suggest ->
train -> refit, bayeslaw.flow.loop) on the real trainer for ``flops`` of experiment
compute beyond the seed design, and (b) the uniform grid of the same cost over the same
menu (bayeslaw.validate.uniform_grid). Each design's fit then plans the split at the
decision budget and the planned N (the N at which the share curve was measured), and
is judged by the realized regret of its planned share on the measured share curve:
f(s_design) - min f, f the curve's smoothing spline (bayeslaw.validate.curve).
"""

from __future__ import annotations

import json

import numpy as np

from bayeslaw.flow.steps import Context, export, log, settings

from .first import active, analysis
from .training import train, user_domains

_completed, thin, seed_design = analysis._completed, analysis.thin, active.seed_design


def menu(ctx: Context):
    from bayeslaw.suggest.candidates import Menu

    sw, acfg = ctx.cfg["sweep"], ctx.cfg["active"]
    D = float(sw["pretrain_tokens"])
    return Menu(params=tuple(int(n) for n in acfg.get("params", sw["params"])),
                pretrain_tokens=tuple(int(D / 2**i) for i in reversed(range(sw["checkpoints"]))),
                specialize_tokens=(0, *sorted(int(x) for x in sw["specialize_tokens"])),
                domains=tuple(ctx.domains))


def fit_kw(ctx: Context) -> dict:
    acfg, fcfg = ctx.cfg["active"], ctx.cfg["fit"]
    keys = ("chains", "warmup", "samples", "seed", "escalate")
    return {k: acfg.get(k, fcfg.get(k)) for k in keys if acfg.get(k, fcfg.get(k)) is not None}


def executor(ctx: Context, threads: int = 1):
    """The loop's executor: the trainer in this process, with the general corpus."""
    from bayeslaw.flow.executors import trainer_executor

    return trainer_executor(settings=settings(ctx).to_dict(), options={
        "device": ctx.device, "threads": threads, "user_domains": user_domains(ctx)})


def _specs(cands, seed: int):
    from bayeslaw.suggest.candidates import to_spec
    from trainer.spec import RunSpec

    return [RunSpec.from_dict(to_spec(c, cost_flops=0.0, score=0.0, seed=seed)) for c in cands]


def campaign(ctx: Context, c: int, law: str, budget: float) -> dict:
    """Run (or resume) campaign ``c``: the loop, then the grid of the loop's cost."""
    from bayeslaw.fit import fit
    from bayeslaw.flow.loop import LoopConfig, run_loop
    from bayeslaw.runs.store import RunStore
    from bayeslaw.suggest.candidates import batch_cost
    from bayeslaw.suggest.select import Settings
    from bayeslaw.validate import uniform_grid

    acfg, m, seed = ctx.cfg["active"], menu(ctx), 100 + c
    start = seed_design(m)
    loop, grid = f"active-loop-{c}", f"active-grid-{c}"
    train(ctx, loop, _specs(start, seed))
    kw = fit_kw(ctx)

    def fitter(runs):
        post = fit(runs, law, domains=ctx.domains, **kw)
        return post.draws  # with their noise

    path = ctx.out / f"{loop}.state.json"
    done = json.loads(path.read_text()) if path.exists() else {}
    with RunStore(ctx.store(loop)) as store:
        state = done if done.get("stopped") else run_loop(store, fitter, executor(ctx), m,
                         Settings(budget=budget, k=len(ctx.domains),
                                  q=int(acfg.get("batch", 4)), method="reweight",
                                  run_seed=seed),
                         LoopConfig(flops=float(acfg["flops"]), regret=0.0, growth=None),
                         path, domains=ctx.domains, seed=c,
                         log=lambda msg: log(f"{loop}: {msg}"))
    export(ctx, loop)
    seed_cost = batch_cost(start)
    design = uniform_grid(m, seed_cost + state["spent"], start=start)
    train(ctx, grid, _specs(design, seed))
    return {"seed": seed, "seed_design_flops": seed_cost, "loop_flops": seed_cost + state["spent"],
            "grid_flops": batch_cost(design), "loop_stopped": state.get("stopped"),
            "loop_history": state["history"]}


def plan_of(ctx: Context, law: str, runs, budget: float, N: int) -> dict:
    """Fit ``runs`` and plan the share at the budget and N (the planned N)."""
    from bayeslaw.fit import fit
    from bayeslaw.plan import Constraints, plan

    post = fit(runs, law, domains=ctx.domains, **fit_kw(ctx))
    p = plan(thin(post.draws), budget, len(ctx.domains), domains=ctx.domains,
             constraints=Constraints(params=float(N)))
    band = p.to_dict()["intervals"]["pretrain_share"]
    return {"n_runs": len(runs), "planned_share": float(p.recommended.pretrain_share),
            "share_band": [band["q05"], band["q95"]], "expected_regret": p.expected_regret}


def regret_on(curve: dict, share: float) -> dict:
    """The measured curve at ``share`` minus its minimum (clipped to the measured range)."""
    lo, hi = min(curve["share"]), max(curve["share"])
    f = float(np.interp(np.clip(share, lo, hi), curve["share"], curve["loss"]))
    best = min(curve["loss"])
    return {"realized_regret": f - best, "relative_realized_regret": (f - best) / best}


def campaigns(ctx: Context) -> dict:
    """Run (or resume) every campaign's two designs; needs only the decision budget, so
    it can run while the share curve trains."""
    acfg = ctx.cfg["active"]
    law, budget = acfg.get("law", "domain_gap"), ctx.results()["decision"]["budget"]
    return {str(c): campaign(ctx, c, law, budget) for c in acfg.get("campaigns", [0])}


def active(ctx: Context) -> None:
    """Every campaign's designs planned (fitted once: a rerun with the same runs reuses
    the plan) and, once the share curve is measured, judged on it."""
    acfg = ctx.cfg["active"]
    law = acfg.get("law", "domain_gap")
    dec = ctx.results()["decision"]
    budget, N = dec["budget"], dec["params"]
    curve = dec.get("curve", {}).get("curve")
    before = ctx.results().get("active", {}).get("campaigns", {})
    out = {"law": law, "budget": budget, "params": N, "campaigns": {}}
    for c, row in campaigns(ctx).items():
        for design in ("loop", "grid"):
            runs = _completed(ctx, f"active-{design}-{c}")
            old = before.get(c, {}).get(design)
            row[design] = (old if old and old["n_runs"] == len(runs)
                           else plan_of(ctx, law, runs, budget, N))
            if curve:
                row[design].update(regret_on(curve, row[design]["planned_share"]))
            log(f"campaign {c} {design}: {len(runs)} runs, share "
                f"{row[design]['planned_share']:.3f}, relative realized regret "
                f"{row[design].get('relative_realized_regret', float('nan')):.3%}")
        out["campaigns"][c] = row
        ctx.save("active", out)
    if curve:
        out["summary"] = summary(out["campaigns"])
    ctx.save("active", out)


def summary(campaigns: dict) -> dict:
    """Per design: mean realized regret over campaigns and the paired loop - grid
    difference (bayeslaw.validate.paired_comparison, campaigns as the pairs)."""
    from bayeslaw.validate import paired_comparison

    reg = {d: {int(c): row[d]["relative_realized_regret"] for c, row in campaigns.items()}
           for d in ("loop", "grid")}
    out = {d: {"mean_relative_regret": float(np.mean(list(v.values()))), "n": len(v)}
           for d, v in reg.items()}
    if len(campaigns) > 1:
        out["grid_minus_loop"] = paired_comparison(reg, "loop")["grid"]
    return out
