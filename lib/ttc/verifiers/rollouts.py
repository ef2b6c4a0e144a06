"""Process labels from Monte Carlo rollouts (Math-Shepherd, as used by Snell et al. 2024).

For each training problem the base policy writes a few solutions; from every step prefix
of every solution it writes several completions, and the prefix's soft label is the share
of completions that reach the correct answer, an estimate of the policy's reward-to-go.
The last label of a solution (at its `<eos>`) is its own exact correctness. Identical
prefixes, frequent on easy problems, are rolled out once. Solutions without a parsable
answer, or cut off before `<eos>`, are dropped, as in the paper.

Steps end where the task says (`ttc.tasks.base.step_ends`; on modgraph at each `<s>`, the
answer step at `<eos>`); those are the positions a verifier reads. Next to each soft label
the task's exact step checker's verdict is kept where it has one (the prefix so far is all
valid steps; at the answer, it is correct), which the notebook uses to judge the labels and,
later, the PRM; without a checker (MATH-style data) the verdicts are empty.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..policy import Policy
from ..tasks.base import Task, complete, step_ends


@dataclass(frozen=True)
class LabelledSolution:
    """One sampled solution with a soft label and a gold verdict at every step end."""

    problem_index: int
    tokens: tuple[int, ...]  # the solution (on modgraph after `<sol>`, `<eos>` included)
    ends: tuple[int, ...]  # indices into `tokens` of the step ends
    values: tuple[float, ...]  # Monte Carlo reward-to-go at each step end (last: exact 0/1)
    gold: tuple[bool, ...]  # exact checker verdict at each step end; empty without a checker

    @property
    def correct(self) -> bool:
        return self.values[-1] == 1.0

    def to_dict(self) -> dict:
        return {
            "problem_index": self.problem_index,
            "tokens": list(self.tokens),
            "ends": list(self.ends),
            "values": list(self.values),
            "gold": list(self.gold),
        }

    @classmethod
    def from_dict(cls, data: dict) -> LabelledSolution:
        return cls(
            data["problem_index"],
            tuple(data["tokens"]),
            tuple(data["ends"]),
            tuple(data["values"]),
            tuple(bool(g) for g in data["gold"]),
        )


def rollout_labels(
    problems: Sequence,
    policy: Policy,
    samples_per_problem: int,
    rollouts_per_step: int,
    seed: int = 0,
    *,
    task: Task,
) -> tuple[list[LabelledSolution], dict]:
    """Sample solutions, roll out every distinct step prefix, and label each step end.

    Returns the labelled solutions and statistics (counts, deduplication, rollout tokens,
    wall time and rollouts per second).
    """
    prompts = [task.prompt_ids(p) for p in problems]
    limits = [task.max_solution_tokens(p) for p in problems]
    t0 = time.perf_counter()
    solutions = policy(prompts, samples_per_problem, limits, seed)
    sampled_s = time.perf_counter() - t0

    kept: list[tuple[int, tuple[int, ...], list[int]]] = []  # (problem, solution, step ends)
    for g in solutions:  # complete, with a parsable answer
        tokens, done = complete(task, g.tokens)
        if done and task.answer(tokens) is not None:
            kept.append((g.prompt_index, tokens, step_ends(task, tokens)))

    # every distinct (problem, prefix up to and including a step end) is rolled out once
    prefix_index: dict[tuple[int, tuple[int, ...]], int] = {}
    for i, tokens, ends in kept:
        for end in ends[:-1]:
            prefix_index.setdefault((i, tokens[: end + 1]), len(prefix_index))
    prefixes = list(prefix_index)
    t1 = time.perf_counter()
    rollouts = policy(
        [prompts[i] + list(prefix) for i, prefix in prefixes],
        rollouts_per_step,
        [max(8, limits[i] - len(prefix)) for i, prefix in prefixes],
        seed + 1,
    )
    rollout_s = time.perf_counter() - t1
    hits = np.zeros(len(prefixes))
    for r in rollouts:
        i = prefixes[r.prompt_index][0]  # the prefix holds no answer: the rollout writes it
        hits[r.prompt_index] += task.is_correct(problems[i], task.answer(r.tokens))
    value = hits / rollouts_per_step

    labelled = []
    for i, tokens, ends in kept:
        problem = problems[i]
        correct = float(task.is_correct(problem, task.answer(tokens)))
        values = [value[prefix_index[(i, tokens[: e + 1])]] for e in ends[:-1]]
        gold = task.prefix_verdicts(problem, tokens, len(ends) - 1)
        labelled.append(
            LabelledSolution(
                i,
                tokens,
                tuple(ends),
                tuple(float(v) for v in values) + (correct,),
                () if gold is None else tuple(gold),
            )
        )
    n_step_prefixes = sum(len(ends) - 1 for _, _, ends in kept)
    stats = {
        "problems": len(problems),
        "samples": len(solutions),
        "dropped_unparsable": len(solutions) - len(kept),
        "step_prefixes": n_step_prefixes,
        "distinct_prefixes": len(prefixes),
        "rollouts": len(rollouts),
        "rollout_tokens": int(sum(r.n_generated for r in rollouts)),
        "sample_tokens": int(sum(g.n_generated for g in solutions)),
        "sampling_s": round(sampled_s, 2),
        "rollout_s": round(rollout_s, 2),
        "rollouts_per_s": round(len(rollouts) / max(rollout_s, 1e-9), 1),
    }
    return labelled, stats
