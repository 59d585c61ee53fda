"""What the planner minimizes: the mean loss over the k specialized domains.

    L_bar(N, D, D'_1..D'_k; theta) = (1/k) sum_i L(N, D, D'_i; theta_i)

the noise-free mean curve of the law, theta_i being the draw's parameters for
domain i (shared parameters are common to all i).

Domains. With ``domains=None`` and a posterior of one domain, the k specializations
are exchangeable copies of that domain (homogeneous: one D' serves all, and the
mean is the loss of that domain). With one named domain, the same with that
domain. With k names, each domain i has its own parameters and its own D'_i under
one shared trunk (heterogeneous).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError


@dataclass(frozen=True)
class DomainSet:
    """The domains a plan serves: ``names`` (k of them), ``columns`` (posterior columns
    of the distinct domains, length 1 when homogeneous) and ``k``."""

    names: tuple[str, ...]
    columns: tuple[int, ...]
    k: int

    @property
    def homogeneous(self) -> bool:
        return len(self.columns) == 1


def resolve_domains(draws: Draws, k: int, domains: Sequence[str] | None = None) -> DomainSet:
    """Check ``k`` and ``domains`` against the posterior (see module docstring)."""
    if int(k) != k or k < 1:
        raise BayeslawError(f"the number of domains k must be a positive integer, got {k}")
    k = int(k)
    if domains is None or len(domains) == 0:
        if len(draws.domains) != 1:
            raise BayeslawError(
                f"the posterior has {len(draws.domains)} domains ({', '.join(draws.domains)}) "
                "and none was named to plan for")
        return DomainSet((draws.domains[0],) * k, (0,), k)
    cols = tuple(draws.domain_index(d) for d in domains)
    if len(cols) == 1:
        return DomainSet((domains[0],) * k, cols, k)
    if len(set(cols)) != len(cols):
        raise BayeslawError(f"a domain is named twice in {list(domains)}")
    if len(cols) != k:
        raise BayeslawError(
            f"{len(cols)} domains named ({', '.join(domains)}) but k={k}; name one domain "
            "(k copies of it) or exactly k")
    return DomainSet(tuple(domains), cols, k)


def domain_theta(draws: Draws, ds: DomainSet) -> dict[str, np.ndarray]:
    """Parameters as arrays of shape (S, 1) (shared) or (S, kd) (per domain), kd the number
    of distinct domains, so that they broadcast against per-domain D' of shape (..., kd)."""
    theta = {}
    for p, v in draws.params.items():
        v = np.asarray(v, dtype=float)
        theta[p] = v[:, list(ds.columns)] if p in draws.law.domain_params else v[:, None]
    return theta


def mean_loss(law, theta, N, D, D_prime):
    """Mean over the last (domain) axis of L(N, D, D'_i; theta_i); ``N`` and ``D`` carry a
    trailing axis of length 1, ``D_prime`` and per-domain ``theta`` one of length kd."""
    return law.loss(theta, N, D, D_prime).mean(axis=-1)
