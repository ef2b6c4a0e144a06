r"""Final answers of MATH-style solutions: the last `\boxed{...}`, graded by math-verify.

Which forms are equal (fractions, radicals, intervals, sets, degrees, percentages) is
math-verify's judgement, not hand-written rules. Its `parse` and `verify` bound their work
with `signal.alarm`, which only works in the main thread; from any other thread grading runs
in a worker process that is killed when it overruns, so no answer can hang a run.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from math_verify import LatexExtractionConfig, parse, verify

TIMEOUT_S = 5
_BOX = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")


_SPACE = re.compile(r"\s*")
_BARE = re.compile(r"[^\s$]+")


def boxed_spans(text: str) -> list[tuple[int, int | None, str | None]]:
    r"""Every `\boxed` (or `\fbox`) answer in order, as (start, end, content): `end` is where
    its content is complete (None when the box never closes or is empty). `\boxed{...}` takes
    nested braces; `\boxed 5` and `\boxed5` give "5". One pass over the text (braces matched
    with a stack), so long unclosed outputs cost linear time."""
    closing, stack = {}, []
    for k, char in enumerate(text):
        if char == "{":
            stack.append(k)
        elif char == "}" and stack:
            closing[stack.pop()] = k
    spans = []
    for m in _BOX.finditer(text):
        first = _SPACE.match(text, m.end()).end()
        if first < len(text) and text[first] == "{":
            close = closing.get(first)
            content = None if close is None else text[first + 1 : close].strip() or None
            spans.append((m.end(), None if content is None else close + 1, content))
        else:
            bare = _BARE.match(text, first)
            spans.append((m.end(), bare.end() if bare else None, bare.group() if bare else None))
    return spans


def extract_boxed(text: str) -> str | None:
    r"""The content of the last `\boxed{...}` (or `\fbox{...}`) in `text`, nested braces
    included; `\boxed 5` gives "5". None without a box, or when the last box never closes
    (a truncated answer is no answer)."""
    spans = boxed_spans(text)
    return spans[-1][2] if spans else None


_WORKER: multiprocessing.pool.Pool | None = None
_WORKER_LOCK = threading.Lock()


def _bounded(fn, *args, default=None):
    """`fn(*args)` within TIMEOUT_S seconds. On the main thread math-verify bounds its own work
    (with `signal.alarm`); any other thread has no signals, so the call runs in a worker
    process that is killed, and `default` returned, when it overruns."""
    global _WORKER
    if threading.current_thread() is threading.main_thread():
        return fn(*args)
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = multiprocessing.get_context("spawn").Pool(1)
        worker = _WORKER
    try:
        return worker.apply_async(fn, args).get(TIMEOUT_S)
    except multiprocessing.TimeoutError:
        with _WORKER_LOCK:
            worker.terminate()
            if _WORKER is worker:
                _WORKER = None
        return default


_THIN_SPACE_THOUSANDS = re.compile(r"(?<=\d)\\,(?=\d{3}(?!\d))")


def _parse(latex: str):
    latex = _THIN_SPACE_THOUSANDS.sub("", latex)  # 1\,000: a thousands separator math-verify misses
    found = parse(
        f"${latex}$",
        extraction_config=[LatexExtractionConfig()],
        fallback_mode="no_fallback",
        parsing_timeout=TIMEOUT_S,
    )
    return found[0] if found else None


def _equal(gold: str, pred: str) -> bool:
    gold_expr, pred_expr = parse_answer(gold), parse_answer(pred)
    if gold_expr is None or pred_expr is None:
        return False
    return bool(verify(gold_expr, pred_expr, timeout_seconds=TIMEOUT_S))


@lru_cache(maxsize=1 << 16)
def parse_answer(latex: str):
    """math-verify's expression for a boxed answer's LaTeX; None when it finds none or takes
    longer than TIMEOUT_S."""
    return _bounded(_parse, latex)


def grade(pred: str | None, gold: str) -> bool:
    """Whether a predicted answer (LaTeX, as boxed) equals the gold one; unparsable, or not
    decided within the time limit, is wrong."""
    if pred is None:
        return False
    return bool(_bounded(_equal, gold, pred, default=False))


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
