"""Render a :class:`~bayeslaw.report.model.Report` as Markdown, figures as PNG files
in a folder next to the ``.md`` file (``report.md`` -> ``report_figures/``).

Each section starts with an ``<a id="...">`` anchor carrying the same ids as the HTML
page, so links and tests work the same for both.

User strings (domain names, run ids, sources) reach tables, prose and captions: every
piece of text is written with ``& < >`` as entities, so a viewer that renders HTML in
Markdown never runs markup from a run file, and table cells also escape Markdown's
own syntax (links, emphasis, code).
"""

from __future__ import annotations

from pathlib import Path

from bayeslaw.report.model import Report, Section, Table
from bayeslaw.report.style import fmt_num, to_png

_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]()#!|~"})


def _text(text: str) -> str:
    """Prose: HTML made inert, the report's own Markdown (bold, `code`) kept."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(v) -> str:
    text = v if isinstance(v, str) else fmt_num(v)
    return _text(text.translate(_MARKDOWN)).replace("\n", " ")


def render_table(t: Table) -> str:
    lines = [f"*{_text(t.caption)}*", ""] if t.caption else []
    lines.append("| " + " | ".join(_cell(c) for c in t.columns) + " |")
    lines.append("|" + "|".join("---" for _ in t.columns) + "|")
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in t.rows]
    return "\n".join(lines)


def render_section(s: Section, figures_dir: str) -> str:
    parts = [f'<a id="{s.id}"></a>', f"## {_text(s.title)}"]
    parts += [f"> **Warning:** {_text(w)}" for w in s.warnings]
    parts += [_text(t) for t in s.text]
    parts += [render_table(t) for t in s.tables]
    # a fenced block shows its text verbatim; only a fence inside it could end it early
    parts += [f"*{_text(c)}*\n\n```text\n{t.rstrip().replace('```', '` ` `')}\n```"
              for c, t in s.blocks]
    parts += [f"![{_cell(f.caption)}]({figures_dir}/{f.name}.png)" for f in s.figures]
    return "\n\n".join(parts)


def render_markdown(report: Report, figures_dir: str) -> str:
    """The Markdown text; figures are referenced as ``figures_dir/<name>.png``."""
    toc = "\n".join(f"{i}. [{_cell(s.title)}](#{s.id})"
                    for i, s in enumerate(report.sections, 1))
    body = "\n\n".join(render_section(s, figures_dir) for s in report.sections)
    banner = "".join(f"> **Warning:** {_text(b)}\n\n" for b in report.banner)
    return f"# {_text(report.title)}\n\n{banner}{toc}\n\n{body}\n"


def write_markdown(report: Report, path: str | Path) -> list[Path]:
    """Write ``path`` and its figures folder; returns every file written."""
    path = Path(path)
    fig_dir = path.with_name(f"{path.stem}_figures")
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for s in report.sections:
        for f in s.figures:
            png = fig_dir / f"{f.name}.png"
            png.write_bytes(to_png(f.figure, close=False))
            written.append(png)
    path.write_text(render_markdown(report, fig_dir.name))
    return [path, *written]
