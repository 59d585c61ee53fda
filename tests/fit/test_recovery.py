"""Parameter recovery: 90% posterior intervals cover the true exponents.

~80 runs simulated from known parameters with 0.5% noise on the loss, several seeds.
With calibrated intervals each exponent is covered with probability 0.9, so we ask
for coverage of at least 75% over all (seed, exponent) pairs, and medians within 15%.
"""

import numpy as np
import pytest

from bayeslaw.fit import fit
from bayeslaw.laws import get
from tests.fit.sim import TRUTH, simulate

SEEDS = (1, 2, 3)
EXPONENTS = {"chinchilla": ("alpha", "beta"), "domain_gap": ("alpha", "beta", "gamma")}


@pytest.fixture(scope="module", params=["chinchilla", "domain_gap"])
def recovered(request):
    law = get(request.param)
    out = []
    for seed in SEEDS:
        runs = simulate(law, TRUTH[law.name], n=80, seed=seed)
        post = fit(runs, law.name, chains=2, warmup=250, samples=250, seed=seed,
                   escalate=0)
        out.append(post)
    return law, out


def test_intervals_cover_true_exponents(recovered):
    law, posts = recovered
    hits = []
    for post in posts:
        for p in EXPONENTS[law.name]:
            lo, hi = np.percentile(post.draws.params[p], [5, 95])
            hits.append(lo <= TRUTH[law.name][p] <= hi)
    assert np.mean(hits) >= 0.75, (law.name, hits)


def test_medians_close_to_truth(recovered):
    law, posts = recovered
    for post in posts:
        for p in ("alpha", "beta", "E"):
            med = np.median(post.draws.params[p])
            assert abs(med / TRUTH[law.name][p] - 1) < 0.15, (law.name, p, med)


def test_noise_scale_recovered(recovered):
    _, posts = recovered
    for post in posts:
        assert 0.002 < np.median(post.noise["sigma"]) < 0.01
