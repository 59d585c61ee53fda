"""Domains not yet measured: drawn from the fitted population of domains.

A posterior of several domains pools each per-domain symbol through its latent
(:mod:`bayeslaw.fit.model`, :mod:`bayeslaw.fit.priors`)::

    u_d = mu + sd z_d,    z_d ~ Normal(0, 1)

so a new domain, one the fit has not seen, has under each posterior draw s

    u_new^(s) = mu^(s) + sd^(s) z_new^(s),    z_new^(s) ~ Normal(0, 1)

(the hierarchical posterior predictive of a new domain, Gelman et al., *Bayesian Data
Analysis*, 3rd ed., sec. 5.5), turned into absolute units by the same transform as
the fit's (:func:`bayeslaw.fit.model.absolute`; the link and offset are the
population's, :class:`bayeslaw.draws.Population`). Shared symbols are those of the draw.

Assumption: the fit centres E and G on each domain's median observed loss L0_d and
pools E / L0_d and G / L0_d, not L0_d itself; a new domain takes the pool's
reference loss (the median over all runs), so between-domain differences in L0_d are
not part of its spread.

:func:`with_new_domains` is a pure function of (draws, n_new, key); :func:`select`
turns a planner's ``k``, ``domains`` and ``new_domains`` into draws and names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError

NEW_PREFIX = "new-"


def new_names(draws: Draws, n_new: int) -> tuple[str, ...]:
    """``new-1``, ``new-2``, ...: the names of ``n_new`` new domains (never a measured one)."""
    names, i = [], 1
    while len(names) < n_new:
        if f"{NEW_PREFIX}{i}" not in draws.domains:
            names.append(f"{NEW_PREFIX}{i}")
        i += 1
    return tuple(names)


def with_new_domains(draws: Draws, n_new: int, key: int = 0) -> Draws:
    """``draws`` with ``n_new`` domains drawn from the population, appended as columns.

    Parameters
    ----------
    draws : Draws
        Posterior draws with a :class:`~bayeslaw.draws.Population` (a fit of >= 2 domains).
    n_new : int
        Number of new domains (0 returns ``draws`` unchanged).
    key : int
        Seed of z_new: the same (draws, n_new, key) give the same domains.
    """
    if n_new == 0:
        return draws
    if int(n_new) != n_new or n_new < 0:
        raise BayeslawError(f"the number of new domains must be a whole number >= 0, got {n_new}")
    pop = draws.population
    if pop is None:
        raise BayeslawError(
            f"the posterior has no population of domains to draw a new domain from (it was "
            f"fitted to {len(draws.domains)} domain(s): {', '.join(draws.domains)}; a "
            "population needs a Bayesian fit of at least 2 domains)")
    law, S = draws.law, draws.n_draws
    z = np.random.default_rng(key).standard_normal((len(law.domain_params), S, int(n_new)))
    params = dict(draws.params)
    for i, p in enumerate(law.domain_params):
        u = pop.offset[p] + np.asarray(pop.mu[p])[:, None] + np.asarray(pop.sd[p])[:, None] * z[i]
        new = 1.0 / (1.0 + np.exp(-u)) if pop.link[p] == "logit" else np.exp(u)
        params[p] = np.concatenate([np.asarray(draws.params[p], float), new], axis=1)
    return Draws(law, draws.domains + new_names(draws, n_new), params, pop, draws.noise)


def select(draws: Draws, k: int, domains: Sequence[str] | None = None, new_domains: int = 0,
           key: int = 0) -> tuple[Draws, list[str] | None]:
    """The draws and domain names to plan for: ``m`` measured domains and ``k - m`` new ones.

    The measured ones are those of ``domains`` in the posterior (default: all of the
    posterior's). With one measured domain and no new one asked for, the plan serves
    k copies of it (names returned as given, as
    :func:`bayeslaw.plan.objective.resolve_domains` expects). Otherwise the k - m
    domains beyond the measured ones are new (:func:`with_new_domains`, names
    ``new-1``...); ``new_domains``, if given, must equal k - m, and new names in
    ``domains`` must be those. The same arguments give the same draws, so the plan, the
    frontier and the report's figures of one request see the same new domains.
    """
    if int(k) != k or k < 1:
        raise BayeslawError(f"the number of domains k must be a positive integer, got {k}")
    named = list(domains or ())
    asked_new = [d for d in named if d not in draws.domains and d.startswith(NEW_PREFIX)]
    measured = tuple(d for d in named if d not in asked_new) if named else draws.domains
    new_domains = new_domains or len(asked_new)
    if len(measured) == 1 and not new_domains:
        return draws, (named or None)
    for d in measured:
        draws.domain_index(d)
    n_new = int(k) - len(measured)
    if new_domains and new_domains != n_new:
        raise BayeslawError(
            f"k={k} domains cannot be {len(measured)} measured ({', '.join(measured)}) and "
            f"{new_domains} new")
    if n_new < 0:
        raise BayeslawError(
            f"k={k} is fewer than the {len(measured)} measured domains to plan for "
            f"({', '.join(measured)})")
    drawn = with_new_domains(draws, n_new, key)
    names = drawn.domains[len(draws.domains):]
    if asked_new and sorted(asked_new) != sorted(names):
        raise BayeslawError(f"new domains are named {', '.join(names)}; got {', '.join(asked_new)}")
    return drawn, list(measured + names)
