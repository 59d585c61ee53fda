"""Lin et al. 2024's fine-tuning curves as two-stage runs (N, D, D', domain = the task).

Lin, Huang, Yang, et al., "Selecting Large Language Model to Fine-tune via Rectified
Scaling Law", ICML 2024 (arXiv 2402.02314): 26 public pretrained models (of the source's
30), each fine-tuned on 15 subsets of three tasks. A row of ``lin2024_<task>.csv`` is one
model; a cell is its test loss (nats/token) after fine-tuning on that many *examples*.

What the table does not say, and what :func:`lin2024` assumes (:data:`PRETRAIN_TOKENS`,
:data:`TOKENS_PER_EXAMPLE`):

- N is the table's ``size`` (all parameters, embeddings included; for the Switch
  Transformers the total of all experts, about 3-9x the ~0.2B parameters active per token).
- D, the pretraining tokens, comes from each family's own publication, rounded; the
  confidence of each figure is noted next to it. Where a model was pretrained and then
  instruction-tuned (LaMini-GPT) or fine-tuned (bart-large-cnn/xsum), D is the base's.
- D' is in tokens: the number of examples times a rough mean example length per task
  (prompt plus target, GPT-2 BPE): FLAN 200, Gigaword 50 (one sentence and a headline),
  WMT19 70 (a sentence pair). Laws with a per-domain token scale absorb an error in this
  factor; the laws that add D + D' do not.
- The D' = 0 column (the pretrained model, not fine-tuned) is left out by default: for
  the denoising models (T5, mT5, Switch, BART) it is a format mismatch (5-29 nats), not a
  point on the same curve.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources

from bayeslaw.errors import BayeslawError
from bayeslaw.runs.record import Run

TASKS = ("flan", "gigaword", "wmt19")
TOKENS_PER_EXAMPLE = {"flan": 200, "gigaword": 50, "wmt19": 70}

_WEBTEXT = 1e10  # GPT-2: WebText, ~9B tokens; OpenAI did not publish the steps (low confidence)
_T5 = 1.0e12     # T5 paper sec. 3.7: 1M steps x 2048 x 512 ~ 2^40 tokens (C4 + task mixture)
PRETRAIN_TOKENS: dict[str, float] = {
    "gpt2": _WEBTEXT, "gpt2-medium": _WEBTEXT, "gpt2-large": _WEBTEXT, "gpt2-xl": _WEBTEXT,
    # LaMini-GPT: GPT-2 plus 2.58M instruction examples (~0.5B tokens, small beside D)
    "MBZUAI/LaMini-GPT-124M": _WEBTEXT, "MBZUAI/LaMini-GPT-774M": _WEBTEXT,
    "MBZUAI/LaMini-GPT-1.5B": _WEBTEXT,
    "ai-forever/mGPT": 4.4e11,  # mGPT paper: ~440B tokens of mC4 + Wikipedia (medium)
    # OPT paper: all sizes ~180B tokens (high)
    "facebook/opt-350m": 1.8e11, "facebook/opt-1.3b": 1.8e11, "facebook/opt-2.7b": 1.8e11,
    "facebook/opt-6.7b": 1.8e11,
    # BART: RoBERTa's recipe, 500k steps x 8000 sequences of <= 512 tokens, an upper bound
    # (low); cnn/xsum are bart-large fine-tuned on summarization
    "facebook/bart-base": 2e12, "facebook/bart-large": 2e12, "facebook/bart-large-cnn": 2e12,
    "facebook/bart-large-xsum": 2e12,
    "t5-small": _T5, "t5-base": _T5,
    "google/t5-v1_1-base": _T5,  # C4 only; assumed T5's step count (low)
    # mT5 paper: 1M steps x 1024 x 1024 tokens (high)
    "google/mt5-base": 1.0e12, "google/mt5-large": 1.0e12,
    # Switch Transformer: ~550k steps x 2^20 tokens on C4 (medium)
    "google/switch-base-8": 5.5e11, "google/switch-base-16": 5.5e11,
    "google/switch-base-32": 5.5e11,
    "microsoft/phi-1_5": 1.5e11,  # 30B tokens x 5 epochs (high)
    "microsoft/phi-2": 1.4e12,    # 250B tokens, 1.4T seen (high)
}


def _rows(task: str) -> list[dict]:
    path = resources.files("bayeslaw.data") / f"lin2024_{task}.csv"
    with path.open() as f:
        return list(csv.DictReader(f))


def lin2024(tasks: Sequence[str] = TASKS, *, families: Sequence[str] | None = None,
            zero_shot: bool = False,
            tokens_per_example: dict[str, float] | None = None) -> list[Run]:
    """The Lin et al. 2024 curves as runs: one per (model, task, fine-tuning size).

    ``domain`` is the task, ``params`` N, ``pretrain_tokens`` D (:data:`PRETRAIN_TOKENS`),
    ``specialize_tokens`` D' = examples x ``tokens_per_example[task]``
    (:data:`TOKENS_PER_EXAMPLE` by default); ``config`` keeps the model, its family and
    the number of examples. ``families`` keeps only those families (e.g. ``["OPT"]``);
    ``zero_shot`` keeps the D' = 0 column. See the module docstring for the assumptions.
    """
    unknown = set(tasks) - set(TASKS)
    if unknown:
        raise BayeslawError(f"unknown Lin et al. task(s) {sorted(unknown)}; "
                            f"choose from {', '.join(TASKS)}")
    per_example = {**TOKENS_PER_EXAMPLE, **(tokens_per_example or {})}
    runs = []
    for task in tasks:
        for row in _rows(task):
            if families is not None and row["family"] not in families:
                continue
            model = row["config name"]
            sizes = [k for k in row if k not in ("config name", "size", "family")]
            for k in sizes:
                if int(k) == 0 and not zero_shot:
                    continue
                runs.append(Run(
                    params=int(row["size"]), pretrain_tokens=int(PRETRAIN_TOKENS[model]),
                    specialize_tokens=int(round(int(k) * per_example[task])), domain=task,
                    loss=float(row[k]), run_id=f"lin2024-{task}-{model.split('/')[-1]}-{k}",
                    source="lin2024",
                    config={"model": model, "family": row["family"], "examples": int(k)}))
    if not runs:
        raise BayeslawError(f"no Lin et al. runs for families {list(families or [])}")
    return runs
