"""Conventions shared by every subcommand.

- ``--json`` prints exactly one JSON document on stdout; logs and progress bars go
  to stderr.
- Exit codes: 0 success, 2 bad input or usage (:class:`~bayeslaw.errors.BayeslawError`),
  1 internal failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from bayeslaw.checks import (
    POSTERIOR_KINDS,  # noqa: F401  (what `fit --out` may overwrite)
    count,
    fraction,
    integer,
    output,
    parse_number,
    positive,
)
from bayeslaw.errors import BayeslawError
from bayeslaw.jsonable import plain


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", metavar="DB",
        help="run store (SQLite file); default $BAYESLAW_STORE or ./bayeslaw.db",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def add_new_domains(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--new-domains", type=whole(0), default=0, metavar="N",
        help="also plan for N domains not measured yet, drawn from the fitted population of "
        "domains (needs a fit of >= 2 domains; default 0)")


@contextlib.contextmanager
def domain_remedy():
    """Append the flags that fix a domain request to a core error about it."""
    try:
        yield
    except BayeslawError as e:
        text = str(e)
        if "measured" in text or "population" in text or "none was named" in text:
            raise BayeslawError(
                f"{text}. --domain NAME (repeatable) picks the measured domains, --new-domains "
                "N adds N unmeasured ones, --domains K is their total") from None
        raise


@contextlib.contextmanager
def flag_remedy(remedies: dict[str, str]):
    """Append the flags that fix a core error: ``remedies`` maps words of the core's
    message (which states the fact) to the command line's remedy."""
    try:
        yield
    except BayeslawError as e:
        text = str(e)
        for words, fix in remedies.items():
            if words in text:
                raise BayeslawError(f"{text}; {fix}") from None
        raise


def emit_json(obj: Any) -> None:
    """Print ``obj`` as the command's single JSON document."""
    sys.stdout.write(json.dumps(plain(obj), indent=2, allow_nan=False) + "\n")


def log(message: str) -> None:
    """A human-readable line on stderr."""
    print(message, file=sys.stderr)


def open_store(args: argparse.Namespace, *, must_exist: bool = False):
    from bayeslaw.runs.store import RunStore, resolve_path

    path = resolve_path(getattr(args, "store", None))
    if must_exist and not path.exists():
        raise BayeslawError(
            f"no run store at {path}; import runs first (bayeslaw runs import FILE) "
            "or point --store / $BAYESLAW_STORE at an existing one"
        )
    return RunStore(path, create=not must_exist)


# -- argument checks: argparse types built on bayeslaw.checks (run at parse time, before
# any heavy import, so a bad value comes back at once with exit 2) ------------------------
def arg(check, *extra):
    """An argparse ``type`` from a :mod:`bayeslaw.checks` function."""
    def convert(text: str):
        try:
            return check(text, "value", *extra)
        except BayeslawError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix("value ")) from None

    convert.__name__ = check.__name__  # argparse names the type in its messages
    return convert


def _int_text(check):
    def parse(text, name, *extra):
        x = parse_number(text, name)
        try:
            return check(x, name, *extra)
        except BayeslawError as e:  # show what was typed, not the float it became
            raise BayeslawError(str(e).replace(f"(got {x!r})", f"(got {text!r})")) from None
    parse.__name__ = check.__name__
    return parse


def positive_float():
    return arg(positive)


def fraction_float():
    return arg(fraction)


def token_count(minimum: int = 0):
    return arg(count, minimum)


def whole(minimum: int = 1):
    return arg(_int_text(integer), minimum)


def add_force(parser: argparse.ArgumentParser, what: str = "an output file of another kind"
              ) -> None:
    parser.add_argument("--force", action="store_true", help=f"overwrite {what}")


def check_output(path: str, kinds: tuple[str, ...], args: argparse.Namespace,
                 what: str = "--out") -> str:
    """:func:`bayeslaw.checks.output` with the CLI's remedy."""
    try:
        output(path, kinds, force=getattr(args, "force", False), what=what)
    except BayeslawError as e:
        hint = " (create it first)" if "does not exist" in str(e) else \
            "" if str(e).endswith("directory") else " (pass --force to overwrite it anyway)"
        raise BayeslawError(f"{e}{hint}") from None
    return path
