"""bayeslaw: Bayesian scaling laws for splitting compute between general pretraining
and per-domain specialization.

The flow: runs -> fit -> posterior -> plan / suggest -> report; suggestions ->
trainer -> runs. Heavy modules (jax, numpyro, arviz, torch) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it; resolved lazily so `import bayeslaw` is cheap
_EXPORTS = {
    "Run": "bayeslaw.runs",
    "RunStore": "bayeslaw.runs",
    "read_runs": "bayeslaw.runs",
    "write_runs": "bayeslaw.runs",
    "import_file": "bayeslaw.runs",
    "BayeslawError": "bayeslaw.errors",
    "split_flops": "bayeslaw.compute",
    "run_flops": "bayeslaw.compute",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bayeslaw' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
