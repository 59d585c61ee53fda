"""bayeslaw: Bayesian scaling laws for splitting compute between general pretraining
and per-domain specialization.

The flow: runs -> fit -> posterior -> plan / suggest -> report; suggestions ->
trainer -> runs. Heavy modules (jax, numpyro, arviz, torch) load on first use.

The Python API mirrors the CLI::

    from bayeslaw import RunStore
    from bayeslaw.fit import fit           # bayeslaw fit
    from bayeslaw.plan import plan         # bayeslaw plan
    from bayeslaw.suggest import suggest   # bayeslaw suggest
    from bayeslaw.flow import make_report   # bayeslaw report (gathers, then renders)
    from bayeslaw.report import write_report
"""

from __future__ import annotations

from bayeslaw._lazy import lazy

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
    "Draws": "bayeslaw.draws",
    "get_law": "bayeslaw.laws:get",
    "Posterior": "bayeslaw.fit",
    "predict": "bayeslaw.fit",
    "compare": "bayeslaw.fit.comparison",
    "frontier": "bayeslaw.plan",
    "Constraints": "bayeslaw.plan",
    "Menu": "bayeslaw.suggest",
    "make_report": "bayeslaw.flow",
    "write_report": "bayeslaw.report",
}
# fit, plan, suggest and report are subpackages: their functions are imported from them
# (`from bayeslaw.fit import fit`), since an attribute of the same name on this package
# would be replaced by the submodule as soon as it is imported.
__getattr__, __dir__ = lazy(__name__, _EXPORTS)
