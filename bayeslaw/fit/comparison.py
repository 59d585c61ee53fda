"""Which law do the runs support? PSIS-LOO and a held-out extrapolation test.

- PSIS-LOO (Vehtari, Gelman & Gabry 2017) via ArviZ: expected log predictive density
  of each run left out, with its standard error and Pareto-k warnings.
- Extrapolation: fit on the runs of smaller compute (6 N (D + D')), predict the largest
  ``holdout`` fraction: mean absolute relative error of the predictive median and the
  share of held-out losses inside their 90% predictive interval (0.9 if calibrated).
  Pareto k above ArviZ's threshold (0.7, lower for few draws) is counted per law.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from bayeslaw.errors import BayeslawError
from bayeslaw.fit._arviz import az
from bayeslaw.fit.bayes import fit
from bayeslaw.fit.predictive import sample


def _loo(idata):
    """PSIS-LOO; ArviZ's warning about high Pareto k becomes the table's count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return az.loo(idata, pointwise=True)


def loo_row(post) -> dict:
    """``{"law", "elpd_loo", "se", "p_loo", "pareto_k_bad"}`` of a fitted posterior."""
    loo = _loo(post.idata)
    return {"law": post.law.name, "elpd_loo": float(loo.elpd_loo), "se": float(loo.se),
            "p_loo": float(loo.p_loo),
            "pareto_k_bad": int((loo.pareto_k.values > getattr(loo, "good_k", 0.7)).sum())}


def split_by_compute(runs: Sequence, holdout: float) -> tuple[list, list]:
    """(smaller-compute runs, largest-compute runs); ``holdout`` in (0, 1)."""
    if not 0 < holdout < 1:
        raise BayeslawError(f"holdout must be a fraction in (0, 1) (got {holdout})")
    runs = sorted(runs, key=lambda r: r.flops)
    n_test = max(1, int(round(holdout * len(runs))))
    return runs[:-n_test], runs[-n_test:]


def extrapolation(post, test: Sequence, seed: int = 0) -> dict[str, float]:
    """Error and 90% coverage of ``post``'s predictions for the ``test`` runs."""
    errs, inside = [], []
    for r in test:
        if r.domain not in post.domains:
            continue
        _, y = sample(post, r.params, r.pretrain_tokens, r.specialize_tokens, r.domain,
                      seed=seed)
        lo, med, hi = np.percentile(y, [5, 50, 95])
        errs.append(abs(med - r.loss) / r.loss)
        inside.append(lo <= r.loss <= hi)
    return {"n_holdout": len(errs), "holdout_rel_error": float(np.mean(errs)),
            "holdout_coverage90": float(np.mean(inside))}


def compare(runs: Sequence, laws: Sequence[str], **kw) -> list[dict]:
    """One row per law, best PSIS-LOO first (see the module docstring for the columns)."""
    return compare_fits(runs, laws, **kw)[0]


def compare_fits(runs: Sequence, laws: Sequence[str], *, domains=None, holdout: float = 0.2,
                 chains: int = 4, warmup: int = 500, samples: int = 500, seed: int = 0,
                 priors=None, escalate: int = 1,
                 progress: Callable[[str], None] | None = None) -> tuple[list[dict], dict]:
    """:func:`compare`'s rows and each law's posterior fitted to all the runs, so a
    caller that goes on with the best law need not fit it again. ``progress`` is told
    of each of the 2 x len(laws) fits before it starts (they take minutes)."""
    runs = [r for r in runs if r.status == "completed" and (not domains or r.domain in domains)]
    train, test = split_by_compute(runs, holdout)
    kw = dict(domains=domains, chains=chains, warmup=warmup, samples=samples, seed=seed,
              priors=priors, escalate=escalate)
    rows, idatas, posts = {}, {}, {}
    say = progress or (lambda _: None)
    for i, name in enumerate(laws):
        say(f"fit {2 * i + 1}/{2 * len(laws)}: {name} on all {len(runs)} runs")
        post = posts[name] = fit(runs, name, **kw)
        idatas[name] = post.idata
        say(f"fit {2 * i + 2}/{2 * len(laws)}: {name} on the {len(train)} smaller runs "
            f"(the {len(test)} largest held out)")
        rows[name] = {**loo_row(post), "divergences": post.diagnostics().divergences,
                      **extrapolation(fit(train, name, **kw), test, seed)}
    with warnings.catch_warnings():  # high Pareto k is reported in the table instead
        warnings.simplefilter("ignore", UserWarning)
        table = az.compare(idatas) if len(idatas) > 1 else None
    for name, row in rows.items():
        row["elpd_diff"] = float(table.loc[name, "elpd_diff"]) if table is not None else 0.0
        row["weight"] = float(table.loc[name, "weight"]) if table is not None else 1.0
    return sorted(rows.values(), key=lambda r: -r["elpd_loo"]), posts
