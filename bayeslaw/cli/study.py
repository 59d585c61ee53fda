"""``bayeslaw study run FILE.toml``: run a study's grid of training runs."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

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

    from bayeslaw.cli.train import options, run_specs_or_say
    from trainer.study import STEPS, load

    study = load(args.file)
    command = _command(args)
    args.store = args.store or str(study.store)
    _check_tables(study)
    out = _check_outputs(study, args)
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
    runs = run_specs_or_say(study.specs, study.settings, dataclasses.replace(options(args)),
                            args.executor, **kw)
    wall = time.perf_counter() - t0
    failed = sum(r.status != "completed" for r in runs)
    log(f"study {study.name}: {len(runs)} record(s), {failed} failed, {wall:.0f} s")
    summary = {"study": study.name, "store": args.store, "imported": imported,
               "records": len(runs), "failed": failed, "train_wall_s": wall}
    if "fit" in study.tables:
        from bayeslaw.pipeline import run_analysis

        with gate(args):
            summary["analysis"] = run_analysis(study.tables, Path(args.store), out, say=log,
                                               provenance={"command": command},
                                               allow_unconverged=args.allow_unconverged)
        log(f"study {study.name}: report at {summary['analysis']['report']}")
    summary["wall_s"] = time.perf_counter() - t0
    if args.json:
        emit_json(summary)
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command line that reruns this study (the report's provenance shows it)."""
    import shlex

    flags = [args.file] + (["--store", args.store] if args.store else [])
    if getattr(args, "allow_unconverged", False):
        flags.append("--allow-unconverged")
    return "bayeslaw study run " + shlex.join(flags)


def _import(study, store_path: str) -> int:
    """Import the study's ``[import] files``; measurements already in the store are
    skipped, so a re-run imports nothing new. An invalid record stops the study (as
    `runs import`)."""
    from bayeslaw.errors import BayeslawError
    from bayeslaw.runs.io import import_runs
    from bayeslaw.runs.store import RunStore

    n = 0
    with RunStore(store_path) as store:
        for name in study.tables.get("import", {}).get("files", []):
            done = import_runs(store, study.path.parent / name)
            if done.rejected:
                bad = done.rejected[0]
                raise BayeslawError(f"study {study.name}: {name}:{bad.line}: {bad.reason} "
                                    f"({len(done.rejected)} invalid record(s))")
            n += done.written
            log(f"study {study.name}: imported {done.written} run(s) from {name}"
                + (f", skipped {done.skipped} already in the store" if done.skipped else ""))
    return n


# The analysis tables' numbers, checked before any training (bayeslaw.checks).
_TABLE_CHECKS = {
    "fit": {"chains": "integer", "warmup": "integer", "samples": "integer",
            "holdout": "fraction"},
    "plan": {"budget": "positive", "budget_factor": "positive", "domains": "integer",
             "new_domains": ("integer", 0)},  # (check, minimum)
    "suggest": {"n": "integer"},
}


# Every key the analysis tables take: a typo is an error, not a silently ignored setting.
_TABLE_KEYS = {"plan": {"budget", "budget_factor", "domains", "new_domains"}, "suggest": {"n"},
               "report": {"out"}}


def _check_tables(study) -> None:
    from bayeslaw import checks
    from bayeslaw.errors import BayeslawError
    from bayeslaw.pipeline import FIT_KEYS

    for table, known in {**_TABLE_KEYS, "fit": FIT_KEYS}.items():
        unknown = sorted(set(study.tables.get(table, {})) - known)
        if unknown:
            raise BayeslawError(f"study {study.path}: unknown [{table}] key(s) "
                                f"{', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for table, keys in _TABLE_CHECKS.items():
        for key, check in keys.items():
            value = study.tables.get(table, {}).get(key)
            if value is not None:
                name, *minimum = check if isinstance(check, tuple) else (check,)
                try:
                    getattr(checks, name)(value, f"[{table}] {key}", *minimum)
                except BayeslawError as e:
                    raise BayeslawError(f"study {study.path}: {e}") from None
    plan = study.tables.get("plan", {})
    if plan.get("new_domains") and plan.get("domains") and plan["new_domains"] >= plan["domains"]:
        raise BayeslawError(f"study {study.path}: [plan] new_domains = {plan['new_domains']} "
                            f"leaves no measured domain among domains = {plan['domains']} (k); "
                            "the new ones are drawn from the measured ones' population")


def _check_outputs(study, args: argparse.Namespace):
    """Say where the study will write (its TOML may name folders outside its own, with
    ``..`` or absolute paths: allowed, but said), and check before any work that no
    file there is of another kind than the one the study would write."""
    from bayeslaw.checks import KIND_NAMES, file_kind
    from bayeslaw.cli.common import POSTERIOR_KINDS, check_output
    from bayeslaw.errors import BayeslawError

    kind = file_kind(args.store)
    if kind not in (None, "empty", "sqlite"):
        raise BayeslawError(f"study store {args.store} is {KIND_NAMES[kind]}, not a run store")
    log(f"study {study.name}: run store {Path(args.store).resolve()}")
    if "fit" not in study.tables:
        return None
    out = study.path.parent / study.tables["study"].get("out", "out")
    if out.exists() and not out.is_dir():
        raise BayeslawError(f"study output folder {out} exists and is not a folder")
    report = out / study.tables.get("report", {}).get("out", "report.html")
    log(f"study {study.name}: analysis outputs in {out.resolve()}, report {report.resolve()}")
    files = {out / "posterior.nc": POSTERIOR_KINDS, out / "comparison.json": ("text",),
             out / "plan.json": ("text",), out / "suggestions.json": ("text",),
             report: ("text",)}
    for path, kinds in files.items():
        if path.parent.is_dir():  # folders the study will create hold nothing yet
            check_output(str(path), kinds, args, what="study output")
    return out
