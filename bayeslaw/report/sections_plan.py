"""The report's sections about the decision: isoFLOP curves, the frontier, the plan
against its baselines, the suggested next runs.

Each builder is a function of :class:`~bayeslaw.report.model.ReportInputs` returning
a :class:`~bayeslaw.report.model.Section`; no files, no printing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayeslaw.report import figures_plan as fpl
from bayeslaw.report.isoflop import isoflop
from bayeslaw.report.model import FigureItem, ReportInputs, Section, Table
from bayeslaw.report.predictive import QNAMES
from bayeslaw.report.style import fmt_num

BASELINES = (
    ("no_specialization", "no specialization (D' = 0)"),
    ("from_scratch", "specialists from scratch (D = 0)"),
    ("fixed_10pct", "fixed 10% on specialization"),
)


def largest_run_flops(inp: ReportInputs) -> float:
    return float(max(r.flops for r in inp.runs)) if inp.runs else inp.budget / 10


def isoflop_budgets(inp: ReportInputs) -> list[float]:
    """The largest run's compute, the requested budget, and one in between (log scale)."""
    lo, hi = largest_run_flops(inp), inp.budget
    if hi <= lo * 1.5:
        return [hi]
    return [lo, float(np.sqrt(lo * hi)), hi]


def isoflops(inp: ReportInputs, title: str) -> Section:
    curves = [isoflop(inp.draws, c, inp.k, inp.domains) for c in isoflop_budgets(inp)]
    rows = []
    for c in curves:
        lo, med, hi = np.quantile(c.N_opt, [0.05, 0.5, 0.95])
        best = int(np.argmin(c.loss["q50"]))
        rows.append([c.budget, med, lo, hi, c.loss["q50"][best], c.share[best]])
    return Section("isoflop", title, figures=[
        FigureItem("isoflop", "best loss against N at fixed compute",
                   fpl.isoflop_curves(curves, k=inp.k))], tables=[
        Table(["C (FLOPs)", "optimal N (median)", "N q05", "N q95", "loss at optimum",
               "pretraining share"], rows, "compute-optimal model size on each curve")],
        text=[f"At each compute C, the best loss a model of N parameters can reach when the "
              f"C / (6N) tokens are split optimally between pretraining and the {inp.k} "
              f"specialization(s) (averaged over {', '.join(inp.domains)}). The marker and "
              "bar on each curve: median and 90% interval of the compute-optimal N across "
              "posterior draws. A flat bottom means N matters little near the optimum."])


def frontier(inp: ReportInputs, title: str) -> Section:
    f = inp.frontier
    sec = Section("frontier", title)
    if f is None:
        sec.text.append(inp.notes.get("frontier", "No frontier (the planner is unavailable)."))
        return sec
    marks = [("largest run", largest_run_flops(inp)), ("requested budget", inp.budget)]
    budgets = np.asarray(f["budget"], dtype=float)
    sec.figures.append(FigureItem("frontier", "optimal N, D, D' and loss across budgets",
                                  fpl.frontier(budgets, f, k=inp.k, marks=marks,
                                               bayes=f.get("bayes"))))
    keys = ("params", "pretrain_tokens", "specialize_tokens", "loss")
    rows = [[b, *(np.asarray(f[key]["q50"])[i] for key in keys)]
            for i, b in enumerate(budgets)]
    sec.tables.append(Table(["C (FLOPs)", "N", "D", "D' per domain", "loss"], rows,
                            "posterior medians of the per-draw optimum"))
    sec.text.append(
        "The compute-optimal allocation as the budget grows, for k = "
        f"{inp.k}. Bands: 50% and 90% intervals over posterior draws of each draw's own "
        "optimum. Bands that widen to the right show how fast the runs' information runs "
        "out when extrapolating beyond the largest run.")
    return sec


def loss_quantiles(entry: Mapping) -> dict[str, float]:
    """The q05..q95 of a plan entry's loss (its ``loss_interval``, as
    :func:`bayeslaw.plan.decision.decision_summary` writes it)."""
    return {q: float(entry["loss_interval"][q]) for q in QNAMES}


def plan_rows(plan: Mapping) -> list[dict]:
    """Recommended split first, then each baseline present: label, allocation, loss."""
    rec = plan["recommended"]
    rows = [{"label": "recommended", **rec, "loss": loss_quantiles(rec)}]
    for key, label in BASELINES:
        b = plan.get("baselines", {}).get(key)
        if b is not None:  # None: the constraints leave nothing to train that way
            rows.append({"label": label, **b, "loss": loss_quantiles(b)})
    return rows


def _gain(row: Mapping, best: float) -> str:
    """How much lower the recommended loss is than this baseline's (relative)."""
    gain = row.get("relative_gain")
    if gain is None:
        gain = (row["loss"]["q50"] - best) / row["loss"]["q50"]
    return f"{gain:+.1%}"


def _prob(row: Mapping) -> str | None:
    p = row.get("prob_recommended_better")
    return None if p is None else f"{p:.0%}"


def plan(inp: ReportInputs, title: str) -> Section:
    p = inp.plan
    sec = Section("plan", title)
    if p is None:
        sec.text.append(inp.notes.get("plan", "No plan (the planner is unavailable)."))
        return sec
    rows = plan_rows(p)
    best = rows[0]["loss"]["q50"]
    table = [[r["label"], r.get("params"), r.get("pretrain_tokens"), r.get("specialize_tokens"),
              r.get("pretrain_share"), r["loss"]["q50"], r["loss"]["q05"], r["loss"]["q95"],
              None if i == 0 else _gain(r, best), None if i == 0 else _prob(r)]
             for i, r in enumerate(rows)]
    sec.tables.append(Table(["allocation", "N", "D", "D' per domain", "pretraining share",
                             "loss (median)", "q05", "q95", "recommended gains",
                             "P(recommended better)"], table))
    per_domain = p.get("recommended", {}).get("specialize_tokens_per_domain")
    if per_domain:
        sec.tables.append(Table(["domain", "D' recommended"], [[d, v] for d, v in
                                                               per_domain.items()],
                                "heterogeneous domains: specialization tokens per domain"))
    sec.figures.append(FigureItem("plan", "recommended split against the baselines",
                                  fpl.plan_vs_baselines(rows, budget=inp.budget, k=inp.k)))
    regret = p.get("expected_regret")
    sec.text.append(
        f"At C = {fmt_num(inp.budget)} FLOPs for k = {inp.k} domain(s): the split that "
        "minimizes the posterior expected loss, against the usual alternatives at the "
        "same compute. 'recommended gains' is how much lower the recommended loss is "
        "(relative, positive: the recommendation is better) and 'P(recommended better)' "
        "the share of posterior draws in which it is.")
    if regret is not None:
        sec.text.append(
            f"Expected regret of the recommendation: {_regret_text(p)} (the expected "
            "loss gap to each posterior draw's own optimum). When it is small against the "
            "gains over the baselines, more experiments will not change the decision much.")
    return sec


def _regret_text(p: Mapping) -> str:
    text = f"{fmt_num(p['expected_regret'])} nats/token"
    if p.get("relative_regret") is not None:
        text += f" ({p['relative_regret']:.2%} of the optimal loss)"
    return text


# (key of the suggester's spec, column header): the report's symbols, not the code's names
SUGGESTION_COLUMNS = (("params", "N"), ("pretrain_tokens", "D"), ("specialize_tokens", "D'"),
                      ("domain", "domain"), ("parent", "parent"), ("cost_flops", "cost (FLOPs)"))
PFLOP = 1e15


def suggestion_row(rank: int, r: Mapping) -> list:
    """The row of one suggested run: the rank of the listed run whose pretraining it
    reuses, the expected regret it removes and its group's removal per PFLOP (the score
    the runs are ranked by), both in % of the optimal loss (the suggester's values are
    relative regrets, :func:`bayeslaw.suggest.decisions.expected_regret`)."""
    score, value, after = r.get("score"), r.get("value"), r.get("after")
    per_pflop = None if score is None else 100 * score * PFLOP
    return [rank, *(r.get(key) for key, _ in SUGGESTION_COLUMNS),
            None if after is None else after + 1, None if value is None else 100 * value,
            per_pflop]


def suggestions(inp: ReportInputs, title: str) -> Section:
    s = inp.suggestions
    sec = Section("suggestions", title)
    if s is None:
        sec.text.append(inp.notes.get("suggestions", "No suggestions were requested "
                                      "(pass --suggest N)."))
        return sec
    cols = ["rank", *(h for _, h in SUGGESTION_COLUMNS), "after rank",
            "regret removed (% of loss)", "per PFLOP (% of loss)"]
    sec.tables.append(Table(cols, [suggestion_row(i + 1, r) for i, r in enumerate(s)]))
    sec.text.append(
        "The runs expected to reduce the uncertainty of this decision the most per FLOP, "
        "best first. A run with a parent branches from that pretrained checkpoint and "
        "pays only for its specialization; a run with an 'after rank' reuses the "
        "pretraining of that listed run, and its cost is only what it adds. Runs that "
        "remove no regret (the decision is settled) come last. Run them (bayeslaw train "
        "or your cluster), import the results, refit and report again.")
    return sec
