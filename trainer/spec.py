"""What to train: a run spec, the training settings, and the idempotent keys.

A :class:`RunSpec` asks for a model of ``params`` (N) pretrained on the mixture to a
stable-phase checkpoint at ``pretrain_tokens`` (D), with ``checkpoints`` geometric
checkpoints D, D/2, D/4, ...; from each, a cooldown on the mixture gives the D' = 0
point and, for each domain in ``domains``, specializations of ``specialize_tokens``
(D' values). With ``checkpoint`` set, pretraining is skipped and the specialization
branches from that stored checkpoint. Keys are hashes of everything that determines
the result, so a re-issued spec finds the records and checkpoints it already made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from bayeslaw import checks
from bayeslaw.errors import BayeslawError


@dataclass(frozen=True)
class TrainSettings:
    batch_size: int = 64  # sequences per step; large batches amortize per-step overhead on CPU
    block_size: int = 128  # context in bytes
    lr: float = 3e-3  # peak AdamW learning rate; 3e-3 suits these tiny byte models
    weight_decay: float = 0.1  # decoupled weight decay, on matrices only
    warmup_steps: int = 20  # fixed, so a checkpoint at D is the same whatever the final D
    cooldown: float = 0.1  # mixture cooldown after a checkpoint at D is 0.1 D (the D' = 0 point)
    specialize_decay: float = 0.2  # the last 20% of each D' decays the rate to zero
    eval_tokens: int = 32768  # validation bytes per domain (the same first bytes every time)
    weights: dict[str, float] = field(default_factory=dict)  # mixture weights (default 1 each)
    mixture: tuple[str, ...] = ()  # pretraining domains (default: every bundled domain)
    explode: float = 3.0  # a loss above 3x the best so far counts as divergence

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["mixture"] = list(self.mixture)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> TrainSettings:
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise BayeslawError(f"unknown training setting(s) {', '.join(unknown)}; "
                                f"known: {', '.join(sorted(known))}")
        for name, value in d.items():
            d[name] = _SETTING_CHECKS[name](value, f"training setting {name}")
        return cls(**d)


def _at_least(minimum: float):
    def check(value: Any, name: str) -> float:
        x = checks.parse_number(value, name)
        if x < minimum:
            raise BayeslawError(f"{name} must be >= {minimum} (got {value!r})")
        return x
    return check


# Each setting's check (bayeslaw.checks): types from JSON or TOML are not coerced, so
# ``batch_size: 0`` or ``mixture = "foldoc"`` is refused instead of misread.
_SETTING_CHECKS = {
    "batch_size": checks.integer, "block_size": checks.integer, "lr": checks.positive,
    "weight_decay": _at_least(0), "warmup_steps": lambda v, n: checks.integer(v, n, 0),
    "cooldown": _at_least(0), "specialize_decay": checks.fraction,
    "eval_tokens": checks.integer, "weights": checks.number_map,
    "mixture": checks.text_list, "explode": _at_least(1),
}


@dataclass(frozen=True)
class RunSpec:
    params: int  # target N (non-embedding parameters)
    pretrain_tokens: int  # D of the last stable-phase checkpoint
    specialize_tokens: tuple[int, ...] = ()  # D' values (> 0) to specialize for
    domains: tuple[str, ...] = ()  # domains to record and specialize on (default: mixture)
    seed: int = 0
    checkpoints: int = 1  # geometric checkpoints D, D/2, ... (ratio 2)
    checkpoint: str | None = None  # branch from this stored checkpoint id instead of pretraining

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunSpec:
        """From a spec object (e.g. one item of ``bayeslaw suggest --json``)."""
        if not isinstance(d, Mapping):
            raise BayeslawError(f"run spec {d!r}: expected an object")
        d = dict(d)
        if "params" not in d or "pretrain_tokens" not in d:
            raise BayeslawError(f"run spec {d}: needs params and pretrain_tokens")
        sp = d.get("specialize_tokens", ())
        sp = [sp] if isinstance(sp, int | float | str) else sp
        dom = d.get("domains", d.get("domain", ()))
        dom = [dom] if isinstance(dom, str) else (dom or [])
        ckpt = d.get("checkpoint") or d.get("parent") or None  # the suggester's spelling
        try:
            sp = [checks.count(x, "specialize_tokens")
                  for x in checks.sequence(sp, "specialize_tokens")]
            return cls(params=checks.count(d["params"], "params", 1),
                       pretrain_tokens=checks.count(d["pretrain_tokens"], "pretrain_tokens"),
                       specialize_tokens=tuple(x for x in sp if x > 0),
                       domains=checks.text_list(dom, "domains"),
                       seed=checks.integer(d.get("seed", 0) or 0, "seed", 0),
                       checkpoints=checks.integer(d.get("checkpoints", 1), "checkpoints"),
                       checkpoint=None if ckpt is None else checks.text(ckpt, "checkpoint"))
        except BayeslawError as e:
            raise BayeslawError(f"run spec {d}: {e}") from None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["specialize_tokens"], d["domains"] = list(self.specialize_tokens), list(self.domains)
        return d


def digest(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (alphanumeric, like run ids)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:14]


def stream_key(shape: Mapping, settings: TrainSettings, mixture: list[str], seed: int,
               data_version: str) -> str:
    """What determines a pretraining stream: the model shape, the settings that act
    during pretraining, the mixture, the data and the seed."""
    s = settings.to_dict()
    for k in ("cooldown", "specialize_decay", "eval_tokens"):  # act only after checkpoints
        s.pop(k)
    return digest("stream", dict(shape), s, mixture, seed, data_version)
