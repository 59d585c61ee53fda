"""Benchmark the planner: per-draw optima and a full plan for 4,000 draws, and a
30-budget frontier (against the per-budget grid search it replaces), on CPU. Prints
compile (first call) and run (best of 3) seconds.

    python bench/bench_plan.py [--draws 4000] [--budgets 30]

A baseline measured in the same run: one jitted evaluation of the loss at every
draw for 1,000 decisions (the unit of work of the search), so the figures can be
read as "how many loss evaluations per draw" independently of the machine's load.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.laws import get
from bayeslaw.plan import decision_losses, frontier, optimal_per_draw, plan

TRUE = dict(E=1.8, A=400.0, alpha=0.34, B=410.0, beta=0.28, G=0.5, S=1e9, gamma=0.6)


def cloud(S: int, seed: int = 0) -> Draws:
    rng = np.random.default_rng(seed)
    law = get("domain_gap")
    params = {p: v * np.exp(0.1 * rng.standard_normal((S, 1) if p in law.domain_params else S))
              for p, v in TRUE.items()}
    return Draws(law, ("default",), params)


def timed(fn, repeats: int = 3) -> tuple[float, float, float]:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=4000)
    ap.add_argument("--budgets", type=int, default=30)
    args = ap.parse_args()
    d = cloud(args.draws)
    M = 1000
    dec = (np.geomspace(1e8, 1e10, M), np.full(M, 1e11), np.full(M, 1e10))
    first, run, base_cpu = timed(lambda: decision_losses(d, dec, 4))
    print(f"baseline: {args.draws} draws x {M} decisions loss evaluation: first {first:.2f}s, "
          f"run {run:.3f}s, cpu {base_cpu:.3f}s "
          f"({base_cpu / (args.draws * M) * 1e9:.0f} cpu-ns/eval)")
    for name, fn in (
        ("optimal_per_draw", lambda: optimal_per_draw(d, 1e21, 4)),
        ("plan (per-draw + Bayes + 3 baselines)", lambda: plan(d, 1e21, 4)),
    ):
        first, best, cpu = timed(fn)
        print(f"{name}, {args.draws} draws: compile+run {first:.2f}s, run {best:.2f}s, "
              f"cpu {cpu:.2f}s (compile ~{first - best:.2f}s; "
              f"{cpu / base_cpu:.1f}x the baseline's cpu)")
    budgets = np.geomspace(1e19, 1e24, args.budgets)
    first, best, cpu = timed(lambda: frontier(d, budgets, 4), repeats=1)
    print(f"frontier, {args.budgets} budgets x {args.draws} draws: first {first:.2f}s, "
          f"again {best:.2f}s, cpu {cpu:.2f}s ({cpu / base_cpu:.1f}x the baseline's cpu)")
    # The per-budget grid search (what frontier did before the polish), on 2 budgets,
    # scaled to all of them.
    fm = sys.modules["bayeslaw.plan.frontier"]
    ds, theta, _ = fm.prepare(d, 4, None, None, 1e19)
    spaces = [fm.search_space(None, float(c)) for c in budgets[[0, -1]]]
    _, _, slow = timed(lambda: fm._per_budget(d, ds, theta, spaces, None), repeats=1)
    slow *= args.budgets / 2
    print(f"per-budget grid search, {args.budgets} budgets (from 2): cpu ~{slow:.1f}s; "
          f"the frontier is {slow / cpu:.0f}x faster")


if __name__ == "__main__":
    main()
