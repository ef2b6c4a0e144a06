"""Revision chains: each attempt is written after the chain's most recent earlier attempts.

All chains of all questions advance together, one attempt per round, so each round is one
batched call of the policy over distinct prompts (question plus that chain's history,
`revision_prompt_ids`). Attempts that stop without an answer stay in the chain as written,
as they would in deployment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file
from tqdm.auto import tqdm

from ..bank import SampleBank, grade
from ..policy import Policy
from ..tasks.base import Task, complete
from .data import revision_prompt_ids


@dataclass(frozen=True)
class ChainBank:
    """Attempt t of chain c of question q is sample c * length + t of `attempts`."""

    attempts: SampleBank
    length: int
    context_tokens: np.ndarray  # [question, chain, step] prompt tokens each attempt was read after

    @property
    def shape(self) -> tuple[int, int, int]:
        """(questions, chains, length)."""
        return self.context_tokens.shape

    @property
    def answers(self) -> np.ndarray:
        """[question, chain, step], -1 where no answer parses."""
        return self.attempts.answers.reshape(self.shape)

    @property
    def correct(self) -> np.ndarray:
        return self.attempts.correct.reshape(self.shape)

    def chain(self, question: int, chain: int) -> tuple[tuple[int, ...], ...]:
        """The token ids of one chain's attempts, in order."""
        start = chain * self.length
        return self.attempts.solutions(question)[start : start + self.length]

    def save(self, path: Path) -> None:
        """Into directory `path` (created)."""
        path.mkdir(parents=True, exist_ok=True)
        self.attempts.save(path / "attempts.safetensors")
        save_file(
            {"context_tokens": self.context_tokens.astype(np.int64)},
            str(path / "chains.safetensors"),
        )

    @classmethod
    def load(cls, path: Path) -> ChainBank:
        context = load_file(str(path / "chains.safetensors"))["context_tokens"]
        return cls(SampleBank.load(path / "attempts.safetensors"), context.shape[2], context)

    @classmethod
    def concatenate(cls, parts: Sequence[ChainBank]) -> ChainBank:
        return cls(
            SampleBank.concatenate([p.attempts for p in parts]),
            parts[0].length,
            np.concatenate([p.context_tokens for p in parts]),
        )


def draw_chains(
    policy: Policy,
    problems: Sequence,
    chains: int,
    length: int,
    seed: int,
    progress: bool = True,
    *,
    task: Task,
) -> ChainBank:
    """`chains` revision chains of `length` attempts for every problem."""
    rows = [(q, c) for q in range(len(problems)) for c in range(chains)]
    history: list[list[str]] = [[] for _ in rows]
    tokens: list[list[tuple[int, ...]]] = [[] for _ in rows]
    stopped = np.zeros((len(problems), chains, length), dtype=bool)
    context = np.zeros((len(problems), chains, length), dtype=np.int64)
    limits = [task.max_solution_tokens(problems[q]) for q, _ in rows]
    for t in tqdm(range(length), desc="revision chains", disable=not progress, leave=False):
        prompts = [
            revision_prompt_ids(problems[q], history[r], task) for r, (q, _) in enumerate(rows)
        ]
        for g in policy(prompts, 1, limits, seed + t):
            q, c = rows[g.prompt_index]
            attempt, stopped[q, c, t] = complete(task, g.tokens)
            tokens[g.prompt_index].append(attempt)
            history[g.prompt_index].append(task.text(attempt))
            context[q, c, t] = len(prompts[g.prompt_index])
    flat = tuple(t for attempts in tokens for t in attempts)  # question, chain, step order
    answers, correct = grade(problems, flat, task)
    prompt_tokens = np.array([len(task.prompt_ids(p)) for p in problems])
    bank = SampleBank(flat, answers, correct, stopped.reshape(len(problems), -1), prompt_tokens)
    return ChainBank(bank, length, context)
