"""Runs simulated from known parameters of a law (shared by the fit tests): a random
design answered by the project's simulator (:func:`bayeslaw.flow.simulate.simulate`)."""

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.flow.simulate import Truth
from bayeslaw.flow.simulate import simulate as answer

TRUTH = {
    "chinchilla": {"E": 1.8, "A": 480.0, "alpha": 0.35, "B": 2000.0, "beta": 0.37},
    "domain_gap": {"E": 1.8, "A": 480.0, "alpha": 0.35, "B": 2000.0, "beta": 0.37,
                   "G": 0.4, "S": 3e9, "gamma": 0.5},
}


def design(n=80, seed=0, domain="web", frac_special=0.7) -> list[dict]:
    """``n`` run specs with N in 1e7..1e10, D in 1e9..1e11, D' in 1e8..1e10 (or 0), the
    first two with D' = 0."""
    rng = np.random.default_rng(seed)
    N = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n))
    D = np.exp(rng.uniform(np.log(1e9), np.log(1e11), n))
    Dp = np.where(rng.uniform(size=n) < frac_special,
                  np.exp(rng.uniform(np.log(1e8), np.log(1e10), n)), 0.0)
    Dp[:2] = 0.0
    return [{"params": int(a), "pretrain_tokens": int(b), "specialize_tokens": int(c),
             "domain": domain, "run_id": f"{domain}-{seed}-{i}"}
            for i, (a, b, c) in enumerate(zip(N, D, Dp, strict=True))]


def simulate(law, theta, n=80, seed=0, noise=0.005, domain="web", frac_special=0.7):
    """``n`` runs of :func:`design` with noise of relative size ``noise`` on the loss."""
    truth = Truth(Draws.point(law, theta, (domain,)), sigma=noise)
    return answer(truth, design(n, seed, domain, frac_special), seed=seed)
