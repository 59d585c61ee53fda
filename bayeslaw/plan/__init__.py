"""The allocation planner: the compute-optimal split (N, D, D') for a budget, from a
posterior, with uncertainty bands. See docs/planner.md.

- :func:`plan`: the Bayes decision, intervals, expected regret and baselines.
- :func:`optimal_per_draw`: each draw's own optimum.
- :func:`decision_losses`: the loss of candidate decisions under every draw.
- :func:`frontier`: optima across budgets.
"""

from bayeslaw.plan.constraints import Constraints
from bayeslaw.plan.decision import Decision, decision_losses
from bayeslaw.plan.frontier import Frontier, frontier
from bayeslaw.plan.planner import Plan, plan
from bayeslaw.plan.search import PerDrawOptimum, optimal_per_draw

__all__ = ["Constraints", "Decision", "Frontier", "PerDrawOptimum", "Plan", "decision_losses",
           "frontier", "optimal_per_draw", "plan"]
