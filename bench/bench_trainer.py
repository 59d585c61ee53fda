"""Trainer throughput and MFU on CPU beside a plain nanoGPT-style reference loop.

For three model sizes, the same shape (depth, width, heads, context, batch) is trained
by (a) the trainer's :class:`~trainer.engine.Trainer` and (b) a plain loop written the
way nanoGPT's ``train.py`` does it: a GPT with biases and dropout modules, batches
drawn with ``torch.randint`` and ``torch.stack`` of slices, default AdamW, the learning
rate set every step and ``loss.item()`` every step. Measurements alternate between
the two (``--rounds`` times, median kept) so load from other processes hits both.
MFU is stated against a square fp32 matmul measured here with the same threads.

    python bench/bench_trainer.py [--threads 1 2] [--steps 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from trainer import device as dev
from trainer import domains as dom
from trainer.data import Mixture
from trainer.engine import Optim, Trainer
from trainer.model import train_flops_per_token
from trainer.schedule import stable
from trainer.sizing import size_for


class RefBlock(nn.Module):
    """A nanoGPT-style block: biases, dropout modules, separate attention bookkeeping."""

    def __init__(self, d: int, h: int):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.attn_dropout, self.resid_dropout = nn.Dropout(0.0), nn.Dropout(0.0)

    def attn(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.resid_dropout(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)))))


class RefGPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(0.0)
        self.h = nn.ModuleList(RefBlock(cfg.n_embd, cfg.n_head) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight

    def forward(self, idx, targets):
        pos = torch.arange(idx.shape[1], dtype=torch.long)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def reference_tps(cfg, batch: int, steps: int, data: torch.Tensor) -> float:
    torch.manual_seed(0)
    model = RefGPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    T = cfg.block_size

    def get_batch():
        ix = torch.randint(len(data) - T - 1, (batch,))
        x = torch.stack([data[i : i + T].long() for i in ix])
        y = torch.stack([data[i + 1 : i + 1 + T].long() for i in ix])
        return x, y

    t0 = 0.0
    for it in range(steps + 3):
        if it == 3:
            t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = 3e-3
        x, y = get_batch()
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()
    return steps * batch * T / (time.perf_counter() - t0)


def trainer_tps(cfg, batch: int, steps: int, ds, device: str = "cpu",
                compile: bool = False) -> float:
    tr = Trainer(cfg, Optim(), Mixture(ds, None, cfg.block_size, 0), batch_size=batch,
                 device=device, compile=compile, progress=False)
    tr.run([stable(3, 3e-3)])
    t0 = time.perf_counter()
    tr.run([stable(steps, 3e-3)])
    return steps * batch * cfg.block_size / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[5e4, 3e5, 1e6])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cpu", help="cuda: the trainer alone, bf16 (GPU MFU)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the trainer's model")
    args = ap.parse_args()
    if args.device != "cpu":
        return gpu(args)
    ds = [dom.load(n) for n in dom.names()]
    data = torch.from_numpy(ds[0].train.copy())
    print(f"torch {torch.__version__}, batch {args.batch} x context 128, "
          f"median of {args.rounds} alternating rounds of {args.steps} steps")
    print(f"{'threads':>7} {'N':>10} {'shape':>10} {'peak GF/s':>9} {'trainer tok/s':>13} "
          f"{'MFU':>6} {'reference tok/s':>15} {'MFU':>6} {'ratio':>6}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        dev.matmul_peak.cache_clear()
        peak = dev.matmul_peak("cpu", seconds=1.0)
        for n in args.sizes:
            cfg = size_for(int(n))
            ours, ref = [], []
            for _ in range(args.rounds):
                ours.append(trainer_tps(cfg, args.batch, args.steps, ds))
                ref.append(reference_tps(cfg, args.batch, args.steps, data))
            a, b = statistics.median(ours), statistics.median(ref)
            f = train_flops_per_token(cfg)
            print(f"{threads:>7} {int(n):>10,} {cfg.n_layer}x{cfg.n_embd}/{cfg.n_head:<3} "
                  f"{peak / 1e9:>9.1f} {a:>13,.0f} {a * f / peak:>6.1%} {b:>15,.0f} "
                  f"{b * f / peak:>6.1%} {a / b:>6.2f}", flush=True)
    assert math.isfinite(peak)


def gpu(args) -> None:
    """The trainer alone on a GPU: tokens/s and MFU against the measured bf16 peak."""
    ds = [dom.load(n) for n in dom.names()]
    peak = dev.matmul_peak(args.device, seconds=2.0)
    print(f"{dev.name(args.device)}, bf16 matmul peak {peak / 1e12:.0f} TFLOP/s, "
          f"batch {args.batch} x context 128, compile={args.compile}")
    for n in args.sizes:
        cfg = size_for(int(n))
        tps = statistics.median(trainer_tps(cfg, args.batch, args.steps, ds, args.device,
                                            args.compile) for _ in range(args.rounds))
        print(f"N={int(n):,} ({cfg.n_layer}x{cfg.n_embd}/{cfg.n_head}): {tps:,.0f} tok/s, "
              f"MFU {tps * train_flops_per_token(cfg) / peak:.1%}", flush=True)


if __name__ == "__main__":
    main()
