"""Lazily exported names resolve to what they name, even after the package's submodules
are imported (a name that is also a submodule's would then be the module)."""

import importlib
import pkgutil

import pytest

PACKAGES = ["bayeslaw", "bayeslaw.fit", "bayeslaw.flow"]


@pytest.mark.parametrize("name", PACKAGES)
def test_no_lazy_name_is_a_submodule(name):
    pkg = importlib.import_module(name)
    exports = getattr(pkg, "_EXPORTS", None) or pkg._HOMES
    submodules = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
    assert exports and not set(exports) & submodules


def test_fit_calibrate_is_the_function_after_its_module_is_imported():
    importlib.import_module("bayeslaw.fit.backtest")
    from bayeslaw.fit import calibrate

    assert callable(calibrate) and calibrate.__module__ == "bayeslaw.fit.backtest"
