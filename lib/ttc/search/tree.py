"""Search against the PRM: beam search, lookahead search, diverse verifier tree search and
particle filtering.

One routine covers all four (Snell et al. 2024, section 5.2; DVTS from Beeching et al. 2024;
particle filtering from Puri et al. 2025). A problem's budget of N rows is split into
`subtrees` independent trees of `size = N / subtrees` rows. Each round, every unfinished row
samples one step; rows that end the solution (or run out of room) leave their tree for the
problem's pool of finished candidates, and the tree's unfinished rows are replaced by as
many survivors: beam search keeps the top `max(1, rows // width)` by PRM score and forks each
to fill the rows; particle filtering resamples them in proportion to their PRM odds
(`ttc.search.particles`). So a tree's finished candidates and unfinished rows always add up
to its size, and every problem ends with exactly N candidates: when no unfinished row is
left, or after `max_rounds` rounds (the paper's 40), when the unfinished ones join the pool
as they are. Each candidate's steps were sampled once per round it lived, so the rows
sampled over all rounds equal the candidates' steps, as for N independent samples.

Beam search is one tree (keep N/M, fork M); DVTS is N/M trees of width M (keep 1, fork M).
With lookahead k, each unfinished row is ranked by the PRM's score after up to k more greedy
steps (a rollout that is then discarded); it is charged N(k + 1) generations, the paper's
count, while its tokens say what the rollouts (which stop at the solution's end) used. The
answer is best-of-N weighted over the pool with last-step PRM scores.

The task (`ttc.tasks.base.Task`) says where steps and solutions end and grades the answers;
the policy is a causal LM or a vLLM engine (`ttc.sampling.vllm_engine`); the PRM is a bare
scalar-head model or any step scorer (`ttc.verifiers.scorers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..models.ladder import non_embedding_parameters
from ..sampling.vllm_engine import VllmEngine
from ..tasks.base import Task
from ..verifiers.scorers import as_scorer
from .lockstep import Lockstep
from .particles import particle_weights, resample
from .result import Cost, SearchResult, choose


def split_budget(budget: int, width: int, subtrees: int) -> tuple[int, int, int]:
    """(rows per tree, prefixes kept per tree, forks per kept prefix) in the first round."""
    if budget < 1 or width < 1 or subtrees < 1 or budget % subtrees:
        raise ValueError(f"budget {budget} must split evenly into {subtrees} subtrees")
    size = budget // subtrees
    keep = max(1, size // width)
    return size, keep, size // keep


def sqrt_width(budget: int) -> int:
    """The paper's M = sqrt(N), as the power of two at or below it."""
    return 2 ** (int(np.log2(budget)) // 2)


def survivors(
    rows: Sequence[int],
    rank: Sequence[float],
    width: int,
    particles: float | None,
    generator: torch.Generator | None,
) -> list[int]:
    """A tree's unfinished `rows` replaced by as many rows (repeats are forks): the top
    `max(1, len(rows) // width)` by `rank`, forked evenly; or, with a particle temperature,
    a multinomial resample in proportion to the particle weights of `rank`."""
    if particles is not None:
        weights = particle_weights(torch.tensor([rank[r] for r in rows]), particles)
        return [rows[i] for i in sorted(resample(weights, len(rows), generator).tolist())]
    keep = max(1, len(rows) // width)
    best = sorted(rows, key=lambda r: -rank[r])[:keep]
    forks = [len(rows) // keep + (j < len(rows) % keep) for j in range(keep)]
    return [r for r, n in zip(best, forks, strict=True) for _ in range(n)]


@torch.inference_mode()
def tree_search(
    policy,
    prm,
    problems: Sequence[Any],
    budget: int,
    width: int,
    *,
    task: Task,
    subtrees: int = 1,
    lookahead: int = 0,
    particles: float | None = None,
    temperature: float = 1.0,
    max_rounds: int = 40,
    step_tokens: int = 16,
    max_rows: int = 4096,
    seed: int = 0,
    fast: bool | None = None,
    progress: bool = True,
) -> list[SearchResult]:
    """Search every problem with a budget of `budget` rows; see the module docstring.
    `particles`: the particle-weight temperature (particle filtering), None for top-k."""
    size, _, _ = split_budget(budget, width, subtrees)
    scorer = as_scorer(prm)
    policy_n = non_embedding_parameters(
        policy.meta_model if isinstance(policy, VllmEngine) else policy
    )
    prm_n = non_embedding_parameters(scorer.model)
    generator = torch.Generator().manual_seed(seed)
    per_batch = max(1, max_rows // budget)
    results: list[SearchResult] = []
    bar = tqdm(total=len(problems), desc=f"search N={budget}", disable=not progress, leave=False)
    for b0 in range(0, len(problems), per_batch):
        batch = problems[b0 : b0 + per_batch]
        pools, costs = _search_batch(
            policy, scorer, task, batch, budget, size, width, lookahead, particles, temperature,
            max_rounds, step_tokens, generator, fast,
        )  # fmt: skip
        for problem, pool, cost in zip(batch, pools, costs, strict=True):
            assert len(pool) == budget, (len(pool), budget)  # the invariant of the rounds
            cost.generations = budget * (lookahead + 1)
            cost.charge_flops(policy_n, prm_n)
            result = choose(problem, pool, task)
            result.cost = cost
            results.append(result)
        bar.update(len(batch))
    bar.close()
    return results


def _verifier_read(length: int, scorer) -> int:
    """Tokens the PRM reads for a new step: the step, and a step-tag PRM's tag after it."""
    return length + (length > 0 and scorer.tag_id is not None)


def _search_batch(
    policy, scorer, task, problems, budget, size, width, lookahead, particles, temperature,
    max_rounds, step_tokens, generator, fast,
):  # fmt: skip
    prompts = [task.prompt_ids(p) for p in problems]
    limits = [task.max_solution_tokens(p) for p in problems]
    state = Lockstep(policy, scorer, task.pad_id, fast)
    state.start(prompts, capacity=8 * step_tokens)
    stop_ids = torch.tensor(task.stop_ids, device=state.device)
    costs = [Cost(prefill_tokens=len(p), verifier_tokens=len(p)) for p in prompts]
    # every row: (problem, tree); every problem starts with `budget` rows forked from its prompt
    owner = [(i, j // size) for i in range(len(problems)) for j in range(budget)]
    state.select(torch.tensor([i for i, _ in owner]))
    solutions: list[list[int]] = [[] for _ in owner]
    pools: list[list[tuple[tuple[int, ...], float]]] = [[] for _ in problems]
    for round_ in range(max_rounds):
        tokens, lengths, stopped = state.extend(
            torch.ones(state.rows, dtype=torch.bool), temperature, stop_ids, step_tokens, generator
        )
        tokens, lengths, stopped = tokens.tolist(), lengths.tolist(), stopped.tolist()
        scores = state.score.tolist()
        last = round_ == max_rounds - 1  # out of rounds: unfinished rows count as they are
        open_by_tree: dict[tuple[int, int], list[int]] = {}
        for r, (i, tree) in enumerate(owner):
            solutions[r] += tokens[r][: lengths[r]]
            costs[i].generated_tokens += lengths[r]
            costs[i].verifier_tokens += _verifier_read(lengths[r], scorer)
            ended_solution = stopped[r] and task.finished(solutions[r])
            if last or ended_solution or not stopped[r] or len(solutions[r]) >= limits[i]:
                pools[i].append((tuple(solutions[r]), scores[r]))
            else:
                open_by_tree.setdefault((i, tree), []).append(r)
        if not open_by_tree:
            break
        rank = list(scores)
        if lookahead:
            open_rows = [r for rows in open_by_tree.values() for r in rows]
            _look_ahead(
                state, task, scorer, open_rows, owner, solutions, costs, rank, lookahead,
                stop_ids, step_tokens,
            )  # fmt: skip
        kept = [
            r for rows in open_by_tree.values()
            for r in survivors(rows, rank, width, particles, generator)
        ]  # fmt: skip
        state.select(torch.tensor(kept))
        owner = [owner[r] for r in kept]
        solutions = [list(solutions[r]) for r in kept]
    return pools, costs


def _look_ahead(
    state, task, scorer, open_rows, owner, solutions, costs, rank, k, stop_ids, step_tokens
) -> None:
    """Rank each open row by the PRM after up to k greedy steps on a fork, then drop the forks."""
    t0, n = state.t, state.rows
    state.select(torch.cat([torch.arange(n), torch.tensor(open_rows)]))
    active = torch.zeros(state.rows, dtype=torch.bool)
    active[n:] = True
    rollouts = [list(solutions[r]) for r in open_rows]
    for _ in range(k):
        tokens, lengths, stopped = state.extend(active, 0.0, stop_ids, step_tokens, None)
        tokens, lengths, stopped = tokens.tolist(), lengths.tolist(), stopped.tolist()
        for f, r in enumerate(open_rows):
            if not active[n + f]:
                continue
            rollouts[f] += tokens[n + f][: lengths[n + f]]
            costs[owner[r][0]].generated_tokens += lengths[n + f]
            costs[owner[r][0]].verifier_tokens += _verifier_read(lengths[n + f], scorer)
            # a rollout ends with the solution
            active[n + f] = stopped[n + f] and not task.finished(rollouts[f])
        if not bool(active.any()):
            break
    for f, r in enumerate(open_rows):
        rank[r] = float(state.score[n + f])
    state.select(torch.arange(n))
    state.rewind(t0)
