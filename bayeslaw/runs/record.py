"""The run record: one measured loss of one model.

A run is a model of ``params`` (N, non-embedding parameters) pretrained on a general
mixture for ``pretrain_tokens`` (D) and then specialized on ``domain`` for
``specialize_tokens`` (D'), whose validation cross-entropy on ``domain`` is ``loss``
(nats per token). :func:`validate` turns a loose mapping (a CSV row, a JSON object)
into a :class:`Run` or raises :class:`~bayeslaw.errors.InvalidRunError` listing
every problem it found.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bayeslaw import checks
from bayeslaw.compute import run_flops
from bayeslaw.errors import BayeslawError, InvalidRunError
from bayeslaw.runs.ids import new_id

REQUIRED = ("params", "pretrain_tokens", "specialize_tokens", "domain", "loss")
OPTIONAL = (
    "run_id", "seed", "parent_id", "flops", "status", "source", "created_at", "config", "metrics",
)
FIELDS = ("run_id", *REQUIRED, *OPTIONAL[1:])
_REQUIRED_SET = frozenset(REQUIRED)
STATUSES = ("completed", "failed")

# Column names users bring from their own tooling, mapped to ours.
ALIASES = {
    "N": "params", "n": "params", "n_params": "params",
    "D": "pretrain_tokens", "d": "pretrain_tokens", "tokens": "pretrain_tokens",
    "D_prime": "specialize_tokens", "Dprime": "specialize_tokens", "D'": "specialize_tokens",
    "d_prime": "specialize_tokens", "id": "run_id", "L": "loss",
}


@dataclass(frozen=True)
class Run:
    """One measured loss of one model (see the module docstring for the fields)."""

    params: int
    pretrain_tokens: int
    specialize_tokens: int
    domain: str
    loss: float | None
    run_id: str = field(default_factory=new_id)
    seed: int | None = None
    parent_id: str | None = None
    flops: float | None = None
    status: str = "completed"
    source: str = "import"
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.flops is None:
            object.__setattr__(
                self, "flops",
                float(run_flops(self.params, self.pretrain_tokens, self.specialize_tokens)),
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    """Map alias column names (``N``, ``D``, ``D_prime``...) to the canonical ones."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        name = ALIASES.get(key.strip(), key.strip())
        out[name] = value
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _number(value: Any, name: str, errors: list[str]) -> float | None:
    try:
        return checks.parse_number(value, name)
    except BayeslawError as e:
        errors.append(str(e))
        return None


def _count(value: Any, name: str, minimum: int, errors: list[str]) -> int | None:
    """A token or parameter count; non-integral values (D = C / 6N) are rounded."""
    try:
        return checks.count(value, name, minimum)
    except BayeslawError as e:
        errors.append(str(e))
        return None


def _json_field(value: Any, name: str, errors: list[str]) -> dict[str, Any]:
    if _blank(value):
        return {}
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        errors.append(f"{name} must be a JSON object (got {value!r})")
        return {}
    if not isinstance(parsed, dict):
        errors.append(f"{name} must be a JSON object (got {value!r})")
        return {}
    return parsed


def _optional_fields(row: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    for name in ("run_id", "parent_id", "source", "created_at"):
        if not _blank(row.get(name)):
            kw[name] = str(row[name]).strip()
    if "run_id" in kw and (kw["run_id"].startswith("-") or " " in kw["run_id"]):
        errors.append(f"run_id must not start with '-' or contain spaces (got {kw['run_id']!r})")
    if not _blank(row.get("seed")):
        seed = _number(row["seed"], "seed", errors)
        if seed is not None and abs(seed) > checks.SQLITE_MAX_INT:
            errors.append(f"seed is too large (got {row['seed']!r})")
        elif seed is not None:
            kw["seed"] = int(seed)
    if not _blank(row.get("flops")):
        flops = _number(row["flops"], "flops", errors)
        if flops is not None and flops < 0:
            errors.append(f"flops must be >= 0 (got {row['flops']!r})")
        elif flops is not None:
            kw["flops"] = flops
    if not _blank(row.get("status")):
        status = str(row["status"]).strip()
        if status not in STATUSES:
            errors.append(f"status must be one of {', '.join(STATUSES)} (got {status!r})")
        kw["status"] = status
    kw["config"] = _json_field(row.get("config"), "config", errors)
    kw["metrics"] = _json_field(row.get("metrics"), "metrics", errors)
    return kw


def validate(row: Mapping[str, Any], *, normalized: bool = False) -> Run:
    """Validate one loose record and return a :class:`Run`.

    ``normalized``: the keys are already the canonical names (a CSV reader renames
    its header once, not every row).

    Raises
    ------
    InvalidRunError
        With every problem found: a missing column, a non-numeric or non-finite
        value, ``params <= 0``, negative token counts, D = D' = 0, ``loss <= 0``,
        a count beyond SQLite's 64-bit integers.
    """
    if not normalized:
        row = normalize_keys(row)
    errors: list[str] = []
    missing = [name for name in REQUIRED if name != "loss" and _blank(row.get(name))]
    errors += [f"missing {name}" for name in missing]
    counts = {}
    for name, minimum in (("params", 1), ("pretrain_tokens", 0), ("specialize_tokens", 0)):
        counts[name] = None if name in missing else _count(row[name], name, minimum, errors)
    if counts["pretrain_tokens"] == 0 and counts["specialize_tokens"] == 0:
        errors.append("pretrain_tokens and specialize_tokens are both 0 (an untrained model)")
    if "domain" not in missing and not isinstance(row["domain"], str):
        errors.append(f"domain must be a string (got {row['domain']!r})")
    # most files carry only the required columns: nothing optional to read then
    kw = _optional_fields(row, errors) if not _REQUIRED_SET.issuperset(row) else {}
    loss = None
    if kw.get("status", "completed") == "completed":
        if _blank(row.get("loss")):
            errors.append("missing loss")
        else:
            loss = _number(row["loss"], "loss", errors)
            if loss is not None and loss <= 0:
                errors.append(f"loss must be > 0 (got {row['loss']!r})")
                loss = None
    if errors:
        raise InvalidRunError(errors)
    return Run(**counts, domain=str(row["domain"]).strip(), loss=loss, **kw)
