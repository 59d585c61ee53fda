"""``bayeslaw laws``: the registered scaling laws and their equations."""

from __future__ import annotations

import argparse

from bayeslaw.cli.common import add_json, emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("laws", help="list the scaling laws",
                       description="List the registered scaling laws L(N, D, D') with their "
                       "equations and parameters (per-domain ones marked).")
    p.add_argument("--verbose", "-v", action="store_true", help="print each law's description")
    add_json(p)
    p.set_defaults(func=cmd_laws)


def cmd_laws(args: argparse.Namespace) -> int:
    from bayeslaw.laws import REGISTRY

    if args.json:
        emit_json({"laws": [{"name": law.name, "equation": law.equation,
                             "params": list(law.params),
                             "domain_params": list(law.domain_params),
                             "description": law.description.strip()}
                            for law in REGISTRY.values()]})
        return 0
    for law in REGISTRY.values():
        params = ", ".join(f"{p}*" if p in law.domain_params else p for p in law.params)
        print(f"{law.name:<20} {law.equation}\n{'':<20} parameters: {params}  (* per domain)")
        if args.verbose:
            print(law.description)
    return 0
