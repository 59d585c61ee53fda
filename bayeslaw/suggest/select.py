"""Pick the next batch of runs: greedy value per FLOP with fantasized outcomes.

At each of q steps every remaining candidate x gets the score

    score(x) = V(x | earlier picks) / cost(x | earlier picks)

(V from the draws' moments, :mod:`bayeslaw.suggest.gaussian`, by default, or from
fantasized outcomes reweighting the draws, :mod:`bayeslaw.suggest.acquisition`;
:mod:`bayeslaw.suggest.candidates` for the marginal cost, which is zero for the part
of a trunk the batch already pretrains). The best is picked, the batch conditions on
its outcome, and the loop goes on until q runs are picked, no candidate fits the
remaining campaign budget, or no candidate has any value left (a run that costs nothing
and has value ranks above any paid one; no cost floor). With a campaign budget, the
Gaussian batch is the better of this and the greedy batch by value alone
(:func:`best_batch`). If fewer than q runs have value, :func:`fill` completes the batch
with the runs that most narrow the recommended decision's loss per FLOP (then the
decision is *settled* when none had value), and :mod:`bayeslaw.suggest.ranking` orders
the specs and names shared pretraining. Pure: (draws, settings, seed) -> ranked
specs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.draws import Draws, thin
from bayeslaw.errors import BayeslawError
from bayeslaw.population import select
from bayeslaw.runs.store import Checkpoint
from bayeslaw.suggest import acquisition as acq
from bayeslaw.suggest import gaussian as gauss
from bayeslaw.suggest.candidates import (
    Candidate,
    Menu,
    enumerate_candidates,
    marginal_costs,
)
from bayeslaw.suggest.decisions import Decisions, decisions_at, expected_regret
from bayeslaw.suggest.ranking import Pick, ranked_specs

# A run "removes regret" when its value exceeds this (relative to the optimal loss):
# far below any measurable loss gap, above the round-off of the value estimates.
VALUE_TOL = 1e-9

METHODS = ("gaussian", "reweight")


@dataclass(frozen=True)
class Settings:
    """What to suggest for: the target decision and the limits of the campaign.

    ``budget`` and ``k``: the target decision's compute and number of domains;
    ``q``: batch size; ``max_run_flops``: cap on one run's 6 N (D + D');
    ``campaign_flops``: what the batch may spend in all; ``n_worlds``: fantasies;
    ``max_draws``: posterior draws used (a random subset if there are more);
    ``grid``: (model sizes, pretraining shares) of the decision grid (its cost is
    linear in their product); ``run_seed``: the training seed written into the specs
    (the seed of the existing runs, so that a suggested specialization can branch from
    their checkpoints; the ``seed`` of :func:`suggest` only drives its own sampling);
    ``method``: how a run's value is estimated, ``"gaussian"`` (the draws' moments,
    :mod:`bayeslaw.suggest.gaussian`, with ``n_points`` quasi-random outcomes) or
    ``"reweight"`` (fantasized outcomes reweighting the draws,
    :mod:`bayeslaw.suggest.acquisition`, with ``n_worlds`` worlds).
    """

    def __post_init__(self):
        if self.method not in METHODS:
            raise BayeslawError(f"unknown suggestion method {self.method!r}; "
                                f"use one of {', '.join(METHODS)}")

    budget: float
    k: int = 1
    q: int = 4
    max_run_flops: float | None = None
    campaign_flops: float | None = None
    n_worlds: int = 256
    max_draws: int = 600
    grid: tuple[int, int] = (32, 26)
    run_seed: int = 0
    method: str = "gaussian"
    n_points: int = 256


@dataclass(frozen=True)
class Suggestion:
    """The ranked specs (:func:`bayeslaw.suggest.ranking.ranked_specs`) and the regret
    before the batch, and expected after it. ``n_valued``: how many of the specs (the
    first ones) are expected to remove regret; the others, ranked by how much they
    narrow the recommended decision's loss, fill the batch up to ``settings.q``."""

    specs: list[dict]
    regret_now: float
    regret_after: float
    n_valued: int

    @property
    def settled(self) -> bool:
        """No run of the menu is expected to change the decision."""
        return self.n_valued == 0

    @property
    def valued_specs(self) -> list[dict]:
        """The specs expected to remove regret (those worth running to decide)."""
        return self.specs[:self.n_valued]


def _per_flop(value: np.ndarray, cost: np.ndarray, tol: float) -> np.ndarray:
    """``value / cost``; a run that costs nothing (a checkpoint the batch saves anyway) and
    has value ranks above any paid one; a run without value (<= tol) scores 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, value / np.where(cost > 0, cost, 1.0), np.inf)
    return np.where(value > tol, ratio, 0.0)


def _pick(scores: np.ndarray, cost: np.ndarray, left: float | None, taken: np.ndarray):
    ok = ~taken & (scores > 0)
    if left is not None:
        ok &= cost <= left * (1 + 1e-9)
    return int(np.argmax(np.where(ok, scores, -np.inf))) if ok.any() else None


class _Reweighted:
    """The reweighting estimate (:mod:`bayeslaw.suggest.acquisition`) behind the interface
    :func:`greedy` uses, as :class:`bayeslaw.suggest.gaussian.Batch` has it: the batch's
    ``regret()``, the ``values(idx)`` of candidates given the picks, ``add(i)`` a pick."""

    def __init__(self, dec: Decisions, mu, sigma, nu, n_worlds: int, rng: np.random.Generator):
        self.dec, self.mu, self.sigma, self.nu = dec, mu, sigma, nu
        self.worlds = acq.fantasize(mu, sigma, nu, n_worlds, rng)

    def regret(self) -> float:
        return float(acq.world_regret(self.worlds.log_w, self.worlds.truth, self.dec).mean())

    def values(self, idx: np.ndarray) -> np.ndarray:
        return acq.values(self.worlds, self.dec, self.mu, self.sigma, self.nu)[idx]

    def add(self, i: int) -> None:
        acq.update(self.worlds, self.mu, self.sigma, self.nu, i)


def greedy(cands: Sequence[Candidate], batch, settings: Settings,
           checkpoints: Iterable[Checkpoint], *, per_flop: bool = True):
    """Greedy joint batch: its :class:`bayeslaw.suggest.ranking.Pick` s (marginal cost and
    value given the earlier picks) and the batch's expected drop of the regret. ``batch``
    values the candidates given the picks so far
    (:class:`bayeslaw.suggest.gaussian.Batch` or :class:`_Reweighted`); each step picks
    the best by value per FLOP (``per_flop=False``: by value alone) among the runs that
    fit the rest of ``settings.campaign_flops``."""
    checkpoints = list(checkpoints)
    before = batch.regret()
    taken = np.zeros(len(cands), bool)
    picks: list[Pick] = []
    left = settings.campaign_flops
    for _ in range(settings.q):
        cost = marginal_costs(cands, [cands[p.index] for p in picks], checkpoints)
        value = np.zeros(len(cands))
        free = np.flatnonzero(~taken)
        value[free] = batch.values(free)
        score = _per_flop(value, cost, VALUE_TOL)
        i = _pick(score if per_flop else np.where(value > VALUE_TOL, value, 0.0), cost, left,
                  taken)
        if i is None:
            break
        taken[i] = True
        picks.append(Pick(i, float(cost[i]), float(value[i])))
        left = None if left is None else left - cost[i]
        batch.add(i)
    return picks, float(before - batch.regret())


def select_batch_gaussian(cands: Sequence[Candidate], dec: Decisions, mu, sigma, nu,
                          settings: Settings, checkpoints: Iterable[Checkpoint], seed: int,
                          *, per_flop: bool = True):
    """:func:`greedy` with values from the draws' moments (:mod:`bayeslaw.suggest.gaussian`);
    ``per_flop=False`` ranks by value alone (the second greedy of :func:`best_batch`)."""
    batch = gauss.Batch(gauss.Moments.of(dec, mu, sigma, nu),
                        gauss.normal_points(settings.n_points, settings.q + 1, seed))
    return greedy(cands, batch, settings, checkpoints, per_flop=per_flop)


def best_batch(cands: Sequence[Candidate], dec: Decisions, mu, sigma, nu, settings: Settings,
               checkpoints: Iterable[Checkpoint], seed: int):
    """The greedy batch by value per FLOP, or, when the batch has a compute budget
    (``settings.campaign_flops``), the better of it and the greedy batch by value alone
    within that budget (the cost-benefit / unit-cost pair of Krause & Guestrin 2005,
    "A note on the budgeted maximization of submodular functions"; Leskovec et al.
    2007 "Cost-effective outbreak detection"). Ratio greedy alone can be arbitrarily
    bad under a budget: it fills the batch with cheap runs of small value and never
    buys the expensive run that would settle the decision."""
    checkpoints = list(checkpoints)
    ratio = select_batch_gaussian(cands, dec, mu, sigma, nu, settings, checkpoints, seed)
    if settings.campaign_flops is None:
        return ratio
    value = select_batch_gaussian(cands, dec, mu, sigma, nu, settings, checkpoints, seed,
                                  per_flop=False)
    return value if value[1] > ratio[1] else ratio


def select_batch(cands: Sequence[Candidate], dec: Decisions, mu, sigma, nu, settings: Settings,
                 checkpoints: Iterable[Checkpoint], rng: np.random.Generator):
    """:func:`greedy` with values from fantasized outcomes reweighting the draws
    (:mod:`bayeslaw.suggest.acquisition`, ``settings.n_worlds`` worlds), by value per FLOP."""
    return greedy(cands, _Reweighted(dec, mu, sigma, nu, settings.n_worlds, rng), settings,
                  checkpoints)


def suggest(draws: Draws, menu: Menu, settings: Settings, *,
            checkpoints: Iterable[Checkpoint] = (), done: Iterable[tuple] = (),
            domains: Sequence[str] | None = None, seed: int = 0) -> Suggestion:
    """Rank the next ``settings.q`` runs for the decision at ``settings.budget``.

    Parameters
    ----------
    draws : the posterior, with its observation noise (``draws.noise``: ``sigma`` and
        ``nu`` per draw), which says how much a run's outcome tells.
    menu : the sizes and token counts allowed.
    checkpoints : stored pretraining checkpoints (branching is cheaper).
    done : ``(N, D, D', domain)`` of runs already in the store, not suggested again.
    domains : the domains of the target decision (default: all of the posterior's; with
        ``settings.k`` more than those, the others are new domains drawn from the fitted
        population, :func:`bayeslaw.population.select`). Candidate runs are on
        ``menu.domains``, measured ones.
    """
    draws, domains = select(draws, settings.k, domains)
    rng = np.random.default_rng(seed)
    checkpoints = list(checkpoints)
    if draws.noise is None:
        raise BayeslawError("the draws carry no observation noise (sigma, nu), which says "
                            "how much a run would tell: use a fitted posterior's draws, or "
                            "draws.with_noise({'sigma': ..., 'nu': ...})")
    draws = thin(draws, settings.max_draws, rng=rng)  # a random subset
    noise = draws.noise
    cands = enumerate_candidates(menu, checkpoints, max_run_flops=settings.max_run_flops,
                                 exclude=done)
    if not cands:
        cap = "" if settings.max_run_flops is None else \
            f" under max_run_flops = {settings.max_run_flops:.3g} FLOPs"
        raise BayeslawError(f"no candidate run of the menu is left{cap} (runs already done "
                            "are not suggested again)")
    dec = decisions_at(draws, settings.budget, settings.k, domains=domains,
                       n_params=settings.grid[0], n_shares=settings.grid[1])
    mu = acq.predicted_log_loss(draws, cands)
    sigma = np.broadcast_to(noise["sigma"], (draws.n_draws,)).astype(float)
    nu = np.broadcast_to(noise.get("nu", 1e6), (draws.n_draws,)).astype(float)
    if settings.method == "gaussian":
        picks, gain = best_batch(cands, dec, mu, sigma, nu, settings, checkpoints, seed)
    else:
        picks, gain = select_batch(cands, dec, mu, sigma, nu, settings, checkpoints, rng)
    rest = fill(cands, dec, gauss.Moments.of(dec, mu, sigma, nu), picks, settings, checkpoints)
    specs = ranked_specs(cands, picks, rest, checkpoints, seed=settings.run_seed)
    now = expected_regret(dec)
    return Suggestion(specs, now, max(now - gain, 0.0), len(picks))


def fill(cands: Sequence[Candidate], dec: Decisions, m: gauss.Moments, picks: Sequence[Pick],
         settings: Settings, checkpoints: Iterable[Checkpoint]) -> list[Pick]:
    """Runs that fill the batch up to ``settings.q`` when fewer than q remove regret: each
    step takes the run that most narrows the loss of the recommended decision m* (the
    lowest expected loss) per FLOP, given the batch so far, within the campaign budget.

    In the linear-Gaussian view of :mod:`bayeslaw.suggest.gaussian`, the batch Q leaves
    ``Var(L_m* | y_Q) = Var(L_m*) - |B_m*|^2``, and a run x adds the column ``b_x``:

        narrowing(x | Q) = (sqrt(v_Q) - sqrt(v_Q - b_x,m*^2)) / mean_s L*_s,
        v_Q = Var(L_m*) - |B_m*|^2,

    the drop of the sd of the decision's loss, relative to the optimal loss. These runs
    do not change the decision; they tighten what it is predicted to give.
    """
    checkpoints = list(checkpoints)
    batch = gauss.Batch(m, np.zeros((settings.q + 1, 1)))
    for p in picks:
        batch.add(p.index)
    star = int(np.argmin(m.Lbar))
    var0 = float(np.var(dec.loss[:, star], ddof=1))
    taken = np.zeros(len(cands), bool)
    taken[[p.index for p in picks]] = True
    left = None if settings.campaign_flops is None else (
        settings.campaign_flops - sum(p.cost for p in picks))
    rest: list[Pick] = []
    for _ in range(settings.q - len(picks)):
        chosen = [cands[p.index] for p in (*picks, *rest)]
        cost = marginal_costs(cands, chosen, checkpoints)
        free = np.flatnonzero(~taken)
        if free.size == 0:
            break
        _, cols = batch._columns(free)
        v_q = max(var0 - float(batch.B[star] @ batch.B[star]), 0.0)
        narrow = np.zeros(len(cands))
        narrow[free] = (np.sqrt(v_q) - np.sqrt(np.maximum(v_q - cols[star] ** 2, 0.0))) / m.best
        score = _per_flop(narrow, cost, 0.0)
        # rank every run, even one that narrows nothing (then the cheapest first)
        score[free] = np.maximum(score[free], 1e-200 / (1.0 + cost[free]))
        i = _pick(score, cost, left, taken)
        if i is None:
            break
        taken[i] = True
        rest.append(Pick(i, float(cost[i]), 0.0, float(narrow[i])))
        left = None if left is None else left - cost[i]
        batch.add(i)
    return rest
