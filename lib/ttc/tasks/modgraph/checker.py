"""Parsing, grading and the exact step checker for modgraph solutions.

The grader is exact match on the single answer token. The step checker is the study's
"gold reward": it is used for analysis (over-optimisation, PRM quality), never inside a
method. Output that does not parse is graded incorrect, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import chain
from .generator import OPS, Problem
from .tokenizer import ANS, EOS, STEP

# verbose step: T = A op B = a op b = r ; terse step: T = r
VERBOSE_LEN, TERSE_LEN = 11, 3


@dataclass(frozen=True)
class ParsedSolution:
    steps: tuple[tuple[str, ...], ...]  # tokens of each step, without the closing <s>
    answer: int | None  # None when no parsable answer
    complete: bool  # ended with `<ans> k <eos>` and nothing after it


def parse_solution(text: str) -> ParsedSolution:
    """Split generated text (everything after `<sol>`) into steps and the final answer."""
    tokens = text.split()
    steps: list[tuple[str, ...]] = []
    current: list[str] = []
    answer, complete = None, False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == STEP:
            steps.append(tuple(current))
            current = []
        elif tok == ANS:
            if current:
                steps.append(tuple(current))
                current = []
            value = tokens[i + 1] if i + 1 < len(tokens) else None
            answer = int(value) if value is not None and value.isdecimal() else None
            complete = answer is not None and tokens[i + 2 :] == [EOS]
            break
        elif tok == EOS:
            break
        else:
            current.append(tok)
        i += 1
    if current:
        steps.append(tuple(current))
    return ParsedSolution(tuple(steps), answer, complete)


def extract_answer(text: str) -> int | None:
    return parse_solution(text).answer


def is_correct(problem: Problem, text: str) -> bool:
    """Exact match of the final answer; unparsable output is simply wrong."""
    return extract_answer(text) == problem.answer


def is_valid_solution(problem: Problem, text: str) -> bool:
    """Gold correctness of the whole solution: every step valid, the query computed by a step,
    and the right answer (a right answer without the work is a lucky guess)."""
    parsed = parse_solution(text)
    steps = parsed.steps
    return (
        parsed.complete
        and parsed.answer == problem.answer
        and any(step and step[0] == problem.query for step in steps)
        and all(v.ok for v in check_steps(problem, text))
    )


@dataclass(frozen=True)
class StepVerdict:
    ok: bool
    reason: str  # "ok" or the first violated condition


def check_steps(problem: Problem, text: str) -> list[StepVerdict]:
    """Exact verdict for each step: definition, operand values, arithmetic,
    operands computed earlier, and the target needed by the query."""
    parsed = parse_solution(text)
    computed: set[str] = set()
    verdicts = []
    for step in parsed.steps:
        verdict = _check_step(problem, step, computed)
        verdicts.append(verdict)
        if len(step) >= 1:
            computed.add(step[0])
    return verdicts


def gold_prefix_labels(problem: Problem, text: str, n_steps: int) -> list[bool]:
    """The exact checker's verdict at each `<s>` (all steps so far valid) and at `<eos>` (correct)."""
    verdicts = check_steps(problem, text)
    gold, ok = [], True
    for k in range(n_steps):
        ok = ok and k < len(verdicts) and verdicts[k].ok
        gold.append(ok)
    gold.append(extract_answer(text) == problem.answer)
    return gold


def _check_step(problem: Problem, step: tuple[str, ...], computed: set[str]) -> StepVerdict:
    if problem.step_format == "chain":
        reason = chain.check_step(problem, step, computed)
        return StepVerdict(reason == "ok", reason)
    terse = problem.step_format == "terse"
    if len(step) != (TERSE_LEN if terse else VERBOSE_LEN) or step[1] != "=":
        return StepVerdict(False, "malformed")
    target = step[0]
    eq = problem.definitions.get(target)
    if eq is None or eq.is_leaf:
        return StepVerdict(False, "unknown target" if eq is None else "leaf restated")
    if target in computed:  # like an unnecessary step: work the solution did not need
        return StepVerdict(False, "repeated step")
    if not all(o in computed or problem.definitions[o].is_leaf for o in (eq.left, eq.right)):
        return StepVerdict(False, "operand not yet computed")
    if not step[-1].isdecimal():
        return StepVerdict(False, "malformed")
    result = int(step[-1])
    if not terse:
        _, _, left, op, right, eq2, a, op2, b, eq3, _ = step
        if eq2 != "=" or eq3 != "=" or op2 != op:
            return StepVerdict(False, "malformed")
        if (left, op, right) != (eq.left, eq.op, eq.right):
            return StepVerdict(False, "wrong definition")
        if not (a.isdecimal() and b.isdecimal()) or (int(a), int(b)) != (
            problem.values[left],
            problem.values[right],
        ):
            return StepVerdict(False, "wrong operand value")
        if OPS[op](int(a), int(b), problem.modulus) != result:
            return StepVerdict(False, "wrong arithmetic")
    elif result != problem.values[target]:
        return StepVerdict(False, "wrong result")
    if target not in problem.necessary:
        return StepVerdict(False, "unnecessary step")
    return StepVerdict(True, "ok")


# Roles of target tokens, for the validation loss split by skill (notebook 02).
ROLES = (
    "step_variable",
    "operand_names",
    "operator",
    "operand_values",
    "previous",  # chain: the previous step's result
    "operand",  # chain: the constant of the step's prompt entry
    "result",
    "answer",
    "structure",
)
_VERBOSE_ROLES = (
    "step_variable",
    "structure",
    "operand_names",
    "operator",
    "operand_names",
    "structure",
    "operand_values",
    "operator",
    "operand_values",
    "structure",
    "result",
)
_TERSE_ROLES = ("step_variable", "structure", "result")


def solution_roles(solution_text: str, step_format: str) -> list[str]:
    """The role of every token of a reference solution (as produced by `Problem.solution_text`)."""
    per_step = {"terse": _TERSE_ROLES, "chain": chain.STEP_ROLES}.get(step_format, _VERBOSE_ROLES)
    roles: list[str] = []
    tokens = solution_text.split()
    i = 0
    while i < len(tokens):
        if tokens[i] == ANS:
            roles += ["structure", "answer", "structure"][: len(tokens) - i]
            break
        roles += list(per_step) + ["structure"]  # the step's tokens, then <s>
        i += len(per_step) + 1
    if len(roles) != len(tokens):
        raise ValueError(f"solution does not have the {step_format} layout: {solution_text!r}")
    return roles


def corruptions(problem: Problem, solution: str) -> dict[str, str]:
    """Named wrong variants of a correct verbose solution, one error in its first step.

    For the step checker's tests and for showing what it catches: a wrong operand value, a
    wrong operand name (a lure), wrong arithmetic, and an extra step the query does not need
    (for chains, `chain.corruptions`).
    """
    if problem.step_format == "chain":
        return chain.corruptions(problem, solution)
    steps = solution.split(f" {STEP} ")
    first = steps[0].split()
    target, left, op, right, a, b, result = (
        first[0],
        first[2],
        first[3],
        first[4],
        first[6],
        first[8],
        first[10],
    )
    p = problem.modulus
    out = {}
    wrong_a = str((int(a) + 1) % p)
    value = OPS[op](int(wrong_a), int(b), p)
    out["wrong operand value"] = " ".join(
        [target, "=", left, op, right, "=", wrong_a, op, b, "=", str(value)]
    )
    other = next(eq.target for eq in problem.equations if eq.target not in (left, right, target))
    out["wrong operand (lure)"] = " ".join(
        [target, "=", other, op, right, "=", a, op, b, "=", result]
    )
    out["wrong arithmetic"] = " ".join(
        [target, "=", left, op, right, "=", a, op, b, "=", str((int(result) + 1) % p)]
    )
    rest = f" {STEP} ".join(steps[1:])
    variants = {name: f"{step} {STEP} {rest}" for name, step in out.items()}
    extra = next(
        (
            eq
            for eq in problem.equations
            if not eq.is_leaf
            and eq.target not in problem.necessary
            and all(problem.definitions[o].is_leaf for o in (eq.left, eq.right))
        ),
        None,
    )
    if extra is not None:
        va, vb = problem.values[extra.left], problem.values[extra.right]
        step = (
            f"{extra.target} = {extra.left} {extra.op} {extra.right} = {va} {extra.op} {vb} = "
            f"{problem.values[extra.target]}"
        )
        variants["unnecessary step"] = f"{step} {STEP} {solution}"
    return variants
