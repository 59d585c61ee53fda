"""Choose depth, width and heads for a target non-embedding parameter count N.

With N(L, d) = L (12 d^2 + 2 d) + d (see :func:`trainer.model.non_embedding_params`)
we scan depths L and widths d (multiples of 8) and keep the shapes within
``tolerance`` of the target; among them we take the one whose aspect ratio d / L is
closest (in log) to ``aspect`` -- loss depends weakly on shape over a wide range of
aspect ratios (Kaplan et al. 2020, figure 5), so this choice is about speed and
consistency across sizes, not quality.
"""

from __future__ import annotations

import math

from bayeslaw.errors import BayeslawError
from trainer.model import GPTConfig, non_embedding_params

WIDTH_STEP = 8  # d is a multiple of 8: heads of 16 (or 8 when 16 does not divide d)
MAX_LAYERS = 64
MIN_PARAMS = non_embedding_params(GPTConfig(n_layer=1, n_embd=WIDTH_STEP, n_head=1))


def head_count(d: int) -> int:
    """Heads of dimension 16 below d = 256, 32 below 1024, 64 above."""
    head_dim = 16 if d < 256 else 32 if d < 1024 else 64
    while d % head_dim:
        head_dim //= 2
    return d // head_dim


def size_for(params: int, *, block_size: int = 128, tolerance: float = 0.05,
             aspect: float = 32.0) -> GPTConfig:
    """A :class:`GPTConfig` whose non-embedding parameter count is within
    ``tolerance`` (relative) of ``params``.

    Raises
    ------
    BayeslawError
        If ``params`` is below the smallest model (one layer of width 16) or no
        shape lands within the tolerance.
    """
    if params < MIN_PARAMS * (1 - tolerance):
        raise BayeslawError(
            f"params={params:,} is too small: the smallest model (1 layer, width "
            f"{WIDTH_STEP}) has N={MIN_PARAMS:,} non-embedding parameters; ask for more"
        )
    best, best_key = None, None
    for L in range(1, MAX_LAYERS + 1):
        d_exact = math.sqrt(params / (12 * L))
        for d in {max(WIDTH_STEP, WIDTH_STEP * k) for k in
                  (math.floor(d_exact / WIDTH_STEP), math.ceil(d_exact / WIDTH_STEP))}:
            cfg = GPTConfig(n_layer=L, n_embd=d, n_head=head_count(d), block_size=block_size)
            err = abs(non_embedding_params(cfg) / params - 1)
            key = (err > tolerance, abs(math.log(d / L / aspect)) if err <= tolerance else err)
            if best_key is None or key < best_key:
                best, best_key = cfg, key
    if best_key[0]:
        n = non_embedding_params(best)
        raise BayeslawError(
            f"no model shape has N within {tolerance:.0%} of {params:,} (nearest: "
            f"{best.n_layer} layers x width {best.n_embd}, N={n:,}); ask for N={n:,}"
        )
    return best
