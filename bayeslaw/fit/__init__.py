"""The Bayesian fit of a scaling law: priors, numpyro model, NUTS, posterior files.

``fit(runs, law)`` returns a :class:`Posterior`; ``predict`` gives the posterior
predictive at new points; ``compare`` ranks laws by PSIS-LOO and held-out
extrapolation; :mod:`bayeslaw.fit.lbfgs` is the classical point-estimate baseline.
"""

from bayeslaw.fit.bayes import fit
from bayeslaw.fit.posterior import Posterior
from bayeslaw.fit.predictive import predict

__all__ = ["Posterior", "fit", "predict"]
