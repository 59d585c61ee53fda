"""split-validation-2, end to end: corpus -> sweep -> fit (+ averaged posterior) -> plan ->
the measured share curve -> held-out runs -> active design check -> records and report.

    python studies/split-validation-2/run.py studies/split-validation-2/study.toml
    python studies/split-validation-2/run.py studies/split-validation-2/tiny.toml --out /tmp/sv2

The step runner, the context and the store exports are the first study's
(studies/split-validation/steps.py); every training step writes its own run store under
``[study] out`` and resumes when re-run, so an interrupted study is finished by issuing
the same command again. ``--steps`` runs a subset in order.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "split-validation")]

import steps  # noqa: E402  (the first study's runner: Context, log, export)

# step -> "module.function" of this folder, imported when the step runs
STEPS = {"corpus": "training.corpus", "sweep": "training.sweep", "fit": "fitting.fit",
         "calibrate": "fitting.calibrate", "decision": "curve.decision",
         "holdout": "training.holdout",
         "extrapolation": "fitting.extrapolation", "campaigns": "active2.campaigns",
         "active": "active2.active",
         "report": "writeup2.report"}


def _step(name: str):
    import importlib

    module, func = STEPS[name].rsplit(".", 1)
    return getattr(importlib.import_module(module), func)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="study TOML (study.toml, tiny.toml or gpu.toml)")
    ap.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    ap.add_argument("--out", help="override [study] out (stores, checkpoints, corpus)")
    ap.add_argument("--records", help="override [study] records (tracked outputs)")
    ap.add_argument("--device", default="auto", help="trainer device (auto: CUDA if visible)")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    path = Path(args.config).resolve()
    cfg = tomllib.loads(path.read_text())
    meta = cfg["study"]
    run(cfg, Path(args.out or path.parent / meta.get("out", "out")),
        Path(args.records or path.parent / meta.get("records", "records")), args.steps,
        device=args.device, progress=not args.no_progress)
    return 0


def run(cfg: dict, out: Path, records: Path, names=tuple(STEPS), *, device: str = "auto",
        progress: bool = False) -> steps.Context:
    """Run the steps ``names`` (in the study's order) of the study ``cfg`` (a parsed TOML)."""
    ctx = steps.Context(cfg=cfg, out=out.resolve(), records=records.resolve(), device=device,
                        progress=progress)
    ctx.out.mkdir(parents=True, exist_ok=True)
    ctx.records.mkdir(parents=True, exist_ok=True)
    for name in STEPS:
        if name in names:
            t0 = time.perf_counter()
            steps.log(f"== {name}")
            _step(name)(ctx)
            steps.log(f"== {name} done in {time.perf_counter() - t0:.0f} s")
    return ctx


if __name__ == "__main__":
    raise SystemExit(main())
