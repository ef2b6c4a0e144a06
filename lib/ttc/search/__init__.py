"""Search strategies against the PRM: beam, lookahead and DVTS (one routine, step-level, in
lockstep with the PRM), and best-of-N weighted from the sample bank, behind one result type."""

from .best_of_n import best_of_n_from_bank
from .lockstep import Lockstep
from .tree import (
    METHODS,
    Cost,
    SearchResult,
    choose,
    method_arguments,
    split_budget,
    sqrt_width,
    tree_search,
)

__all__ = [
    "METHODS",
    "Cost",
    "Lockstep",
    "SearchResult",
    "best_of_n_from_bank",
    "choose",
    "method_arguments",
    "split_budget",
    "sqrt_width",
    "tree_search",
]
