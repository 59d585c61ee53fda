"""The allocations people use without a planner, at the same budget.

- ``no_specialization``: all compute to pretraining, D' = 0 (share 1).
- ``from_scratch``: a specialist per domain trained from scratch, D = 0 (share 0).
- ``fixed_10pct``: pretrain, then spend a fixed 10% of the tokens on specialization
  (share 0.9), the common heuristic.

Each keeps the user's model-size and token-cap constraints (a fixed pretraining D
is dropped: it fixes the share) and is itself a Bayes decision over N at its fixed
share, so the comparison is between splits, not between model sizes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError
from bayeslaw.plan.constraints import Constraints, search_space
from bayeslaw.plan.decision import Decision, bayes_decision, losses_at
from bayeslaw.plan.objective import DomainSet

SHARES = {"no_specialization": 1.0, "from_scratch": 0.0, "fixed_10pct": 0.9}


def baseline(draws: Draws, ds: DomainSet, budget: float, constraints: Constraints | None,
             share: float) -> tuple[Decision, np.ndarray] | None:
    """The Bayes decision at a fixed pretraining ``share`` and its losses (S,) under every
    draw; None when the constraints leave nothing to train at that share."""
    c = replace(constraints or Constraints(), pretrain_tokens=None, pretrain_share=share)
    if (share == 1.0 and c.max_pretrain_tokens == 0) or (
            share == 0.0 and c.max_specialize_tokens == 0):
        return None
    try:
        d = bayes_decision(draws, ds, search_space(c, budget))
    except BayeslawError:
        return None
    L = losses_at(draws, ds, np.array([d.params]), np.array([d.pretrain_tokens]),
                  d.specialize_tokens[None])[:, 0]
    return (d, L) if np.isfinite(L).all() else None


def baselines(draws: Draws, ds: DomainSet, budget: float,
              constraints: Constraints | None) -> dict[str, tuple[Decision, np.ndarray] | None]:
    """Every baseline of :data:`SHARES`."""
    return {name: baseline(draws, ds, budget, constraints, s) for name, s in SHARES.items()}
