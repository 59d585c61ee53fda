"""The report's first section: the answer, before the evidence.

The recommended N, D and D' (per domain when the domains differ), tokens per parameter
(D + sum_i D'_i) / N and the pretraining share, each with the 90% interval of the
posterior draws' own optima; the expected loss and regret with their intervals; whether
the sampler's checks passed; how far the plan extrapolates
(:mod:`bayeslaw.extrapolation`); and the command that made the report.
"""

from __future__ import annotations

from collections.abc import Mapping

from bayeslaw.extrapolation import Measured, assess_plan
from bayeslaw.report.model import ReportInputs, Section, Table

ROWS = (("params", "N (parameters)"), ("pretrain_tokens", "D (pretraining tokens)"),
        ("specialize_tokens", "D' (specialization tokens per domain)"),
        ("tokens_per_param", "tokens per parameter (D + k D') / N"),
        ("pretrain_share", "pretraining share D / (D + k D')"))


def _interval(q: Mapping | None) -> list:
    return [None, None] if not q else [q.get("q05"), q.get("q95")]


def answer_rows(p: Mapping) -> list[list]:
    """[quantity, recommended, q05, q95] for each number of the answer."""
    rec, iv = p["recommended"], p.get("intervals", {})
    rows = []
    for key, label in ROWS:
        if key in rec:
            rows.append([label, rec[key], *_interval(iv.get(key))])
        if key == "specialize_tokens":
            per_iv = iv.get("specialize_tokens_per_domain", {})
            for d, v in (rec.get("specialize_tokens_per_domain") or {}).items():
                rows.append([f"D' on {d}", v, *_interval(per_iv.get(d))])
    rows.append(["expected loss (nats/token)", rec["loss"],
                 *_interval(rec.get("loss_interval") or iv.get("loss"))])
    if p.get("expected_regret") is not None:
        rows.append(["expected regret (nats/token)", p["expected_regret"],
                     *_interval(p.get("regret_interval"))])
    return rows


def diagnostics_status(d: Mapping | None) -> tuple[str, list[str]]:
    """('passed' or how many checks failed, the failures)."""
    if d is None:
        return "no sampler diagnostics (a point estimate or an external fit)", []
    problems = [w.get("problem", str(w)) if isinstance(w, Mapping) else str(w)
                for w in d.get("warnings", [])]
    return ("all checks passed" if not problems else
            f"{len(problems)} check(s) failed (see Sampler diagnostics)"), problems


def summary(inp: ReportInputs, title: str) -> Section:
    sec = Section("summary", title)
    p = inp.plan
    extrapolation = "-"
    if p is None:
        sec.text.append(inp.notes.get("plan", "No plan (the planner is unavailable)."))
    else:
        rec = p["recommended"]
        sec.text.append(
            f"For C = {inp.budget:.3g} FLOPs and k = {inp.k} domain(s) "
            f"({', '.join(inp.domains)}): train one model "
            f"of N = {rec['params']:.3g} parameters on D = {rec['pretrain_tokens']:.3g} "
            f"general tokens, then specialize it for D' = {rec['specialize_tokens']:.3g} "
            "tokens per domain. The intervals are the 5% and 95% quantiles of each "
            "posterior draw's own optimum.")
        sec.tables.append(Table(["quantity", "recommended", "q05", "q95"], answer_rows(p),
                                "the recommended allocation and its 90% intervals"))
        extrapolation, warnings = _extrapolation(inp, p)
        sec.warnings += warnings
    status, problems = diagnostics_status(inp.diagnostics)
    sec.tables.append(Table(["check", "status"], [
        ["sampler diagnostics", status], ["extrapolation", extrapolation],
        ["made by", inp.provenance.get("command") or "the Python API (no command recorded)"]]))
    sec.warnings += [f"Diagnostics: {w}" for w in problems]
    return sec


def _extrapolation(inp: ReportInputs, p: Mapping) -> tuple[str, list[str]]:
    """The extrapolation status line and its warnings (:mod:`bayeslaw.extrapolation`)."""
    if not inp.runs:
        return "unknown (no runs)", []
    e = assess_plan(Measured.of_runs(inp.runs), {"budget": inp.budget, **p})
    line = f"{e.compute_factor:.3g}x the largest run's compute; " + (
        "past a threshold (see the warnings)" if e.warn
        else "within the thresholds of docs/planner.md")
    return line, [f"Extrapolation: {w}" for w in e.warnings]
