"""MATH-style problems from a local JSONL file.

One JSON object per line: `problem`, `solution` and `answer` (strings; a numeric answer is
read as its text), optionally `level` (3 or "Level 3") and `subject`; other keys are
ignored. A malformed file stops with an error naming the line. A problem whose gold answer
math-verify cannot parse could never be graded: it is skipped and reported, not fatal.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .grading import parse_answer

log = logging.getLogger(__name__)

FORMAT_HINT = (
    'one JSON object per line with "problem", "solution" and "answer" (optional "level", "subject")'
)


class MathDataError(ValueError):
    """A problem file that cannot be read; the message names the line and the fix."""


@dataclass(frozen=True)
class MathProblem:
    problem: str
    solution: str  # the reference solution (few-shot examples show it one step per line)
    answer: str  # gold final answer, LaTeX
    level: int | None = None
    subject: str | None = None
    line: int = 0  # 1-based line in the source file, for reports


@dataclass(frozen=True)
class SkippedProblem:
    line: int
    answer: str
    reason: str


@dataclass(frozen=True)
class MathData:
    problems: tuple[MathProblem, ...]
    skipped: tuple[SkippedProblem, ...]  # gold answers that do not parse


def load_problems(path: str | Path) -> MathData:
    """Every gradable problem of a JSONL file, in file order, and the ones skipped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no problem file at {path}: put a JSONL file there ({FORMAT_HINT})"
        )
    problems, skipped = [], []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        record = _record(raw, f"{path}:{n}")
        problem = MathProblem(**record, line=n)
        if parse_answer(problem.answer) is None:
            skipped.append(SkippedProblem(n, problem.answer, "math-verify cannot parse the answer"))
        else:
            problems.append(problem)
    if not problems and not skipped:
        raise MathDataError(f"{path} holds no problems ({FORMAT_HINT})")
    if skipped:
        lines = ", ".join(str(s.line) for s in skipped)
        log.warning(
            "%s: skipped %d problem(s) with unparsable answers (lines %s)",
            path,
            len(skipped),
            lines,
        )
    return MathData(tuple(problems), tuple(skipped))


def _record(raw: str, where: str) -> dict:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise MathDataError(f"{where}: not valid JSON ({e.msg}); expected {FORMAT_HINT}") from e
    if not isinstance(data, dict):
        raise MathDataError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for key in ("problem", "solution", "answer"):
        if key not in data:
            raise MathDataError(f"{where}: missing {key!r}; expected {FORMAT_HINT}")
    answer = data["answer"]
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        answer = str(answer)
    for key, value in (
        ("problem", data["problem"]),
        ("solution", data["solution"]),
        ("answer", answer),
    ):
        if not isinstance(value, str) or (key != "solution" and not value.strip()):
            raise MathDataError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    subject = data.get("subject")
    return {
        "problem": data["problem"].strip(),
        "solution": data["solution"].strip(),
        "answer": answer.strip(),
        "level": _level(data.get("level")),
        "subject": None if subject is None else str(subject),
    }


def _level(value) -> int | None:
    """MATH writes levels as "Level 3" (and "Level ?" where unknown)."""
    digits = re.search(r"\d+", str(value)) if value is not None else None
    return int(digits.group()) if digits else None
