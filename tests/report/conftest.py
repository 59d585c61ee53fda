"""Fixtures of the report tests: runs simulated from a known law and posterior-like
draws around it (a tiny real fit is in test_report_fit.py)."""

import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.laws import get
from bayeslaw.runs import Run

TRUTH = dict(E=1.6, A=40.0, alpha=0.3, B=60.0, beta=0.3, G=0.5, S=3e5, gamma=0.6)
DOMAINS = ("foldoc", "code")


def simulate_runs(seed=0, noise=0.01, domains=DOMAINS):
    """A small grid of runs per domain from the domain_gap law with log-normal noise."""
    rng = np.random.default_rng(seed)
    law = get("domain_gap")
    runs = []
    for dom in domains:
        for N in (56_640, 335_712, 1_237_440):
            for D, Dp in ((500_000, 0), (1_000_000, 0), (2_000_000, 0), (500_000, 200_000),
                          (1_000_000, 800_000), (2_000_000, 200_000), (0, 1_000_000)):
                mean = float(law.loss(TRUTH, N, D, Dp))
                runs.append(Run(N, D, Dp, dom, mean * float(np.exp(noise * rng.normal()))))
    return runs


def cloud(S=120, spread=0.03, seed=0, domains=DOMAINS):
    """Draws scattered around the truth (log-normal, ``spread`` relative)."""
    rng = np.random.default_rng(seed)
    law = get("domain_gap")
    params = {}
    for k, v in TRUTH.items():
        shape = (S, len(domains)) if k in law.domain_params else (S,)
        params[k] = v * np.exp(spread * rng.standard_normal(shape))
    return Draws(law, tuple(domains), params)


@pytest.fixture(scope="session")
def runs():
    return simulate_runs()


@pytest.fixture(scope="session")
def draws():
    return cloud()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
