"""Revision training data (Snell et al. 2024, section 6.1, after Kumar et al. 2024).

From many base-model attempts at a question, each correct attempt becomes a target whose
context holds k ~ U{0..4} incorrect attempts (k capped by how many exist). The last of
them, the one the model sees right before revising, is the incorrect attempt closest to
the target by character edit distance (rapidfuzz's Levenshtein); the others are drawn at
random from the remaining incorrect attempts. Only the target is trained on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

MAX_CONTEXT = 4  # attempts kept in context, in training and in chains alike


@dataclass(frozen=True)
class RevisionExample:
    problem_index: int
    context: tuple[str, ...]  # incorrect attempts, oldest first; the nearest one last
    target: str  # a correct attempt


def revision_examples(
    problem_index: int,
    attempts: Sequence[str],
    correct: Sequence[bool],
    rng: random.Random,
    max_context: int = MAX_CONTEXT,
) -> list[RevisionExample]:
    """One example per correct attempt of one question (attempts without an answer are
    expected to be filtered out beforehand)."""
    wrong = [a for a, ok in zip(attempts, correct, strict=True) if not ok]
    examples = []
    for target, ok in zip(attempts, correct, strict=True):
        if not ok:
            continue
        k = rng.randint(0, min(max_context, len(wrong)))
        context: list[str] = []
        if k:
            nearest = min(range(len(wrong)), key=lambda j: Levenshtein.distance(wrong[j], target))
            others = [w for j, w in enumerate(wrong) if j != nearest]
            context = rng.sample(others, k - 1) + [wrong[nearest]]
        examples.append(RevisionExample(problem_index, tuple(context), target))
    return examples
