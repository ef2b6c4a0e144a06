"""The revision ORM's items: each attempt of a chain read at its last token.

The paper's verifier for revisions is an ORM trained on the revision model's own outputs
with the chain's earlier attempts in context (Snell et al., section 6.2 and figure 15),
because a verifier trained on base-model samples meets a shifted distribution there.
With `history`, an attempt is shown after the same prompt the revision model wrote it
from; without, after the bare question, which is the ablation of figure 15. Labels are
exact correctness.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..tasks.base import Task
from ..verifiers.model import ScoredSequence
from .data import revision_prompt_ids
from .sampling import ChainBank


def attempt_items(
    problems: Sequence, chains: ChainBank, history: bool, task: Task
) -> list[ScoredSequence]:
    """One item per attempt, in the bank's order, reading the attempt's last token and
    carrying its correctness as the target."""
    n_questions, n_chains, length = chains.shape
    prompts, solutions, targets = [], [], []
    for q in range(n_questions):
        for c in range(n_chains):
            attempts = chains.chain(q, c)
            texts = [task.text(a) for a in attempts]
            for t, attempt in enumerate(attempts):
                shown = texts[:t] if history else []
                prompts.append(revision_prompt_ids(problems[q], shown, task))
                solutions.append(attempt)
                targets.append(float(chains.correct[q, c, t]))
    return [
        ScoredSequence(tuple(p) + tuple(s), (len(p) + len(s) - 1,), (y,))
        for p, s, y in zip(prompts, solutions, targets, strict=True)
    ]
