"""``bayeslaw domains``: the text domains the trainer can use."""

from __future__ import annotations

import argparse
import sys

from bayeslaw.cli.common import add_json, emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("domains", help="list the trainer's text domains",
                       description="List the bundled text domains (and any --domain-dir ones): "
                       "name, training and validation tokens (bytes), source.")
    p.add_argument("--domain-dir", action="append", metavar="NAME=DIR",
                   help="also list a directory of your own text as domain NAME")
    add_json(p)
    p.set_defaults(func=cmd_domains)


def cmd_domains(args: argparse.Namespace) -> int:
    from trainer import domains as dom

    user = dom.parse_user(args.domain_dir)
    rows = []
    for name in dom.names(user):
        d = dom.load(name, user)
        rows.append({"name": name, "train_tokens": int(len(d.train)),
                     "val_tokens": int(len(d.val)), "source": d.source})
    if args.json:
        emit_json(rows)
    else:
        sys.stdout.write(f"{'name':<10} {'train tokens':>13} {'val tokens':>11}  source\n")
        for r in rows:
            sys.stdout.write(f"{r['name']:<10} {r['train_tokens']:>13,} {r['val_tokens']:>11,}  "
                             f"{r['source']}\n")
    return 0
