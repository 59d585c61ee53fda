"""Benchmark: how well each law describes Lin et al. 2024's fine-tuning curves (point fits).

For a set of families of ``bayeslaw.data.lin2024()`` (domain = the task), every law is
fitted by Huber/L-BFGS (:mod:`bayeslaw.fit.lbfgs`) to all the runs, and again without the
family's largest model. Printed per law: the RMS error of log L over all runs (the fit)
and, for the held-out largest model, the RMS error of log L and the mean |relative error|
of the loss. ``--families all`` pools every family into one law (N and D alone must then
explain the differences between architectures and pretraining recipes).

Run: ``python bench/bench_lin_fit.py [--families OPT] [--laws chinchilla,prelearned]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

from bayeslaw._jax import setup  # noqa: E402

setup()


def log_errors(post, runs) -> np.ndarray:
    """log(median curve) - log(loss) for every run (in the posterior's domains order)."""
    from bayeslaw.fit.predictive import sample

    err = []
    for dom in post.domains:
        rs = [r for r in runs if r.domain == dom]
        cols = (np.array([getattr(r, k) for r in rs], float)
                for k in ("params", "pretrain_tokens", "specialize_tokens"))
        curve, _ = sample(post, *cols, dom)
        err += list(np.log(np.median(curve, axis=0)) - np.log([r.loss for r in rs]))
    return np.array(err)


def main() -> None:
    from bayeslaw.data import lin2024
    from bayeslaw.fit import lbfgs
    from bayeslaw.laws import names

    ap = argparse.ArgumentParser()
    ap.add_argument("--families", default="OPT", help="comma-separated, or 'all'")
    ap.add_argument("--laws", default=",".join(names()))
    args = ap.parse_args()
    runs = lin2024(families=None if args.families == "all" else args.families.split(","))
    top = {}
    for r in runs:
        top[r.config["family"]] = max(top.get(r.config["family"], 0), r.params)
    held = [r for r in runs if r.params == top[r.config["family"]]]
    fitted = [r for r in runs if r.params != top[r.config["family"]]]
    print(f"Lin et al. 2024, families {args.families}: {len(runs)} runs, the largest model of "
          f"each family held out ({len(held)} runs)")
    print("| law | RMSE log L, all runs | held out: RMSE log L | held out: mean abs rel err |")
    print("|---|---|---|---|")
    for law in args.laws.split(","):
        t = time.perf_counter()
        e_all = log_errors(lbfgs.fit(runs, law), runs)
        e_out = log_errors(lbfgs.fit(fitted, law), held)
        print(f"| {law} | {np.sqrt(np.mean(e_all**2)):.4f} | {np.sqrt(np.mean(e_out**2)):.4f} "
              f"| {np.mean(np.abs(np.expm1(e_out))):.4f} |", flush=True)
        print(f"{law}: {time.perf_counter() - t:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
