"""Public names of a package that load on first use, so that importing the package
stays cheap (``bayeslaw --help`` loads no jax).

A public name must not be a submodule's name too: once the submodule is imported, the
package attribute is the module and the lazy name is never looked up (hence
``bayeslaw.fit.calibrate`` lives in ``fit/backtest.py``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy(package: str, exports: Mapping[str, str]
         ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps a public name to the
    module that defines it, ``"module"`` or ``"module:attribute"`` when the attribute is
    named otherwise. A name is imported on first access and then kept on the package."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = exports[name].partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
