"""Figures of the decision: isoFLOP curves, the frontier across budgets, the plan
against its baselines.

Pure functions of plain data (arrays and the planner's dictionaries), each returning a
matplotlib ``Figure``. Bands: 50% (dark) and 90% (light) posterior intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bayeslaw.report.isoflop import IsoFlop
from bayeslaw.report.style import LABELS, band, color, fmt_num, log_axes, new_figure


def isoflop_curves(curves: Sequence[IsoFlop], *, k: int = 1):
    """Best loss against model size N at fixed compute, one curve per budget.

    Each curve's marker and horizontal bar: the median and 90% interval of the
    compute-optimal N over posterior draws.
    """
    fig, axes = new_figure(1, 1, width=5.6, height=3.8)
    ax = axes[0][0]
    for i, c in enumerate(curves):
        band(ax, c.N, c.loss, color(i), label=f"C = {fmt_num(c.budget, 2)}")
        lo, med, hi = np.quantile(c.N_opt, [0.05, 0.5, 0.95])
        y = float(np.interp(np.log(med), np.log(c.N), c.loss["q50"]))
        ax.errorbar([med], [y], xerr=[[med - lo], [hi - med]], fmt="o", color=color(i),
                    markeredgecolor="black", markersize=5, capsize=3, zorder=4)
    log_axes(ax)
    ax.set_xlabel(LABELS["N"])
    ax.set_ylabel(f"best {LABELS['loss']}")
    ax.set_title(f"isoFLOP curves (k = {k} domain{'s' if k != 1 else ''}, best split at each N)")
    ax.legend(loc="upper right")
    return fig


FRONTIER_PANELS = (
    ("params", LABELS["N"]),
    ("pretrain_tokens", LABELS["D"]),
    ("specialize_tokens", "D' per domain (specialization tokens)"),
    ("loss", LABELS["loss"]),
)


def frontier(budgets: np.ndarray, quantities: Mapping[str, Mapping[str, np.ndarray]], *,
             k: int = 1, marks: Sequence[tuple[str, float]] = (),
             bayes: Mapping[str, np.ndarray] | None = None):
    """The compute-optimal N, D, D' and loss as functions of the budget C, with bands.

    ``quantities`` maps ``params``, ``pretrain_tokens``, ``specialize_tokens`` and
    ``loss`` to quantile dicts (q05..q95, arrays over ``budgets``) of the per-draw
    optima. ``bayes`` (same keys, arrays) is the Bayes decision at each budget, drawn
    dashed. ``marks`` are (label, C) vertical lines, e.g. the largest run and the
    requested budget.
    """
    budgets = np.asarray(budgets, dtype=float)
    fig, axes = new_figure(1, 4, width=3.2, height=3.3)
    for ax, (key, label) in zip(axes[0], FRONTIER_PANELS, strict=True):
        q = {n: np.asarray(v, dtype=float) for n, v in quantities[key].items()}
        if key == "specialize_tokens" and np.all(q["q95"] <= 0):
            ax.text(0.5, 0.5, "D' = 0 at every budget", transform=ax.transAxes,
                    ha="center")
        else:
            band(ax, budgets, _positive(q), color(0), label="per-draw optimum (median)")
            if bayes is not None and key in bayes:
                v = np.asarray(bayes[key], dtype=float)
                ax.plot(budgets, np.where(v > 0, v, np.nan),  # D' = 0 is off a log axis
                        color="black", linestyle=":", linewidth=1.2, label="Bayes decision")
        for j, (name, c) in enumerate(marks):
            ax.axvline(c, color=color(j + 1), linestyle="--", linewidth=0.9, label=name)
        log_axes(ax, y_is_loss=key == "loss")
        ax.set_xlabel(LABELS["C"])
        ax.set_ylabel(label)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels))
    fig.suptitle(f"compute-optimal allocation across budgets (k = {k})")
    return fig


def _positive(q: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Quantiles clipped above 0 so a log axis can show them (D' may be 0)."""
    floor = min((v[v > 0].min() for v in q.values() if np.any(v > 0)), default=1.0) / 10
    return {n: np.maximum(v, floor) for n, v in q.items()}


def plan_vs_baselines(rows: Sequence[Mapping], *, budget: float, k: int):
    """Predicted loss of the recommended split and of each baseline at the same budget.

    ``rows``: dicts with ``label`` and ``loss`` (a q05..q95 dict); the point is the
    median, the thick bar the 50% interval, the thin bar the 90% interval.
    """
    fig, axes = new_figure(1, 1, width=7.6, height=0.9 + 0.55 * len(rows))
    ax = axes[0][0]
    for i, row in enumerate(rows):
        q = row["loss"]
        y = len(rows) - 1 - i
        c = color(0) if i == 0 else color(7)
        ax.plot([q["q05"], q["q95"]], [y, y], color=c, linewidth=1.2)
        ax.plot([q["q25"], q["q75"]], [y, y], color=c, linewidth=5, alpha=0.6,
                solid_capstyle="butt")
        ax.plot([q["q50"]], [y], "o", color=c, markeredgecolor="black", markersize=6)
    ax.set_yticks(range(len(rows)), [r["label"] for r in reversed(rows)])
    log_axes(ax, y=False, x_is_loss=True)
    ax.set_xlabel(f"predicted {LABELS['loss']}")
    ax.set_title(f"C = {fmt_num(budget, 2)} FLOPs, k = {k}: median, 50% and 90% intervals")
    ax.grid(True, axis="x", which="both")
    return fig
