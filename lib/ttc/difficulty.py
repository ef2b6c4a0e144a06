"""Question difficulty as the paper bins it: quintiles of a per-question statistic.

Oracle bins use the base model's pass@1 over the sample bank; predicted bins use the mean
PRM answer score over the same samples, which needs no ground truth. Bin 1 is the easiest
(highest statistic). Quantile edges are meaningless when many questions tie (e.g. many at
pass@1 = 0), so questions are ranked and cut into five equal groups, ties ordered by a
seeded random permutation; `bin_table` reports each bin's size and range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_BINS = 5


def quantile_bins(values: np.ndarray, n_bins: int = N_BINS, seed: int = 0) -> np.ndarray:
    """Bin 1..n_bins per question, bin 1 holding the largest values; sizes differ by at most one."""
    values = np.asarray(values, dtype=float)
    if len(values) < n_bins:
        raise ValueError(f"{len(values)} questions cannot fill {n_bins} bins")
    tiebreak = np.random.default_rng(seed).permutation(len(values))
    order = np.lexsort((tiebreak, -values))  # descending, ties in random order
    bins = np.empty(len(values), dtype=int)
    bins[order] = np.arange(len(values)) * n_bins // len(values) + 1
    return bins


def oracle_bins(correct: np.ndarray, seed: int = 0) -> np.ndarray:
    """Quintiles of pass@1, from a [question, sample] correctness matrix."""
    return quantile_bins(np.asarray(correct).mean(axis=1), seed=seed)


def predicted_bins(answer_scores: np.ndarray, seed: int = 0) -> np.ndarray:
    """Quintiles of the mean verifier answer score, from a [question, sample] score matrix."""
    return quantile_bins(np.asarray(answer_scores).mean(axis=1), seed=seed)


def bin_table(bins: np.ndarray, statistic: np.ndarray, name: str = "statistic") -> pd.DataFrame:
    """Size and range of the statistic in each bin."""
    frame = pd.DataFrame({"bin": bins, name: statistic})
    return (
        frame.groupby("bin")[name]
        .agg(questions="size", low="min", high="max", mean="mean")
        .reset_index()
    )
