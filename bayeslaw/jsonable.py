"""JSON-safe values: what every JSON document bayeslaw writes goes through (the CLI's
``--json`` output, the study's results.json, plan.json and suggestions.json)."""

from __future__ import annotations

import math
from typing import Any


def plain(obj: Any) -> Any:
    """``obj`` with numpy scalars and arrays as Python numbers and lists, tuples as lists,
    keys as strings, and non-finite floats as None (JSON has no NaN or infinity)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if hasattr(obj, "tolist"):
        return plain(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
