"""Tiny settings so that every trainer test runs in seconds on 2 CPU cores."""

import pytest
import torch

from trainer.runner import Options
from trainer.spec import TrainSettings

TINY = TrainSettings(batch_size=16, block_size=32, warmup_steps=3, eval_tokens=2048,
                     mixture=("foldoc", "python", "bible"))


@pytest.fixture
def tiny() -> TrainSettings:
    return TINY


@pytest.fixture
def opts(tmp_path) -> Options:
    torch.set_num_threads(1)  # determinism across runs in one test does not need more
    return Options(store=str(tmp_path / "runs.db"), device="cpu", threads=1, progress=False)
