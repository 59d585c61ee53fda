"""A simulator that answers run specs from a known law, standing in for the trainer.

A run spec (N, D, D', domain) is answered with

    log L_obs = log L_theta(N, D, D') + sigma * eps,   eps ~ N(0, 1) or Student-t(nu)

i.e. multiplicative noise of relative size ~sigma on the loss (sigma = 0.005 is 0.5%),
where ``L_theta`` is a registered law at the true parameters ``theta`` of the spec's
domain. The noise of a spec is seeded by (seed, N, D, D', domain, spec seed), so the
same spec gets the same answer however the specs are batched: a resumed loop sees
the same world. Used by the tests, the benchmarks and ``bayeslaw loop --executor
simulate --truth TRUTH.toml``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError
from bayeslaw.runs.record import Run

NOISES = ("gaussian", "student_t")


@dataclass(frozen=True)
class Truth:
    """A known world: a point-mass :class:`Draws` plus the observation noise.

    Attributes
    ----------
    draws : Draws
        One draw (``S = 1``) of the true parameters, per-domain where the law says so.
    sigma : float
        Scale of the noise on log loss (0.005 = 0.5% on the loss).
    noise : str
        ``"gaussian"`` or ``"student_t"`` (with ``nu`` degrees of freedom).
    nu : float
        Degrees of freedom of the Student-t noise.
    """

    draws: Draws
    sigma: float = 0.005
    noise: str = "gaussian"
    nu: float = 5.0

    def __post_init__(self):
        if self.draws.n_draws != 1:
            raise BayeslawError("a truth is one draw; use Draws.point(law, values, domains)")
        if self.noise not in NOISES:
            raise BayeslawError(f"noise must be one of {', '.join(NOISES)} (got {self.noise!r})")
        if not self.sigma >= 0:
            raise BayeslawError(f"noise sigma must be >= 0 (got {self.sigma!r})")

    def mean_loss(self, N, D, D_prime, domain: str) -> np.ndarray:
        """The noiseless L_theta(N, D, D') on ``domain``."""
        from bayeslaw import _jax

        _jax.setup()
        theta = {k: v[0] for k, v in self.draws.for_domain(domain).items()}
        return np.asarray(self.draws.law.loss(theta, np.asarray(N, float),
                                              np.asarray(D, float), np.asarray(D_prime, float)))


def _spec_rng(seed: int, spec: Mapping[str, Any]) -> np.random.Generator:
    key = (f"{seed}|{int(spec['params'])}|{int(spec['pretrain_tokens'])}|"
           f"{int(spec['specialize_tokens'])}|{spec['domain']}|{spec.get('seed') or 0}")
    digest = hashlib.sha256(key.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _noise(rng: np.random.Generator, truth: Truth) -> float:
    eps = rng.standard_t(truth.nu) if truth.noise == "student_t" else rng.standard_normal()
    return truth.sigma * float(eps)


def simulate(truth: Truth, specs: Sequence[Mapping[str, Any]], *, seed: int = 0) -> list[Run]:
    """Answer run specs with noisy losses from ``truth``; one :class:`Run` per spec.

    Each spec needs ``params``, ``pretrain_tokens``, ``specialize_tokens`` and
    ``domain``; ``seed``, ``parent`` (a checkpoint id, kept as ``parent_id``) and
    ``run_id`` are used when present. Runs have ``source="simulator"``.
    """
    runs = []
    for spec in specs:
        N, D, Dp = (int(spec[k]) for k in ("params", "pretrain_tokens", "specialize_tokens"))
        if spec["domain"] not in truth.draws.domains:
            raise BayeslawError(f"the truth has no domain {spec['domain']!r} "
                                f"(it has {', '.join(truth.draws.domains)})")
        log_loss = np.log(truth.mean_loss(N, D, Dp, spec["domain"])) + _noise(
            _spec_rng(seed, spec), truth)
        extra = {"run_id": spec["run_id"]} if spec.get("run_id") else {}
        runs.append(Run(
            params=N, pretrain_tokens=D, specialize_tokens=Dp, domain=str(spec["domain"]),
            loss=float(np.exp(log_loss)), seed=spec.get("seed"), parent_id=spec.get("parent"),
            source="simulator", config={"simulator_seed": seed}, **extra,
        ))
    return runs


def load_truth(path: str | Path) -> Truth:
    """Read a truth from TOML.

    The file holds ``law``, ``domains`` (list), ``[noise]`` with ``sigma``, ``kind``
    (gaussian or student_t), ``nu``, and ``[theta]`` with every parameter of the law
    (a list, one value per domain, for per-domain parameters)::

        law = "domain_gap"
        domains = ["code", "law"]
        [noise]
        sigma = 0.005
        [theta]
        E = [1.7, 1.9]
        A = 400.0
        ...
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BayeslawError(f"cannot read truth file {path}: {e}") from None
    try:
        draws = Draws.point(doc["law"], doc["theta"], tuple(doc.get("domains", ["default"])))
    except KeyError as e:
        raise BayeslawError(f"truth file {path} lacks {e.args[0]!r} (needs law, theta with "
                            "every parameter of the law)") from None
    noise = doc.get("noise", {})
    return Truth(draws, sigma=float(noise.get("sigma", 0.005)),
                 noise=str(noise.get("kind", "gaussian")), nu=float(noise.get("nu", 5.0)))
