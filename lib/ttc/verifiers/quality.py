"""How good are the labels and the verifiers? Tables against the exact step checker.

The checker is the gold reward: a prefix is valid when all its steps are, an answer step
when the answer is right. A PRM predicts reward-to-go, not validity, so two yardsticks are
used: ranking (AUROC of the score against gold validity, where a good PRM puts invalid
prefixes low) and calibration (the score against the sample's own final correctness, an
unbiased single-rollout estimate of the value the PRM is trained to predict). Without an
exact checker (MATH-style data) the `gold` columns are empty (None).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from ..bank import SampleBank
from ..tasks.base import Task
from .model import aggregate
from .rollouts import LabelledSolution


def label_frame(labelled: Sequence[LabelledSolution], problems: Sequence) -> pd.DataFrame:
    """One row per labelled step end: level, step number, soft label and gold verdict."""
    rows = []
    for sol in labelled:
        level = problems[sol.problem_index].level
        last = len(sol.values) - 1
        golds = sol.gold or (None,) * len(sol.values)
        for k, (value, gold) in enumerate(zip(sol.values, golds, strict=True)):
            rows.append(
                {
                    "problem": sol.problem_index,
                    "level": level,
                    "step": k + 1,
                    "is_answer": k == last,
                    "value": value,
                    "gold": gold,
                }
            )
    return pd.DataFrame(rows)


def answer_scores(
    step_scores: Sequence[np.ndarray], shape: tuple[int, int], how: str
) -> np.ndarray:
    """[problem, sample] answer scores from per-sample step scores (problem-major)."""
    return np.array([aggregate(s, how) for s in step_scores]).reshape(shape)


def bank_step_frame(
    bank: SampleBank,
    problems: Sequence,
    step_scores: dict[str, Sequence[np.ndarray]],
    task: Task,
) -> pd.DataFrame:
    """One row per step end of every bank sample: gold validity, the sample's correctness,
    and each verifier's score there (for a task with an exact step checker)."""
    frames = []
    for i, problem in enumerate(problems):
        for j, tokens in enumerate(bank.solutions(i)):
            flat = i * bank.samples + j
            n_ends = len(next(iter(step_scores.values()))[flat])
            if n_ends == 0:
                continue
            gold = task.prefix_verdicts(problem, tokens, n_ends - 1)
            frames.append(
                {
                    "problem": np.full(n_ends, i),
                    "level": np.full(n_ends, problem.level),
                    "step": np.arange(1, n_ends + 1),
                    "is_answer": np.arange(n_ends) == n_ends - 1,
                    "gold": np.array(gold[:n_ends]),
                    "sample_correct": np.full(n_ends, bank.correct[i, j]),
                    **{name: np.asarray(s[flat]) for name, s in step_scores.items()},
                }
            )
    return pd.concat([pd.DataFrame(f) for f in frames], ignore_index=True)


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Chance that a positive scores above a negative (ties count half); NaN without both classes."""
    labels = np.asarray(labels, dtype=bool)
    pos, neg = np.asarray(scores)[labels], np.asarray(scores)[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))


def calibration(scores: np.ndarray, outcomes: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean score and observed outcome rate in equal-width score bins (a reliability diagram)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(scores, edges) - 1, 0, bins - 1)
    frame = pd.DataFrame({"bin": which, "score": scores, "outcome": np.asarray(outcomes, float)})
    table = frame.groupby("bin").agg(
        score=("score", "mean"), outcome=("outcome", "mean"), n=("outcome", "size")
    )
    return table.reset_index()
