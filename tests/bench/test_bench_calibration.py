"""bench_calibration's core: intervals of a known posterior cover as they claim."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_calibration as bench  # noqa: E402

from bayeslaw.draws import Draws  # noqa: E402
from bayeslaw.laws import get  # noqa: E402
from bayeslaw.runs.record import Run  # noqa: E402

TRUTH = {"E": 1.8, "A": 400.0, "alpha": 0.34, "B": 1500.0, "beta": 0.3}
SIGMA = 0.02


def exact_posterior(n_draws=500):
    """A posterior that is the truth itself: every draw the true parameters."""
    point = Draws.point("chinchilla", TRUTH, ("web",))
    draws = point.subset(np.zeros(n_draws, int))
    return SimpleNamespace(law=get("chinchilla"), domains=("web",), draws=draws,
                           noise={"sigma": np.full(n_draws, SIGMA), "nu": np.full(n_draws, 1e4)})


def test_intervals_of_the_true_law_are_calibrated():
    rng = np.random.default_rng(0)
    N, D = 10 ** rng.uniform(8, 10, 200), 10 ** rng.uniform(9, 11, 200)
    law = get("chinchilla")
    loss = np.exp(np.asarray(law.log_loss(TRUTH, N, D, 0.0)) + SIGMA * rng.standard_normal(200))
    held = [Run(params=int(n), pretrain_tokens=int(d), specialize_tokens=0, domain="web",
                loss=float(y), run_id=f"h{i}")
            for i, (n, d, y) in enumerate(zip(N, D, loss, strict=True))]
    held.append(Run(params=10**8, pretrain_tokens=10**9, specialize_tokens=0, domain="code",
                    loss=2.0, run_id="unknown-domain"))
    rows = bench.interval_rows(exact_posterior(), held)
    s = bench.summarize(rows)
    assert s["n"] == 200  # the run of a domain the posterior does not know is skipped
    assert 0.40 <= s["cover50"] <= 0.60 and 0.85 <= s["cover90"] <= 0.95
    assert abs(s["mae"] - SIGMA * np.sqrt(2 / np.pi)) < 0.004  # E|z| sigma for small sigma
    assert bench.fit_rmse(exact_posterior(), held[:-1]) < 1.2 * SIGMA


def test_largest_compute_split_and_empty_summary():
    runs = [Run(params=10**6, pretrain_tokens=d, specialize_tokens=0, domain="web", loss=3.0)
            for d in (10**6, 10**7, 3 * 10**7, 10**8)]
    fitted, held = bench.largest_compute(runs, factor=4.0)
    assert [r.pretrain_tokens for r in held] == [3 * 10**7, 10**8]
    assert len(fitted) == 2
    assert bench.summarize([])["n"] == 0
