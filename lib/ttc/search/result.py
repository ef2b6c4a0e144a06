"""What every search strategy returns per question: the chosen answer, the pool it was chosen
from, and the compute it used (`Cost`)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..flops import inference_flops
from ..selection import best_of_n, best_of_n_weighted
from ..tasks.base import Task


@dataclass
class Cost:
    """What one question's search used. `generations` is the generation budget it is charged
    (the paper's N, lookahead N(k + 1)); the token counts are what it actually ran."""

    generations: int = 0
    generated_tokens: int = 0  # policy tokens sampled (pruned rows and rollouts included)
    prefill_tokens: int = 0
    verifier_tokens: int = 0  # tokens the PRM read (prompt, steps, step tags)
    flops: float = 0.0

    def charge_flops(self, policy_params: int, prm_params: int) -> None:
        """Inference FLOPs (2ND): the policy over its prefill and generated tokens, the PRM
        over every token it read."""
        self.flops = inference_flops(
            policy_params, self.prefill_tokens + self.generated_tokens
        ) + inference_flops(prm_params, self.verifier_tokens)


@dataclass
class SearchResult:
    answer: Hashable | None
    correct: bool
    chosen: tuple[int, ...]  # the top-scoring candidate giving the chosen answer
    chosen_score: float  # its last-step PRM score
    # the exact checker: a complete, valid solution with the right answer (None: no checker)
    chosen_valid: bool | None
    pool: tuple[tuple[tuple[int, ...], float], ...]  # every finished candidate and its score
    top_correct: bool = False  # the single highest-scoring candidate's answer (best-of-N)
    cost: Cost = field(default_factory=Cost)

    @property
    def candidates(self) -> int:
        return len(self.pool)


def choose(problem: Any, pool: Sequence[tuple[tuple[int, ...], float]], task: Task) -> SearchResult:
    """Best-of-N weighted over a pool of (solution tokens, last-step score); the top candidate's
    answer (plain best-of-N) is reported beside it."""
    answers = [task.answer(tokens) for tokens, _ in pool]
    scores = [s for _, s in pool]
    answer = best_of_n_weighted(answers, scores)
    picks = [(s, tokens) for (tokens, s), a in zip(pool, answers, strict=True) if a == answer]
    score, chosen = max(picks, key=lambda x: x[0]) if picks else (0.0, ())
    return SearchResult(
        answer,
        task.is_correct(problem, answer),
        chosen,
        float(score),
        task.is_valid(problem, chosen),
        tuple(pool),
        top_correct=task.is_correct(problem, best_of_n(answers, scores)),
    )
