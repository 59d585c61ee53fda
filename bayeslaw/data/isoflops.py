"""Porian et al. 2024's IsoFLOP points as single-stage runs (D' = 0).

Porian, Wortsman, Jitsev, Schmidt, Carmon, "Resolving Discrepancies in Compute-Optimal
Scaling of Language Models", NeurIPS 2024 (arXiv 2406.19146). ``porian2024_isoflops.csv``
holds the IsoFLOP points of 15 configurations (data set, hyperparameters, warmup, decay,
parameter count, loss split); one configuration is one data set of runs.
"""

from __future__ import annotations

import csv
from importlib import resources

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.record import Run

# RefinedWeb, base hyperparameters, short warmup, cosine ("chinchilla") decay, parameters
# with embeddings, validation loss: the paper's corrected setting before tuning.
DEFAULT = ("summary_df.pickle.xz", 3)


def porian2024(config: tuple[str, int] = DEFAULT) -> list[Run]:
    """The IsoFLOP points of one configuration as runs of domain = its data set.

    ``config`` is ``(source_file, row)`` as in the data's README (default
    :data:`DEFAULT`). N is the parameter count, D the tokens (6 N D = the budget), D' = 0.
    """
    path = resources.files("bayeslaw.data") / "porian2024_isoflops.csv"
    with path.open() as f:
        rows = [r for r in csv.DictReader(f)
                if (r["source_file"], int(r["row"])) == (config[0], int(config[1]))]
    if not rows:
        raise BayeslawError(f"no Porian et al. configuration {config!r}; see "
                            "bayeslaw/data/README.md for the (source_file, row) pairs")
    return [Run(params=int(round(float(r["N"]))), pretrain_tokens=int(round(float(r["D"]))),
                specialize_tokens=0, domain=r["dataset"], loss=float(r["loss"]),
                flops=float(r["flops"]), run_id=f"porian2024-{config[0].split('.')[0]}-"
                f"{config[1]}-{i:03d}", source="porian2024",
                config={k: r[k] for k in ("hparams", "warmup", "decay", "param_count",
                                          "loss_split")})
            for i, r in enumerate(rows)]
