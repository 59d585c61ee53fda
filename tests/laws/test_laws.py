"""Every law: log-space evaluation against the direct formula, limits, nesting."""

import numpy as np
import pytest

from bayeslaw._jax import setup
from bayeslaw.errors import BayeslawError
from bayeslaw.laws import REGISTRY, get, names

setup()

THETA = {"E": 1.7, "A": 400.0, "alpha": 0.34, "B": 1500.0, "beta": 0.3, "G": 0.5, "S": 2e8,
         "gamma": 0.6, "tau": 0.3, "kappa": 0.2}
N = np.array([1e5, 3e7, 1e9, 7e11])
D = np.array([1e5, 0.0, 2e10, 1e13])
DP = np.array([0.0, 5e6, 1e9, 1e12])


def direct(name, t, N, D, Dp):
    base = t["E"] + t["A"] * N ** -t["alpha"]
    if name == "chinchilla":
        return base + t["B"] * (D + Dp) ** -t["beta"]
    if name == "effective_transfer":
        return base + t["B"] * (Dp + t["tau"] * D) ** -t["beta"]
    gam = t["gamma"] if name == "domain_gap" else t["gamma"] * (1 + D / t["S"]) ** -t["kappa"]
    return base + t["B"] * (D + Dp) ** -t["beta"] + t["G"] * (1 + Dp / t["S"]) ** -gam


def test_registry_has_the_four_laws():
    assert {"chinchilla", "domain_gap", "effective_transfer", "saturation"} <= set(names())
    with pytest.raises(BayeslawError, match="unknown law"):
        get("nope")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_log_loss_matches_direct_formula(name):
    law = get(name)
    theta = {p: THETA[p] for p in law.params}
    got = np.asarray(law.log_loss(theta, N, D, DP))
    np.testing.assert_allclose(got, np.log(direct(name, theta, N, D, DP)), rtol=1e-12)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_law_documents_itself(name):
    law = get(name)
    assert "D' = 0" in law.description and "D = 0" in law.description
    assert set(law.domain_params) <= set(law.params)
    for p in law.params:
        assert p in law.equation


def test_nesting_limits():
    tau1 = {**THETA, "tau": 1.0}
    kappa0 = {**THETA, "kappa": 0.0}
    np.testing.assert_allclose(get("effective_transfer").log_loss(tau1, N, D, DP),
                               get("chinchilla").log_loss(THETA, N, D, DP), rtol=1e-12)
    np.testing.assert_allclose(get("saturation").log_loss(kappa0, N, D, DP),
                               get("domain_gap").log_loss(THETA, N, D, DP), rtol=1e-12)


def test_specialization_helps_and_saturates():
    law = get("saturation")
    gain = [float(law.loss(THETA, 1e8, d, 0.0) - law.loss(THETA, 1e8, d, 1e8))
            for d in (1e8, 1e10, 1e12)]
    assert gain[0] > gain[1] > gain[2] > 0
