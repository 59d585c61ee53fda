"""Data bundled with bayeslaw (sources and licenses in README.md next to this file)."""

from __future__ import annotations

import csv
from importlib import resources

from bayeslaw.compute import tokens_for_budget
from bayeslaw.data.finetuning import lin2024
from bayeslaw.data.isoflops import porian2024
from bayeslaw.runs.record import Run

__all__ = ["epoch_chinchilla", "lin2024", "porian2024"]


def epoch_chinchilla(exclude_highest: int = 5) -> list[Run]:
    """Hoffmann et al. 2022 runs as extracted by Epoch AI, as runs of domain "chinchilla".

    D = C / (6 N), D' = 0. ``exclude_highest`` drops the runs with the highest losses,
    as Epoch did for their fit (Besiroglu et al. 2024): 5 by default, 0 keeps all 245.
    """
    path = resources.files("bayeslaw.data") / "epoch_chinchilla.csv"
    with path.open() as f:
        rows = list(csv.DictReader(f))
    runs = [Run(params=int(round(float(r["Model Size"]))),
                pretrain_tokens=int(round(tokens_for_budget(float(r["Training FLOP"]),
                                                            float(r["Model Size"])))),
                specialize_tokens=0, domain="chinchilla", loss=float(r["loss"]),
                run_id=f"epoch-{i:03d}", source="epoch-chinchilla")
           for i, r in enumerate(rows)]
    if exclude_highest > 0:
        cut = sorted(r.loss for r in runs)[-exclude_highest]
        runs = [r for r in runs if r.loss < cut]
    return runs
