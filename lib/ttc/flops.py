"""FLOPs accounting: the paper's idealised formulas and counted FLOPs.

Snell et al. (arXiv 2408.03314, section 7) use X = 6 N D for pretraining and
Y = 2 N D for inference (the ICLR version charges the verifier with 4 N D). Counted
FLOPs add what those formulas leave out for small models: the embedding/unembedding
matmul and attention over the actual context length of every token.
"""

from __future__ import annotations

import numpy as np


def pretraining_flops(n_params: float, n_tokens: float) -> float:
    """X = 6 N D (Kaplan et al. 2020; Snell et al. section 7)."""
    return 6.0 * n_params * n_tokens


def inference_flops(n_params: float, n_tokens: float, convention: str = "arxiv") -> float:
    """Y = 2 N D (arXiv v1) or 4 N D (ICLR 2025, charging the verifier)."""
    factor = {"arxiv": 2.0, "iclr": 4.0}[convention]
    return factor * n_params * n_tokens


def sequence_forward_flops(
    n_params: float, n_layers: int, d_model: int, vocab_size: int, lengths: np.ndarray
) -> float:
    """Counted forward FLOPs of causal passes over sequences of the given lengths.

    Per token: 2 per non-embedding weight, 2 per unembedding weight (tied or not, the matmul
    happens), and 4 * n_layers * context * d_model for the scores and the weighted sum of values.
    """
    lengths = np.asarray(lengths, dtype=float)
    # sum over positions t = 1..L of the context t: L (L + 1) / 2
    attended = (lengths * (lengths + 1) / 2).sum()
    dense = 2.0 * n_params + 2.0 * d_model * vocab_size
    return float(dense * lengths.sum() + 4.0 * n_layers * d_model * attended)


def training_flops_counted(
    n_params: float, n_layers: int, d_model: int, vocab_size: int, lengths: np.ndarray
) -> float:
    """Forward plus backward: three times the counted forward FLOPs."""
    return 3.0 * sequence_forward_flops(n_params, n_layers, d_model, vocab_size, lengths)


def matching_multiplier(
    size_ratio: float, r: float, convention: str = "arxiv", flops_ratio: float | None = None
) -> float:
    """How many small-model inference FLOPs match a `size_ratio`-times larger model (section 7).

    k = M + 3 (M - 1) / R under the arXiv convention, M + 1.5 (M - 1) / R under the ICLR one,
    with R = D_inference / D_pretrain. When the two models were not pretrained on the same
    tokens, the pretraining term uses the ratio F of their pretraining FLOPs (R counted
    against the small model's tokens): k = M + 3 (F - 1) / R; F = M recovers the paper's.
    """
    factor = {"arxiv": 3.0, "iclr": 1.5}[convention]
    f = size_ratio if flops_ratio is None else flops_ratio
    return size_ratio + factor * (f - 1.0) / r
