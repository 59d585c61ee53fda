import base64
import re

import numpy as np
import pytest

from bayeslaw.report import build_report, render_html, write_markdown, write_report
from bayeslaw.report.model import SECTION_IDS, ReportInputs
from tests.report.helpers import CHROMIUM, assert_all_sections, external_references, screenshot


def _q(a):
    return {"q05": a * 0.9, "q25": a * 0.95, "q50": a, "q75": a * 1.05, "q95": a * 1.1}


def full_inputs(draws, runs):
    """Inputs with every optional part given (the planner's and suggester's shapes)."""
    C = max(r.flops for r in runs)
    B = np.geomspace(C, 1000 * C, 6)
    rec = {"params": 1.1e6, "pretrain_tokens": 2.0e7, "specialize_tokens": 2.0e6,
           "pretrain_share": 0.83, "loss": 2.0, "loss_interval": _q(2.0)}
    return ReportInputs(
        draws=draws.with_noise({"sigma": 0.01, "nu": 6.0}), runs=runs, budget=10 * C, k=2,
        domains=["foldoc", "code"],
        provenance={"bayeslaw_version": "0.1.0", "command": "bayeslaw report --out r.html",
                    "seed": 3},
        diagnostics={"parameters": [{"parameter": "alpha", "r_hat": 1.002, "ess_bulk": 900,
                                     "ess_tail": 700}], "divergences": 2,
                     "warnings": [{"problem": "2 divergent transitions.",
                                   "remedy": "raise target_accept to 0.95."}]},
        comparison={"columns": ["law", "elpd_loo"], "rows": [["domain_gap", 51.2],
                                                           ["chinchilla", 12.0]]},
        plan={"budget": 10 * C, "domains": ["foldoc", "code"], "k": 2, "recommended": rec,
              "intervals": {"loss": _q(2.0), "params": _q(1.1e6)}, "expected_regret": 0.004,
              "baselines": {"no_specialization": {**rec, "specialize_tokens": 0,
                                                  "loss": 2.3, "loss_interval": _q(2.3)},
                            "from_scratch": {**rec, "pretrain_tokens": 0, "loss": 2.6,
                                             "loss_interval": _q(2.6), "relative_gain": 0.25,
                                             "prob_recommended_better": 0.97},
                            "fixed_10pct": None}},
        frontier={"budget": B, "params": _q(np.sqrt(B / 120)),
                  "pretrain_tokens": _q(np.sqrt(B * 3)), "specialize_tokens": _q(np.sqrt(B)),
                  "loss": _q(3 * B ** -0.02)},
        suggestions=[{"params": 335_712, "pretrain_tokens": 2_000_000,
                      "specialize_tokens": 800_000, "domain": "code", "parent": "ckpt_x",
                      "cost_flops": 1.6e12, "score": 2.5e-18, "value": 0.004,
                      "after": None}],
    )


@pytest.fixture(scope="module")
def report(draws, runs):
    return build_report(full_inputs(draws, runs))


def test_every_section_present_and_self_contained(report):
    html = render_html(report)
    assert_all_sections(html)
    assert external_references(html) == []
    assert "http://" not in html and "https://" not in html
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    n_figures = sum(len(s.figures) for s in report.sections)
    assert len(images) == n_figures >= 9
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)


def test_content_of_the_sections(report):
    assert report.section("runs").tables[0].rows[0][0].startswith("run_")
    plan = report.section("plan").tables[0]
    assert [r[0] for r in plan.rows] == ["recommended", "no specialization (D' = 0)",
                                         "specialists from scratch (D = 0)"]
    # gain from the medians, (2.3 - 2.0) / 2.3, or the planner's own relative gain
    assert plan.rows[1][-2:] == ["+13.0%", None]
    assert plan.rows[2][-2:] == ["+25.0%", "97%"]
    diag = report.section("diagnostics")
    assert diag.warnings == ["2 divergent transitions. Remedy: raise target_accept to 0.95."]
    ppc_text = report.section("ppc").text[0]
    assert re.search(r"50% intervals cover \d+% of the runs and the 90% intervals \d+%",
                     ppc_text)


def test_the_report_opens_with_the_answer(report):
    s = report.sections[0]
    assert s.id == "summary"
    rows = {r[0]: r[1:] for r in s.tables[0].rows}
    assert rows["N (parameters)"] == pytest.approx([1.1e6, 0.99e6, 1.21e6])
    assert rows["pretraining share D / (D + k D')"] == [0.83, None, None]
    assert rows["expected loss (nats/token)"] == pytest.approx([2.0, 1.8, 2.2])
    assert rows["expected regret (nats/token)"][0] == 0.004
    checks = dict(s.tables[1].rows)
    assert checks["made by"] == "bayeslaw report --out r.html"
    assert checks["sampler diagnostics"].startswith("1 check(s) failed")
    assert checks["extrapolation"] == ("10x the largest run's compute; within the "
                                       "thresholds of docs/planner.md")
    assert s.warnings == ["Diagnostics: 2 divergent transitions."]


def test_suggestions_in_symbols_and_human_units(report):
    t = report.section("suggestions").tables[0]
    assert t.columns[1:4] == ["N", "D", "D'"]
    row = dict(zip(t.columns, t.rows[0], strict=True))
    assert row["regret removed (% of loss)"] == pytest.approx(0.4) and row["after rank"] is None
    assert row["per PFLOP (% of loss)"] == pytest.approx(0.25)


def test_missing_inputs_still_give_every_section(draws, runs):
    inputs = ReportInputs(draws=draws, runs=runs, budget=1e14, k=1, domains=["code"],
                          notes={"plan": "The planner is not available."})
    report = build_report(inputs)
    html = render_html(report)
    assert_all_sections(html)
    assert "The planner is not available." in html
    assert "pass --suggest N" in html


def test_markdown_writes_figures_and_anchors(report, tmp_path):
    files = write_markdown(report, tmp_path / "rep.md")
    text = (tmp_path / "rep.md").read_text()
    for sid in SECTION_IDS:
        assert f'<a id="{sid}"></a>' in text
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(linked) == len(files) - 1
    for rel in linked:
        assert (tmp_path / rel).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_renders_in_headless_chromium(report, tmp_path):
    from PIL import Image

    html = write_report(report, tmp_path / "report.html")[0]
    png = screenshot(html, tmp_path / "shot.png", height=6000)
    img = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert img.shape[:2] == (6000, 1400)
    # not a blank page: text and figures make many dark pixels in the first screen
    assert (img[:1500] < 128).mean() > 0.01


def test_comparison_from_compare_json_rows():
    from bayeslaw.report.compare import table_from_compare

    rows = [{"law": "domain_gap", "elpd_loo": 140.2, "se": 4.1, "p_loo": 7.9, "pareto_k_bad": 0,
             "elpd_diff": 0.0, "weight": 0.93, "n_holdout": 8, "holdout_rel_error": 0.0123,
             "holdout_coverage90": 0.875},
            {"law": "chinchilla", "elpd_loo": 60.0, "se": 6.0, "p_loo": 4.2, "pareto_k_bad": 1,
             "elpd_diff": 80.2, "weight": 0.07, "n_holdout": 8, "holdout_rel_error": 0.051,
             "holdout_coverage90": 0.25}]
    t = table_from_compare(rows)
    assert t["columns"][0] == "law" and "held-out 90% coverage" in t["columns"]
    i = t["columns"].index("held-out error")
    assert [r[i] for r in t["rows"]] == ["1.23%", "5.10%"]
    assert t["rows"][1][t["columns"].index("held-out 90% coverage")] == "25%"


def test_compare_json_errors(tmp_path):
    from bayeslaw.errors import BayeslawError
    from bayeslaw.report.api import load_compare_json

    bad = tmp_path / "c.json"
    bad.write_text('{"law": "x"}')
    with pytest.raises(BayeslawError, match="not the output of `bayeslaw compare --json`"):
        load_compare_json(bad)
    bad.write_text('{"laws": [{"law": "a", "elpd_loo": 1.0}]}')
    assert load_compare_json(bad)[0]["law"] == "a"
