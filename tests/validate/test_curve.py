"""The measured share curve: a known optimum is recovered, the bootstrap interval holds it,
and the realized regret is the gap to the best arm (bayeslaw.validate.curve)."""

import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.validate.curve import realized_regret, share_curve

SHARES = {"s0": 0.0, "s25": 0.25, "s50": 0.5, "s70": 0.7, "s80": 0.8, "s90": 0.9, "s100": 1.0}


def _losses(opt: float, noise: float, seeds: int = 5, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {a: {k: 2.0 + 0.5 * (s - opt) ** 2 + noise * rng.standard_normal()
                for k in range(seeds)} for a, s in SHARES.items()}


def test_recovers_a_known_optimum_with_an_interval_that_holds_it():
    out = share_curve(SHARES, _losses(0.62, 0.002), plan_share=0.9, n_boot=60)
    assert out["optimum"]["share"] == pytest.approx(0.62, abs=0.05)
    lo, hi = out["optimum"]["interval"]
    assert lo <= out["optimum"]["share"] <= hi and hi - lo < 0.2
    # the plan at 0.9 loses about 0.5 (0.9 - 0.62)^2 on the curve
    assert out["regret_on_curve"]["regret"] == pytest.approx(0.5 * 0.28**2, rel=0.3)


def test_noise_free_curve_is_exact_at_the_arms():
    out = share_curve(SHARES, _losses(0.5, 0.0, seeds=1), n_boot=10)
    assert out["optimum"]["interval"] is None  # one seed: nothing to resample
    assert out["optimum"]["share"] == pytest.approx(0.5, abs=0.01)
    assert out["arms"]["s50"]["mean"] == pytest.approx(2.0)


def test_realized_regret_is_the_gap_to_the_best_arm():
    L = _losses(0.7, 0.001)
    r = realized_regret(L, "s100", n_boot=50)
    means = {a: np.mean(list(v.values())) for a, v in L.items()}
    assert r["best_arm"] == "s70"
    assert r["regret"] == pytest.approx(means["s100"] - means["s70"])
    assert r["interval"][0] <= r["regret"] <= r["interval"][1]
    assert realized_regret(L, "s70", n_boot=20)["regret"] == 0.0


def test_an_arm_missing_a_seed_is_averaged_over_its_own():
    L = _losses(0.6, 0.002)
    del L["s0"][2]  # a diverged run
    out = share_curve(SHARES, L, n_boot=20)
    assert out["arms"]["s0"]["n_seeds"] == 4 and out["arms"]["s50"]["n_seeds"] == 5
    assert out["arms"]["s0"]["mean"] == pytest.approx(np.mean(list(L["s0"].values())))
    assert out["optimum"]["share"] == pytest.approx(0.6, abs=0.05)
    assert realized_regret(L, "s0", n_boot=20)["best_loss"] < out["arms"]["s0"]["mean"]


def test_needs_a_seed_per_arm_and_enough_shares():
    with pytest.raises(BayeslawError, match="seed"):
        share_curve(SHARES, {a: ({} if a == "s0" else {0: 1.0}) for a in SHARES})
    few = {a: SHARES[a] for a in ("s0", "s50", "s100")}
    with pytest.raises(BayeslawError, match="5 distinct"):
        share_curve(few, {a: {0: 1.0} for a in few})
