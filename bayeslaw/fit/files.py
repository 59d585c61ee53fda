"""Reading posterior files: one loader for both kinds, single-law and stacked.

``load(path)`` is what plan, predict, suggest and report read a posterior through: a
single-law file (:meth:`bayeslaw.fit.posterior.Posterior.load`) or a stacked one
(:meth:`bayeslaw.fit.stack.StackedPosterior.load`, :mod:`bayeslaw.fit.stackfile`);
several single-law files of the same runs are stacked on the fly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from bayeslaw.fit.netcdf import is_stacked
from bayeslaw.fit.posterior import Posterior
from bayeslaw.fit.stack import StackedPosterior, stack


def load(paths: str | os.PathLike | Sequence) -> Posterior | StackedPosterior:
    """One posterior file as it is (a :class:`Posterior`, or a :class:`StackedPosterior`
    for a stacked file), or several single-law files of the same runs stacked with their
    stacking weights. Anything else is a BayeslawError that says what the file is not."""
    paths = [paths] if isinstance(paths, str | bytes) or not isinstance(paths, Sequence) \
        else list(paths)
    if len(paths) > 1:
        return stack([Posterior.load(p) for p in paths])
    if os.path.isfile(paths[0]) and is_stacked(paths[0]):
        return StackedPosterior.load(paths[0])
    return Posterior.load(paths[0])
