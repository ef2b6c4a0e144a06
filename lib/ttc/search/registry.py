"""The search strategies of the study, one registry entry each.

An entry names a strategy, says what runs it (`source`: random subsets of the sample bank
with a selection rule, or the tree routine with its arguments), at which budgets N it runs
(a field of the profile's `search` section) and how it is charged: `charge(N)` generations,
the paper's budget (lookahead: N(k + 1)). Notebook 04's outcomes, notebook 06's
compute-optimal candidates and notebook 07's exchange all iterate `STRATEGIES`, so a new
strategy is one entry here (and, if the tree routine cannot express it, one module beside
`tree.py`) and appears in all three notebooks without editing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import SearchConfig
from .tree import sqrt_width


@dataclass(frozen=True)
class Strategy:
    name: str
    source: str  # "bank" (selection over bank subsets) or "tree" (`tree_search`)
    rule: tuple[str, str] | None = None  # bank: (selection rule, verifier) of `selection`
    width: int | str = 4  # tree: beam width M, or "sqrt" for M = sqrt(N)
    subtrees: int | str = 1  # tree: independent trees, or "N/M" (DVTS)
    lookahead: int = 0  # tree: greedy rollout steps k before ranking
    particles: bool = False  # tree: resample by PRM odds instead of keeping the top
    budgets: str = "budgets"  # the SearchConfig field holding its N values
    candidate: bool = True  # offered to the compute-optimal choice (else a baseline only)

    def charge(self, n: int) -> int:
        """Generations charged at N: N, or N(k + 1) with lookahead."""
        return n * (self.lookahead + 1)

    def ns(self, search: SearchConfig) -> tuple[int, ...]:
        return tuple(getattr(search, self.budgets))

    def arguments(self, n: int, search: SearchConfig) -> dict:
        """`tree_search` keyword arguments at N (tree strategies only)."""
        if self.source != "tree":
            raise ValueError(f"{self.name!r} is drawn from the sample bank, not searched")
        width = sqrt_width(n) if self.width == "sqrt" else self.width
        subtrees = max(1, n // width) if self.subtrees == "N/M" else self.subtrees
        particles = search.particle_temperature if self.particles else None
        return {"width": width, "subtrees": subtrees, "lookahead": self.lookahead,
                "particles": particles}  # fmt: skip


# The paper's configurations (section 5.2), DVTS (Beeching et al. 2024) and particle
# filtering (Puri et al. 2025), after the bank's selection rules.
STRATEGIES = {
    s.name: s
    for s in (
        Strategy("majority", "bank", rule=("majority", "none"), candidate=False),
        Strategy("best-of-N weighted", "bank", rule=("weighted", "prm_last")),
        Strategy("ORM best-of-N weighted", "bank", rule=("weighted", "orm"), candidate=False),
        Strategy("beam M=sqrt(N)", "tree", width="sqrt"),
        Strategy("beam M=4", "tree", width=4),
        Strategy("lookahead k=1 M=sqrt(N)", "tree", width="sqrt", lookahead=1,
                 budgets="lookahead_budgets"),
        Strategy("lookahead k=3 M=sqrt(N)", "tree", width="sqrt", lookahead=3,
                 budgets="lookahead_budgets"),
        Strategy("lookahead k=3 M=4", "tree", width=4, lookahead=3, budgets="lookahead_budgets"),
        Strategy("DVTS M=4", "tree", width=4, subtrees="N/M"),
        Strategy("particle filtering", "tree", width=1, particles=True),
    )
}  # fmt: skip
BANK = [s for s in STRATEGIES.values() if s.source == "bank"]
TREE = [s for s in STRATEGIES.values() if s.source == "tree"]


def strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise ValueError(f"unknown search strategy {name!r}; choose one of {list(STRATEGIES)}")
    return STRATEGIES[name]
