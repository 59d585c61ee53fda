"""studies/split-validation/averaged.py: the README's fit / held-out split from the
records, and its table cells from known quantiles (the fits themselves run in the study)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parents[2] / "studies" / "split-validation" / "averaged.py"
spec = importlib.util.spec_from_file_location("sv_averaged", PATH)
averaged = importlib.util.module_from_spec(spec)
spec.loader.exec_module(averaged)


def test_the_split_is_the_readme_tables():
    fit, held = averaged.runs()
    assert len(fit) == 144 and {r.params for r in fit} == {12_384, 38_600}
    assert len(held) == 44
    assert sorted({r.params for r in held}) == list(averaged.HELD_SIZES)
    assert max(r.flops for r in fit) < min(r.flops for r in held) * 2.6


def test_cells_count_errors_and_coverage():
    fit, held = averaged.runs()
    loss = np.array([r.loss for r in held])
    q = {"q50": loss * 1.1, "q05": loss * 0.9, "q95": loss * 1.2}
    q["q95"][0] = loss[0] * 0.95  # the first run falls outside its interval
    cells = averaged.cells(q, held)
    assert [c["n"] for c in cells] == [36, 8]
    for c in cells:
        assert abs(c["mean_abs_rel_error"] - 0.1) < 1e-12 and abs(c["mean_rel_error"] - 0.1) < 1e-12
    first = next(c for c in cells if c["params"] == held[0].params)
    assert first["inside90"] == first["n"] - 1
    assert averaged.markdown("x", cells).startswith("| x | 10.0% / +10.0% / ")
