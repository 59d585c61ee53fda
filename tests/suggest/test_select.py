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
    s = suggest(DRAWS, noise(150), MENU,
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
    s = suggest(DRAWS, noise(150), MENU, Settings(budget=BUDGET, q=4, n_worlds=32),
                checkpoints=ckpts, done=done)
    for x in s.specs:
        assert (x["params"], x["pretrain_tokens"], x["specialize_tokens"], "default") not in done
        if x["pretrain_tokens"] > 0:
            assert x["parent"] == f"ck{x['params']}"
            assert x["cost_flops"] == pytest.approx(6 * x["params"] * x["specialize_tokens"])


def test_no_candidate_under_the_cap_is_a_clear_error():
    with pytest.raises(BayeslawError, match="max-run-flops"):
        suggest(DRAWS, noise(150), MENU, Settings(budget=BUDGET, max_run_flops=1.0))


def test_a_certain_posterior_suggests_nothing():
    point = DRAWS.subset(np.zeros(150, int))  # every draw the same: nothing to learn
    s = suggest(point, noise(150), MENU, Settings(budget=BUDGET, q=3, n_worlds=16))
    assert s.specs == [] and s.regret_now == pytest.approx(0.0, abs=1e-15)
