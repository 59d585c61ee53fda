"""Shared fixtures. JAX gets two host devices and x64 before anything imports it."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "runs.db"
