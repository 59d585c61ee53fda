import numpy as np
import pytest
from scipy import stats

from bayeslaw.validate import paired_comparison


def test_matches_scipys_paired_t_test():
    rng = np.random.default_rng(0)
    ref = rng.normal(2.0, 0.05, 6)
    other = ref + rng.normal(0.03, 0.02, 6)
    out = paired_comparison({"planned": dict(enumerate(ref)), "b": dict(enumerate(other))})["b"]
    t = stats.ttest_rel(other, ref)
    assert out["p_value"] == pytest.approx(t.pvalue, rel=1e-10)
    assert out["mean_diff"] == pytest.approx(np.mean(other - ref))
    ci = t.confidence_interval(0.95)
    assert out["ci"] == pytest.approx([ci.low, ci.high], rel=1e-10)
    assert out["wins"] == int(np.sum(other > ref)) and out["n"] == 6


def test_pairs_only_the_seeds_both_arms_ran():
    out = paired_comparison({"planned": {0: 1.0, 1: 1.0, 2: 1.0},
                             "b": {1: 1.5, 2: 1.25, 7: 0.0}})["b"]
    assert out["n"] == 2 and out["mean_diff"] == pytest.approx(0.375)
    assert out["relative_diff"] == pytest.approx(0.375)


def test_one_pair_has_no_interval():
    out = paired_comparison({"planned": {0: 1.0}, "b": {0: 1.2}})["b"]
    assert np.isnan(out["p_value"]) and np.isnan(out["ci"]).all() and out["wins"] == 1
