"""What revision chains achieve: per-step pass@1, flips, coverage against an answer-elimination
control, and accuracy at every seq:par split of a budget.

A chain can improve on parallel sampling merely by not repeating answers it has already
seen. The control makes that visible: parallel samples drawn in random order, skipping any
whose answer was already drawn, so its coverage (any correct answer so far) is what pure
answer elimination buys; revision coverage above it is more than elimination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..selection import majority
from .chains import hierarchical_best_of_n


def pass_at_step(correct: np.ndarray) -> np.ndarray:
    """[question, step]: the share of a question's chains whose attempt at that step is correct,
    from a [question, chain, step] correctness array."""
    return correct.mean(axis=1)


def coverage_at_step(correct: np.ndarray) -> np.ndarray:
    """[question, step]: the share of chains with a correct attempt among the first t."""
    return np.maximum.accumulate(correct, axis=2).mean(axis=1)


def flip_rates(correct: np.ndarray) -> pd.DataFrame:
    """Per revision t -> t + 1 over all chains: how often a correct attempt is followed by an
    incorrect one, and an incorrect one by a correct one (the paper: 38% correct -> incorrect)."""
    before, after = correct[..., :-1], correct[..., 1:]
    right = before.sum(axis=(0, 1))
    wrong = (~before).sum(axis=(0, 1))
    return pd.DataFrame(
        {
            "step": np.arange(2, correct.shape[2] + 1),
            "correct_before": right,
            "correct_to_incorrect": (before & ~after).sum(axis=(0, 1)) / np.maximum(right, 1),
            "incorrect_before": wrong,
            "incorrect_to_correct": (~before & after).sum(axis=(0, 1)) / np.maximum(wrong, 1),
        }
    )


def repeat_rates(answers: np.ndarray, correct: np.ndarray) -> pd.DataFrame:
    """How often attempt t + 1 repeats attempt t's answer, split by whether that answer was
    correct, over all chains and steps ([question, chain, step] arrays; answer -1: none parsed).

    A revision model that can tell a right answer from a wrong one keeps the right ones more
    often than the wrong ones; one that has only ever seen wrong answers in context (the paper's
    training data) learns to move away from whatever it is shown, right or wrong."""
    before, after = answers[..., :-1], answers[..., 1:]
    parsed = before >= 0
    same = (before == after) & parsed
    rows = []
    for label, mask in (("correct", correct[..., :-1]), ("incorrect", ~correct[..., :-1] & parsed)):
        rows.append(
            {
                "previous attempt": label,
                "attempts": int(mask.sum()),
                "repeats its answer": float(same[mask].mean()) if mask.any() else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def elimination_coverage(
    answers: np.ndarray, correct: np.ndarray, length: int, trials: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """[question, step] coverage of parallel samples, plain and skipping answers already drawn,
    from a [question, sample] bank (answer -1: none parsed, never counts as drawn)."""
    if answers.shape[1] < length:
        raise ValueError(f"the bank has {answers.shape[1]} samples per question, {length} needed")
    rng = np.random.default_rng(seed)
    plain = np.zeros((answers.shape[0], length))
    eliminating = np.zeros_like(plain)
    for q in range(answers.shape[0]):
        for _ in range(trials):
            order = rng.permutation(answers.shape[1])
            seen: set[int] = set()
            fresh, repeats = [], []
            for i in order:
                a = int(answers[q, i])
                (repeats if a in seen else fresh).append(i)
                if a >= 0:
                    seen.add(a)
            picks = (fresh + repeats)[:length]  # repeats only once every answer was drawn
            plain[q] += np.maximum.accumulate(correct[q, order[:length]])
            eliminating[q] += np.maximum.accumulate(correct[q, picks])
    return plain / trials, eliminating / trials


def split_outcomes(
    answers: np.ndarray,
    scores: Mapping[str, np.ndarray],
    targets: Sequence[Sequence[int]],
    splits: Sequence[tuple[int, int]],
    trials: int,
    seed: int,
    progress: bool = True,
) -> pd.DataFrame:
    """Accuracy per question of every (s, p) split: p random chains of the bank, each up to
    attempt s, answered by majority over all attempts and by hierarchical best-of-N weighted
    under each verifier in `scores` (all [question, chain, step]; `targets` holds each
    question's correct answer ids); averaged over `trials` random choices of chains. One row
    per (problem, s, p, rule)."""
    rng = np.random.default_rng(seed)
    n_questions, n_chains, _ = answers.shape
    rows = []
    for q in tqdm(range(n_questions), desc="seq:par splits", disable=not progress, leave=False):
        shown = [[None if a < 0 else int(a) for a in chain] for chain in answers[q]]
        chain_scores = {name: s[q].tolist() for name, s in scores.items()}
        right = set(targets[q])
        for s, p in splits:
            hits = dict.fromkeys(["majority", *scores], 0)
            for _ in range(trials):
                picked = rng.permutation(n_chains)[:p]
                chains = [shown[c][:s] for c in picked]
                hits["majority"] += majority([a for chain in chains for a in chain]) in right
                for name, sc in chain_scores.items():
                    chosen = hierarchical_best_of_n(chains, [sc[c][:s] for c in picked])
                    hits[name] += chosen in right
            rows += [
                {
                    "problem": q,
                    "s": s,
                    "p": p,
                    "budget": s * p,
                    "rule": rule,
                    "accuracy": h / trials,
                }
                for rule, h in hits.items()
            ]
    return pd.DataFrame(rows)
