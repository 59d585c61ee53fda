"""Render a :class:`~bayeslaw.report.model.Report` as one self-contained HTML page.

Figures are embedded as base64 PNG, the CSS is inline, and nothing points outside the
file (no fonts, scripts or images to fetch), so the page opens offline and can be
mailed around. Each section is ``<section id="...">`` with the ids of
:data:`~bayeslaw.report.model.SECTIONS`.
"""

from __future__ import annotations

import base64
import html
import re

from bayeslaw.report.model import Report, Section, Table
from bayeslaw.report.style import fmt_num, to_png

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 1280px; margin: 0 auto; padding: 1.5em 2em; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 2px solid #0072B2; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
nav ol { columns: 3; font-size: .92em; }
nav a, h2 a { color: #0072B2; text-decoration: none; }
table { border-collapse: collapse; margin: .8em 0; font-size: .85em; }
p.caption { color: #555; font-style: italic; margin: .8em 0 0 0; font-size: .88em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .25em .7em; text-align: right; }
th { background: #f3f6f9; border-bottom: 1px solid #bbb; }
td:first-child, th:first-child, td.t { text-align: left; }
.scroll { max-height: 28em; overflow: auto; display: inline-block; border: 1px solid #eee; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9em; }
.warning { background: #fff4e5; border-left: 4px solid #D55E00; padding: .5em .8em;
           margin: .5em 0; }
pre { background: #f6f8fa; padding: .6em; font-size: .85em; overflow-x: auto; }
summary { cursor: pointer; color: #0072B2; }
code { background: #f3f3f3; padding: 0 .2em; border-radius: 3px; }
footer { margin-top: 3em; color: #888; font-size: .8em; }
"""


def _inline(text: str) -> str:
    """Escape text, then turn `code` spans into <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _cell(v) -> str:
    if isinstance(v, str):  # words read left-aligned, numbers right-aligned
        return f'<td class="t">{html.escape(v)}</td>'
    return f"<td>{html.escape(fmt_num(v))}</td>"


def render_table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "\n".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>"
                     for row in t.rows)
    cap = f'<p class="caption">{_inline(t.caption)}</p>' if t.caption else ""
    wrap = ' class="scroll"' if len(t.rows) > 15 else ""
    return (f"{cap}<div{wrap}><table><thead><tr>{head}</tr></thead>"
            f"<tbody>\n{body}\n</tbody></table></div>")


def render_figure(name: str, caption: str, fig) -> str:
    data = base64.b64encode(to_png(fig, close=False)).decode("ascii")
    return (f'<figure id="fig-{html.escape(name)}"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{_inline(caption)}'
            "</figcaption></figure>")


def render_section(s: Section) -> str:
    parts = [f'<section id="{s.id}">', f'<h2><a href="#{s.id}">{html.escape(s.title)}</a></h2>']
    parts += [f'<p class="warning">{_inline(w)}</p>' for w in s.warnings]
    parts += [f"<p>{_inline(p)}</p>" for p in s.text]
    parts += [render_table(t) for t in s.tables]
    parts += [f"<details><summary>{html.escape(c)}</summary><pre>{html.escape(t)}</pre>"
              "</details>" for c, t in s.blocks]
    parts += [render_figure(f.name, f.caption, f.figure) for f in s.figures]
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: Report) -> str:
    """The whole page as a string."""
    toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>'
                  for s in report.sections)
    body = "\n".join(render_section(s) for s in report.sections)
    banner = "".join(f'<p class="warning" id="unconverged">{_inline(b)}</p>\n'
                     for b in getattr(report, "banner", ()))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(report.title)}</h1>\n{banner}<nav><ol>{toc}</ol></nav>\n{body}\n"
        "<footer>Made by bayeslaw. Bands are posterior intervals: 50% dark, 90% light. "
        "How to read each section: docs/report.md.</footer>\n</body>\n</html>\n"
    )
