"""Figures of the fit: the law's curves against the runs, and predictive checks.

Pure functions: posterior draws and runs in, a matplotlib ``Figure`` out (usable in a
notebook as is). Bands are the posterior of the law's mean curve, 50% (dark) and 90%
(light), unless a docstring says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bayeslaw.draws import Draws, thin
from bayeslaw.report import predictive as pred
from bayeslaw.report.style import LABELS, band, color, fmt_num, log_axes, new_figure


def _groups(values: np.ndarray, max_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group values (N or D) for one panel/line each: the distinct values when there are
    few, else ``max_groups`` bins equal in log space. Returns (group of each value,
    representative value of each group: the geometric mean of its members)."""
    distinct = np.unique(values)
    if len(distinct) <= max_groups:
        return np.searchsorted(distinct, values), distinct
    if distinct[0] == 0:  # D = 0 (specialists from scratch): a group of their own
        pos = values > 0
        g_pos, reps_pos = _groups(values[pos], max_groups - 1)
        g = np.zeros(len(values), dtype=int)
        g[pos] = g_pos + 1
        return g, np.concatenate([[0.0], reps_pos])
    edges = np.geomspace(distinct[0], distinct[-1] * (1 + 1e-9), max_groups + 1)
    g = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max_groups - 1)
    used = np.unique(g)
    reps = np.array([np.exp(np.mean(np.log(values[g == u]))) for u in used])
    return np.searchsorted(used, g), reps


def _columns(runs: Sequence) -> dict[str, np.ndarray]:
    return {
        "N": np.array([r.params for r in runs], dtype=float),
        "D": np.array([r.pretrain_tokens for r in runs], dtype=float),
        "D_prime": np.array([r.specialize_tokens for r in runs], dtype=float),
        "loss": np.array([r.loss for r in runs], dtype=float),
    }


def _dprime_grid(dp: np.ndarray) -> tuple[np.ndarray, float]:
    """A D' grid from 0 to 3x the largest D', and the symlog threshold (smallest D' > 0)."""
    positive = dp[dp > 0]
    lo = positive.min() if len(positive) else 1e6
    hi = max(positive.max() if len(positive) else lo, lo) * 3
    grid = np.concatenate([np.linspace(0, lo, 6)[:-1], np.geomspace(lo, hi, 60)])
    return grid, float(lo)


def curves_vs_specialization(draws: Draws, runs: Sequence, domain: str, *,
                             max_draws: int = 300, max_panels: int = 4, max_lines: int = 5):
    """Loss against D' at fixed (N, D): one panel per model size N, one curve per D.

    The x axis is symmetric-log: linear between 0 and the smallest D' > 0, logarithmic
    above, so that the general model (D' = 0) sits on the same curve as its
    specializations. Points are the runs of ``domain``; bands the 50/90% posterior of
    the law's mean loss.
    """
    draws = thin(draws, max_draws)
    runs = [r for r in runs if r.domain == domain and r.loss is not None]
    col = _columns(runs)
    n_group, n_reps = _groups(col["N"], max_panels) if runs else (np.zeros(0, int), [1e8])
    d_group, d_reps = _groups(col["D"], max_lines) if runs else (np.zeros(0, int), [1e9])
    grid, linthresh = _dprime_grid(col["D_prime"])
    fig, axes = new_figure(1, len(n_reps), width=3.6, height=3.0, sharey=True)
    for i, (ax, N) in enumerate(zip(axes[0], n_reps, strict=True)):
        for j, D in enumerate(d_reps):
            x = grid[grid + D > 0]  # a specialist from scratch (D = 0) needs D' > 0
            mu = pred.mean_loss(draws, domain, N, D, x)
            band(ax, x, pred.quantiles(mu), color(j), label=f"D = {fmt_num(D, 2)}")
            sel = (n_group == i) & (d_group == j)
            ax.scatter(col["D_prime"][sel], col["loss"][sel], s=16, color=color(j),
                       edgecolor="black", linewidth=0.4, zorder=3)
        ax.set_xscale("symlog", linthresh=linthresh)
        log_axes(ax, x=False)
        ax.set_title(f"N = {fmt_num(N, 2)}")
        ax.set_xlabel(LABELS["D_prime"])
    axes[0][0].set_ylabel(LABELS["loss"])
    axes[0][-1].legend(loc="upper right")
    fig.suptitle(f"{domain}: loss vs specialization tokens D'")
    return fig


def curves_vs_pretraining(draws: Draws, runs: Sequence, domain: str, *,
                          max_draws: int = 300, max_lines: int = 5):
    """Loss of the general model (D' = 0) against D, one curve per model size N.

    Points are the runs of ``domain`` with D' = 0 and D > 0 (the general model
    evaluated on the domain); bands the 50/90% posterior of the law's mean loss.
    """
    draws = thin(draws, max_draws)
    runs = [r for r in runs if r.domain == domain and r.loss is not None]
    col = _columns(runs)
    general = (col["D_prime"] == 0) & (col["D"] > 0)
    all_n = col["N"] if len(runs) else np.array([1e8])
    n_group, n_reps = _groups(all_n, max_lines)
    d = col["D"][col["D"] > 0]
    lo, hi = (d.min() / 2, d.max() * 4) if len(d) else (1e6, 1e10)
    grid = np.geomspace(lo, hi, 60)
    fig, axes = new_figure(1, 1, width=5.0, height=3.4)
    ax = axes[0][0]
    for i, N in enumerate(n_reps):
        mu = pred.mean_loss(draws, domain, N, grid, 0.0)
        band(ax, grid, pred.quantiles(mu), color(i), label=f"N = {fmt_num(N, 2)}")
        sel = general & (n_group == i) if len(runs) else np.zeros(0, bool)
        ax.scatter(col["D"][sel], col["loss"][sel], s=16, color=color(i), edgecolor="black",
                   linewidth=0.4, zorder=3)
    log_axes(ax)
    ax.set_xlabel(LABELS["D"])
    ax.set_ylabel(LABELS["loss"])
    ax.set_title(f"{domain}: general model (D' = 0)")
    ax.legend(loc="upper right")
    return fig


def predictive_samples(draws: Draws, runs: Sequence,
                       *, max_draws: int = 400, seed: int = 0) -> np.ndarray:
    """Posterior predictive samples of every run's loss: shape ``(S, n_runs)``."""
    d = thin(draws, max_draws)  # their noise alike
    out = np.empty((d.n_draws, len(runs)))
    for domain in {r.domain for r in runs}:
        idx = np.array([i for i, r in enumerate(runs) if r.domain == domain])
        col = _columns([runs[i] for i in idx])
        mu = pred.mean_loss(d, domain, col["N"], col["D"], col["D_prime"])
        out[:, idx] = pred.predictive(mu, d.noise, seed=seed)
    return out


def predictive_check(samples: np.ndarray, observed: np.ndarray, *, title: str = ""):
    """Observed against predicted loss with 90% predictive intervals, and the PIT histogram.

    Left: each run at (median prediction, observed) with its 90% interval; points on
    the diagonal are predicted well. Right: the probability integral transform of each
    observation under its predictive; flat when calibrated, U-shaped when the intervals
    are too narrow, peaked when too wide.
    """
    q = pred.quantiles(samples)
    fig, axes = new_figure(1, 2, width=4.2, height=3.4)
    ax, ax_pit = axes[0]
    inside = (observed >= q["q05"]) & (observed <= q["q95"])
    for ok, c, lab in ((True, color(0), "inside 90% interval"), (False, color(3), "outside")):
        s = inside == ok
        ax.errorbar(q["q50"][s], observed[s], xerr=[q["q50"][s] - q["q05"][s],
                    q["q95"][s] - q["q50"][s]], fmt="o", ms=3.5, color=c, elinewidth=0.8,
                    label=f"{lab} ({int(s.sum())})")
    lims = [min(q["q05"].min(), observed.min()) * 0.98, max(q["q95"].max(), observed.max()) * 1.02]
    ax.plot(lims, lims, color="grey", linewidth=0.8, linestyle="--")
    log_axes(ax, x_is_loss=True)
    ax.set_xlabel("predicted loss (median, 90% interval)")
    ax.set_ylabel("observed loss")
    ax.legend(loc="upper left")
    values = pred.pit(samples, observed)
    ax_pit.hist(values, bins=np.linspace(0, 1, 11), color=color(0), alpha=0.7,
                edgecolor="white")
    ax_pit.axhline(len(values) / 10, color="grey", linestyle="--", linewidth=0.8,
                   label="calibrated")
    ax_pit.set_xlabel("PIT (share of predictive samples below the observation)")
    ax_pit.set_ylabel("runs")
    ax_pit.legend(loc="upper center")
    c50 = pred.coverage(samples, observed, 0.5)
    c90 = pred.coverage(samples, observed, 0.9)
    ax_pit.set_title(f"coverage of intervals: 50%: {c50:.0%}, 90%: {c90:.0%}")
    if title:
        fig.suptitle(title)
    return fig
