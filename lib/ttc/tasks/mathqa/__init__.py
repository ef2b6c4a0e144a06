"""The mathqa task: MATH-style problems from a local JSONL file, graded by math-verify."""

from .data import MathData, MathDataError, MathProblem, SkippedProblem, load_problems
from .grading import Answer, extract_boxed, grade, parse_answer, read_answer
from .prompt import INSTRUCTION, prompt_ids, solution_steps
from .task import MathTask, newline_ids, through_boxed_line

__all__ = [
    "INSTRUCTION",
    "Answer",
    "MathData",
    "MathDataError",
    "MathProblem",
    "MathTask",
    "SkippedProblem",
    "extract_boxed",
    "grade",
    "load_problems",
    "newline_ids",
    "parse_answer",
    "prompt_ids",
    "read_answer",
    "solution_steps",
    "through_boxed_line",
]
