"""bayeslaw's own R-hat / ESS (bayeslaw.fit.rank_stats) give ArviZ's figures."""

from __future__ import annotations

import numpy as np
import pytest

from bayeslaw.fit import rank_stats
from bayeslaw.fit._arviz import az


def _ar1(rng, chains, draws, phi, shift=0.0):
    x = np.zeros((chains, draws))
    e = rng.standard_normal((chains, draws))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x + shift * np.arange(chains)[:, None]


@pytest.mark.parametrize("case", ["mixed", "sticky", "stuck_chain", "ties", "odd"])
def test_rhat_and_ess_match_arviz(case):
    rng = np.random.default_rng(1)
    x = {"mixed": lambda: _ar1(rng, 4, 500, 0.3),
         "sticky": lambda: _ar1(rng, 4, 400, 0.97),
         "stuck_chain": lambda: _ar1(rng, 4, 300, 0.5, shift=2.0),
         "ties": lambda: np.round(_ar1(rng, 2, 200, 0.5), 1),
         "odd": lambda: _ar1(rng, 3, 101, 0.6)}[case]()
    assert rank_stats.rhat(x) == pytest.approx(float(az.rhat(x)), rel=1e-10)
    assert rank_stats.ess_bulk(x) == pytest.approx(float(az.ess(x, method="bulk")), rel=1e-8)
    assert rank_stats.ess_tail(x) == pytest.approx(float(az.ess(x, method="tail")), rel=1e-8)
    e = x[:, :50] ** 2
    np.testing.assert_allclose(rank_stats.bfmi(e), az.bfmi(e), rtol=1e-12)


def test_too_few_chains_or_draws_is_nan():
    x = np.random.default_rng(0).standard_normal((1, 100))
    assert np.isnan(rank_stats.rhat(x))
    assert np.isfinite(rank_stats.ess_bulk(x))
    assert np.isnan(rank_stats.ess_bulk(x[:, :3]))
    assert np.isnan(rank_stats.rhat(np.full((4, 10), np.nan)))
