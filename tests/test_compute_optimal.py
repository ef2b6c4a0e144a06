"""Compute-optimal choice: two-fold cross-validation inside bins, and the budget saving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ttc.compute_optimal import cross_validated_choice, efficiency, question_folds, saving_table


def _outcomes(accuracy, problems, budgets=(4,)) -> pd.DataFrame:
    """Rows (problem, strategy, budget, correct) from accuracy(strategy, problem)."""
    return pd.DataFrame(
        [
            {"problem": q, "strategy": s, "budget": n, "correct": accuracy(s, q)}
            for n in budgets
            for s in ("A", "B")
            for q in problems
        ]
    )


def test_folds_halve_every_bin():
    bins = np.repeat([1, 2, 3], [10, 7, 1])
    folds = question_folds(np.arange(18), bins, seed=0)
    for b, size in ((1, 10), (2, 7)):
        assert abs(2 * (folds[bins == b] == 0).sum() - size) <= 1
    assert not np.array_equal(folds, question_folds(np.arange(18), bins, seed=1))


def test_the_known_best_strategy_of_each_bin_is_chosen():
    bins = pd.Series(np.repeat([1, 2], 20), index=range(40))
    best = {1: "A", 2: "B"}
    outcomes = _outcomes(lambda s, q: float(s == best[bins[q]]), range(40), budgets=(4, 16))
    scored = cross_validated_choice(outcomes, bins, seed=0)
    assert len(scored) == 80 and scored["correct"].eq(1.0).all()
    assert (scored.groupby("bin")["strategy"].agg(set) == pd.Series({1: {"A"}, 2: {"B"}})).all()


def test_a_strategy_best_on_one_fold_only_is_not_credited_on_that_fold():
    bins = pd.Series(1, index=range(20))
    folds = question_folds(np.arange(20), np.ones(20, dtype=int), seed=0)
    # A is perfect on fold 0 and useless on fold 1; B is steady at 0.6
    outcomes = _outcomes(lambda s, q: (1.0 - folds[q]) if s == "A" else 0.6, range(20))
    scored = cross_validated_choice(outcomes, bins, seed=0).set_index("problem")
    on_fold_0 = scored.loc[folds == 0]
    assert (on_fold_0["strategy"] == "B").all() and on_fold_0["correct"].eq(0.6).all()
    on_fold_1 = scored.loc[folds == 1]  # chosen on fold 0, where A looked perfect
    assert (on_fold_1["strategy"] == "A").all() and on_fold_1["correct"].eq(0.0).all()
    assert scored["correct"].mean() == pytest.approx(0.3)


def test_efficiency_recovers_a_known_fourfold_saving():
    budgets = 2 ** np.arange(7)  # 1..64
    baseline = np.log2(budgets) / 10
    optimal = (np.log2(budgets) + 2) / 10  # reaches any accuracy at a quarter of the budget
    table = efficiency(budgets, baseline, budgets, optimal).set_index("budget")
    exact = table[table["bound"] == "exact"]
    assert list(exact.index) == [8, 16, 32, 64]
    assert exact["saving"].to_numpy() == pytest.approx(4.0)
    assert exact.loc[16, "matched_at"] == pytest.approx(4.0)
    # at N <= 4 the optimal curve is already above the target at N = 1: a lower bound
    assert list(table.loc[[1, 2, 4], "bound"]) == ["at least"] * 3
    assert table.loc[4, "saving"] == 4.0
    # interpolation on the log axis between evaluated budgets
    half = efficiency(
        np.array([1, 4]), np.array([0.0, 0.5]), np.array([1, 4]), np.array([0.0, 1.0])
    )
    assert half.loc[1, "matched_at"] == pytest.approx(2.0)
    never = efficiency(budgets, baseline, budgets, np.zeros(7))
    assert never["bound"].iloc[-1] == "not reached" and np.isnan(never["saving"].iloc[-1])
    # a method charged k = 4 extra generations: its curve sits at N + 4
    charged = efficiency(budgets, baseline, budgets + 4, optimal).set_index("budget")
    # the accuracy of N = 64 is reached by the point of N = 16, which costs 20
    assert charged.loc[64, "matched_at"] == pytest.approx(20.0)
    assert charged.loc[64, "saving"] == pytest.approx(3.2)


def test_a_saving_on_a_plateau_of_the_baseline_is_flagged():
    def table(levels, lifts):
        """Per-question best-of-N at N = 1, 4, 16 (a little spread over questions), and an
        optimal curve lifted by `lifts` at those budgets."""
        rows = [{"problem": q, "budget": n, "correct": acc + 0.01 * (q % 3), "lift": lift}
                for q in range(40)
                for n, acc, lift in zip((1, 4, 16), levels, lifts, strict=True)]  # fmt: skip
        baseline = pd.DataFrame(rows)
        optimal = baseline.assign(correct=baseline["correct"] + baseline["lift"])
        return saving_table(baseline, optimal).set_index("budget")

    # best-of-N flat from 4 to 16, the optimal curve equal to it at 4: it "matches" N = 16 at
    # N = 4 only because best-of-N itself did
    flat = table((0.2, 0.5, 0.5), (0.0, 0.0, 0.05))
    assert flat.loc[16, "saving"] == pytest.approx(4.0) and abs(flat.loc[16, "rise_z"]) < 0.01
    # best-of-N still rising from 4 to 16: the same saving is established
    rising = table((0.2, 0.3, 0.5), (0.0, 0.2, 0.2))
    assert rising.loc[16, "saving"] == pytest.approx(4.0)
    assert rising.loc[16, "rise_z"] > 10
