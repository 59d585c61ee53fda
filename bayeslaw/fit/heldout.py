"""Held-out predictive quantiles of several strategies from one set of fits: each law
alone, their stacked mixture, and the stacked mixture widened by the backtested
calibration. What a calibration benchmark calls (fit on the smaller runs, predict the
larger ones); :func:`score` turns the quantiles into coverage and error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bayeslaw.errors import BayeslawError
from bayeslaw.fit.backtest import CRITERIA, fold_fits, folds_for, from_folds, stacked_laws
from bayeslaw.fit.fitter import fitter as make_fitter
from bayeslaw.fit.predictive import sample
from bayeslaw.fit.stack import stack

PROBS = (0.05, 0.25, 0.5, 0.75, 0.95)


def _quantiles(post, test: Sequence, probs, seed: int, widen: bool) -> dict[str, np.ndarray]:
    """Predictive quantiles of the observed loss at each test run (NaN: unknown domain)."""
    out = {f"q{round(100 * p):02d}": np.full(len(test), np.nan) for p in probs}
    for i, r in enumerate(test):
        if r.domain not in post.domains:
            continue
        _, y = sample(post, r.params, r.pretrain_tokens, r.specialize_tokens, r.domain,
                      seed=seed, widen=widen)
        for p, v in zip(probs, np.quantile(y, probs), strict=True):
            out[f"q{round(100 * p):02d}"][i] = v
    return out


def heldout_predictive(train_runs: Sequence, test_runs: Sequence, laws: Sequence[str], *,
                       method: str = "nuts", fit_kw: dict | None = None,
                       backtest: dict | None = None, calibrate_laws: bool = False,
                       probs: Sequence[float] = PROBS, seed: int = 0, cache=None) -> dict:
    """Fit ``laws`` to ``train_runs`` and predict the losses of ``test_runs``.

    Parameters
    ----------
    train_runs, test_runs : sequences of Run
        Fit on the first, predict the second (their ``loss`` is not used).
    laws : list of str
        Registered laws to fit (NUTS by default, ``method="lbfgs"`` for point fits).
    fit_kw : dict, optional
        Settings of the full fits (e.g. ``chains``, ``warmup``, ``samples``).
    backtest : dict, optional
        Settings of the calibration's backtest (``origins``, ``method``, ``fit_kw``;
        see :func:`bayeslaw.fit.backtest.calibrate`).
    calibrate_laws : bool
        Also the rows ``"<law>+calibrated"`` (each law widened by its own backtest; the
        fold fits are shared, so this costs no extra fit; every law is then refitted in
        the folds, otherwise only the stacked laws of weight >= ``MIN_WEIGHT``).
    cache : path, optional
        A folder keeping every fit, full and fold, keyed by its inputs, so that a rerun
        or another strategy on the same runs reuses it.

    Returns
    -------
    dict
        ``{"quantiles": {strategy: {"q05": (n,), ...}}, "weights": {law: w},
        "calibration": Calibration, "stacked": StackedPosterior}``; strategies
        ``"<law>"``, ``"stacked"``, ``"stacked+calibrated"`` (the default criterion,
        ``likelihood``) and ``"stacked+calibrated(<criterion>)"`` for the other criteria of
        :func:`~bayeslaw.fit.backtest.from_folds` (their calibrations under
        ``"calibrations"``); NaN where a test run's domain was not fitted.
    """
    if not laws:
        raise BayeslawError("heldout_predictive needs at least one law")
    fitter = make_fitter(method, fit_kw or {}, cache)
    posts = {law: fitter(train_runs, law) for law in laws}
    st = stack(list(posts.values()))
    bt = {"method": method, **(backtest or {})}
    fits = fold_fits(train_runs, list(laws) if calibrate_laws else stacked_laws(st),
                     cache=cache, **bt)
    ids = set(st.run_ids)
    fitted = [r for r in train_runs if r.run_id in ids]
    folds = folds_for(fits, st)
    calib = from_folds(folds, fitted, bt["method"])
    quant = {law: _quantiles(p, test_runs, probs, seed, False) for law, p in posts.items()}
    quant["stacked"] = _quantiles(st, test_runs, probs, seed, False)
    quant["stacked+calibrated"] = _quantiles(st.with_calibration(calib), test_runs, probs, seed,
                                             True)
    others = {}
    for crit in CRITERIA[1:]:
        others[crit] = from_folds(folds, fitted, bt["method"], crit)
        quant[f"stacked+calibrated({crit})"] = _quantiles(st.with_calibration(others[crit]),
                                                          test_runs, probs, seed, True)
    per_law = {}
    if calibrate_laws:
        for law, p in posts.items():
            c = per_law[law] = from_folds(folds_for(fits, p), fitted, bt["method"])
            quant[f"{law}+calibrated"] = _quantiles(p.with_calibration(c), test_runs, probs,
                                                    seed, True)
    return {"quantiles": quant, "weights": st.weight_of(), "calibration": calib,
            "calibrations": others,
            "law_calibrations": per_law, "stacked": st.with_calibration(calib)}


def score(quantiles: dict[str, np.ndarray], test_runs: Sequence) -> dict[str, float]:
    """50% / 90% coverage and mean |relative error| of the median over the test runs that
    were predicted (finite quantiles)."""
    y = np.array([r.loss for r in test_runs], dtype=float)
    ok = np.isfinite(quantiles["q50"])
    y = y[ok]
    q = {k: v[ok] for k, v in quantiles.items()}
    return {"n": int(ok.sum()),
            "coverage50": float(np.mean((q["q25"] <= y) & (y <= q["q75"]))),
            "coverage90": float(np.mean((q["q05"] <= y) & (y <= q["q95"]))),
            "mean_abs_rel_error": float(np.mean(np.abs(q["q50"] - y) / y))}
