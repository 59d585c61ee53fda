"""A uniform grid over a candidate menu, of a given cost: the baseline design that an
active loop is compared against at equal compute.

Nested grids, coarse to fine: level m takes m evenly spaced values of each axis
(sizes, D, D'; every domain), m = 2, 3, ... up to the whole menu; a level adds the
runs the coarser ones lacked. Runs are added level by level while the design's cost
(:func:`bayeslaw.suggest.candidates.batch_cost`, which knows that one pretraining
serves every D on its way) stays within ``flops``; within the level that would
overshoot, runs are taken in an order that spreads them over the axes (largest
remaining distance first), so a partial level is still spread out.
"""

from __future__ import annotations

import numpy as np

from bayeslaw.suggest.candidates import Candidate, Menu, batch_cost, enumerate_candidates


def _sub(axis: tuple, m: int) -> tuple:
    idx = np.unique(np.round(np.linspace(0, len(axis) - 1, m)).astype(int))
    return tuple(axis[i] for i in idx)


def _levels(menu: Menu, max_run_flops: float | None):
    done: set = set()
    top = max(map(len, (menu.params, menu.pretrain_tokens, menu.specialize_tokens)))
    for m in range(2, max(top, 2) + 1):
        level = Menu(_sub(menu.params, m), _sub(menu.pretrain_tokens, m),
                     _sub(menu.specialize_tokens, m), menu.domains)
        new = [c for c in enumerate_candidates(level, max_run_flops=max_run_flops)
               if c.key not in done]
        done |= {c.key for c in new}
        if new:
            yield new


def _coords(c: Candidate, domains: tuple) -> np.ndarray:
    return np.array([np.log(c.params), np.log1p(c.pretrain_tokens),
                     np.log1p(c.specialize_tokens), domains.index(c.domain)], float)


def _spread(picked: list[Candidate], pool: list[Candidate], domains: tuple) -> list[Candidate]:
    """``pool`` ordered farthest-first from ``picked`` (max-min distance, scaled axes)."""
    pts = np.array([_coords(c, domains) for c in picked + pool])
    scale = np.maximum(pts.std(0), 1e-9)
    have = [(_coords(c, domains) / scale) for c in picked]
    left, out = list(pool), []
    while left:
        P = np.array([_coords(c, domains) / scale for c in left])
        dist = (np.min([np.linalg.norm(P - h, axis=1) for h in have], axis=0) if have
                else np.zeros(len(left)))
        i = int(np.argmax(dist))
        out.append(left.pop(i))
        have.append(P[i])
    return out


def uniform_grid(menu: Menu, flops: float, *, max_run_flops: float | None = None,
                 start: list[Candidate] | None = None) -> list[Candidate]:
    """The nested uniform grid over ``menu`` that costs at most ``flops`` in all
    (``start``: runs already in the design, counted in the cost and never repeated)."""
    design = list(start or [])
    keys = {c.key for c in design}
    for level in _levels(menu, max_run_flops):
        level = [c for c in level if c.key not in keys]
        if batch_cost(design + level) <= flops:
            design += level
            keys |= {c.key for c in level}
            continue
        for c in _spread(design, level, menu.domains):
            if batch_cost(design + [c]) <= flops:
                design.append(c)
        break
    return design
