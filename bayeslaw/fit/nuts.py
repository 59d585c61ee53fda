"""NUTS over a law's model: several chains, compiled once per law and data shape.

The :class:`numpyro.infer.MCMC` objects are cached by (model, chains, warmup,
samples, chain method, progress, data shapes), and run with ``jit_model_args=True``,
so a second fit of the same law to data of the same shape (a bootstrap, a held-out
split, the suggestion loop) reuses the compiled sampler. numpyro's own "parallel"
chain method closes the pmapped program over the data, which makes jax compile it
anew on every run (~3-6 s on 2 cores, more than the sampling); :class:`CachedPmap`
passes the data as an argument instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import numpy as np
from numpyro.infer import MCMC, NUTS, init_to_median

EXTRA_FIELDS = ("diverging", "energy", "num_steps", "accept_prob", "potential_energy")


@dataclass(frozen=True)
class NutsResult:
    """Samples grouped by chain: ``samples[site]`` has shape (chains, draws, ...)."""

    samples: dict[str, np.ndarray]
    stats: dict[str, np.ndarray]
    chain_method: str


class CachedPmap:
    """A numpyro ``chain_method``: ``pmap`` over chains with the model's data as a
    broadcast argument, so the compiled program is found again on the next run.

    numpyro calls it with ``partial(mcmc._single_chain_mcmc, args=..., kwargs=...,
    collect_fields=..., remove_sites=...)``; one instance serves one MCMC object.
    """

    def __init__(self) -> None:
        self._fns: dict = {}

    def __call__(self, partial_fn):
        kw = dict(partial_fn.keywords)
        args = kw.pop("args")
        # The draws' index range is traced into the program: a resumed run (no warmup,
        # see :func:`run`) needs a program of its own.
        span = tuple(sorted(partial_fn.func.__self__._collection_params.items()))
        key = (kw["collect_fields"], kw["remove_sites"], span)
        if key not in self._fns:
            single = partial_fn.func
            self._fns[key] = jax.pmap(lambda init, a: single(init, args=a, **kw),
                                      in_axes=(0, None))
        return lambda map_args: self._fns[key](map_args, args)


def chain_method(chains: int) -> str:
    """"parallel" when jax has a device per chain, else "vectorized" (one program)."""
    return "parallel" if jax.local_device_count() >= chains > 1 else "vectorized"


@functools.lru_cache(maxsize=16)
def _mcmc(model, chains: int, warmup: int, samples: int, method: str, progress: bool,
          target_accept: float, shapes: tuple, init_strategy) -> MCMC:
    # ``shapes`` (of the data) is part of the key: an MCMC object keeps the state of its
    # last run, and numpyro fails when it is rerun on data of another shape.
    kernel = NUTS(model, init_strategy=init_strategy or init_to_median(num_samples=15),
                  target_accept_prob=target_accept, dense_mass=True)
    # Progress bars need numpyro's own "parallel" (it disables them for a callable);
    # a process that shows them fits once anyway (the CLI).
    cached = method == "parallel" and not progress and chains > 1
    return MCMC(kernel, num_warmup=warmup, num_samples=samples, num_chains=chains,
                chain_method=CachedPmap() if cached else method, progress_bar=progress,
                jit_model_args=True)


def run(model, data: dict, y: np.ndarray, *, chains: int = 4, warmup: int = 500,
        samples: int = 500, seed: int = 0, progress: bool = False,
        target_accept: float = 0.9, method: str | None = None,
        init_strategy=None, resume: bool = False) -> NutsResult:
    """Sample the posterior of ``model(data, y)`` with NUTS (dense mass matrix).

    ``init_strategy`` is a numpyro init strategy (a hashable function; default: the
    prior median). ``resume``: continue the chains of the last run with the same
    settings and data shapes from where they stopped, with their adapted step size and
    mass matrix, for ``samples`` more draws (no warmup); only the new draws are returned.
    """
    method = method or chain_method(chains)
    shapes = tuple(sorted((k, np.shape(v)) for k, v in data.items())) + (np.shape(y),)
    mcmc = _mcmc(model, chains, warmup, samples, method, progress, target_accept, shapes,
                 init_strategy)
    if resume:
        if mcmc.last_state is None:
            raise ValueError("resume=True needs an earlier run with the same settings")
        mcmc.post_warmup_state = mcmc.last_state
    try:
        mcmc.run(jax.random.PRNGKey(seed), data, y, extra_fields=EXTRA_FIELDS)
    finally:
        mcmc.post_warmup_state = None  # the cached object's next run warms up anew
    grouped = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    extra = mcmc.get_extra_fields(group_by_chain=True)
    return NutsResult(grouped, {k: np.asarray(v) for k, v in extra.items()}, method)
