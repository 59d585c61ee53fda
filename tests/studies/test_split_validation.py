"""The split-validation study end to end at CI size (tiny.toml): sweep, held-out runs,
fit of every law, the decision check with its five arms trained for real, the active
design check on the real trainer, and the report."""

import json
import tomllib
from pathlib import Path

import pytest

from bayeslaw.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
# tiny.toml's chains are far too short to converge; it allows that (the report's banner).
pytestmark = pytest.mark.filterwarnings("ignore::bayeslaw.fit.diagnostics.UnconvergedWarning")
STUDY = ROOT / "studies" / "split-validation"


def _keys(doc: dict) -> dict:
    return {t: set(v) if isinstance(v, dict) else None for t, v in doc.items()}


def test_sizes_differ_only_in_size_settings():
    docs = {p.name: tomllib.loads(p.read_text()) for p in sorted(STUDY.glob("*.toml"))}
    assert set(docs) >= {"study.toml", "tiny.toml", "gpu.toml"}
    for name, doc in docs.items():
        assert doc["study"]["domains"] == docs["study.toml"]["study"]["domains"], name
        assert set(doc) - {"replicates"} == set(docs["study.toml"]) - {"replicates"}, name
        assert doc["decision"]["budget_factor"] >= 3, name
        held = doc["holdout"] if isinstance(doc["holdout"], list) else [doc["holdout"]]
        assert max(p for t in held for p in t["params"]) >= 3 * max(doc["sweep"]["params"]), name


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("split-validation")
    rc = main(["study", "run", str(STUDY / "tiny.toml"), "--out", str(out / "out"),
               "--records", str(out / "records"), "--no-progress"])
    assert rc == 0
    return out / "records"


def test_tiny_study_records_every_step(tiny):
    res = json.loads((tiny / "results.json").read_text())
    assert set(res) >= {"fit", "decision", "active"}
    fit = res["fit"]
    assert set(fit["laws"]) == {"chinchilla", "domain_gap"}
    assert fit["smallest_holdout_flops"] >= 3 * fit["largest_fitted_flops"] * 0.9
    for law in fit["laws"].values():
        assert law["extrapolation"]["n"] == fit["n_holdout"] > 0
        for row in law["holdout"]:
            assert row["q05"] <= row["q50"] <= row["q95"]


def test_tiny_decision_check_trains_five_arms_at_equal_compute(tiny):
    dec = json.loads((tiny / "results.json").read_text())["decision"]
    assert dec["budget_over_largest"] >= 3
    assert list(dec["arms"]) == ["planned", "no_specialization", "fixed_10pct", "even_split",
                                 "from_scratch"]
    for name, arm in dec["arms"].items():
        assert arm["flops"] == pytest.approx(dec["budget"], rel=1e-9), name
        assert arm["seeds"] == [0, 1], name  # every arm measured on all k domains per seed
        assert len(arm["by_domain"]) == dec["k"] == 4
    assert set(dec["paired"]) == set(dec["arms"]) - {"planned"}
    assert all(p["n"] == 2 for p in dec["paired"].values())


def test_tiny_active_check_compares_equal_cost_designs(tiny):
    act = json.loads((tiny / "results.json").read_text())["active"]
    assert act["grid_flops"] <= act["loop_flops"]
    assert act["active-loop"]["n_runs"] > 0 and act["active-grid"]["n_runs"] > 0
    assert act["loop_history"], "the loop must have fitted and suggested at least once"


def test_tiny_report_and_records(tiny):
    html = (tiny / "report.html").read_text()
    for sid in ("validation-decision", "validation-extrapolation", "validation-active", "plan"):
        assert f'id="{sid}"' in html
    assert "data:image/png;base64" in html
    for store in ("sweep", "holdout", "decision", "active-loop", "active-grid"):
        assert (tiny / f"{store}.csv").stat().st_size > 0
    assert "Decision check" in (tiny / "results.md").read_text()
