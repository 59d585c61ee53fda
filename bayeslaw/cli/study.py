"""``bayeslaw study run FILE.toml``: run a study's grid of training runs."""

from __future__ import annotations

import argparse
import time

from bayeslaw.cli.common import add_json, emit_json, log
from bayeslaw.cli.gate import add_allow_unconverged, gate
from bayeslaw.cli.train import add_execution


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="run a study described by a TOML file",
                       description="Studies are TOML files (see docs/trainer.md): a [study] "
                       "table (name, question, store) and a [train] grid of runs.")
    ssub = p.add_subparsers(dest="study_command", metavar="ACTION", required=True)
    run = ssub.add_parser("run", help="run the study's [train] grid (resumes if re-run)",
                          description="Run every spec of the [train] grid; records go to the "
                          "study's store. Re-running finishes only what is missing.")
    run.add_argument("file")
    run.add_argument("--store", help="override the study's store")
    add_execution(run)
    add_allow_unconverged(run)
    add_json(run)
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    import dataclasses

    from bayeslaw.cli.train import options
    from trainer.executors import run_specs
    from trainer.study import STEPS, load

    study = load(args.file)
    args.store = args.store or str(study.store)
    if args.executor == "inprocess" and study.executor != "inprocess":
        args.executor = study.executor
    kw = {k: v for k, v in study.executor_kw.items() if v is not None}
    kw.update({k: v for k, v in (("workers", args.workers), ("cluster", args.cluster),
                                 ("folder", args.submitit_folder)) if v is not None})
    for table in study.tables:
        if table not in ("study", *STEPS):
            log(f"study {args.file}: table [{table}] is not a known step; ignored")
    imported = _import(study, args.store)
    log(f"study {study.name}: {len(study.specs)} spec(s) -> {args.store}")
    t0 = time.perf_counter()
    runs = run_specs(study.specs, study.settings, dataclasses.replace(options(args)),
                     args.executor, **kw)
    wall = time.perf_counter() - t0
    failed = sum(r.status != "completed" for r in runs)
    log(f"study {study.name}: {len(runs)} record(s), {failed} failed, {wall:.0f} s")
    summary = {"study": study.name, "store": args.store, "imported": imported,
               "records": len(runs), "failed": failed, "train_wall_s": wall}
    if "fit" in study.tables:
        from pathlib import Path

        from bayeslaw.pipeline import run_analysis

        out = study.path.parent / study.tables["study"].get("out", "out")
        with gate(args):
            summary["analysis"] = run_analysis(study.tables, Path(args.store), out, say=log,
                                               allow_unconverged=args.allow_unconverged)
        log(f"study {study.name}: report at {summary['analysis']['report']}")
    summary["wall_s"] = time.perf_counter() - t0
    if args.json:
        emit_json(summary)
    return 0


def _import(study, store_path: str) -> int:
    """Import the study's ``[import] files``; runs already in the store are kept, so a
    re-run imports nothing new. An invalid record stops the study (as `runs import`)."""
    from bayeslaw.errors import BayeslawError
    from bayeslaw.runs.io import read_runs
    from bayeslaw.runs.store import RunStore

    n = 0
    with RunStore(store_path) as store:
        for name in study.tables.get("import", {}).get("files", []):
            parsed = read_runs(study.path.parent / name)
            if parsed.rejected:
                bad = parsed.rejected[0]
                raise BayeslawError(f"study {study.name}: {name}:{bad.line}: {bad.reason} "
                                    f"({len(parsed.rejected)} invalid record(s))")
            have = store.existing_ids(r.run_id for r in parsed.runs)
            new = [r for r in parsed.runs if r.run_id not in have]
            n += store.add(new) if new else 0
            log(f"study {study.name}: imported {len(new)} run(s) from {name}")
    return n
