"""Benchmark: the Bayesian fit against a bootstrapped L-BFGS baseline, same data.

200 runs simulated from known domain-free Chinchilla parameters (0.5% noise on loss),
then
- NUTS, 4 chains x 1000 draws (500 warmup), first call (with JIT) and second call
  (compiled sampler reused: same law and data shape), each the whole ``fit``: the
  L-BFGS start, sampling, log likelihood, prior predictive and InferenceData,
- the Huber/L-BFGS baseline refitted on 100 bootstrap resamples (the usual way to
  get uncertainty from it),
and the coverage of each method's 90% intervals of alpha and beta over ``--reps``
data sets. Run: ``python bench/bench_fit.py [--law chinchilla] [--reps 1]``.

``--data SETS`` instead fits ``--law`` (``all``: every registered law) with the default
settings of ``bayeslaw.fit.fit`` to the data sets the project ships (trainer-sweep:
studies/trainer-sweep/runs.csv; split-validation: its records/sweep.csv; epoch: the
bundled Epoch/Chinchilla runs) and prints the convergence checks of each fit (worst
R-hat, smallest bulk and tail ESS, divergences), the escalations, the leapfrog steps
per draw and the wall time of the whole fit (the first fit of a law and data shape in
the process includes the compile) and its CPU time (both cores summed; on a machine
shared with other jobs the wall time grows with the load, the CPU time much less;
"CPU/2" is the wall time the fit would take on 2 idle cores if it kept both busy).
Run: ``python bench/bench_fit.py --data split-validation,trainer-sweep --law domain_gap``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

import numpy as np  # noqa: E402

from bayeslaw._jax import setup  # noqa: E402

setup()

from bayeslaw.draws import Draws  # noqa: E402
from bayeslaw.fit import fit, lbfgs  # noqa: E402
from bayeslaw.flow.simulate import Truth  # noqa: E402
from bayeslaw.flow.simulate import simulate as answer  # noqa: E402
from bayeslaw.laws import get  # noqa: E402

# The known parameters the runs are simulated from (those of the fit tests).
TRUTH = {
    "chinchilla": {"E": 1.8, "A": 480.0, "alpha": 0.35, "B": 2000.0, "beta": 0.37},
    "domain_gap": {"E": 1.8, "A": 480.0, "alpha": 0.35, "B": 2000.0, "beta": 0.37,
                   "G": 0.4, "S": 3e9, "gamma": 0.5},
}


def simulate(law, theta, n: int, seed: int, noise: float = 0.005, domain: str = "web"):
    """``n`` runs at random N in 1e7..1e10, D in 1e9..1e11 and, for 70% of them, D' in
    1e8..1e10 (else 0), answered by the project's simulator with ``noise`` on the loss."""
    rng = np.random.default_rng(seed)
    N = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n))
    D = np.exp(rng.uniform(np.log(1e9), np.log(1e11), n))
    Dp = np.where(rng.uniform(size=n) < 0.7, np.exp(rng.uniform(np.log(1e8), np.log(1e10), n)),
                  0.0)
    specs = [{"params": int(a), "pretrain_tokens": int(b), "specialize_tokens": int(c),
              "domain": domain, "run_id": f"{domain}-{seed}-{i}"}
             for i, (a, b, c) in enumerate(zip(N, D, Dp, strict=True))]
    return answer(Truth(Draws.point(law, theta, (domain,)), sigma=noise), specs, seed=seed)


def covers(post, truth, names=("alpha", "beta")):
    out = []
    for p in names:
        lo, hi = np.percentile(post.draws.params[p], [5, 95])
        out.append(bool(lo <= truth[p] <= hi))
    return out


ROOT = os.path.join(os.path.dirname(__file__), "..")
DATA = {
    "trainer-sweep": "studies/trainer-sweep/runs.csv",
    "split-validation": "studies/split-validation/records/sweep.csv",
    "epoch": None,
}


def load(name: str):
    from bayeslaw.data import epoch_chinchilla
    from bayeslaw.runs.io import read_runs

    if name not in DATA:
        raise SystemExit(f"unknown data set {name!r}; known: {', '.join(DATA)}")
    return epoch_chinchilla() if DATA[name] is None else read_runs(
        os.path.join(ROOT, DATA[name])).runs


def datasets(names: list[str], laws: list[str], repeat: int, seed: int = 0) -> None:
    """Default fits of each law to each data set, with their convergence checks."""
    print(f"{'data':<17} {'law':<19} {'wall s':>7} {'CPU s':>6} {'CPU/2':>6} {'max R-hat':>14} "
          f"{'min ESS bulk':>17} {'min ESS tail':>17} {'div':>4} {'esc':>4} {'steps':>6}  ok")
    for name in names:
        runs = load(name)
        for law in laws:
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                post = fit(runs, law, seed=seed)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                c = post.convergence
                r = max(c.r_hat, key=c.r_hat.get)
                b = min(c.ess_bulk, key=c.ess_bulk.get)
                t = min(c.ess_tail, key=c.ess_tail.get)
                steps = post.idata.sample_stats["n_steps"].values.mean()
                print(f"{name:<17} {law:<19} {wall:7.1f} {cpu:6.1f} {cpu / 2:6.1f} "
                      f"{c.r_hat[r]:7.3f} {r:<6} "
                      f"{c.ess_bulk[b]:7.0f} {b:<9} {c.ess_tail[t]:7.0f} {t:<9} "
                      f"{c.divergences:4d} {post.attrs['escalations']:4d} {steps:6.0f}  "
                      f"{'yes' if c.ok else 'NO'}  (load {os.getloadavg()[0]:.1f})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--law", default="chinchilla")
    ap.add_argument("--data", help="comma-separated data sets (see the docstring)")
    ap.add_argument("--repeat", type=int, default=1, help="with --data: fits per law and set")
    ap.add_argument("--seed", type=int, default=0, help="with --data: the fits' seed")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=100)
    ap.add_argument("--chain-method", default=None, help="parallel or vectorized")
    args = ap.parse_args()
    if args.data:
        from bayeslaw.laws import names

        laws = list(names()) if args.law == "all" else args.law.split(",")
        datasets(args.data.split(","), laws, args.repeat, args.seed)
        print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
        return
    law = get(args.law)
    truth = TRUTH[law.name]
    cov_b, cov_l = [], []
    for rep in range(args.reps):
        runs = simulate(law, truth, n=args.runs, seed=100 + rep)
        c0, t0 = time.process_time(), time.perf_counter()
        fit(runs, law.name, chains=4, warmup=500, samples=1000, seed=rep)
        c1, t1 = time.process_time(), time.perf_counter()
        post2 = fit(runs, law.name, chains=4, warmup=500, samples=1000, seed=rep + 1)
        c2, t2 = time.process_time(), time.perf_counter()
        boot = lbfgs.fit(runs, law.name, bootstrap=args.bootstrap, seed=rep)
        c3, t3 = time.process_time(), time.perf_counter()
        d = post2.diagnostics()
        cov_b += covers(post2, truth)
        cov_l += covers(boot, truth)
        print(f"rep {rep}: NUTS 4x1000 first {t1 - t0:.1f} s, warm {t2 - t1:.1f} s "
              f"({post2.attrs['chain_method']}); L-BFGS bootstrap x{args.bootstrap} "
              f"{t3 - t2:.1f} s; ratio bootstrap/warm NUTS {(t3 - t2) / (t2 - t1):.2f}; "
              f"max R-hat {max(d.r_hat.values()):.3f}, min ESS bulk "
              f"{min(d.ess_bulk.values()):.0f}, divergences {d.divergences}")
        print(f"  CPU seconds (both cores summed): NUTS first {c1 - c0:.1f}, warm {c2 - c1:.1f}, "
              f"bootstrap {c3 - c2:.1f}")
        steps = post2.idata.sample_stats["n_steps"].values
        print(f"  leapfrog steps per draw (sampling): mean {steps.mean():.1f}, max {steps.max()}; "
              f"L-BFGS start + NUTS inside the warm fit {post2.attrs['fit_seconds']:.2f} s")
        for p in ("alpha", "beta", "E"):
            qb = np.percentile(post2.draws.params[p], [5, 50, 95])
            ql = np.percentile(boot.draws.params[p], [5, 50, 95])
            print(f"  {p:<6} true {truth[p]:<7} NUTS {qb.round(4)}  bootstrap {ql.round(4)}")
    print(f"90% interval coverage of alpha, beta over {args.reps} data set(s): "
          f"NUTS {np.mean(cov_b):.2f}, L-BFGS bootstrap {np.mean(cov_l):.2f}")
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
