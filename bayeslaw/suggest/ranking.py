"""From the greedy picks to the ranked specs a user reads: groups, ``after``, scores.

The greedy batch (:mod:`bayeslaw.suggest.select`) picks runs one at a time; each pick
has its marginal cost ``c_i`` (what it adds to the batch's compute,
:func:`bayeslaw.suggest.candidates.marginal_costs`) and its value ``v_i`` (the expected
relative regret it removes given the earlier picks). Runs of one size N that need the
same unstored trunk are one *group*: a single pretraining to the largest D of the group
serves them all, so the group costs

    sum_{i in group} c_i = 6 N (max_i D_i + sum_i D'_i),

the first pick of the group pays its own pretraining and each later one only the part
it adds (its specialization and any growth of the trunk). A later member names the
first with ``after``. A member's own score v_i / c_i is not meaningful (``c_i`` may be
0: a checkpoint saved on the way, measured on a domain), so the score shown and ranked
by is the group's,

    score(group) = sum_i v_i / sum_i c_i,

groups best first, the members of a group in the order they were picked (so each
member's marginal cost stays what it adds to those listed above it). Pure: picks in,
spec dicts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bayeslaw.runs.store import Checkpoint
from bayeslaw.suggest.candidates import Candidate, checkpoint_index, find_checkpoint, to_spec


@dataclass(frozen=True)
class Pick:
    """One greedy pick: index into the candidates, marginal cost, value and, for a run
    picked after the regret could not be reduced any more, ``narrowing`` (the drop of
    the sd of the recommended decision's loss, relative to the loss)."""

    index: int
    cost: float
    value: float
    narrowing: float | None = None


def _groups(cands: Sequence[Candidate], picks: Sequence[Pick],
            checkpoints: Iterable[Checkpoint]) -> list[list[int]]:
    """Positions in ``picks`` grouped by the unstored trunk they share, in pick order."""
    ckpts = checkpoint_index(checkpoints)
    by_trunk: dict[int, list[int]] = {}
    groups: list[list[int]] = []
    for k, p in enumerate(picks):
        c = cands[p.index]
        shared = c.pretrain_tokens > 0 and find_checkpoint(ckpts, c.params,
                                                           c.pretrain_tokens) is None
        if shared and c.params in by_trunk:
            by_trunk[c.params].append(k)
            continue
        groups.append([k])
        if shared:
            by_trunk[c.params] = groups[-1]
    return groups


def _group_score(picks: Sequence[Pick], group: list[int], key) -> float:
    num = sum(key(picks[k]) for k in group)
    cost = sum(picks[k].cost for k in group)
    return float("inf") if cost <= 0 < num else (num / cost if cost > 0 else 0.0)


def ranked_specs(cands: Sequence[Candidate], valued: Sequence[Pick], rest: Sequence[Pick],
                 checkpoints: Iterable[Checkpoint] = (), *, seed: int = 0) -> list[dict]:
    """The specs, best first: the ``valued`` picks (those that remove regret) by their
    group's value per FLOP, then the ``rest`` by their group's narrowing per FLOP.

    Each spec adds to :func:`bayeslaw.suggest.candidates.to_spec`'s fields ``value``
    (expected regret removed, relative to the optimal loss), ``after`` (the index in
    the returned list of the run whose pretraining it reuses, or None) and, for the
    rest, ``narrowing``; ``score`` is the group's value per FLOP (None for a group that
    costs nothing).
    """
    checkpoints = list(checkpoints)
    picks = [*valued, *rest]
    order: list[tuple[list[int], float]] = []
    for tier, key in ((range(len(valued)), lambda p: p.value),
                      (range(len(valued), len(picks)), lambda p: p.narrowing or 0.0)):
        sub = [picks[k] for k in tier]
        groups = [[tier[k] for k in g] for g in _groups(cands, sub, checkpoints)]
        scored = [(g, _group_score(picks, g, lambda p: p.value)) for g in groups]
        by = {id(g): _group_score(picks, g, key) for g in groups}
        order += sorted(scored, key=lambda gs: -by[id(gs[0])])
    position = {k: i for i, k in enumerate(k for g, _ in order for k in g)}
    trunk_of = _trunk_heads(cands, picks, checkpoints)
    specs = []
    for group, score in order:
        for k in group:
            p = picks[k]
            s = to_spec(cands[p.index], cost_flops=p.cost,
                        score=None if score == float("inf") else score, seed=seed)
            head = trunk_of.get(k)
            s.update(value=p.value, after=None if head is None else position[head])
            if p.narrowing is not None:
                s["narrowing"] = p.narrowing
            specs.append(s)
    return specs


def _trunk_heads(cands: Sequence[Candidate], picks: Sequence[Pick],
                 checkpoints: Iterable[Checkpoint]) -> dict[int, int]:
    """``pick -> first pick of its trunk`` for the picks that reuse an earlier pick's
    pretraining (across both tiers: a run of the rest may branch from a valued run)."""
    return {k: g[0] for g in _groups(cands, picks, checkpoints) for k in g[1:]}
