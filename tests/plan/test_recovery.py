"""Must-show (issue 4): plans from posteriors fitted to runs simulated from a known
``domain_gap`` law, at a budget 20x beyond the largest run, have a true regret under
0.5% of the true optimal loss, and the 90% intervals of the per-draw optima of N, D
and D' contain the true optimum. Needs the Bayesian fit (bayeslaw.fit, issue 3).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bayeslaw.compute import run_flops
from bayeslaw.draws import Draws
from bayeslaw.plan import decision_losses, optimal_per_draw, plan
from bayeslaw.runs.record import Run

TRUE = dict(E=1.8, A=120.0, alpha=0.34, B=87.0, beta=0.28, G=0.4, S=3e7, gamma=0.6)
K = 4
NOISE = 0.005  # multiplicative noise on the loss


def simulate(seed: int) -> list[Run]:
    """30 runs: 3 sizes x 3 pretraining lengths x 3 specialization lengths, and 3 from scratch."""
    rng = np.random.default_rng(seed)
    grid = list(itertools.product((2e6, 6e6, 2e7), (3e7, 1e8, 3e8), (0.0, 2e7, 8e7)))
    grid += [(n, 0.0, 1e8) for n in (2e6, 6e6, 2e7)]
    truth = Draws.point("domain_gap", TRUE)
    N, D, Dp = (np.array(x) for x in zip(*grid, strict=True))
    L = decision_losses(truth, (N, D, Dp), 1)[0] * np.exp(NOISE * rng.standard_normal(len(N)))
    return [Run(params=int(n), pretrain_tokens=int(d), specialize_tokens=int(dp),
                domain="default", loss=float(loss), seed=seed)
            for n, d, dp, loss in zip(N, D, Dp, L, strict=True)]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plan_from_fitted_posterior_has_small_true_regret_and_covers_truth(seed):
    from bayeslaw.fit import fit  # issue 3; this test needs it

    runs = simulate(seed)
    budget = 20 * max(run_flops(r.params, r.pretrain_tokens, r.specialize_tokens) for r in runs)
    post = fit(runs, law="domain_gap", chains=2, warmup=250, samples=300, seed=seed)
    p = plan(post.draws, budget, K)
    truth = Draws.point("domain_gap", TRUE)
    best = optimal_per_draw(truth, budget, K)
    r = p.recommended
    true_loss = decision_losses(truth, ([r.params], [r.pretrain_tokens],
                                        [r.specialize_tokens[0]]), K)[0, 0]
    regret = (true_loss - best.loss[0]) / best.loss[0]
    assert 0 <= regret < 0.005, f"true relative regret {regret:.4%}"
    o = p.per_draw
    for name, draws_, true in (("N", o.params, best.params[0]),
                               ("D", o.pretrain_tokens, best.pretrain_tokens[0]),
                               ("D'", o.specialize_tokens, best.specialize_tokens[0])):
        lo, hi = np.quantile(draws_, [0.05, 0.95])
        assert lo <= true <= hi, f"{name}: true optimum {true:.4g} outside [{lo:.4g}, {hi:.4g}]"
