"""A minimal NUTS fit of one law on one domain: a STAND-IN for ``bayeslaw.fit`` used by
bench_suggest.py only while the project's fit is not merged (``--fitter standin``).

Weakly informative priors on log coefficients and exponents, Student-t (nu = 5)
likelihood on log loss with a learned scale; data padded to a fixed size with a
mask so that NUTS compiles once for the whole benchmark.
"""

from __future__ import annotations

import numpy as np

PRIORS = {  # (loc, scale) of Normal priors on log E, log A, log B, log G, log S; broad, and
    # not centred on the benchmark's truth (E 1.5, A 30, B 60, G 0.5, S 2e6)
    "E": (np.log(1.0), 1.0), "A": (np.log(10.0), 3.0), "B": (np.log(10.0), 3.0),
    "G": (np.log(0.3), 2.0), "S": (np.log(1e6), 3.0),
}
EXPONENTS = {"alpha": (0.05, 1.0), "beta": (0.05, 1.0), "gamma": (0.05, 2.0)}
PAD = 256


def _model(N, D, Dp, y=None, mask=None, law=None):
    import numpyro
    import numpyro.distributions as dist

    theta = {}
    for k, (loc, scale) in PRIORS.items():
        if k in law.params:
            theta[k] = numpyro.deterministic(k, np.e ** numpyro.sample(
                f"log_{k}", dist.Normal(loc, scale)))
    for k, (lo, hi) in EXPONENTS.items():
        if k in law.params:
            theta[k] = numpyro.sample(k, dist.Uniform(lo, hi))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.05))
    mu = law.log_loss(theta, N, D, Dp)
    with numpyro.handlers.mask(mask=mask):
        numpyro.sample("y", dist.StudentT(5.0, mu, sigma), obs=y)


def standin_fit(runs, law_name: str = "domain_gap", *, seed: int = 0, warmup: int = 300,
                samples: int = 300, chains: int = 2):
    """``(Draws, noise)`` from NUTS on ``runs`` (one domain)."""
    from bayeslaw import _jax

    _jax.setup()
    import jax
    from numpyro.infer import MCMC, NUTS, init_to_median

    from bayeslaw.draws import Draws
    from bayeslaw.laws import get

    law = get(law_name)
    n = len(runs)
    cols = np.ones((4, PAD))
    cols[:, :n] = np.array([[r.params, r.pretrain_tokens, r.specialize_tokens, np.log(r.loss)]
                            for r in runs]).T
    cols[1, n:] = 1.0
    mask = np.arange(PAD) < n
    mcmc = MCMC(NUTS(_model, init_strategy=init_to_median, target_accept_prob=0.9),
                num_warmup=warmup, num_samples=samples, num_chains=chains,
                chain_method="vectorized", progress_bar=False)
    mcmc.run(jax.random.PRNGKey(seed), cols[0], cols[1], cols[2], cols[3], mask, law)
    s = {k: np.asarray(v) for k, v in mcmc.get_samples().items()}
    params = {k: (s[k][:, None] if k in law.domain_params else s[k]) for k in law.params}
    domain = runs[0].domain
    return (Draws(law, (domain,), params),
            {"sigma": s["sigma"], "nu": np.full_like(s["sigma"], 5.0)})
