"""On Epoch AI's extraction of the Hoffmann et al. runs, the fits land on Epoch's fit.

Epoch (Besiroglu et al. 2024): E 1.82, A 482, alpha 0.348, B 2085, beta 0.366, from a
Huber fit of 240 runs (the five highest-loss runs excluded, as in their code).
"""

import numpy as np
import pytest

from bayeslaw.data import epoch_chinchilla
from bayeslaw.fit import fit, lbfgs

EPOCH = {"E": 1.82, "A": 482.01, "alpha": 0.3478, "B": 2085.43, "beta": 0.3658}


@pytest.fixture(scope="module")
def runs():
    return epoch_chinchilla()


def test_bundled_data(runs):
    assert len(runs) == 240 and len(epoch_chinchilla(exclude_highest=0)) == 245
    assert all(r.specialize_tokens == 0 for r in runs)


def test_lbfgs_reproduces_epoch(runs):
    point = lbfgs.fit(runs, "chinchilla").draws.params
    theta = {k: float(np.ravel(v)[0]) for k, v in point.items()}
    assert theta["E"] == pytest.approx(EPOCH["E"], rel=0.01)
    assert theta["alpha"] == pytest.approx(EPOCH["alpha"], abs=0.005)
    assert theta["beta"] == pytest.approx(EPOCH["beta"], abs=0.005)
    assert theta["A"] == pytest.approx(EPOCH["A"], rel=0.1)
    assert theta["B"] == pytest.approx(EPOCH["B"], rel=0.1)


def test_posterior_medians_close_to_epoch(runs):
    post = fit(runs, "chinchilla", chains=2, warmup=300, samples=300, seed=0, escalate=0)
    med = {k: float(np.median(v)) for k, v in post.draws.params.items()}
    assert med["E"] == pytest.approx(EPOCH["E"], rel=0.03)
    assert med["alpha"] == pytest.approx(EPOCH["alpha"], abs=0.02)
    assert med["beta"] == pytest.approx(EPOCH["beta"], abs=0.02)
    assert abs(np.log(med["A"] / EPOCH["A"])) < 0.3
    assert abs(np.log(med["B"] / EPOCH["B"])) < 0.4
    for p in ("alpha", "beta"):  # and Epoch's estimate inside the 90% interval
        lo, hi = np.percentile(post.draws.params[p], [5, 95])
        assert lo <= EPOCH[p] <= hi
