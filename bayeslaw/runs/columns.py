"""Column-wise validation of a chunk of plain CSV rows: the fast path of a large import.

:func:`~bayeslaw.runs.record.validate` checks one record at a time, some tens of
microseconds of Python a row. Most rows of a large file are plain: only the required
columns, every value an ordinary number. :func:`store_rows` checks a whole chunk of
such rows at once, one column at a time with numpy, and returns the store's rows
(:func:`~bayeslaw.runs.store.run_to_row`), or ``None`` as soon as any value of the
chunk is one it does not vouch for, so that the caller validates that chunk row by
row and every message stays the per-row one.

It accepts a subset of what the per-row path accepts and stores the same values:

- numbers are read by the same ``float`` as :func:`~bayeslaw.checks.parse_number`
  (leading and trailing spaces, exponents), and a chunk with a ``_`` in a numeric
  column, a blank, a non-number, NaN or an infinity goes row by row;
- counts are rounded half to even (``np.rint``, as Python's ``round``) and must be
  ``>= 1`` (N) or ``>= 0`` (D, D') after rounding, not both D and D' zero, and at
  most 2**53 (beyond, float64 and int64 part ways; those go row by row, where
  :func:`~bayeslaw.checks.count` has the last word);
- losses must be > 0; domains are stripped and must not be blank;
- every row must have as many fields as the header (short, long and empty rows go
  row by row);
- only files whose columns are among :data:`~bayeslaw.runs.record.REQUIRED` (or
  plain pretraining data, see :mod:`bayeslaw.runs.io`) take this path; any optional
  column (run_id, seed, status, config...) means row by row.

The defaults of the other fields (status, source, created_at, ...) come from a
:class:`~bayeslaw.runs.record.Run` made for the chunk, so the two paths cannot
disagree on them; ids are drawn in one go (:func:`~bayeslaw.runs.ids.new_ids`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from bayeslaw.compute import run_flops
from bayeslaw.runs.ids import new_ids
from bayeslaw.runs.record import REQUIRED, Run
from bayeslaw.runs.store import COLUMNS, run_to_row

EXACT = 2.0**53  # float64 holds every integer up to here
COUNTS = (("params", 1), ("pretrain_tokens", 0), ("specialize_tokens", 0))


def plain_header(fieldnames: Sequence[str]) -> bool:
    """Whether a file with these (canonical) columns can take the fast path."""
    return set(fieldnames) <= set(REQUIRED) and len(set(fieldnames)) == len(fieldnames)


def _floats(column: Sequence[str]) -> np.ndarray | None:
    """The finite floats of a column of strings, or ``None`` if any is not one."""
    if "_" in "".join(column):  # float() reads 5_0000; parse_number does not
        return None
    try:
        x = np.fromiter(map(float, column), dtype=np.float64, count=len(column))
    except ValueError:  # a blank or a word
        return None
    return x if np.isfinite(x).all() else None


def _count(column: Sequence[str], minimum: int) -> np.ndarray | None:
    x = _floats(column)
    if x is None:
        return None
    n = np.rint(x)
    if not ((n >= minimum) & (np.abs(x) <= EXACT)).all():
        return None
    return n.astype(np.int64)


def store_rows(fieldnames: Sequence[str], rows: Sequence[Sequence[str]],
               defaults: Mapping[str, Any]) -> list[tuple] | None:
    """The store's rows for a chunk of CSV rows, or ``None`` when the chunk must be
    validated row by row (see the module docstring).

    Parameters
    ----------
    fieldnames : canonical column names of the header (:func:`plain_header` true)
    rows : the CSV rows, each a list of strings in header order
    defaults : values of required columns the file lacks (plain pretraining data)
    """
    width = len(fieldnames)
    if set(map(len, rows)) != {width}:  # also no rows at all
        return None
    given = dict(zip(fieldnames, zip(*rows, strict=True), strict=True))
    counts = {}
    for name, minimum in COUNTS:
        if name in given:
            counts[name] = _count(given[name], minimum)
            if counts[name] is None:
                return None
        else:
            counts[name] = np.full(len(rows), int(defaults[name]), dtype=np.int64)
    N, D, Dp = counts["params"], counts["pretrain_tokens"], counts["specialize_tokens"]
    if ((D == 0) & (Dp == 0)).any():
        return None
    loss = _floats(given["loss"])
    if loss is None or not (loss > 0).all():
        return None
    domains = (list(map(str.strip, given["domain"])) if "domain" in given
               else [defaults["domain"]] * len(rows))
    if not all(domains):
        return None
    # the Run's own defaults for every field a plain file does not give
    cols = {name: repeat(v) for name, v in zip(COLUMNS, run_to_row(Run(1, 1, 0, "-", 1.0)),
                                               strict=True)}
    cols.update(run_id=new_ids(len(rows)), params=N.tolist(), pretrain_tokens=D.tolist(),
                specialize_tokens=Dp.tolist(), domain=domains, loss=loss.tolist(),
                flops=run_flops(N, D, Dp).tolist())
    return list(zip(*(cols[name] for name in COLUMNS), strict=False))  # repeat()s are endless
