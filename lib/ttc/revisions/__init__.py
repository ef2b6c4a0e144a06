"""Sequential revisions: revision data and prompts, chains and their bank, the revision ORM's
items, seq:par budgets, hierarchical selection and the measures of notebook 05."""

from .chains import (
    balanced_split,
    evaluable_splits,
    hierarchical_best_of_n,
    ratio_grid,
    study_splits,
)
from .data import (
    MAX_CONTEXT,
    RevisionExample,
    revision_corpus,
    revision_examples,
    revision_prompt_ids,
)
from .measures import (
    coverage_at_step,
    elimination_coverage,
    flip_rates,
    pass_at_step,
    repeat_rates,
    split_outcomes,
)
from .sampling import ChainBank, draw_chains
from .verifier import attempt_items

__all__ = [
    "MAX_CONTEXT",
    "ChainBank",
    "RevisionExample",
    "attempt_items",
    "balanced_split",
    "coverage_at_step",
    "draw_chains",
    "elimination_coverage",
    "evaluable_splits",
    "flip_rates",
    "repeat_rates",
    "hierarchical_best_of_n",
    "pass_at_step",
    "ratio_grid",
    "revision_corpus",
    "revision_examples",
    "revision_prompt_ids",
    "split_outcomes",
    "study_splits",
]
