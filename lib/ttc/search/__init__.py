"""Search strategies against the PRM: beam, lookahead, DVTS and particle filtering (one
routine, step-level, in lockstep with the PRM), and best-of-N weighted from the sample bank,
behind one result type and one registry (`STRATEGIES`)."""

from .best_of_n import bank_cost, best_of_n_from_bank
from .lockstep import Lockstep
from .particles import particle_weights, resample
from .registry import BANK, STRATEGIES, TREE, Strategy, strategy
from .result import Cost, SearchResult, choose
from .tree import split_budget, sqrt_width, survivors, tree_search

__all__ = [
    "BANK",
    "STRATEGIES",
    "TREE",
    "Cost",
    "Lockstep",
    "SearchResult",
    "Strategy",
    "bank_cost",
    "best_of_n_from_bank",
    "choose",
    "particle_weights",
    "resample",
    "split_budget",
    "sqrt_width",
    "strategy",
    "survivors",
    "tree_search",
]
