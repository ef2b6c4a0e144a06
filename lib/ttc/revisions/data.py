"""Revision training data (Snell et al. 2024, section 6.1, after Kumar et al. 2024).

From many base-model attempts at a question, each correct attempt becomes a target whose
context holds k ~ U{0..4} incorrect attempts (k capped by how many exist). The last of
them, the one the model sees right before revising, is the incorrect attempt closest to
the target by character edit distance (rapidfuzz's Levenshtein); the others are drawn at
random from the remaining incorrect attempts. Only the target is trained on.

A revision prompt is the question followed by earlier attempts in the task's format
(`Task.revision_prompt_ids`: on modgraph each closed by `<att>`, on MATH-style data as
"Attempt k:" blocks), keeping only the `MAX_CONTEXT` most recent (the paper's 4), so
chains can run longer than the context the model was trained with.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Levenshtein

from ..ragged import pack
from ..tasks.base import Task

MAX_CONTEXT = 4  # attempts kept in context, in training and in chains alike


def revision_prompt_ids(
    problem, attempts: Sequence[str], task: Task, max_context: int = MAX_CONTEXT
) -> list[int]:
    """The prompt for a new attempt: the question, then the most recent earlier attempts."""
    return task.revision_prompt_ids(problem, list(attempts)[-max_context:] if max_context else [])


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


def revision_corpus(
    examples: Sequence[RevisionExample], problems: Sequence, epochs: int, task: Task
) -> dict[str, np.ndarray]:
    """The examples in the pretraining corpus format (the loss covers the target only),
    repeated `epochs` times (the training loop shuffles)."""
    if not examples:
        raise ValueError("no revision examples: no attempt at these questions was correct")
    prompts = [revision_prompt_ids(problems[e.problem_index], e.context, task) for e in examples]
    targets = [task.solution_ids(e.target) for e in examples]
    seqs = [p + t for p, t in zip(prompts, targets, strict=True)] * epochs
    flat, offsets = pack(seqs, np.int32)
    prompt_lens = np.array([len(p) for p in prompts] * epochs, dtype=np.int64)
    return {"ids": flat, "offsets": offsets, "prompt_lens": prompt_lens}
