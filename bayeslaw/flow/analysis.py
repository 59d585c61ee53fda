"""A study's analysis steps after training: fit -> compare -> plan -> suggest -> report.

Driven by the ``[fit]``, ``[plan]``, ``[suggest]`` and ``[report]`` tables of a study
file (see ``studies/quickstart/study.toml``); ``bayeslaw study run`` calls
:func:`run_analysis` after the ``[train]`` grid. Everything here goes through the
public Python API, so a notebook can do the same steps one by one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError

FIT_KEYS = {"laws", "chains", "warmup", "samples", "seed", "holdout", "priors", "escalate"}


def _fit_settings(table: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(table) - FIT_KEYS)
    if unknown:
        raise BayeslawError(f"unknown [fit] key(s) {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(FIT_KEYS))}")
    return {k: table[k] for k in ("chains", "warmup", "samples", "seed", "escalate", "priors")
            if k in table}


def choose_law(runs, laws: list[str], settings: Mapping[str, Any], holdout: float,
               say: Callable[[str], None]) -> tuple[Any, list[dict] | None]:
    """The posterior of the law with the best PSIS-LOO among ``laws`` (fitted to all
    the runs) and the comparison rows (None for a single law)."""
    from bayeslaw.fit import fit
    from bayeslaw.fit.comparison import compare_fits

    if len(laws) == 1:
        say(f"fitting {laws[0]} to {len(runs)} runs")
        return fit(runs, laws[0], progress=True, **settings), None
    say(f"comparing laws {', '.join(laws)} (PSIS-LOO and held-out extrapolation)")
    rows, posteriors = compare_fits(runs, laws, holdout=holdout,
                                    progress=lambda m: say(f"  {m}"), **settings)
    for r in rows:
        say(f"  {r['law']:<20} elpd_loo {r['elpd_loo']:8.1f} ± {r['se']:.1f}   "
            f"held-out error {r.get('holdout_rel_error', float('nan')):.4f}   "
            f"90% coverage {r.get('holdout_coverage90', float('nan')):.2f}")
    say(f"best law by PSIS-LOO: {rows[0]['law']}")
    return posteriors[rows[0]["law"]], rows


def run_analysis(tables: Mapping[str, Any], store_path: Path, out_dir: Path, *,
                 say: Callable[[str], None] = print,
                 provenance: Mapping[str, Any] | None = None,
                 allow_unconverged: bool = False) -> dict[str, Any]:
    """Run the analysis steps of a study on the runs in ``store_path``; ``provenance``
    (e.g. the command) joins the posterior's in the report.

    Writes ``posterior.nc``, ``comparison.json``, ``plan.json``, ``suggestions.json``
    and the report into ``out_dir``; returns a summary with their paths. A posterior
    that fails its convergence checks is saved, then refused (``UnconvergedError``)
    unless ``allow_unconverged`` (a warning, the summary's ``diagnostics`` and the
    report's banner say so).
    """
    from bayeslaw.flow.gather import report_inputs
    from bayeslaw.report.api import posterior_provenance, write_report
    from bayeslaw.report.build import build_report
    from bayeslaw.report.compare import table_from_compare
    from bayeslaw.runs.store import RunStore

    out_dir.mkdir(parents=True, exist_ok=True)
    with RunStore(store_path) as store:
        runs, checkpoints = store.runs(), store.checkpoints()
    if not runs:
        raise BayeslawError(f"no completed runs in {store_path}; the [train] step made none")
    fit_table = dict(tables.get("fit", {}))
    settings = _fit_settings(fit_table)
    post, rows = choose_law(runs, list(fit_table.get("laws", ["domain_gap"])), settings,
                            float(fit_table.get("holdout", 0.2)), say)
    law = post.law.name
    (out_dir / "comparison.json").write_text(json.dumps(rows or [], indent=2))
    post.save(out_dir / "posterior.nc")
    if not allow_unconverged:  # refuse before planning (report_inputs warns otherwise)
        post.checked_draws()
    plan_table, suggest_table = tables.get("plan", {}), tables.get("suggest", {})
    largest = max(r.flops for r in runs)
    budget = float(plan_table.get("budget") or plan_table.get("budget_factor", 10) * largest)
    new = int(plan_table.get("new_domains", 0))  # domains not measured: from the population
    k = int(plan_table.get("domains", len(post.domains) + new))
    say(f"planning for {budget:.3g} FLOPs ({budget / largest:.0f}x the largest run), k = {k}"
        + (f" ({k - new} measured, {new} not yet measured)" if new else ""))
    inputs = report_inputs(post, runs, budget=budget, k=k, new_domains=new, comparison=(
        table_from_compare(rows) if rows else None), n_suggest=int(suggest_table.get("n", 4)),
        checkpoints=checkpoints, provenance={**_made(), **posterior_provenance(post),
                                             **(provenance or {})},
        seed=int(settings.get("seed", 0)), progress=lambda s: say(f"  report: {s}"),
        allow_unconverged=allow_unconverged)
    for w in (inputs.plan or {}).get("extrapolation", {}).get("warnings", []):
        say(f"warning: {w}")
    (out_dir / "plan.json").write_text(json.dumps(_plain(inputs.plan), indent=2))
    (out_dir / "suggestions.json").write_text(json.dumps(_plain(inputs.suggestions), indent=2))
    report_path = out_dir / tables.get("report", {}).get("out", "report.html")
    report = build_report(inputs)
    write_report(report, report_path)
    report.close()
    return {"law": law, "n_runs": len(runs), "budget": budget, "k": k, "new_domains": new,
            "posterior": str(out_dir / "posterior.nc"), "report": str(report_path),
            "plan": inputs.plan, "suggestions": inputs.suggestions, "notes": inputs.notes,
            **({"diagnostics": inputs.convergence} if inputs.convergence else {})}


def _made() -> dict[str, Any]:
    from datetime import UTC, datetime

    from bayeslaw import __version__

    return {"bayeslaw_version": __version__,
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def _plain(obj: Any) -> Any:
    from bayeslaw.jsonable import plain

    return plain(obj)
