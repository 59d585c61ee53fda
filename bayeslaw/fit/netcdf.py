"""Reading posterior files (netCDF-4 written by ``InferenceData.to_netcdf``) fast.

``bayeslaw plan`` on an existing posterior is a start-up cost problem: importing ArviZ
(matplotlib, scipy.stats) takes ~1.5 s and xarray with its netCDF decoding ~1 s of a
~5 s call, while the planner needs only the draws, a few attrs, the runs and the
sampler's divergences. :func:`read` reads every group of a file with h5py into
:class:`Group` views (numpy arrays and plain attrs, the subset of ``xarray.Dataset``
that the posterior's properties use); :class:`FileGroups` builds the full
``arviz.InferenceData`` from the file only when something asks for it (diagnostics
plots, PSIS-LOO, saving a copy).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

STACK_FORMAT = "bayeslaw-stack-1"  # the root attr bayeslaw_format of a stacked file (.stackfile)


def _plain(v: Any) -> Any:
    """An HDF5 attribute as xarray gives it: str for text, a scalar for a 1-element array."""
    if isinstance(v, bytes | np.bytes_):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.size == 1:
        return v.reshape(()).item() if v.dtype.kind not in "SO" else _plain(v.reshape(())[()])
    return v


def _attrs(node) -> dict:
    return {k: _plain(v) for k, v in node.attrs.items()
            if not k.startswith("_") and k not in ("CLASS", "NAME", "DIMENSION_LIST",
                                                   "REFERENCE_LIST")}


class Variable:
    """One variable's values (``.values``, usable as a numpy array)."""

    def __init__(self, values: np.ndarray):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)


class Group:
    """One group of the file: ``sizes`` (dimension lengths), ``attrs``, variables by name
    (``g["E"].values``, ``"E" in g``), read eagerly (posterior files are small)."""

    def __init__(self, node):
        self.attrs = _attrs(node)
        self.sizes: dict[str, int] = {}
        self._vars: dict[str, np.ndarray] = {}
        for name, ds in node.items():
            if not hasattr(ds, "shape"):
                continue
            if ds.attrs.get("CLASS") == b"DIMENSION_SCALE":
                self.sizes[name] = int(ds.shape[0])
                continue
            v = ds[()]
            if ds.attrs.get("dtype") == "bool":
                v = v.astype(bool)
            self._vars[name] = v

    def __contains__(self, name: str) -> bool:
        return name in self._vars

    def __getitem__(self, name: str) -> Variable:
        return Variable(self._vars[name])


class FileGroups:
    """The groups of a posterior file (``xarray.Dataset`` objects, or :class:`Group` views
    read by :func:`read`), with attribute access like ``InferenceData``."""

    def __init__(self, datasets: dict, attrs: dict | None = None,
                 path: str | os.PathLike | None = None):
        self.datasets = datasets
        self.attrs = dict(attrs or {})
        self.path = path

    def groups(self) -> list[str]:
        return list(self.datasets)

    def get(self, name: str, default=None):
        return self.datasets.get(name, default)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["datasets"][name]
        except KeyError:
            raise AttributeError(name) from None

    def to_inference_data(self):
        """The whole file as ``arviz.InferenceData`` (read again with ArviZ if the groups
        are :class:`Group` views)."""
        from bayeslaw.fit._arviz import az  # ArviZ (~1.5 s to import) only when asked for

        if any(isinstance(g, Group) for g in self.datasets.values()):
            return az.from_netcdf(str(self.path), engine="h5netcdf")
        return az.InferenceData(attrs=self.attrs or None, **self.datasets)


def read(path: str | os.PathLike) -> FileGroups:
    """Every top-level group of a posterior file as :class:`Group` views (h5py only)."""
    import h5py

    with h5py.File(str(path), "r") as f:
        groups = {name: Group(node) for name, node in f.items() if isinstance(node, h5py.Group)}
        return FileGroups(groups, _attrs(f), path)


def root_attrs(path: str | os.PathLike) -> dict | None:
    """The root attrs of an HDF5/netCDF-4 file, or None if it cannot be read as one."""
    import h5py

    try:
        with h5py.File(str(path), "r") as f:
            return _attrs(f)
    except Exception:  # h5py raises several types for foreign files
        return None


def is_stacked(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a stacked posterior file (:mod:`bayeslaw.fit.stackfile`)."""
    attrs = root_attrs(path)
    return attrs is not None and attrs.get("bayeslaw_format") == STACK_FORMAT
