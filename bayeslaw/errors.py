"""User-facing errors.

Every error a user can cause (bad input file, wrong posterior file, an infeasible
budget) is a :class:`BayeslawError`. The CLI prints its message on one line and
exits with code 2; anything else is a bug and exits with code 1.
"""

from __future__ import annotations


class BayeslawError(Exception):
    """An error caused by the user's input; the message says what to do."""

    exit_code = 2


class PosteriorFileError(BayeslawError):
    """A path that is not a bayeslaw posterior file (missing, not netCDF, another file)."""


class InvalidRunError(BayeslawError, ValueError):
    """A run record failed validation; ``reasons`` lists every problem found."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))
