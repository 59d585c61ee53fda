"""split-validation-2 at CI size (tiny.toml): the general corpus is built from the bundled
text, and the measured share curve is trained for real at a given plan (no fit: the fit,
extrapolation, active and report steps are the first study's machinery, which
test_split_validation.py runs end to end) and analysed: every arm at the same compute,
the curve's optimum with its bootstrap interval, the recipes paired with the plan."""

import json
import tomllib
from pathlib import Path

import pytest

from bayeslaw.flow.steps import Context, load_steps, run_steps

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "studies" / "split-validation-2"
SHARES = {0.0, 0.25, 0.5, 0.7, 0.8, 0.9, 1.0}  # the measured shares


def test_sizes_differ_only_in_size_settings():
    docs = {p.name: tomllib.loads(p.read_text()) for p in sorted(STUDY.glob("*.toml"))}
    assert set(docs) >= {"study.toml", "tiny.toml", "gpu.toml"}
    for name, doc in docs.items():
        assert doc["study"]["domains"] == docs["study.toml"]["study"]["domains"], name
        assert set(doc) == set(docs["study.toml"]), name
        d = doc["decision"]
        assert d["budget_factor"] >= 3 and set(d["shares"]) == SHARES, name
        assert sorted(d["n_factors"]) == [0.5, 2.0], name
        sweep = doc["sweep"]["params"]
        assert len(sweep) >= 4 or name == "tiny.toml", name
        assert max(sweep) >= 10 * min(sweep) or name == "tiny.toml", name
        assert max(doc["holdout"]["params"]) > max(sweep), name
    assert len(docs["study.toml"]["decision"]["seeds"]) >= 5
    assert len(docs["study.toml"]["active"]["campaigns"]) >= 3


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("split-validation-2")
    cfg = tomllib.loads((STUDY / "tiny.toml").read_text())
    N = 3120
    cfg["corpus"]["max_bytes"] = 300_000
    cfg["decision"].update(budget=6 * N * 2048, plan={"params": N, "share": 0.85}, n_boot=30,
                           shares=[0.0, 0.5, 0.8, 0.9, 1.0], n_factors=[2.0])
    ctx = Context(cfg=cfg, out=out / "out", records=out / "records", progress=False)
    run_steps(load_steps(STUDY / "steps.py"), ctx, ["corpus", "decision"])
    return out


def test_corpus_is_sharded_and_checksummed(tiny):
    m = json.loads((tiny / "out" / "general" / "manifest.json").read_text())
    assert list(m["sources"]) == ["bundled"] and m["total_bytes"] <= 300_000
    assert len(m["shard_sha256"]) == m["shards"] == 20 and len(m["sha256"]) == 64
    res = json.loads((tiny / "records" / "results.json").read_text())
    assert res["corpus"]["sha256"] == m["sha256"]


def test_share_curve_arms_spend_the_budget_and_are_analysed(tiny):
    dec = json.loads((tiny / "records" / "results.json").read_text())["decision"]
    at_n = {a: r for a, r in dec["arms"].items() if r["params"] == dec["params"]}
    assert {round(r["share"], 6) for r in at_n.values()} == {0.0, 0.5, 0.8, 0.85, 0.9, 1.0}
    for name, arm in dec["arms"].items():
        assert arm["flops"] == pytest.approx(dec["budget"], rel=1e-9), name
        assert len(arm["by_domain"]) == dec["k"] == 4, name
    assert all(r["seeds"] == [0, 1] for r in at_n.values())
    assert dec["arms"]["planned_2N"]["params"] == 6224 and dec["arms"]["planned_2N"]["seeds"] == [0]
    opt = dec["curve"]["optimum"]
    assert 0.0 <= opt["interval"][0] <= opt["share"] <= opt["interval"][1] <= 1.0
    assert set(dec["paired"]) == {"no_specialization", "fixed_10pct", "even_split",
                                  "from_scratch"}
    assert all(p["n"] == 2 for p in dec["paired"].values())
    best = min(r["mean_loss"] for r in at_n.values())
    assert dec["regret"]["regret"] == pytest.approx(at_n["planned"]["mean_loss"] - best)
