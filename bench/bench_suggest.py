"""Compute spent on experiments until the planned split is good enough: suggestion loop
vs a uniform grid vs random runs, against simulated ground truths.

For each seed a true domain_gap law (perturbed around a base) answers runs with 0.5%
noise. Each strategy executes batches of runs from one menu (per-run cap CAP); after
every batch the runs are fitted, the Bayes decision at the target budget
(--extrapolation x the cap, k = --k domains) is planned, and its TRUE regret
L_true(decision)/L_true* - 1 is measured. Reported, per --target level (the issue's
is 0.5%): the compute (branching-aware, see docs/suggest.md) from which on the true
regret stays under the level until the end of the strategy's trace, for

  (a) loop:   seed design (--initial runs), then `suggest` batches of q runs, as
              `bayeslaw loop` does: ``loop`` (Gaussian values, a batch spends at most
              --growth x the compute so far, the better of the per-FLOP and the
              by-value greedy batch), ``loop-nogrowth`` (Gaussian values, per-FLOP
              greedy, no step limit), ``loop-reweight`` (reweighting values, per-FLOP,
              no step limit: the acquisition of the first version);
  (b) grid:   nested uniform grids over the menu, coarse to fine (2, 3, 4, 5, then
              every value per axis), each level one batch;
  (c) random: the same seed design, then q random menu runs per batch.

Usage: python bench/bench_suggest.py [--quick] [--seeds 3]
       [--strategies loop,loop-nogrowth,loop-reweight,grid,random] [--growth 1]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")

import numpy as np  # noqa: E402

from bayeslaw.draws import Draws  # noqa: E402
from bayeslaw.plan import decision_losses  # noqa: E402
from bayeslaw.runs.store import Checkpoint  # noqa: E402
from bayeslaw.simulate import Truth, simulate  # noqa: E402
from bayeslaw.suggest import Settings, suggest  # noqa: E402
from bayeslaw.suggest.candidates import (  # noqa: E402
    Candidate,
    Menu,
    batch_cost,
    enumerate_candidates,
)
from bayeslaw.suggest.decisions import bayes_decision, decisions_at  # noqa: E402
from bayeslaw.suggest.loop import LoopConfig, batch_budget, initial_design, run_key  # noqa: E402

BASE = dict(E=1.5, A=30.0, alpha=0.3, B=60.0, beta=0.3, G=0.5, S=2e6, gamma=0.5)
MENU = Menu((20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000),
            (0, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000),
            (0, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000), ("default",))
CAP = 6e13


def make_truth(seed: int) -> Truth:
    rng = np.random.default_rng(1000 + seed)
    theta = {k: v * np.exp(0.15 * rng.standard_normal()) for k, v in BASE.items()}
    return Truth(Draws.point("domain_gap", theta), sigma=0.005)


def make_fitter(seed: int, n: int):
    from bayeslaw.fit import fit

    def fitter(runs, i):
        post = fit(runs, law="domain_gap", chains=2, warmup=n, samples=n, seed=seed * 100 + i)
        return post.draws, post.noise

    return fitter


class Scorer:
    """The true regret of the Bayes decision of a posterior at the target budget."""

    def __init__(self, truth: Truth, budget: float, k: int):
        self.truth, self.budget, self.k = truth, budget, k
        best = decisions_at(truth.draws, budget, k, prune=False, n_params=160, n_shares=161)
        self.best = float(best.best[0])

    def __call__(self, draws: Draws) -> float:
        dec = decisions_at(draws, self.budget, self.k)
        m = bayes_decision(dec)
        L = decision_losses(self.truth.draws, (dec.params[m:m + 1], dec.pretrain_tokens[m:m + 1],
                            dec.specialize_tokens[m:m + 1]), self.k)
        return float(L[0, 0] / self.best - 1.0)


def _cand(s) -> Candidate:
    return Candidate(int(s["params"]), int(s["pretrain_tokens"]), int(s["specialize_tokens"]),
                     s["domain"])


class Campaign:
    """Runs executed so far, their checkpoints and the compute spent."""

    def __init__(self, truth: Truth, seed: int):
        self.truth, self.seed = truth, seed
        self.runs, self.ckpts, self.spent = [], [], 0.0

    def execute(self, specs) -> None:
        self.spent += batch_cost([_cand(s) for s in specs], self.ckpts)
        self.runs += simulate(self.truth, specs, seed=self.seed)
        have = {(c.params, c.pretrain_tokens) for c in self.ckpts}
        for s in specs:
            if s["pretrain_tokens"] > 0 and (s["params"], s["pretrain_tokens"]) not in have:
                have.add((s["params"], s["pretrain_tokens"]))
                self.ckpts.append(Checkpoint(f"c{len(self.ckpts)}", s["params"],
                                             s["pretrain_tokens"], "sim"))


def _sub(axis: tuple, m: int) -> tuple:
    return tuple(axis[i] for i in np.unique(np.round(np.linspace(0, len(axis) - 1, m)).astype(int)))


def grid_batches():
    """Nested uniform grids over the menu, coarse to fine (2, 3, ... values per axis, up
    to all); each level adds the runs the coarser ones lacked."""
    done: set = set()
    for m in range(2, 1 + max(map(len, (MENU.params, MENU.pretrain_tokens,
                                        MENU.specialize_tokens)))):
        level = Menu(_sub(MENU.params, m), _sub(MENU.pretrain_tokens, m),
                     _sub(MENU.specialize_tokens, m), MENU.domains)
        new = [c for c in enumerate_candidates(level, max_run_flops=CAP) if c.key not in done]
        done |= {c.key for c in new}
        if new:
            yield [c.__dict__ for c in new]


def run_strategy(name, truth, fitter, scorer, args, seed, limit):
    camp = Campaign(truth, seed)
    rng = np.random.default_rng(seed)
    if name == "grid":
        batches = iter(grid_batches())
    else:
        camp.execute(initial_design(MENU, args.initial, max_run_flops=CAP, seed=seed))
    trace = []
    for i in range(args.max_batches):
        if name == "grid":
            nxt = next(batches, None)
            if nxt is None:
                break
            camp.execute(nxt)
            if len(camp.runs) < args.initial:  # too few runs to fit the law yet
                continue
        draws, noise = fitter(camp.runs, i)
        regret = scorer(draws)
        trace.append((camp.spent, regret, len(camp.runs)))
        print(f"    {name} batch {i}: {len(camp.runs)} runs, spent {camp.spent:.3g}, "
              f"true regret {regret:.3%}", flush=True)
        if camp.spent >= limit:
            break
        done = {run_key(r) for r in camp.runs}
        if name.startswith("loop"):
            method = "reweight" if "reweight" in name else "gaussian"
            growth = None if name != "loop" else args.growth
            # as `bayeslaw loop`: the growth step, else (nothing fits it) no limit
            step = batch_budget(camp.spent, LoopConfig(flops=np.inf, growth=growth))
            for budget in ((step, None) if growth else (None,)):
                s = suggest(draws, noise, MENU, Settings(
                    budget=scorer.budget, k=args.k, q=args.q, max_run_flops=CAP,
                    n_worlds=args.worlds, method=method, campaign_flops=budget),
                    checkpoints=camp.ckpts, done=done, seed=seed * 1000 + i)
                if s.valued_specs:
                    break
            specs = s.valued_specs  # as the loop: only the runs that inform the decision
            print(f"    {name} batch {i}: expected regret {s.regret_now:.3%} -> "
                  f"{s.regret_after:.3%}; picks " + ", ".join(
                      f"({sp['params']:.0e}, {sp['pretrain_tokens']:.0e}, "
                      f"{sp['specialize_tokens']:.0e})" for sp in specs), flush=True)
        elif name == "random":
            pool = [c for c in enumerate_candidates(MENU, max_run_flops=CAP, exclude=done)]
            specs = [pool[j].__dict__ for j in rng.choice(len(pool), min(args.q, len(pool)),
                                                          replace=False)]
        if name != "grid":
            if not specs:
                break
            camp.execute(specs)
    return trace


def reached(trace, target: float):
    """Compute from which on the true regret stays under ``target`` (to the trace's end)."""
    out = None
    for spent, r, _ in trace:
        out = (out or spent) if r < target else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 seed, short fits, few batches")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--draws", type=int, default=300,
                    help="NUTS warmup and samples per chain (2 chains)")
    ap.add_argument("--q", type=int, default=4)
    ap.add_argument("--k", type=int, default=4, help="domains of the target decision")
    ap.add_argument("--extrapolation", type=float, default=1000.0,
                    help="target budget as a multiple of the per-run cap")
    ap.add_argument("--initial", type=int, default=10)
    ap.add_argument("--growth", type=float, default=1.0,
                    help="loop: a batch spends at most GROWTH x the compute so far (as "
                    "`bayeslaw loop --growth`); 0: no limit")
    ap.add_argument("--worlds", type=int, default=128)
    ap.add_argument("--max-batches", type=int, default=10)
    ap.add_argument("--target", type=float, nargs="+", default=[0.005, 0.002, 0.001, 0.0005],
                    help="true-regret levels to report (the issue's goal is 0.005)")
    ap.add_argument("--strategies", default="loop,loop-nogrowth,loop-reweight,grid,random")
    args = ap.parse_args()
    seeds = range(1 if args.quick else args.seeds)
    if args.quick:
        args.max_batches = min(args.max_batches, 6)
    grid_total = batch_cost(enumerate_candidates(MENU, max_run_flops=CAP))
    budget = args.extrapolation * CAP
    print(f"menu {len(enumerate_candidates(MENU, max_run_flops=CAP))} runs under the cap "
          f"{CAP:.3g}; full grid costs {grid_total:.3g} FLOPs; target budget {budget:.3g} "
          f"with k={args.k}; "
          f"fit: domain_gap NUTS 2 chains x {args.draws}; true-regret levels {args.target}",
          flush=True)
    results = {}
    for seed in seeds:
        truth = make_truth(seed)
        scorer = Scorer(truth, budget, args.k)
        fitter = make_fitter(seed, 150 if args.quick else args.draws)
        for name in args.strategies.split(","):
            t = time.time()
            trace = run_strategy(name, truth, fitter, scorer, args, seed, grid_total)
            for target in args.target:
                results[(seed, name, target)] = reached(trace, target)
            steps = " ".join(f"{s:.2g}:{r:.3%}" for s, r, _ in trace)
            print(f"seed {seed} {name:<6} runs={trace[-1][2]} "
                  f"({time.time() - t:.0f}s)  spent:true_regret {steps}", flush=True)
    for target in args.target:
        summarize(results, seeds, args.strategies.split(","), grid_total, target)


def summarize(results, seeds, names, grid_total, target) -> None:
    print(f"\ncompute from which the true regret stays under {target:.2%} (FLOPs per seed; "
          "'>' = not within the batches run)")
    for name in names:
        vals = [results[(s, name, target)] for s in seeds]
        print(f"  {name:<6} " + "  ".join(f"{v:.3g}" if v else f">{grid_total:.3g}"
                                          for v in vals))
    for loop in (n for n in names if n != "grid"):
        if "grid" not in names:
            break
        ratios = [(results[(s, loop, target)] or np.inf)
                  / (results[(s, "grid", target)] or grid_total) for s in seeds]
        print(f"  ratio {loop}/grid per seed: " + " ".join(f"{r:.3f}" for r in ratios)
              + f"   median {np.median(ratios):.3f}   (goal <= 0.333; a grid that never got "
              "there is counted at the full grid's cost, which flatters the grid)")


if __name__ == "__main__":
    main()
