from pathlib import Path

from bayeslaw.laws import REGISTRY
from bayeslaw.laws.reference import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "laws.md"


def test_laws_page_is_current():
    assert DOC.read_text() == reference(), (
        "docs/laws.md is stale: run `python -m bayeslaw.laws.reference > docs/laws.md`")


def test_every_law_and_the_priors_are_documented():
    text = reference()
    for law in REGISTRY.values():
        assert f"## `{law.name}`" in text and law.equation in text
    assert "## Priors" in text and "sigma" in text
