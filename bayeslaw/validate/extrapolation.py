"""Predicted vs measured loss of held-out runs, per law.

For every held-out run, the posterior predictive of its loss (law plus observation
noise, :func:`bayeslaw.fit.predictive.sample`): median and 90% interval, the relative
error of the median, and whether the measured loss is inside the interval. A law whose
intervals are calibrated covers about 90% of the runs it never saw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bayeslaw.fit.predictive import sample


def extrapolation_rows(post, runs: Sequence, *, seed: int = 0) -> list[dict]:
    """One row per run of a domain the posterior knows."""
    rows = []
    for r in runs:
        if r.domain not in post.domains:
            continue
        _, y = sample(post, r.params, r.pretrain_tokens, r.specialize_tokens, r.domain, seed=seed)
        lo, med, hi = (float(v) for v in np.percentile(y, [5, 50, 95]))
        rows.append({"run_id": r.run_id, "params": r.params, "pretrain_tokens": r.pretrain_tokens,
                     "specialize_tokens": r.specialize_tokens, "domain": r.domain,
                     "flops": r.flops, "loss": r.loss, "q05": lo, "q50": med, "q95": hi,
                     "rel_error": (med - r.loss) / r.loss, "inside90": bool(lo <= r.loss <= hi)})
    return rows


def summarize_extrapolation(rows: Sequence[dict]) -> dict:
    """Mean absolute relative error, mean signed error (bias) and 90% coverage."""
    e = np.array([r["rel_error"] for r in rows], float)
    return {"n": len(rows), "mean_abs_rel_error": float(np.abs(e).mean()) if len(e) else None,
            "mean_rel_error": float(e.mean()) if len(e) else None,
            "coverage90": float(np.mean([r["inside90"] for r in rows])) if rows else None}
