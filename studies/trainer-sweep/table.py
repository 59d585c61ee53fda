"""Print the sweep's loss table (markdown) from its exported runs.csv.

    python studies/trainer-sweep/table.py studies/trainer-sweep/runs.csv
"""

import csv
import json
import sys
from collections import defaultdict


def main(path: str) -> None:
    rows = [r for r in csv.DictReader(open(path)) if r["status"] == "completed"]
    by = defaultdict(dict)  # (N, checkpoint D) -> {D': loss}
    for r in rows:
        cfg = json.loads(r["config"])
        s = cfg["settings"]
        d_ckpt = cfg["checkpoint_step"] * s["batch_size"] * s["block_size"]
        by[(int(r["params"]), cfg["checkpoint_step"], d_ckpt)][int(r["specialize_tokens"])] = (
            float(r["loss"]), float(json.loads(r["metrics"])["mixture_loss"]))
    dps = sorted({dp for v in by.values() for dp in v})
    print("| N | checkpoint D | " + " | ".join(
        "D'=0 (D+0.1D cooldown)" if dp == 0 else f"D'={dp:,}" for dp in dps) + " |")
    print("|---|---|" + "---|" * len(dps))
    for (n, _, d), v in sorted(by.items()):
        cells = [f"{v[dp][0]:.3f}" if dp in v else "" for dp in dps]
        print(f"| {n:,} | {d:,} | " + " | ".join(cells) + " |")
    print("\nGeneral-mixture validation loss (metrics.mixture_loss) of the same models:\n")
    print("| N | checkpoint D | " + " | ".join(f"D'={dp:,}" for dp in dps) + " |")
    print("|---|---|" + "---|" * len(dps))
    for (n, _, d), v in sorted(by.items()):
        print(f"| {n:,} | {d:,} | " + " | ".join(
            f"{v[dp][1]:.3f}" if dp in v else "" for dp in dps) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
