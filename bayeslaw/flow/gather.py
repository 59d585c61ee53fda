"""Gather a report's inputs from a fitted posterior: the runs, the diagnostics, the
plan, the frontier, the law comparison and the suggestions.

This is the driver that calls the other parts of bayeslaw (fit, plan, suggest) and
hands their results to the report (:class:`~bayeslaw.report.model.ReportInputs`),
which renders only what it is given. It reads no files itself: the CLI loads the
posterior and the store and passes them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from bayeslaw.draws import thin
from bayeslaw.errors import BayeslawError
from bayeslaw.report.model import ReportInputs

FRONTIER_POINTS = 10
FRONTIER_DRAWS = 1000  # the frontier figure's bands (frontier_dict says why)


def runs_of(posterior, runs: Sequence) -> list:
    """The runs the posterior was fitted to (by run id when it records them)."""
    ids = set(getattr(posterior, "run_ids", None) or ())
    if ids:
        chosen = [r for r in runs if r.run_id in ids]
        if chosen:
            return chosen
    return [r for r in runs if r.domain in posterior.domains and r.loss is not None]


def check_request(runs: Sequence, budget: float, k: int, domains: Sequence[str], draws) -> None:
    """Clear errors for a budget that buys less than a run, or an unknown domain."""
    for d in domains:
        draws.domain_index(d)  # raises BayeslawError naming the posterior's domains
    if k < 1:
        raise BayeslawError(f"the number of domains k must be >= 1 (got {k})")
    smallest = min((r.flops for r in runs), default=0.0)
    if budget <= 0 or budget < smallest:
        raise BayeslawError(
            f"budget {budget:.3g} FLOPs is below the smallest run ({smallest:.3g} FLOPs): "
            "a plan there extrapolates downwards from the data; plan for a larger budget")


def check_plan(plan: Mapping, budget: float, k: int, domains: Sequence[str],
               n_draws: int) -> None:
    """A given plan must be of this request and of this posterior's draws."""
    got = (plan.get("budget"), plan.get("k"), list(dict.fromkeys(plan.get("domains", []))),
           plan.get("n_draws"))
    if (not np.isclose(got[0] or 0.0, budget, rtol=1e-9) or got[1] != k
            or got[2] != list(domains) or got[3] != n_draws):
        raise BayeslawError(
            f"the plan given (budget {got[0]}, k={got[1]}, domains {got[2]}, {got[3]} draws) "
            f"is not of this report (budget {budget:.6g}, k={k}, domains {list(domains)}, "
            f"{n_draws} draws)")


def default_budget(runs: Sequence) -> float:
    """Ten times the largest run's compute, the quickstart's planning target."""
    return 10.0 * max(r.flops for r in runs)


def plan_dict(draws, budget: float, k: int, domains: Sequence[str]) -> dict[str, Any]:
    from bayeslaw.plan import plan

    return plan(draws, budget, k, domains=list(domains)).to_dict()


def frontier_dict(draws, budgets: np.ndarray, k: int, domains: Sequence[str]) -> dict[str, Any]:
    """The frontier figure's data: bands over :data:`FRONTIER_DRAWS` evenly spaced draws.

    The figure draws 5-95% bands at ten budgets; the per-draw optima cost draws x domains
    solves per budget, and from 1,000 draws a 5% quantile is off by about 0.7 percentile
    points (binomial sd sqrt(0.05 * 0.95 / 1000)), less than the figure can show. The new
    domains, if any, are drawn first on all the draws, so they are the plan's own.
    """
    from bayeslaw.plan import frontier
    from bayeslaw.population import select

    drawn, names = select(draws, k, list(domains))
    fr = frontier(thin(drawn, FRONTIER_DRAWS), budgets, k,
                  domains=list(names or domains)).to_dict()
    out = {"budget": np.asarray(fr["budgets"], dtype=float), "bayes": fr.get("bayes")}
    out.update({key: fr["bands"][key] for key in fr["bands"]})
    return out


def frontier_budgets(runs: Sequence, budget: float) -> np.ndarray:
    """From the largest run's compute to 10x beyond the requested budget."""
    lo = max(r.flops for r in runs)
    hi = max(budget * 10, lo * 100)
    return np.geomspace(lo, hi, FRONTIER_POINTS)


def suggestions_list(draws, runs: Sequence, checkpoints: Iterable, budget: float,
                     k: int, domains: Sequence[str], n: int, seed: int) -> list[dict]:
    from bayeslaw.suggest import Settings, suggest
    from bayeslaw.suggest.candidates import menu_of_runs

    measured = tuple(d for d in domains if any(r.domain == d for r in runs))  # runs only there
    menu = menu_of_runs(runs, measured)
    done = [(r.params, r.pretrain_tokens, r.specialize_tokens, r.domain) for r in runs]
    s = suggest(draws, menu, Settings(budget=budget, k=k, q=n),
                checkpoints=list(checkpoints), done=done, domains=list(domains), seed=seed)
    return s.specs


def report_inputs(posterior, runs: Sequence, *, budget: float | None = None,
                  k: int | None = None, domains: Sequence[str] | None = None,
                  new_domains: int = 0, comparison: Mapping | None = None, n_suggest: int = 0,
                  checkpoints: Iterable = (), provenance: Mapping | None = None,
                  seed: int = 0, progress: Callable[[str], None] | None = None,
                  max_draws: int | None = None, plan: Mapping | None = None,
                  allow_unconverged: bool = False) -> ReportInputs:
    """Everything the report shows about ``posterior`` (a fitted ``Posterior``).

    ``budget`` defaults to 10x the largest run, ``k`` to the number of ``domains``
    (default: all of the posterior's) plus ``new_domains``; the k - m domains beyond the
    m measured ones are new, drawn from the fitted population
    (:func:`bayeslaw.population.select`). ``n_suggest`` = 0 skips the suggestions.
    ``plan``: a plan already made of this posterior (the document of ``bayeslaw plan
    --json``, :meth:`bayeslaw.plan.Plan.to_dict`), shown instead of planning again; its
    budget, k and domains are the defaults, and must agree with those given.
    ``max_draws`` thins the draws evenly (every chain alike) before the planner, the
    frontier and the figures use them: with many heterogeneous domains the planner's
    cost grows with draws x domains, and 500 draws already give stable quantiles.
    A posterior that failed its convergence checks raises ``UnconvergedError``; with
    ``allow_unconverged`` it warns and the report carries a banner.
    """
    say = progress or (lambda _: None)
    checked = getattr(posterior, "checked_draws", None)
    draws = checked(allow_unconverged) if checked else posterior.draws
    conv = getattr(posterior, "convergence", None)
    if max_draws is not None:
        draws = thin(draws, max_draws)  # their noise alike
    used = runs_of(posterior, runs)
    if not used:
        raise BayeslawError("none of the posterior's runs is among the runs given; use the "
                            "store the posterior was fitted from")
    if plan is not None:
        budget = budget or plan["budget"]
        k = k or plan["k"]
        domains = domains or [d for d in dict.fromkeys(plan["domains"]) if d in draws.domains]
    measured = list(domains or draws.domains)
    budget = float(budget or default_budget(used))
    k = int(k or len(measured) + new_domains)
    check_request(used, budget, k, measured, draws)
    from bayeslaw.population import select

    domains = select(draws, k, domains, new_domains)[1] or measured  # measured + new names
    notes: dict[str, str] = {}
    say("diagnostics")
    diagnostics = diagnostics_dict(posterior)
    say("plan")
    if plan is not None:
        check_plan(plan, budget, k, domains, posterior.draws.n_draws)
    else:
        plan = plan_dict(draws, budget, k, domains)
    if plan is not None and "extrapolation" not in plan:  # as `bayeslaw plan --json` has it
        from bayeslaw.extrapolation import Measured, assess_plan

        plan["extrapolation"] = assess_plan(Measured.of_runs(used), plan).to_dict()
    say("frontier")
    front = frontier_dict(draws, frontier_budgets(used, budget), k, domains)
    specs = None
    if n_suggest > 0:
        say("suggestions")
        specs = suggestions_list(draws, used, checkpoints, budget, k, domains, n_suggest,
                                 seed)
    return ReportInputs(draws=draws, runs=used, budget=budget, k=k, domains=domains,
                        provenance=dict(provenance or {}),
                        diagnostics=diagnostics, comparison=comparison, plan=plan,
                        frontier=front, suggestions=specs, notes=notes,
                        convergence=conv.to_dict() if conv is not None else None)


def diagnostics_dict(posterior) -> dict[str, Any] | None:
    """The posterior's diagnostics as the report's plain dict (None without them)."""
    diag = getattr(posterior, "diagnostics", None)
    if diag is None:
        return None
    d = diag() if callable(diag) else diag
    if isinstance(d, Mapping):
        return dict(d)
    rows = [{"parameter": p, "r_hat": d.r_hat[p], "ess_bulk": d.ess_bulk.get(p),
             "ess_tail": d.ess_tail.get(p)} for p in d.r_hat]
    checks = {"divergent transitions": d.divergences,
              "E-BFMI (lowest chain)": min(d.bfmi) if d.bfmi else None,
              "runs inside their 90% predictive interval": _share(d.ppc_coverage90),
              "runs inside the prior predictive 1-99% range": _share(d.prior_coverage)}
    return {"parameters": rows, **{k: v for k, v in checks.items() if v is not None},
            "warnings": list(d.warnings)}


def _share(x: float | None) -> str | None:
    return None if x is None else f"{x:.0%}"
