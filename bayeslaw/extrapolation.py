"""How far a plan or a prediction leaves the measured runs, and when to warn.

A scaling law is fitted on runs spanning compute [C_min, C_max], model sizes
[N_min, N_max], pretraining [D_min, D_max] and specialization [D'_min, D'_max].
A plan at budget C (or a prediction at N, D, D') extrapolates by

    compute factor = C / C_max                      (C_max: the largest run's 6 N (D + D'))
    N factor       = N / N_max above the range,  N_min / N below it  (1 inside)

and likewise for D and D'. Thresholds (docs/planner.md says why):

- compute: :data:`COMPUTE_WARN` = 1000x the largest run. Reported extrapolations of
  fitted laws that held span two to four orders of magnitude of compute (Hoffmann et
  al. 2022 planned Chinchilla ~1.5 decades beyond their runs; OpenAI 2023 predicted
  GPT-4's loss from runs of 1,000-10,000x less compute); beyond three decades a small
  error in a fitted exponent is multiplied by log(C/C_max) > 6.9, and the posterior
  interval is only as good as the law's form.
- N, D, D' above the range: :data:`SIZE_WARN` = sqrt(1000) ~ 31.6x, the step each of
  N and D takes for a 1000x compute step when both grow as C^(1/2) (Chinchilla).
- below the range: :data:`BELOW_WARN` = 2x, since small models are where power laws
  break first (embedding parameters, a loss floor the law does not have), and a plan
  there is cheap to measure instead.
- a token count the data never varied: D' > 0 when every run had D' = 0 (or D = 0
  when every run was pretrained) is outside anything measured, whatever its size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN

COMPUTE_WARN = 1e3
SIZE_WARN = math.sqrt(COMPUTE_WARN)
BELOW_WARN = 2.0
_SYMBOLS = {"params": "N", "pretrain_tokens": "D", "specialize_tokens": "D'"}


@dataclass(frozen=True)
class Measured:
    """The measured ranges: (min, max) of N, D, D' and the largest run's compute."""

    params: tuple[float, float]
    pretrain_tokens: tuple[float, float]
    specialize_tokens: tuple[float, float]
    max_flops: float

    @classmethod
    def of(cls, N, D, D_prime) -> Measured:
        """From arrays of the runs' N, D, D' (e.g. a posterior's constant data)."""
        N, D, Dp = (np.asarray(x, float) for x in (N, D, D_prime))
        if N.size == 0:
            raise ValueError("no runs: nothing was measured")
        span = lambda x: (float(x.min()), float(x.max()))  # noqa: E731
        return cls(span(N), span(D), span(Dp),
                   float((FLOPS_PER_PARAM_TOKEN * N * (D + Dp)).max()))

    @classmethod
    def of_posterior(cls, posterior) -> Measured:
        """From the runs a posterior file was fitted to (its constant data)."""
        first = getattr(posterior, "components", (posterior,))[0]  # a stacked mixture's
        data = first.group("constant_data")  # laws share their runs
        return cls.of(data["N"], data["D"], data["D_prime"])

    @classmethod
    def of_runs(cls, runs: Iterable) -> Measured:
        runs = list(runs)
        return cls.of([r.params for r in runs], [r.pretrain_tokens for r in runs],
                      [r.specialize_tokens for r in runs])


@dataclass(frozen=True)
class Extrapolation:
    """How far one allocation is from the measured runs (see the module docstring)."""

    compute_factor: float
    ranges: dict[str, dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def warn(self) -> bool:
        return bool(self.warnings)

    def to_dict(self) -> dict:
        return {"compute_factor": self.compute_factor, "compute_threshold": COMPUTE_WARN,
                "size_threshold": SIZE_WARN, "below_threshold": BELOW_WARN,
                **self.ranges, "warn": self.warn, "warnings": list(self.warnings)}


def _factor(value: float, lo: float, hi: float) -> tuple[float | None, str]:
    """(factor, where): factor None when the data never varied this count."""
    if value > hi:
        return (value / hi, "above") if hi > 0 else (None, "above")
    if value < lo:
        return (lo / value, "below") if value > 0 else (None, "below")
    return 1.0, "inside"


def assess(measured: Measured, *, params: float, pretrain_tokens: float,
           specialize_tokens: float, budget: float | None = None) -> Extrapolation:
    """The extrapolation of the allocation (N, D, D') at ``budget`` (default: its own
    compute 6 N (D + D')), with a warning for each threshold crossed."""
    if budget is None:
        budget = FLOPS_PER_PARAM_TOKEN * params * (pretrain_tokens + specialize_tokens)
    cf = budget / measured.max_flops
    warnings = []
    if cf > COMPUTE_WARN:
        warnings.append(f"compute {budget:.3g} FLOPs is {cf:.3g}x the largest run "
                        f"({measured.max_flops:.3g}); beyond {COMPUTE_WARN:.0f}x the law's "
                        "form, not the data, decides the answer")
    ranges = {}
    for name, value in (("params", params), ("pretrain_tokens", pretrain_tokens),
                        ("specialize_tokens", specialize_tokens)):
        lo, hi = getattr(measured, name)
        f, where = _factor(float(value), lo, hi)
        ranges[name] = {"value": float(value), "measured": [lo, hi], "factor": f,
                        "where": where}
        sym, span = _SYMBOLS[name], f"measured {lo:.3g}-{hi:.3g}"
        if f is None:
            warnings.append(f"{sym} = {value:.3g} but every run had {sym} = 0: the data "
                            "never measured it" if where == "above" else
                            f"{sym} = 0 but no run had {sym} = 0 ({span})")
        elif (where == "above" and f > SIZE_WARN) or (where == "below" and f > BELOW_WARN):
            warnings.append(f"{sym} = {value:.3g} is {f:.3g}x {where} the runs ({span})")
    return Extrapolation(float(cf), ranges, warnings)


def assess_plan(measured: Measured, plan: Mapping) -> Extrapolation:
    """:func:`assess` of a plan's JSON document (``Plan.to_dict()``): its budget and
    recommended N, D and D' (the longest-specialized domain's when they differ)."""
    r = plan["recommended"]
    per = r.get("specialize_tokens_per_domain")
    return assess(measured, budget=plan["budget"], params=r["params"],
                  pretrain_tokens=r["pretrain_tokens"],
                  specialize_tokens=max(per.values()) if per else r["specialize_tokens"])


def summary(e: Extrapolation) -> str:
    """One line: the compute factor and how many thresholds were crossed."""
    head = f"{e.compute_factor:.3g}x the largest run's compute"
    return head + (f"; {len(e.warnings)} extrapolation warning(s)" if e.warn
                   else "; within the extrapolation thresholds")
