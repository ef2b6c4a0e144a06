"""Revision chains: budgets split between sequential and parallel, and hierarchical
selection over chains. A budget N is spent as p parallel chains of s sequential attempts,
s x p = N, on the ratio grid of the paper's ICLR table 1; each attempt sees the most recent
earlier attempts of its chain (`revision_prompt`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..selection import best_of_n_weighted


def ratio_grid(budget: int) -> list[tuple[int, int]]:
    """(sequential s, parallel p) with s x p = budget for every power-of-two s: the ratios
    s:p of the paper's grid (N = 4: 1:4, 1:1, 4:1; N = 8: 1:8, 1:2, 2:1, 8:1; ...)."""
    if budget < 1 or budget & (budget - 1):
        raise ValueError(f"budget {budget} must be a power of two")
    return [(2**e, budget // 2**e) for e in range(budget.bit_length())]


def hierarchical_best_of_n(
    chains: Sequence[Sequence[int | None]], scores: Sequence[Sequence[float]]
) -> int | None:
    """Best-of-N weighted within each chain, then across chains on the chains' winning
    answers weighted by their total score (Snell et al., section 6.2)."""
    winners, weights = [], []
    for answers, chain_scores in zip(chains, scores, strict=True):
        answer = best_of_n_weighted(answers, chain_scores)
        if answer is None:
            continue
        winners.append(answer)
        weights.append(sum(s for a, s in zip(answers, chain_scores, strict=True) if a == answer))
    return best_of_n_weighted(winners, weights)
