"""Runs to arrays: what the fit sees, checked, with the data's reference scales."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.errors import BayeslawError
from bayeslaw.laws import Law
from bayeslaw.runs.frames import from_pandas


@dataclass(frozen=True)
class FitData:
    """The runs of a fit as arrays, one entry per run.

    ``dom`` indexes ``domains``; ``log_loss`` is the observation. The reference scales
    ``log_L0`` (global median loss), ``log_L0_dom`` (per domain), ``log_N0``,
    ``log_T0`` (D + D') and ``log_P0`` (positive D') centre the priors
    (see :mod:`bayeslaw.fit.priors`).
    """

    N: np.ndarray
    D: np.ndarray
    D_prime: np.ndarray
    dom: np.ndarray
    log_loss: np.ndarray
    domains: tuple[str, ...]
    run_ids: tuple[str, ...]
    scales: dict[str, np.ndarray]

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The model's inputs (covariates and scales), all arrays, for jit."""
        return {"N": self.N, "D": self.D, "D_prime": self.D_prime, "dom": self.dom,
                **self.scales}

    def padded(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The model's inputs and observations padded to :func:`bucket` (n) runs.

        The padding repeats the last run and ``mask`` (True for the real runs) keeps it
        out of the likelihood, so one compiled sampler serves every number of runs in
        the bucket (a refit after a few more runs, a held-out split): compiling took
        ~6-9 s per new shape on 2 cores, the sampling of a small fit under 1 s.
        """
        n = len(self.log_loss)
        m = bucket(n)
        idx = np.minimum(np.arange(m), n - 1)
        arrays = {"N": self.N[idx], "D": self.D[idx], "D_prime": self.D_prime[idx],
                  "dom": self.dom[idx], **self.scales, "mask": np.arange(m) < n}
        return arrays, self.log_loss[idx]

    def take(self, idx) -> FitData:
        """The runs at ``idx`` with the same domains and scales (a bootstrap resample)."""
        idx = np.asarray(idx)
        return FitData(self.N[idx], self.D[idx], self.D_prime[idx], self.dom[idx],
                       self.log_loss[idx], self.domains,
                       tuple(self.run_ids[i] for i in idx), self.scales)


def bucket(n: int) -> int:
    """The padded number of runs for ``n``: the next power of two from 16 (at most half
    the likelihood is padding, which costs far less than a compile at these sizes)."""
    return max(16, 1 << (max(n, 1) - 1).bit_length())


def _geomean(x: np.ndarray, fallback: float) -> float:
    x = x[x > 0]
    return float(np.exp(np.mean(np.log(x)))) if x.size else fallback


def _check(runs, law: Law, domains) -> None:
    if not runs:
        where = f" of domain(s) {', '.join(domains)}" if domains else ""
        raise BayeslawError(f"no completed runs{where} to fit; import runs first")
    for d in domains or ():
        if not any(r.domain == d for r in runs):
            have = sorted({r.domain for r in runs})
            raise BayeslawError(f"domain {d!r} has no completed runs (runs exist for "
                                f"{', '.join(have) or 'no domain'})")
    bad = [r.run_id for r in runs if r.loss is None or not math.isfinite(r.loss) or r.loss <= 0]
    if bad:
        raise BayeslawError(f"{len(bad)} run(s) have a missing, NaN or non-positive loss "
                            f"({', '.join(bad[:5])}); fix or remove them before fitting")
    n_dom = len({r.domain for r in runs})
    n_par = len(law.shared_params) + n_dom * len(law.domain_params) + 1
    if len(runs) < n_par + 1:
        raise BayeslawError(
            f"{len(runs)} runs are too few to fit {law.name} ({n_par} parameters with the noise "
            f"scale, for {n_dom} domain(s)); add runs or choose a smaller law (e.g. chinchilla)")


def _check_spread(N: np.ndarray, T: np.ndarray, law: Law) -> None:
    if np.unique(N).size < 2:
        raise BayeslawError("all runs have the same model size N; the N exponent cannot be "
                            "fitted: add runs at other sizes")
    if np.unique(T).size < 2:
        raise BayeslawError("all runs have the same token count D + D'; the data exponent cannot"
                            " be fitted: add runs with other token counts")


def from_runs(runs: Sequence, law: Law, domains: Sequence[str] | None = None) -> FitData:
    """Arrays of the completed ``runs`` (only those of ``domains`` if given), checked.

    ``runs`` may be a pandas DataFrame with the run columns (``params``,
    ``pretrain_tokens``, ...; read by :func:`bayeslaw.runs.from_pandas`, validated as an
    import is), so ``fit(df, law)`` works as ``fit(from_pandas(df), law)``."""
    if hasattr(runs, "columns") and hasattr(runs, "itertuples"):
        runs = from_pandas(runs)
    runs = [r for r in runs if getattr(r, "status", "completed") == "completed"]
    if domains:
        runs = [r for r in runs if r.domain in set(domains)]
    _check(runs, law, domains)
    names = tuple(domains) if domains else tuple(sorted({r.domain for r in runs}))
    N = np.array([r.params for r in runs], dtype=float)
    D = np.array([r.pretrain_tokens for r in runs], dtype=float)
    Dp = np.array([r.specialize_tokens for r in runs], dtype=float)
    if np.any(D + Dp <= 0):
        raise BayeslawError("some runs have D + D' = 0 tokens; every law needs D + D' > 0")
    _check_spread(N, D + Dp, law)
    dom = np.array([names.index(r.domain) for r in runs], dtype=np.int32)
    loss = np.array([r.loss for r in runs], dtype=float)
    return FitData(N, D, Dp, dom, np.log(loss), names, tuple(r.run_id for r in runs),
                   _scales(N, D + Dp, Dp, loss, dom, len(names)))


def _scales(N, T, Dp, loss, dom, n_dom) -> dict[str, np.ndarray]:
    L0 = float(np.median(loss))
    L0_dom = np.array([np.median(loss[dom == j]) for j in range(n_dom)])
    T0 = _geomean(T, 1.0)
    return {"log_L0": np.asarray(math.log(L0)), "log_L0_dom": np.log(L0_dom),
            "log_N0": np.asarray(math.log(_geomean(N, 1.0))),
            "log_T0": np.asarray(math.log(T0)),
            "log_P0": np.asarray(math.log(_geomean(Dp, T0)))}
