import math

import pytest

from bayeslaw.errors import InvalidRunError
from bayeslaw.runs.ids import ALPHABET, new_id
from bayeslaw.runs.record import Run, validate

GOOD = {"params": "1000000", "pretrain_tokens": "2e9", "specialize_tokens": "0",
        "domain": "code", "loss": "2.5"}


def test_valid_row_with_aliases_and_derived_flops():
    run = validate({"N": "1e6", "D": "2000", "D_prime": "500", "domain": " law ", "loss": 2.25})
    assert (run.params, run.pretrain_tokens, run.specialize_tokens) == (10**6, 2000, 500)
    assert run.domain == "law" and run.loss == 2.25
    assert run.flops == pytest.approx(6 * 1e6 * 2500)
    assert run.status == "completed" and run.source == "import"


def test_dprime_alias():
    assert validate({**GOOD, "specialize_tokens": None, "Dprime": "7"}).specialize_tokens == 7


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("params", "0", "params must be >= 1"),
        ("params", "-5", "params must be >= 1"),
        ("pretrain_tokens", "-1", "pretrain_tokens must be >= 0"),
        ("specialize_tokens", "abc", "specialize_tokens must be a number"),
        ("loss", "nan", "loss must be finite"),
        ("loss", "inf", "loss must be finite"),
        ("loss", "0", "loss must be > 0"),
        ("loss", "", "missing loss"),
        ("domain", "", "missing domain"),
        ("seed", "x", "seed must be a number"),
        ("config", "[1]", "config must be a JSON object"),
        ("status", "running", "status must be one of"),
        ("run_id", "-rf", "run_id must not start with '-'"),
    ],
)
def test_invalid_values_are_named(field, value, reason):
    with pytest.raises(InvalidRunError, match=reason):
        validate({**GOOD, field: value})


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidRunError) as err:
        validate({"params": "-1", "pretrain_tokens": "x", "domain": "d", "loss": "nan"})
    assert len(err.value.reasons) == 4  # params, D, missing D', loss


def test_failed_runs_need_no_loss():
    run = validate({**GOOD, "loss": "", "status": "failed"})
    assert run.loss is None and run.status == "failed"


def test_run_ids_are_prefixed_lowercase_alphanumeric():
    ids = {new_id() for _ in range(2000)}
    assert len(ids) == 2000
    for i in ids:
        prefix, body = i.split("_")
        assert prefix == "run" and set(body) <= set(ALPHABET) and not i.startswith("-")


def test_run_defaults_are_fresh():
    a, b = Run(1, 2, 3, "d", 1.0), Run(1, 2, 3, "d", 1.0)
    assert a.run_id != b.run_id and a.config is not b.config
    assert math.isclose(a.flops, 6 * 5)
