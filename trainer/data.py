"""Batches from a weighted mixture of domains, with epochs counted and state saved.

Each domain is read as a stream of consecutive windows of ``block_size + 1`` bytes
from a random starting offset; when a domain's training text runs out its stream
wraps around and its epoch count grows (the data repeats, and the record says by
how much). Each row of a batch picks its domain with the mixture weights. The
whole state (the generator and each stream's position) is saved in checkpoints, so
a resumed run sees exactly the batches the uninterrupted one would have seen.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from trainer.domains import Domain


class Mixture:
    """Sample batches of (inputs, targets) from ``domains`` with ``weights``."""

    def __init__(self, domains: list[Domain], weights: Mapping[str, float] | None,
                 block_size: int, seed: int):
        self.domains = domains
        w = np.array([float((weights or {}).get(d.name, 1.0)) for d in domains])
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError("mixture weights must be >= 0 with a positive sum")
        self.p = w / w.sum()
        self.T = block_size
        self.rng = np.random.default_rng(seed)
        self.pos = [int(self.rng.integers(len(d.train))) for d in domains]
        self.consumed = [0] * len(domains)  # tokens read from each domain

    def epochs(self) -> dict[str, float]:
        """Passes over each domain's training text so far."""
        pairs = zip(self.domains, self.consumed, strict=True)
        return {d.name: float(c / len(d.train)) for d, c in pairs}

    def _windows(self, i: int, count: int) -> np.ndarray:
        data, n = self.domains[i].train, self.T + 1
        starts = (self.pos[i] + n * np.arange(count)) % len(data)
        self.pos[i] = int((self.pos[i] + n * count) % len(data))
        self.consumed[i] += self.T * int(count)
        idx = (starts[:, None] + np.arange(n)[None, :]) % len(data)
        return data[idx]

    def batch(self, batch_size: int, device: str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        counts = self.rng.multinomial(batch_size, self.p)
        rows = np.concatenate([self._windows(i, c) for i, c in enumerate(counts) if c])
        x = torch.from_numpy(rows.astype(np.int64))
        if device != "cpu":
            x = x.pin_memory().to(device, non_blocking=True)
        return x[:, :-1], x[:, 1:]

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "pos": list(self.pos),
                "consumed": list(self.consumed)}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.pos, self.consumed = list(state["pos"]), list(state["consumed"])


def val_batches(domain: Domain, block_size: int, max_tokens: int, batch_size: int):
    """Non-overlapping windows of the first ``max_tokens`` validation bytes."""
    data = domain.val[: max_tokens + 1]
    n = (len(data) - 1) // block_size
    if n == 0:
        raise ValueError(f"domain {domain.name}: validation text shorter than one block")
    rows = np.lib.stride_tricks.sliding_window_view(data, block_size + 1)[::block_size][:n]
    x = torch.from_numpy(rows.astype(np.int64))
    for i in range(0, n, batch_size):
        yield x[i : i + batch_size, :-1], x[i : i + batch_size, 1:]
