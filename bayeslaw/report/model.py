"""What a report is, independent of how it is rendered.

A :class:`Report` is a list of :class:`Section` s, each with a stable ``id`` (the HTML
anchor, what the tests look for), paragraphs, tables and figures. The content is
computed once by :func:`bayeslaw.report.build.build_report`; the HTML and Markdown
renderers only lay it out. The inputs are gathered in :class:`ReportInputs` (plain
data: draws, runs, the planner's and the suggester's dictionaries), so the report can
be built from anything that produces them, a fitted posterior or a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bayeslaw.draws import Draws

# Every report has these sections, in this order (a section without its input says
# what to pass to fill it).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "The answer"),
    ("provenance", "How this report was made"),
    ("runs", "The runs used"),
    ("curves", "Fitted curves against the data"),
    ("posterior", "Posterior of the parameters"),
    ("diagnostics", "Sampler diagnostics"),
    ("ppc", "Posterior predictive checks"),
    ("comparison", "Law comparison"),
    ("isoflop", "isoFLOP curves"),
    ("frontier", "Compute-optimal frontier"),
    ("plan", "The plan at the requested budget"),
    ("suggestions", "Suggested next runs"),
)
SECTION_IDS = tuple(s for s, _ in SECTIONS)


@dataclass
class Table:
    """Columns and raw rows (numbers stay numbers; renderers format them)."""

    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"caption": self.caption, "columns": self.columns, "rows": self.rows}


@dataclass
class FigureItem:
    """A matplotlib figure with a file-safe ``name`` and a caption."""

    name: str
    caption: str
    figure: Any


@dataclass
class Section:
    id: str
    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (caption, verbatim text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "text": self.text,
            "tables": [t.to_dict() for t in self.tables],
            "figures": [{"name": f.name, "caption": f.caption} for f in self.figures],
            "warnings": self.warnings,
            "blocks": [{"caption": c, "text": t} for c, t in self.blocks],
        }


@dataclass
class Report:
    title: str
    sections: list[Section]
    banner: list[str] = field(default_factory=list)  # shown above everything (unconverged)

    def section(self, id: str) -> Section:
        return next(s for s in self.sections if s.id == id)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "banner": self.banner,
                "sections": [s.to_dict() for s in self.sections]}

    def close(self) -> None:
        """Free the figures' memory (matplotlib keeps open figures alive)."""
        from bayeslaw.report.style import pyplot  # matplotlib only once figures exist

        for s in self.sections:
            for f in s.figures:
                pyplot().close(f.figure)


@dataclass
class ReportInputs:
    """Everything a report shows, as plain data.

    Attributes
    ----------
    draws : Draws
        Posterior draws of the law's parameters.
    runs : list of Run
        The runs the posterior was fitted to.
    budget, k : float, int
        The planning budget C (FLOPs) and the number of specialized domains.
    domains : list of str
        The domains planned for (a subset of ``draws.domains``).
    provenance : dict
        How the report was made: version, command, date, posterior file, law, seed...
    diagnostics : dict, optional
        ``{"parameters": [{"parameter", "r_hat", "ess_bulk", "ess_tail"}],
        "warnings": [{"problem", "remedy"}], CHECK: value, ...}``: each further key is a
        check shown as written (e.g. ``"divergent transitions": 0``;
        :func:`bayeslaw.flow.gather.diagnostics_dict`).
    comparison : dict, optional
        ``{"columns": [...], "rows": [[...]], "note": str}``: PSIS-LOO and held-out
        extrapolation, one row per law.
    plan : dict, optional
        The planner's ``Plan.to_dict()``.
    frontier : dict, optional
        ``{"budget": array, "params"|"pretrain_tokens"|"specialize_tokens"|"loss":
        {q05..q95 arrays}}``.
    suggestions : list of dict, optional
        Ranked run specs from the suggester.
    notes : dict of str
        Per-section notes, e.g. why an input is missing.
    convergence : dict, optional
        ``Convergence.to_dict()`` of the posterior (``{"ok", "failing", ...}``); a report
        of an unconverged one (allowed explicitly) carries a banner at the top.
    """

    draws: Draws
    runs: Sequence
    budget: float
    k: int
    domains: list[str]
    provenance: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] | None = None
    comparison: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    frontier: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] | None = None
    notes: dict[str, str] = field(default_factory=dict)
    convergence: dict[str, Any] | None = None
