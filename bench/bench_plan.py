"""Benchmark the planner on CPU: plans for 1 (homogeneous, k = 4) and 4 heterogeneous
domains at 2,000 and 4,000 draws, and a 30-budget frontier of 4,000 draws. Prints the
first call (compile + run) and the best of the warm calls, wall and CPU seconds.

    python bench/bench_plan.py [--draws 2000,4000] [--budgets 30] [--repeats 3]

The baseline, measured in the same run: one jitted, vectorized evaluation of the law's
loss at every draw for 1,000 decisions (:func:`bayeslaw.plan.decision_losses`). Each
figure is also given as "evaluations per draw", its CPU time over the baseline's CPU
time per evaluation and over the draws (and domains): how many loss evaluations the
planner spends per draw, a figure that does not move with the machine's load, which the
printout records (the load average of the last minute).
"""

from __future__ import annotations

import argparse
import os
import time
from functools import partial

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.laws import get
from bayeslaw.plan import decision_losses, frontier, optimal_per_draw, plan

TRUE = dict(E=1.8, A=400.0, alpha=0.34, B=410.0, beta=0.28, G=0.5, S=1e9, gamma=0.6)
# four domains with different gaps and token scales (the per-domain parameters E, G, S)
DOMAINS = dict(E=[1.8, 1.6, 2.0, 1.9], G=[0.2, 0.5, 0.8, 0.35], S=[1e9, 3e8, 3e9, 1e8])


def cloud(S: int, domains: int = 1, seed: int = 0) -> Draws:
    """S draws around TRUE (log-normal, 10%); ``domains`` > 1 takes DOMAINS' columns."""
    rng = np.random.default_rng(seed)
    law = get("domain_gap")
    params = {}
    for p, v in TRUE.items():
        if p in law.domain_params:
            v = np.asarray(DOMAINS[p][:domains] if domains > 1 else [v], float)
            params[p] = v * np.exp(0.1 * rng.standard_normal((S, len(v))))
        else:
            params[p] = v * np.exp(0.1 * rng.standard_normal(S))
    names = tuple(f"d{i}" for i in range(domains)) if domains > 1 else ("default",)
    return Draws(law, names, params)


def timed(fn, repeats: int) -> tuple[float, float, float]:
    """(first call seconds, best of ``repeats`` later calls, CPU seconds of that best call).

    CPU seconds (all threads) do not grow when other processes share the cores; on an
    idle machine with c cores the wall time is about CPU / c.
    """
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    runs = []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t, time.process_time() - c))
    best = min(runs)
    return first, best[0], best[1]


def baseline(d: Draws, repeats: int) -> float:
    """CPU seconds per loss evaluation of one jitted evaluation of S draws x 1,000 decisions."""
    M = 1000
    dec = (np.geomspace(1e8, 1e10, M), np.full(M, 1e11), np.full(M, 1e10))
    k = len(d.domains)
    first, run, cpu = timed(lambda: decision_losses(
        d, dec, k, domains=None if k == 1 else list(d.domains)), repeats)
    per = cpu / (d.n_draws * M * k)
    print(f"baseline: {d.n_draws} draws x {M} decisions x {k} domain(s) loss evaluation: "
          f"first {first:.2f}s, run {run:.3f}s, cpu {cpu:.3f}s ({per * 1e9:.0f} cpu-ns/eval)")
    return per


def line(name: str, fn, evals: float, per_eval: float, repeats: int) -> None:
    first, best, cpu = timed(fn, repeats)
    print(f"{name}: first {first:.2f}s, warm {best:.3f}s, cpu {cpu:.3f}s "
          f"(= {cpu / per_eval / evals:.0f} baseline evaluations per draw and domain)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", default="2000,4000")
    ap.add_argument("--budgets", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(x) for x in args.draws.split(",")]
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for S in sizes:
        for kd in (1, 4):
            d = cloud(S, kd)
            per = baseline(d, args.repeats)
            doms = None if kd == 1 else list(d.domains)
            what = "1 domain (k=4 copies)" if kd == 1 else f"{kd} heterogeneous domains"
            per_draw = partial(optimal_per_draw, d, 1e21, 4, domains=doms)
            line(f"  optimal_per_draw, {S} draws, {what}", per_draw, S * kd, per, args.repeats)
            line(f"  plan (per-draw + Bayes + 3 baselines), {S} draws, {what}",
                 partial(plan, d, 1e21, 4, domains=doms), S * kd, per, args.repeats)
    S = max(sizes)
    d = cloud(S)
    per = baseline(d, args.repeats)
    budgets = np.geomspace(1e19, 1e24, args.budgets)
    line(f"  frontier, {args.budgets} budgets x {S} draws, 1 domain (k=4)",
         lambda: frontier(d, budgets, 4), S * args.budgets, per, max(1, args.repeats - 1))
    print(f"load average (1 min) at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
