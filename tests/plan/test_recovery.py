"""Must-show (issue 4): plans from posteriors fitted to runs simulated from a known
``domain_gap`` law, at a budget 20x beyond the largest run, have a true regret under
0.5% of the true optimal loss, and the 90% intervals of the per-draw optima of N, D
and D' contain the true optimum (counted over seeds: calibrated 90% intervals miss one
time in ten). Needs the Bayesian fit (bayeslaw.fit, issue 3).
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


SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def planned():
    """For each seed: the plan from a fitted posterior, and the true optimum."""
    from bayeslaw.fit import fit  # issue 3; these tests need it

    truth = Draws.point("domain_gap", TRUE)
    out = []
    for seed in SEEDS:
        runs = simulate(seed)
        budget = 20 * max(run_flops(r.params, r.pretrain_tokens, r.specialize_tokens)
                          for r in runs)
        post = fit(runs, law="domain_gap", chains=2, warmup=250, samples=300, seed=seed,
                   escalate=0)
        out.append((plan(post.draws, budget, K), optimal_per_draw(truth, budget, K)))
    return truth, out


@pytest.mark.slow
def test_plan_from_fitted_posterior_has_small_true_regret(planned):
    truth, out = planned
    for p, best in out:
        r = p.recommended
        true_loss = decision_losses(truth, ([r.params], [r.pretrain_tokens],
                                            [r.specialize_tokens[0]]), K)[0, 0]
        regret = (true_loss - best.loss[0]) / best.loss[0]
        assert 0 <= regret < 0.005, f"true relative regret {regret:.4%}"


@pytest.mark.slow
def test_intervals_of_the_optimum_cover_the_truth(planned):
    """Each 90% interval covers its truth with probability 0.9 if calibrated, so all nine
    (3 seeds x N, D, D') would all cover only ~40% of the time; we ask for at least 7 of
    9 (a calibrated posterior fails that ~5% of the time if the checks were independent,
    less as they are positively correlated), as in tests/fit/test_recovery.py."""
    _, out = planned
    hits = []
    for p, best in out:
        o = p.per_draw
        for name, draws_, true in (("N", o.params, best.params[0]),
                                   ("D", o.pretrain_tokens, best.pretrain_tokens[0]),
                                   ("D'", o.specialize_tokens, best.specialize_tokens[0])):
            lo, hi = np.quantile(draws_, [0.05, 0.95])
            hits.append((name, f"{true:.4g} in [{lo:.4g}, {hi:.4g}]", bool(lo <= true <= hi)))
    assert sum(h[-1] for h in hits) >= 7, hits
