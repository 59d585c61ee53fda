"""Runs as a pandas DataFrame (the store's :meth:`~bayeslaw.runs.store.RunStore.to_pandas`
and the parquet writer of :mod:`bayeslaw.runs.frames`), on the record alone, so that the
store does not import the file readers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bayeslaw.runs.record import FIELDS, Run

_INTEGERS = {"params": "int64", "pretrain_tokens": "int64", "specialize_tokens": "int64",
             "seed": "Int64", "loss": "float64", "flops": "float64"}


def to_frame(runs: Sequence[Run]):
    """A ``pandas.DataFrame`` of ``runs``: one row each, columns :data:`FIELDS`.

    Counts are int64, ``seed`` nullable Int64, ``loss`` NaN for a failed run.
    """
    import pandas as pd

    rows = [{**r.to_dict(), "config": _json(r.config), "metrics": _json(r.metrics)}
            for r in runs]
    return pd.DataFrame(rows, columns=list(FIELDS)).astype(_INTEGERS)


def _json(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True) if obj else "{}"
