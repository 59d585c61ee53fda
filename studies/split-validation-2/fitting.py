"""Fit and extrapolation steps of split-validation-2 (see steps.py).

``fit``: every law by NUTS on the sweep (the first study's step, analysis.fit), then the
averaged posterior: the laws' PSIS-LOO stacking mixture (Yao et al. 2018;
bayeslaw/fit/stack.py) widened by the extrapolation calibration learned by backtesting on
the fit runs alone (bayeslaw/fit/backtest.py; L-BFGS folds, as the first study's
averaged.py). The plan of the decision step is made from it.

``extrapolation``: every held-out run predicted by each law, by the stacked mixture and
by the calibrated mixture (the averaged posterior): median, 90% interval, error, coverage.
"""

from __future__ import annotations

import json

from bayeslaw.flow.steps import Context, log

from .first import analysis

_completed, _posterior, fit_laws = analysis._completed, analysis._posterior, analysis.fit

AVERAGED = "posterior-averaged.nc"


def averaged(ctx: Context):
    """The averaged (stacked, calibrated) posterior, from the step's file."""
    from bayeslaw.fit.stack import StackedPosterior

    if "averaged" not in ctx.cache:
        ctx.cache["averaged"] = StackedPosterior.load(ctx.out / AVERAGED)
    return ctx.cache["averaged"]


def fit(ctx: Context) -> None:
    """Every law by NUTS, and their stacked mixture (the plan's posterior: the
    calibration widens the predictive only, not the draws the planner optimizes over)."""
    from bayeslaw.fit.stack import stack
    from bayeslaw.fit.stackfile import save

    fit_laws(ctx)
    st = stack([_posterior(ctx, law) for law in ctx.cfg["fit"]["laws"]])
    save(st, ctx.out / AVERAGED)
    ctx.cache["averaged"] = st
    ctx.save("averaged", {"weights": st.weight_of(), "calibration": None})
    log(f"stacked: weights {st.weight_of()}")


def calibrate(ctx: Context) -> None:
    """The stacked mixture's extrapolation calibration, learned by backtesting on the fit
    runs alone; the averaged posterior is the calibrated mixture."""
    from bayeslaw.fit.backtest import fold_fits, folds_for, from_folds, stacked_laws
    from bayeslaw.fit.stackfile import save

    st = averaged(ctx).with_calibration(None)
    ids = set(st.run_ids)
    runs = [r for r in _completed(ctx, "sweep") if r.run_id in ids]
    method = ctx.cfg["fit"].get("backtest", "lbfgs")
    folds = folds_for(fold_fits(runs, stacked_laws(st), method=method), st)
    calib = from_folds(folds, runs, method)
    st = st.with_calibration(calib)
    save(st, ctx.out / AVERAGED)
    ctx.cache["averaged"] = st
    ctx.save("averaged", {"weights": st.weight_of(), "backtest": method,
                          "calibration": json.loads(calib.to_json()), "n_runs": len(runs)})
    log(f"averaged: calibration tau {calib.tau:.4g}, p {calib.power:.3g} "
        f"({calib.folds} folds, {calib.n_heldout} points)")


def strategies(ctx: Context) -> dict:
    """Every predictive the study judges: each law, the stacked mixture, the averaged one."""
    st = averaged(ctx)
    out = {law: _posterior(ctx, law) for law in ctx.cfg["fit"]["laws"]}
    out["stacked"] = st.with_calibration(None)
    out["averaged"] = st
    return out


def extrapolation(ctx: Context) -> None:
    from bayeslaw.validate import extrapolation_rows, summarize_extrapolation

    held = _completed(ctx, "holdout")
    largest = ctx.results()["fit"]["largest_fitted_flops"]
    out = {}
    for name, post in strategies(ctx).items():
        rows = extrapolation_rows(post, held, seed=int(ctx.cfg["fit"].get("seed", 0)))
        out[name] = {"summary": summarize_extrapolation(rows), "rows": rows}
        s = out[name]["summary"]
        log(f"extrapolation {name}: |error| {s['mean_abs_rel_error'] or float('nan'):.4f}, "
            f"bias {s['mean_rel_error'] or float('nan'):+.4f}, coverage90 {s['coverage90']}")
    ctx.save("extrapolation", {"n_holdout": len(held), "largest_fitted_flops": largest,
                               "holdout_params": sorted({r.params for r in held}),
                               "flops_ratio": [min((r.flops for r in held), default=0) / largest,
                                               max((r.flops for r in held), default=0) / largest],
                               "strategies": out})
