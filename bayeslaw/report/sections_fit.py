"""The report's sections about the data and the fit: provenance, runs, curves,
posterior, diagnostics, predictive checks, law comparison.

Each builder is a function of :class:`~bayeslaw.report.model.ReportInputs` returning
a :class:`~bayeslaw.report.model.Section`; no files, no printing.
"""

from __future__ import annotations

import numpy as np

from bayeslaw.report import figures_fit as ff
from bayeslaw.report import figures_posterior as fp
from bayeslaw.report.model import FigureItem, ReportInputs, Section, Table
from bayeslaw.report.predictive import coverage
from bayeslaw.report.style import fmt_num

MAX_RUN_ROWS = 400
PROVENANCE_KEYS = (
    ("bayeslaw_version", "bayeslaw version"), ("command", "command"), ("date", "date (UTC)"),
    ("posterior_file", "posterior file"), ("law", "law"), ("equation", "equation"),
    ("seed", "seed"), ("n_draws", "posterior draws"), ("domains", "domains"),
    ("store", "run store"), ("fit", "fit settings"), ("versions", "package versions"),
)


def provenance(inp: ReportInputs, title: str) -> Section:
    prov = {"law": inp.draws.law.name, "equation": inp.draws.law.equation,
            "n_draws": inp.draws.n_draws, "domains": ", ".join(inp.draws.domains),
            **inp.provenance}
    priors = prov.pop("priors", None)
    rows = [[label, _text(prov[key])] for key, label in PROVENANCE_KEYS if key in prov]
    known = {k for k, _ in PROVENANCE_KEYS}
    rows += [[key, _text(v)] for key, v in prov.items() if key not in known]
    sec = Section("provenance", title, text=[
        "Everything needed to make this report again: the command, the posterior file it "
        "read and the code versions that produced both."],
        tables=[Table(["item", "value"], rows)])
    if priors:
        sec.blocks.append(("priors of the fit (TOML, as recorded in the posterior file)",
                           str(priors)))
    return sec


def _text(v) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {_text(w)}" for k, w in v.items())
    if isinstance(v, list | tuple):
        return " ".join(_text(x) for x in v)
    if isinstance(v, float):  # fit_seconds 12.3, not 12.345678901234567
        return fmt_num(v)
    return str(v)


def runs(inp: ReportInputs, title: str) -> Section:
    cols = ["run_id", "domain", "N", "D", "D'", "loss", "FLOPs", "source"]
    rows = [[r.run_id, r.domain, r.params, r.pretrain_tokens, r.specialize_tokens, r.loss,
             r.flops, r.source] for r in inp.runs[:MAX_RUN_ROWS]]
    text = [f"{len(inp.runs)} runs across {len({r.domain for r in inp.runs})} domain(s); "
            "N in non-embedding parameters, D and D' in tokens, loss in nats/token on the "
            "run's domain."]
    if len(inp.runs) > MAX_RUN_ROWS:
        text.append(f"The table shows the first {MAX_RUN_ROWS}; `bayeslaw runs list` lists all.")
    return Section("runs", title, text=text, tables=[Table(cols, rows)])


def curves(inp: ReportInputs, title: str) -> Section:
    figs = []
    for dom in inp.draws.domains:
        figs.append(FigureItem(f"curves_{_safe(dom)}_dprime",
                               f"{dom}: loss against D' at fixed N and D",
                               ff.curves_vs_specialization(inp.draws, inp.runs, dom)))
        figs.append(FigureItem(f"curves_{_safe(dom)}_d",
                               f"{dom}: general model (D' = 0) against D, per N",
                               ff.curves_vs_pretraining(inp.draws, inp.runs, dom)))
    return Section("curves", title, figures=figs, text=[
        f"The law ({inp.draws.law.equation}) against the runs, per domain. Lines: posterior "
        "median of the law's mean loss; dark band: 50% interval; light band: 90%. Points: "
        "measured runs. Runs far outside the bands, or a systematic bend the curves do not "
        "follow, mean the law misses something (compare laws below)."])


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def posterior(inp: ReportInputs, title: str) -> Section:
    rows = []
    for p in inp.draws.law.params:
        v = np.asarray(inp.draws.params[p], dtype=float)
        cols = [("", v)] if v.ndim == 1 else list(zip(inp.draws.domains, v.T, strict=True))
        for dom, x in cols:
            q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
            rows.append([p, dom or "(shared)", q50, q05, q95])
    figs = [FigureItem("marginals", "posterior marginals", fp.marginals(inp.draws)),
            FigureItem("pair", "joint posterior of the exponents", fp.pair_plot(inp.draws))]
    return Section("posterior", title, figures=figs, tables=[
        Table(["parameter", "domain", "median", "q05", "q95"], rows,
              "posterior median and 90% interval")], text=[
        "Wide intervals on an exponent mean the runs do not span enough N or tokens to pin "
        "it; a ridge in the pair plot means only a combination of exponents is known. "
        "Either makes extrapolation to large budgets uncertain: the plan's bands show how "
        "much."])


def diagnostics(inp: ReportInputs, title: str) -> Section:
    d = inp.diagnostics
    sec = Section("diagnostics", title)
    if d is None:
        sec.text.append(inp.notes.get("diagnostics", "No sampler diagnostics for these draws."))
        return sec
    rows = [[row["parameter"], _fixed(row.get("r_hat"), 3),
             row.get("ess_bulk"), row.get("ess_tail")] for row in d.get("parameters", [])]
    sec.tables.append(Table(["parameter", "r_hat", "ess_bulk", "ess_tail"], rows,
                            "R-hat should be at most 1.01; bulk and tail ESS at least 100 per "
                            "chain"))
    summary = {k: v for k, v in d.items() if k not in ("parameters", "warnings")}
    if summary:
        sec.tables.append(Table(["check", "value"], [
            [k, v if isinstance(v, int | float) else _text(v)] for k, v in summary.items()]))
    for w in d.get("warnings", []):
        sec.warnings.append(f"{w.get('problem', w)} Remedy: {w.get('remedy', '-')}"
                            if isinstance(w, dict) else str(w))
    sec.text.append("All checks passed." if not sec.warnings else
                    "Some checks failed: read the warnings before trusting the numbers below.")
    return sec


def _fixed(x, digits: int) -> str | None:
    """R-hat reads as 1.004, not 1: fixed decimals."""
    return None if x is None else f"{float(x):.{digits}f}"


def ppc(inp: ReportInputs, title: str) -> Section:
    runs = [r for r in inp.runs if r.domain in inp.draws.domains and r.loss is not None]
    sec = Section("ppc", title)
    if not runs:
        sec.text.append("No runs of the posterior's domains to check against.")
        return sec
    observed = np.array([r.loss for r in runs])
    samples = ff.predictive_samples(inp.draws, runs)
    c50, c90 = coverage(samples, observed, 0.5), coverage(samples, observed, 0.9)
    noise = ("with the fitted observation noise" if inp.draws.noise
             else "without observation noise")
    sec.figures.append(FigureItem("ppc", "observed against predicted loss; PIT histogram",
                                  ff.predictive_check(samples, observed)))
    sec.text.append(
        f"Each run's loss against its posterior predictive ({noise}). The 50% intervals "
        f"cover {c50:.0%} of the runs and the 90% intervals {c90:.0%}; a calibrated fit "
        "covers about 50% and 90%. This checks the fit in-sample; the held-out "
        "extrapolation in the comparison section checks it out of sample.")
    return sec


def comparison(inp: ReportInputs, title: str) -> Section:
    c = inp.comparison
    sec = Section("comparison", title)
    if c is None:
        sec.text.append(inp.notes.get("comparison", "No law comparison was requested "
                                      "(pass --compare A.nc,B.nc)."))
        return sec
    sec.tables.append(Table(list(c["columns"]), [list(r) for r in c["rows"]]))
    sec.text.append(c.get("note", "PSIS-LOO (higher elpd is better) and the error of "
                    "extrapolating to the largest-compute runs from the others."))
    return sec
