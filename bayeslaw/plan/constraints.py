"""What a user can pin down about a plan, and the search space it leaves.

A plan is a point (N, D, D'_1..D'_k) with 6 N (D + sum_i D'_i) <= C. The planner
searches over u = log N and the pretraining share s = D / (D + sum_i D'_i); each
constraint either removes a dimension (a fixed model size, a fixed pretraining, a
fixed share) or caps a token count (the search then simply cannot place more
tokens there, and moves the compute to where it helps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
from bayeslaw.errors import BayeslawError

# Continuous model sizes are searched where tokens per parameter T/N lies in this range
# (Chinchilla-optimal is ~20): wide enough for any plausible law, narrow enough for a
# 64-point coarse grid to land within a few percent of N.
TOKENS_PER_PARAM_RANGE = (1e-3, 1e7)


@dataclass(frozen=True)
class Constraints:
    """Constraints on a plan (all optional; ``None`` means free).

    Attributes
    ----------
    params : float
        Fixed model size N (non-embedding parameters).
    pretrain_tokens : float
        Fixed pretraining D, e.g. an existing pretrained base: only how long to
        specialize is left to decide (and N, unless ``params`` is also fixed). The
        budget still counts the whole 6 N (D + k D').
    max_specialize_tokens : float
        Cap on D' per domain (the domain tokens available). 0 means no specialization.
    max_pretrain_tokens : float
        Cap on D (the general tokens available).
    model_sizes : sequence of float
        A menu of model sizes N to choose from.
    pretrain_share : float
        Fixed share s = D / (D + k D') in [0, 1] (used for the baselines: 1 is no
        specialization, 0 a specialist from scratch).
    """

    params: float | None = None
    pretrain_tokens: float | None = None
    max_specialize_tokens: float | None = None
    max_pretrain_tokens: float | None = None
    model_sizes: Sequence[float] | None = None
    pretrain_share: float | None = None

    def validate(self) -> Constraints:
        """Raise :class:`BayeslawError` on a value or a combination that cannot hold."""
        for name in ("params", "pretrain_tokens", "max_specialize_tokens", "max_pretrain_tokens"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v >= 0):
                raise BayeslawError(f"{name} must be a finite number >= 0, got {v}")
        if self.params is not None and self.params <= 0:
            raise BayeslawError(f"params must be > 0, got {self.params}")
        if self.model_sizes is not None:
            sizes = list(self.model_sizes)
            if not sizes or any(not (math.isfinite(n) and n > 0) for n in sizes):
                raise BayeslawError(f"model sizes must be positive numbers, got {sizes}")
            if self.params is not None and not any(
                    math.isclose(self.params, n, rel_tol=1e-9) for n in sizes):
                raise BayeslawError(
                    f"contradictory constraints: params={self.params:g} is not in the model "
                    f"size menu {', '.join(f'{n:g}' for n in sizes)}; drop one of them")
        if self.pretrain_share is not None and not 0 <= self.pretrain_share <= 1:
            raise BayeslawError(f"pretrain_share must be in [0, 1], got {self.pretrain_share}")
        self._check_tokens()
        return self

    def _check_tokens(self) -> None:
        D, Dmax = self.pretrain_tokens, self.max_pretrain_tokens
        if D is not None and Dmax is not None and D > Dmax:
            raise BayeslawError(
                f"contradictory constraints: pretrain tokens {D:g} exceed max pretrain tokens "
                f"{Dmax:g}")
        if D is not None and self.pretrain_share is not None:
            raise BayeslawError("contradictory constraints: fix the pretrain tokens or the "
                                "pretraining share, not both")
        if D == 0 and self.max_specialize_tokens == 0:
            raise BayeslawError("contradictory constraints: no pretraining and no "
                                "specialization leaves nothing to train")
        if Dmax == 0 and self.max_specialize_tokens == 0:
            raise BayeslawError("contradictory constraints: max pretrain tokens and max "
                                "specialize tokens are both 0")


@dataclass(frozen=True)
class SearchSpace:
    """The search space a budget and constraints leave (see module docstring).

    ``sizes`` is the menu of N (None: continuous on [u_lo, u_hi]);
    ``share`` the fixed share (None: free in [0, 1]); caps are +inf when absent.
    """

    budget: float
    sizes: np.ndarray | None
    u_lo: float
    u_hi: float
    share: float | None
    fixed_pretrain: float | None
    pretrain_cap: float
    specialize_cap: float

    @property
    def log_sizes(self) -> np.ndarray | None:
        return None if self.sizes is None else np.log(self.sizes)


def search_space(constraints: Constraints | None, budget: float) -> SearchSpace:
    """Turn a budget and constraints into a :class:`SearchSpace`, or raise if infeasible."""
    c = (constraints or Constraints()).validate()
    if not (math.isfinite(budget) and budget > 0):
        raise BayeslawError(f"budget must be a positive number of FLOPs, got {budget}")
    tokens = budget / FLOPS_PER_PARAM_TOKEN  # N * T
    lo_r, hi_r = TOKENS_PER_PARAM_RANGE
    u_lo, u_hi = 0.5 * math.log(tokens / hi_r), 0.5 * math.log(tokens / lo_r)
    D = c.pretrain_tokens
    if D is not None and D > 0 and tokens / D < 1.0:
        raise BayeslawError(
            f"budget {budget:.3g} FLOPs cannot pretrain even a 1-parameter model on {D:g} "
            "tokens")
    if D is not None and D > 0:  # N <= C / (6 D): the trunk must fit in the budget
        u_hi = min(u_hi, math.log(tokens / D))
        u_lo = min(u_lo, u_hi - 5.0)
    share = c.pretrain_share
    if share is not None:
        pass
    elif c.max_specialize_tokens == 0 and D is None:
        share = 1.0
    elif c.max_pretrain_tokens == 0 and D is None:
        share = 0.0
    sizes = _menu(c, budget)
    inf = math.inf
    return SearchSpace(budget, sizes, u_lo, u_hi, share, D,
                       inf if c.max_pretrain_tokens is None else c.max_pretrain_tokens,
                       inf if c.max_specialize_tokens is None else c.max_specialize_tokens)


def _menu(c: Constraints, budget: float) -> np.ndarray | None:
    """The allowed sizes that fit the budget (None when N is free)."""
    if c.params is None and c.model_sizes is None:
        return None
    sizes = np.array([c.params] if c.params is not None else sorted(c.model_sizes), float)
    min_tokens = c.pretrain_tokens if c.pretrain_tokens else 1.0
    cost = FLOPS_PER_PARAM_TOKEN * sizes * min_tokens
    ok = cost <= budget * (1 + 1e-12)
    if not ok.any():
        what = (f"pretraining {c.pretrain_tokens:g} tokens" if c.pretrain_tokens
                else "a single token")
        raise BayeslawError(
            f"budget {budget:.3g} FLOPs is too small for the smallest model "
            f"(N={sizes.min():g}: {what} costs {cost.min():.3g} FLOPs)")
    return sizes[ok]
