"""A law's fit by method, optionally cached in files: what the backtests refit many times.

``fitter("nuts", kw)`` is :func:`bayeslaw.fit.bayes.fit`, ``fitter("lbfgs", kw)`` the point
fit :func:`bayeslaw.fit.lbfgs.fit`, each with the settings ``kw``; with a cache folder,
a posterior is read back from a file named by :func:`fit_key` when one exists.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence

from bayeslaw import __version__
from bayeslaw.errors import BayeslawError
from bayeslaw.fit import bayes, lbfgs
from bayeslaw.fit.posterior import Posterior


def fitter(method: str, kw: dict, cache=None):
    """``fit(runs, law)`` by ``method`` with settings ``kw``; with ``cache`` (a folder),
    each posterior is read from / written to a file named by a hash of its inputs
    (:func:`fit_key`), so that reruns and other strategies reuse the fit."""
    fits = {"nuts": bayes.fit, "lbfgs": lbfgs.fit}
    if method not in fits:
        raise BayeslawError(f"unknown fit method {method!r} (nuts or lbfgs)")
    fit = fits[method]
    if cache is None:
        return lambda runs, law: fit(runs, law, **kw)

    def cached(runs, law):
        path = os.path.join(os.fspath(cache), f"{law}-{fit_key(runs, law, method, kw)}.nc")
        if os.path.isfile(path):
            return Posterior.load(path)
        post = fit(runs, law, **kw)
        os.makedirs(os.fspath(cache), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        post.save(tmp)
        os.replace(tmp, path)  # atomic: a killed run leaves no half-written file
        return post

    return cached


def fit_key(runs: Sequence, law: str, method: str, kw: dict) -> str:
    """A hash of everything a fit depends on: the runs (id, domain, N, D, D', loss,
    status, in order), the law, the method, its settings and the package version."""
    rows = [(r.run_id, r.domain, r.params, r.pretrain_tokens, r.specialize_tokens,
             r.loss, r.status) for r in runs]
    text = json.dumps([rows, law, method, sorted(kw.items()), __version__], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
