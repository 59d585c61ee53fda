"""Validation of a planned split against the standard recipes, trained for real.

- :mod:`~bayeslaw.validate.arms`: the five arms of a decision check at one budget
  (the planned split and four standard recipes) as trainer run specs.
- :mod:`~bayeslaw.validate.stats`: paired comparison of arms over seeds.
- :mod:`~bayeslaw.validate.design`: a uniform grid of given cost (the baseline design).
- :mod:`~bayeslaw.validate.extrapolation`: predictions of held-out runs against
  what they measured, per law.
- :mod:`~bayeslaw.validate.curve`: the measured share curve (smoothing spline, its
  optimum with a bootstrap over seeds) and a plan's realized regret against it.

Used by ``studies/split-validation`` and ``studies/split-validation-2``; pure functions of
their inputs.
"""

from bayeslaw.validate.arms import ARMS, Arm, arm_point, make_arms
from bayeslaw.validate.curve import realized_regret, share_curve
from bayeslaw.validate.design import uniform_grid
from bayeslaw.validate.extrapolation import extrapolation_rows, summarize_extrapolation
from bayeslaw.validate.stats import paired_comparison

__all__ = ["ARMS", "Arm", "arm_point", "extrapolation_rows", "make_arms", "paired_comparison",
           "realized_regret", "share_curve", "uniform_grid",
           "summarize_extrapolation"]
