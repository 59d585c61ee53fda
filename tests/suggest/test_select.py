import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.store import Checkpoint
from bayeslaw.suggest import Settings, suggest
from bayeslaw.suggest.candidates import Candidate, batch_cost
from tests.suggest.helpers import BUDGET, MENU, noise, perturbed

DRAWS = perturbed(S=150, scale=0.08, seed=2)


def _cands(specs):
    return [Candidate(s["params"], s["pretrain_tokens"], s["specialize_tokens"], s["domain"])
            for s in specs]


def test_batch_respects_caps_and_has_no_duplicates():
    cap, campaign = 6 * 300_000 * 1_300_000, 6 * 300_000 * 2_000_000
    s = suggest(DRAWS.with_noise(noise(150)), MENU,
                Settings(budget=BUDGET, q=6, max_run_flops=cap, campaign_flops=campaign,
                         n_worlds=32))
    assert 0 < len(s.specs) <= 6
    keys = [(x["params"], x["pretrain_tokens"], x["specialize_tokens"], x["domain"])
            for x in s.specs]
    assert len(set(keys)) == len(keys)
    assert all(6 * k[0] * (k[1] + k[2]) <= cap for k in keys)
    assert sum(x["cost_flops"] for x in s.specs) == pytest.approx(batch_cost(_cands(s.specs)))
    assert batch_cost(_cands(s.specs)) <= campaign * (1 + 1e-9)
    assert s.regret_after <= s.regret_now
    assert all(x["score"] > 0 for x in s.specs)


def test_specs_branch_from_checkpoints_and_skip_done_runs():
    ckpts = [Checkpoint(f"ck{n}", params=n, pretrain_tokens=d, path="x")
             for n in MENU.params for d in MENU.pretrain_tokens if d > 0]
    done = [(n, d, 0, "default") for n in MENU.params for d in MENU.pretrain_tokens if d > 0]
    s = suggest(DRAWS.with_noise(noise(150)), MENU, Settings(budget=BUDGET, q=4, n_worlds=32),
                checkpoints=ckpts, done=done)
    for x in s.specs:
        assert (x["params"], x["pretrain_tokens"], x["specialize_tokens"], "default") not in done
        if x["pretrain_tokens"] > 0:
            assert x["parent"] == f"ck{x['params']}"
            assert x["cost_flops"] == pytest.approx(6 * x["params"] * x["specialize_tokens"])


def test_no_candidate_under_the_cap_is_a_clear_error():
    with pytest.raises(BayeslawError, match="max_run_flops"):
        suggest(DRAWS.with_noise(noise(150)), MENU, Settings(budget=BUDGET, max_run_flops=1.0))


def test_a_certain_posterior_is_settled_and_still_ranks_q_runs():
    point = DRAWS.subset(np.zeros(150, int))  # every draw the same: nothing to learn
    s = suggest(point.with_noise(noise(150)), MENU, Settings(budget=BUDGET, q=3, n_worlds=16))
    assert s.regret_now == pytest.approx(0.0, abs=1e-15) and s.regret_after == s.regret_now
    assert s.settled and s.valued_specs == [] and len(s.specs) == 3
    assert len({(x["params"], x["pretrain_tokens"], x["specialize_tokens"]) for x in s.specs}) == 3
    assert all(x["value"] == 0 and x["score"] == 0 and x["narrowing"] == 0 for x in s.specs)


def _groups(specs):
    heads = {i: [i] for i, x in enumerate(specs) if x["after"] is None}
    for i, x in enumerate(specs):
        if x["after"] is not None:
            assert x["after"] < i and specs[x["after"]]["after"] is None
            heads[x["after"]].append(i)
    return list(heads.values())


def test_runs_sharing_pretraining_name_it_and_their_costs_add_up():
    """Every trunk pretrained once: a group's listed costs are 6 N (max D + sum D'), the
    later members name the first with ``after``; the groups ranked best first."""
    s = suggest(DRAWS.with_noise(noise(150)), MENU, Settings(budget=BUDGET, q=6, n_worlds=32))
    assert len(s.specs) == 6
    shared = [g for g in _groups(s.specs) if len(g) > 1]
    assert shared, "this menu's batch reuses a trunk"
    for g in _groups(s.specs):
        xs = [s.specs[i] for i in g]
        assert len({x["params"] for x in xs}) == 1 and all(x["parent"] is None for x in xs)
        N = xs[0]["params"]
        full = 6 * N * (max(x["pretrain_tokens"] for x in xs)
                        + sum(x["specialize_tokens"] for x in xs))
        assert sum(x["cost_flops"] for x in xs) == pytest.approx(full)
    valued = s.valued_specs
    scores = [x["score"] if x["score"] is not None else np.inf for x in valued]
    assert scores == sorted(scores, reverse=True)
    assert sum(x["value"] for x in valued) == pytest.approx(s.regret_now - s.regret_after)


def _decisive_world(S=400, seed=0):
    """Two decisions whose loss difference is set by one latent z; the expensive
    candidate sees z sharply, the cheap ones see a hundredth of it through the noise."""
    from bayeslaw.suggest.decisions import Decisions

    rng = np.random.default_rng(seed)
    z = rng.standard_normal(S)
    loss = np.stack([2.0 + 0.05 * z, 2.0 - 0.05 * z], axis=1)
    dec = Decisions(*(np.ones(2),) * 3, loss, loss.min(axis=1))
    cands = [Candidate(1000, 1000 * (i + 1), 0, "d") for i in range(8)]
    cands.append(Candidate(100_000, 100_000, 0, "d"))  # 6e10 FLOPs, ~1000x a cheap one
    mu = np.column_stack([0.0002 * z + 0.01 * rng.standard_normal(S) for _ in range(8)]
                         + [0.05 * z])
    return cands, dec, mu, np.full(S, 0.005), np.full(S, 1e6)


def test_under_a_budget_the_better_of_ratio_and_value_greedy_buys_the_decisive_run():
    """Krause & Guestrin's pair: per FLOP the cheap runs win; within a budget that fits
    the decisive expensive run, buying it reduces the regret more, and is chosen."""
    from bayeslaw.suggest.select import best_batch, select_batch_gaussian

    cands, dec, mu, sigma, nu = _decisive_world()
    budget = 6.0 * 100_000 * 100_000
    s = Settings(budget=1.0, q=4, campaign_flops=budget)
    ratio = select_batch_gaussian(cands, dec, mu, sigma, nu, s, [], 0)
    assert all(p.index < 8 for p in ratio[0])
    picks, gain = best_batch(cands, dec, mu, sigma, nu, s, [], 0)
    assert [p.index for p in picks] == [8] and gain > 5 * ratio[1]
    unlimited = best_batch(cands, dec, mu, sigma, nu, Settings(budget=1.0, q=4), [], 0)
    assert unlimited == ratio  # without a budget: value per FLOP only


def test_batch_budget_grows_with_the_compute_spent():
    from bayeslaw.flow.loop import LoopConfig, batch_budget

    cfg = LoopConfig(flops=100.0, growth=1.0)
    assert batch_budget(0.0, cfg) == 100.0  # nothing spent yet: the whole budget
    assert batch_budget(10.0, cfg) == 10.0 and batch_budget(60.0, cfg) == 40.0
    assert batch_budget(10.0, LoopConfig(flops=100.0, growth=None)) == 90.0
