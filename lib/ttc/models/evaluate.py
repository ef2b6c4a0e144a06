"""Validation metrics for base models: greedy pass@1 and loss split by token role.

Loss by role is the calibration instrument: pass@1 says that a skill is missing, the
role of the tokens that stay expensive says which one (arithmetic, finding an operand's
value, choosing the next equation, copying the answer).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from ..sampling import sample
from ..tasks.modgraph import (
    ROLES,
    Problem,
    encode,
    is_correct,
    is_valid_solution,
    max_solution_tokens,
    reference_solution,
    solution_roles,
)
from ..tasks.modgraph.tokenizer import build_tokenizer
from .pretrain import token_losses


@torch.inference_mode()
def role_losses(model, problems: Sequence[Problem], batch_size: int = 64) -> dict[str, float]:
    """Mean next-token loss (nats) of the reference solutions, per role of the target token."""
    tok = build_tokenizer()
    device = next(model.parameters()).device
    sums = dict.fromkeys(ROLES, 0.0)
    counts = dict.fromkeys(ROLES, 0)
    for b0 in range(0, len(problems), batch_size):
        chunk = problems[b0 : b0 + batch_size]
        solutions = [reference_solution(p) for p in chunk]
        prompts = encode([p.prompt_text() for p in chunk])
        sols = encode(solutions)
        width = max(len(a) + len(b) for a, b in zip(prompts, sols, strict=True))
        ids = torch.full((len(chunk), width), tok.pad_token_id, dtype=torch.long)
        for r, (a, b) in enumerate(zip(prompts, sols, strict=True)):
            ids[r, : len(a) + len(b)] = torch.tensor(a + b)
        losses = (
            token_losses(model, ids.to(device), (ids != tok.pad_token_id).to(device)).cpu().numpy()
        )
        for r, (p, a, sol) in enumerate(zip(chunk, prompts, solutions, strict=True)):
            roles = solution_roles(sol, p.step_format)
            # the loss at position t predicts token t + 1: solution token j sits at len(a) + j
            row = losses[r, len(a) - 1 : len(a) - 1 + len(roles)]
            for role, value in zip(roles, row, strict=True):
                sums[role] += float(value)
                counts[role] += 1
    return {role: sums[role] / counts[role] for role in ROLES if counts[role]}


def solve(
    model,
    problems: Sequence[Problem],
    n: int = 1,
    temperature: float = 0.0,
    batch_size: int = 64,
    seed: int = 0,
    progress: bool = True,
) -> list[tuple[int, int, str, int]]:
    """`n` whole solutions per problem: (problem index, sample index, text, generated tokens)."""
    tok = build_tokenizer()
    gens = sample(
        model,
        encode([p.prompt_text() for p in problems]),
        n=n,
        temperature=temperature,
        max_new_tokens=[max_solution_tokens(p) for p in problems],
        stop_ids=[tok.eos_token_id],
        pad_id=tok.pad_token_id,
        batch_size=batch_size,
        seed=seed,
        progress=progress,
        desc="greedy pass@1" if temperature == 0 else f"pass@1 at T = {temperature:g}",
    )
    return [
        (g.prompt_index, g.sample_index, tok.decode(list(g.tokens)), g.n_generated) for g in gens
    ]


def greedy_pass_at_1(
    model, problems: Sequence[Problem], batch_size: int = 64, progress: bool = True
) -> pd.DataFrame:
    """One greedy solution per problem, graded by exact match; one row per problem."""
    rows = []
    for i, _, text, n_generated in solve(model, problems, batch_size=batch_size, progress=progress):
        p = problems[i]
        rows.append(
            {
                "level": p.n_ops,
                "n_distract": p.n_distract,
                "correct": is_correct(p, text),
                "n_generated": n_generated,
                "output": text,
            }
        )
    return pd.DataFrame(rows)


def sampled_pass_at_1(
    model,
    problems: Sequence[Problem],
    samples: int,
    batch_size: int = 256,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """`samples` solutions per problem at temperature 1; one row per problem with its success
    rate (answer right), valid rate (every step right) and whether any sample was right."""
    right = np.zeros((len(problems), samples), dtype=bool)
    valid = np.zeros_like(right)
    for i, j, text, _ in solve(model, problems, samples, 1.0, batch_size, seed, progress):
        right[i, j] = is_correct(problems[i], text)
        valid[i, j] = is_valid_solution(problems[i], text)
    return pd.DataFrame(
        {
            "level": [p.n_ops for p in problems],
            "pass_at_1": right.mean(axis=1),
            "valid_at_1": valid.mean(axis=1),
            "coverage": right.any(axis=1),
        }
    )


def checkpoint_means(by_checkpoint: pd.DataFrame) -> pd.Series:
    """Pass@1 averaged over levels (each level weighs the same) per (fraction, checkpoint), in
    training order. `by_checkpoint` has one row per question and checkpoint: columns
    checkpoint, fraction, level, correct."""
    return (
        by_checkpoint.groupby(["fraction", "checkpoint", "level"])["correct"]
        .mean()
        .groupby(["fraction", "checkpoint"])
        .mean()
        .sort_index()
    )


def crossing_checkpoint(by_checkpoint: pd.DataFrame, target: float) -> str:
    """The checkpoint at which training crosses `target` (pass@1 averaged over levels,
    `checkpoint_means`): of the last checkpoint below it and the first at or above it, the one
    nearer the target (the later one on a tie). Within a learning transition consecutive
    checkpoints can differ by a fifth of the questions, so the nearer one, not always the
    later, is the better stand-in for a model at the target. The first checkpoint if it
    already reaches the target; the last if none does."""
    means = checkpoint_means(by_checkpoint)
    values = means.to_numpy()
    reached = np.flatnonzero(values >= target)
    if not len(reached):
        return means.index[-1][1]
    first = int(reached[0])
    if first > 0 and target - values[first - 1] < values[first] - target:
        first -= 1
    return means.index[first][1]


def standard_error(p: float | np.ndarray, n: int | np.ndarray):
    """Binomial standard error of a proportion."""
    return np.sqrt(np.asarray(p) * (1 - np.asarray(p)) / np.maximum(1, n))
