import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from bayeslaw.validate import ARMS, arm_point, make_arms

DOMAINS = ["a", "b", "c", "d"]


def _arms():
    return make_arms(10_000, 6e12, 7e7, {"a": 1e7, "b": 2e7, "c": 1e7, "d": 5e6})


def test_every_arm_spends_the_budget_exactly():
    for arm in _arms():
        assert arm.flops == pytest.approx(6e12, rel=1e-12), arm.name


def test_shares_of_the_standard_recipes():
    arms = {a.name: a for a in _arms()}
    T = 6e12 / (6 * 10_000)
    assert arms["no_specialization"].pretrain_tokens == pytest.approx(T)
    assert set(arms["no_specialization"].specialize_tokens.values()) == {0.0}
    assert arms["fixed_10pct"].pretrain_tokens == pytest.approx(0.9 * T)
    assert arms["fixed_10pct"].specialize_tokens["a"] == pytest.approx(0.1 * T / 4)
    assert arms["even_split"].pretrain_tokens == pytest.approx(0.5 * T)
    assert arms["from_scratch"].pretrain_tokens == 0.0
    assert sum(arms["from_scratch"].specialize_tokens.values()) == pytest.approx(T)


def test_planned_arm_keeps_the_planners_proportions():
    planned = _arms()[0]
    assert planned.name == "planned"
    total = 7e7 + 4.5e7
    T = 1e8
    assert planned.pretrain_tokens == pytest.approx(7e7 / total * T)
    ratio = planned.specialize_tokens["b"] / planned.specialize_tokens["a"]
    assert ratio == pytest.approx(2.0)


def test_specs_count_every_token_where_it_is_spent():
    arms = {a.name: a for a in _arms()}
    cool = 0.1
    # measured at D' = 0: the stable D plus the trainer's cooldown of 0.1 D is the arm's D
    (spec, over), = arms["no_specialization"].specs(seed=3, cooldown=cool)
    assert spec["pretrain_tokens"] * (1 + cool) == pytest.approx(
        arms["no_specialization"].pretrain_tokens, rel=1e-6)
    assert spec["domains"] == DOMAINS and spec["seed"] == 3 and over == {}
    scratch = arms["from_scratch"].specs(seed=0, cooldown=cool)
    assert [o["mixture"] for _, o in scratch] == [[d] for d in DOMAINS]
    assert sum(s["pretrain_tokens"] for s, _ in scratch) * (1 + cool) == pytest.approx(
        sum(arms["from_scratch"].specialize_tokens.values()), rel=1e-6)
    even = arms["even_split"].specs(seed=0, cooldown=cool)
    assert len(even) == 4 and {s["pretrain_tokens"] for s, _ in even} == {
        round(arms["even_split"].pretrain_tokens)}


def test_arm_point_maps_a_specialist_to_domain_tokens():
    class R:
        params, pretrain_tokens, specialize_tokens = 1000, 5000, 0

    assert arm_point("from_scratch", R) == (1000.0, 0.0, 5000.0)
    assert arm_point("no_specialization", R) == (1000.0, 5000.0, 0.0)


def test_bad_requests_are_clear_errors():
    with pytest.raises(BayeslawError, match="unknown arm"):
        make_arms(1000, 1e12, 1.0, {"a": 1.0}, names=["planned", "chinchilla_optimal"])
    with pytest.raises(BayeslawError, match="k >= 1"):
        make_arms(1000, 1e12, 1.0, {})
    assert tuple(a.name for a in _arms()) == ARMS
    assert np.isfinite([a.flops for a in _arms()]).all()
