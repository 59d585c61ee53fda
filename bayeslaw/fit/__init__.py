"""The Bayesian fit of a scaling law: priors, numpyro model, NUTS, posterior files.

``fit(runs, law)`` returns a :class:`Posterior`; ``predict`` gives the posterior
predictive at new points; ``compare`` ranks laws by PSIS-LOO and held-out
extrapolation; :mod:`bayeslaw.fit.lbfgs` is the classical point-estimate baseline.
``fit_stack`` stacks several laws (:mod:`bayeslaw.fit.stack`), ``calibrate`` learns how the
predictive widens beyond the runs (:mod:`bayeslaw.fit.calibrate`), ``load`` reads either
kind of posterior file.
"""

from bayeslaw.fit.bayes import fit
from bayeslaw.fit.calibrate import calibrate
from bayeslaw.fit.posterior import Posterior, load
from bayeslaw.fit.predictive import predict
from bayeslaw.fit.stack import StackedPosterior, fit_stack

__all__ = ["Posterior", "StackedPosterior", "calibrate", "fit", "fit_stack", "load", "predict"]
