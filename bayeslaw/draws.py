"""Posterior draws of a law's parameters: the hand-off from the fit to the planner
and the suggester.

Shared parameters have shape ``(S,)`` (S draws); per-domain parameters
(``law.domain_params``) have shape ``(S, n_domains)``, columns in ``domains`` order.
A point estimate is simply ``S = 1``.

``population`` (optional) is the fitted population of domains that a hierarchical
posterior of several domains carries: per draw, the mean ``mu`` and the spread ``sd``
of each per-domain latent, and the data scales that turn a latent into absolute units
(see :mod:`bayeslaw.population`, which draws new, unmeasured domains from it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bayeslaw.errors import BayeslawError
from bayeslaw.laws import Law
from bayeslaw.laws import get as get_law


@dataclass(frozen=True)
class Population:
    """The population of domains per draw: ``u_d = mu + sd z_d`` for each per-domain
    latent (:mod:`bayeslaw.fit.model`); ``mu`` and ``sd`` map a symbol to shape (S,).
    A latent is a symbol in absolute units through ``theta = exp(offset + u)``
    (``link`` "log") or ``theta = sigmoid(u)`` (``link`` "logit"), ``offset`` being
    the fit's reference scale of that symbol (:mod:`bayeslaw.fit.priors`)."""

    mu: Mapping[str, np.ndarray]
    sd: Mapping[str, np.ndarray]
    offset: Mapping[str, float]
    link: Mapping[str, str]

    def subset(self, idx) -> Population:
        return Population({k: np.asarray(v)[idx] for k, v in self.mu.items()},
                          {k: np.asarray(v)[idx] for k, v in self.sd.items()},
                          self.offset, self.link)


@dataclass(frozen=True)
class Draws:
    """Draws of a law's parameters (``params``), the fitted population of domains, and
    the observation noise of the same draws: ``noise["sigma"]`` (scale of the noise on
    log loss) and ``noise["nu"]`` (its Student-t degrees of freedom), each (S,); None for
    draws that carry no noise model (a point, a published law)."""

    law: Law
    domains: tuple[str, ...]
    params: Mapping[str, np.ndarray]
    population: Population | None = None
    noise: Mapping[str, np.ndarray] | None = None

    @property
    def n_draws(self) -> int:
        return int(np.shape(next(iter(self.params.values())))[0])

    def domain_index(self, domain: str) -> int:
        try:
            return self.domains.index(domain)
        except ValueError:
            raise BayeslawError(
                f"domain {domain!r} is not in the posterior (it has {', '.join(self.domains)}); "
                "refit with runs of that domain or pick one of these"
            ) from None

    def for_domain(self, domain: str | int = 0) -> dict[str, np.ndarray]:
        """Every parameter as shape ``(S,)`` for one domain (name or column index)."""
        j = self.domain_index(domain) if isinstance(domain, str) else domain
        return {k: (v[:, j] if k in self.law.domain_params else v) for k, v in self.params.items()}

    def subset(self, idx) -> Draws:
        """The draws at indices ``idx`` (e.g. a thinned or reweighted sample)."""
        params = {k: np.asarray(v)[idx] for k, v in self.params.items()}
        pop = None if self.population is None else self.population.subset(idx)
        noise = None if self.noise is None else {k: np.asarray(v)[idx]
                                                 for k, v in self.noise.items()}
        return Draws(self.law, self.domains, params, pop, noise)

    def with_noise(self, noise: Mapping[str, np.ndarray] | None) -> Draws:
        """The same draws carrying ``noise`` (``sigma``, ``nu``, each (S,))."""
        if noise is not None:  # a scalar is the same value for every draw
            noise = {k: np.broadcast_to(np.asarray(v, dtype=float), (self.n_draws,)).copy()
                     if np.ndim(v) == 0 else np.asarray(v, dtype=float)
                     for k, v in noise.items()}
            bad = [k for k, v in noise.items() if v.shape != (self.n_draws,)]
            if bad:
                raise BayeslawError(f"noise draws {', '.join(bad)} do not match the "
                                    f"{self.n_draws} parameter draws")
        return Draws(self.law, self.domains, self.params, self.population, noise)

    @classmethod
    def point(cls, law: str | Law, values: Mapping[str, float | list[float]],
              domains: tuple[str, ...] = ("default",)) -> Draws:
        """A point mass: one draw with the given values (lists for per-domain params)."""
        law = get_law(law) if isinstance(law, str) else law
        params = {}
        for p in law.params:
            v = np.atleast_1d(np.asarray(values[p], dtype=float))
            if p in law.domain_params:
                params[p] = np.broadcast_to(v, (len(domains),)).reshape(1, -1).copy()
            else:
                params[p] = v.reshape(1)
        return cls(law, tuple(domains), params)


def thin_index(n_total: int, n: int, rng: np.random.Generator | None = None) -> np.ndarray | None:
    """Which of ``n_total`` draws to keep so that at most ``n`` remain: None (all of them)
    if ``n_total <= n``; else ``n`` evenly spaced ones (deterministic, the first and the
    last kept: the same report twice) or, with ``rng``, ``n`` drawn at random without
    replacement, in their order."""
    if n_total <= n:
        return None
    if rng is None:
        return np.linspace(0, n_total - 1, n).round().astype(int)
    return np.sort(rng.choice(n_total, size=n, replace=False))


def thin(draws: Draws, n: int, *, rng: np.random.Generator | None = None) -> Draws:
    """At most ``n`` of ``draws`` (their noise draws alike), chosen by :func:`thin_index`."""
    idx = thin_index(draws.n_draws, n, rng)
    return draws if idx is None else draws.subset(idx)
