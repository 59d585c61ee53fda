"""Held-out calibration of each law, their stacked mixture and the calibrated mixture.

Data sets: studies/split-validation (fit on the 144 sweep runs at N <= 38,600, predict
the 36 runs at N = 98,624 and the 8 of records/holdout.csv at N = 307,920, as the study
did) and the bundled Epoch data (fit on the smaller 85% by compute, predict the largest
15%). Prints 50% / 90% coverage and mean |relative error| per strategy and data set,
and pooled over the data sets. Usage:

    PYTHONPATH=. python bench/bench_stacking.py [--quick] [--sets split-validation,epoch]
        [--out bench/results_stacking.txt] [--json FILE]
    PYTHONPATH=. python bench/bench_stacking.py --pool A.json B.json   # pooled rows

(the two data sets can run as two processes, each with --sets NAME --json FILE, then
--pool merges them).

``--quick`` samples with tiny NUTS settings, for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

LAWS = ("chinchilla", "domain_gap", "effective_transfer", "saturation")
ROOT = Path(__file__).resolve().parent.parent
FULL = {"chains": 2, "warmup": 150, "samples": 150}
FOLD = {"chains": 1, "warmup": 150, "samples": 150}  # per backtest fold


def split_validation():
    from bayeslaw.runs.io import read_runs

    rec = ROOT / "studies" / "split-validation" / "records"
    sweep = read_runs(rec / "sweep.csv").runs
    train = [r for r in sweep if r.params <= 38600]
    test = [r for r in sweep if r.params > 38600] + read_runs(rec / "holdout.csv").runs
    return train, test


def epoch():
    from bayeslaw.data import epoch_chinchilla
    from bayeslaw.fit.comparison import split_by_compute

    return split_by_compute(epoch_chinchilla(), 0.15)


def pooled_lines(scores: dict) -> list[str]:
    """Pooled coverage and error per strategy over the sets (weighted by points)."""
    lines = ["## pooled over the data sets (all held-out points)"]
    for strat in next(iter(scores.values())):
        parts = [rows[strat] for rows in scores.values() if strat in rows]
        n = sum(s["n"] for s in parts)
        c50, c90, err = (sum(s[k] * s["n"] for s in parts) / n
                         for k in ("coverage50", "coverage90", "mean_abs_rel_error"))
        low = min(s["coverage90"] for s in parts)
        lines.append(f"{strat:<32} {n:>4d} {c50:>6.1%} {c90:>6.1%} {err:>9.2%}  "
                     f"(lowest set cov90 {low:.1%})")
    return lines


def main() -> None:
    from bayeslaw.fit.heldout import heldout_predictive, score

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--sets", default="split-validation,epoch")
    ap.add_argument("--json", help="write the scores per set and strategy here")
    ap.add_argument("--pool", nargs="+", help="pool the scores of these --json files")
    args = ap.parse_args()
    if args.pool:
        scores = {}
        for f in args.pool:
            for name, rows in json.loads(Path(f).read_text()).items():
                scores[name] = rows
        print("\n".join(pooled_lines(scores)))
        return
    method = "nuts"
    full = {"chains": 1, "warmup": 60, "samples": 60} if args.quick else FULL
    bt = {"fit_kw": full if args.quick else FOLD}
    sets = {"split-validation": split_validation, "epoch": epoch}
    lines, per_set = [], {}
    for name in args.sets.split(","):
        train, test = sets[name]()
        t = time.perf_counter()
        res = heldout_predictive(train, test, LAWS, method=method,
                                 fit_kw=full, backtest=bt, calibrate_laws=True)
        c = res["calibration"]
        lines.append(f"## {name}: {len(train)} fit runs, {len(test)} held out; "
                     f"{time.perf_counter() - t:.0f} s; weights "
                     + json.dumps({k: round(v, 3) for k, v in res["weights"].items()})
                     + f"; calibration tau={c.tau:.4f} p={c.power} gain/pt={c.gain:.3f} "
                     f"({c.n_heldout} backtest points, {c.folds} folds)")
        for law, lc in res["law_calibrations"].items():
            lines.append(f"   {law} calibration: tau={lc.tau:.4f} p={lc.power}")
        lines.append(f"{'strategy':<32} {'n':>4} {'cov50':>6} {'cov90':>6} {'|rel err|':>9}")
        for strat, q in res["quantiles"].items():
            s = score(q, test)
            per_set.setdefault(name, {})[strat] = s
            by_n = {n: score({k: v[np.array([r.params == n for r in test])] for k, v in q.items()},
                             [r for r in test if r.params == n])
                    for n in sorted({r.params for r in test})} if name != "epoch" else {}
            lines.append(f"{strat:<32} {s['n']:>4d} {s['coverage50']:>6.1%} "
                         f"{s['coverage90']:>6.1%} {s['mean_abs_rel_error']:>9.2%}"
                         + "".join(f"  N={n}: cov90 {b['coverage90']:.0%} err "
                                   f"{b['mean_abs_rel_error']:.1%}" for n, b in by_n.items()))
            s["quantiles"] = {k: v.tolist() for k, v in q.items()}
        print("\n".join(lines[-(len(res["quantiles"]) + 2 + len(res["law_calibrations"])):]),
              flush=True)
    scores = {name: rows for name, rows in per_set.items()}
    lines += pooled_lines(scores)
    print("\n".join(pooled_lines(scores)))
    if args.json:
        Path(args.json).write_text(json.dumps(scores, indent=1))
    if args.out:
        head = f"method: {method}, full fits {FULL}, folds {FOLD}\n"
        Path(args.out).write_text(head + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
