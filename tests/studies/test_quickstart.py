"""The quickstart study, end to end at tiny size: import, train, compare, fit, plan,
suggest, report. Same file as the README's main job, with the sizes shrunk."""

import json
import tomllib
from pathlib import Path

from bayeslaw.cli.main import main
from bayeslaw.report.model import SECTION_IDS

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "studies" / "quickstart" / "study.toml"


def _toml(value) -> str:
    return json.dumps(value)  # TOML accepts JSON strings, numbers and arrays of them


def _tiny_copy(tmp_path: Path) -> Path:
    doc = tomllib.loads(STUDY.read_text())
    doc["study"].update(store=str(tmp_path / "runs.db"), out=str(tmp_path / "out"))
    doc["import"]["files"] = [str((STUDY.parent / f).resolve()) for f in doc["import"]["files"]]
    doc["train"].update(params=[3e3], pretrain_tokens=2e4, specialize_tokens=[5e3])
    doc["train"]["settings"].update(batch_size=16, block_size=32, eval_tokens=2048)
    doc["fit"].update(laws=["chinchilla", "domain_gap"], chains=2, warmup=100, samples=100,
                      escalate=0)
    lines = []
    for table, body in doc.items():
        settings = body.pop("settings", None)
        lines += [f"[{table}]", *(f"{k} = {_toml(v)}" for k, v in body.items())]
        if settings:
            lines += [f"[{table}.settings]", *(f"{k} = {_toml(v)}" for k, v in settings.items())]
    path = tmp_path / "study.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_quickstart_runs_end_to_end(tmp_path, capsys):
    # the tiny fits (2 x 100 draws) fail the convergence checks by design
    assert main(["study", "run", str(_tiny_copy(tmp_path)), "--no-progress", "--json",
                 "--allow-unconverged"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["imported"] == 87 and summary["records"] == 6  # 3 domains x D' = 0, 5e3
    analysis = summary["analysis"]
    assert analysis["n_runs"] == 93 and analysis["k"] == 4 and analysis["new_domains"] == 1
    plan = analysis["plan"]
    assert sorted(plan["domains"]) == ["foldoc", "new-1", "python", "wordnet"]
    rec = plan["recommended"]
    per_domain = rec["specialize_tokens_per_domain"]
    assert sorted(per_domain) == sorted(plan["domains"])
    spent = 6 * rec["params"] * (rec["pretrain_tokens"] + sum(per_domain.values()))
    assert abs(spent - analysis["budget"]) < 1e-6 * analysis["budget"]
    assert analysis["suggestions"], "the quickstart must suggest next runs"
    html = Path(analysis["report"]).read_text()
    assert all(f'id="{sid}"' in html for sid in SECTION_IDS)
    comparison = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert {row["law"] for row in comparison} == {"chinchilla", "domain_gap"}
