"""End-to-end CLI timings on an existing posterior (issue 15's user-facing targets).

Times, in fresh processes, each command twice (the first call may compile programs
that later calls read from the disk cache; the figure that matters is the second):

- ``bayeslaw plan --json`` on the posterior (target <= 5 s),
- a usage error, ``bayeslaw plan --budget abc`` (target <= 1 s),
- ``bayeslaw report`` of the posterior with its store (target <= 15 s).

Wall seconds and the children's CPU seconds (user + sys) are printed with the load
average: on a shared machine the wall time grows with the load, the CPU time much less.

    python bench/bench_cli.py [--posterior out/quickstart/posterior.nc]
        [--store out/quickstart/runs.db] [--budget B --domains K --new-domains M]

The defaults are the README's main job's outputs (run it first): the posterior, its
store, and the request of the plan.json beside the posterior (budget, k, new domains).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], expect: int = 0) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd``; fails loudly on an unexpected exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expect:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posterior", default="out/quickstart/posterior.nc")
    ap.add_argument("--store", default="out/quickstart/runs.db")
    ap.add_argument("--budget", help="default: the budget of plan.json beside the posterior")
    ap.add_argument("--domains", help="k; default: that plan's")
    ap.add_argument("--new-domains", help="default: that plan's domains named new-*")
    a = ap.parse_args()
    if a.budget is None or a.domains is None or a.new_domains is None:
        import json

        made = json.loads((Path(a.posterior).parent / "plan.json").read_text())
        a.budget = a.budget or repr(made["budget"])
        a.domains = a.domains or str(made["k"])
        a.new_domains = a.new_domains or str(sum(d.startswith("new-") for d in made["domains"]))
    exe = [sys.executable, "-m", "bayeslaw"]
    out = os.path.join(tempfile.mkdtemp(), "report.html")
    cases = [
        ("plan --json", exe + ["plan", "--posterior", a.posterior, "--budget", a.budget,
                               "--domains", a.domains, "--new-domains", a.new_domains,
                               "--json"], 0, 5.0),
        ("usage error", exe + ["plan", "--budget", "abc"], 2, 1.0),
        ("report", exe + ["report", "--posterior", a.posterior, "--store", a.store,
                          "--out", out, "--force"], 0, 15.0),
    ]
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    # the same machine's speed today: the floor every command pays (Python, numpy, jax)
    base = min(timed([sys.executable, "-c", "import jax, numpy"]) for _ in range(3))
    print(f"  baseline     python -c 'import jax, numpy': {base[0]:.2f} s wall {base[1]:.2f} s CPU")
    for name, cmd, code, target in cases:
        first = timed(cmd, code)
        second = timed(cmd, code)
        print(f"  {name:12s} first {first[0]:6.2f} s wall {first[1]:6.2f} s CPU | second "
              f"{second[0]:6.2f} s wall {second[1]:6.2f} s CPU (target {target:g} s)")
    print(f"load average (1 min) at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
