"""The stacked posterior file: several laws' posteriors and their weights in one netCDF.

Layout (h5netcdf groups):

- ``/`` (root): variable ``weight`` over dimension ``law`` (the stacking weights, in the
  order of the laws); attrs ``bayeslaw_format = "bayeslaw-stack-1"``, ``laws``,
  ``weights``, ``groups`` (JSON: each law's InferenceData groups), ``run_ids``,
  ``domains``, ``n_draws`` (0: the default), ``calibration`` (JSON of
  :class:`~bayeslaw.fit.calibration.Calibration`, or ""), ``method = "stack"``,
  ``versions`` and ``created_at``.
- ``/laws/<law>/<group>``: each law's InferenceData group as a single-law posterior file
  has it (``posterior`` with its provenance attrs, ``sample_stats``,
  ``log_likelihood``, ``observed_data``, ``constant_data``, ...).

:func:`bayeslaw.fit.files.load` reads either kind of file.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import numpy as np

from bayeslaw.errors import BayeslawError
from bayeslaw.fit.calibration import Calibration
from bayeslaw.fit.netcdf import STACK_FORMAT as FORMAT
from bayeslaw.fit.netcdf import FileGroups, root_attrs
from bayeslaw.fit.posterior import Posterior, versions


def save(stacked, path: str | os.PathLike) -> None:
    """Write ``stacked`` (a StackedPosterior) to ``path``."""
    import xarray as xr

    path = str(path)
    groups = {p.law.name: list(p.idata.groups()) for p in stacked.components}
    calib = stacked.calibration.to_json() if stacked.calibration is not None else ""
    attrs = {"bayeslaw_format": FORMAT, "method": "stack",
             "laws": json.dumps(list(stacked.names)),
             "weights": json.dumps(stacked.weights.tolist()), "groups": json.dumps(groups),
             "run_ids": json.dumps(list(stacked.run_ids)),
             "domains": json.dumps(list(stacked.domains)),
             "n_draws": int(stacked.n_draws or 0), "calibration": calib,
             "versions": json.dumps(versions()),
             "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
    root = xr.Dataset({"weight": ("law", stacked.weights)}, coords={"law": list(stacked.names)},
                      attrs=attrs)
    root.to_netcdf(path, mode="w", engine="h5netcdf")
    for post in stacked.components:
        for g in groups[post.law.name]:
            post.idata[g].to_netcdf(path, mode="a", group=f"laws/{post.law.name}/{g}",
                                    engine="h5netcdf")


def read(path: str | os.PathLike) -> tuple[tuple, np.ndarray, int | None, Calibration | None]:
    """The parts of a StackedPosterior in a file written by :func:`save`: the laws'
    posteriors, their weights, ``n_draws`` and the calibration
    (:meth:`bayeslaw.fit.stack.StackedPosterior.load` builds the mixture from them)."""
    import xarray as xr

    attrs = root_attrs(path)
    if attrs is None or attrs.get("bayeslaw_format") != FORMAT:
        raise BayeslawError(f"not a stacked bayeslaw posterior file: {path}")
    comps = []
    for law, gs in json.loads(attrs["groups"]).items():
        groups = {}
        for g in gs:
            with xr.open_dataset(str(path), group=f"laws/{law}/{g}", engine="h5netcdf") as ds:
                groups[g] = ds.load()
        comps.append(Posterior(FileGroups(groups)))
    calib = Calibration.from_json(attrs["calibration"]) if attrs.get("calibration") else None
    return (tuple(comps), np.array(json.loads(attrs["weights"])),
            int(attrs.get("n_draws", 0)) or None, calib)
