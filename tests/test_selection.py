"""Answer selection: hand-made sets with known winners (ties included), and the vectorised
subset curves against the scalar rules they must reproduce."""

from __future__ import annotations

import numpy as np
import pytest
from ttc.selection import (
    best_of_n,
    best_of_n_weighted,
    majority,
    random_orders,
    select,
    selection_curves,
    subset_accuracy,
)


def test_majority_counts_and_breaks_ties_by_first_appearance():
    assert majority([3, 5, 3, None, 5, 5]) == 5
    assert majority([3, 5, 5, 3]) == 3
    assert majority([5, 3, 3, 5]) == 5
    assert majority([None, None]) is None
    assert majority([]) is None


def test_best_of_n_takes_the_top_score_and_skips_missing_answers():
    assert best_of_n([1, 2, 3], [0.1, 0.9, 0.5]) == 2
    assert best_of_n([1, 2], [0.5, 0.5]) == 1  # tie: the earlier sample
    assert best_of_n([None, 4], [0.99, 0.1]) == 4
    assert best_of_n([None], [1.0]) is None


def test_weighted_sums_scores_per_answer():
    # one confident sample loses to two moderate ones that agree
    assert best_of_n_weighted([1, 2, 2], [0.9, 0.5, 0.5]) == 2
    assert best_of_n([1, 2, 2], [0.9, 0.5, 0.5]) == 1
    assert best_of_n_weighted([1, 2], [0.5, 0.5]) == 1
    assert best_of_n_weighted([7, None, 7], [0.2, 5.0, 0.2]) == 7


def test_select_by_name_checks_its_arguments():
    assert select("majority", [1, 1, 2]) == 1
    assert select("weighted", [1, 2, 2], [0.9, 0.5, 0.5]) == 2
    with pytest.raises(ValueError, match="needs verifier scores"):
        select("best_of_n", [1])
    with pytest.raises(ValueError, match="unknown selection rule"):
        select("vote", [1], [1.0])


def _scalar(rule, answers, scores):
    answers = [None if a < 0 else int(a) for a in answers]
    return select(rule, answers, None if scores is None else list(scores))


@pytest.mark.parametrize("seed", range(5))
def test_subset_accuracy_reproduces_the_scalar_rules(seed):
    rng = np.random.default_rng(seed)
    bank, target = 12, 2
    answers = rng.integers(-1, 4, size=bank)  # few classes and some invalid: many ties
    scores = {"v": rng.integers(0, 3, size=bank) / 2.0}  # coarse scores: tied sums
    ns = [1, 2, 4, 8, 12]
    order = random_orders(bank, 50, rng)
    got = subset_accuracy(answers, target, scores, ns, order)
    for n in ns:
        for rule, name in (("majority", "none"), ("best_of_n", "v"), ("weighted", "v")):
            hits = [
                _scalar(rule, answers[o[:n]], None if rule == "majority" else scores["v"][o[:n]])
                == target
                for o in order
            ]
            assert got[(rule, name, n)] == pytest.approx(np.mean(hits)), (rule, n)


def test_subset_accuracy_matches_combinatorics():
    # bank {1, 1, 2}: one random sample is right with probability 2/3; all three always
    order = random_orders(3, 20000, np.random.default_rng(0))
    got = subset_accuracy(np.array([1, 1, 2]), 1, {}, [1, 3], order)
    assert got[("majority", "none", 1)] == pytest.approx(2 / 3, abs=0.01)
    assert got[("majority", "none", 3)] == 1.0


def test_budget_beyond_the_bank_is_rejected():
    order = random_orders(4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="exceeds the bank"):
        subset_accuracy(np.array([1, 2, 3, 4]), 1, {}, [8], order)


def test_selection_curves_long_format():
    answers = np.array([[1, 1, 2, -1], [3, 3, 3, 3]])
    scores = {"prm": np.array([[0.9, 0.8, 0.1, 0.5], [0.2, 0.2, 0.2, 0.2]])}
    frame = selection_curves(answers, [1, 4], scores, [1, 4], trials=30, progress=False)
    assert set(frame["rule"]) == {"majority", "best_of_n", "weighted"}
    assert len(frame) == 2 * 3 * 2
    full = frame[frame["n"] == 4].set_index(["problem", "rule"])["accuracy"]
    assert full[(0, "weighted")] == 1.0 and full[(0, "majority")] == 1.0
    assert (frame[frame["problem"] == 1]["accuracy"] == 0.0).all()
