"""The convergence gate of the commands that use a posterior (plan, suggest, predict,
report, study): an unconverged posterior is refused (exit 2, one line naming the
failing symbols and the remedy) unless ``--allow-unconverged``; then stderr warns and
the JSON output carries ``"diagnostics": {"ok": false, "failing": {...}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import warnings
from collections.abc import Iterator

from bayeslaw.cli.common import log
from bayeslaw.errors import BayeslawError

REMEDY = ("refit with more warmup and draws (bayeslaw fit --warmup 1000 --samples 1000), "
          "or pass --allow-unconverged to use it anyway")


def add_allow_unconverged(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-unconverged", action="store_true",
                        help="use a posterior that fails its convergence checks (R-hat, ESS, "
                        "divergences); the output then says so")


@contextlib.contextmanager
def gate(args: argparse.Namespace) -> Iterator[None]:
    """Words the core's :class:`UnconvergedError` with the CLI's remedy, and turns its
    :class:`UnconvergedWarning` (under ``--allow-unconverged``) into one stderr line."""
    from bayeslaw.fit.diagnostics import UnconvergedError, UnconvergedWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnconvergedWarning)
        try:
            yield
        except UnconvergedError as e:
            raise BayeslawError(f"{e}; {REMEDY}") from None
    seen = set()
    for w in caught:
        if issubclass(w.category, UnconvergedWarning) and str(w.message) not in seen:
            seen.add(str(w.message))
            log(f"warning: {w.message}")
        elif not issubclass(w.category, UnconvergedWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def checked_draws(posterior, args: argparse.Namespace):
    """The posterior's draws through the gate (see the module docstring); an object with
    draws but no checks (a stand-in, an older reader) passes as it is."""
    checked = getattr(posterior, "checked_draws", None)
    if checked is None:
        return posterior.draws
    with gate(args):
        return checked(allow_unconverged=args.allow_unconverged)


def diagnostics_field(posterior) -> dict:
    """``{"diagnostics": {"ok", "failing", ...}}`` for a command's JSON document (``{}``
    for a posterior without chains)."""
    conv = getattr(posterior, "convergence", None)
    return {"diagnostics": conv.to_dict()} if conv is not None else {}
