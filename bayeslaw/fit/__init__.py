"""The Bayesian fit of a scaling law: priors, numpyro model, NUTS, posterior files.

``fit(runs, law)`` returns a :class:`Posterior`; ``predict`` gives the posterior
predictive at new points; ``compare`` ranks laws by PSIS-LOO and held-out
extrapolation; :mod:`bayeslaw.fit.lbfgs` is the classical point-estimate baseline.
``fit_stack`` fits and stacks several laws (:mod:`bayeslaw.fit.averaged`,
:mod:`bayeslaw.fit.stack`), ``calibrate`` learns how the predictive widens beyond the runs
(:mod:`bayeslaw.fit.backtest`), ``load`` reads either kind of posterior file
(:mod:`bayeslaw.fit.files`).

The names are imported on first use (PEP 562): reading a posterior file to plan from it
(``bayeslaw.fit.posterior``) then loads neither numpyro nor ArviZ, about 2 s of a
``bayeslaw plan`` call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bayeslaw._lazy import lazy

_HOMES = {"Posterior": "posterior", "load": "files", "fit": "bayes",
          "calibrate": "backtest", "predict": "predictive", "StackedPosterior": "stack",
          "fit_stack": "averaged"}

__all__ = ["Posterior", "StackedPosterior", "calibrate", "fit", "fit_stack", "load", "predict"]

if TYPE_CHECKING:
    from bayeslaw.fit.averaged import fit_stack
    from bayeslaw.fit.backtest import calibrate
    from bayeslaw.fit.bayes import fit
    from bayeslaw.fit.files import load
    from bayeslaw.fit.posterior import Posterior
    from bayeslaw.fit.predictive import predict
    from bayeslaw.fit.stack import StackedPosterior


__getattr__, __dir__ = lazy(__name__, {n: f"bayeslaw.fit.{m}" for n, m in _HOMES.items()})
