"""``bayeslaw runs``: import, list and export runs."""

from __future__ import annotations

import argparse
import sys

from bayeslaw.cli.common import add_json, add_store, emit_json, log, open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="import, list and export runs",
                       description="Import, list and export runs in the run store.")
    runs_sub = p.add_subparsers(dest="runs_command", metavar="ACTION", required=True)

    imp = runs_sub.add_parser(
        "import", help="import runs from a CSV or JSONL file",
        description="Import runs from a CSV or JSONL file (columns params, pretrain_tokens, "
        "specialize_tokens, domain, loss; aliases N, D, D_prime/Dprime). Strict: one invalid "
        "row imports nothing and exits 2, unless --skip-invalid.",
    )
    imp.add_argument("file")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="import the valid rows and list the rejected ones")
    add_store(imp)
    add_json(imp)
    imp.set_defaults(func=cmd_import)

    ls = runs_sub.add_parser("list", help="list runs", description="List the runs in the store.")
    ls.add_argument("--domain", action="append", help="only this domain (repeatable)")
    ls.add_argument("--all", action="store_true", help="include failed runs")
    add_store(ls)
    add_json(ls)
    ls.set_defaults(func=cmd_list)

    ex = runs_sub.add_parser("export", help="export runs to CSV or JSONL",
                             description="Export runs; the format follows the extension "
                             "(.csv or .jsonl). The file imports back unchanged.")
    ex.add_argument("file")
    ex.add_argument("--domain", action="append", help="only this domain (repeatable)")
    add_store(ex)
    add_json(ex)
    ex.set_defaults(func=cmd_export)


def cmd_import(args: argparse.Namespace) -> int:
    from bayeslaw.runs.io import import_file

    with open_store(args) as store:
        n, rejected = import_file(store, args.file, skip_invalid=args.skip_invalid)
    for r in rejected:
        log(f"{args.file}:{r.line}: {r.reason}")
    strict_failure = bool(rejected) and not args.skip_invalid
    if strict_failure:
        log(f"{len(rejected)} invalid row(s); nothing imported "
            "(fix them, or pass --skip-invalid to import the valid rows)")
    else:
        log(f"imported {n} run(s) into {store.path}"
            + (f"; skipped {len(rejected)} invalid row(s)" if rejected else ""))
    if args.json:
        emit_json({"imported": n, "store": str(store.path),
                   "rejected": [{"line": r.line, "reason": r.reason} for r in rejected]})
    return 2 if strict_failure else 0


def _table(runs) -> str:
    head = f"{'run_id':<19} {'domain':<12} {'N':>12} {'D':>14} {'D_prime':>14} {'loss':>8}"
    rows = [head]
    for r in runs:
        loss = "failed" if r.loss is None else f"{r.loss:.4f}"
        rows.append(f"{r.run_id:<19} {r.domain:<12} {r.params:>12,} {r.pretrain_tokens:>14,} "
                    f"{r.specialize_tokens:>14,} {loss:>8}")
    return "\n".join(rows)


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args, must_exist=True) as store:
        runs = store.runs(domains=args.domain, status=None if args.all else "completed")
    if args.json:
        emit_json([r.to_dict() for r in runs])
    else:
        sys.stdout.write(_table(runs) + "\n")
        log(f"{len(runs)} run(s)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bayeslaw.runs.io import write_runs

    with open_store(args, must_exist=True) as store:
        runs = store.runs(domains=args.domain, status=None)
    write_runs(args.file, runs)
    log(f"exported {len(runs)} run(s) to {args.file}")
    if args.json:
        emit_json({"exported": len(runs), "file": args.file})
    return 0
