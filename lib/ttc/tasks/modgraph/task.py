"""modgraph behind the `Task` interface: a step ends at `<s>`, a solution at `<eos>`; the
answer is a residue graded by exact match, and the exact step checker judges validity.
A revision prompt shows earlier attempts after the question, each closed by `<att>`."""

from __future__ import annotations

from collections.abc import Sequence

from .checker import extract_answer, gold_prefix_labels, is_valid_solution
from .generator import Problem
from .splits import max_solution_tokens
from .tokenizer import ATT, EOS, STEP, build_tokenizer, decode, encode


class ModgraphTask:
    def __init__(self):
        tok = build_tokenizer()
        self.tokenizer = tok
        self.pad_id = tok.pad_token_id
        self.eos_id = tok.eos_token_id
        self.end_ids = (self.eos_id,)
        self.stop_ids = (tok.convert_tokens_to_ids(STEP), self.eos_id)

    def prompt_ids(self, problem: Problem) -> list[int]:
        return encode([problem.prompt_text()])[0]

    def revision_prompt_ids(self, problem: Problem, attempts: Sequence[str]) -> list[int]:
        shown = [a.removesuffix(EOS).strip() + f" {ATT}" for a in attempts]
        return encode([" ".join([problem.prompt_text(), *shown])])[0]

    def max_solution_tokens(self, problem: Problem) -> int:
        return max_solution_tokens(problem)

    def text(self, solution: Sequence[int]) -> str:
        return decode(solution)

    def solution_ids(self, text: str) -> list[int]:
        return encode([text])[0]  # the text holds its `<eos>`

    def finished(self, solution: Sequence[int]) -> bool:
        return bool(solution) and solution[-1] == self.eos_id

    def answer(self, solution: Sequence[int]) -> int | None:
        return extract_answer(decode(solution))

    def is_correct(self, problem: Problem, answer: int | None) -> bool:
        return answer == problem.answer

    def is_valid(self, problem: Problem, solution: Sequence[int]) -> bool:
        return is_valid_solution(problem, decode(solution))

    def prefix_verdicts(
        self, problem: Problem, solution: Sequence[int], n_steps: int
    ) -> list[bool]:
        return gold_prefix_labels(problem, decode(solution), n_steps)
