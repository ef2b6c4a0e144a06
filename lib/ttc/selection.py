"""Choosing one final answer from a set of samples: majority, best-of-N, best-of-N weighted.

A sample whose answer is `None` (nothing parsable) never wins. Ties go to the answer that
appears first in the sample order, so a selection is a deterministic function of its
input, and over random sample orders a tie is broken at random.

`subset_accuracy` evaluates all three rules at every budget N from random subsets of one
sample bank, vectorised over subsets; it reproduces the scalar rules exactly (tested), and
`selection_curves` applies it to every question of a bank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

RULES = ("majority", "best_of_n", "weighted")


def _vote(answers: Sequence[int | None], weights: Sequence[float]) -> int | None:
    totals: dict[int, float] = {}  # insertion order = order of first appearance
    for answer, weight in zip(answers, weights, strict=True):
        if answer is not None:
            totals[answer] = totals.get(answer, 0.0) + float(weight)
    best = None
    for answer, total in totals.items():
        if best is None or total > totals[best]:
            best = answer
    return best


def majority(answers: Sequence[int | None]) -> int | None:
    """The most frequent answer."""
    return _vote(answers, [1.0] * len(answers))


def best_of_n_weighted(answers: Sequence[int | None], scores: Sequence[float]) -> int | None:
    """The answer with the largest sum of verifier scores over the samples that give it (Li et al. 2023)."""
    return _vote(answers, scores)


def best_of_n(answers: Sequence[int | None], scores: Sequence[float]) -> int | None:
    """The answer of the single highest-scoring sample."""
    best = None
    for i, (answer, score) in enumerate(zip(answers, scores, strict=True)):
        if answer is not None and (best is None or score > scores[best]):
            best = i
    return None if best is None else answers[best]


def select(rule: str, answers: Sequence[int | None], scores: Sequence[float] | None = None):
    """One of `RULES` by name; `scores` is ignored by majority."""
    if rule == "majority":
        return majority(answers)
    if scores is None:
        raise ValueError(f"rule {rule!r} needs verifier scores")
    if rule == "best_of_n":
        return best_of_n(answers, scores)
    if rule == "weighted":
        return best_of_n_weighted(answers, scores)
    raise ValueError(f"unknown selection rule {rule!r}; choose one of {RULES}")


def random_orders(bank: int, trials: int, rng: np.random.Generator) -> np.ndarray:
    """[trials, bank]: each row a random order of the bank; budget N reads its first N entries."""
    return rng.permuted(np.tile(np.arange(bank), (trials, 1)), axis=1)


def subset_accuracy(
    answers: np.ndarray,
    target: int | Sequence[int],
    scores: Mapping[str, np.ndarray],
    ns: Sequence[int],
    order: np.ndarray,
) -> dict[tuple[str, str, int], float]:
    """Expected accuracy of every rule at every budget N for one question.

    `answers` holds the bank's answer ids (-1 where none parsed), `target` the correct answer
    or the ids of every answer graded correct (`SampleBank.correct_answers`), `scores` one score array per
    verifier, `order` the random orders from `random_orders`; budget N selects from the
    first N samples of each order (a subset without replacement). Returns
    {(rule, verifier, N): mean accuracy over orders}, with verifier "none" for majority.
    """
    answers = np.asarray(answers)
    trials, bank = order.shape
    if max(ns) > bank:
        raise ValueError(f"budget {max(ns)} exceeds the bank's {bank} samples")
    # compact answer classes; invalid samples get no class
    classes, inverse = np.unique(answers, return_inverse=True)
    valid_class = classes >= 0
    cls = inverse[order]  # (trials, bank)
    valid = valid_class[cls]
    onehot = np.zeros((trials, bank, len(classes)))
    np.put_along_axis(onehot, cls[..., None], 1.0, axis=2)
    onehot[~valid] = 0.0
    # position of each class's first appearance in each trial (bank if absent): the tie-break
    positions = np.where(onehot > 0, np.arange(bank)[None, :, None], bank)
    first = positions.min(axis=1)  # (trials, classes)
    correct_class = np.isin(classes, target)

    def vote(weights: np.ndarray) -> dict[int, float]:
        cum = np.cumsum(onehot * weights[order][..., None], axis=1)
        out = {}
        for n in ns:
            totals = np.where(first < n, cum[:, n - 1, :], -np.inf)
            best = totals.max(axis=1, keepdims=True)
            tied = (totals == best) & np.isfinite(best)
            winner = np.where(tied, first, bank + 1).argmin(axis=1)
            out[n] = float((np.isfinite(best[:, 0]) & correct_class[winner]).mean())
        return out

    result = {("majority", "none", n): acc for n, acc in vote(np.ones(bank)).items()}
    for name, score in scores.items():
        score = np.asarray(score, dtype=float)
        for n, acc in vote(score).items():
            result[("weighted", name, n)] = acc
        ranked = np.where(valid, score[order], -np.inf)
        for n in ns:
            pick = ranked[:, :n].argmax(axis=1)  # first maximum = earliest sample
            ok = np.isfinite(ranked[np.arange(trials), pick])
            chosen = answers[order[np.arange(trials), pick]]
            result[("best_of_n", name, n)] = float((ok & np.isin(chosen, target)).mean())
    return result


def selection_curves(
    answers: np.ndarray,
    targets: Sequence[int | Sequence[int]],
    scores: Mapping[str, np.ndarray],
    ns: Sequence[int],
    trials: int,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Accuracy of every rule and verifier at every budget, per question of a bank.

    `answers` and each `scores[name]` are [problem, sample] arrays. One row per
    (problem, rule, verifier, n); `accuracy` is the mean over `trials` random subsets.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in tqdm(range(len(answers)), desc="selection curves", disable=not progress, leave=False):
        order = random_orders(answers.shape[1], trials, rng)
        acc = subset_accuracy(
            answers[i], targets[i], {k: v[i] for k, v in scores.items()}, ns, order
        )
        rows += [
            {"problem": i, "rule": rule, "verifier": name, "n": n, "accuracy": value}
            for (rule, name, n), value in acc.items()
        ]
    return pd.DataFrame(rows)
