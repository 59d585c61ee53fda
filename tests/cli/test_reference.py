from pathlib import Path

from bayeslaw.cli.reference import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current():
    assert DOC.read_text() == reference(), (
        "docs/cli.md is stale: run `python -m bayeslaw.cli.reference > docs/cli.md`")


def test_reference_covers_every_command():
    text = reference()
    for command in ("runs import", "fit", "plan", "train", "study run"):
        assert f"## `bayeslaw {command}`" in text
