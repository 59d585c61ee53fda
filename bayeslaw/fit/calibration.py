"""The learned extrapolation widening of a posterior's predictive, as it is stored.

A :class:`Calibration` adds variance ``tau^2 d^p`` (and, with criterion drift, a shift
``bias d^(p/2)``) to log loss at a point ``d`` e-folds beyond the :class:`Box` of the
fitted runs in its most extrapolated coordinate (:func:`coordinates`). It is learned by
backtesting (:mod:`bayeslaw.fit.backtest`, where the model and its assumptions are
stated) and kept in a posterior file's attrs, so reading a file needs nothing more.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from bayeslaw.compute import FLOPS_PER_PARAM_TOKEN


def coordinates(N, D, D_prime) -> np.ndarray:
    """z = (log C, log N, log D, log D') of points, shape (..., 4); D and D' floored at 1."""
    N, D, Dp = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (N, D, D_prime)))
    C = FLOPS_PER_PARAM_TOKEN * N * (D + Dp)
    return np.stack([np.log(C), np.log(N), np.log(np.maximum(D, 1.0)),
                     np.log(np.maximum(Dp, 1.0))], axis=-1)


@dataclass(frozen=True)
class Box:
    """The range of the fitted runs in each coordinate of :func:`coordinates`."""

    lo: tuple[float, ...]
    hi: tuple[float, ...]

    @classmethod
    def of(cls, N, D, D_prime) -> Box:
        z = coordinates(N, D, D_prime).reshape(-1, 4)
        return cls(tuple(z.min(0).tolist()), tuple(z.max(0).tolist()))

    def distance(self, N, D, D_prime) -> np.ndarray:
        """d(x): e-folds beyond the box in the most extrapolated coordinate (0 inside)."""
        z = coordinates(N, D, D_prime)
        out = np.maximum(z - np.array(self.hi), np.array(self.lo) - z)
        return np.maximum(out, 0.0).max(axis=-1)


@dataclass(frozen=True)
class Calibration:
    """The learned widening: extra variance ``tau^2 d^power`` on log loss beyond ``box``.

    ``gain`` is the held-out log predictive density per backtest point it bought over
    tau = 0; ``n_heldout`` and ``folds`` the backtest's size; ``method`` its fold fit.
    """

    tau: float
    power: float
    box: Box
    n_heldout: int = 0
    folds: int = 0
    gain: float = 0.0
    method: str = "nuts"
    criterion: str = "likelihood"
    bias: float = 0.0

    def extra_var(self, N, D, D_prime) -> np.ndarray:
        """tau^2 d^p: the variance the law's form error adds to log loss."""
        return self.tau**2 * self.box.distance(N, D, D_prime) ** self.power

    def shift(self, N, D, D_prime) -> np.ndarray:
        """bias d^(p/2): the learned drift of log loss beyond the runs (0 inside)."""
        return self.bias * self.box.distance(N, D, D_prime) ** (self.power / 2)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        d = json.loads(text)
        box = d.pop("box")
        return cls(box=Box(tuple(box["lo"]), tuple(box["hi"])), **d)
