"""The split-validation study, end to end: train -> fit -> extrapolate -> decide -> train
the arms -> compare -> active design check -> records and report.

    python studies/split-validation/run.py studies/split-validation/study.toml
    python studies/split-validation/run.py studies/split-validation/tiny.toml --out /tmp/sv

Every training step writes to its own run store under ``[study] out`` and resumes when
re-run (the trainer skips recorded points and reloads checkpoints), so an interrupted
study is finished by issuing the same command again. ``--steps`` runs a subset in order.
The tracked outputs (CSV exports of every store, ``results.json``, ``results.md`` and
``report.html``) go to ``[study] records`` next to the config.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import active  # noqa: E402  (the study's steps, next to this file)
import analysis  # noqa: E402
import steps  # noqa: E402
import writeup  # noqa: E402

STEPS = {"sweep": steps.sweep, "holdout": steps.holdout, "fit": analysis.fit,
         "decision": analysis.decision, "active": active.active, "report": writeup.report}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="study TOML (study.toml, tiny.toml or gpu.toml)")
    ap.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    ap.add_argument("--out", help="override [study] out (stores and checkpoints)")
    ap.add_argument("--records", help="override [study] records (tracked outputs)")
    ap.add_argument("--device", default="auto", help="trainer device (auto: CUDA if visible)")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    path = Path(args.config).resolve()
    cfg = tomllib.loads(path.read_text())
    meta = cfg["study"]
    ctx = steps.Context(
        cfg=cfg, out=Path(args.out or path.parent / meta.get("out", "out")).resolve(),
        records=Path(args.records or path.parent / meta.get("records", "records")).resolve(),
        device=args.device, progress=not args.no_progress)
    ctx.out.mkdir(parents=True, exist_ok=True)
    ctx.records.mkdir(parents=True, exist_ok=True)
    for name in STEPS:
        if name in args.steps:
            t0 = time.perf_counter()
            steps.log(f"== {name}")
            STEPS[name](ctx)
            steps.log(f"== {name} done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
