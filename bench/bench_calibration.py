"""Benchmark: are the predictive intervals calibrated where it matters, beyond the data?

For each data set, fit on the smaller scale and predict the largest:

- ``split-validation``: the trainer sweep (studies/split-validation/records/sweep.csv)
  fitted, its held-out larger runs (holdout.csv) predicted;
- ``epoch``: Hoffmann et al.'s runs (Epoch's extraction), the runs within a factor 10 of
  the largest compute held out (a factor 4 would leave 2 runs);
- ``porian``: Porian et al.'s IsoFLOP points (RefinedWeb, cosine decay), the runs within
  a factor 4 of the largest compute (its two largest budgets) held out;
- ``lin``: Lin et al.'s fine-tuning curves (domain = task), each family's largest model
  held out (every other fine-tuning size, 7 per curve, to keep the default run short).

Each strategy turns (fitted runs, held-out runs) into one row per held-out run with the
posterior predictive's quantiles (:func:`interval_rows`); the table gives, per strategy
and data set and pooled over the data sets, the coverage of the central 50% and 90%
intervals and the mean |relative error| of the predictive median. A strategy is one
function (:func:`per_law` for each registered law; an averaged posterior is one more).

The averaged strategy (``stacked+calibrated``) is the laws' stacking mixture widened by
the calibration backtested on the fitted runs (:data:`BACKTEST`: L-BFGS point folds); its
other criteria's coverage is printed under the table.

Every fit, full and fold, is kept in ``--cache`` (default ``out/bench_cache``), a file per
posterior named by a hash of its inputs (runs, law, method, settings), so that the
averaged strategy reuses the per-law fits and a rerun refits nothing.

Run: ``python bench/bench_calibration.py [--out bench/results_calibration.md]``;
``--quick`` is a smoke run (two laws, tiny chains, two data sets).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

from bayeslaw._jax import setup  # noqa: E402

setup()

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "studies" / "split-validation" / "records"
LEVELS = (50, 90)


# -- data sets: (fitted runs, held-out runs) ---------------------------------------------
def largest_compute(runs: Sequence, factor: float = 4.0) -> tuple[list, list]:
    """Runs within ``factor`` of the largest compute C held out, the others fitted."""
    cut = max(r.flops for r in runs) / factor
    return [r for r in runs if r.flops <= cut], [r for r in runs if r.flops > cut]


def split_validation() -> tuple[list, list]:
    from bayeslaw.runs.io import read_runs

    def done(name):
        return [r for r in read_runs(RECORDS / name).runs
                if r.status == "completed" and r.loss is not None]

    return done("sweep.csv"), done("holdout.csv")


def epoch() -> tuple[list, list]:
    from bayeslaw.data import epoch_chinchilla

    return largest_compute(epoch_chinchilla(), factor=10.0)  # its top budgets are sparse


def porian() -> tuple[list, list]:
    from bayeslaw.data import porian2024

    return largest_compute(porian2024())


def lin(every: int = 2) -> tuple[list, list]:
    """Each family's largest model (all its models of that size) held out."""
    from bayeslaw.data import lin2024

    runs = lin2024()
    sizes = sorted({r.config["examples"] for r in runs})
    keep = set(sizes[len(sizes) - 1::-every])  # always keeps the largest fine-tuning set
    runs = [r for r in runs if r.config["examples"] in keep]
    top = {}
    for r in runs:
        top[r.config["family"]] = max(top.get(r.config["family"], 0), r.params)
    held = [r for r in runs if r.params == top[r.config["family"]]]
    return [r for r in runs if r.params != top[r.config["family"]]], held


DATASETS: dict[str, Callable[[], tuple[list, list]]] = {
    "split-validation": split_validation, "epoch": epoch, "porian": porian, "lin": lin}


# -- strategies: (fitted, held-out, settings) -> rows ------------------------------------
def interval_rows(post, held: Sequence, *, seed: int = 0) -> list[dict]:
    """Per held-out run of a known domain: predictive quantiles, coverage, error."""
    from bayeslaw.fit.predictive import sample

    rows = []
    for dom in post.domains:
        rs = [r for r in held if r.domain == dom]
        if not rs:
            continue
        N, D, Dp = (np.array([getattr(r, k) for r in rs], float)
                    for k in ("params", "pretrain_tokens", "specialize_tokens"))
        _, y = sample(post, N, D, Dp, dom, seed=seed)
        q = np.percentile(y, [5, 25, 50, 75, 95], axis=0)
        rows += quantile_rows(dict(zip(("q05", "q25", "q50", "q75", "q95"), q, strict=True)), rs)
    return rows


def fit_rmse(post, runs: Sequence) -> float:
    """RMS of log(median curve) - log(loss) over the fitted runs (the in-sample fit)."""
    from bayeslaw.fit.predictive import sample

    err = []
    for dom in post.domains:
        rs = [r for r in runs if r.domain == dom]
        N, D, Dp = (np.array([getattr(r, k) for r in rs], float)
                    for k in ("params", "pretrain_tokens", "specialize_tokens"))
        curve, _ = sample(post, N, D, Dp, dom)
        err += list(np.log(np.median(curve, axis=0)) - np.log([r.loss for r in rs]))
    return float(np.sqrt(np.mean(np.square(err))))


def per_law(train: Sequence, held: Sequence, settings: dict, *, law: str,
            cache=None) -> tuple[list, dict]:
    """The NUTS posterior of one law: held-out rows and the fit's own figures."""
    from bayeslaw.fit.fitter import fitter

    post = fitter("nuts", settings, cache)(train, law)
    d = post.diagnostics()
    info = {"fit_rmse": fit_rmse(post, train), "r_hat_max": max(d.r_hat.values()),
            "divergences": d.divergences, "seconds": post.attrs["fit_seconds"]}
    return interval_rows(post, held, seed=settings.get("seed", 0)), info


def quantile_rows(q: dict, held: Sequence) -> list[dict]:
    """Per held-out run: median, coverage, error, from quantile arrays over ``held``
    (``q05`` ... ``q95``; a NaN median, an unpredicted run, is skipped)."""
    rows = []
    for i, r in enumerate(held):
        if not np.isfinite(q["q50"][i]):
            continue
        rows.append({"run_id": r.run_id, "domain": r.domain, "loss": r.loss,
                     "q50": float(q["q50"][i]), "rel_error": float(q["q50"][i] / r.loss - 1),
                     "inside50": bool(q["q25"][i] <= r.loss <= q["q75"][i]),
                     "inside90": bool(q["q05"][i] <= r.loss <= q["q95"][i])})
    return rows


# The backtest's fold fits: L-BFGS point fits (8 starts), not NUTS: 4 data sets x 3 folds x
# the stacked laws would be ~40 more NUTS fits. A point fold has no parameter uncertainty,
# so the widening learned from it also absorbs that (errs wide; see calibrate.py).
BACKTEST = {"method": "lbfgs"}


def averaged(train: Sequence, held: Sequence, settings: dict, *,
             laws: Sequence[str], cache=None) -> tuple[list, dict]:
    """The laws' stacked mixture, widened by the backtested extrapolation calibration
    (:func:`bayeslaw.fit.heldout.heldout_predictive`); the unwidened mixture's rows, the
    weights and the calibration go in the info."""
    from bayeslaw.fit.heldout import heldout_predictive

    out = heldout_predictive(train, held, laws, fit_kw=settings, seed=settings.get("seed", 0),
                             backtest=BACKTEST, cache=cache)
    st = out["stacked"]
    c = out["calibration"]
    others = {k: quantile_rows(v, held) for k, v in out["quantiles"].items()
              if k.startswith("stacked") and k != "stacked+calibrated"}
    return quantile_rows(out["quantiles"]["stacked+calibrated"], held), {
        "fit_rmse": fit_rmse(st, train), "weights": out["weights"], "calibration": c,
        "others": others, "calibrations": out["calibrations"]}


def strategies(laws: Sequence[str], average: bool = True, cache=None) -> dict[str, Callable]:
    """One function per strategy: each law alone and, with ``average``, their stacked
    mixture with the calibrated widening (``stacked+calibrated``)."""
    out = {law: functools.partial(per_law, law=law, cache=cache) for law in laws}
    if average and len(laws) > 1:
        out["stacked+calibrated"] = functools.partial(averaged, laws=tuple(laws), cache=cache)
    return out


# -- summary -----------------------------------------------------------------------------
def summarize(rows: Sequence[dict]) -> dict:
    """Coverage of the 50% and 90% intervals and mean |relative error| over ``rows``."""
    if not rows:
        return {"n": 0, "cover50": float("nan"), "cover90": float("nan"), "mae": float("nan")}
    return {"n": len(rows), "cover50": float(np.mean([r["inside50"] for r in rows])),
            "cover90": float(np.mean([r["inside90"] for r in rows])),
            "mae": float(np.mean([abs(r["rel_error"]) for r in rows]))}


def table(results: dict, names: Sequence[str]) -> str:
    """Markdown: one row per (strategy, data set) and a pooled row per strategy."""
    lines = ["| strategy | data set | held out | 50% cover | 90% cover | mean abs rel err "
             "| fit RMSE log L | max R-hat | div |", "|---|---|---|---|---|---|---|---|---|"]
    for strat, per_set in results.items():
        pooled = []
        for name in names:
            if name not in per_set:
                continue
            rows, info = per_set[name]
            pooled += rows
            s = summarize(rows)
            rhat = f"{info['r_hat_max']:.3f}" if "r_hat_max" in info else ""
            lines.append(f"| {strat} | {name} | {s['n']} | {s['cover50']:.2f} | "
                         f"{s['cover90']:.2f} | {s['mae']:.4f} | {info['fit_rmse']:.4f} | "
                         f"{rhat} | {info.get('divergences', '')} |")
        s = summarize(pooled)
        lines.append(f"| **{strat}** | pooled | {s['n']} | {s['cover50']:.2f} | "
                     f"{s['cover90']:.2f} | {s['mae']:.4f} | | | |")
    return "\n".join(lines) + "\n" + averaged_notes(results, names)


def averaged_notes(results: dict, names: Sequence[str]) -> str:
    """Per data set: the stacking weights, the learned calibration, and the coverage of
    the stacked mixture before widening."""
    out = []
    for name in names:
        rows, info = results.get("stacked+calibrated", {}).get(name, (None, None))
        if info is None:
            continue
        w = ", ".join(f"{k} {v:.2f}" for k, v in info["weights"].items() if v >= 0.005)
        out.append(f"- {name}: weights {w}; {describe(info['calibration'])}")
        for k, rows in info["others"].items():
            s = summarize(rows)
            crit = k[k.index("(") + 1:-1] if "(" in k else None
            c = f" ({describe(info['calibrations'][crit])})" if crit else ""
            out.append(f"  - {k}: 50% cover {s['cover50']:.2f}, 90% cover {s['cover90']:.2f}, "
                       f"mean abs rel err {s['mae']:.4f}{c}")
    return "\n".join(out)


def describe(c) -> str:
    """One line for a Calibration."""
    return (f"calibration {c.criterion}: tau {c.tau:.4f}, p {c.power:g}, drift {c.bias:+.4f} "
            f"({c.folds} folds, {c.n_heldout} backtest points)")


def run(datasets: dict, strats: dict, settings: dict, log=print, done=None) -> dict:
    """{strategy: {data set: (rows, info)}}; ``done(results)`` after every fit."""
    results: dict = {s: {} for s in strats}
    for name, load in datasets.items():
        train, held = load()
        log(f"{name}: {len(train)} runs fitted, {len(held)} held out")
        for strat, fn in strats.items():
            t = time.perf_counter()
            results[strat][name] = fn(train, held, settings)
            log(f"  {strat}: {summarize(results[strat][name][0])} "
                f"({time.perf_counter() - t:.0f} s)")
            if done is not None:
                done(results)
    return results


def header() -> str:
    """The run's date (UTC) and commit (``+dirty`` with uncommitted changes)."""
    import subprocess
    from datetime import UTC, datetime

    def git(*a):
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True,
                              text=True).stdout.strip()

    dirty = "+dirty" if git("status", "--porcelain", "--untracked-files=no") else ""
    return (f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit "
            f"{git('rev-parse', '--short', 'HEAD')}{dirty}")


def main() -> None:
    from bayeslaw.laws import names

    ap = argparse.ArgumentParser()
    ap.add_argument("--laws", default=",".join(names()))
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 laws, 2 sets, tiny")
    ap.add_argument("--out", default=None, help="also write the table here (markdown)")
    ap.add_argument("--cache", default=str(ROOT / "out" / "bench_cache"),
                    help="folder keeping every fit, keyed by its inputs ('' for none)")
    args = ap.parse_args()
    cache = args.cache or None
    laws, sets = args.laws.split(","), args.datasets.split(",")
    settings = {"chains": args.chains, "warmup": args.warmup, "samples": args.samples, "seed": 0}
    if args.quick:
        laws, sets = ["chinchilla", "prelearned"], ["porian", "split-validation"]
        settings.update(chains=1, warmup=50, samples=50)
    t0, c0 = time.perf_counter(), time.process_time()
    head = header()

    def report(results):
        text = (f"{head}; NUTS {settings['chains']} chains x {settings['samples']} draws "
                f"({settings['warmup']} warmup) per law and data set, backtest folds "
                f"{BACKTEST}; wall {time.perf_counter() - t0:.0f} s, CPU "
                f"{time.process_time() - c0:.0f} s on {os.cpu_count()} cores (load average "
                f"{os.getloadavg()[0]:.1f}; fits read from the cache cost none).\n\n"
                + table(results, sets) + "\n")
        if args.out:  # after every fit, so that a long run leaves its partial table
            Path(args.out).write_text(text)
        return text

    results = run({s: DATASETS[s] for s in sets}, strategies(laws, cache=cache), settings,
                  log=lambda m: print(m, file=sys.stderr, flush=True), done=report)
    print(report(results))


if __name__ == "__main__":
    main()
