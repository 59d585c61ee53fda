"""The report from Python: load a posterior, make a report, write it.

    from bayeslaw.flow import make_report
    from bayeslaw.report import load_posterior, write_report
    post = load_posterior("out/posterior.nc")
    rep = make_report(post, RunStore("runs.db").runs(), budget=1e18, k=4)
    write_report(rep, "report.html")      # or .md; rep.section("plan") in a notebook

Figures stay matplotlib objects on the report (``rep.section("curves").figures``)
until a renderer turns them into PNG.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError
from bayeslaw.fit.posterior import Posterior
from bayeslaw.report.html import render_html
from bayeslaw.report.markdown import write_markdown
from bayeslaw.report.model import Report


def load_posterior(path: str | Path):
    """A single-law posterior written by ``bayeslaw fit``
    (:meth:`bayeslaw.fit.posterior.Posterior.load`), or a BayeslawError saying what the
    file is not."""
    return Posterior.load(path)


def posterior_provenance(posterior) -> dict[str, Any]:
    """What the posterior file says about how it was made (law, priors, versions...)."""
    attrs = dict(getattr(posterior, "attrs", {}) or {})
    for key in ("run_ids", "domains", "bayeslaw_format"):  # shown elsewhere in the report
        attrs.pop(key, None)
    out = {}
    for key, value in attrs.items():
        if isinstance(value, str) and value[:1] in "{[":
            try:  # the fit stores dicts (versions) as JSON strings
                value = json.loads(value)
            except ValueError:
                pass
        out["fit_" + key if key in ("seed", "created_at", "method") else key] = value
    return out


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write ``report`` as HTML or Markdown (by the extension); returns the files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".md":
        return write_markdown(report, path)
    if path.suffix.lower() in (".html", ".htm"):
        path.write_text(render_html(report), encoding="utf-8")
        return [path]
    raise BayeslawError(f"cannot write a report as {path.name}: use .html or .md")


def load_compare_json(path: str | Path) -> list[dict]:
    """The rows of a ``bayeslaw compare --json`` document saved to ``path``."""
    try:
        doc = json.loads(Path(path).read_text())
        rows = doc["laws"]
        assert isinstance(rows, list) and all("law" in r for r in rows)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise BayeslawError(f"{path} is not the output of `bayeslaw compare --json`; make it "
                            "with `bayeslaw compare --laws A,B --json > compare.json`") from None
    return rows
