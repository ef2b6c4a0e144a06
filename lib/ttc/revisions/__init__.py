"""Sequential revisions: revision data, prompts and chains, seq:par budgets, hierarchical selection."""

from .chains import hierarchical_best_of_n, ratio_grid
from .data import (
    MAX_CONTEXT,
    RevisionExample,
    revision_corpus,
    revision_examples,
    revision_prompt,
)

__all__ = [
    "MAX_CONTEXT",
    "RevisionExample",
    "hierarchical_best_of_n",
    "ratio_grid",
    "revision_corpus",
    "revision_examples",
    "revision_prompt",
]
