"""Revision chains: budgets split between sequential and parallel, and hierarchical
selection over chains. A budget N is spent as p parallel chains of s sequential attempts,
s x p = N, on the ratio grid of the paper's ICLR table 1; each attempt sees the most recent
earlier attempts of its chain (`revision_prompt_ids`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..selection import best_of_n_weighted


def ratio_grid(budget: int) -> list[tuple[int, int]]:
    """(sequential s, parallel p) with s x p = budget for every power-of-two s: the ratios
    s:p of the paper's grid (N = 4: 1:4, 1:1, 4:1; N = 8: 1:8, 1:2, 2:1, 8:1; ...)."""
    if budget < 1 or budget & (budget - 1):
        raise ValueError(f"budget {budget} must be a power of two")
    return [(2**e, budget // 2**e) for e in range(budget.bit_length())]


def evaluable_splits(budget: int, chains: int, length: int) -> list[tuple[int, int]]:
    """The (s, p) of `ratio_grid(budget)` that a bank of `chains` chains of `length` can serve."""
    return [(s, p) for s, p in ratio_grid(budget) if s <= length and p <= chains]


def balanced_split(budget: int) -> tuple[int, int]:
    """(s, p) about sqrt(N) each, s the power of two at or below sqrt(N): the paper's example
    of a balanced allocation."""
    s = 2 ** (int(np.log2(budget)) // 2)
    return s, budget // s


def study_splits(chains: int, length: int, budgets: Sequence[int]) -> list[tuple[int, int]]:
    """Every (s, p) notebook 05 reads from a bank of chains: fully sequential and fully
    parallel at every power of two up to min(chains, length), the seq:par sweep at `budgets`,
    and the balanced split at every power of two the bank can serve."""
    wanted: set[tuple[int, int]] = set()
    n = 1
    while n <= chains * length:
        if n <= min(chains, length):
            wanted |= {(n, 1), (1, n)}
        s, p = balanced_split(n)
        if s <= length and p <= chains:
            wanted.add((s, p))
        n *= 2
    for budget in budgets:
        wanted |= set(evaluable_splits(budget, chains, length))
    return sorted(wanted, key=lambda sp: (sp[0] * sp[1], sp[0]))


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
