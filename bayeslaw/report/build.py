"""Compute a report's content: :func:`build_report` turns
:class:`~bayeslaw.report.model.ReportInputs` into a
:class:`~bayeslaw.report.model.Report`, one section per entry of
:data:`~bayeslaw.report.model.SECTIONS`, always all of them and in that order.
"""

from __future__ import annotations

from collections.abc import Callable

from bayeslaw.fit.diagnostics import LABELS
from bayeslaw.report import sections_fit as sf
from bayeslaw.report import sections_plan as sp
from bayeslaw.report import sections_summary as ss
from bayeslaw.report.model import SECTIONS, Report, ReportInputs, Section

BUILDERS: dict[str, Callable[[ReportInputs, str], Section]] = {
    "summary": ss.summary,
    "provenance": sf.provenance,
    "runs": sf.runs,
    "curves": sf.curves,
    "posterior": sf.posterior,
    "diagnostics": sf.diagnostics,
    "ppc": sf.ppc,
    "comparison": sf.comparison,
    "isoflop": sp.isoflops,
    "frontier": sp.frontier,
    "plan": sp.plan,
    "suggestions": sp.suggestions,
}


def build_report(inputs: ReportInputs, *, title: str | None = None,
                 progress: Callable[[str], None] | None = None) -> Report:
    """Every section of the report of ``inputs`` (figures as matplotlib objects).

    ``progress`` is called with each section's id before it is built (the CLI uses it
    for a progress bar on stderr).
    """
    law = inputs.draws.law.name
    title = title or f"bayeslaw report: {law} on {', '.join(inputs.draws.domains)}"
    sections = []
    for sid, heading in SECTIONS:
        if progress:
            progress(sid)
        sections.append(BUILDERS[sid](inputs, heading))
    return Report(title, sections, banner=unconverged_banner(inputs.convergence))


def unconverged_banner(convergence) -> list[str]:
    """The warning above the report when its posterior failed its convergence checks."""
    if not convergence or convergence.get("ok", True):
        return []

    failing = "; ".join(f"{p} ({', '.join(f'{LABELS.get(k, k)} {v:.3g}' for k, v in bad.items())})"
                        for p, bad in convergence.get("failing", {}).items())
    div = convergence.get("divergences", 0)
    return [f"This posterior has NOT converged ({failing or 'no failing parameter'}"
            f"{f'; {div} divergent transitions' if div else ''}): its bands and the plan may "
            "be wrong. Refit with more warmup and draws before acting on it."]
