"""Report step of the split-validation study: results.md and report.html (see steps.py).

The report is the standard posterior report of the law used for the decision (fitted to
the sweep, planned at the decision budget) with the study's own sections first: the
decision check, the extrapolation table and the active design check.
"""

from __future__ import annotations

import numpy as np

from bayeslaw.flow.steps import Context, log

from .analysis import _completed, _posterior

ARM_LABEL = {"planned": "(a) planned split", "no_specialization": "(b) no specialization",
             "fixed_10pct": "(c) 10% specialization", "even_split": "(d) 50/50 split",
             "from_scratch": "(e) specialists from scratch"}


def _share(row: dict) -> float:
    total = row["pretrain_tokens"] + sum(row["specialize_tokens"].values())
    return row["pretrain_tokens"] / total


def decision_table(dec: dict):
    from bayeslaw.report.model import Table

    rows = []
    for arm, row in dec["arms"].items():
        pair = dec["paired"].get(arm)
        p, ins = row["predicted"], row["inside90"]
        rows.append([ARM_LABEL[arm], _share(row), row["pretrain_tokens"],
                     float(np.mean(list(row["specialize_tokens"].values()))), row["mean_loss"],
                     row["sd_loss"] if row["sd_loss"] is not None else float("nan"),
                     f"{p['q50']:.4f} [{p['q05']:.4f}, {p['q95']:.4f}]",
                     f"{sum(ins)}/{len(ins)}",
                     "" if pair is None else f"{pair['mean_diff']:+.4f} [{pair['ci'][0]:+.4f}, "
                     f"{pair['ci'][1]:+.4f}]",
                     "" if pair is None else f"{pair['p_value']:.3g}",
                     "" if pair is None else f"{pair['wins']}/{pair['n']}"])
    return Table(["arm", "pretrain share", "D", "mean D'_i", "mean domain loss", "sd over seeds",
                  "predicted median [90%]", "seeds inside 90%", "minus planned [95% CI]",
                  "paired t p", "planned lower"], rows,
                 f"Decision check at C = {dec['budget']:.3g} FLOPs "
                 f"({dec['budget_over_largest']:.1f}x the largest fitted run), k = {dec['k']}, "
                 f"N = {dec['params']:,} for every arm; law {dec['law']}. Loss: mean over the "
                 "k domains of the validation loss (nats/byte).")


def extrapolation_table(fit: dict):
    from bayeslaw.report.model import Table

    largest = fit["largest_fitted_flops"]
    rows = []
    for law, row in sorted(fit["laws"].items(), key=lambda kv: -kv[1]["elpd_loo"]):
        for N in fit["holdout_params"]:
            held = [h for h in row["holdout"] if h["params"] == N]
            e = np.array([h["rel_error"] for h in held])
            ratio = [min(h["flops"] for h in held) / largest, max(h["flops"] for h in held)
                     / largest]
            rows.append([law, row["elpd_loo"], row["se"], N, f"{ratio[0]:.1f}-{ratio[1]:.1f}x",
                         len(held), float(np.abs(e).mean()), float(e.mean()),
                         float(np.mean([h["inside90"] for h in held])), row["r_hat_max"],
                         row["divergences"]])
    return Table(["law", "elpd_loo (fit runs)", "se", "held-out N", "compute vs largest fitted",
                  "runs", "mean |rel. error|", "mean rel. error (bias)", "90% coverage",
                  "max R-hat", "divergences"], rows,
                 f"Fitted to {fit['n_runs']} runs (N = "
                 f"{', '.join(f'{n:,}' for n in fit['fitted_params'])}; compute up to "
                 f"{largest:.3g} FLOPs); each held-out size predicted from that fit. A "
                 "positive error means the law predicted a higher loss than was measured.")


def active_table(act: dict):
    from bayeslaw.report.model import Table

    rows = []
    for name, label in (("active-loop", "suggestion loop"), ("active-grid", "uniform grid")):
        r = act[name]
        rows.append([label, act["loop_flops" if name == "active-loop" else "grid_flops"],
                     r["n_runs"], r["mean_abs_arm_error"], r["relative_regret_under_reference"],
                     r["plan"]["params"], r["plan"]["pretrain_share"]])
    return Table(["design", "experiment FLOPs", "runs", "mean |rel. error| at the arms",
                  "relative regret under the reference", "planned N", "planned share"], rows,
                 f"Both designs start from the same seed design "
                 f"({act['seed_design_flops']:.3g} FLOPs) and fit {act['law']}; the reference "
                 f"posterior is {act['law']} fitted to all {act['reference_runs']} sweep and "
                 "held-out runs.")


def decision_figure(dec: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for i, row in enumerate(dec["arms"].values()):
        p = row["predicted"]
        ax.add_patch(plt.Rectangle((i - 0.3, p["q05"]), 0.6, p["q95"] - p["q05"],
                                   color="#0072B2", alpha=0.18, lw=0))
        ax.plot([i - 0.3, i + 0.3], [p["q50"]] * 2, color="#0072B2", lw=1)
        ys = list(row["by_seed"].values())
        ax.plot([i] * len(ys), ys, "o", color="#D55E00", ms=5)
        ax.plot([i - 0.15, i + 0.15], [np.mean(ys)] * 2, color="#D55E00", lw=2)
    ax.set_xticks(range(len(dec["arms"])), [ARM_LABEL[a].split(" ", 1)[1] for a in dec["arms"]],
                  rotation=15)
    ax.set_ylabel("mean domain loss (nats/byte)")
    ax.set_title(f"C = {dec['budget']:.2g} FLOPs, N = {dec['params']:,}, k = {dec['k']}")
    fig.tight_layout()
    return fig


def extrapolation_figure(fit: dict):
    import matplotlib.pyplot as plt

    laws = list(fit["laws"])
    fig, axes = plt.subplots(1, len(laws), figsize=(3.2 * len(laws), 3.3), squeeze=False)
    for ax, law in zip(axes[0], laws, strict=True):
        rows = fit["laws"][law]["holdout"]
        obs = np.array([r["loss"] for r in rows])
        med = np.array([r["q50"] for r in rows])
        err = np.array([[r["q50"] - r["q05"] for r in rows], [r["q95"] - r["q50"] for r in rows]])
        ax.errorbar(obs, med, yerr=err, fmt="o", ms=4, color="#0072B2", ecolor="#9ac")
        lim = [min(obs.min(), (med - err[0]).min()), max(obs.max(), (med + err[1]).max())]
        ax.plot(lim, lim, color="#888", lw=1)
        ax.set_title(law, fontsize=10)
        ax.set_xlabel("measured loss")
    axes[0][0].set_ylabel("predicted (median, 90%)")
    fig.tight_layout()
    return fig


def _sections(res: dict):
    from bayeslaw.report.model import FigureItem, Section

    out = []
    if "decision" in res:
        out.append(Section("validation-decision", "Validation: the decision check",
                           tables=[decision_table(res["decision"])], figures=[FigureItem(
                               "decision", "Each arm's mean domain loss per seed (orange), its "
                               "mean (bar), and the fitted law's 90% predictive interval "
                               "(blue box, median line).", decision_figure(res["decision"]))]))
    if "fit" in res:
        out.append(Section("validation-extrapolation", "Validation: extrapolation per law",
                           tables=[extrapolation_table(res["fit"])], figures=[FigureItem(
                               "extrapolation", "Held-out runs: predicted median and 90% "
                               "interval against the measured loss (the line is y = x).",
                               extrapolation_figure(res["fit"]))]))
    if "active" in res:
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
    dec = res["decision"]
    post = _posterior(ctx, dec["law"])
    inputs = report_inputs(post, _completed(ctx, "sweep"), budget=dec["budget"],
                           k=dec["k"], provenance=posterior_provenance(post), max_draws=500,
                           progress=lambda s: log(f"report: {s}"),
                           allow_unconverged=ctx.cfg["fit"].get("allow_unconverged", False))
    std = build_report(inputs)
    ours = _sections(res)
    rep = Report(f"split-validation: {post.law.name} on {', '.join(ctx.domains)}", ours
                 + std.sections)
    write_report(rep, ctx.records / "report.html")
    md = [f"## {s.title}\n\n" + "\n\n".join(render_table(t) for t in s.tables) for s in ours]
    (ctx.records / "results.md").write_text("\n\n".join(md) + "\n")
    rep.close()
    log(f"report: {ctx.records / 'report.html'}; tables in {ctx.records / 'results.md'}")
