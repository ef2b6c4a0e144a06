"""The sample bank: a fixed number of base-model solutions per test problem.

Best-of-N and majority curves at every budget N, verifier comparisons and difficulty bins
all read random subsets of one bank, so their differences come from the method and not
from resampling. Tokens are stored ragged (one flat array plus offsets) in safetensors;
answers and correctness are stored as [problem, sample] matrices of answer ids: a modgraph
residue is its own id, other answers (MATH-style `Answer`s) are numbered per question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from .policy import Policy
from .ragged import pack, unpack
from .tasks.base import Task, complete


@dataclass(frozen=True)
class SampleBank:
    tokens: tuple[tuple[int, ...], ...]  # problem-major: sample j of problem i at i * samples + j
    answers: np.ndarray  # [problem, sample] answer ids, -1 where no answer parses
    correct: np.ndarray  # [problem, sample] bool, graded by the task
    stopped: np.ndarray  # [problem, sample] bool, complete (modgraph: ended on <eos>)
    prompt_tokens: np.ndarray  # [problem]

    @property
    def samples(self) -> int:
        return self.answers.shape[1]

    @property
    def n_generated(self) -> np.ndarray:
        return np.array([len(t) for t in self.tokens]).reshape(self.answers.shape)

    def solutions(self, problem: int) -> tuple[tuple[int, ...], ...]:
        return self.tokens[problem * self.samples : (problem + 1) * self.samples]

    def correct_answers(self) -> list[tuple[int, ...]]:
        """Per problem, the ids of the answers graded correct: a selection is right when it
        picks one of them (on modgraph at most one; math-verify may accept several forms)."""
        return [
            tuple(np.unique(a[c]).tolist()) for a, c in zip(self.answers, self.correct, strict=True)
        ]

    def pass_at_1(self) -> np.ndarray:
        """Per-problem share of correct samples (the oracle difficulty of the paper)."""
        return self.correct.mean(axis=1)

    def save(self, path: Path) -> None:
        tokens, offsets = pack(self.tokens, np.int32)
        save_file(
            {
                "tokens": tokens,
                "offsets": offsets,
                "answers": self.answers.astype(np.int32),
                "correct": self.correct.astype(np.uint8),
                "stopped": self.stopped.astype(np.uint8),
                "prompt_tokens": self.prompt_tokens.astype(np.int64),
            },
            str(path),
        )

    @classmethod
    def load(cls, path: Path) -> SampleBank:
        d = load_file(str(path))
        return cls(
            tuple(tuple(t.tolist()) for t in unpack(d["tokens"], d["offsets"])),
            d["answers"].astype(np.int64),
            d["correct"].astype(bool),
            d["stopped"].astype(bool),
            d["prompt_tokens"],
        )

    @classmethod
    def concatenate(cls, parts: Sequence[SampleBank]) -> SampleBank:
        return cls(
            tuple(t for p in parts for t in p.tokens),
            np.concatenate([p.answers for p in parts]),
            np.concatenate([p.correct for p in parts]),
            np.concatenate([p.stopped for p in parts]),
            np.concatenate([p.prompt_tokens for p in parts]),
        )


def grade(
    problems: Sequence, tokens: Sequence[Sequence[int]], task: Task
) -> tuple[np.ndarray, np.ndarray]:
    """[problem, sample] answer ids (-1 where none parses) and correctness of problem-major
    solutions, the same number for every problem."""
    answers = np.full((len(problems), len(tokens) // len(problems)), -1, dtype=np.int64)
    correct = np.zeros(answers.shape, dtype=bool)
    for i, problem in enumerate(problems):
        ids: dict = {}  # answer -> id, in order of first appearance
        verdicts: dict = {}  # answer -> correct
        for j in range(answers.shape[1]):
            answer = task.answer(tokens[i * answers.shape[1] + j])
            if answer is None:
                continue
            answers[i, j] = answer if isinstance(answer, int) else ids.setdefault(answer, len(ids))
            if answer not in verdicts:
                verdicts[answer] = task.is_correct(problem, answer)
            correct[i, j] = verdicts[answer]
    return answers, correct


def draw_bank(
    policy: Policy, problems: Sequence, samples: int, seed: int, task: Task
) -> SampleBank:
    """`samples` solutions per problem from `policy`, each up to the step that completes it,
    graded by the task."""
    prompts = [task.prompt_ids(p) for p in problems]
    gens = policy(prompts, samples, [task.max_solution_tokens(p) for p in problems], seed)
    gens = sorted(gens, key=lambda g: (g.prompt_index, g.sample_index))
    solutions = [complete(task, g.tokens) for g in gens]
    tokens = tuple(t for t, _ in solutions)
    answers, correct = grade(problems, tokens, task)
    stopped = np.array([done for _, done in solutions]).reshape(len(problems), samples)
    return SampleBank(tokens, answers, correct, stopped, np.array([len(p) for p in prompts]))
