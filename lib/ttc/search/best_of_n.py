"""Best-of-N weighted as a search strategy: N samples of the sample bank, chosen by the PRM.

The same interface and cost record as the tree searches. The samples were drawn
independently (one prefill per question, forked), and the verifier scores each sample on
its own, so it re-reads the prompt once per sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..bank import SampleBank
from ..tasks.base import Task
from .result import Cost, SearchResult, choose


def bank_cost(
    n: int, prompt: float, generated: float, scored: bool, policy_params: int, prm_params: int
) -> Cost:
    """The cost of n bank samples of one question with `generated` tokens in all: one prefill,
    and, when a verifier scores them (`scored`), each sample read with its prompt."""
    cost = Cost(
        generations=n,
        generated_tokens=generated,
        prefill_tokens=prompt,
        verifier_tokens=(n * prompt + generated) if scored else 0,
    )
    cost.charge_flops(policy_params, prm_params)
    return cost


def best_of_n_from_bank(
    bank: SampleBank,
    scores: np.ndarray,
    problems: Sequence,
    budget: int,
    policy_params: int,
    prm_params: int,
    seed: int = 0,
    *,
    task: Task,
) -> list[SearchResult]:
    """One random subset of `budget` bank samples per question; `scores` is [question, sample]."""
    if budget > bank.samples:
        raise ValueError(f"budget {budget} exceeds the bank's {bank.samples} samples")
    rng = np.random.default_rng(seed)
    results = []
    for i, problem in enumerate(problems):
        picks = rng.choice(bank.samples, size=budget, replace=False)
        solutions = bank.solutions(i)
        pool = [(solutions[j], float(scores[i, j])) for j in picks]
        generated = sum(len(tokens) for tokens, _ in pool)
        result = choose(problem, pool, task)
        result.cost = bank_cost(
            budget, int(bank.prompt_tokens[i]), generated, True, policy_params, prm_params
        )
        results.append(result)
    return results
