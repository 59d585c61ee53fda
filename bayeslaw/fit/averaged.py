"""The law-averaged posterior: several laws fitted, stacked and, optionally, calibrated.

The stacked mixture is :mod:`bayeslaw.fit.stack`'s, the widening beyond the runs
:mod:`bayeslaw.fit.backtest`'s (learned by refitting the laws on smaller runs).
"""

from __future__ import annotations

from collections.abc import Sequence

from bayeslaw.errors import BayeslawError
from bayeslaw.fit.backtest import calibrate as learn
from bayeslaw.fit.fitter import fitter as make_fitter
from bayeslaw.fit.stack import StackedPosterior, stack


def fit_stack(runs: Sequence, laws: Sequence[str], *, method: str = "nuts",
              calibrate: bool = False, backtest: dict | None = None, **fit_kw) -> StackedPosterior:
    """Fit every law in ``laws`` to ``runs`` (NUTS, or ``method="lbfgs"``), stack them and,
    with ``calibrate``, learn the extrapolation widening by backtesting
    (:func:`bayeslaw.fit.backtest.calibrate`, settings ``backtest``)."""
    if len(laws) < 1:
        raise BayeslawError("stacking needs at least one law")
    fitter = make_fitter(method, fit_kw)
    s = stack([fitter(runs, law) for law in laws])
    if calibrate:
        s = s.with_calibration(learn(runs, s, **{"method": method, **(backtest or {})}))
    return s
