"""The sample bank: a fixed number of base-model solutions per test problem.

Best-of-N and majority curves at every budget N, verifier comparisons and difficulty bins
all read random subsets of one bank, so their differences come from the method and not
from resampling. Tokens are stored ragged (one flat array plus offsets) in safetensors;
answers and exact correctness are stored as [problem, sample] matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from .ragged import pack, unpack
from .tasks.modgraph import Problem, encode, extract_answer, max_solution_tokens
from .tasks.modgraph.tokenizer import build_tokenizer
from .verifiers.rollouts import Policy


@dataclass(frozen=True)
class SampleBank:
    tokens: tuple[tuple[int, ...], ...]  # problem-major: sample j of problem i at i * samples + j
    answers: np.ndarray  # [problem, sample] int, -1 where no answer parses
    correct: np.ndarray  # [problem, sample] bool, exact match
    stopped: np.ndarray  # [problem, sample] bool, ended on <eos>
    prompt_tokens: np.ndarray  # [problem]

    @property
    def samples(self) -> int:
        return self.answers.shape[1]

    @property
    def n_generated(self) -> np.ndarray:
        return np.array([len(t) for t in self.tokens]).reshape(self.answers.shape)

    def solutions(self, problem: int) -> tuple[tuple[int, ...], ...]:
        return self.tokens[problem * self.samples : (problem + 1) * self.samples]

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
    problems: Sequence[Problem], tokens: Sequence[Sequence[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """[problem, sample] answers (-1 where none parses) and exact correctness of problem-major
    solutions, the same number for every problem."""
    tok = build_tokenizer()
    parsed = [extract_answer(tok.decode(list(t))) for t in tokens]
    answers = np.array([-1 if a is None else a for a in parsed], dtype=np.int64)
    answers = answers.reshape(len(problems), -1)
    return answers, answers == np.array([p.answer for p in problems])[:, None]


def draw_bank(policy: Policy, problems: Sequence[Problem], samples: int, seed: int) -> SampleBank:
    """`samples` solutions per problem from `policy`, graded exactly."""
    prompts = encode([p.prompt_text() for p in problems])
    gens = policy(prompts, samples, [max_solution_tokens(p) for p in problems], seed)
    gens = sorted(gens, key=lambda g: (g.prompt_index, g.sample_index))
    tokens = tuple(g.tokens for g in gens)
    answers, correct = grade(problems, tokens)
    stopped = np.array([g.stopped for g in gens]).reshape(len(problems), samples)
    return SampleBank(tokens, answers, correct, stopped, np.array([len(p) for p in prompts]))
