"""Entry point of the ``bayeslaw`` command.

Subcommands live in ``bayeslaw.cli.<name>`` modules, each with a ``register``
function that adds its parser. Parsers import nothing heavy: jax, numpyro, torch
and matplotlib are imported inside the handlers, so ``bayeslaw --help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from bayeslaw import __version__
from bayeslaw.errors import BayeslawError, PosteriorFileError

# Order is the order of the help text: the flow runs -> fit -> plan/suggest -> report.
COMMANDS = (
    "runs", "laws", "fit", "predict", "compare", "plan", "suggest", "loop", "report",
    "train", "domains", "study",
)


def _shows(default) -> bool:
    """A default worth printing: not None, not an off switch, not an empty list."""
    return not (default is None or default is False or default is argparse.SUPPRESS
                or default == [])


class DefaultsFormatter(argparse.HelpFormatter):
    """Help that states each option's default, unless its help already does."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help = action.help or ""
        if not action.option_strings or not _shows(action.default) or "default" in help:
            return help
        return f"{help} (default: %(default)s)".lstrip()


class Parser(argparse.ArgumentParser):
    """The parser of every (sub)command: defaults shown, also for options without help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        if not action.help and action.option_strings and _shows(action.default):
            action.help = "default: %(default)s"
        return action


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="bayeslaw",
        description="Bayesian scaling laws for splitting compute between general "
        "pretraining and per-domain specialization.",
    )
    parser.add_argument("--version", action="version", version=f"bayeslaw {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"bayeslaw.cli.{name}").register(sub)
    return parser


def remedy(e: BayeslawError) -> str:
    """The command line's words for what to do about a core error (which states the fact)."""
    if isinstance(e, PosteriorFileError):
        return "; write one with `bayeslaw fit --out FILE`"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = args.func(args)
    except BayeslawError as e:
        print(f"bayeslaw {args.command}: error: {e}{remedy(e)}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: say so, and how to get the details
        if os.environ.get("BAYESLAW_DEBUG"):
            traceback.print_exc()
        print(
            f"bayeslaw {args.command}: internal error: {type(e).__name__}: {e}\n"
            "(set BAYESLAW_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return 1
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
