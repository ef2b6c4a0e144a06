r"""Final answers of MATH-style solutions: the last `\boxed{...}`, graded by math-verify.

Which forms are equal (fractions, radicals, intervals, sets, degrees, percentages) is
math-verify's judgement, not hand-written rules. Its `parse` and `verify` bound their work
with `signal.alarm`, which only works in the main thread; elsewhere (a worker thread) they
run without a time limit instead of failing.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from math_verify import LatexExtractionConfig, parse, verify

TIMEOUT_S = 5
_BOX = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")


def extract_boxed(text: str) -> str | None:
    r"""The content of the last `\boxed{...}` (or `\fbox{...}`) in `text`, nested braces
    included; `\boxed 5` gives "5". None without a box, or when the last box never closes
    (a truncated answer is no answer)."""
    starts = [m.end() for m in _BOX.finditer(text)]
    if not starts:
        return None
    rest = text[starts[-1] :]
    if not rest.lstrip().startswith("{"):
        bare = re.match(r"\s+([^\s$]+)", rest)
        return bare.group(1) if bare else None
    depth = 0
    for k, char in enumerate(rest):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "}" and depth == 0:
            return rest[rest.index("{") + 1 : k].strip() or None
    return None


def _timeout() -> int | None:
    return TIMEOUT_S if threading.current_thread() is threading.main_thread() else None


@lru_cache(maxsize=1 << 16)
def parse_answer(latex: str):
    """math-verify's expression for a boxed answer's LaTeX; None when it finds none."""
    found = parse(
        f"${latex}$",
        extraction_config=[LatexExtractionConfig()],
        fallback_mode="no_fallback",
        parsing_timeout=_timeout(),
    )
    return found[0] if found else None


def grade(pred: str | None, gold: str) -> bool:
    """Whether a predicted answer (LaTeX, as boxed) equals the gold one; unparsable is wrong."""
    if pred is None:
        return False
    gold_expr, pred_expr = parse_answer(gold), parse_answer(pred)
    if gold_expr is None or pred_expr is None:
        return False
    return bool(verify(gold_expr, pred_expr, timeout_seconds=_timeout()))


@dataclass(frozen=True)
class Answer:
    r"""A parsed final answer. Two answers are one vote when math-verify parses them to the
    same expression (`\frac12`, `\dfrac{1}{2}` and `0.5` all read 1/2); forms equal only
    after simplification (`\sqrt{12}`, `2\sqrt{3}`) stay separate votes, though each is
    graded correct."""

    key: str  # the parsed expression as sympy prints it
    latex: str = field(compare=False)  # as written in the box

    def __str__(self) -> str:
        return self.latex


def read_answer(text: str) -> Answer | None:
    """The answer a solution boxes last; None when there is none or it does not parse."""
    boxed = extract_boxed(text)
    expr = None if boxed is None else parse_answer(boxed)
    return None if expr is None else Answer(str(expr), boxed)
