"""Paired comparison of arms over seeds.

Each seed s trains every arm (same initialization seed, same data order up to the
split), so arm b and the reference a are compared by the paired differences
d_s = L_b,s - L_a,s (positive: the reference is better). With n seeds:
mean d_bar, standard error s_d / sqrt(n), a two-sided t interval
d_bar +- t_{n-1, 0.975} s_d / sqrt(n) and the paired t-test of d_bar = 0
(Student 1908); also the exact sign count, robust to a heavy-tailed seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats


def paired_comparison(losses: Mapping[str, Mapping[int, float]], reference: str = "planned",
                      level: float = 0.95) -> dict[str, dict]:
    """For every arm but ``reference``: the paired differences over the seeds both ran.

    ``losses[arm][seed]`` is the arm's mean domain loss at that seed. Returns per arm
    ``{"n", "mean_diff", "ci", "p_value", "wins", "relative_diff"}`` where ``wins``
    counts the seeds at which the reference had the lower loss and ``relative_diff`` is
    mean_diff / mean reference loss; ``ci`` and ``p_value`` are NaN with fewer than
    two pairs.
    """
    ref = losses[reference]
    out = {}
    for arm, by_seed in losses.items():
        if arm == reference:
            continue
        seeds = sorted(set(ref) & set(by_seed))
        d = np.array([by_seed[s] - ref[s] for s in seeds], float)
        n = len(d)
        row = {"n": n, "mean_diff": float(d.mean()) if n else float("nan"),
               "wins": int((d > 0).sum()), "ci": [float("nan"), float("nan")],
               "p_value": float("nan"), "diffs": d.tolist()}
        if n:
            row["relative_diff"] = row["mean_diff"] / float(np.mean([ref[s] for s in seeds]))
        if n >= 2:
            se = d.std(ddof=1) / np.sqrt(n)
            half = stats.t.ppf(0.5 + level / 2, n - 1) * se
            row["ci"] = [row["mean_diff"] - half, row["mean_diff"] + half]
            row["p_value"] = float(2 * stats.t.sf(abs(row["mean_diff"]) / se, n - 1)) \
                if se > 0 else (0.0 if row["mean_diff"] != 0 else 1.0)
        out[arm] = row
    return out
