"""Report step of split-validation-2: results.md and report.html (see steps.py).

The study's own sections (the share curve with its figure, the recipe comparison, the
extrapolation table, the active design table, the corpus) come first; then, when the
fits are there, the standard posterior report of the law with the largest stacking
weight, planned at the decision budget (as the first study's writeup).
"""

from __future__ import annotations

import numpy as np

from bayeslaw.flow.steps import Context, log

from .first import analysis

LABEL = {"planned": "planned split", "no_specialization": "no specialization (s = 1)",
         "fixed_10pct": "10% specialization (s = 0.9)", "even_split": "50/50 split (s = 0.5)",
         "from_scratch": "specialists from scratch (s = 0)"}


def label(arm: str) -> str:
    if arm in LABEL:
        return LABEL[arm]
    if arm.startswith("planned_"):
        return f"planned split at {arm.split('_')[1][:-1]}x N"
    return f"share {arm.split('_')[1]}"


def _fmt_interval(p: dict) -> str:
    if p["q50"] is None or p["q50"] != p["q50"]:
        return ""
    return f"{p['q50']:.4f} [{p['q05']:.4f}, {p['q95']:.4f}]"


def curve_table(dec: dict):
    from bayeslaw.report.model import Table

    rows = []
    for arm, row in sorted(dec["arms"].items(), key=lambda kv: (kv[1]["params"] != dec["params"],
                                                                kv[1]["share"])):
        ins = row["inside90"]
        rows.append([label(arm), f"{row['params']:,}", row["share"], row["pretrain_tokens"],
                     float(np.mean(list(row["specialize_tokens"].values()))), len(row["seeds"]),
                     f"{row['mean_loss']:.4f}",
                     "" if row["sd_loss"] is None else f"{row['sd_loss']:.4f}",
                     _fmt_interval(row["predicted"]), f"{sum(ins)}/{len(ins)}"])
    return Table(["arm", "N", "pretrain share", "D", "mean D'_i", "seeds", "mean domain loss",
                  "sd over seeds", "predicted median [90%] (averaged posterior)",
                  "seeds inside 90%"], rows,
                 f"The measured share curve at C = {dec['budget']:.3g} FLOPs, k = {dec['k']}: "
                 "every arm spends exactly C (T = C / 6N tokens). Loss: mean over the k "
                 "domains of the validation loss (nats/byte)." + _coverage(dec))


def _coverage(dec: dict) -> str:
    c = dec.get("coverage90")
    if not c or not c["inside90"]["n"]:
        return ""
    a, u = c["inside90"], c["inside90_uncalibrated"]
    return (f" The averaged posterior's 90% intervals held {a['inside']} of {a['n']} "
            f"arm-seeds; without its calibration (the stacked mixture) {u['inside']}.")


def recipe_table(dec: dict):
    from bayeslaw.report.model import Table

    rows = []
    for arm, p in dec.get("paired", {}).items():
        rows.append([label(arm), p["n"], f"{p['mean_diff']:+.4f}",
                     f"[{p['ci'][0]:+.4f}, {p['ci'][1]:+.4f}]", f"{p['relative_diff']:+.2%}",
                     f"{p['p_value']:.3g}", f"{p['wins']}/{p['n']}"])
    return Table(["recipe", "seeds", "recipe minus planned (nats/byte)", "95% t interval",
                  "relative", "paired t p", "seeds planned lower"], rows,
                 "Paired over seeds (same seed: same initialization and data order); "
                 "positive: the plan had the lower loss.")


def extrapolation_table(ext: dict):
    from bayeslaw.report.model import Table

    rows = []
    for name, v in ext["strategies"].items():
        s = v["summary"]
        rows.append([name, s["n"], s["mean_abs_rel_error"], s["mean_rel_error"], s["coverage90"]])
    r = ext["flops_ratio"]
    return Table(["strategy", "held-out runs", "mean |rel. error|", "mean rel. error (bias)",
                  "90% coverage"], rows,
                 f"Held-out runs (N = {', '.join(f'{n:,}' for n in ext['holdout_params'])}; "
                 f"{r[0]:.1f}-{r[1]:.1f}x the largest fitted run's compute), never fitted, "
                 "predicted by each law, their stacked mixture and the averaged (stacked + "
                 "calibrated) posterior. Positive error: predicted higher than measured.")


def active_table(act: dict):
    from bayeslaw.report.model import Table

    rows = []
    for c, row in act["campaigns"].items():
        for d in ("loop", "grid"):
            j = row[d]
            rows.append([c, "suggestion loop" if d == "loop" else "uniform grid",
                         row[f"{d}_flops"], j["n_runs"], f"{j['planned_share']:.3f}",
                         f"{j.get('realized_regret', float('nan')):.4f}",
                         f"{j.get('relative_realized_regret', float('nan')):.2%}"])
    return Table(["campaign", "design", "experiment FLOPs (seed design included)", "records",
                  "planned share", "realized regret on the measured curve", "relative"], rows,
                 f"Each campaign (its own training seed) fits {act['law']} to its design and "
                 f"plans the share at C = {act['budget']:.3g} and N = {act['params']:,}; the "
                 "regret is the measured curve at that share minus its minimum.")


def curve_figure(dec: dict):
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 1]})
    c, band = dec["curve"], (dec["planned"]["plan"] or {}).get("intervals")
    if band:
        ax.axvspan(band["pretrain_share"]["q05"], band["pretrain_share"]["q95"], color="#0072B2",
                   alpha=0.12, lw=0, label="plan's 90% band of optimal shares")
    if c["optimum"]["interval"]:
        ax.axvspan(*c["optimum"]["interval"], color="#D55E00", alpha=0.15, lw=0,
                   label="measured optimum, 90% bootstrap interval")
    ax.plot(c["curve"]["share"], c["curve"]["loss"], color="#D55E00", lw=1.5,
            label="smoothing spline (GCV)")
    for arm, row in dec["arms"].items():
        if row["params"] != dec["params"]:
            continue
        ys = list(row["by_seed"].values())
        ax.plot([row["share"]] * len(ys), ys, ".", color="#999", ms=4)
        sem = (row["sd_loss"] or 0) / np.sqrt(len(ys))
        ax.errorbar(row["share"], row["mean_loss"], yerr=1.96 * sem, fmt="s" if arm == "planned"
                    else "o", color="#0072B2" if arm == "planned" else "k", ms=6, capsize=3)
    ax.axvline(c["optimum"]["share"], color="#D55E00", ls=":", lw=1)
    ax.set_xlabel("pretraining share s = D / (D + sum D'_i)")
    ax.set_ylabel("mean domain loss (nats/byte)")
    ax.set_title(f"C = {dec['budget']:.3g} FLOPs, N = {dec['params']:,}")
    ax.legend(fontsize=7)
    sized = sorted((row["params"], row) for arm, row in dec["arms"].items()
                   if arm == "planned" or arm.startswith("planned_"))
    for n, row in sized:
        ys = list(row["by_seed"].values())
        bx.plot([n] * len(ys), ys, ".", color="#999", ms=4)
        bx.plot(n, row["mean_loss"], "s", color="#0072B2")
    bx.set_xscale("log")
    bx.set_xlabel("N at the planned share")
    bx.set_title("model size")
    fig.tight_layout()
    return fig


def _sections(res: dict):
    from bayeslaw.report.model import FigureItem, Section

    out = []
    dec = res.get("decision", {})
    if "curve" in dec:
        out.append(Section("validation-curve", "Validation: the measured share curve",
                           tables=[curve_table(dec)], figures=[FigureItem(
                               "curve", "Measured mean domain loss per seed (grey), arm means "
                               "with 95% intervals, the smoothing spline and its minimum; the "
                               "plan's share (blue square) and 90% band.", curve_figure(dec))]))
        out.append(Section("validation-recipes", "Validation: planned vs the standard recipes",
                           tables=[recipe_table(dec)]))
    if "extrapolation" in res:
        out.append(Section("validation-extrapolation", "Validation: extrapolation",
                           tables=[extrapolation_table(res["extrapolation"])]))
    if "active" in res and res["active"].get("campaigns"):
        out.append(Section("validation-active", "Validation: active design vs grid",
                           tables=[active_table(res["active"])]))
    return out


def report(ctx: Context) -> None:
    from bayeslaw.flow.gather import report_inputs
    from bayeslaw.report.api import posterior_provenance, write_report
    from bayeslaw.report.build import build_report
    from bayeslaw.report.markdown import render_table
    from bayeslaw.report.model import Report

    res = ctx.results()
    ours = _sections(res)
    std = []
    if "averaged" in res:
        law = max(res["averaged"]["weights"], key=res["averaged"]["weights"].get)
        post = analysis._posterior(ctx, law)
        dec = res["decision"]
        inputs = report_inputs(post, analysis._completed(ctx, "sweep"), budget=dec["budget"],
                               k=dec["k"], provenance=posterior_provenance(post), max_draws=500,
                               progress=lambda s: log(f"report: {s}"),
                               allow_unconverged=ctx.cfg["fit"].get("allow_unconverged", False))
        std = build_report(inputs).sections
    rep = Report(f"{ctx.cfg['study']['name']}: {', '.join(ctx.domains)}", ours + std)
    write_report(rep, ctx.records / "report.html")
    md = [f"## {s.title}\n\n" + "\n\n".join(render_table(t) for t in s.tables) for s in ours]
    (ctx.records / "results.md").write_text("\n\n".join(md) + "\n")
    rep.close()
    log(f"report: {ctx.records / 'report.html'}; tables in {ctx.records / 'results.md'}")
