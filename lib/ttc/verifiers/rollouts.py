"""Process labels from Monte Carlo rollouts (Math-Shepherd, as used by Snell et al. 2024).

For each training problem the base policy writes a few solutions; from every step prefix
of every solution it writes several completions, and the prefix's soft label is the share
of completions that reach the correct answer, an estimate of the policy's reward-to-go.
The last label of a solution (at its `<eos>`) is its own exact correctness. Identical
prefixes, frequent on easy problems, are rolled out once. Solutions without a parsable
answer, or cut off before `<eos>`, are dropped, as in the paper.

A step ends at each `<s>` token and the answer step at `<eos>`; those are the positions a
verifier reads. Next to each soft label the exact step checker's verdict is kept (the
prefix so far is all valid steps; at `<eos>`, the answer is correct), which the notebook
uses to judge the labels and, later, the PRM.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..sampling import Generation, sample
from ..tasks.modgraph import Problem, check_steps, encode, extract_answer, max_solution_tokens
from ..tasks.modgraph.tokenizer import STEP, build_tokenizer

# (prompts, samples per prompt, max new tokens per prompt, seed) -> generations
Policy = Callable[[list[list[int]], int, list[int], int], list[Generation]]


def model_policy(model, temperature: float, batch_size: int, progress: bool = True) -> Policy:
    """A policy that samples `model` with the task's stop and pad tokens."""
    tok = build_tokenizer()

    def policy(prompts, n, max_new_tokens, seed):
        return sample(
            model,
            prompts,
            n=n,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            stop_ids=[tok.eos_token_id],
            pad_id=tok.pad_token_id,
            batch_size=batch_size,
            seed=seed,
            progress=progress,
            desc=f"sampling x{n}",
        )

    return policy


def step_ends(tokens: Sequence[int]) -> list[int]:
    """Indices of the tokens that close a step: every `<s>`, and a final `<eos>`."""
    tok = build_tokenizer()
    step_id = tok.convert_tokens_to_ids(STEP)
    ends = [j for j, t in enumerate(tokens) if t == step_id]
    if tokens and tokens[-1] == tok.eos_token_id:
        ends.append(len(tokens) - 1)
    return ends


def gold_prefix_labels(problem: Problem, text: str, n_steps: int) -> list[bool]:
    """The exact checker's verdict at each `<s>` (all steps so far valid) and at `<eos>` (correct)."""
    verdicts = check_steps(problem, text)
    gold, ok = [], True
    for k in range(n_steps):
        ok = ok and k < len(verdicts) and verdicts[k].ok
        gold.append(ok)
    gold.append(extract_answer(text) == problem.answer)
    return gold


@dataclass(frozen=True)
class LabelledSolution:
    """One sampled solution with a soft label and a gold verdict at every step end."""

    problem_index: int
    tokens: tuple[int, ...]  # the solution (after `<sol>`), `<eos>` included
    ends: tuple[int, ...]  # indices into `tokens` of the step ends
    values: tuple[float, ...]  # Monte Carlo reward-to-go at each step end (last: exact 0/1)
    gold: tuple[bool, ...]  # exact checker verdict at each step end

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
    problems: Sequence[Problem],
    policy: Policy,
    samples_per_problem: int,
    rollouts_per_step: int,
    seed: int = 0,
) -> tuple[list[LabelledSolution], dict]:
    """Sample solutions, roll out every distinct step prefix, and label each step end.

    Returns the labelled solutions and statistics (counts, deduplication, rollout tokens,
    wall time and rollouts per second).
    """
    tok = build_tokenizer()
    prompts = encode([p.prompt_text() for p in problems])
    limits = [max_solution_tokens(p) for p in problems]
    t0 = time.perf_counter()
    solutions = policy(prompts, samples_per_problem, limits, seed)
    sampled_s = time.perf_counter() - t0

    kept: list[tuple[Generation, list[int]]] = []
    for g in solutions:  # finished with <eos> and a parsable answer
        if g.stopped and extract_answer(tok.decode(list(g.tokens))) is not None:
            kept.append((g, step_ends(g.tokens)))

    # every distinct (problem, prefix up to and including a <s>) is rolled out once
    prefix_index: dict[tuple[int, tuple[int, ...]], int] = {}
    for g, ends in kept:
        for end in ends[:-1]:
            prefix_index.setdefault((g.prompt_index, tuple(g.tokens[: end + 1])), len(prefix_index))
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
        i = prefixes[r.prompt_index][0]
        hits[r.prompt_index] += extract_answer(tok.decode(list(r.tokens))) == problems[i].answer
    value = hits / rollouts_per_step

    labelled = []
    for g, ends in kept:
        problem = problems[g.prompt_index]
        text = tok.decode(list(g.tokens))
        correct = float(extract_answer(text) == problem.answer)
        values = [
            value[prefix_index[(g.prompt_index, tuple(g.tokens[: e + 1]))]] for e in ends[:-1]
        ]
        labelled.append(
            LabelledSolution(
                g.prompt_index,
                g.tokens,
                tuple(ends),
                tuple(float(v) for v in values) + (correct,),
                tuple(gold_prefix_labels(problem, text, len(ends) - 1)),
            )
        )
    n_step_prefixes = sum(len(ends) - 1 for _, ends in kept)
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
