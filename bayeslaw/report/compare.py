"""The law comparison table of the report: PSIS-LOO and held-out extrapolation.

Two sources: the rows of ``bayeslaw compare --json`` (PSIS-LOO and the held-out
extrapolation test, which needs refits and is done there), or the posterior files
themselves (PSIS-LOO only, from their pointwise log-likelihood).

PSIS-LOO (Vehtari, Gelman & Gabry 2017, via ArviZ) estimates each law's expected log
predictive density on a new run (elpd, higher is better) from the pointwise
log-likelihood stored in the posterior file; ``p_loo`` is the effective number of
parameters, and Pareto k > 0.7 flags runs whose influence makes the estimate
unreliable.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def loo_row(posterior) -> list[Any] | None:
    """[law, elpd_loo, se, p_loo, n runs with Pareto k > 0.7], or None without a
    log-likelihood group."""
    import arviz as az

    idata = getattr(posterior, "idata", None)
    if idata is None or "log_likelihood" not in idata.groups():
        return None
    with warnings.catch_warnings():  # high Pareto k is reported in the table instead
        warnings.simplefilter("ignore", UserWarning)
        loo = az.loo(idata, pointwise=True)
    bad = int(np.sum(np.asarray(loo.pareto_k) > 0.7))
    return [posterior.law.name, float(loo.elpd_loo), float(loo.se), float(loo.p_loo), bad]


def comparison_table(posteriors: Sequence, runs: Sequence) -> dict[str, Any] | None:
    """The rows of every posterior that has a pointwise log-likelihood, best first."""
    rows = [r for r in (loo_row(p) for p in posteriors) if r is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: -r[1])
    best = rows[0][1]
    for r in rows:
        r.insert(2, r[1] - best)
    return {
        "columns": ["law", "elpd_loo", "elpd difference", "se", "p_loo", "runs with k > 0.7"],
        "rows": rows,
        "note": "PSIS-LOO: expected log predictive density of a new run (higher is better); "
                "a difference smaller than about 2 standard errors does not separate two laws. "
                "For the held-out extrapolation test, run `bayeslaw compare --json > "
                "compare.json` and pass `--compare compare.json`.",
    }


# (key in `bayeslaw compare --json` rows, column title, formatter)
COMPARE_COLUMNS = (
    ("law", "law", None),
    ("elpd_loo", "elpd_loo", None),
    ("elpd_diff", "elpd difference", None),
    ("se", "se", None),
    ("p_loo", "p_loo", None),
    ("pareto_k_bad", "runs with k > 0.7", None),
    ("weight", "stacking weight", None),
    ("holdout_rel_error", "held-out error", "{:.2%}"),
    ("holdout_coverage90", "held-out 90% coverage", "{:.0%}"),
    ("n_holdout", "held-out runs", None),
)


def table_from_compare(rows: Sequence[dict]) -> dict[str, Any]:
    """The report's table from the rows of ``bayeslaw compare --json`` (its ``laws``)."""
    cols = [(k, title, f) for k, title, f in COMPARE_COLUMNS if any(k in r for r in rows)]
    body = [[(f.format(r[k]) if f and r.get(k) is not None else r.get(k)) for k, _, f in cols]
            for r in rows]
    return {
        "columns": [title for _, title, _ in cols], "rows": body,
        "note": "PSIS-LOO: expected log predictive density of a new run (higher is better; "
                "differences under about 2 se do not separate laws). Held-out: each law refit "
                "on the smaller-compute runs predicts the largest ones; the error of its "
                "median and the share inside its 90% interval (0.9 when calibrated) say how "
                "well it extrapolates, which is what planning relies on.",
    }
