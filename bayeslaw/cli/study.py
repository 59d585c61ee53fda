"""``bayeslaw study run FILE.toml``: run a study's grid of training runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from bayeslaw.cli.common import add_json, emit_json, log
from bayeslaw.cli.gate import add_allow_unconverged, gate
from bayeslaw.cli.train import add_execution
from bayeslaw.errors import BayeslawError


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
    run.add_argument("--steps", nargs="+", metavar="STEP",
                     help="a study with steps of its own ([study] steps): run only these, in "
                     "the study's order (default: all)")
    run.add_argument("--out", help="such a study: override [study] out (stores, checkpoints)")
    run.add_argument("--records", help="such a study: override [study] records (tracked "
                     "outputs)")
    add_execution(run)
    add_allow_unconverged(run)
    add_json(run)
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    import dataclasses

    from bayeslaw.cli.train import options, run_specs_or_say
    from bayeslaw.flow.study import STEPS, check_tables, load, run_study

    study = load(args.file)
    if study.steps is not None:
        return _run_steps(study, args)
    if args.steps or args.records:
        raise BayeslawError(f"study {args.file} has no steps of its own ([study] steps); "
                            "--steps and --records are for such studies")
    command = _command(args)
    args.store = args.store or str(study.store)
    check_tables(study)
    out = _check_outputs(study, args)
    if args.executor == "inprocess" and study.executor != "inprocess":
        args.executor = study.executor
    kw = {k: v for k, v in study.executor_kw.items() if v is not None}
    kw.update({k: v for k, v in (("workers", args.workers), ("cluster", args.cluster),
                                 ("folder", args.submitit_folder)) if v is not None})
    for table in study.tables:
        if table not in ("study", *STEPS):
            log(f"study {args.file}: table [{table}] is not a known step; ignored")
    opts = dataclasses.replace(options(args))
    with gate(args):
        summary = run_study(
            study, args.store, out, say=log, provenance={"command": command},
            allow_unconverged=args.allow_unconverged,
            train=lambda: run_specs_or_say(study.specs, study.settings, opts, args.executor,
                                           **kw))
    if args.json:
        emit_json(summary)
    return 0


def _run_steps(study, args: argparse.Namespace) -> int:
    """A study of its own steps (:mod:`bayeslaw.flow.steps`)."""
    from bayeslaw.flow.steps import Context, load_steps, run_steps

    meta = study.tables["study"]
    here = study.path.resolve().parent
    ctx = Context(cfg=study.tables,
                  out=Path(args.out or here / meta.get("out", "out")).resolve(),
                  records=Path(args.records or here / meta.get("records", "records")).resolve(),
                  device=args.device, progress=not args.no_progress)
    walls = run_steps(load_steps(study.steps), ctx, args.steps)
    if args.json:
        emit_json({"study": study.name, "steps": walls, "records": str(ctx.records)})
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command line that reruns this study (the report's provenance shows it)."""
    import shlex

    flags = [args.file] + (["--store", args.store] if args.store else [])
    if getattr(args, "allow_unconverged", False):
        flags.append("--allow-unconverged")
    return "bayeslaw study run " + shlex.join(flags)


def _check_outputs(study, args: argparse.Namespace):
    """Say where the study will write (its TOML may name folders outside its own, with
    ``..`` or absolute paths: allowed, but said), and check before any work that no
    file there is of another kind than the one the study would write."""
    from bayeslaw.checks import KIND_NAMES, file_kind
    from bayeslaw.cli.common import POSTERIOR_KINDS, check_output
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
