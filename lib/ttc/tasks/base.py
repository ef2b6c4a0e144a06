"""What the search needs from a task, so that one search runs on modgraph and on MATH-style data.

A task turns a problem into prompt token ids and a sampled solution's token ids into an
answer it can grade. A step ends at any of `stop_ids` (end-of-solution tokens included);
once a step has ended, `finished` says whether the solution is complete.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Protocol


class Task(Protocol):
    pad_id: int  # fills unused slots; never attended to
    stop_ids: tuple[int, ...]  # a step ends on any of these

    def prompt_ids(self, problem: Any) -> list[int]: ...

    def max_solution_tokens(self, problem: Any) -> int: ...

    def finished(self, solution: Sequence[int]) -> bool:
        """Whether a solution whose last step just ended is complete."""
        ...

    def answer(self, solution: Sequence[int]) -> Hashable | None:
        """The final answer (equal answers are votes for the same one); None if none parses."""
        ...

    def is_correct(self, problem: Any, answer: Hashable | None) -> bool: ...

    def is_valid(self, problem: Any, solution: Sequence[int]) -> bool | None:
        """An exact check of the whole solution, steps included; None where the task has none."""
        ...
