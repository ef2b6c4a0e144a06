"""mathqa: JSONL loading with clear errors, `\\boxed{}` extraction, grading by math-verify
(equivalent forms right, malformed answers wrong), and unparsable gold answers skipped."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from ttc.tasks.mathqa import (
    MathDataError,
    extract_boxed,
    grade,
    load_problems,
    read_answer,
    solution_steps,
    through_boxed_line,
)

FIXTURE = Path(__file__).parent / "fixtures" / "math_sample.jsonl"


@pytest.fixture(scope="module")
def data():
    return load_problems(FIXTURE)


def test_fixture_loads_and_the_unparsable_answer_is_skipped_and_reported(data, caplog):
    assert len(data.problems) == 12
    assert [s.line for s in data.skipped] == [13] and data.skipped[0].answer == r"\frac{1}{"
    assert [p.line for p in data.problems] == list(range(1, 13))  # file order
    assert data.problems[0].level == 1  # "Level 1"
    assert data.problems[1].level == 3 and data.problems[1].subject == "Algebra"
    with caplog.at_level("WARNING"):
        load_problems(FIXTURE)
    assert "skipped 1 problem(s)" in caplog.text and "lines 13" in caplog.text


def test_every_reference_solution_boxes_its_gold_answer(data):
    for p in data.problems:
        answer = read_answer(p.solution)
        assert answer is not None, p.line
        assert grade(answer.latex, p.answer), (p.line, answer.latex, p.answer)
    # and no reference solution is graded right against another problem's answer
    for p, q in zip(data.problems, data.problems[1:], strict=False):
        assert not grade(extract_boxed(p.solution), q.answer)


@pytest.mark.parametrize(
    "text, boxed",
    [
        (r"so $x = \boxed{\frac{1}{2}}$.", r"\frac{1}{2}"),  # nested braces
        (r"\boxed{1} at first, then \boxed{2}", "2"),  # the last box wins
        (r"\boxed {x^{2}}", "x^{2}"),
        (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),  # escaped braces stay balanced
        (r"$\boxed 5$", "5"),
        (r"\fbox{3}", "3"),
        (r"\boxed{\frac{1}{2", None),  # never closes: truncated output
        (r"\boxed{}", None),
        (r"\boxedfoo{3}", None),
        ("no box at all: 42", None),
    ],
)
def test_extract_boxed(text, boxed):
    assert extract_boxed(text) == boxed


@pytest.mark.parametrize(
    "pred, gold",
    [
        (r"\dfrac{5}{6}", r"\frac{5}{6}"),
        (r"\frac{10}{12}", r"\frac{5}{6}"),
        ("0.25", r"\frac{1}{4}"),
        ("1/4", r"\frac{1}{4}"),
        ("(-2,2)", "(-2, 2)"),
        (r"[1,\infty)", r"[1, \infty)"),
        (r"\sqrt{12}", r"2\sqrt{3}"),
        (r"\frac{1}{\sqrt{2}}", r"\frac{\sqrt{2}}{2}"),
        ("3, 2", "2, 3"),
        (r"\{2, 3\}", "2, 3"),
        ("x = -4", "-4"),
        ("60", r"60^\circ"),
        ("2.25", r"\frac{9}{4}"),
    ],
)
def test_equivalent_forms_are_graded_correct(pred, gold):
    assert grade(pred, gold)


@pytest.mark.parametrize(
    "pred, gold",
    [
        ("[-2,2]", "(-2, 2)"),  # closed instead of open
        ("(-2, 2]", "(-2, 2)"),
        (r"(1,\infty)", r"[1, \infty)"),
        (r"2\sqrt{2}", r"2\sqrt{3}"),
        ("0.8333", r"\frac{5}{6}"),  # a rounded value is not the fraction
        ("2", "2, 3"),  # one root of two
        ("4", "-4"),
        (r"\frac{9}{", r"\frac{9}{4}"),  # malformed LaTeX
        ("", r"\frac{9}{4}"),
        ("ten", "10"),
        (None, "10"),  # nothing boxed
        ("10", r"\frac{1}{"),  # unparsable gold: nothing can match it
    ],
)
def test_wrong_and_malformed_answers_are_graded_incorrect(pred, gold):
    assert not grade(pred, gold)


def test_answers_vote_together_when_they_parse_alike():
    half = read_answer(r"\boxed{\frac{1}{2}}")
    assert half == read_answer(r"\boxed{\dfrac12}") == read_answer(r"\boxed{0.5}")
    assert len({half, read_answer(r"\boxed{\frac12}")}) == 1
    assert half != read_answer(r"\boxed{\frac{1}{3}}")
    assert read_answer(r"\boxed{\frac{1}{") is None and read_answer("no answer") is None
    assert str(read_answer(r"\boxed{\dfrac12}")) == r"\dfrac12"  # keeps the written form


def test_a_solution_ends_with_the_line_that_boxes_its_answer():
    run_on = "x = 3\nSo the answer is $\\boxed{3}$.\n\nProblem: next one\nSolution:\n\\boxed{7}\n"
    assert through_boxed_line(run_on) == "x = 3\nSo the answer is $\\boxed{3}$."
    assert read_answer(through_boxed_line(run_on)).latex == "3"
    spanning = "\\boxed{\\begin{pmatrix}1\\\\\n2\\end{pmatrix}}\nmore"  # a box across lines
    assert through_boxed_line(spanning) == spanning.rsplit("\n", 1)[0]
    assert through_boxed_line("no answer yet\n") == "no answer yet\n"


def test_grading_works_off_the_main_thread():
    """math-verify's signal-based timeout fails outside the main thread; ours skips it there."""
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(grade, r"\frac{10}{12}", r"\frac{5}{6}").result()
        assert not pool.submit(grade, "2", "3").result()


def test_few_shot_steps_are_lines_ending_in_a_boxed_answer(data):
    steps = solution_steps(data.problems[0])
    assert len(steps) == 3 and extract_boxed(steps[-1]) == r"\frac{5}{6}"
    unboxed = type(data.problems[0])("Q?", "First line.\n\nSecond line.", "7")
    assert solution_steps(unboxed) == [
        "First line.",
        "Second line.",
        r"The final answer is $\boxed{7}$.",
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "line 2.*not valid JSON"),
        ("[1, 2]", "line 2.*expected a JSON object"),
        ('{"problem": "p", "solution": "s"}', "line 2.*missing 'answer'"),
        ('{"problem": "", "solution": "s", "answer": "1"}', "'problem' must be a non-empty"),
        ('{"problem": "p", "solution": "s", "answer": ["1"]}', "'answer' must be a non-empty"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, line, message):
    good = json.dumps({"problem": "p", "solution": "s", "answer": 1})
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(MathDataError, match=message.replace("line 2", "bad.jsonl:2")):
        load_problems(path)


def test_missing_or_empty_file_says_what_to_put_there(tmp_path):
    with pytest.raises(FileNotFoundError, match="no problem file.*JSONL.*problem.*answer"):
        load_problems(tmp_path / "absent.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(MathDataError, match="holds no problems"):
        load_problems(tmp_path / "empty.jsonl")
    numeric = tmp_path / "numeric.jsonl"
    numeric.write_text(json.dumps({"problem": "1+1?", "solution": "", "answer": 2}) + "\n")
    assert load_problems(numeric).problems[0].answer == "2"  # numbers read as their text


def test_real_splits_drop_repeated_problems_and_report_them(capsys):
    from types import SimpleNamespace

    from ttc.real import real_splits
    from ttc.tasks.mathqa import MathProblem

    unique = [MathProblem(f"What is {i} + {i}?", "s", str(2 * i), line=i + 1) for i in range(12)]
    # every problem twice, the copy differing in case and spacing
    copies = [
        MathProblem(p.problem.upper().replace(" ", "  "), "s", p.answer, line=100 + p.line)
        for p in unique
    ]
    profile = SimpleNamespace(
        seed=0,
        real=SimpleNamespace(shots=2),
        splits=SimpleNamespace(test=4, prm_train=3, revision_train=3),
    )
    shots, splits = real_splits(profile, tuple(unique + copies))
    texts = [" ".join(p.problem.lower().split()) for p in shots]
    texts += [" ".join(p.problem.lower().split()) for part in splits.values() for p in part]
    assert len(texts) == len(set(texts)) == 12
    assert "dropped 12 repeated problems" in capsys.readouterr().out


def test_grading_off_the_main_thread_is_bounded_in_time():
    import time

    from ttc.tasks.mathqa import grading

    start = time.perf_counter()
    with ThreadPoolExecutor(1) as pool:
        assert not pool.submit(grade, "9^{9^{9^{9}}}", "1").result()
    assert time.perf_counter() - start < 4 * grading.TIMEOUT_S


def test_boxed_line_search_is_linear_on_long_unclosed_output():
    import time

    text = "\\boxed{ 1 + \n" * 8000  # ~100 KB of boxes that never close
    start = time.perf_counter()
    assert through_boxed_line(text) == text
    assert time.perf_counter() - start < 2.0
    assert extract_boxed("so \\boxed5") == "5"


def test_thin_space_thousands_separator():
    assert grade(r"1\,000", "1000") and grade(r"1\,000\,000", "1000000")
    assert not grade(r"2\,3", "23")
