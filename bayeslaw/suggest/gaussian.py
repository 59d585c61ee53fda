"""The value of runs under a linear-Gaussian view of the posterior (knowledge gradient).

:mod:`bayeslaw.suggest.acquisition` values a run by reweighting the posterior draws with
its fantasized outcome; with 0.5%-noise observations only a handful of the few hundred
draws keep weight, so its estimate of V is noisy, worst for the decisive runs whose
outcome the draws disagree on most. This module estimates the same quantity from the
draws' first two moments instead (the knowledge gradient for correlated beliefs,
Frazier, Powell & Dayanik 2009, INFORMS J. Computing 21(4); its batch form follows
Wu & Frazier 2016, "The parallel knowledge gradient method", NeurIPS).

Across the S posterior draws, treat the decision losses ``L_m`` (mean domain loss of
decision m at the target budget, :mod:`bayeslaw.suggest.decisions`) and the outcomes
``y_x`` (log loss of run x) as jointly Gaussian, with the draws' means and covariances
and the observation noise added to the outcomes:

    Sigma_QQ = Cov_s(mu_Q) + diag(E_s[sigma_s^2 nu_s / (nu_s - 2)]),
    C_mQ = Cov_s(L_m, mu_Q).

After the outcomes of a batch Q, the expected losses are

    E[L_m | y_Q] = Lbar_m + C_mQ Sigma_QQ^-1 (y_Q - ybar_Q) = Lbar_m + (B Z)_m,

with ``Sigma_QQ = R R^T`` (Cholesky), ``B = C_mQ R^-T`` and ``Z ~ N(0, I_q)``. The
expected relative regret of the Bayes decision after the batch is

    R(Q) = (E_Z[min_m (Lbar_m + (B Z)_m)] - mean_s L*_s) / mean_s L*_s

(``mean_s L*_s`` does not change with y: the tower property), and R of the empty batch
is the current expected regret. The value of x given the batch so far is
``V(x | Q) = R(Q) - R(Q + x)``; a new column of B costs one rank-one Cholesky step,

    l = R^-1 Sigma_Qx,   d = sqrt(Sigma_xx - l.l),   b_x = (C_mx - B l) / d,

so the greedy batch costs O(q) steps over all candidates. ``E_Z`` is a fixed set of K
scrambled-Sobol normal points, centred (common random numbers across candidates, so two
candidates' values differ by their B, not by sampling noise).

Limits: the linearization ignores the curvature of E[L | y] in y, which matters when
the posterior is wide compared with the span where the law is close to linear in its
parameters (early in a campaign); the reweighting estimate does not linearize but is
noisy. Both estimate V of the same expected regret.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayeslaw.suggest.decisions import Decisions


def noise_variance(sigma: np.ndarray, nu: np.ndarray) -> float:
    """``E_s[sigma_s^2 nu_s / (nu_s - 2)]``: the Student-t noise variance of one outcome
    (``nu`` clipped at 2.5, where the variance is 5 sigma^2, to stay finite)."""
    nu = np.maximum(np.asarray(nu, float), 2.5)
    return float(np.mean(np.asarray(sigma, float) ** 2 * nu / (nu - 2.0)))


def normal_points(k: int, dims: int, seed: int) -> np.ndarray:
    """``(dims, k)`` standard normal points from a scrambled Sobol sequence."""
    from scipy.stats import norm, qmc

    u = qmc.Sobol(d=dims, scramble=True, seed=seed).random(k)
    z = norm.ppf(np.clip(u, 1e-12, 1 - 1e-12)).T
    # Centred, so that E_Z[min] <= min E exactly (Jensen) and no value is negative.
    return z - z.mean(axis=1, keepdims=True)


@dataclass
class Moments:
    """The draws' moments the values need: ``Lbar (M,)``, ``C (M, C)``, ``Sigma (C, C)``
    (outcome covariance, noise included) and ``best`` (mean_s L*_s)."""

    Lbar: np.ndarray
    C: np.ndarray
    Sigma: np.ndarray
    best: float

    @classmethod
    def of(cls, dec: Decisions, mu: np.ndarray, sigma: np.ndarray, nu: np.ndarray
           ) -> Moments:
        """From the decisions' losses ``(S, M)`` and the candidates' ``mu (S, C)``."""
        S = mu.shape[0]
        Lc = dec.loss - dec.loss.mean(axis=0)
        mc = mu - mu.mean(axis=0)
        Sigma = mc.T @ mc / (S - 1)
        Sigma[np.diag_indices_from(Sigma)] += noise_variance(sigma, nu)
        return cls(dec.loss.mean(axis=0), Lc.T @ mc / (S - 1), Sigma, float(dec.best.mean()))


class Batch:
    """A batch under construction: its picks, Cholesky factor and ``B`` (M, q)."""

    def __init__(self, m: Moments, Z: np.ndarray):
        self.m, self.Z = m, Z                       # Z: (q_max, K)
        self.picks: list[int] = []
        self.R = np.zeros((0, 0))
        self.B = np.zeros((m.Lbar.size, 0))

    def _columns(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New Cholesky row ``l (q, c)`` and pivot ``d (c,)`` for candidates ``idx``, and
        the new columns of B ``(M, c)``."""
        m = self.m
        S_Qx = m.Sigma[np.ix_(self.picks, idx)]                         # (q, c)
        l = np.linalg.solve(self.R, S_Qx) if self.picks else S_Qx
        d = np.sqrt(np.maximum(m.Sigma[idx, idx] - (l * l).sum(axis=0), 1e-300))
        return l, (m.C[:, idx] - self.B @ l) / d

    def regret(self, extra: np.ndarray | None = None) -> np.ndarray | float:
        """R(Q) (a float), or R(Q + x) for each column x of ``extra`` (M, c)."""
        q = len(self.picks)
        base = self.m.Lbar[:, None] + self.B @ self.Z[:q]               # (M, K)
        if extra is None:
            return float(base.min(axis=0).mean() / self.m.best - 1.0)
        z = self.Z[q]                                                   # (K,)
        out = np.empty(extra.shape[1])
        for a in range(0, extra.shape[1], 16):
            cols = extra[:, a:a + 16]                                   # (M, c)
            after = base[:, None, :] + cols[:, :, None] * z[None, None, :]
            out[a:a + 16] = after.min(axis=0).mean(axis=-1) / self.m.best - 1.0
        return out

    def values(self, idx: np.ndarray) -> np.ndarray:
        """``V(x | Q)`` for the candidates ``idx`` (not yet in the batch)."""
        _, cols = self._columns(idx)
        return self.regret() - self.regret(cols)

    def add(self, i: int) -> None:
        """Put candidate ``i`` in the batch (a rank-one update of R and B)."""
        l, cols = self._columns(np.array([i]))
        q = len(self.picks)
        R = np.zeros((q + 1, q + 1))
        R[:q, :q] = self.R
        R[q, :q] = l[:, 0]
        R[q, q] = np.sqrt(max(self.m.Sigma[i, i] - float(l[:, 0] @ l[:, 0]), 1e-300))
        self.R, self.B = R, np.hstack([self.B, cols])
        self.picks.append(i)
