import pytest

from bayeslaw.extrapolation import BELOW_WARN, COMPUTE_WARN, SIZE_WARN, Measured, assess

# runs: N 1e6..1e8, D 1e8..1e10, D' 0..1e9; largest run 6 * 1e8 * (1e10 + 1e9) = 6.6e18
RUNS = Measured.of([1e6, 1e8], [1e8, 1e10], [0.0, 1e9])


def test_factors_against_the_measured_ranges():
    e = assess(RUNS, params=1e9, pretrain_tokens=1e7, specialize_tokens=5e8)
    assert e.compute_factor == pytest.approx(6e9 * (1e7 + 5e8) / 6.6e18)
    assert e.ranges["params"]["factor"] == pytest.approx(10) and \
        e.ranges["params"]["where"] == "above"
    assert e.ranges["pretrain_tokens"]["factor"] == pytest.approx(10) and \
        e.ranges["pretrain_tokens"]["where"] == "below"
    assert e.ranges["specialize_tokens"] == {"value": 5e8, "measured": [0.0, 1e9],
                                             "factor": 1.0, "where": "inside"}
    assert e.warnings == ["D = 1e+07 is 10x below the runs (measured 1e+08-1e+10)"]


@pytest.mark.parametrize("budget, warned", [(6.6e18 * COMPUTE_WARN * 0.99, False),
                                            (6.6e18 * COMPUTE_WARN * 1.01, True)])
def test_compute_threshold(budget, warned):
    e = assess(RUNS, budget=budget, params=1e8, pretrain_tokens=1e10, specialize_tokens=0)
    assert any("largest run" in w for w in e.warnings) is warned and e.warn is warned


def test_size_thresholds_above_and_below():
    N_hi, N_lo = 1e8 * SIZE_WARN, 1e6 / BELOW_WARN
    assert not assess(RUNS, params=N_hi * 0.99, pretrain_tokens=1e9, specialize_tokens=0).warn
    assert assess(RUNS, params=N_hi * 1.01, pretrain_tokens=1e9, specialize_tokens=0).warn
    assert not assess(RUNS, params=N_lo * 1.01, pretrain_tokens=1e9, specialize_tokens=0).warn
    assert assess(RUNS, params=N_lo * 0.99, pretrain_tokens=1e9, specialize_tokens=0).warn


def test_a_count_the_data_never_varied_always_warns():
    plain = Measured.of([1e6, 1e8], [1e8, 1e10], [0.0, 0.0])
    e = assess(plain, params=1e7, pretrain_tokens=1e9, specialize_tokens=1.0)
    assert e.ranges["specialize_tokens"]["factor"] is None
    assert e.warnings == ["D' = 1 but every run had D' = 0: the data never measured it"]
    e = assess(RUNS, params=1e7, pretrain_tokens=0.0, specialize_tokens=1e8)
    assert e.warnings == ["D = 0 but no run had D = 0 (measured 1e+08-1e+10)"]
