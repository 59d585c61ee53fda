"""``bayeslaw runs``: import, list and export runs."""

from __future__ import annotations

import argparse
import sys

from bayeslaw.cli.common import (
    add_force,
    add_json,
    add_store,
    arg,
    check_output,
    emit_json,
    log,
    open_store,
)
from bayeslaw.errors import BayeslawError


def _map_item(text: str, name: str):
    """``--map FIELD=COLUMN`` (:func:`bayeslaw.runs.mapping.parse_item`), imported only
    when the flag is given: the run package opens SQLite, which no other command needs."""
    from bayeslaw.runs.mapping import parse_item

    return parse_item(text, name)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="import, list and export runs",
                       description="Import, list and export runs in the run store.")
    runs_sub = p.add_subparsers(dest="runs_command", metavar="ACTION", required=True)

    imp = runs_sub.add_parser(
        "import", help="import runs from a CSV, JSONL or parquet file",
        description="Import runs from a CSV, JSONL or parquet file (columns params, "
        "pretrain_tokens, specialize_tokens, domain, loss; aliases N, D, D_prime/Dprime; other "
        "names through --map). Strict: one invalid row imports nothing and exits 2, unless "
        "--skip-invalid. Recipes for W&B and MLflow exports: docs/recipes.md.",
    )
    imp.add_argument("file", nargs="?", help="the file (omit with --epoch)")
    imp.add_argument("--map", action="append", type=arg(_map_item), metavar="FIELD=COLUMN",
                     dest="column_map", help="read the run field FIELD (params, loss, domain, "
                     "...) from the file's column COLUMN, e.g. loss=eval/loss (repeatable; "
                     "nested JSON keys as a.b)")
    imp.add_argument("--epoch", action="store_true",
                     help="import the bundled Hoffmann et al. 2022 runs as re-extracted by "
                     "Epoch AI (240 plain pretraining runs, D' = 0, domain chinchilla)")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="import the valid rows and list the rejected ones")
    imp.add_argument("--allow-duplicates", action="store_true",
                     help="also import records of a measurement the store already holds "
                     "(same N, D, D', domain, seed, loss and source); skipped by default")
    add_store(imp)
    add_json(imp)
    imp.set_defaults(func=cmd_import)

    ls = runs_sub.add_parser("list", help="list runs", description="List the runs in the store.")
    ls.add_argument("--domain", action="append", help="only this domain (repeatable)")
    ls.add_argument("--all", action="store_true", help="include failed runs")
    add_store(ls)
    add_json(ls)
    ls.set_defaults(func=cmd_list)

    ex = runs_sub.add_parser("export", help="export runs to CSV, JSONL or parquet",
                             description="Export runs; the format follows the extension "
                             "(.csv, .jsonl or .parquet). The file imports back unchanged.")
    ex.add_argument("file")
    ex.add_argument("--domain", action="append", help="only this domain (repeatable)")
    add_force(ex, "an existing file that is not text")
    add_store(ex)
    add_json(ex)
    ex.set_defaults(func=cmd_export)

    rm = runs_sub.add_parser("delete", help="delete runs by id",
                             description="Delete runs from the store by id (all or none: an "
                             "unknown id deletes nothing). Refit afterwards.")
    rm.add_argument("run_ids", nargs="+", metavar="RUN_ID")
    add_store(rm)
    add_json(rm)
    rm.set_defaults(func=cmd_delete)


def cmd_import(args: argparse.Namespace) -> int:
    from bayeslaw.runs.frames import import_table
    from bayeslaw.runs.io import import_records
    from bayeslaw.runs.mapping import ColumnMap
    from bayeslaw.runs.store import resolve_path

    if (args.file is None) == (not args.epoch):
        raise BayeslawError("give a run file or --epoch (the bundled Chinchilla runs), "
                            "one of them")
    if args.epoch and args.column_map:
        raise BayeslawError("--map applies to a run file, not to --epoch")
    columns = ColumnMap.of(args.column_map)  # a field mapped twice: refused before any I/O
    if args.epoch:
        from bayeslaw.data import epoch_chinchilla

        args.file = "bundled Epoch Chinchilla data"
    path = resolve_path(args.store)
    created = not path.exists()
    ok = False
    try:
        with open_store(args) as store:
            kw = {"skip_invalid": args.skip_invalid, "allow_duplicates": args.allow_duplicates}
            out = (import_records(store, enumerate(epoch_chinchilla(), start=1), **kw)
                   if args.epoch else import_table(store, args.file, columns, **kw))
        ok = not (out.rejected and not args.skip_invalid)
    finally:
        if created and not ok:
            _remove_new_store(path)
    for r in out.rejected:
        log(f"{args.file}:{r.line}: {r.reason}")
    if not ok:
        log(f"{len(out.rejected)} invalid row(s); nothing imported "
            "(fix them, or pass --skip-invalid to import the valid rows)")
    else:
        log(f"imported {out.written} new run(s) into {path}"
            + (f", skipped {out.skipped} already in the store" if out.skipped else "")
            + (f"; skipped {len(out.rejected)} invalid row(s)" if out.rejected else ""))
    if args.json:
        emit_json({"imported": out.written, "skipped_duplicates": out.skipped,
                   "store": str(path),
                   "rejected": [{"line": r.line, "reason": r.reason} for r in out.rejected]})
    return 0 if ok else 2


def _remove_new_store(path) -> None:
    """Remove a store this command created but did not fill: a failed import leaves no
    new file behind. Only if it is still empty, in case another writer got there."""
    from bayeslaw.runs.store import RunStore

    try:
        with RunStore(path, create=False) as store:
            empty = store.count() == 0 and not store.checkpoints()
    except Exception:  # not ours to judge: leave it
        return
    if empty:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def _table(runs) -> str:
    head = f"{'run_id':<19} {'domain':<12} {'N':>12} {'D':>14}             D' {'loss':>8}"
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
    from bayeslaw.runs.frames import is_parquet, write_table

    check_output(args.file, ("parquet",) if is_parquet(args.file) else ("text",), args,
                 what="export file")
    with open_store(args, must_exist=True) as store:
        runs = store.runs(domains=args.domain, status=None)
    write_table(args.file, runs)
    log(f"exported {len(runs)} run(s) to {args.file}")
    if args.json:
        emit_json({"exported": len(runs), "file": args.file})
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_store(args, must_exist=True) as store:
        missing = store.delete(args.run_ids)
    if missing:
        raise BayeslawError(f"no run {', '.join(missing)} in {store.path}; nothing deleted "
                            "(see bayeslaw runs list --all)")
    log(f"deleted {len(args.run_ids)} run(s) from {store.path}")
    if args.json:
        emit_json({"deleted": list(args.run_ids), "store": str(store.path)})
    return 0
