"""Every law: log-space evaluation against the direct formula, limits, nesting."""

import numpy as np
import pytest

from bayeslaw._jax import setup
from bayeslaw.errors import BayeslawError
from bayeslaw.laws import REGISTRY, get, names

setup()

THETA = {"E": 1.7, "A": 400.0, "alpha": 0.34, "B": 1500.0, "beta": 0.3, "G": 0.5, "S": 2e8,
         "gamma": 0.6, "tau": 0.3, "kappa": 0.2, "F": 300.0, "mu": 0.2, "U": 5e10,
         "R_star": 15.4, "lambda": 0.02}
N = np.array([1e5, 3e7, 1e9, 7e11])
D = np.array([1e5, 0.0, 2e10, 1e13])
DP = np.array([0.0, 5e6, 1e9, 1e12])


def d_eff(D, U, R_star):
    """Muennighoff et al. 2023, eq. (5), written case by case."""
    R = np.maximum(D / U - 1, 0)
    return np.where(D <= U, D, U + U * R_star * (1 - np.exp(-R / R_star)))


def direct(name, t, N, D, Dp):
    base = t["E"] + t["A"] * N ** -t["alpha"]
    if name in ("prelearned", "repetition"):
        De = D if name == "prelearned" else d_eff(D, t["U"], t["R_star"])
        P = t["S"] * (1 + N * De / t["S"] ** 2) ** t["mu"]
        return base + t["F"] / (P ** t["beta"] + Dp ** t["beta"])
    if name == "multiplicative":
        g = t["gamma"] - t["lambda"] * np.log(1 + D / t["S"])
        return base + t["B"] * (t["S"] + D) ** -t["beta"] * (1 + Dp / t["S"]) ** -g
    if name == "chinchilla":
        return base + t["B"] * (D + Dp) ** -t["beta"]
    if name == "effective_transfer":
        return base + t["B"] * (Dp + t["tau"] * D) ** -t["beta"]
    gam = t["gamma"] if name == "domain_gap" else t["gamma"] * (1 + D / t["S"]) ** -t["kappa"]
    return base + t["B"] * (D + Dp) ** -t["beta"] + t["G"] * (1 + Dp / t["S"]) ** -gam


def test_registry_has_the_laws():
    assert {"chinchilla", "domain_gap", "effective_transfer", "saturation", "prelearned",
            "repetition", "multiplicative"} <= set(names())
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


# Every law over the range the package promises: N 1e4..1e12, D 0..1e13, D' 0..1e12
# (D + D' > 0), values and gradients in every parameter finite.
GRID_N, GRID_D, GRID_DP = np.meshgrid([1e4, 1e8, 1e12], [0.0, 1e3, 1e9, 1e13], [0.0, 1e6, 1e12],
                                      indexing="ij")
KEEP = (GRID_D + GRID_DP) > 0


@pytest.mark.parametrize("name", list(REGISTRY))
def test_finite_with_finite_gradients_over_the_range(name):
    import jax
    import jax.numpy as jnp

    law = get(name)
    theta = {p: jnp.asarray(THETA[p]) for p in law.params}
    N, D, DP = (jnp.asarray(x[KEEP]) for x in (GRID_N, GRID_D, GRID_DP))
    value = law.log_loss(theta, N, D, DP)
    grads = jax.grad(lambda th: law.log_loss(th, N, D, DP).sum())(theta)
    assert np.all(np.isfinite(np.asarray(value)))
    for p, g in grads.items():
        assert np.isfinite(float(g)), (name, p)
    np.testing.assert_allclose(np.asarray(value),
                               np.log(direct(name, THETA, *(np.asarray(x) for x in (N, D, DP)))),
                               rtol=1e-10)


def test_prelearned_limits():
    """D = 0 is Lin et al.'s curve with D_l = S^beta; D' >> P forgets the pretraining."""
    law, t = get("prelearned"), THETA
    Dp = np.array([1e4, 1e7, 1e10])
    scratch = (t["E"] + t["A"] * 1e8 ** -t["alpha"]
               + t["F"] / (t["S"] ** t["beta"] + Dp ** t["beta"]))
    np.testing.assert_allclose(law.loss(t, 1e8, 0.0, Dp), scratch, rtol=1e-12)
    far = law.loss(t, 1e8, 1e10, 1e30) - (t["E"] + t["A"] * 1e8 ** -t["alpha"])
    np.testing.assert_allclose(far, t["F"] * 1e30 ** -t["beta"], rtol=1e-3)
    # more pretraining (or a bigger model) means more pre-learned data: lower loss at D' = 0
    assert law.loss(t, 1e8, 1e12, 0.0) < law.loss(t, 1e8, 1e10, 0.0)


def test_repetition_limits():
    """D <= U is exactly prelearned; beyond, extra epochs saturate at U (1 + R_star)."""
    rep, pre = get("repetition"), get("prelearned")
    D_small = np.array([0.0, 1e6, THETA["U"]])
    np.testing.assert_allclose(rep.log_loss(THETA, 1e8, D_small, 1e6),
                               pre.log_loss(THETA, 1e8, D_small, 1e6), rtol=1e-12)
    ceiling = THETA["U"] * (1 + THETA["R_star"])
    np.testing.assert_allclose(rep.log_loss(THETA, 1e8, 1e16, 1e6),
                               pre.log_loss(THETA, 1e8, ceiling, 1e6), rtol=1e-9)
    loss = [float(rep.loss(THETA, 1e8, k * THETA["U"], 0.0)) for k in (1, 4, 64, 1024)]
    assert loss[0] > loss[1] > loss[2] > loss[3] - 1e-12 and loss[2] - loss[3] < 1e-3 * loss[3]


def test_multiplicative_limits():
    """lambda = 0 separates the exponents; D' = 0 is Chinchilla in D with offset S."""
    law, t = get("multiplicative"), {**THETA, "lambda": 0.0}
    D = np.array([0.0, 1e9, 1e12])
    np.testing.assert_allclose(
        law.loss(t, 1e8, D, 0.0),
        t["E"] + t["A"] * 1e8 ** -t["alpha"] + t["B"] * (t["S"] + D) ** -t["beta"], rtol=1e-12)
    gain = [float(law.loss(THETA, 1e8, d, 0.0) - law.loss(THETA, 1e8, d, 1e9)) /
            float(law.loss(THETA, 1e8, d, 0.0) - THETA["E"] - THETA["A"] * 1e8 ** -THETA["alpha"])
            for d in (1e8, 1e10, 1e12)]
    assert gain[0] > gain[1] > gain[2] > 0  # the relative benefit of D' saturates with D
