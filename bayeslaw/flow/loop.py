"""The closed loop: fit -> suggest -> execute -> record -> refit.

Pure decision logic (:func:`stop_reason`, :func:`todo`, :func:`initial_design`) is
kept apart from the driver (:func:`run_loop`), the only function here with side
effects. The driver's state is the run store plus a small JSON state file:

- every run the loop executes is recorded in the store by the executor as soon as
  it finishes (the simulator executor also tags it ``config = {"loop": id,
  "batch": b, "cost_flops": c}``);
- the state file holds the loop id, the compute spent by finished batches
  (``spent``: the sum of the specs' ``cost_flops``, each run's marginal cost in its
  batch) and the batch in flight (``pending`` specs), written before the batch
  starts. On resume the pending specs whose (N, D, D', domain) is already in the
  store are skipped and the rest executed, so a finished run is never re-run; the
  batch's cost is then added to ``spent`` and the loop goes on with a refit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.runs.record import Run
from bayeslaw.runs.store import RunStore
from bayeslaw.suggest.candidates import (
    Menu,
    RunIndex,
    batch_cost,
    enumerate_candidates,
    to_spec,
)
from bayeslaw.suggest.select import Settings, suggest

Fitter = Callable[[list[Run]], Draws]  # the posterior's draws, with their noise
Executor = Callable[[Sequence[dict], RunStore], None]


@dataclass(frozen=True)
class LoopConfig:
    """When to stop: experiment compute ``flops``, ``regret`` threshold (relative),
    ``max_batches``; ``initial`` runs of a seed design when the store is empty;
    ``growth``: a batch may spend at most ``growth`` times the compute spent so far
    (seed design included), so the campaign grows geometrically and each batch
    chooses between many cheap runs and a few decisive expensive ones at equal cost
    (:func:`bayeslaw.suggest.select.best_batch`); None: only the remaining ``flops``
    limit a batch."""

    flops: float
    regret: float = 0.005
    max_batches: int = 100
    initial: int = 12
    growth: float | None = 1.0


def batch_budget(spent: float, cfg: LoopConfig) -> float:
    """What the next batch may spend: the rest of ``cfg.flops``, at most
    ``cfg.growth * spent`` when a growth is set and something was spent."""
    left = max(cfg.flops - spent, 0.0)
    return min(left, cfg.growth * spent) if cfg.growth and spent > 0 else left


def run_key(r) -> tuple[int, int, int, str]:
    get = r.get if isinstance(r, Mapping) else (lambda k: getattr(r, k))
    return (int(get("params")), int(get("pretrain_tokens")), int(get("specialize_tokens")),
            str(get("domain")))


def stop_reason(regret: float, spent: float, batches: int, cfg: LoopConfig) -> str | None:
    """Why the loop stops now, or None to go on."""
    if spent >= cfg.flops:
        return f"experiment budget spent ({spent:.3g} of {cfg.flops:.3g} FLOPs)"
    if regret < cfg.regret:
        return f"expected regret {regret:.3%} below the threshold {cfg.regret:.3%}"
    if batches >= cfg.max_batches:
        return f"reached {cfg.max_batches} batches"
    return None


def todo(pending: Sequence[dict], done: Iterable[tuple]) -> list[dict]:
    """The pending specs whose run is not in the store yet (matched within the
    trainer's tolerance, :data:`bayeslaw.suggest.candidates.TOLERANCE`)."""
    have = RunIndex(done)
    return [s for s in pending if run_key(s) not in have]


def initial_design(menu: Menu, n: int, *, max_run_flops: float | None,
                   seed: int = 0, run_seed: int = 0) -> list[dict]:
    """A seed design of ``n`` runs: random picks (``seed``) among the cheaper half of the
    menu, to be trained with seed ``run_seed``."""
    cands = sorted(enumerate_candidates(menu, max_run_flops=max_run_flops),
                   key=lambda c: (c.full_flops, c.key))
    pool = cands[: max(n, len(cands) // 2)]
    rng = np.random.default_rng(seed)
    picked = [pool[i] for i in sorted(rng.choice(len(pool), min(n, len(pool)), replace=False))]
    cost = batch_cost(picked)
    return [to_spec(c, cost_flops=cost / len(picked), score=0.0, seed=run_seed)
            for c in picked]


# -- the side-effecting driver ---------------------------------------------------------------

def _read_state(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text())
    return {"loop_id": os.urandom(4).hex(), "batch": 0, "spent": 0.0, "pending": [],
            "history": []}


def _write_state(path: Path, state: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def _tag(specs: Sequence[dict], loop_id: str, batch: int) -> list[dict]:
    return [{**s, "loop": loop_id, "batch": batch} for s in specs]


def _finish_batch(state: dict, store: RunStore, executor: Executor, log) -> None:
    left = todo(state["pending"], (run_key(r) for r in store.runs(status=None)))
    if left:
        log(f"batch {state['batch']}: executing {len(left)} run(s)")
        executor(left, store)
    state["spent"] += sum(float(s["cost_flops"]) for s in state["pending"])
    state["pending"] = []


def run_loop(store: RunStore, fitter: Fitter, executor: Executor, menu: Menu,
             settings: Settings, cfg: LoopConfig, state_path: str | Path, *,
             domains: Sequence[str] | None = None, seed: int = 0,
             log: Callable[[str], None] = lambda m: None) -> dict:
    """Run the loop until :func:`stop_reason` says stop; return the final state."""
    path = Path(state_path)
    state = _read_state(path)
    while True:
        if state["pending"]:
            _finish_batch(state, store, executor, log)
            _write_state(path, state)
        runs, spent = store.runs(), state["spent"]
        early = stop_reason(float("inf"), spent, state["batch"], cfg)  # no fit needed
        if runs and early:
            specs, regret, reason = [], float("nan"), early
        elif not runs:
            specs = initial_design(menu, cfg.initial, max_run_flops=settings.max_run_flops,
                                   seed=seed, run_seed=settings.run_seed)
            regret, reason = float("nan"), None
        else:
            draws = fitter(runs)

            # the growth step's budget; if nothing fits it, the whole rest
            for budget in dict.fromkeys((batch_budget(spent, cfg), max(cfg.flops - spent, 0))):
                s = suggest(draws, menu, replace(settings, campaign_flops=budget),
                            checkpoints=store.checkpoints(), done=[run_key(r) for r in runs],
                            domains=domains, seed=seed + state["batch"])
                if s.valued_specs:
                    break
            specs, regret = s.valued_specs, s.regret_now  # only runs that inform the decision
            reason = stop_reason(regret, spent, state["batch"], cfg) or (
                None if specs else "no candidate run has value or fits the remaining budget")
        state["history"].append({"batch": state["batch"], "n_runs": len(runs),
                                 "spent_flops": spent, "expected_regret": regret})
        log(f"batch {state['batch']}: {len(runs)} runs, spent {spent:.3g} FLOPs, "
            f"expected regret {regret:.3%}")
        if reason:
            state["stopped"] = reason
            _write_state(path, state)
            log(f"stop: {reason}")
            return state
        state["batch"] += 1
        state["pending"] = _tag(specs, state["loop_id"], state["batch"])
        _write_state(path, state)
