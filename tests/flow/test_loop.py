import json
from collections import Counter

import pytest

from bayeslaw.draws import Draws
from bayeslaw.flow.executors import simulator_executor
from bayeslaw.flow.loop import LoopConfig, run_key, run_loop, stop_reason, todo
from bayeslaw.flow.simulate import Truth
from bayeslaw.runs.store import RunStore
from bayeslaw.suggest import Settings
from tests.suggest.helpers import BUDGET, MENU, TRUTH, noise, perturbed

DRAWS = perturbed(S=120, scale=0.08, seed=3)
SETTINGS = Settings(budget=BUDGET, q=3, n_worlds=16)
CFG = LoopConfig(flops=1e15, regret=1e-9, max_batches=3, initial=6)


class Interrupted(Exception):
    pass


def fixed_fitter(runs):
    return DRAWS.with_noise(noise(DRAWS.n_draws))


def executor(fail_after=None):
    """The simulator executor, counting what it executes; optionally dies mid-batch."""
    inner = simulator_executor(Truth(Draws.point("domain_gap", TRUTH)), seed=1)
    log = []

    def execute(specs, store):
        for spec in specs:
            if fail_after is not None and len(log) >= fail_after:
                raise Interrupted
            inner([spec], store)
            log.append(run_key(spec))

    execute.log = log
    return execute


def test_loop_resumes_without_rerunning_finished_runs(tmp_path):
    state = tmp_path / "loop.json"
    first = executor(fail_after=CFG.initial + 2)  # dies inside the second batch
    with RunStore(tmp_path / "runs.db") as store:
        with pytest.raises(Interrupted):
            run_loop(store, fixed_fitter, first, MENU, SETTINGS, CFG, state)
        assert store.count() == CFG.initial + 2
        pending = json.loads(state.read_text())["pending"]
        assert len(pending) == 3 and len(todo(pending, map(run_key, store.runs()))) == 1

        second = executor()
        final = run_loop(store, fixed_fitter, second, MENU, SETTINGS, CFG, state)
        runs = store.runs()
    assert not set(second.log) & set(first.log)          # nothing ran twice
    assert second.log[0] == run_key(pending[2])          # the unfinished run came first
    assert max(Counter(map(run_key, runs)).values()) == 1
    assert len(runs) == len(first.log) + len(second.log)
    assert {r.config["loop"] for r in runs} == {final["loop_id"]}
    assert "batches" in final["stopped"]
    spent = [h["spent_flops"] for h in final["history"]]
    assert spent == sorted(spent) and spent[-1] == pytest.approx(
        sum(r.config["cost_flops"] for r in runs))


def test_loop_stops_when_the_experiment_budget_is_spent(tmp_path):
    with RunStore(tmp_path / "runs.db") as store:
        cfg = LoopConfig(flops=1e12, regret=1e-9, max_batches=50, initial=4)
        final = run_loop(store, fixed_fitter, executor(), MENU, SETTINGS, cfg, tmp_path / "s.json")
        runs = store.runs()
    assert "budget" in final["stopped"] or "no candidate" in final["stopped"]
    # the batches after the seed design fit the budget that was left
    after_seed = sum(r.config["cost_flops"] for r in runs if r.config["batch"] > 1)
    seed_cost = sum(r.config["cost_flops"] for r in runs if r.config["batch"] == 1)
    assert after_seed <= max(cfg.flops - seed_cost, 0) * (1 + 1e-9)


def test_stop_reasons():
    cfg = LoopConfig(flops=10.0, regret=0.01, max_batches=5)
    assert "budget" in stop_reason(0.5, 10.0, 0, cfg)
    assert "regret" in stop_reason(0.001, 1.0, 0, cfg)
    assert "batches" in stop_reason(0.5, 1.0, 5, cfg)
    assert stop_reason(0.5, 1.0, 1, cfg) is None
