"""New, unmeasured domains drawn from the fitted population (bayeslaw.population)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bayeslaw.draws import Draws, Population
from bayeslaw.errors import BayeslawError
from bayeslaw.laws import get
from bayeslaw.plan import plan
from bayeslaw.population import select, with_new_domains

SCALES = {"log_L0": math.log(2.5), "log_N0": math.log(3e5), "log_T0": math.log(1e6),
          "log_P0": math.log(4e5)}
MU = {"E": -0.7, "G": -2.0, "S": 0.3}
SD = {"E": 0.2, "G": 0.5, "S": 0.8}


def _draws(S: int, seed: int = 0) -> Draws:
    """Two measured domains near a domain_gap truth, with a known population."""
    rng = np.random.default_rng(seed)
    law = get("domain_gap")
    shared = dict(A=40.0, alpha=0.3, B=60.0, beta=0.3, gamma=0.6)
    params = {p: np.full(S, v) for p, v in shared.items()}
    params.update(E=np.full((S, 2), 1.2), G=np.full((S, 2), 0.3), S=np.full((S, 2), 3e5))
    params = {p: v * np.exp(0.01 * rng.standard_normal(v.shape)) for p, v in params.items()}
    offset = {"E": SCALES["log_L0"], "G": SCALES["log_L0"], "S": SCALES["log_P0"]}
    pop = Population({p: np.full(S, m) for p, m in MU.items()},
                     {p: np.full(S, s) for p, s in SD.items()}, offset, dict.fromkeys(MU, "log"))
    return Draws(law, ("a", "b"), params, pop)


def test_new_domain_latents_have_the_population_mean_and_spread():
    # closed form: log E_new = log L0 + mu_E + sd_E z, log G_new likewise,
    # log S_new = log P0 + mu_S + sd_S z, z ~ N(0, 1) independent per symbol and draw
    S = 20_000
    out = with_new_domains(_draws(S), 2, key=3)
    assert out.domains == ("a", "b", "new-1", "new-2")
    ref = {"E": SCALES["log_L0"], "G": SCALES["log_L0"], "S": SCALES["log_P0"]}
    for p in ("E", "G", "S"):
        u = np.log(out.params[p][:, 2:]) - ref[p]
        se = SD[p] / math.sqrt(S)
        assert abs(u.mean(axis=0) - MU[p]).max() < 4 * se, p
        assert abs(u.std(axis=0) / SD[p] - 1).max() < 0.03, p
    z = (np.log(out.params["E"][:, 2:]) - ref["E"] - MU["E"]) / SD["E"]
    zG = (np.log(out.params["G"][:, 2:]) - ref["G"] - MU["G"]) / SD["G"]
    assert abs(np.corrcoef(z[:, 0], zG[:, 0])[0, 1]) < 0.05  # independent symbols
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.05  # and domains
    base = _draws(S)
    for p, v in base.params.items():  # measured columns and shared symbols untouched
        np.testing.assert_array_equal(out.params[p][:, :2] if v.ndim == 2 else out.params[p], v)


def test_new_domains_are_a_pure_function_of_the_key():
    d = _draws(50)
    a, b, c = (with_new_domains(d, 1, key=k) for k in (7, 7, 8))
    np.testing.assert_array_equal(a.params["E"], b.params["E"])
    assert not np.array_equal(a.params["E"], c.params["E"])
    assert with_new_domains(d, 0) is d


def test_select_fills_k_with_new_domains():
    d = _draws(20)
    drawn, names = select(d, 4)
    assert names == ["a", "b", "new-1", "new-2"] and drawn.params["E"].shape == (20, 4)
    drawn, names = select(d, 3, domains=["b"], new_domains=2)
    assert names == ["b", "new-1", "new-2"]
    assert select(d, 2)[1] == ["a", "b"]
    with pytest.raises(BayeslawError, match="cannot be 2 measured"):
        select(d, 4, new_domains=1)
    with pytest.raises(BayeslawError, match="k=1 is fewer than the 2 measured"):
        select(d, 1)
    one = Draws(d.law, ("a",), {p: (v[:, :1] if v.ndim == 2 else v) for p, v in d.params.items()})
    assert select(one, 4) == (one, None)  # one measured domain: k copies, as before
    with pytest.raises(BayeslawError, match="no population of domains"):
        select(one, 2, new_domains=1)


def test_plan_for_four_domains_from_two_measured():
    d = _draws(20)
    p = plan(d, 1e15, k=4)
    doc = p.to_dict()
    assert doc["domains"] == ["a", "b", "new-1", "new-2"] and doc["heterogeneous"]
    per = doc["recommended"]["specialize_tokens_per_domain"]
    assert set(per) == {"a", "b", "new-1", "new-2"}
    rec = doc["recommended"]
    spent = 6 * rec["params"] * (rec["pretrain_tokens"] + sum(per.values()))
    assert abs(spent - 1e15) < 1e-6 * 1e15
