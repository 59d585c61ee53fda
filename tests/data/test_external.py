"""The bundled external data sets as runs: counts, units, assumptions, errors."""

import numpy as np
import pytest

from bayeslaw.data import lin2024, porian2024
from bayeslaw.data.finetuning import PRETRAIN_TOKENS, TASKS, TOKENS_PER_EXAMPLE, _rows
from bayeslaw.errors import BayeslawError


def test_lin2024_maps_every_cell_to_a_run():
    runs = lin2024()
    # 26 models x 14 fine-tuning sizes (the D' = 0 column left out) x 3 tasks
    assert len(runs) == 26 * 14 * 3 and len({r.run_id for r in runs}) == len(runs)
    assert {r.domain for r in runs} == set(TASKS)
    assert len(lin2024(zero_shot=True)) == 26 * 15 * 3
    row = _rows("gigaword")[0]
    r = next(r for r in runs if r.run_id == f"lin2024-gigaword-{row['config name'].split('/')[-1]}"
             "-1638400")
    assert r.loss == float(row["1638400"]) and r.params == int(row["size"])
    assert r.specialize_tokens == 1638400 * TOKENS_PER_EXAMPLE["gigaword"]
    assert r.pretrain_tokens == PRETRAIN_TOKENS[row["config name"]]
    assert r.config == {"model": row["config name"], "family": row["family"], "examples": 1638400}


def test_lin2024_every_model_has_a_stated_pretraining_size():
    models = {row["config name"] for t in TASKS for row in _rows(t)}
    assert models == set(PRETRAIN_TOKENS)


def test_lin2024_filters_and_options():
    opt = lin2024(["wmt19"], families=["OPT"], tokens_per_example={"wmt19": 1})
    assert len(opt) == 4 * 14 and {r.config["family"] for r in opt} == {"OPT"}
    assert sorted({r.specialize_tokens for r in opt})[:2] == [200, 400]
    with pytest.raises(BayeslawError, match="unknown Lin et al. task"):
        lin2024(["c4"])
    with pytest.raises(BayeslawError, match="no Lin et al. runs"):
        lin2024(families=["Cerebras"])


def test_porian2024_default_configuration():
    runs = porian2024()
    assert len(runs) == 88 and {r.domain for r in runs} == {"rw"}
    flops = np.array([r.flops for r in runs])
    six_nd = np.array([6.0 * r.params * r.pretrain_tokens for r in runs])
    np.testing.assert_allclose(six_nd, flops, rtol=1e-6)  # D = C / 6N, rounded to a token
    assert all(r.specialize_tokens == 0 for r in runs) and flops.max() == 2.56e19
    assert len(porian2024(("summary_df_owt2.pickle.xz", 4))) == 116
    with pytest.raises(BayeslawError, match="no Porian et al. configuration"):
        porian2024(("summary_df.pickle.xz", 9))
