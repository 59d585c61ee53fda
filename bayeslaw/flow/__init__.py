"""The workflows: the drivers that join the parts and do their side effects.

Every other package computes (laws, fit, plan, suggest) or renders (report) or
produces runs (trainer, simulator); the flow runs them in order and writes files:

- :mod:`~bayeslaw.flow.study`: study TOML files and ``bayeslaw study run`` (import ->
  train -> analysis, or a study's own steps, :mod:`~bayeslaw.flow.steps`);
- :mod:`~bayeslaw.flow.analysis`: fit -> compare -> plan -> suggest -> report of a store;
- :mod:`~bayeslaw.flow.gather` and :mod:`~bayeslaw.flow.report`: a report's inputs from
  a posterior (the planner's, the suggester's and the comparison's results), then the
  report (:func:`make_report`);
- :mod:`~bayeslaw.flow.loop` and :mod:`~bayeslaw.flow.executors`: the closed loop fit ->
  suggest -> execute -> refit, executing by the trainer's Python API or the simulator
  (:mod:`~bayeslaw.flow.simulate`).

Imports point down: ``flow`` may import every package but the CLI; only the CLI (and the
studies) import ``flow``. Names load lazily, so ``import bayeslaw.flow`` is cheap.
"""

from __future__ import annotations

from bayeslaw._lazy import lazy

_EXPORTS = {
    "make_report": "bayeslaw.flow.report",
    "report_inputs": "bayeslaw.flow.gather",
    "run_analysis": "bayeslaw.flow.analysis",
    "run_loop": "bayeslaw.flow.loop",
    "LoopConfig": "bayeslaw.flow.loop",
    "simulator_executor": "bayeslaw.flow.executors",
    "trainer_executor": "bayeslaw.flow.executors",
    "Truth": "bayeslaw.flow.simulate",  # simulate(): bayeslaw.flow.simulate.simulate
    "load_study": "bayeslaw.flow.study:load",
}
__getattr__, __dir__ = lazy(__name__, _EXPORTS)
