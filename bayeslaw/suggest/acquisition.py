"""The value of a run: how much its outcome is expected to shrink the decision's regret.

Let w be weights on the posterior draws theta_1..theta_S (uniform for a fresh
posterior) and R(w) the relative expected regret of the Bayes decision at the
target budget (:func:`bayeslaw.suggest.decisions.expected_regret`). Running the
candidate x would show an outcome y (log loss) drawn from the posterior predictive

    theta_j ~ w,   y ~ p(y | theta_j, x) = Student-t_nu_j(mu_j(x), sigma_j)

after which the draws are reweighted by the likelihood (importance reweighting of
the posterior sample, not a refit):

    w_s(y) ∝ w_s p(y | theta_s, x).

The value of x is the expected drop of the regret, a preposterior quantity

    V(x) = R(w) - E_y[ R(w(y)) ]
         = E_{t ~ w, y ~ p(y | theta_t, x)}[ r_t(m*(w)) - r_t(m*(w(y))) ],

with r_t(m) = L[t, m] / L*_t - 1 the regret of decision m if theta_t is true and
m*(w) the Bayes decision under w (the second line is the tower property). The
acquisition ranks V(x) / cost(x). V is estimated with J "worlds": world j fixes a
true draw t_j ~ w and one fantasized outcome Y[j, x] of every candidate x, with
common random numbers across candidates; the decision chosen with the world's
reweighted draws is scored by the world's true draw. The true draw's own weight is
zeroed in its world (leave-one-out), so that choosing and scoring use different
particles: scoring with the reweighted posterior itself (the first line) is biased,
because after a sharp observation only a handful of particles keep weight and the
Bayes decision overfits them (the optimizer's curse), which makes every
informative run look equally decisive. A batch of q runs
is picked greedily: after each pick every world conditions on the pick's fantasized
outcome, so the next run is valued given what the earlier ones will show, and a
run whose information is already covered scores low. A run whose outcome is the same
under every draw leaves the weights, hence the decisions, unchanged: V = 0 exactly.

Everything is precomputed once: the (S, M) decision-loss matrix, the per-draw best
losses and the (S, C) predicted log losses of the candidates; each step is then a
batched weighted reduction in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayeslaw import _jax
from bayeslaw.draws import Draws
from bayeslaw.suggest.candidates import Candidate
from bayeslaw.suggest.decisions import Decisions


def log_lik(y, mu, sigma, nu) -> np.ndarray:
    """The fit's Student-t likelihood of log loss (:func:`bayeslaw.fit.likelihood.log_lik`)."""
    from bayeslaw.fit.likelihood import log_lik as fit_log_lik  # numpyro only when it runs

    return np.asarray(fit_log_lik(y, mu, sigma, nu))


def predicted_log_loss(draws: Draws, candidates: list[Candidate]) -> np.ndarray:
    """``(S, C)`` log L of every candidate under every draw (its own domain's params)."""
    _jax.setup()

    out = np.empty((draws.n_draws, len(candidates)))
    for dom in {c.domain for c in candidates}:
        idx = [i for i, c in enumerate(candidates) if c.domain == dom]
        x = np.array([[candidates[i].params, candidates[i].pretrain_tokens,
                       candidates[i].specialize_tokens] for i in idx], float)
        theta = {k: np.asarray(v, dtype=float)[:, None] for k, v in draws.for_domain(dom).items()}
        out[:, idx] = np.asarray(draws.law.evaluate(theta, x[None, :, 0], x[None, :, 1],
                                                    x[None, :, 2]))
    return out


def normalize(log_w: np.ndarray) -> np.ndarray:
    """Weights from log weights along the last axis."""
    w = np.exp(log_w - log_w.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


@dataclass
class Worlds:
    """J fantasized worlds: true draw ``truth (J,)``, outcomes ``Y (J, C)``, ``log_w (J, S)``."""

    truth: np.ndarray
    Y: np.ndarray
    log_w: np.ndarray


def fantasize(mu: np.ndarray, sigma: np.ndarray, nu: np.ndarray, n_worlds: int,
              rng: np.random.Generator, weights: np.ndarray | None = None) -> Worlds:
    """Draw J worlds from the posterior predictive of every candidate (see module doc)."""
    S, C = mu.shape
    w = np.full(S, 1.0 / S) if weights is None else weights
    truth = rng.choice(S, size=n_worlds, p=w)
    eps = rng.standard_t(np.broadcast_to(nu[truth][:, None], (n_worlds, C)))
    Y = mu[truth] + sigma[truth][:, None] * eps
    log_w = np.broadcast_to(np.log(w), (n_worlds, S)).copy()
    log_w[np.arange(n_worlds), truth] = -np.inf
    return Worlds(truth, Y, log_w)


def update(worlds: Worlds, mu: np.ndarray, sigma: np.ndarray, nu: np.ndarray, c: int) -> None:
    """Condition every world on its fantasized outcome of candidate ``c`` (in place)."""
    worlds.log_w += log_lik(worlds.Y[:, c][:, None], mu[:, c][None], sigma[None], nu[None])


def world_regret(log_w: np.ndarray, truth: np.ndarray, dec: Decisions) -> np.ndarray:
    """Regret, under each world's true draw, of the Bayes decision of its weights.

    ``log_w`` has shape ``(..., J, S)`` and ``truth`` ``(J,)``; returns ``(..., J)`` with
    ``r_j = L[t_j, m*(w_j)] / L*_{t_j} - 1``.
    """
    w = normalize(log_w)
    m = np.argmin((w.reshape(-1, w.shape[-1]) @ dec.loss).reshape(*w.shape[:-1], -1), axis=-1)
    return dec.loss[truth, m] / dec.best[truth] - 1.0


def values(worlds: Worlds, dec: Decisions, mu: np.ndarray, sigma: np.ndarray, nu: np.ndarray,
           *, chunk: int = 32) -> np.ndarray:
    """``V(x)`` for every candidate given the worlds' current weights, shape ``(C,)``.

    ``V(x) = mean_j [r_j(w_j) - r_j(w_j(Y[j, x]))]``: the drop of the regret that the
    world's true draw t_j assigns to the Bayes decision, before and after conditioning
    on the fantasized outcome (see the module docstring for why the truth, not the
    reweighted posterior, scores the decision).
    """
    now = world_regret(worlds.log_w, worlds.truth, dec)               # (J,)
    C = mu.shape[1]
    out = np.empty(C)
    for a in range(0, C, chunk):
        b = min(a + chunk, C)
        ll = log_lik(worlds.Y[:, a:b].T[:, :, None], mu[:, a:b].T[:, None, :],
                     sigma[None, None], nu[None, None])                  # (c, J, S)
        after = world_regret(worlds.log_w[None] + ll, worlds.truth, dec)
        out[a:b] = (now[None] - after).mean(axis=1)
    return out
