"""A report from a fitted posterior in one call: gather the inputs (plan, frontier,
suggestions, comparison; :mod:`bayeslaw.flow.gather`), then build the report from
them (:func:`bayeslaw.report.build_report`, which only renders what it is given).

    from bayeslaw.flow import make_report
    from bayeslaw.report import load_posterior, write_report
    rep = make_report(load_posterior("out/posterior.nc"), RunStore("runs.db").runs(),
                      budget=1e18, k=4)
    write_report(rep, "report.html")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bayeslaw.flow.gather import report_inputs
from bayeslaw.report.api import posterior_provenance
from bayeslaw.report.build import build_report
from bayeslaw.report.model import Report


def make_report(posterior, runs: Sequence, *, budget: float | None = None,
                k: int | None = None, domains: Sequence[str] | None = None,
                new_domains: int = 0, compare: Sequence = (),
                compare_rows: Sequence[dict] | None = None,
                n_suggest: int = 0, checkpoints: Iterable = (),
                seed: int = 0, provenance: Mapping[str, Any] | None = None,
                progress: Callable[[str], None] | None = None,
                plan: Mapping[str, Any] | None = None,
                allow_unconverged: bool = False) -> Report:
    """The full report of ``posterior`` fitted to (a subset of) ``runs``.

    ``compare``: other posteriors of the same runs (PSIS-LOO table);
    ``compare_rows``: the ``laws`` rows of ``bayeslaw compare --json`` (PSIS-LOO and
    held-out extrapolation; used instead when given). ``budget`` defaults to 10x the
    largest run, ``k`` to the number of domains plus ``new_domains`` (domains not
    measured, drawn from the fitted population: :func:`bayeslaw.population.select`).
    ``plan``: the plan already made (``bayeslaw plan --json``), shown instead of planning
    again. An unconverged posterior raises ``UnconvergedError`` unless
    ``allow_unconverged`` (then a banner tops the report).
    """
    from bayeslaw.report.compare import comparison_table, table_from_compare

    prov = {**posterior_provenance(posterior), **(provenance or {})}
    comparison = (table_from_compare(compare_rows) if compare_rows
                  else comparison_table([posterior, *compare], runs))
    inputs = report_inputs(posterior, runs, budget=budget, k=k, domains=domains,
                           new_domains=new_domains, comparison=comparison, n_suggest=n_suggest,
                           checkpoints=checkpoints, provenance=prov, seed=seed,
                           progress=progress, plan=plan,
                           allow_unconverged=allow_unconverged)
    return build_report(inputs, progress=progress)
