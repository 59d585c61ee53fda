"""Figures of the posterior itself: marginals of every parameter, pair plot of exponents.

Plain matplotlib (no arviz plotting), so that the figures look like the rest of the
report and draw from :class:`~bayeslaw.draws.Draws` alone. Scale parameters that span
decades (coefficients A, B, G, token scales S) are shown as log10.
"""

from __future__ import annotations

import math

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.report.style import color, new_figure

# Exponents are named after Greek letters in every law of the registry.
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "kappa", "lambda",
         "mu", "rho", "tau", "phi", "psi", "omega")


def exponents(draws: Draws) -> list[str]:
    """The law's exponent parameters (the Greek-named ones), in the law's order."""
    return [p for p in draws.law.params if p.lower() in GREEK]


def _wide(values: np.ndarray) -> bool:
    """Positive values spanning more than a decade are read better as log10."""
    v = values[np.isfinite(values)]
    return bool(len(v) and v.min() > 0 and v.max() / v.min() > 10)


def _columns(draws: Draws, p: str) -> list[tuple[str, np.ndarray]]:
    """(label, values) of parameter ``p``: one column per domain for per-domain ones."""
    v = np.asarray(draws.params[p], dtype=float)
    if v.ndim == 1:
        return [("", v)]
    return [(d, v[:, j]) for j, d in enumerate(draws.domains)]


def marginals(draws: Draws, *, ncols: int = 4):
    """Histogram of every parameter's posterior, with its median and 90% interval.

    Per-domain parameters get one outline per domain.
    """
    params = list(draws.law.params)
    nrows = math.ceil(len(params) / ncols)
    fig, axes = new_figure(nrows, ncols, width=2.7, height=2.1)
    for ax in axes.ravel()[len(params):]:
        ax.set_visible(False)
    for ax, p in zip(axes.ravel(), params, strict=False):
        cols = _columns(draws, p)
        log = all(_wide(v) for _, v in cols)
        for j, (dom, v) in enumerate(cols):
            x = np.log10(v) if log else v
            ax.hist(x, bins=30, histtype="stepfilled" if len(cols) == 1 else "step",
                    color=color(j), alpha=0.6 if len(cols) == 1 else 1.0, label=dom or None)
            lo, med, hi = np.quantile(x, [0.05, 0.5, 0.95])
            ax.axvline(med, color=color(j), linewidth=1.0)
            ax.axvspan(lo, hi, color=color(j), alpha=0.07)
        ax.set_xlabel(f"log10 {p}" if log else p)
        ax.set_yticks([])
        if len(cols) > 1:
            ax.legend(fontsize=6, loc="upper right")
    fig.suptitle("posterior marginals (line: median; shade: 90% interval)")
    return fig


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation, 0 when either variable is constant (a point mass)."""
    if np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def pair_plot(draws: Draws, params: list[str] | None = None, *, max_points: int = 1500):
    """Pairwise scatter of the exponents' posterior draws (histograms on the diagonal).

    Correlations show which exponents the runs cannot tell apart (a ridge means the
    data constrain a combination, not each one). Per-domain exponents use the first
    domain.
    """
    params = params or exponents(draws) or list(draws.law.params[:3])
    step = max(1, draws.n_draws // max_points)
    cols = {p: np.asarray(draws.params[p], dtype=float) for p in params}
    cols = {p: (v if v.ndim == 1 else v[:, 0])[::step] for p, v in cols.items()}
    k = len(params)
    fig, axes = new_figure(k, k, width=2.3, height=2.1)
    for i, pi in enumerate(params):
        for j, pj in enumerate(params):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
            elif i == j:
                ax.hist(cols[pi], bins=30, color=color(0), alpha=0.6)
                ax.set_yticks([])
            else:
                ax.scatter(cols[pj], cols[pi], s=3, alpha=0.3, color=color(0), linewidth=0)
                r = _corr(cols[pj], cols[pi])
                ax.set_title(f"r = {r:+.2f}", fontsize=8)
            if i == k - 1:
                ax.set_xlabel(pj)
            if j == 0 and i != j:
                ax.set_ylabel(pi)
    fig.suptitle("exponents: joint posterior")
    return fig
