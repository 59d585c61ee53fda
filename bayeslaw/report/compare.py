"""The law comparison table of the report: PSIS-LOO of each posterior.

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
                "a difference smaller than about 2 standard errors does not separate two laws.",
    }
