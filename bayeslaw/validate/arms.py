"""The arms of a decision check: one budget, one model size, five ways to split it.

With k domains, a model of N parameters and compute C, the tokens are T = C / (6 N)
and C = 6 N (D + sum_i D'_i) (Seto et al. 2026). The arms (same N for all, so that
only the split differs):

- ``planned``: the planner's D and D'_i, rescaled to spend exactly T;
- ``no_specialization``: every token on the general mixture, D = T, D'_i = 0;
- ``fixed_10pct``: D = 0.9 T and D'_i = 0.1 T / k (the usual short continued pretraining);
- ``even_split``: D = 0.5 T and D'_i = 0.5 T / k;
- ``from_scratch``: k specialists, each trained only on its domain for T / k tokens
  (D = 0, D'_i = T / k).

Trainer semantics (``trainer.runner``): a spec pretrains to a stable checkpoint at D and
specializes with its own decay, or records a D' = 0 point after a cooldown of
``cooldown`` x D on the same data. So an arm whose domains are measured at D' = 0
(``no_specialization``, ``from_scratch``) asks for a stable D of T_arm / (1 + cooldown),
and ``from_scratch`` pretrains on the domain alone (its "mixture" is the domain).
:func:`arm_point` maps a record back to the law's coordinates (N, D, D').
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN
from bayeslaw.errors import BayeslawError

ARMS = ("planned", "no_specialization", "fixed_10pct", "even_split", "from_scratch")


@dataclass(frozen=True)
class Arm:
    """One arm: N, the general tokens D and each domain's D'_i (law coordinates)."""

    name: str
    params: int
    pretrain_tokens: float
    specialize_tokens: Mapping[str, float]

    @property
    def flops(self) -> float:
        """C = 6 N (D + sum_i D'_i)."""
        return FLOPS_PER_PARAM_TOKEN * self.params * (
            self.pretrain_tokens + sum(self.specialize_tokens.values()))

    def specs(self, seed: int, cooldown: float) -> list[tuple[dict, dict]]:
        """``[(run spec, training-settings overrides)]`` for the trainer."""
        N, D = self.params, self.pretrain_tokens
        if self.name == "from_scratch":
            return [({"params": N, "pretrain_tokens": round(Dp / (1 + cooldown)),
                      "domains": [d], "seed": seed}, {"mixture": [d]})
                    for d, Dp in self.specialize_tokens.items()]
        if self.name == "no_specialization":
            return [({"params": N, "pretrain_tokens": round(D / (1 + cooldown)),
                      "domains": list(self.specialize_tokens), "seed": seed}, {})]
        return [({"params": N, "pretrain_tokens": round(D), "specialize_tokens": [round(Dp)],
                  "domains": [d], "seed": seed}, {})
                for d, Dp in self.specialize_tokens.items()]


def make_arms(params: int, budget: float, pretrain_tokens: float,
              specialize_tokens: Mapping[str, float], names: Sequence[str] = ARMS) -> list[Arm]:
    """The arms at compute ``budget`` for a model of ``params`` parameters.

    ``pretrain_tokens`` and ``specialize_tokens`` (domain -> D'_i) are the planner's
    decision; they are rescaled to T = budget / (6 params) keeping their proportions,
    so that every arm spends the same compute."""
    domains = list(specialize_tokens)
    k = len(domains)
    if k == 0 or params <= 0 or budget <= 0:
        raise BayeslawError("the arms need k >= 1 domains, params > 0 and budget > 0")
    T = budget / (FLOPS_PER_PARAM_TOKEN * params)
    planned_total = pretrain_tokens + sum(specialize_tokens.values())
    scale = T / planned_total

    def split(general: float) -> dict[str, float]:
        return {d: (1 - general) * T / k for d in domains}

    table = {
        "planned": (pretrain_tokens * scale, {d: v * scale for d, v in specialize_tokens.items()}),
        "no_specialization": (T, {d: 0.0 for d in domains}),
        "fixed_10pct": (0.9 * T, split(0.9)),
        "even_split": (0.5 * T, split(0.5)),
        "from_scratch": (0.0, split(0.0)),
    }
    unknown = sorted(set(names) - set(table))
    if unknown:
        raise BayeslawError(f"unknown arm(s) {', '.join(unknown)}; known: {', '.join(ARMS)}")
    return [Arm(n, int(params), *table[n]) for n in names]


def arm_point(arm: str, run) -> tuple[float, float, float]:
    """The law's (N, D, D') of a trainer record of ``arm``: a from-scratch specialist's
    tokens are all domain tokens (D = 0, D' = its tokens); other records are as stored."""
    if arm == "from_scratch":
        return float(run.params), 0.0, float(run.pretrain_tokens + run.specialize_tokens)
    return float(run.params), float(run.pretrain_tokens), float(run.specialize_tokens)
