"""The compute model of split-model training, in one place.

One general model of N non-embedding parameters is pretrained on a mixture for
D tokens, then k copies are each specialized on their own domain for D' tokens.
With the usual 6 FLOPs per parameter per token (Kaplan et al. 2020, eq. 2.1;
Hoffmann et al. 2022, appendix F) the total compute is

    C = 6 N (D + k D')

the pretraining being paid once. A single run (one domain) costs 6 N (D + D').
"""

from __future__ import annotations

FLOPS_PER_PARAM_TOKEN = 6.0


def split_flops(N, D, D_prime, k=1):
    """Compute of one pretraining of D tokens and k specializations of D' tokens.

    ``C = 6 N (D + k D')``. Works elementwise on numpy or jax arrays.
    """
    return FLOPS_PER_PARAM_TOKEN * N * (D + k * D_prime)


def run_flops(N, D, D_prime=0):
    """Compute of a single run: ``6 N (D + D')``."""
    return split_flops(N, D, D_prime, 1)


def tokens_for_budget(C, N):
    """Total tokens ``C / (6 N)`` a budget buys for a model of N parameters."""
    return C / (FLOPS_PER_PARAM_TOKEN * N)
