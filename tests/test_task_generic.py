"""The task-generic pieces on MATH-style data: rollout labels from a stub policy (solutions
trimmed to their boxed line, no gold verdicts), answer ids of the bank, and revision prompts
of both tasks."""

from __future__ import annotations

import pytest
from hub_builders import bpe_tokenizer, fixture_rows, problem_texts
from ttc.bank import grade
from ttc.revisions import revision_prompt_ids
from ttc.sampling import Generation
from ttc.tasks.base import complete, step_ends
from ttc.tasks.mathqa import MathProblem, MathTask
from ttc.tasks.modgraph import decode
from ttc.tasks.modgraph.task import ModgraphTask
from ttc.verifiers import rollout_labels

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@pytest.fixture(scope="module")
def tok():
    return bpe_tokenizer(problem_texts(fixture_rows()))


@pytest.fixture(scope="module")
def half():
    return MathProblem("What is $1/2$?", "It is $\\boxed{\\frac12}$.", "\\frac{1}{2}")


def _task(tok, shots=()):
    return MathTask(tok, [tok.eos_token_id], shots, max_solution_tokens=64)


def _ids(tok, text):
    return tok(text, add_special_tokens=False)["input_ids"]


def test_rollout_labels_on_math_problems_trim_at_the_boxed_line(tok, half):
    task = _task(tok)
    base = len(task.prompt_ids(half))
    # a base model writes on after its answer; rollouts from the first step: half right
    solution = _ids(tok, "Halve one.\nSo it is $\\boxed{0.5}$.\nProblem: next")
    rollouts = [_ids(tok, "So $\\boxed{\\dfrac{1}{2}}$.\n"), _ids(tok, "So $\\boxed{2}$.\n")]

    def policy(prompts, n, limits, seed):
        return [
            Generation(i, j, tuple(solution if len(p) == base else rollouts[j]), True, len(p))
            for i, p in enumerate(prompts)
            for j in range(n)
        ]

    labelled, stats = rollout_labels([half], policy, 1, 2, task=task)
    (sol,) = labelled
    assert task.text(sol.tokens).endswith("\\boxed{0.5}$.\n")  # "Problem: next" is cut
    assert len(sol.ends) == 2 and sol.ends == tuple(step_ends(task, sol.tokens))
    assert sol.values == (0.5, 1.0) and sol.gold == ()
    assert stats["distinct_prefixes"] == 1 and stats["rollouts"] == 2


def test_bank_answer_ids_group_equal_answers_and_keep_every_correct_form(tok, half):
    task = _task(tok)
    texts = ["$\\boxed{\\frac12}$", "$\\boxed{0.5}$", "$\\boxed{3}$", "no answer", "$\\boxed{3}$"]
    answers, correct = grade([half], [_ids(tok, t) for t in texts], task)
    assert answers.tolist() == [[0, 0, 1, -1, 1]]
    assert correct.tolist() == [[True, True, False, False, False]]


def test_complete_keeps_an_unfinished_solution_whole(tok):
    task = _task(tok)
    unfinished = _ids(tok, "First step.\nSecond")
    assert complete(task, unfinished) == (tuple(unfinished), False)
    done = _ids(tok, "$\\boxed{1}$\n") + [tok.eos_token_id]
    assert complete(task, done)[1] and complete(task, done)[0][-1] != tok.eos_token_id


def test_math_revision_prompts_show_the_recent_attempts_as_text(tok, half):
    rows = fixture_rows()
    shots = [MathProblem(r["problem"], r["solution"], r["answer"]) for r in rows[:1]]
    task = _task(tok, shots)
    assert revision_prompt_ids(half, [], task) == task.prompt_ids(half)
    attempts = [f"Try {k}.\n$\\boxed{{{k}}}$\n" for k in range(6)]
    text = tok.decode(revision_prompt_ids(half, attempts, task))
    assert text.startswith(tok.decode(task.prompt_ids(half)).removesuffix("Solution:\n"))
    assert text.endswith("Attempt 4:\nTry 5.\n$\\boxed{5}$\nAttempt 5:\n")
    assert "Try 1." not in text and "Attempt 1:\nTry 2." in text  # the four most recent
    tok_chat = bpe_tokenizer(problem_texts(rows))
    tok_chat.chat_template = CHAT_TEMPLATE
    chat = tok_chat.decode(_task(tok_chat).revision_prompt_ids(half, attempts[:2]))
    assert "Attempt 2:\nTry 1.\n$\\boxed{1}$\n\nWrite attempt 3.<|end|>" in chat
    assert chat.endswith("<|assistant|>\n")
    assert task.solution_ids("$\\boxed{1}$")[-1] == tok.eos_token_id


def test_modgraph_revision_prompt_closes_each_attempt_with_att(problems):
    task = ModgraphTask()
    prompt = decode(revision_prompt_ids(problems[0], ["<ans> 3 <eos>", "<ans> 4 <eos>"], task))
    assert prompt == problems[0].prompt_text() + " <ans> 3 <att> <ans> 4 <att>"
    assert task.revision_prompt_ids(problems[0], []) == task.prompt_ids(problems[0])
