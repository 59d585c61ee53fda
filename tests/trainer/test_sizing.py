import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from bayeslaw.errors import BayeslawError
from trainer.model import GPT, GPTConfig, non_embedding_params, train_flops_per_token
from trainer.sizing import MIN_PARAMS, size_for


@pytest.mark.parametrize("target", [3e3, 2e4, 5e4, 1e5, 3e5, 1e6, 3e6, 1e7, 1e8])
def test_size_for_hits_the_target_and_counts_n_exactly(target):
    cfg = size_for(int(target))
    model = GPT(cfg) if target <= 1e7 else None
    n = non_embedding_params(cfg)
    assert abs(n / target - 1) <= 0.05
    assert cfg.n_embd % cfg.n_head == 0
    if model is not None:  # the closed form agrees with counting the tensors
        assert model.num_params(non_embedding=True) == n
        assert model.num_params(non_embedding=False) == n + (256 + cfg.block_size) * cfg.n_embd


def test_too_small_or_unreachable_n_is_a_clear_error():
    with pytest.raises(BayeslawError, match="too small"):
        size_for(100)
    assert MIN_PARAMS == 12 * 8 * 8 + 3 * 8
    with pytest.raises(BayeslawError, match="no model shape"):
        size_for(2000)


def test_matmul_flops_match_torch_flop_counter():
    cfg = GPTConfig(n_layer=2, n_embd=32, n_head=2, block_size=16)
    model, x = GPT(cfg), torch.randint(0, 256, (4, 16))
    with FlopCounterMode(display=False) as counter:
        model(x, x).backward()
    per_token = counter.get_total_flops() / x.numel()
    L, d, T = cfg.n_layer, cfg.n_embd, cfg.block_size
    assert per_token == 6 * (12 * L * d * d + 256 * d)  # every weight matmul, fwd + bwd
    # the formula adds LayerNorm weights (2Ld + d, a rounding) and attention (12 L d T)
    attention_and_norms = 6 * (2 * L * d + d) + 12 * L * d * T
    assert train_flops_per_token(cfg) == per_token + attention_and_norms
