"""The first study's steps (studies/split-validation), reused: its folder loaded as the
package :func:`bayeslaw.flow.steps.load_steps` makes of it, so that its fit step, its
helpers (completed runs of a store, a saved posterior, thinning) and its seed design are
this study's too, not copies."""

from __future__ import annotations

import importlib
from pathlib import Path

from bayeslaw.flow.steps import load_steps

FIRST = Path(__file__).resolve().parents[1] / "split-validation" / "steps.py"
PACKAGE = "bayeslaw_study_split_validation"

load_steps(FIRST)
analysis = importlib.import_module(f"{PACKAGE}.analysis")
active = importlib.import_module(f"{PACKAGE}.active")
