"""The device a run uses: choice, CPU threads, measured matmul peak, provenance."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from functools import cache
from pathlib import Path

import torch

from bayeslaw import __version__
from bayeslaw.errors import BayeslawError


def pick(requested: str = "auto") -> str:
    """``auto`` is ``cuda`` when a GPU is visible, else ``cpu``."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise BayeslawError(f"device {requested!r} asked for but no GPU is visible; use cpu")
    return requested


def set_threads(threads: int | None) -> int:
    """Intra-op threads on CPU (default: every core this process may use)."""
    n = threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(n)
    return n


def name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} x{torch.get_num_threads()} threads"


@cache
def matmul_peak(device: str, size: int = 0, seconds: float = 0.5) -> float:
    """Measured FLOP/s of a square matmul in the training dtype (fp32 on CPU, bf16 on
    CUDA): the peak that MFU is stated against, taken on the same device and threads."""
    cuda = device.startswith("cuda")
    size = size or (8192 if cuda else 1024)
    dtype = torch.bfloat16 if cuda else torch.float32
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    a @ b
    sync()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        n += 1
        sync()
    return 2.0 * size**3 * n / (time.perf_counter() - t0)


@cache
def code_version() -> str:
    """``git describe``-like commit of the trainer's repository (``+dirty`` if modified)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"bayeslaw-{__version__}"
    return commit + ("+dirty" if dirty else "")
