"""What the pipeline needs from a task, so that one pipeline runs on modgraph and on MATH-style data.

A task turns a problem into prompt token ids and a sampled solution's token ids into an
answer it can grade. A step ends at any of `stop_ids` (end-of-solution tokens included);
once a step has ended, `finished` says whether the solution is complete. Revisions show
earlier attempts as text, so a task also converts solutions to and from text.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import Any, Protocol


class Task(Protocol):
    tokenizer: Any  # saved with models finetuned on the task
    pad_id: int  # fills unused slots; never attended to
    stop_ids: tuple[int, ...]  # a step ends on any of these
    end_ids: Collection[int]  # a solution ends on any of these (sampling whole solutions)

    def prompt_ids(self, problem: Any) -> list[int]: ...

    def revision_prompt_ids(self, problem: Any, attempts: Sequence[str]) -> list[int]:
        """The prompt for a new attempt after earlier ones (texts, oldest first)."""
        ...

    def max_solution_tokens(self, problem: Any) -> int: ...

    def text(self, solution: Sequence[int]) -> str: ...

    def solution_ids(self, text: str) -> list[int]:
        """A solution's text as token ids, ending as a sampled solution ends (a training target)."""
        ...

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

    def prefix_verdicts(
        self, problem: Any, solution: Sequence[int], n_steps: int
    ) -> list[bool] | None:
        """The exact checker's verdict at each of the first `n_steps` step ends (all steps so
        far valid) and at the answer (correct); None where the task has no step checker."""
        ...


def step_ends(task: Task, solution: Sequence[int]) -> list[int]:
    """Indices of the tokens that close a step, up to the one that completes the solution."""
    stops = set(task.stop_ids)
    ends = []
    for j, token in enumerate(solution):
        if token in stops:
            ends.append(j)
            if task.finished(solution[: j + 1]):
                break
    return ends


def complete(task: Task, solution: Sequence[int]) -> tuple[tuple[int, ...], bool]:
    """The solution up to the step that completes it, and whether one does. A model sampled
    without step stops may write on after its answer (a base model starts the next problem)."""
    ends = step_ends(task, solution)
    if ends and task.finished(solution[: ends[-1] + 1]):
        return tuple(solution[: ends[-1] + 1]), True
    return tuple(solution), False
