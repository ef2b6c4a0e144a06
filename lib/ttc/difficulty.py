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


# The substrate's spread targets: the easiest bin mostly solved, the hardest near the guessing
# floor yet within reach of many samples, each bin clearly harder than the one before.
SPREAD_TARGETS = {"first_min": 0.8, "last_max": 0.1, "step_min": 0.1, "last_coverage_min": 0.2}


def pass_at_k(correct: np.ndarray, k: int) -> np.ndarray:
    """Per question, the unbiased chance that k of its n samples include a right one
    (1 - C(n - c, k) / C(n, k), Chen et al. 2021), from a [question, sample] matrix."""
    correct = np.asarray(correct, dtype=bool)
    n = correct.shape[1]
    if not 1 <= k <= n:
        raise ValueError(f"k = {k} needs 1 <= k <= {n} samples")
    wrong = n - correct.sum(axis=1)
    # C(w, k) / C(n, k) = prod_{i<k} (w - i) / (n - i), zero once w < k
    ratio = np.ones(len(wrong))
    for i in range(k):
        ratio *= np.clip(wrong - i, 0, None) / (n - i)
    return 1.0 - ratio


def spread_check(bin_means, last_coverage: float | None = None) -> dict:
    """Whether per-bin success (easiest first) meets `SPREAD_TARGETS`: each target's verdict,
    the smallest drop between neighbouring bins, and `holds` (all checked targets met; the
    coverage target only when `last_coverage` is given)."""
    means = [float(m) for m in bin_means]
    t = SPREAD_TARGETS
    drops = [round(a - b, 6) for a, b in zip(means, means[1:], strict=False)]
    out = {
        "bins": [round(m, 4) for m in means],
        "first_ok": means[0] >= t["first_min"],
        "last_ok": means[-1] <= t["last_max"],
        "min_drop": round(min(drops), 4),
        "drops_ok": min(drops) >= t["step_min"],
    }
    checked = ["first_ok", "last_ok", "drops_ok"]
    if last_coverage is not None:
        out["last_coverage"] = round(float(last_coverage), 4)
        out["coverage_ok"] = last_coverage > t["last_coverage_min"]
        checked.append("coverage_ok")
    out["holds"] = all(out[c] for c in checked)
    return out
