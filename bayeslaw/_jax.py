"""JAX set-up in one place: 64-bit floats for law evaluations.

Laws are evaluated in log space over N ~ 1e5..1e12 and tokens ~ 1e5..1e13; regret
comparisons at the 0.1% level need float64. Call :func:`setup` before building any
jax array in bayeslaw (the fit, the planner, the suggester do).
"""

from __future__ import annotations

import os


def setup(host_devices: int | None = None) -> None:
    """Enable x64; optionally ask XLA for ``host_devices`` CPU devices.

    The device count only takes effect if jax has not initialized its backend yet
    (numpyro.set_host_device_count sets the same XLA flag).
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if host_devices is not None and "xla_force_host_platform_device_count" not in flags:
        flag = f"--xla_force_host_platform_device_count={host_devices}"
        os.environ["XLA_FLAGS"] = f"{flags} {flag}".strip()
    import jax

    jax.config.update("jax_enable_x64", True)
