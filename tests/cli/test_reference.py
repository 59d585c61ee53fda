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


def _parsers(parser):
    yield parser
    for action in parser._actions:
        for sub in getattr(action, "choices", None) or {}:
            if isinstance(action.choices, dict):
                yield from _parsers(action.choices[sub])


def test_help_states_every_default():
    from bayeslaw.cli.main import _shows, build_parser

    checked = 0
    for parser in _parsers(build_parser()):
        help_text = " ".join(parser.format_help().split())
        for action in parser._actions:
            if action.option_strings and _shows(action.default) and action.dest != "help":
                assert f"default: {action.default}" in help_text or "default" in action.help, \
                    (parser.prog, action.dest)
                checked += 1
    assert checked > 20


LAWS_DOC = Path(__file__).resolve().parents[2] / "docs" / "laws.md"


def test_laws_page_is_current():
    from bayeslaw.cli.reference import laws_reference

    assert LAWS_DOC.read_text() == laws_reference(), (
        "docs/laws.md is stale: run `python -m bayeslaw.cli.reference laws > docs/laws.md`")


def test_every_law_and_the_priors_are_documented():
    from bayeslaw.cli.reference import laws_reference
    from bayeslaw.laws import REGISTRY

    text = laws_reference()
    for law in REGISTRY.values():
        assert f"## `{law.name}`" in text and law.equation in text
    assert "## Priors" in text and "sigma" in text
