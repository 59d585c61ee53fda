"""A column mapping for foreign run exports: our field names from their column names.

A W&B or MLflow export names the loss ``eval/loss`` or ``metrics.eval_loss`` and the
model size ``model.n_params`` or ``params.n_params``. A :class:`ColumnMap` says which
column gives which field (``loss=eval/loss``), so such a file imports without editing.

Rules, strict as the importer (:mod:`bayeslaw.runs.io`):

- a target must be a run field (:data:`bayeslaw.runs.record.FIELDS`) or one of its
  aliases (``N``, ``D``, ``D_prime``...), and each target is mapped once;
- a source column must exist in the file (checked against its header before any row
  is read);
- with a mapping, a run is read from the mapped columns only: a foreign export's own
  ``status`` (MLflow's ``FINISHED``), ``source`` or ``created_at`` columns mean other
  things than ours, so nothing is read by name coincidence. Map a column to itself
  (``domain=domain``) to keep it. Neither ``domain`` nor ``specialize_tokens`` mapped:
  plain pretraining data, D' = 0 on the default domain, as for a file without them.

Nothing here imports more than the standard library and the record's field names, so
the CLI checks ``--map`` before jax loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.record import ALIASES, FIELDS


def target_name(name: str) -> str:
    """The canonical field a mapping target names (an alias resolved), or an error."""
    canonical = ALIASES.get(name.strip(), name.strip())
    if canonical not in FIELDS:
        raise BayeslawError(f"unknown run field {name!r} as a mapping target (known: "
                            f"{', '.join(FIELDS)})")
    return canonical


def parse_item(text: str, name: str = "--map") -> tuple[str, str]:
    """``TARGET=SOURCE`` -> ``(canonical target, source column)``."""
    target, sep, source = str(text).partition("=")
    if not sep or not target.strip() or not source.strip():
        raise BayeslawError(f"{name} must be FIELD=COLUMN, e.g. loss=eval/loss (got {text!r})")
    return target_name(target), source.strip()


@dataclass(frozen=True)
class ColumnMap:
    """Target field -> source column, e.g. ``{"loss": "eval/loss"}``."""

    targets: Mapping[str, str]

    @classmethod
    def of(cls, mapping: ColumnMap | Mapping[str, str] | Iterable[tuple[str, str]] | None,
           ) -> ColumnMap:
        """A map from a dict ``{field: column}``, ``(field, column)`` pairs (what
        :func:`parse_item` gives) or None (no mapping); a target named twice is refused."""
        if isinstance(mapping, ColumnMap):
            return mapping
        pairs = (mapping.items() if isinstance(mapping, Mapping) else mapping) or ()
        out: dict[str, str] = {}
        for target, source in pairs:
            if not isinstance(source, str) or not source.strip():
                raise BayeslawError(f"the column mapped to {target!r} must be a non-empty "
                                    f"name (got {source!r})")
            field = target_name(target)
            if field in out:
                raise BayeslawError(f"{field} is mapped twice ({out[field]!r} and {source!r})")
            out[field] = source.strip()
        return cls(out)

    def __bool__(self) -> bool:
        return bool(self.targets)

    def columns(self, names: Iterable[str], where: str) -> list[str]:
        """The fields a mapped file gives (the targets); a source column the file lacks
        (``names``: its header) is an error naming it."""
        names = [str(n) for n in names]
        missing = [s for s in self.targets.values() if s not in names]
        if missing:
            raise BayeslawError(f"{where}: no column {', '.join(map(repr, missing))} to map "
                                f"(the file has {_preview(names)})")
        return list(self.targets)

    def apply(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """One record as the mapped fields alone (None where the record lacks a source)."""
        return {t: record.get(s) for t, s in self.targets.items()}


def _preview(names: list[str], n: int = 12) -> str:
    shown = ", ".join(map(repr, names[:n]))
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")
