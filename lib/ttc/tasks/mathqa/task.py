r"""MATH-style problems behind the `Task` interface, for any Hugging Face tokenizer.

Steps end at a newline. Byte-level BPE tokenizers merge newlines with neighbouring text
(Qwen and Llama 3 have "\n\n", ".\n", " \n" and longer runs as single tokens), and
SentencePiece ones spell it `<0x0A>`, so no single newline id exists: a step ends at
every token whose decoded text contains a newline (special tokens aside). Text after the
newline inside such a token, if any, stays with the step it closes.

A solution ends at an end-of-sequence token, or with the step by which it has boxed an
answer: a base model prompted with plain few-shot text goes on to write the next problem.
Answers are read from the solution up to that point, so a sample drawn without step
stops is graded the same way as a searched one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from .data import MathProblem
from .grading import Answer, boxed_spans, extract_boxed, grade, read_answer
from .prompt import prompt_ids


def newline_ids(tokenizer) -> list[int]:
    """Ids of every token whose text contains a newline, special tokens excluded."""
    special = set(tokenizer.all_special_ids)
    texts = tokenizer.batch_decode([[i] for i in range(len(tokenizer))])
    return [i for i, text in enumerate(texts) if "\n" in text and i not in special]


def through_boxed_line(text: str) -> str:
    """`text` up to the end of the first line by which an answer has been boxed (all of it
    when none has)."""
    spans, i, last = boxed_spans(text), 0, None
    for line_end in (m.start() for m in re.finditer("\n", text)):
        while i < len(spans) and spans[i][0] <= line_end:  # the last box begun by this line
            last, i = spans[i], i + 1
        if last is not None and last[1] is not None and last[1] <= line_end:
            return text[:line_end]
    return text


class MathTask:
    def __init__(
        self,
        tokenizer,
        end_ids: Sequence[int],
        shots: Sequence[MathProblem] = (),
        max_solution_tokens: int = 1024,
    ):
        if not end_ids:
            raise ValueError("end_ids: at least one end-of-sequence token id")
        self.tokenizer = tokenizer
        self.end_ids = frozenset(end_ids)
        self.shots = tuple(shots)
        self.solution_limit = max_solution_tokens
        # padding is never attended to; a tokenizer without a pad token pads with an end id
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else min(self.end_ids)
        eos = tokenizer.eos_token_id
        self.eos_id = eos if eos in self.end_ids else min(self.end_ids)

    @cached_property
    def stop_ids(self) -> tuple[int, ...]:
        return tuple(sorted(set(newline_ids(self.tokenizer)) | self.end_ids))

    def prompt_ids(self, problem: MathProblem) -> list[int]:
        return prompt_ids(self.tokenizer, problem, self.shots)

    def revision_prompt_ids(self, problem: MathProblem, attempts: Sequence[str]) -> list[int]:
        return prompt_ids(self.tokenizer, problem, self.shots, attempts)

    def max_solution_tokens(self, problem: MathProblem) -> int:
        return self.solution_limit

    def text(self, solution: Sequence[int]) -> str:
        return self.tokenizer.decode(list(solution), skip_special_tokens=True)

    def solution_ids(self, text: str) -> list[int]:
        """`text` and the end-of-sequence token, which a sampled solution may lack (it can
        end with its boxed line), so that a model trained on it learns to stop."""
        return self.tokenizer(text, add_special_tokens=False)["input_ids"] + [self.eos_id]

    def finished(self, solution: Sequence[int]) -> bool:
        return solution[-1] in self.end_ids or extract_boxed(self.text(solution)) is not None

    def answer(self, solution: Sequence[int]) -> Answer | None:
        return read_answer(through_boxed_line(self.text(solution)))

    def is_correct(self, problem: MathProblem, answer: Answer | None) -> bool:
        return answer is not None and grade(answer.latex, problem.answer)

    def is_valid(self, problem: MathProblem, solution: Sequence[int]) -> None:
        return None  # no exact step checker for free-form solutions

    def prefix_verdicts(self, problem: MathProblem, solution: Sequence[int], n_steps: int) -> None:
        return None
