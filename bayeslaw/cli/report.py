"""``bayeslaw report``: a self-contained HTML (or Markdown) report of a posterior."""

from __future__ import annotations

import argparse

from bayeslaw import __version__
from bayeslaw.cli.common import (
    add_force,
    add_json,
    add_new_domains,
    add_store,
    check_output,
    emit_json,
    log,
    open_store,
    positive_float,
    whole,
)
from bayeslaw.cli.gate import add_allow_unconverged, checked_draws, diagnostics_field, gate
from bayeslaw.errors import BayeslawError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="write an HTML/Markdown report of a posterior",
        description="Write a report of a fitted posterior: the runs, fitted curves with "
        "50/90% bands, posterior marginals, diagnostics, predictive checks, law "
        "comparison, isoFLOP curves, the compute-optimal frontier, the plan at --budget "
        "against its baselines and the suggested next runs. An .html file is "
        "self-contained (figures embedded, opens offline); an .md file gets its figures "
        "in a folder next to it. How to read it: docs/report.md.",
    )
    p.add_argument("--posterior", required=True, metavar="P.nc", help="posterior from `fit`")
    p.add_argument("--budget", type=positive_float(), metavar="FLOPS",
                   help="planning budget C (default: 10x the largest run)")
    p.add_argument("--domains", type=whole(1), metavar="K",
                   help="number of specialized domains k (default: the planned domains)")
    p.add_argument("--domain", action="append", metavar="NAME",
                   help="plan for this domain (repeatable; default all of the posterior's)")
    add_new_domains(p)
    p.add_argument("--compare", action="append", metavar="A.nc,B.nc|compare.json",
                   help="the law comparison: posteriors of other laws on the same runs "
                   "(PSIS-LOO), or the saved output of `bayeslaw compare --json` (PSIS-LOO "
                   "and held-out extrapolation)")
    p.add_argument("--suggest", type=whole(0), default=4, metavar="N",
                   help="number of suggested next runs (default 4; 0 skips them)")
    p.add_argument("--seed", type=int, default=0, help="seed of the suggestions (default 0)")
    p.add_argument("--plan", metavar="plan.json", help="a plan already made of this posterior "
                   "(bayeslaw plan --json > plan.json): shown instead of planning again")
    p.add_argument("--out", required=True, metavar="report.html|report.md")
    add_force(p, "an existing --out file that is not text")
    add_store(p)
    add_allow_unconverged(p)
    add_json(p)
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    out = check_output(_check_out(args.out), ("text",), args)  # before loading anything
    from bayeslaw.flow.report import make_report
    from bayeslaw.report.api import load_compare_json, load_posterior, write_report

    posterior = load_posterior(args.posterior)
    if not args.allow_unconverged:  # refuse before the slow parts (else make_report warns)
        checked_draws(posterior, args)
    compare = _split(args.compare)
    others = [load_posterior(p) for p in compare if not p.lower().endswith(".json")]
    rows = [r for p in compare if p.lower().endswith(".json") for r in load_compare_json(p)]
    with _store(args) as store:
        runs, checkpoints = store.runs(), store.checkpoints()
    report, bar = None, _progress()
    try:
        with gate(args):
            report = make_report(
                posterior, runs, budget=args.budget, k=args.domains, domains=args.domain,
                new_domains=args.new_domains,
                compare=others, compare_rows=rows or None, n_suggest=args.suggest,
                checkpoints=checkpoints, seed=args.seed, provenance=_provenance(args),
                progress=bar, plan=_plan(args.plan),
                allow_unconverged=args.allow_unconverged)
        files = write_report(report, out)
    finally:
        bar.close()
        if report is not None:
            report.close()
    log(f"wrote {files[0]}" + (f" and {len(files) - 1} figure(s)" if len(files) > 1 else ""))
    if args.json:
        emit_json({"out": str(files[0]), "files": [str(f) for f in files],
                   **report.to_dict(), **diagnostics_field(posterior)})
    return 0


def _check_out(path: str) -> str:
    if not path.lower().endswith((".html", ".htm", ".md")):
        raise BayeslawError(f"--out {path!r}: give a .html or a .md file name")
    return path


def _plan(path: str | None) -> dict | None:
    import json

    if path is None:
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise BayeslawError(f"--plan {path}: cannot read a plan document ({e})") from None


def _split(values: list[str] | None) -> list[str]:
    return [p.strip() for v in values or () for p in v.split(",") if p.strip()]


def _store(args: argparse.Namespace):
    return open_store(args, must_exist=True)


class _progress:
    """A tqdm bar over the report's sections, on stderr."""

    def __init__(self):
        from tqdm import tqdm

        from bayeslaw.report.model import SECTION_IDS

        # disable=None: a bar on a terminal, nothing in logs and pipes
        self.bar = tqdm(total=len(SECTION_IDS) + 4, desc="report", unit="step",
                        leave=False, disable=None)

    def __call__(self, step: str) -> None:
        self.bar.set_postfix_str(step)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _provenance(args: argparse.Namespace) -> dict:
    import shlex
    from datetime import UTC, datetime
    from pathlib import Path

    from bayeslaw.runs.store import resolve_path

    return {
        "bayeslaw_version": __version__,
        "command": "bayeslaw report " + shlex.join(_flags(args)),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "posterior_file": str(Path(args.posterior).resolve()),
        "store": str(resolve_path(args.store)),
        "seed": args.seed,
    }


def _flags(args: argparse.Namespace) -> list[str]:
    """The command line that reproduces this report (from the parsed arguments)."""
    out = []
    for name in ("posterior", "store", "budget", "domains", "domain", "new_domains", "compare",
                 "suggest", "seed", "plan", "out"):
        value = getattr(args, name, None)
        for v in value if isinstance(value, list) else [value]:
            if v is not None and not (name == "new_domains" and v == 0):
                out += [f"--{name.replace('_', '-')}", str(v)]
    return out + (["--json"] if getattr(args, "json", False) else [])
