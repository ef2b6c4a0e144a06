"""Search strategies against the PRM: beam, lookahead and DVTS (one routine), step-level in lockstep."""

from .lockstep import Lockstep
from .tree import Cost, SearchResult, choose, split_budget, sqrt_width, tree_search

__all__ = [
    "Cost",
    "Lockstep",
    "SearchResult",
    "choose",
    "split_budget",
    "sqrt_width",
    "tree_search",
]
