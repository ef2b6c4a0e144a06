"""Search against the PRM: beam search, lookahead search and diverse verifier tree search.

One routine covers all three (Snell et al. 2024, section 5.2; DVTS from Beeching et al.
2024). A problem's budget of N rows is split into `subtrees` independent trees. Each
round, every row samples one step; rows that end the solution (or run out of room) join
the problem's pool of finished candidates; in each tree the unfinished rows are ranked by
the PRM and the top `keep = max(1, size // width)` are each expanded into
`size // keep` rows for the next round. Beam search is one tree (keep N/M, expand M);
DVTS is N/M trees of width M (keep 1, expand M). With lookahead k, each unfinished
candidate is ranked by the PRM's score after k more greedy steps (a rollout that is then
discarded), which costs N(k+1) generations.

Finished beams leave the beam: they are not expanded again, and a problem stops once its
pool holds N candidates, when no unfinished row is left, or after `max_rounds` rounds (the
paper's 40). The answer is best-of-N weighted over the pool with last-step PRM scores.

The task (`ttc.tasks.base.Task`, modgraph by default) says where steps and solutions end and
grades the answers; the PRM is a bare scalar-head model or any step scorer
(`ttc.verifiers.scorers`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..flops import inference_flops
from ..models.ladder import non_embedding_parameters
from ..selection import best_of_n_weighted
from ..tasks.base import Task
from ..verifiers.scorers import as_scorer
from .lockstep import Lockstep


@dataclass
class Cost:
    """What one question's search used. `generations` is the paper's generation budget."""

    generations: int = 0
    generated_tokens: int = 0
    prefill_tokens: int = 0
    verifier_tokens: int = 0
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
    cost: Cost = field(default_factory=Cost)

    @property
    def candidates(self) -> int:
        return len(self.pool)


def choose(problem: Any, pool: Sequence[tuple[tuple[int, ...], float]], task: Task) -> SearchResult:
    """Best-of-N weighted over a pool of (solution tokens, last-step score)."""
    answers = [task.answer(tokens) for tokens, _ in pool]
    answer = best_of_n_weighted(answers, [s for _, s in pool])
    picks = [(s, tokens) for (tokens, s), a in zip(pool, answers, strict=True) if a == answer]
    score, chosen = max(picks, key=lambda x: x[0]) if picks else (0.0, ())
    return SearchResult(
        answer,
        task.is_correct(problem, answer),
        chosen,
        float(score),
        task.is_valid(problem, chosen),
        tuple(pool),
    )


# The paper's configurations (section 5.2), plus DVTS: name -> (width, subtrees, lookahead);
# width "sqrt" is M = sqrt(N), subtrees "N/M" is one tree per M rows.
METHODS = {
    "beam M=sqrt(N)": ("sqrt", 1, 0),
    "beam M=4": (4, 1, 0),
    "lookahead k=1 M=sqrt(N)": ("sqrt", 1, 1),
    "lookahead k=3 M=sqrt(N)": ("sqrt", 1, 3),
    "lookahead k=3 M=4": (4, 1, 3),
    "DVTS M=4": (4, "N/M", 0),
}


def method_arguments(method: str, budget: int) -> dict:
    """`tree_search` keyword arguments of a named configuration at budget N."""
    if method not in METHODS:
        raise ValueError(f"unknown search method {method!r}; choose one of {list(METHODS)}")
    width, subtrees, lookahead = METHODS[method]
    width = sqrt_width(budget) if width == "sqrt" else width
    subtrees = max(1, budget // width) if subtrees == "N/M" else subtrees
    return {"width": width, "subtrees": subtrees, "lookahead": lookahead}


def split_budget(budget: int, width: int, subtrees: int) -> tuple[int, int, int]:
    """(rows per tree, prefixes kept per tree, expansions per kept prefix)."""
    if budget < 1 or width < 1 or subtrees < 1 or budget % subtrees:
        raise ValueError(f"budget {budget} must split evenly into {subtrees} subtrees")
    size = budget // subtrees
    keep = max(1, size // width)
    return size, keep, size // keep


def sqrt_width(budget: int) -> int:
    """The paper's M = sqrt(N), as the power of two at or below it."""
    return 2 ** (int(np.log2(budget)) // 2)


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
    temperature: float = 1.0,
    max_rounds: int = 40,
    step_tokens: int = 16,
    max_rows: int = 4096,
    seed: int = 0,
    fast: bool | None = None,
    progress: bool = True,
) -> list[SearchResult]:
    """Search every problem with a budget of `budget` rows; see the module docstring."""
    size, keep, expand = split_budget(budget, width, subtrees)
    scorer = as_scorer(prm)
    policy_n = non_embedding_parameters(policy)
    prm_n = non_embedding_parameters(scorer.model)
    generator = torch.Generator().manual_seed(seed)
    per_batch = max(1, max_rows // budget)
    results: list[SearchResult] = []
    bar = tqdm(total=len(problems), desc=f"search N={budget}", disable=not progress, leave=False)
    for b0 in range(0, len(problems), per_batch):
        batch = problems[b0 : b0 + per_batch]
        pools, costs = _search_batch(
            policy, scorer, task, batch, budget, size, keep, expand, lookahead, temperature,
            max_rounds, step_tokens, generator, fast,
        )  # fmt: skip
        for problem, pool, cost in zip(batch, pools, costs, strict=True):
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
    policy, scorer, task, problems, budget, size, keep, expand, lookahead, temperature,
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
        finished = []
        for r, (i, _) in enumerate(owner):
            solutions[r] += tokens[r][: lengths[r]]
            costs[i].generated_tokens += lengths[r]
            costs[i].verifier_tokens += _verifier_read(lengths[r], scorer)
            ended_solution = stopped[r] and task.finished(solutions[r])
            finished.append(ended_solution or not stopped[r] or len(solutions[r]) >= limits[i])
        rank = list(scores)
        open_rows = [r for r in range(len(owner)) if not finished[r]]
        if lookahead and open_rows and round_ < max_rounds - 1:
            _look_ahead(
                state, task, scorer, open_rows, owner, solutions, costs, rank, lookahead,
                stop_ids, step_tokens,
            )  # fmt: skip
        survivors = []
        for i in range(len(problems)):
            rows = [r for r, (p, _) in enumerate(owner) if p == i]
            pools[i] += [(tuple(solutions[r]), scores[r]) for r in rows if finished[r]]
            last = round_ == max_rounds - 1
            if last:  # out of rounds: unfinished candidates count as they are (no answer)
                pools[i] += [(tuple(solutions[r]), scores[r]) for r in rows if not finished[r]]
            if last or len(pools[i]) >= budget:
                continue
            by_tree: dict[int, list[int]] = {}
            for r in rows:
                if not finished[r]:
                    by_tree.setdefault(owner[r][1], []).append(r)
            for tree_rows in by_tree.values():
                best = sorted(tree_rows, key=lambda r: -rank[r])[:keep]
                survivors += [r for r in best for _ in range(expand)]
        if not survivors:
            break
        state.select(torch.tensor(survivors))
        owner = [owner[r] for r in survivors]
        solutions = [list(solutions[r]) for r in survivors]
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
