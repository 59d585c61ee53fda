"""A fitted posterior: ArviZ InferenceData with its provenance, saved as netCDF.

Groups: ``posterior`` (the law's symbols in absolute units, ``sigma``, ``nu``; per-domain
symbols have a ``domain`` dimension), ``sample_stats`` (NUTS fields), ``log_likelihood``,
``posterior_predictive`` and ``observed_data`` (``log_loss`` per run), ``constant_data``
(N, D, D', domain index), ``prior_predictive``. With ``posterior_predictive``, ArviZ's
``plot_ppc``, ``loo_pit`` and ``plot_loo_pit`` work on :attr:`Posterior.idata`. The
``posterior`` group's attrs record the law, the priors (TOML), the run ids, the method,
the seed, the package versions and the time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata

import numpy as np

from bayeslaw.compute import run_flops
from bayeslaw.draws import Draws, Population
from bayeslaw.errors import BayeslawError, PosteriorFileError
from bayeslaw.fit import netcdf
from bayeslaw.fit.calibration import Calibration
from bayeslaw.fit.data import bucket
from bayeslaw.fit.diagnostics import convergence, diagnose
from bayeslaw.fit.netcdf import FileGroups
from bayeslaw.fit.priors import KINDS
from bayeslaw.laws import Law
from bayeslaw.laws import get as get_law

FORMAT = "bayeslaw-posterior-1"
PACKAGES = ("bayeslaw", "jax", "numpyro", "arviz", "numpy")


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def provenance(law: Law, priors_toml: str, run_ids, domains, *, method: str, seed: int,
               **extra) -> dict[str, str | int | float]:
    """The attrs every posterior file carries (netCDF attrs: strings and numbers)."""
    return {"bayeslaw_format": FORMAT, "law": law.name, "equation": law.equation,
            "priors": priors_toml, "run_ids": json.dumps(list(run_ids)),
            "domains": json.dumps(list(domains)), "method": method, "seed": int(seed),
            "versions": json.dumps(versions()),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"), **extra}


@dataclass(frozen=True)
class Posterior:
    """A law's posterior: an ArviZ ``InferenceData`` (or the groups of a file read without
    ArviZ, :class:`FileGroups`) with its provenance; the properties are views of it."""

    source: object

    @cached_property
    def idata(self):
        """The whole posterior as an ``arviz.InferenceData``."""
        if isinstance(self.source, FileGroups):
            return self.source.to_inference_data()
        return self.source

    def group(self, name: str):
        """One group (``posterior``, ``sample_stats``, ``constant_data``, ...), or None: an
        ``xarray.Dataset``, or for a file a :class:`~bayeslaw.fit.netcdf.Group` view
        (``sizes``, ``attrs``, ``g[name].values``) that needs neither xarray nor ArviZ."""
        return self.source.get(name)

    @property
    def attrs(self) -> dict:
        return dict(self.group("posterior").attrs)

    @property
    def law(self) -> Law:
        return get_law(self.attrs["law"])

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(json.loads(self.attrs["domains"]))

    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(json.loads(self.attrs["run_ids"]))

    @property
    def method(self) -> str:
        return str(self.attrs.get("method", "nuts"))

    def _flat(self, name: str) -> np.ndarray:
        v = self.group("posterior")[name].values
        return v.reshape(v.shape[0] * v.shape[1], *v.shape[2:])

    @cached_property
    def draws(self) -> Draws:
        """All chains flattened, absolute units: shape (S,) or (S, n_domains)."""
        noise = self.noise if "sigma" in self.group("posterior") else None
        return Draws(self.law, self.domains, {p: self._flat(p) for p in self.law.params},
                     self._population(), noise)

    def _population(self) -> Population | None:
        """The fitted population of domains (None for one domain, a point fit or a file
        written before it was stored)."""
        names = [(f"u_{p}_mu", f"u_{p}_sd") for p in self.law.domain_params]
        if not names or "scales" not in self.attrs or \
                any(m not in self.group("posterior") or s not in self.group("posterior")
                    for m, s in names):
            return None
        offset, link = _links(self.law, json.loads(self.attrs["scales"]))
        if offset is None:
            return None
        return Population({p: self._flat(f"u_{p}_mu") for p in self.law.domain_params},
                          {p: self._flat(f"u_{p}_sd") for p in self.law.domain_params},
                          offset, link)

    @cached_property
    def noise(self) -> dict[str, np.ndarray]:
        """``sigma`` (scale on log loss) and ``nu`` (Student-t dof), each (S,)."""
        return {"sigma": self._flat("sigma"), "nu": self._flat("nu")}

    @cached_property
    def convergence(self):
        """R-hat, bulk/tail ESS and divergences against the thresholds
        (:class:`bayeslaw.fit.diagnostics.Convergence`); None without chains (L-BFGS)."""
        return convergence(self)

    def checked_draws(self, allow_unconverged: bool = False) -> Draws:
        """:attr:`draws` for a converged posterior: the planner's, the suggester's and the
        report's way in.

        Raises :class:`bayeslaw.fit.diagnostics.UnconvergedError` (a BayeslawError naming
        the failing symbols) if the chains have not converged; with ``allow_unconverged``
        it warns (``UnconvergedWarning``) and returns the draws anyway.
        """
        if self.convergence is not None:
            self.convergence.check(allow_unconverged)
        return self.draws

    def diagnostics(self):
        """R-hat, ESS, divergences, E-BFMI, predictive checks (see :mod:`.diagnostics`)."""
        return diagnose(self)

    @property
    def calibration(self):
        """The extrapolation widening of the predictive (:mod:`.calibrate`), or None."""
        text = self.attrs.get("calibration")
        return Calibration.from_json(text) if text else None

    def with_calibration(self, calibration) -> Posterior:
        """A copy whose predictive is widened by ``calibration`` (kept in the attrs)."""
        idata = self.idata.copy()
        idata.posterior.attrs["calibration"] = calibration.to_json()
        return Posterior(idata)

    def save(self, path: str | os.PathLike) -> None:
        """Write the posterior as a netCDF file (h5netcdf)."""
        self.idata.to_netcdf(str(path), engine="h5netcdf")

    def run_flops(self) -> np.ndarray:
        """6 N (D + D') of each run the posterior was fitted to (from its constant data)."""
        data = self.group("constant_data")
        return run_flops(np.asarray(data["N"]), np.asarray(data["D"]), np.asarray(data["D_prime"]))

    def check_budget(self, budget: float) -> None:
        """A clear error for a budget below the smallest fitted run: planning there would
        extrapolate the law downwards, where it was never measured."""
        smallest = float(self.run_flops().min())
        if not budget >= smallest:
            raise BayeslawError(
                f"budget {budget:.3g} FLOPs is below the smallest run the posterior was fitted "
                f"to ({smallest:.3g} FLOPs); pass a budget of at least that (usually well "
                "beyond the largest run)")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Posterior:
        """Read a single-law file written by :meth:`save`; anything else (no file, not
        netCDF, another netCDF, a stacked file) is a BayeslawError saying which.
        :func:`bayeslaw.fit.files.load` reads either kind of posterior file."""
        if not os.path.isfile(path):
            raise PosteriorFileError(f"no posterior file at {path}")
        with open(path, "rb") as f:
            magic = f.read(8)
        if not (magic.startswith(b"\x89HDF") or magic.startswith(b"CDF")):
            raise PosteriorFileError(f"not a bayeslaw posterior file: {path} is not netCDF")
        if netcdf.is_stacked(path):
            raise BayeslawError(f"{path} is a stacked posterior of several laws; read it with "
                                "bayeslaw.fit.files.load")
        try:
            groups = netcdf.read(path)
        except Exception as e:  # h5py raises many types for foreign files
            raise PosteriorFileError(f"not a bayeslaw posterior file: {path} "
                                     f"({type(e).__name__}: {e})") from None
        if "posterior" not in groups.groups() or \
                groups.posterior.attrs.get("bayeslaw_format") != FORMAT:
            raise PosteriorFileError(f"not a bayeslaw posterior file: {path} (a netCDF file "
                                     "without a bayeslaw posterior group)")
        _check_draws(groups, path)
        return cls(groups)


def _check_draws(groups, path) -> None:
    """A posterior file altered after it was written (a variable dropped, NaN draws)
    is refused here, naming what is wrong, rather than failing later in numpy."""
    post = groups.posterior
    law = get_law(str(post.attrs.get("law")))
    for name in (*law.params, "sigma", "nu"):
        if name not in post:
            raise BayeslawError(f"posterior file {path} lacks the draws of {name}")
        values = np.asarray(post[name].values, dtype=float)
        if values.size == 0 or not np.isfinite(values).all():
            raise BayeslawError(f"posterior file {path}: the draws of {name} are empty or "
                                "not all finite")


def build(law: Law, fdata, samples: dict, stats: dict | None, log_lik: np.ndarray,
          attrs: dict, prior_predictive: np.ndarray | None = None) -> Posterior:
    """Assemble the InferenceData from chain-grouped arrays (chains, draws, ...)."""
    dims = {p: ["domain"] for p in law.domain_params}
    dims.update(log_loss=["run"])
    posterior = {p: samples[p] for p in law.params}
    posterior.update(sigma=samples["sigma"], nu=samples["nu"])
    # The population of domains (u_d = mu + sd z_d), when the fit pooled several domains.
    posterior.update({s: samples[s] for p in law.domain_params
                      for s in (f"u_{p}_mu", f"u_{p}_sd") if s in samples})
    constant = {"N": fdata.N, "D": fdata.D, "D_prime": fdata.D_prime,
                "domain_index": fdata.dom}
    from bayeslaw.fit._arviz import az  # not on plan's path: reading a file needs no ArviZ

    idata = az.from_dict(
        posterior=posterior, sample_stats=stats or None,
        log_likelihood={"log_loss": log_lik}, observed_data={"log_loss": fdata.log_loss},
        posterior_predictive={"log_loss": posterior_predictive(
            law, fdata, samples, seed=int(attrs.get("seed", 0)))},
        constant_data=constant,
        prior_predictive=None if prior_predictive is None else {"log_loss": prior_predictive},
        coords={"domain": list(fdata.domains), "run": list(fdata.run_ids)},
        dims={**dims, **{k: ["run"] for k in constant}})
    idata.posterior.attrs.update(attrs)
    idata.posterior.attrs["scales"] = json.dumps(
        {k: float(v) for k, v in fdata.scales.items() if np.ndim(v) == 0})
    return Posterior(idata)


def posterior_predictive(law: Law, fdata, samples: dict, *, seed: int = 0) -> np.ndarray:
    """One replicate of every run's log loss per posterior draw, (chains, draws, runs):

        y_s,i ~ StudentT(nu_s, log L(N_i, D_i, D'_i; theta_s), sigma_s)

    the fit's observation model (:func:`bayeslaw.fit.likelihood.distribution`), drawn
    with numpy (a location-scale Student-t) so that no sampler program is compiled.
    The law is evaluated on the runs padded to their bucket (as :meth:`FitData.padded`
    pads them), one compiled program for every fit of that size.
    """
    n = len(fdata.log_loss)
    idx = np.minimum(np.arange(bucket(n)), n - 1)
    theta = {p: (np.asarray(samples[p])[..., np.asarray(fdata.dom)[idx]]
                 if p in law.domain_params else np.asarray(samples[p])[..., None])
             for p in law.params}
    N, D, D_prime = (np.asarray(x, dtype=float)[idx] for x in (fdata.N, fdata.D, fdata.D_prime))
    mu = np.asarray(law.evaluate(theta, N, D, D_prime))[..., :n]
    sigma, nu = (np.asarray(samples[k], dtype=float)[..., None] for k in ("sigma", "nu"))
    t = np.random.default_rng([seed, 2]).standard_t(np.broadcast_to(nu, mu.shape))
    return mu + sigma * t


def _links(law: Law, scales: dict) -> tuple[dict | None, dict]:
    """Each per-domain symbol's offset and link from latent to absolute units, as
    :func:`bayeslaw.fit.model.absolute` applies them with a domain of reference loss L0
    (the pool's: a new domain's own L0 is unknown)."""
    offset, link = {}, {}
    for p in law.domain_params:
        kind = KINDS[p][0]
        if kind in ("floor", "gap", "scale", "positive"):
            offset[p] = {"floor": scales["log_L0"], "gap": scales["log_L0"],
                         "scale": scales["log_P0"], "positive": 0.0}[kind]
            link[p] = "log"
        elif kind == "fraction":
            offset[p], link[p] = 0.0, "logit"
        else:  # a coefficient's offset depends on its exponent: no law pools one
            return None, {}
    return offset, link
