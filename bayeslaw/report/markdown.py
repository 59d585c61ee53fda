"""Render a :class:`~bayeslaw.report.model.Report` as Markdown, figures as PNG files
in a folder next to the ``.md`` file (``report.md`` -> ``report_figures/``).

Each section starts with an ``<a id="...">`` anchor carrying the same ids as the HTML
page, so links and tests work the same for both.
"""

from __future__ import annotations

from pathlib import Path

from bayeslaw.report.model import Report, Section, Table
from bayeslaw.report.style import fmt_num, to_png


def _cell(v) -> str:
    text = v if isinstance(v, str) else fmt_num(v)
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(t: Table) -> str:
    lines = [f"*{t.caption}*", ""] if t.caption else []
    lines.append("| " + " | ".join(_cell(c) for c in t.columns) + " |")
    lines.append("|" + "|".join("---" for _ in t.columns) + "|")
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in t.rows]
    return "\n".join(lines)


def render_section(s: Section, figures_dir: str) -> str:
    parts = [f'<a id="{s.id}"></a>', f"## {s.title}"]
    parts += [f"> **Warning:** {w}" for w in s.warnings]
    parts += s.text
    parts += [render_table(t) for t in s.tables]
    parts += [f"*{c}*\n\n```text\n{t.rstrip()}\n```" for c, t in s.blocks]
    parts += [f"![{f.caption}]({figures_dir}/{f.name}.png)" for f in s.figures]
    return "\n\n".join(parts)


def render_markdown(report: Report, figures_dir: str) -> str:
    """The Markdown text; figures are referenced as ``figures_dir/<name>.png``."""
    toc = "\n".join(f"{i}. [{s.title}](#{s.id})" for i, s in enumerate(report.sections, 1))
    body = "\n\n".join(render_section(s, figures_dir) for s in report.sections)
    banner = "".join(f"> **Warning:** {b}\n\n" for b in report.banner)
    return f"# {report.title}\n\n{banner}{toc}\n\n{body}\n"


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
