"""The measured share curve: where the real optimal split lies, and how far a plan is from it.

At one budget C and model size N, arms that put a share s = D / (D + sum_i D'_i) of the
tokens on general pretraining are trained for several seeds (the same seeds for every
arm). With y_a,s the mean domain loss of arm a at seed s:

- the curve is a cubic smoothing spline of the per-arm mean loss ybar_a against the share
  s_a, weighted by n_a / var_a (its standard error), with the smoothing chosen by
  generalized cross-validation (Craven & Wahba 1979; ``scipy.interpolate.
  make_smoothing_spline``), so no smoothing constant is tuned to the data; the measured
  optimal share is its argmin on a fine grid over the measured range;
- its interval is the percentile bootstrap over seeds (Efron & Tibshirani 1993): seeds
  are resampled with replacement, jointly for every arm (each seed is one
  initialization and data order, shared by the arms), and the spline refitted;
- the realized regret of an arm is its measured mean loss minus the best measured arm's
  (selection included in each bootstrap resample), and on the curve
  f(s_plan) - min f.

An arm that lacks a seed (a run that diverged) is averaged over the seeds it has, and
the resampled seeds count for it where it has them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayeslaw.errors import BayeslawError

GRID = 1001  # points of the argmin search over the measured range of shares


def _matrix(losses: Mapping[str, Mapping[int, float]]) -> tuple[list[str], list[int], np.ndarray]:
    """Arms, every seed any arm measured and the (arms, seeds) loss matrix, NaN where an
    arm lacks a seed (a run that diverged, say): each arm is averaged over its own seeds."""
    arms = list(losses)
    seeds = sorted(set().union(*(set(losses[a]) for a in arms))) if arms else []
    if not seeds:
        raise BayeslawError("the share curve needs at least one measured seed")
    Y = np.array([[losses[a].get(s, np.nan) for s in seeds] for a in arms], float)
    if np.isnan(Y).all(axis=1).any():
        raise BayeslawError("every arm of the share curve needs at least one measured seed")
    return arms, seeds, Y


def _resample(Y: np.ndarray, rng) -> np.ndarray:
    """Seeds drawn with replacement, jointly for every arm; redrawn in the rare case that
    an arm has none of its seeds among them."""
    while True:
        Yb = Y[:, rng.integers(Y.shape[1], size=Y.shape[1])]
        if not np.isnan(Yb).all(axis=1).any():
            return Yb


def _mean_sem(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    n = (~np.isnan(Y)).sum(1)
    mean = np.nanmean(Y, 1)
    if n.min() < 2:
        return mean, None
    sem = np.nanstd(Y, 1, ddof=1) / np.sqrt(n)
    return mean, (sem if np.all(sem > 0) else None)


def smooth_curve(shares: np.ndarray, means: np.ndarray, sem: np.ndarray | None = None):
    """The GCV smoothing spline through (share, mean loss), weighted by 1 / sem^2 when
    given; duplicate shares are merged (mean, combined weight). Returns a callable."""
    from scipy.interpolate import make_smoothing_spline

    s = np.asarray(shares, float)
    y = np.asarray(means, float)
    w = np.ones_like(s) if sem is None else 1.0 / np.maximum(np.asarray(sem, float), 1e-12) ** 2
    u = np.unique(s)
    if len(u) < 5:
        raise BayeslawError(f"the share curve needs at least 5 distinct shares (got {len(u)})")
    ym = np.array([np.average(y[s == v], weights=w[s == v]) for v in u])
    wm = np.array([w[s == v].sum() for v in u])
    return make_smoothing_spline(u, ym, w=wm / wm.mean())


def argmin_share(curve, lo: float, hi: float) -> tuple[float, float]:
    """(share, loss) of the curve's minimum on [lo, hi]."""
    grid = np.linspace(lo, hi, GRID)
    f = curve(grid)
    i = int(np.argmin(f))
    return float(grid[i]), float(f[i])


def share_curve(shares: Mapping[str, float], losses: Mapping[str, Mapping[int, float]], *,
                plan_share: float | None = None, n_boot: int = 2000, level: float = 0.90,
                seed: int = 0) -> dict:
    """The measured curve, its optimum with a bootstrap interval over seeds, and (with
    ``plan_share``) the plan's regret on the curve.

    ``shares[arm]`` is each arm's pretraining share, ``losses[arm][seed]`` its mean domain
    loss. Returns the arms' means and standard errors, the optimum (share, loss), its
    ``level`` interval, the curve on a grid, and ``regret_on_curve`` f(plan) - min f with
    its bootstrap interval.
    """
    arms, seeds, Y = _matrix(losses)
    s = np.array([shares[a] for a in arms], float)
    lo, hi = float(s.min()), float(s.max())

    def fit(Ys):
        mean, sem = _mean_sem(Ys)
        c = smooth_curve(s, mean, sem)
        opt = argmin_share(c, lo, hi)
        reg = None if plan_share is None else float(c(plan_share) - opt[1])
        return c, opt, reg

    curve, (s_opt, l_opt), regret = fit(Y)
    rng = np.random.default_rng(seed)
    boot_s, boot_r = [], []
    for _ in range(n_boot if len(seeds) > 1 else 0):
        _, (bs, _), br = fit(_resample(Y, rng))
        boot_s.append(bs)
        if br is not None:
            boot_r.append(br)
    q = [(1 - level) / 2, (1 + level) / 2]
    grid = np.linspace(lo, hi, 101)
    mean, _ = _mean_sem(Y)
    n = (~np.isnan(Y)).sum(1)
    out = {"seeds": seeds, "arms": {a: {"share": float(s[i]), "mean": float(mean[i]),
                                        "n_seeds": int(n[i]),
                                        "sem": float(np.nanstd(Y[i], ddof=1) / np.sqrt(n[i]))
                                        if n[i] > 1 else None}
                                    for i, a in enumerate(arms)},
           "optimum": {"share": s_opt, "loss": l_opt,
                       "interval": np.quantile(boot_s, q).tolist() if boot_s else None,
                       "level": level, "n_boot": len(boot_s)},
           "curve": {"share": grid.tolist(), "loss": curve(grid).tolist()}}
    if plan_share is not None:
        out["regret_on_curve"] = {"plan_share": float(plan_share), "regret": regret,
                                  "relative": regret / l_opt,
                                  "interval": np.quantile(boot_r, q).tolist() if boot_r else None}
    return out


def realized_regret(losses: Mapping[str, Mapping[int, float]], arm: str, *, n_boot: int = 2000,
                    level: float = 0.95, seed: int = 0) -> dict:
    """Mean loss of ``arm`` minus the best measured arm's (each over its own seeds),
    with a percentile bootstrap interval over seeds that re-selects the best arm in each
    resample (so the selection's optimism is in the interval)."""
    arms, seeds, Y = _matrix(losses)
    i = arms.index(arm)

    def regret(Ys):
        m = np.nanmean(Ys, 1)
        return float(m[i] - m.min()), arms[int(np.argmin(m))]

    r, best = regret(Y)
    rng = np.random.default_rng(seed)
    boot = [regret(_resample(Y, rng))[0] for _ in range(n_boot if len(seeds) > 1 else 0)]
    q = [(1 - level) / 2, (1 + level) / 2]
    best_loss = float(np.nanmean(Y[arms.index(best)]))
    return {"arm": arm, "best_arm": best, "regret": r, "relative": r / best_loss,
            "best_loss": best_loss, "interval": np.quantile(boot, q).tolist() if boot else None,
            "level": level, "n_seeds": len(seeds),
            "prob_best": float(np.mean(np.array(boot) == 0.0)) if boot else None}
