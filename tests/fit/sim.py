"""Runs simulated from known parameters of a law (shared by the fit tests)."""

import numpy as np

from bayeslaw._jax import setup
from bayeslaw.runs.record import Run

TRUTH = {
    "chinchilla": {"E": 1.8, "A": 480.0, "alpha": 0.35, "B": 2000.0, "beta": 0.37},
    "domain_gap": {"E": 1.8, "A": 480.0, "alpha": 0.35, "B": 2000.0, "beta": 0.37,
                   "G": 0.4, "S": 3e9, "gamma": 0.5},
}


def simulate(law, theta, n=80, seed=0, noise=0.005, domain="web", frac_special=0.7):
    """``n`` runs with N in 1e7..1e10, D in 1e9..1e11, D' in 1e8..1e10 (or 0) and
    multiplicative noise ``noise`` on the loss."""
    setup()
    rng = np.random.default_rng(seed)
    N = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n))
    D = np.exp(rng.uniform(np.log(1e9), np.log(1e11), n))
    Dp = np.where(rng.uniform(size=n) < frac_special,
                  np.exp(rng.uniform(np.log(1e8), np.log(1e10), n)), 0.0)
    Dp[:2] = 0.0
    log_l = np.asarray(law.log_loss(theta, N, D, Dp))
    loss = np.exp(log_l) * (1 + noise * rng.standard_normal(n))
    return [Run(int(a), int(b), int(c), domain, float(x), run_id=f"{domain}-{seed}-{i}")
            for i, (a, b, c, x) in enumerate(zip(N, D, Dp, loss, strict=True))]
