import numpy as np
import pytest

from bayeslaw.errors import BayeslawError
from trainer import domains as dom
from trainer.data import Mixture
from trainer.schedule import pretrain


def test_bundled_domains_have_held_out_text_and_a_manifest():
    names = dom.names()
    assert len(names) >= 5
    for name in names:
        d = dom.load(name)
        assert len(d.train) == dom.manifest()[name]["train_bytes"] > 1_000_000
        assert len(d.val) > 50_000
        assert d.val[:2000].tobytes() not in d.train.tobytes()  # held out, not a copy


def test_mixture_counts_epochs_when_a_domain_repeats(tmp_path):
    for i in range(4):
        (tmp_path / f"f{i}.txt").write_bytes(bytes(range(65, 91)) * 40)
    small = dom.load("small", dom.parse_user([f"small={tmp_path}"]))
    mix = Mixture([small], None, block_size=32, seed=0)
    for _ in range(40):
        x, y = mix.batch(8)
        assert (x[:, 1:] == y[:, :-1]).all()
    epochs = mix.epochs()["small"]
    assert epochs == pytest.approx(40 * 8 * 32 / len(small.train))
    assert epochs > 3


def test_mixture_weights_and_state_round_trip():
    ds = [dom.load("foldoc"), dom.load("python")]
    mix = Mixture(ds, {"foldoc": 3.0, "python": 1.0}, 16, seed=1)
    for _ in range(50):
        mix.batch(32)
    consumed = np.array(mix.consumed) / (50 * 32 * 16)
    assert consumed[0] == pytest.approx(0.75, abs=0.05)
    state = mix.state_dict()
    a = mix.batch(8)[0]
    other = Mixture(ds, {"foldoc": 3.0, "python": 1.0}, 16, seed=99)
    other.load_state_dict(state)
    assert (other.batch(8)[0] == a).all()


def test_unknown_domain_and_bad_directory_are_clear_errors(tmp_path):
    with pytest.raises(BayeslawError, match="unknown domain 'nope'"):
        dom.load("nope")
    with pytest.raises(BayeslawError, match="NAME=DIRECTORY"):
        dom.parse_user([f"x={tmp_path}/missing"])


def test_pretrain_phases_resume_where_they_stopped():
    whole = [p.lr(i) for p in pretrain(0, 30, 10, 1.0) for i in range(p.start, p.end)]
    parts = [p.lr(i) for a, b in ((0, 7), (7, 18), (18, 30))
             for p in pretrain(a, b, 10, 1.0) for i in range(p.start, p.end)]
    assert len(whole) == 30 and whole == parts
    assert whole[0] == pytest.approx(0.1) and whole[9] < whole[10] == whole[29] == 1.0
