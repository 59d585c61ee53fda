"""Bayesian stacking over laws: one predictive mixture of several laws' posteriors.

Stacking (Yao, Vehtari, Simpson & Gelman 2018, "Using stacking to average Bayesian
predictive distributions", Bayesian Analysis 13(3)) weighs K fitted laws by

    w = argmax_{w in simplex} sum_i log sum_k w_k p(y_i | y_-i, law k),

the leave-one-out predictive density p(y_i | y_-i, law k) of each run estimated by
PSIS-LOO from each law's pointwise log-likelihood (ArviZ ``compare(...,
method="stacking")``). Unlike Bayesian model averaging it does not assume one of the
laws is true: it picks the mixture of predictive distributions that predicts left-out
runs best, so a law that is nearly as good but wrong in a different way keeps weight.

The stacked posterior is a mixture of draws: ``n_k ~ w_k S`` draws taken from law k
(evenly spaced through its chains), each carrying an index ``component`` into the laws.
:func:`mixture_law` is a :class:`~bayeslaw.laws.Law` whose loss is law k's at a draw of
index k, so the planner, the predictive and the suggester use the mixture unchanged:
per-draw optima are each law's own optima in proportion to its weight, and the Bayes
decision minimizes the weight-averaged expected loss sum_k w_k E_k[L_bar(a; theta)].
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError
from bayeslaw.fit import stackfile
from bayeslaw.laws import Law
from bayeslaw.laws import get as get_law

INDEX = "component"  # the mixture parameter: which law a draw comes from (0..K-1)


def key(law: str, param: str) -> str:
    """The mixture's name for law ``law``'s parameter ``param``."""
    return f"{law}.{param}"


@functools.lru_cache(maxsize=32)
def mixture_law(names: tuple[str, ...]) -> Law:
    """The law of a mixture of the registered laws ``names``:
    L(N, D, D'; theta) = L_k(N, D, D'; theta_k) with k = theta["component"].

    Cached, so that one tuple of names is one (hashable, jit-static) law object.
    """
    laws = [get_law(n) for n in names]

    def log_loss(theta, N, D, D_prime):
        import jax.numpy as jnp

        k = theta[INDEX]
        out = None
        for j, law in enumerate(laws):
            th = {p: theta[key(law.name, p)] for p in law.params}
            lj = law.log_loss(th, N, D, D_prime)
            out = lj if out is None else jnp.where(k == j, lj, out)
        return out

    params = tuple(key(law.name, p) for law in laws for p in law.params) + (INDEX,)
    dom = tuple(key(law.name, p) for law in laws for p in law.domain_params)
    eq = "; ".join(f"[{law.name}] {law.equation}" for law in laws)
    return Law(name="stack(" + ",".join(names) + ")", equation=eq, params=params,
               domain_params=dom, log_loss=log_loss,
               description=f"A stacked mixture of {', '.join(names)}: each draw is one law's.")


def stacking_weights(posteriors: Sequence) -> np.ndarray:
    """Stacking weights (K,) of fitted posteriors of different laws on the same runs, from
    PSIS-LOO of their pointwise log-likelihood (ArviZ ``compare(method="stacking")``)."""
    from bayeslaw.fit._arviz import az  # ArviZ (~1.5 s to import) only to weigh laws

    names = [p.law.name for p in posteriors]
    if len(set(names)) != len(names):
        raise BayeslawError(f"stacking needs distinct laws, got {names}")
    runs = {tuple(sorted(p.run_ids)) for p in posteriors}
    if len(runs) != 1:
        raise BayeslawError("stacking needs every law fitted to the same runs")
    if len(posteriors) == 1:
        return np.ones(1)
    if min(p.draws.n_draws for p in posteriors) < 2:
        raise BayeslawError("stacking weighs laws by their leave-one-out predictive, which "
                            "needs posterior draws; a point fit has one (sample with NUTS, "
                            "or bootstrap the point fit)")
    with warnings.catch_warnings():  # high Pareto k: the LOO table reports it
        warnings.simplefilter("ignore")
        table = az.compare({p.law.name: p.idata for p in posteriors}, ic="loo",
                           method="stacking")
    w = np.array([float(table.loc[n, "weight"]) for n in names])
    return w / w.sum()


def allocate(weights: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` proportional to ``weights`` (largest remainders)."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    raw = w * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _pick(n_have: int, n: int) -> np.ndarray:
    """``n`` draw indices evenly spaced through ``n_have`` (every draw once when n = n_have)."""
    return np.floor(np.arange(n) * n_have / max(n, 1)).astype(int)


@dataclass(frozen=True)
class StackedPosterior:
    """Several laws' posteriors on the same runs and their stacking weights.

    ``draws`` and ``noise`` are the mixture's (``n_draws`` of them; default the largest
    component's count); ``calibration`` the extrapolation widening of the predictive
    (:mod:`bayeslaw.fit.backtest`), or None.
    """

    components: tuple
    weights: np.ndarray
    n_draws: int | None = None
    calibration: object | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=float)
        if len(w) != len(self.components) or np.any(w < 0) or not w.sum() > 0:
            raise BayeslawError(f"bad stacking weights {w} for {len(self.components)} laws")
        object.__setattr__(self, "weights", w / w.sum())
        doms = {p.domains for p in self.components}
        if len(doms) != 1:
            raise BayeslawError(f"the laws were fitted to different domains: {doms}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.law.name for p in self.components)

    @property
    def law(self) -> Law:
        return mixture_law(self.names)

    @property
    def domains(self) -> tuple[str, ...]:
        return self.components[0].domains

    @property
    def run_ids(self) -> tuple[str, ...]:
        return self.components[0].run_ids

    @property
    def method(self) -> str:
        return "stack"

    def weight_of(self) -> dict[str, float]:
        return dict(zip(self.names, self.weights.tolist(), strict=True))

    @cached_property
    def _index(self) -> list[np.ndarray]:
        S = self.n_draws or max(p.draws.n_draws for p in self.components)
        counts = allocate(self.weights, S)
        return [_pick(p.draws.n_draws, n) for p, n in zip(self.components, counts, strict=True)]

    @cached_property
    def draws(self) -> Draws:
        """The mixture's draws: law k's parameters on its rows, elsewhere a fixed valid
        value (its first draw), never used but kept finite for the jax ``where``."""
        rows = []
        for k, (post, idx) in enumerate(zip(self.components, self._index, strict=True)):
            rows.append({INDEX: np.full(len(idx), float(k))} | {
                key(post.law.name, p): np.asarray(v)[idx] for p, v in post.draws.params.items()})
        params = {}
        for name in self.law.params:
            parts = []
            for row in rows:
                if name in row:
                    parts.append(row[name])
                    continue
                law, p = name.split(".", 1)
                j = self.names.index(law)
                fill = np.asarray(self.components[j].draws.params[p])[0]
                parts.append(np.broadcast_to(fill, (len(row[INDEX]), *np.shape(fill))))
            params[name] = np.concatenate(parts)
        return Draws(self.law, self.domains, params, noise=self.noise)

    @cached_property
    def noise(self) -> dict[str, np.ndarray]:
        return {n: np.concatenate([np.asarray(p.noise[n])[idx] for p, idx in
                                   zip(self.components, self._index, strict=True)])
                for n in ("sigma", "nu")}

    def component_of_draw(self) -> np.ndarray:
        """(S,) the index of the law each mixture draw comes from."""
        return self.draws.params[INDEX].astype(int)

    def run_flops(self) -> np.ndarray:
        return self.components[0].run_flops()

    def check_budget(self, budget: float) -> None:
        self.components[0].check_budget(budget)

    def diagnostics(self):
        """The laws' diagnostics in one :class:`~bayeslaw.fit.diagnostics.Diagnostics`:
        parameters named ``law.param``, divergences summed, warnings prefixed by the law,
        the predictive checks weighted by the stacking weights. A law of zero weight
        still counts: its draws are in the file."""
        from dataclasses import replace

        each = [(p.law.name, p.diagnostics()) for p in self.components]
        merged = {f: {key(n, k): v for n, d in each for k, v in getattr(d, f).items()}
                  for f in ("r_hat", "ess_bulk", "ess_tail")}
        prior = [d.prior_coverage for _, d in each]
        return replace(
            each[0][1], **merged, divergences=sum(d.divergences for _, d in each),
            bfmi=[b for _, d in each for b in d.bfmi],
            ppc_coverage90=float(sum(w * d.ppc_coverage90
                                     for w, (_, d) in zip(self.weights, each, strict=True))),
            prior_coverage=None if None in prior else float(np.dot(self.weights, prior)),
            warnings=[f"{n}: {w}" for n, d in each for w in d.warnings])

    @cached_property
    def convergence(self):
        """The laws' convergence checks in one
        :class:`~bayeslaw.fit.diagnostics.Convergence` (symbols named ``law.param``,
        divergences summed; the fewest chains and draws of any law), None if no law was
        sampled. Every law counts, whatever its weight: its draws are in the mixture."""
        from dataclasses import replace

        each = [(p.law.name, p.convergence) for p in self.components]
        each = [(n, c) for n, c in each if c is not None]
        if not each:
            return None
        merged = {f: {key(n, k): v for n, c in each for k, v in getattr(c, f).items()}
                  for f in ("r_hat", "ess_bulk", "ess_tail")}
        return replace(each[0][1], **merged, chains=min(c.chains for _, c in each),
                       draws=min(c.draws for _, c in each),
                       divergences=sum(c.divergences for _, c in each))

    def checked_draws(self, allow_unconverged: bool = False) -> Draws:
        """:attr:`draws` through the convergence checks of every law (as
        :meth:`bayeslaw.fit.posterior.Posterior.checked_draws`)."""
        if self.convergence is not None:
            self.convergence.check(allow_unconverged)
        return self.draws

    def with_calibration(self, calibration) -> StackedPosterior:
        """The same mixture with the predictive widened by ``calibration``."""
        return StackedPosterior(self.components, self.weights, self.n_draws, calibration,
                                self.meta)

    def save(self, path) -> None:
        """One netCDF file (see :mod:`bayeslaw.fit.stackfile`)."""
        stackfile.save(self, path)

    @classmethod
    def load(cls, path) -> StackedPosterior:
        """Read a file written by :meth:`save`."""
        return cls(*stackfile.read(path))


def stack(posteriors: Sequence, *, n_draws: int | None = None,
          weights: Sequence[float] | None = None) -> StackedPosterior:
    """The stacked mixture of ``posteriors`` (one per law, same runs); ``weights`` default
    to the stacking weights (:func:`stacking_weights`)."""
    w = stacking_weights(posteriors) if weights is None else np.asarray(weights, dtype=float)
    return StackedPosterior(tuple(posteriors), w, n_draws)
