import itertools

import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.store import Checkpoint
from bayeslaw.suggest.candidates import (
    Candidate,
    Menu,
    batch_cost,
    enumerate_candidates,
    marginal_costs,
)
from tests.suggest.helpers import MENU

N = 100_000


def test_caps_and_exclusions():
    cap = 6 * N * 1_300_000
    cands = enumerate_candidates(MENU, max_run_flops=cap, exclude=[(N, 0, 300_000, "default")])
    assert cands and all(c.full_flops <= cap for c in cands)
    assert all(c.pretrain_tokens + c.specialize_tokens > 0 for c in cands)
    assert (N, 0, 300_000, "default") not in {c.key for c in cands}
    # exactly the menu entries under the cap survive (brute force)
    expect = {(n, d, dp, "default") for n, d, dp in itertools.product(
        MENU.params, MENU.pretrain_tokens, MENU.specialize_tokens)
        if 0 < d + dp and 6 * n * (d + dp) <= cap} - {(N, 0, 300_000, "default")}
    assert {c.key for c in cands} == expect


def test_branching_from_a_stored_checkpoint_costs_only_the_specialization():
    ckpt = Checkpoint("ck1", params=N, pretrain_tokens=1_000_000, path="x")
    cands = {c.key: c for c in enumerate_candidates(MENU, [ckpt])}
    branch = cands[(N, 1_000_000, 300_000, "default")]
    assert branch.parent == "ck1"
    assert batch_cost([branch], [ckpt]) == 6 * N * 300_000
    fresh = cands[(N, 3_000_000, 300_000, "default")]
    assert fresh.parent is None
    assert batch_cost([fresh], [ckpt]) == 6 * N * (3_000_000 + 300_000)


def test_one_pretraining_serves_every_trunk_on_its_way():
    a = Candidate(N, 1_000_000, 300_000, "default")
    b = Candidate(N, 3_000_000, 0, "default")
    c = Candidate(30_000, 1_000_000, 0, "default")
    assert batch_cost([a, b]) == 6 * N * (3_000_000 + 300_000)
    assert batch_cost([a, b, c]) == 6 * N * 3_300_000 + 6 * 30_000 * 1_000_000


def test_marginal_costs_match_batch_cost_differences():
    ckpts = [Checkpoint("ck", params=30_000, pretrain_tokens=3_000_000, path="x")]
    cands = enumerate_candidates(MENU, ckpts)
    rng = np.random.default_rng(0)
    for _ in range(5):
        batch = [cands[i] for i in rng.choice(len(cands), 3, replace=False)]
        got = marginal_costs(cands, batch, ckpts)
        want = [batch_cost([*batch, c], ckpts) - batch_cost(batch, ckpts) for c in cands]
        np.testing.assert_allclose(got, want)


def test_empty_menu_is_a_clear_error():
    with pytest.raises(BayeslawError, match="no params"):
        Menu((), (1,), (0,), ("d",))


def test_trainer_runs_match_menu_points_within_tolerance():
    # the trainer's sizing lands N within a few percent, and its D' = 0 point counts a
    # 0.1 D cooldown in D: such a run still counts as done, and its checkpoint is found
    done = [(103_000, 1_100_000, 0, "default"), (98_000, 1_000_000, 300_000, "default")]
    ckpt = Checkpoint("ck", params=98_000, pretrain_tokens=1_000_000, path="x")
    cands = {c.key: c for c in enumerate_candidates(MENU, [ckpt], exclude=done)}
    assert (N, 1_000_000, 0, "default") not in cands
    assert (N, 1_000_000, 300_000, "default") not in cands
    assert cands[(N, 1_000_000, 1_000_000, "default")].parent == "ck"
    assert (N, 3_000_000, 0, "default") in cands and (300_000, 1_000_000, 0, "default") in cands
    assert batch_cost([cands[(N, 1_000_000, 1_000_000, "default")]], [ckpt]) == 6 * N * 1_000_000
