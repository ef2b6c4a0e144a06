"""Pretraining against test-time compute.

The paper's exchange (Snell et al. 2024, section 7): a model M times larger costs M times
the FLOPs per token, so at a ratio R = D_inference / D_pretrain of inference to pretraining
tokens the small model may spend k = M + 3(M - 1)/R generations per question (arXiv
convention; `flops.matching_multiplier`) for the same total compute as one greedy answer
of the large model. `exchange_table` compares the two per difficulty bin.

Beyond the paper, the exchange map (after Jones 2021's board-game result): for every
ladder checkpoint, the test-time FLOPs per question at which best-of-N first reaches an
accuracy level; iso-accuracy lines over (log pretraining FLOPs, log test-time FLOPs) and
their fitted slope give the rate at which one kind of compute replaces the other, and a
line ends where no test-time budget reaches its level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .compute_optimal import first_crossing
from .flops import matching_multiplier


def accuracy_at_budget(budgets: np.ndarray, accuracy: np.ndarray, k: float) -> tuple[float, str]:
    """A curve's accuracy at budget k, linear in log2 budget between evaluated budgets. Past
    the largest budget it is the last value, a lower bound for an increasing curve."""
    order = np.argsort(budgets)
    x = np.log2(np.asarray(budgets, dtype=float)[order])
    y = np.asarray(accuracy, dtype=float)[order]
    if np.log2(k) > x[-1]:
        return float(y[-1]), "lower bound"
    return float(np.interp(np.log2(k), x, y)), "interpolated"


def exchange_table(
    curves: pd.DataFrame,
    large: pd.Series,
    size_ratio: float,
    r_values: Sequence[float],
    convention: str = "arxiv",
    flops_ratio: float | None = None,
) -> pd.DataFrame:
    """Per bin and R: the small model's test-time accuracy at the matched budget k against the
    large model's greedy accuracy. `curves` has columns bin, budget, accuracy; `large` maps
    bin -> greedy accuracy; `flops_ratio` is the pair's pretraining-FLOPs ratio when it is not
    `size_ratio` (different token counts). `relative` is (test-time - pretraining) / pretraining."""
    rows = []
    for b, curve in curves.groupby("bin"):
        for r in r_values:
            k = matching_multiplier(size_ratio, r, convention, flops_ratio)
            acc, bound = accuracy_at_budget(
                curve["budget"].to_numpy(), curve["accuracy"].to_numpy(), k
            )
            pre = float(large[b])
            rows.append({"bin": b, "R": r, "k": k, "test_time": acc, "pretraining": pre,
                         "difference": acc - pre,
                         "relative": (acc - pre) / pre if pre > 0 else np.nan,
                         "bound": bound})  # fmt: skip
    return pd.DataFrame(rows)


def iso_accuracy_points(surface: pd.DataFrame, levels: Sequence[float]) -> pd.DataFrame:
    """Where each ladder point's accuracy first reaches each level, in log10 test-time FLOPs.

    `surface` has one row per (point, bin, budget) with columns point (a checkpoint's name),
    train_flops, test_flops and accuracy. Rows out: point, bin, level, log_train, log_test and
    bound ("exact", "at least" when the smallest budget already reaches the level, or "not
    reached" when no budget does: where the iso-accuracy line ends).
    """
    rows = []
    for (point, b), curve in surface.groupby(["point", "bin"]):
        curve = curve.sort_values("test_flops")
        log_test = np.log10(curve["test_flops"].to_numpy())
        for level in levels:
            crossing, bound = first_crossing(log_test, curve["accuracy"].to_numpy(), level)
            rows.append({"point": point, "bin": b, "level": level, "bound": bound,
                         "log_train": float(np.log10(curve["train_flops"].iloc[0])),
                         "log_test": crossing})  # fmt: skip
    return pd.DataFrame(rows)


def fit_exchange(points: pd.DataFrame) -> pd.DataFrame:
    """Per bin, one slope for all iso-accuracy lines (an intercept per level) by least squares
    over exact crossings: log10 test FLOPs = slope x log10 train FLOPs + intercept(level).
    `test_per_10x_train` = 10^-slope: the factor of test-time compute that ten times the
    pretraining compute replaces (Jones 2021 found about 15 for Hex)."""
    rows = []
    for b, group in points.groupby("bin"):
        group = group[group["bound"] == "exact"]
        levels = sorted(group["level"].unique())
        usable = [lv for lv in levels if group.loc[group["level"] == lv, "log_train"].nunique() > 1]
        group = group[group["level"].isin(usable)]
        if not usable:
            rows.append({"bin": b, "slope": np.nan, "test_per_10x_train": np.nan, "points": 0,
                         "levels": 0})  # fmt: skip
            continue
        design = np.column_stack(
            [group["log_train"].to_numpy()]
            + [(group["level"] == lv).to_numpy(dtype=float) for lv in usable]
        )
        coef, *_ = np.linalg.lstsq(design, group["log_test"].to_numpy(), rcond=None)
        rows.append({"bin": b, "slope": float(coef[0]), "test_per_10x_train": 10 ** -coef[0],
                     "points": len(group), "levels": len(usable)})  # fmt: skip
    return pd.DataFrame(rows)
