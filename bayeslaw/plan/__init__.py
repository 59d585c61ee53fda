"""The allocation planner: the compute-optimal split (N, D, D') for a budget, from a
posterior, with uncertainty bands. See docs/planner.md."""

from bayeslaw.plan.constraints import Constraints
from bayeslaw.plan.search import PerDrawOptimum, optimal_per_draw

__all__ = ["Constraints", "PerDrawOptimum", "optimal_per_draw"]
