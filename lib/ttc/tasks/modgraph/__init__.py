"""The modgraph task: generator, tokenizer, grader, exact step checker, splits."""

from .checker import (
    ROLES,
    check_steps,
    corruptions,
    extract_answer,
    gold_prefix_labels,
    is_correct,
    is_valid_solution,
    parse_solution,
    solution_roles,
)
from .generator import Equation, Problem, generate_problem, problem_from_dict, problem_to_dict
from .splits import Splits, build_corpus, make_splits, max_solution_tokens, reference_solution
from .tokenizer import build_tokenizer, decode, encode

__all__ = [
    "ROLES",
    "Equation",
    "Problem",
    "Splits",
    "build_corpus",
    "build_tokenizer",
    "check_steps",
    "corruptions",
    "decode",
    "encode",
    "extract_answer",
    "generate_problem",
    "gold_prefix_labels",
    "is_correct",
    "is_valid_solution",
    "make_splits",
    "max_solution_tokens",
    "parse_solution",
    "problem_from_dict",
    "problem_to_dict",
    "reference_solution",
    "solution_roles",
]
