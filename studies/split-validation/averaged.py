"""The extrapolation table re-made with the averaged posterior (issue 13).

From the study's records, unchanged: the 144 fit runs (N = 12,384 and 38,600 of
records/sweep.csv) fitted, and the 44 held-out runs (N = 98,624 of sweep.csv, 0.5-2.6x the
largest fitted compute, and N = 307,920 of records/holdout.csv, 11.7-13.3x) predicted, as in
README's "Extrapolation per law". Strategies, all from one set of fits
(:func:`bayeslaw.fit.heldout.heldout_predictive`): each law alone, the laws' stacked
mixture, and the mixture widened by the extrapolation calibration learned by backtesting
on the fit runs alone (bayeslaw/fit/backtest.py).

    python studies/split-validation/averaged.py [--chains 4 --warmup 500 --samples 500]
        [--out studies/split-validation/records/extrapolation-averaged.json]

Prints the Markdown rows of README's table (mean |relative error| of the predictive
median / mean signed error / share inside the 90% interval, per held-out size) and writes
them with the settings to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

RECORDS = Path(__file__).resolve().parent / "records"
LAWS = ("domain_gap", "saturation", "effective_transfer", "chinchilla")
HELD_SIZES = (98_624, 307_920)


def runs() -> tuple[list, list]:
    """(fit runs, held-out runs) of the README's table, from the records."""
    from bayeslaw.runs.io import read_runs

    def done(name):
        return [r for r in read_runs(RECORDS / name).runs
                if r.status == "completed" and r.loss is not None]

    sweep = done("sweep.csv")
    return ([r for r in sweep if r.params < HELD_SIZES[0]],
            [r for r in sweep if r.params >= HELD_SIZES[0]] + done("holdout.csv"))


def cells(q: dict, held: list) -> list[dict]:
    """Per held-out size: n, mean |rel err|, mean signed rel err, inside the 90% interval."""
    out = []
    for N in HELD_SIZES:
        idx = [i for i, r in enumerate(held) if r.params == N]
        loss = np.array([held[i].loss for i in idx])
        med, lo, hi = (np.asarray(q[k])[idx] for k in ("q50", "q05", "q95"))
        e = (med - loss) / loss
        inside = int(((lo <= loss) & (loss <= hi)).sum())
        out.append({"params": N, "n": len(idx), "mean_abs_rel_error": float(np.abs(e).mean()),
                    "mean_rel_error": float(e.mean()), "inside90": inside})
    return out


def markdown(name: str, row: list[dict]) -> str:
    parts = [f"{c['mean_abs_rel_error']:.1%} / {c['mean_rel_error']:+.1%} / "
             f"{c['inside90'] / c['n']:.0%} ({c['inside90']}/{c['n']})" for c in row]
    return f"| {name} | " + " | ".join(parts) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", choices=("lbfgs", "nuts"), default="lbfgs",
                    help="the backtest's fold fits: L-BFGS point fits taking the mixture's "
                    "noise draws, as bench/bench_calibration.py (default), or NUTS "
                    "(bayeslaw.fit.backtest.FOLD_NUTS, what `fit --calibrate` does)")
    ap.add_argument("--laws", default=",".join(LAWS))
    ap.add_argument("--out", default=str(RECORDS / "extrapolation-averaged.json"))
    a = ap.parse_args()
    from bayeslaw._jax import setup
    from bayeslaw.fit.heldout import heldout_predictive

    setup()
    fit_runs, held = runs()
    laws = a.laws.split(",")
    t = time.time()
    fit_kw = {"chains": a.chains, "warmup": a.warmup, "samples": a.samples, "seed": a.seed}
    backtest = {"method": a.folds}
    out = heldout_predictive(fit_runs, held, laws, fit_kw=fit_kw, backtest=backtest,
                             seed=a.seed)
    rows = {name: cells(q, held) for name, q in out["quantiles"].items()}
    lines = [markdown(name, row) for name, row in rows.items()]
    calib = out["calibration"]
    doc = {"fit_runs": len(fit_runs), "held_out": len(held), "laws": laws, "fit": fit_kw,
           "folds": a.folds,
           "weights": out["weights"], "calibration": json.loads(calib.to_json()),
           "seconds": round(time.time() - t), "rows": rows, "markdown": lines}
    Path(a.out).write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(fit_runs)} fit runs, {len(held)} held out; weights {out['weights']}; "
          f"{doc['seconds']} s")
    print("| strategy | N = 98,624 (36 runs, 0.5-2.6x compute) | "
          "N = 307,920 (8 runs, 11.7-13.3x compute) |\n|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
