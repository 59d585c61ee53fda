import numpy as np
import pytest

from bayeslaw.draws import Draws
from bayeslaw.errors import BayeslawError
from bayeslaw.flow.simulate import Truth, load_truth, simulate
from bayeslaw.laws import get as get_law
from tests.suggest.helpers import TRUTH

SPEC = {"params": 100_000, "pretrain_tokens": 1_000_000, "specialize_tokens": 300_000,
        "domain": "default"}


def test_noiseless_simulator_is_the_law():
    truth = Truth(Draws.point("domain_gap", TRUTH), sigma=0.0)
    (run,) = simulate(truth, [SPEC])
    want = float(get_law("domain_gap").loss(TRUTH, 1e5, 1e6, 3e5))
    assert run.loss == pytest.approx(want, rel=1e-12)
    assert run.source == "simulator"


def test_noise_has_the_stated_relative_size_and_is_reproducible():
    truth = Truth(Draws.point("domain_gap", TRUTH), sigma=0.005)
    specs = [{**SPEC, "seed": i} for i in range(2000)]
    runs = simulate(truth, specs, seed=3)
    logs = np.log([r.loss for r in runs])
    clean = np.log(float(get_law("domain_gap").loss(TRUTH, 1e5, 1e6, 3e5)))
    assert np.std(logs) == pytest.approx(0.005, rel=0.1)
    assert np.mean(logs) == pytest.approx(clean, abs=3 * 0.005 / np.sqrt(2000))
    # the same spec gets the same answer whatever batch it is in
    again = simulate(truth, specs[5:6], seed=3)[0]
    assert again.loss == runs[5].loss


def test_truth_toml_round_trip(tmp_path):
    path = tmp_path / "truth.toml"
    theta = "\n".join(f"{k} = {[v, v * 1.1] if k in 'EGS' else v}" for k, v in TRUTH.items())
    path.write_text(f'law = "domain_gap"\ndomains = ["a", "b"]\n[noise]\nsigma = 0.01\n'
                    f'kind = "student_t"\nnu = 4\n[theta]\n{theta}\n')
    truth = load_truth(path)
    assert truth.sigma == 0.01 and truth.noise == "student_t" and truth.nu == 4
    assert truth.draws.for_domain("b")["G"][0] == pytest.approx(0.55)
    with pytest.raises(BayeslawError, match="no domain 'c'"):
        simulate(truth, [{**SPEC, "domain": "c"}])


def test_truth_file_missing_parameter_is_a_clear_error(tmp_path):
    path = tmp_path / "truth.toml"
    path.write_text('law = "chinchilla"\n[theta]\nE = 1.0\n')
    with pytest.raises(BayeslawError, match="lacks 'A'"):
        load_truth(path)
