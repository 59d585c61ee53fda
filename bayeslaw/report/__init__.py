"""Reports of a fitted posterior: figures (matplotlib), content, HTML and Markdown.

Layers, each usable alone:

- figures: :mod:`~bayeslaw.report.figures_fit`, :mod:`~bayeslaw.report.figures_posterior`,
  :mod:`~bayeslaw.report.figures_plan`: pure functions returning matplotlib figures;
- content: :func:`build_report` (plain :class:`ReportInputs` -> :class:`Report`); the
  report renders only what it is given: :func:`bayeslaw.flow.make_report` gathers the
  inputs from a posterior, the planner and the suggester;
- rendering: :func:`render_html` (self-contained page), :func:`write_markdown`,
  :func:`write_report` (by extension).
"""

from bayeslaw.report.api import load_posterior, write_report
from bayeslaw.report.build import build_report
from bayeslaw.report.html import render_html
from bayeslaw.report.markdown import render_markdown, write_markdown
from bayeslaw.report.model import SECTION_IDS, SECTIONS, Report, ReportInputs, Section

__all__ = [
    "SECTIONS", "SECTION_IDS", "Report", "ReportInputs", "Section", "build_report",
    "load_posterior", "render_html", "render_markdown", "write_markdown",
    "write_report",
]
