"""The posterior predictive loss at new points (N, D, D').

For each posterior draw s: the mean curve ``L_s = L(N, D, D'; theta_s)`` and an observed
loss ``exp(y_s)``, ``y_s ~ StudentT(nu_s, log L_s, sigma_s)`` (the fit's likelihood).
Quantiles over draws give the predictive bands with and without observation noise.

A posterior with a ``calibration`` (:mod:`bayeslaw.fit.backtest`) widens the observed
loss beyond its runs: sigma_s^2 becomes sigma_s^2 + tau^2 d(N, D, D')^p, and its location
shifts by the learned drift bias d^(p/2). A stacked
posterior (:mod:`bayeslaw.fit.stack`) gives the mixture predictive: each draw is one law's.
"""

from __future__ import annotations

import numpy as np

from bayeslaw._jax import setup
from bayeslaw.errors import BayeslawError

LOSS_Q = {"q05": 5, "q25": 25, "q50": 50, "q75": 75, "q95": 95}
CURVE_Q = {"q05": 5, "q50": 50, "q95": 95}


MAX_LOG_LOSS = 700.0  # log of the largest loss a predictive draw reports


def _domain(posterior, domain: str | None) -> str:
    if domain is not None:
        posterior.draws.domain_index(domain)  # raises with the list of domains
        return domain
    if len(posterior.domains) > 1:
        raise BayeslawError(f"the posterior has several domains ({', '.join(posterior.domains)})"
                            "; a prediction is for one of them")
    return posterior.domains[0]


def _check_point(N, D, D_prime) -> None:
    if np.any(N <= 0) or np.any(D < 0) or np.any(D_prime < 0) or np.any(D + D_prime <= 0):
        raise BayeslawError("predict needs N > 0, D >= 0, D' >= 0 and D + D' > 0")


def sample(posterior, N, D, D_prime, domain: str | None = None, *, seed: int = 0,
           widen: bool = True):
    """Draws of the mean curve and of observed losses: two arrays (S, *shape).

    ``widen=False`` ignores the posterior's extrapolation calibration, if it has one.
    """
    import jax

    from bayeslaw.fit.likelihood import sample_obs  # numpyro only when sampling (not for plan)

    setup()
    N, D, D_prime = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (N, D, D_prime)))
    _check_point(N, D, D_prime)
    theta = posterior.draws.for_domain(_domain(posterior, domain))
    extra = (None,) * N.ndim
    theta = {k: np.asarray(v, dtype=float)[(slice(None), *extra)] for k, v in theta.items()}
    log_mu = posterior.law.evaluate(theta, N, D, D_prime)
    sigma, nu = (np.asarray(posterior.noise[k], float)[(slice(None), *extra)]
                 for k in ("sigma", "nu"))
    calibration = getattr(posterior, "calibration", None) if widen else None
    loc = log_mu
    if calibration is not None:
        sigma = np.sqrt(sigma**2 + np.asarray(calibration.extra_var(N, D, D_prime))[None])
        loc = log_mu + np.asarray(calibration.shift(N, D, D_prime))
    y = sample_obs(jax.random.PRNGKey(seed), loc, sigma, nu)
    # A Student-t draw with a small nu can lie beyond exp's float64 range (|log L| > 709):
    # such a draw is an astronomically large (or small) loss, kept finite and positive
    # (within e^+-700) so that quantiles and means stay defined; the bulk is unchanged.
    y = np.clip(np.asarray(y), -MAX_LOG_LOSS, MAX_LOG_LOSS)
    return np.exp(np.asarray(log_mu)), np.exp(y)


def predict(posterior, N, D, D_prime=0, domain: str | None = None, *, seed: int = 0,
            allow_unconverged: bool = False, widen: bool = True) -> dict:
    """Quantiles of the posterior predictive loss and of the mean curve at (N, D, D').

    Returns ``{"loss": {"q05", "q25", "q50", "q75", "q95"}, "mean_curve": {"q05", "q50",
    "q95"}}``, each a float for scalar inputs or an array of the broadcast input shape.
    Raises ``UnconvergedError`` for a posterior that failed its convergence checks
    (warns instead with ``allow_unconverged``).
    """
    if hasattr(posterior, "checked_draws"):
        posterior.checked_draws(allow_unconverged)
    curve, loss = sample(posterior, N, D, D_prime, domain, seed=seed, widen=widen)

    def quantiles(x, qs):
        out = {k: np.percentile(x, q, axis=0) for k, q in qs.items()}
        return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in out.items()}

    return {"loss": quantiles(loss, LOSS_Q), "mean_curve": quantiles(curve, CURVE_Q)}
