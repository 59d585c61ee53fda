"""Candidate runs and what they cost, knowing the branching structure of training.

A candidate is one run (N, D, D', domain) from a menu of model sizes and token
counts. Its compute is not always 6 N (D + D'):

- a specialization from a checkpoint already in the store (same N, same D) pays
  only the specialization, 6 N D';
- one pretraining run saves checkpoints on its way, so the candidates of one batch
  that need the trunks (N, D1), (N, D2), ... are served by a single pretraining to
  the largest of them: the trunks of size N cost 6 N max(D_i) together.

So the cost of a batch B given the stored checkpoints K is

    cost(B) = sum_N 6 N max{D : (N, D) in B, (N, D) not in K}  +  sum_{b in B} 6 N_b D'_b

and a candidate's marginal cost given the runs already picked is
``cost(B + c) - cost(B)``. Everything here is a pure function of the menu and the
list of existing checkpoints.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN, run_flops
from bayeslaw.errors import BayeslawError
from bayeslaw.runs.store import Checkpoint


@dataclass(frozen=True)
class Menu:
    """The sizes and token counts a campaign may use.

    ``pretrain_tokens`` may contain 0 (specialist from scratch) and
    ``specialize_tokens`` 0 (the general model, measured on the domain).
    """

    params: tuple[int, ...]
    pretrain_tokens: tuple[int, ...]
    specialize_tokens: tuple[int, ...]
    domains: tuple[str, ...]

    def __post_init__(self):
        for name in ("params", "pretrain_tokens", "specialize_tokens", "domains"):
            if not getattr(self, name):
                raise BayeslawError(f"the candidate menu has no {name}; give at least one")
        if min(self.params) <= 0 or min(self.pretrain_tokens + self.specialize_tokens) < 0:
            raise BayeslawError("menu sizes must be > 0 and token counts >= 0")


@dataclass(frozen=True)
class Candidate:
    """One run that could be executed; ``parent`` is the checkpoint it branches from."""

    params: int
    pretrain_tokens: int
    specialize_tokens: int
    domain: str
    parent: str | None = None

    @property
    def key(self) -> tuple[int, int, int, str]:
        return (self.params, self.pretrain_tokens, self.specialize_tokens, self.domain)

    @property
    def full_flops(self) -> float:
        """6 N (D + D'): the run's compute if nothing were shared."""
        return float(run_flops(self.params, self.pretrain_tokens, self.specialize_tokens))


# A real trainer does not hit the menu exactly: its sizing lands N within a few percent
# of the target, and its D' = 0 point includes a cooldown of ~0.1 D. Runs and checkpoints
# are matched to menu points within these relative tolerances (N, D, D').
TOLERANCE = (0.1, 0.15, 0.05)


class RunIndex:
    """Which (N, D, D', domain) points are already measured, matched within tolerance."""

    def __init__(self, keys: Iterable[tuple], tol: tuple[float, float, float] = TOLERANCE):
        self.tol = tol
        self.by_domain: dict[str, np.ndarray] = {}
        rows: dict[str, list] = {}
        for N, D, Dp, dom in keys:
            rows.setdefault(str(dom), []).append((N, D, Dp))
        self.by_domain = {d: np.asarray(r, float) for d, r in rows.items()}

    def __contains__(self, key: tuple) -> bool:
        table = self.by_domain.get(str(key[3]))
        if table is None:
            return False
        x = np.asarray(key[:3], float)
        close = np.abs(table - x) <= np.asarray(self.tol) * np.maximum(np.abs(x), 1.0)
        return bool(close.all(axis=1).any())


REACH = (2, 4)  # multiples of the largest measured value that a default menu adds


def menu_of_runs(runs: Iterable, domains: Sequence[str], *,
                 params: Sequence[int] | None = None,
                 pretrain_tokens: Sequence[int] | None = None,
                 specialize_tokens: Sequence[int] | None = None) -> Menu:
    """The candidate menu of a campaign, the same for ``suggest``, ``loop`` and the report.

    Each axis is the values given, else the runs' values plus :data:`REACH` (2x and 4x)
    times the largest: the runs that pin the exponents at 10-100x extrapolation are
    usually just beyond the store, so a menu of stored values alone could never
    suggest them. ``max_run_flops`` still caps every candidate.
    """
    runs = list(runs)

    def axis(given, field):
        if given:
            return tuple(sorted({int(round(v)) for v in given}))
        vals = {int(getattr(r, field)) for r in runs}
        if not vals:
            raise BayeslawError(f"no {field} for the menu: give them or measure some runs")
        top = max(vals)
        return tuple(sorted(vals | {m * top for m in REACH}))

    return Menu(axis(params, "params"), axis(pretrain_tokens, "pretrain_tokens"),
                axis(specialize_tokens, "specialize_tokens"), tuple(domains))


def checkpoint_index(checkpoints: Iterable[Checkpoint]) -> dict[tuple[int, int], str]:
    """``(N, D) -> ckpt_id`` of the stored pretraining checkpoints (first id wins)."""
    out: dict[tuple[int, int], str] = {}
    for c in checkpoints:
        out.setdefault((int(c.params), int(c.pretrain_tokens)), c.ckpt_id)
    return out


def find_checkpoint(index: dict[tuple[int, int], str], N: int, D: int) -> str | None:
    """The stored checkpoint at (N, D): N within ``TOLERANCE[0]``, D within 1%."""
    if (N, D) in index:
        return index[(N, D)]
    for (n, d), ckpt in index.items():
        if abs(n - N) <= TOLERANCE[0] * N and abs(d - D) <= 0.01 * max(D, 1):
            return ckpt
    return None


def enumerate_candidates(menu: Menu, checkpoints: Iterable[Checkpoint] = (), *,
                         max_run_flops: float | None = None,
                         exclude: Iterable[tuple[int, int, int, str]] = ()) -> list[Candidate]:
    """Every menu run within the per-run cap, minus ``exclude`` (runs already done).

    The cap bounds the full compute 6 N (D + D') of one run (what it takes to train
    that model at all, e.g. the extrapolation distance), whatever is shared. Runs
    with D + D' = 0 are skipped, and so are menu points that a run in ``exclude``
    matches within :data:`TOLERANCE`. A candidate whose (N, D) is checkpointed gets
    that checkpoint as ``parent``.
    """
    ckpts = checkpoint_index(checkpoints)
    skip = RunIndex(exclude)
    out = []
    for N, D, Dp, dom in itertools.product(menu.params, menu.pretrain_tokens,
                                           menu.specialize_tokens, menu.domains):
        c = Candidate(int(N), int(D), int(Dp), dom, find_checkpoint(ckpts, int(N), int(D)))
        if D + Dp == 0 or c.key in skip:
            continue
        if max_run_flops is not None and c.full_flops > max_run_flops:
            continue
        out.append(c)
    return out


def batch_cost(batch: Sequence[Candidate], checkpoints: Iterable[Checkpoint] = ()) -> float:
    """Compute of executing ``batch`` together (see the module docstring)."""
    ckpts = checkpoint_index(checkpoints)
    trunk: dict[int, int] = {}
    spec = 0.0
    for c in batch:
        if c.pretrain_tokens > 0 and find_checkpoint(ckpts, c.params, c.pretrain_tokens) is None:
            trunk[c.params] = max(trunk.get(c.params, 0), c.pretrain_tokens)
        spec += FLOPS_PER_PARAM_TOKEN * c.params * c.specialize_tokens
    return spec + sum(FLOPS_PER_PARAM_TOKEN * N * D for N, D in trunk.items())


def marginal_costs(candidates: Sequence[Candidate], batch: Sequence[Candidate],
                   checkpoints: Iterable[Checkpoint] = ()) -> np.ndarray:
    """``cost(batch + c) - cost(batch)`` for every candidate c, shape ``(len(candidates),)``.

    Vectorized form of :func:`batch_cost`: a candidate pays its specialization plus
    the growth of its size's trunk beyond what the batch already pretrains.
    """
    ckpts = checkpoint_index(checkpoints)
    trunk: dict[int, int] = {}
    for c in batch:
        if c.pretrain_tokens > 0 and find_checkpoint(ckpts, c.params, c.pretrain_tokens) is None:
            trunk[c.params] = max(trunk.get(c.params, 0), c.pretrain_tokens)
    N = np.array([c.params for c in candidates], float)
    D = np.array([c.pretrain_tokens for c in candidates], float)
    Dp = np.array([c.specialize_tokens for c in candidates], float)
    have = np.array([trunk.get(c.params, 0) for c in candidates], float)
    free = np.array([find_checkpoint(ckpts, c.params, c.pretrain_tokens) is not None
                     for c in candidates], bool)
    grow = np.where(free, 0.0, np.maximum(D - have, 0.0))
    return FLOPS_PER_PARAM_TOKEN * N * (grow + Dp)


def to_spec(c: Candidate, *, cost_flops: float, score: float | None, seed: int = 0) -> dict:
    """A run spec that ``bayeslaw train --specs`` (or the simulator) executes."""
    return {
        "params": c.params, "pretrain_tokens": c.pretrain_tokens,
        "specialize_tokens": c.specialize_tokens, "domain": c.domain, "parent": c.parent,
        "seed": seed, "cost_flops": float(cost_flops),
        "score": None if score is None else float(score),
    }
