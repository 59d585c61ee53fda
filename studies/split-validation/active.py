"""Active design check of the split-validation study (see steps.py).

From one small seed design, two campaigns of equal experiment compute on the real
trainer: (a) the suggestion loop (fit -> suggest -> train -> refit) and (b) a uniform
grid over the same menu. Each campaign's fit is then judged at the decision budget
against what the study measured there: the prediction error of the five arms' measured
mean domain losses, and the regret of its planned split under the reference posterior
(the same law fitted to every fit and held-out run of the study).
"""

from __future__ import annotations

import numpy as np

from bayeslaw.flow.steps import Context, export, log, settings, train

from .analysis import _completed, model_sizes, thin


def _menu(ctx: Context):
    from bayeslaw.suggest.candidates import Menu

    runs = [r for r in _completed(ctx, "sweep") if r.seed == 0]
    sw = ctx.cfg["sweep"]
    D = float(sw["pretrain_tokens"])
    return Menu(params=tuple(sorted({int(r.params) for r in runs})),
                pretrain_tokens=tuple(int(D / 2**i) for i in reversed(range(sw["checkpoints"]))),
                specialize_tokens=(0, *sorted(int(x) for x in sw["specialize_tokens"])),
                domains=tuple(ctx.domains))


def seed_design(menu) -> list:
    """Per domain, three cheap runs: the two smallest sizes at the smallest D, with the
    largest and the smallest D' > 0, and the smallest size at the largest D with the
    smallest D' (the trainer adds each one's D' = 0 point: 24 records for 4 domains,
    enough for the domain_gap law's 18 parameters)."""
    from bayeslaw.suggest.candidates import Candidate

    (n0, n1), d0, d1 = menu.params[:2], menu.pretrain_tokens[0], menu.pretrain_tokens[-1]
    lo, hi = menu.specialize_tokens[1], menu.specialize_tokens[-1]
    return [Candidate(n, d, dp, dom) for dom in menu.domains
            for n, d, dp in ((n0, d0, hi), (n1, d0, lo), (n0, d1, lo))]


def _fitter(ctx: Context, law: str):
    from bayeslaw.fit import fit

    acfg, fcfg = ctx.cfg["active"], ctx.cfg["fit"]
    keys = ("chains", "warmup", "samples", "seed", "escalate")
    kw = {k: acfg.get(k, fcfg.get(k)) for k in keys if acfg.get(k, fcfg.get(k)) is not None}

    def fitter(runs):
        post = fit(runs, law, domains=ctx.domains, **kw)
        return post.draws  # with their noise

    return fitter, kw


def _specs(cands):
    from bayeslaw.suggest.candidates import to_spec
    from trainer.spec import RunSpec

    return [RunSpec.from_dict(to_spec(c, cost_flops=0.0, score=0.0)) for c in cands]


def _campaigns(ctx: Context, law: str, budget: float):
    """Run (or resume) the loop and the equal-cost grid; return their runs and costs."""
    from bayeslaw.flow.executors import trainer_executor
    from bayeslaw.flow.loop import LoopConfig, run_loop
    from bayeslaw.runs.store import RunStore
    from bayeslaw.suggest.candidates import batch_cost
    from bayeslaw.suggest.select import Settings
    from bayeslaw.validate import uniform_grid

    acfg, menu = ctx.cfg["active"], _menu(ctx)
    seed = seed_design(menu)
    train(ctx, "active-loop", _specs(seed))
    fitter, _ = _fitter(ctx, law)
    with RunStore(ctx.store("active-loop")) as store:
        state = run_loop(store, lambda runs: fitter(runs), trainer_executor(
            settings=settings(ctx).to_dict()), menu,
            # The study's records were made with the reweighting values and no growth step.
            Settings(budget=budget, k=len(ctx.domains), q=int(acfg.get("batch", 4)),
                     method="reweight"),
            LoopConfig(flops=float(acfg["flops"]), regret=float(acfg.get("regret", 0.0)),
                       growth=None),
            ctx.out / "active-loop.state.json", domains=ctx.domains,
            seed=int(acfg.get("seed", 0)), log=lambda m: log(f"loop: {m}"))
    export(ctx, "active-loop")
    seed_cost = batch_cost(seed)
    grid = uniform_grid(menu, seed_cost + state["spent"], start=seed)
    train(ctx, "active-grid", _specs(grid))
    return state, seed_cost, batch_cost(grid)


def _judge(ctx: Context, law: str, runs, budget: float, ref, arms_obs: dict) -> dict:
    """Fit ``runs``, plan at ``budget``; prediction error at the arms, regret under ``ref``."""
    from bayeslaw.fit import fit
    from bayeslaw.fit.predictive import sample
    from bayeslaw.plan import Constraints, decision_losses, plan

    sizes = Constraints(model_sizes=model_sizes(ctx))
    _, kw = _fitter(ctx, law)
    post = fit(runs, law, domains=ctx.domains, **kw)
    k = len(ctx.domains)
    rec = plan(thin(post.draws), budget, k, domains=ctx.domains, constraints=sizes).recommended
    dp = np.atleast_1d(rec.specialize_tokens)
    decision = ([rec.params], [rec.pretrain_tokens], [dp])
    L_ref = decision_losses(thin(ref.draws), decision, k, domains=ctx.domains)[:, 0]
    best = plan(thin(ref.draws), budget, k, domains=ctx.domains, constraints=sizes)
    errors = {}
    for arm, (points, observed) in arms_obs.items():
        pred = np.mean([np.median(sample(post, N, D, Dp, dom, seed=i)[0])
                        for i, (N, D, Dp, dom) in enumerate(points)])
        errors[arm] = float((pred - observed) / observed)
    regret = float(np.mean(L_ref - best.losses))
    return {"n_runs": len(runs), "plan": {"params": rec.params, "pretrain_tokens":
            rec.pretrain_tokens, "specialize_tokens": dp.tolist(),
            "pretrain_share": rec.pretrain_share},
            "arm_rel_errors": errors,
            "mean_abs_arm_error": float(np.mean(np.abs(list(errors.values())))),
            "regret_under_reference": regret,
            "relative_regret_under_reference": float(np.mean((L_ref - best.losses)
                                                             / best.losses))}


def _arms_observed(ctx: Context) -> dict:
    """``arm -> ([(N, D, D', domain)], measured mean domain loss over seeds)``."""
    from bayeslaw.validate import arm_point

    dec = ctx.results()["decision"]
    out = {}
    runs = {r.run_id: r for r in _completed(ctx, "decision")}
    for arm, row in dec["arms"].items():
        ids = row.get("run_ids", {})
        points = [(*arm_point(arm, runs[i]), runs[i].domain) for i in ids.get(
            str(min(row["seeds"])), []) if i in runs]
        out[arm] = (points, row["mean_loss"])
    return out


def active(ctx: Context) -> None:
    from bayeslaw.fit import fit

    acfg = ctx.cfg["active"]
    law = acfg.get("law", "domain_gap")
    budget = ctx.results()["decision"]["budget"]
    state, seed_cost, grid_cost = _campaigns(ctx, law, budget)
    _, kw = _fitter(ctx, law)
    everything = _completed(ctx, "sweep") + _completed(ctx, "holdout")
    ref = fit(everything, law, domains=ctx.domains, **kw)
    obs = _arms_observed(ctx)
    out = {"law": law, "budget": budget, "seed_design_flops": seed_cost,
           "loop_flops": seed_cost + state["spent"], "grid_flops": grid_cost,
           "loop_stopped": state.get("stopped"), "loop_history": state["history"],
           "reference_runs": len(everything)}
    for name in ("active-loop", "active-grid"):
        out[name] = _judge(ctx, law, _completed(ctx, name), budget, ref, obs)
        log(f"{name}: {out[name]['n_runs']} runs, |error| at the arms "
            f"{out[name]['mean_abs_arm_error']:.4f}, relative regret under the reference "
            f"{out[name]['relative_regret_under_reference']:.4%}")
    ctx.save("active", out)
