"""One look for every figure of the report: style, colours, bands, number formats.

matplotlib is imported lazily (inside :func:`new_figure`) with the Agg backend so that
importing :mod:`bayeslaw.report` stays cheap and works without a display.
"""

from __future__ import annotations

import io
import math

import numpy as np

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.grid": True,
    "axes.grid.which": "both",
    "grid.alpha": 0.25,
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
}
# Colour-blind-safe cycle (Okabe & Ito 2008).
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
          "#000000")
BAND_ALPHA = {"90": 0.15, "50": 0.30}

# Axis labels shared by all figures, so the same symbol reads the same everywhere.
LABELS = {
    "N": "N (non-embedding parameters)",
    "D": "D (pretraining tokens)",
    "D_prime": "D' (specialization tokens)",
    "loss": "loss (nats/token)",
    "C": "C (FLOPs)",
    "share": "pretraining share D/(D + kD')",
}


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 4.2, height: float = 3.2,
               squeeze: bool = False, **kw):
    """A figure of ``nrows x ncols`` panels in the report's style; returns (fig, axes)."""
    plt = pyplot()
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                                 squeeze=squeeze, layout="constrained", **kw)
    for ax in np.ravel(axes):
        _apply_style(ax)
    return fig, axes


def _apply_style(ax) -> None:
    """rc_context only lasts while the figure is made; set the lasting bits per axes."""
    ax.grid(True, which="major", alpha=0.3, linewidth=0.5)
    ax.grid(True, which="minor", alpha=0.12, linewidth=0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def band(ax, x, q: dict, c: str, label: str | None = None, median: bool = True) -> None:
    """The 90% (q05..q95) and 50% (q25..q75) bands of ``q`` with the median line."""
    ax.fill_between(x, q["q05"], q["q95"], color=c, alpha=BAND_ALPHA["90"], linewidth=0)
    ax.fill_between(x, q["q25"], q["q75"], color=c, alpha=BAND_ALPHA["50"], linewidth=0)
    if median:
        ax.plot(x, q["q50"], color=c, linewidth=1.4, label=label)


def log_axes(ax, x: bool = True, y: bool = True, *, x_is_loss: bool = False,
             y_is_loss: bool = True) -> None:
    """Log scale on x and/or y, with readable ticks (no clutter of minor labels).

    A loss axis gets plain labels (2.5, 3); a count axis (N, D, C) labels like 2e6.
    """
    if x:
        ax.set_xscale("log")
        (_plain_log_ticks if x_is_loss else _sci_log_ticks)(ax.xaxis)
    if y:
        ax.set_yscale("log")
        (_plain_log_ticks if y_is_loss else _sci_log_ticks)(ax.yaxis)


def _sci_log_ticks(axis) -> None:
    """Counts (N, D, C) span decades: ticks at 1, 2, 5 x 10^k, labelled 2e+06."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = sorted(axis.get_view_interval())
    wide = lo > 0 and math.log10(hi) - math.log10(lo) > 2.2  # more than ~150x
    subs = (1.0,) if wide else (1.0, 2.0, 5.0)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _: _short_sci(v)))
    axis.set_minor_formatter(NullFormatter())


def _plain_log_ticks(axis) -> None:
    """Loss spans well under a decade: label log ticks with plain numbers."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator

    subs = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FormatStrFormatter("%.3g"))
    axis.set_minor_formatter(FormatStrFormatter(""))


def _short_sci(v: float) -> str:
    """2e6, 1e14, 5e-3: the shortest scientific label of a tick."""
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def to_png(fig, close: bool = True) -> bytes:
    """The figure as PNG bytes (closing it by default, to free its memory)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=RC["savefig.dpi"])
    if close:
        pyplot().close(fig)
    return buf.getvalue()


def fmt_num(x, digits: int = 3) -> str:
    """Numbers as people read them in scaling-law tables: 3.1e+09, 0.348, 1,237,440."""
    if x is None:
        return "-"
    if isinstance(x, bool | str):
        return str(x)
    if isinstance(x, list | tuple | np.ndarray):  # e.g. one D' per domain
        return ", ".join(fmt_num(v, digits) for v in np.ravel(np.asarray(x, dtype=object)))
    if isinstance(x, dict):
        return ", ".join(f"{k} {fmt_num(v, digits)}" for k, v in x.items())
    if isinstance(x, int | np.integer) and abs(x) < 10**7:
        return f"{int(x):,}"
    x = float(x)
    if not math.isfinite(x):
        return "-" if math.isnan(x) else str(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"
