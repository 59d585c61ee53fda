"""Seconds and peak memory of importing a large run file (issue 19's target: 1e6 rows in
<= 30 s and <= 300 MB).

Writes a CSV of ``--rows`` rows (N, D, D', domain, loss; no run_id, as users bring
them), then imports it into a fresh store, each path in its own process so that its
peak RSS is its own:

- ``streamed``: ``bayeslaw runs import`` (``runs.io.import_runs``): inside one
  transaction, chunks of 20,000 CSV rows validated column-wise (``runs.columns``; a
  chunk with an unusual value row by row) and written; into an empty store, its
  indexes rebuilt once at the end;
- ``baseline``: the import before issue 19 (``runs.io.import_file`` of commit
  d6076dc: every record parsed into a list, then one ``RunStore.add``), run from a
  copy of that commit's tree (``git archive``) on ``--baseline-rows`` rows (default
  the same), in the same session;
- ``re-import``: the same file again into the filled store: every row is checked
  against the store (one indexed query per chunk) and skipped, nothing written;
- ``duplicates``: the same file once more with ``allow_duplicates`` (``runs import
  --allow-duplicates``): every row written again into the filled store, whose indexes
  are then updated row by row.

Times: wall and CPU (user + system) seconds of each child; CPU seconds grow less with
the load of a shared machine, so the load average is printed too.

Usage: python bench/bench_import.py [--rows 1000000] [--baseline-rows N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from bayeslaw.runs.store import RunStore
path, store, how = sys.argv[1:4]
t0 = time.perf_counter()
with RunStore(store) as s:
    if how == "baseline":
        from bayeslaw.runs.io import import_file
        written, rejected = import_file(s, path)
        skipped = 0
    else:
        from bayeslaw.runs.io import import_runs
        out = import_runs(s, path, allow_duplicates=how == "duplicates")
        written, skipped = out.written, out.skipped
    count = s.count()
usage = resource.getrusage(resource.RUSAGE_SELF)
hwm = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]  # kB, Linux
print(json.dumps({"seconds": time.perf_counter() - t0, "written": written,
                  "skipped": skipped, "count": count, "code": sys.modules["bayeslaw"].__file__,
                  "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": max(usage.ru_maxrss, int(hwm)) / 1024}))
"""


def write_csv(path: Path, rows: int) -> None:
    """Rows on a grid of sizes, tokens and domains, each with its own loss."""
    with path.open("w") as f:
        f.write("N,D,D_prime,domain,loss\n")
        for i in range(rows):
            n, d, dp = 10**5 * (1 + i % 97), 10**6 * (1 + i % 89), 1000 * (i % 13)
            f.write(f"{n},{d},{dp},dom{i % 7},{2 + (i % 1000) / 1e4 + i / 1e9:.9f}\n")


ROOT = Path(__file__).resolve().parent.parent


def measure(path: Path, store: Path, how: str, tree: Path = ROOT) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    # cwd=tree: `python -c` puts the working directory first on sys.path
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(store), how],
                         capture_output=True, text=True, env=env, cwd=tree, check=True)
    result = json.loads(out.stdout)
    assert Path(result["code"]).is_relative_to(tree), result["code"]  # the code we meant
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, help="rows for the baseline path")
    ap.add_argument("--baseline", default="d6076dc", help="commit of the baseline path")
    args = ap.parse_args()
    base_rows = args.baseline_rows or args.rows
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big, small = tmp / "runs.csv", tmp / "base.csv"
        t0 = time.perf_counter()
        write_csv(big, args.rows)
        print(f"wrote {args.rows:,} rows ({big.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t0:.1f} s")
        if base_rows != args.rows:
            write_csv(small, base_rows)
        else:
            small = big
        old = tmp / "old"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        rows = [("streamed", args.rows, measure(big, tmp / "a.db", "streamed")),
                ("re-import", args.rows, measure(big, tmp / "a.db", "streamed")),
                ("duplicates", args.rows, measure(big, tmp / "a.db", "duplicates")),
                ("baseline", base_rows, measure(small, tmp / "b.db", "baseline", old))]
    # cpu s: the process's user + system time, which a loaded machine inflates less
    print(f"{'path':<10} {'rows':>10} {'wall s':>7} {'cpu s':>6} {'rows/s':>9} {'peak MB':>8} "
          f"{'written':>9} {'skipped':>9}")
    for name, n, r in rows:
        print(f"{name:<10} {n:>10,} {r['seconds']:>7.1f} {r['cpu_s']:>6.1f} "
              f"{n / r['seconds']:>9,.0f} {r['peak_rss_mb']:>8.0f} {r['written']:>9,} "
              f"{r['skipped']:>9,}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
