"""Compute-optimal test-time scaling: the best strategy per difficulty bin and budget.

Snell et al. (2024, section 3.2 and appendix C) pick, for each difficulty bin and budget,
the strategy with the best accuracy, and score that choice with two-fold cross-validation
inside the bin: choose on one half of the bin's questions, evaluate on the other, swap.
Each question is therefore scored by a strategy chosen without it, so a strategy that is
best on one half only by luck is not credited there.

`efficiency` then asks how much budget compute-optimal needs to match a baseline: for each
budget N, the smallest budget at which the compute-optimal curve reaches the baseline's
accuracy at N, interpolated on the log-budget axis (the paper's "up to 4x").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FOLDS = 2


def question_folds(problems: np.ndarray, bins: np.ndarray, seed: int) -> np.ndarray:
    """Fold 0 or 1 per question, halving every bin (sizes differ by at most one)."""
    rng = np.random.default_rng(seed)
    folds = np.empty(len(problems), dtype=int)
    for b in np.unique(bins):
        members = np.flatnonzero(bins == b)
        folds[rng.permutation(members)] = np.arange(len(members)) % FOLDS
    return folds


def cross_validated_choice(outcomes: pd.DataFrame, bins: pd.Series, seed: int) -> pd.DataFrame:
    """Per question and budget, the accuracy of the strategy chosen on the other fold of its bin.

    `outcomes` has one row per (problem, strategy, budget) with `correct` (an accuracy in
    [0, 1]); `bins` maps problem -> difficulty bin. Returns rows (problem, bin, fold, budget,
    strategy, correct), `strategy` being the one chosen on the other fold; ties go to the
    strategy listed first in `outcomes`.
    """
    problems = np.array(sorted(bins.index))
    folds = pd.Series(question_folds(problems, bins.loc[problems].to_numpy(), seed), problems)
    data = outcomes.assign(bin=bins.loc[outcomes["problem"]].to_numpy(),
                           fold=folds.loc[outcomes["problem"]].to_numpy())  # fmt: skip
    order = list(dict.fromkeys(outcomes["strategy"]))
    means = data.groupby(["bin", "budget", "fold", "strategy"], sort=False)["correct"].mean()
    chosen = []
    for (b, budget, fold), by_strategy in means.groupby(level=[0, 1, 2], sort=False):
        scores = by_strategy.droplevel([0, 1, 2]).reindex(order).dropna()
        chosen.append({"bin": b, "budget": budget, "fold": 1 - fold,
                       "strategy": scores.index[int(np.argmax(scores.to_numpy()))]})  # fmt: skip
    picks = pd.DataFrame(chosen)
    scored = data.merge(picks, on=["bin", "budget", "fold", "strategy"])
    return scored[["problem", "bin", "fold", "budget", "strategy", "correct"]].sort_values(
        ["budget", "problem"], ignore_index=True
    )


def first_crossing(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, str]:
    """Where a curve y(x), x increasing, first reaches `level`: linear between points.

    Returns (x, "exact"); (x[0], "at least") when y[0] already reaches it, so only an upper
    bound on the crossing is known; (nan, "not reached") when it never does.
    """
    above = np.flatnonzero(np.asarray(y) >= level)
    if not len(above):
        return float("nan"), "not reached"
    j = above[0]
    if j == 0:
        return float(x[0]), "at least"
    t = (level - y[j - 1]) / (y[j] - y[j - 1])
    return float(x[j - 1] + t * (x[j] - x[j - 1])), "exact"


def efficiency(
    budgets: np.ndarray,
    baseline: np.ndarray,
    optimal_budgets: np.ndarray,
    optimal: np.ndarray,
) -> pd.DataFrame:
    """For each baseline budget N: the budget at which the `optimal` curve first reaches the
    baseline's accuracy at N (linear in log2 budget between its evaluated budgets), and the
    saving N / that budget. The curves may be evaluated at different budgets (a method that
    pays for a difficulty estimate sits at N + k).

    Where `optimal` already reaches it at its smallest budget, the saving is only known to
    be at least N / smallest (`bound` = "at least"); where it never does, there is no saving
    to report (`bound` = "not reached").
    """
    order = np.argsort(optimal_budgets)
    x = np.log2(np.asarray(optimal_budgets, dtype=float)[order])
    opt = np.asarray(optimal, dtype=float)[order]
    rows = []
    for n, target in sorted(zip(budgets, baseline, strict=True)):
        log_matched, bound = first_crossing(x, opt, target)
        matched = 2**log_matched
        rows.append({"budget": n, "baseline": target, "matched_at": matched,
                     "saving": n / matched, "bound": bound})  # fmt: skip
    return pd.DataFrame(rows)


def saving_table(
    baseline: pd.DataFrame, optimal: pd.DataFrame, by: str | None = None, charge: int = 0
) -> pd.DataFrame:
    """`efficiency` of two per-question outcome tables (problem, budget, correct), overall or
    per value of column `by`; the optimal curve is placed at budget + `charge`.

    A saving is only meaningful where the baseline itself still gains between the matched
    budget and N; on a plateau any curve "matches" it early. `rise_z` is the baseline's
    paired gain from the matched budget (each question's curve interpolated on the log
    axis, as the crossing is) up to N, in standard errors over questions.
    """
    groups = [(None, baseline, optimal)] if by is None else [
        (g, baseline[baseline[by] == g], optimal[optimal[by] == g])
        for g in sorted(baseline[by].unique())
    ]  # fmt: skip
    frames = []
    for g, base, opt in groups:
        per_question = base.pivot_table(index="problem", columns="budget", values="correct")
        b = per_question.mean()
        o = opt.groupby("budget")["correct"].mean()
        table = efficiency(b.index.to_numpy(), b.to_numpy(), o.index.to_numpy() + charge,
                           o.to_numpy())  # fmt: skip
        table["rise_z"] = [_rise_z(per_question, n, m) for n, m in
                           zip(table["budget"], table["matched_at"], strict=True)]  # fmt: skip
        frames.append(table if by is None else table.assign(**{by: g}))
    return pd.concat(frames, ignore_index=True)


def _rise_z(per_question: pd.DataFrame, budget: float, matched: float) -> float:
    if not np.isfinite(matched) or matched >= budget:
        return float("nan")
    log_budgets = np.log2(per_question.columns.to_numpy(dtype=float))
    at_match = np.array([np.interp(np.log2(matched), log_budgets, row)
                         for row in per_question.to_numpy()])  # fmt: skip
    gain = per_question[budget].to_numpy() - at_match
    return float(gain.mean() / max(gain.std(ddof=1) / np.sqrt(len(gain)), 1e-12))
