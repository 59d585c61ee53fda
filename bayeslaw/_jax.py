"""JAX set-up in one place: 64-bit floats for law evaluations, a persistent compile cache.

Laws are evaluated in log space over N ~ 1e5..1e12 and tokens ~ 1e5..1e13; regret
comparisons at the 0.1% level need float64. Call :func:`setup` before building any
jax array in bayeslaw (the fit, the planner, the suggester do).

Compiled programs are kept on disk (jax's persistent compilation cache) in
``$BAYESLAW_JAX_CACHE``, default ``$XDG_CACHE_HOME/bayeslaw/jax`` (``~/.cache/...``), so
a new process (each ``bayeslaw fit``, ``plan``, ``predict``, ``suggest`` or ``report``
call) skips most of the compile of the sampler and of the planner's programs:
bench/bench_fit.py's first fit of a process took 12.7 s with an empty cache and 4.8 s
with a filled one. ``BAYESLAW_JAX_CACHE=off`` turns it off; jax's own
``JAX_COMPILATION_CACHE_DIR``, when set, wins.
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
    _persistent_cache(jax)


def cache_dir() -> str | None:
    """Where compiled programs are kept (None: off), see the module docstring."""
    chosen = os.environ.get("BAYESLAW_JAX_CACHE")
    if chosen is not None:
        return None if chosen.lower() in ("", "0", "off", "none") else chosen
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "bayeslaw", "jax")


def _persistent_cache(jax) -> None:
    if os.environ.get("JAX_COMPILATION_CACHE_DIR") or jax.config.jax_compilation_cache_dir:
        return
    path = cache_dir()
    if path is None:
        return
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:  # read-only home: no cache, no failure
        return
    jax.config.update("jax_compilation_cache_dir", path)
    # every program: the planner's are many small ones (~0.1-0.5 s each to compile, seconds
    # together), which a threshold of 0.5 s would compile again in every process
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
