"""Write studies/quickstart/runs.csv: the quickstart's imported runs, a subset of the
split-validation study's committed records (studies/split-validation/README.md).

Kept: seed 0 of records/sweep.csv (N = 12,384, 38,600, 98,624; D = 0.5M, 1M, 2M;
D' = 0, 0.25M, 1M) and all of records/holdout.csv (N = 307,920 at D = 4M, D' = 0 and
1M), on three of its four specialized domains, python, foldoc and wordnet. The fourth,
bible, is left out: the quickstart plans for it as a domain not yet measured. Rows are
copied unchanged (the repository's own records), in file order.

Run from anywhere: ``python studies/quickstart/derive.py`` (stdlib only).
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE.parent / "split-validation" / "records"
SOURCES = ("sweep.csv", "holdout.csv")
DOMAINS = ("python", "foldoc", "wordnet")
SEEDS = ("0",)


def main() -> None:
    rows, header = [], None
    for name in SOURCES:
        with open(RECORDS / name, newline="") as f:
            reader = csv.DictReader(f)
            header = header or reader.fieldnames
            rows += [r for r in reader if r["domain"] in DOMAINS and r["seed"] in SEEDS]
    with open(HERE / "runs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} runs to {HERE / 'runs.csv'}")


if __name__ == "__main__":
    main()
