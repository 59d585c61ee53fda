"""The Bayesian fit: runs in, :class:`~bayeslaw.fit.posterior.Posterior` out."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bayeslaw._jax import setup
from bayeslaw.errors import BayeslawError
from bayeslaw.fit import data as fit_data
from bayeslaw.fit import nuts
from bayeslaw.fit import priors as fit_priors
from bayeslaw.fit.likelihood import log_lik_grid
from bayeslaw.fit.model import INIT, make_model
from bayeslaw.fit.nuts import NutsResult
from bayeslaw.fit.posterior import Posterior, build, provenance
from bayeslaw.fit.start import start as find_start
from bayeslaw.laws import Law
from bayeslaw.laws import get as get_law

STATS = {"diverging": "diverging", "energy": "energy", "num_steps": "n_steps",
         "accept_prob": "acceptance_rate"}


def _check_settings(chains: int, warmup: int, samples: int) -> None:
    if chains < 1 or warmup < 1 or samples < 1:
        raise BayeslawError(f"chains, warmup and samples must be >= 1 (got {chains}, {warmup}, "
                            f"{samples})")


@functools.lru_cache(maxsize=16)
def _prior_predictive_fn(model, n: int):
    # Compiled once per model and data shape: Predictive alone traces the model anew on
    # every call (seconds, more than the sampling of a small fit).
    import jax
    from numpyro.infer import Predictive

    return jax.jit(lambda key, arrays: Predictive(model, num_samples=n)(key, arrays)["log_loss"])


def _prior_predictive(model, arrays, seed: int, n: int = 200) -> np.ndarray:
    import jax

    return np.asarray(_prior_predictive_fn(model, n)(jax.random.PRNGKey(seed + 1), arrays))[None]


MAX_TREE_DEPTH = 10  # numpyro's NUTS default: at most 2^10 - 1 leapfrog steps a draw
SATURATED = 0.1  # this share of draws at the maximum tree depth or more: adapt anew


def _saturated(num_steps: np.ndarray) -> bool:
    """Whether the chains hit NUTS's maximum tree depth in a tenth of their draws or more:
    then the adapted step size is far too small for the posterior's width (e.g. a
    direction only the prior bounds), and continuing the chains keeps that adaptation;
    a longer warmup can find a better one. A stray draw at the maximum does not count."""
    return float(np.mean(np.asarray(num_steps) >= 2**MAX_TREE_DEPTH - 1)) >= SATURATED


def _joined(a, b):
    """The draws of ``a`` followed by those of ``b`` (the same chains resumed)."""
    def cat(x, y):
        return {k: np.concatenate([x[k], y[k]], axis=1) for k in x}

    return NutsResult(cat(a.samples, b.samples), cat(a.stats, b.stats), a.chain_method)


def fit(runs: Sequence, law: str | Law = "domain_gap", *, domains: Sequence[str] | None = None,
        chains: int = 4, warmup: int = 500, samples: int = 500, seed: int = 0,
        priors: str | os.PathLike | Mapping[str, Any] | None = None, progress: bool = False,
        target_accept: float = 0.9, escalate: int = 1) -> Posterior:
    """Sample the posterior of ``law``'s parameters given completed ``runs`` with NUTS.

    Parameters
    ----------
    runs : sequence of bayeslaw.runs.Run
        Completed runs (others are ignored); with ``domains``, only those domains.
    law : str or Law
        A registered law (``bayeslaw laws``).
    chains, warmup, samples, seed : int
        NUTS settings; chains run in parallel when jax has a device per chain.
    priors : path, dict or None
        Overrides of :data:`bayeslaw.fit.priors.DEFAULTS` (TOML file or dict).
    progress : bool
        Progress bars on stderr (slower: the sampler then steps from Python).
    target_accept : float
        NUTS target acceptance; raise it (0.95) if there are divergences.
    escalate : int
        How many times at most to draw more when the chains fail their convergence
        checks (:class:`~bayeslaw.fit.diagnostics.Convergence`); 0 never (nor with one
        chain). Without divergences the chains go on from where they stopped, with
        their adapted step size and mass matrix, for ``samples`` more draws each (the
        draws so far are kept: R-hat and ESS only need more of them); after
        divergences, or with a tenth of the draws at the maximum tree depth, the
        adaptation was wrong, so the chains start again with twice the warmup and
        draws (after divergences also ``target_accept`` halfway to 1: smaller steps,
        and every per-domain latent non-centred, :func:`bayeslaw.fit.model._per_domain`
        with ``c_d = 0``: divergences in a pooled fit are the funnel between the domains'
        latents and their spread, Betancourt & Girolami 2015, which the centring chosen
        from the mode, :func:`bayeslaw.fit.start.centring`, can misjudge when the domains
        lie closer together than their data pin each one).
        Each time with the next seed. The posterior records the settings it was drawn with
        (``warmup``, ``samples``: the draws per chain) and ``escalations``; if it still
        fails, its checks say so.

    Raises
    ------
    BayeslawError
        Too few runs, no spread in N or D + D', a domain with no runs, NaN losses,
        unknown law or bad priors.
    """
    setup()
    import jax.numpy as jnp

    _check_settings(chains, warmup, samples)
    if escalate < 0:
        raise BayeslawError(f"escalate must be >= 0 (got {escalate})")
    law = get_law(law) if isinstance(law, str) else law
    resolved = fit_priors.resolve(priors)
    fdata = fit_data.from_runs(runs, law, domains)
    model = make_model(law, fit_priors.freeze(resolved), len(fdata.domains))
    start = time.perf_counter()
    # The start is part of the data, so the compiled sampler is reused across data sets.
    padded, y = fdata.padded()  # and padded to a bucket of run counts (FitData.padded)
    arrays = {k: jnp.asarray(v) for k, v in {**padded,
                                              **find_start(law, fdata, resolved)}.items()}
    attempt, drawn, res = 0, 0, None
    while True:
        more = nuts.run(model, arrays, jnp.asarray(y), chains=chains, warmup=warmup,
                        samples=samples, seed=seed + attempt, progress=progress,
                        target_accept=target_accept, init_strategy=INIT, resume=drawn > 0)
        res, drawn = (more, samples) if drawn == 0 else (_joined(res, more), drawn + samples)
        stats = {STATS[k]: v for k, v in res.stats.items() if k in STATS}
        stats["lp"] = -res.stats["potential_energy"]
        attrs = provenance(law, fit_priors.to_toml(resolved), fdata.run_ids, fdata.domains,
                           method="nuts", seed=seed, chains=chains, warmup=warmup,
                           samples=drawn, target_accept=target_accept,
                           chain_method=res.chain_method,
                           escalations=attempt, fit_seconds=time.perf_counter() - start)
        post = build(law, fdata, res.samples, stats, log_lik_grid(law, fdata, res.samples),
                     attrs, _prior_predictive(model, arrays, seed)[..., :len(fdata.log_loss)])
        # One chain cannot show convergence (no R-hat): more draws would not change that.
        if attempt == escalate or chains < 2 or post.convergence.ok:
            return post
        attempt += 1
        if post.convergence.divergences or _saturated(res.stats["num_steps"]):
            warmup, samples, drawn = 2 * warmup, 2 * samples, 0  # the adaptation failed
        if post.convergence.divergences:  # the adapted step size is too large
            target_accept = (1.0 + target_accept) / 2
            # and the pooling may hold a funnel the centring did not foresee (domains
            # closer together than their data pin them): the per-domain latents are
            # sampled non-centred from now on (model._per_domain, c_d = 0)
            arrays = {k: (jnp.zeros_like(v) if k.startswith("centring_") else v)
                      for k, v in arrays.items()}
