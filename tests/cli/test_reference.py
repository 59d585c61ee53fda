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
