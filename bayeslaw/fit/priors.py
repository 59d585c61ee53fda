"""Every prior of the Bayesian fit, in one place, with its units and its reason.

The data are centred before anything is sampled, so that one set of priors serves
1e5-token CPU runs and 1e12-token public runs alike. With the reference scales of the
data (see :class:`bayeslaw.fit.data.Scales`)

- ``L0``  the median observed loss (per domain for E and G), nats/token,
- ``N0``  the geometric mean of N,
- ``T0``  the geometric mean of D + D',
- ``P0``  the geometric mean of the positive D' (T0 if there are none),

each symbol is sampled through a latent ``u`` with a Normal(loc, scale) prior:

======  ==========================================  =========  =====  ===================
symbol  latent u                                    loc        scale  reason
======  ==========================================  =========  =====  ===================
E       log(E / L0)                                 log 0.5    0.75   floor below the data
A       log(A N0^-alpha / L0)                       log 0.2    1.5    N term at N0
alpha   log(alpha)                                  log 0.3    0.6    0.1..0.8 covers LMs
B       log(B T0^-beta / L0)                        log 0.2    1.5    data term at T0
beta    log(beta)                                   log 0.3    0.6    as alpha
G       log(G / L0)                                 log 0.1    1.0    a gap of ~10% of L
S       log(S / P0)                                 0          1.5    scale near the D' seen
gamma   log(gamma)                                  log 0.5    0.7    gap closes sub-linearly
tau     logit(tau)                                  -1         1.5    a general token < 1
kappa   log(kappa)                                  log 0.1    1.0    mild saturation
F       log(F P0^-beta / L0)                        log 0.2    1.5    D' term at P0
mu      log(mu)                                     log 0.2    0.8    P sub-linear in N D
U       log(U / T0)                                 log 10     2.0    repeats are rare
R_star  log(R_star)                                 log 15.4   0.5    Muennighoff's fit
lambda  log(lambda)                                 log 0.02   1.0    slow log decay
sigma   log(sigma), sigma: scale on log loss        log 0.01   1.2    ~1% noise on loss
======  ==========================================  =========  =====  ===================

so ``log A = log L0 + u_A + alpha log N0`` and so on: a power-law term is sampled by
its value at the reference scale, which decorrelates it from its exponent.

These priors are exactly what the model samples from; NUTS only moves in other
coordinates: the latents (and ``log sigma``) are one vector ``u = c + W z``, centred
and whitened by the data's posterior mode and Laplace covariance, with z's prior the
transform of the table's independent normals (:mod:`bayeslaw.fit.start`,
:func:`bayeslaw.fit.model.latents`; tests/fit/test_nuts.py checks it).

``nu`` (Student-t degrees of freedom) ~ Gamma(2, 0.1) (Juárez & Steel 2010): mean 20,
heavy tails possible if the data ask for them.

``pool`` is the scale of the half-normal prior on the between-domain standard
deviation of each per-domain latent (non-centred: u_d = mu + sd z_d, z_d ~ N(0, 1)),
0.5 in latent units (a factor of ~1.6 between domains): strong enough that a
domain with a few runs borrows from the others, weak enough to let domains differ.

Overrides come from a TOML file or a dict with the same keys, e.g.::

    [alpha]
    loc = -1.05   # log 0.35
    scale = 0.3
    [nu]
    concentration = 2.0
    rate = 0.05
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bayeslaw.errors import BayeslawError

# How each symbol is turned from its latent into absolute units (see the module doc).
# kind: "floor" (L0 e^u), "coef" (L0 e^u x0^exponent), "gap" (L0 e^u), "scale" (P0 e^u),
# "positive" (e^u), "fraction" (sigmoid u), "tokens" (T0 e^u).
KINDS: dict[str, tuple[str, ...]] = {
    "E": ("floor",), "A": ("coef", "alpha", "N0"), "alpha": ("positive",),
    "B": ("coef", "beta", "T0"), "beta": ("positive",), "G": ("gap",), "S": ("scale",),
    "gamma": ("positive",), "tau": ("fraction",), "kappa": ("positive",),
    "F": ("coef", "beta", "P0"), "mu": ("positive",), "U": ("tokens",),
    "R_star": ("positive",), "lambda": ("positive",),
}

DEFAULTS: dict[str, dict[str, float]] = {
    "E": {"loc": math.log(0.5), "scale": 0.75},
    "A": {"loc": math.log(0.2), "scale": 1.5},
    "alpha": {"loc": math.log(0.3), "scale": 0.6},
    "B": {"loc": math.log(0.2), "scale": 1.5},
    "beta": {"loc": math.log(0.3), "scale": 0.6},
    "G": {"loc": math.log(0.1), "scale": 1.0},
    "S": {"loc": 0.0, "scale": 1.5},
    "gamma": {"loc": math.log(0.5), "scale": 0.7},
    "tau": {"loc": -1.0, "scale": 1.5},
    "kappa": {"loc": math.log(0.1), "scale": 1.0},
    "F": {"loc": math.log(0.2), "scale": 1.5},
    "mu": {"loc": math.log(0.2), "scale": 0.8},
    "U": {"loc": math.log(10.0), "scale": 2.0},
    "R_star": {"loc": math.log(15.4), "scale": 0.5},
    "lambda": {"loc": math.log(0.02), "scale": 1.0},
    "sigma": {"loc": math.log(0.01), "scale": 1.2},
    "nu": {"concentration": 2.0, "rate": 0.1},
    "pool": {"scale": 0.5},
}


def _read(priors: str | os.PathLike | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(priors, Mapping):
        return priors
    path = Path(priors)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise BayeslawError(f"priors file {path} not found") from None
    except tomllib.TOMLDecodeError as e:
        raise BayeslawError(f"priors file {path} is not valid TOML: {e}") from None


def resolve(priors: str | os.PathLike | Mapping[str, Any] | None = None) -> dict[str, dict]:
    """The default priors updated with ``priors`` (a TOML path or a dict), validated."""
    out = {k: dict(v) for k, v in DEFAULTS.items()}
    for name, values in (_read(priors) if priors is not None else {}).items():
        if name not in out:
            raise BayeslawError(
                f"unknown prior {name!r}; the priors are {', '.join(DEFAULTS)}")
        if not isinstance(values, Mapping) or set(values) - set(out[name]):
            raise BayeslawError(
                f"prior {name!r} takes the keys {', '.join(out[name])} (got {values!r})")
        for key, value in values.items():
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise BayeslawError(f"prior {name}.{key} must be a finite number (got {value!r})")
            if key != "loc" and value <= 0:
                raise BayeslawError(f"prior {name}.{key} must be > 0 (got {value!r})")
            out[name][key] = float(value)
    return out


def freeze(priors: Mapping[str, Mapping[str, float]]) -> tuple:
    """A hashable form of resolved priors (a cache key for the compiled sampler)."""
    return tuple(sorted((k, tuple(sorted(v.items()))) for k, v in priors.items()))


def to_toml(priors: Mapping[str, Mapping[str, float]]) -> str:
    """Resolved priors as TOML text (recorded in every posterior file)."""
    lines = []
    for name, values in priors.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {json.dumps(float(v))}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
