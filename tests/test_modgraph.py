import random

import numpy as np
from transformers import AutoTokenizer
from ttc.config import SplitConfig, TaskConfig
from ttc.tasks.modgraph import (
    build_corpus,
    build_tokenizer,
    check_steps,
    corruptions,
    decode,
    encode,
    generate_problem,
    is_correct,
    make_splits,
    parse_solution,
    reference_solution,
    solution_roles,
)


def test_generator_is_deterministic(task):
    a = [generate_problem(task, random.Random(7)).prompt_text() for _ in range(3)]
    b = [generate_problem(task, random.Random(7)).prompt_text() for _ in range(3)]
    assert a == b


def test_knobs_shape_the_problems(task):
    rng = random.Random(1)
    for level in task.levels:
        p = generate_problem(task, rng, n_ops=level, n_distract=2)
        assert len(p.necessary) == level and p.n_distract == 2
        distractors = [
            eq for eq in p.equations if eq.target not in p.necessary and not _used(p, eq.target)
        ]
        assert len(distractors) == 2
    topo = TaskConfig(**{**task.__dict__, "order": "topological"})
    for _ in range(20):
        p = generate_problem(topo, rng)
        seen = set()
        for eq in p.equations:  # topological: operands defined before use
            assert eq.is_leaf or (eq.left in seen and eq.right in seen)
            seen.add(eq.target)
    lures = TaskConfig(**{**task.__dict__, "lure_frac": 1.0, "distractors": (3, 3)})
    p = generate_problem(lures, rng, n_ops=3)
    shapes = {(eq.op, eq.left) for eq in p.equations if eq.target in p.necessary} | {
        (eq.op, eq.right) for eq in p.equations if eq.target in p.necessary
    }
    distractors = [eq for eq in p.equations if eq.target not in p.necessary and not eq.is_leaf]
    assert distractors and all(
        (d.op, d.left) in shapes or (d.op, d.right) in shapes for d in distractors
    )
    terse = TaskConfig(**{**task.__dict__, "step_format": "terse"})
    p = generate_problem(terse, rng, n_ops=2)
    assert all(len(step) == 3 for step in parse_solution(reference_solution(p)).steps)


def _used(problem, name):
    return any(
        name in (eq.left, eq.right) for eq in problem.equations if eq.target in problem.necessary
    )


def test_tokenizer_round_trips_through_autotokenizer(tmp_path, problems):
    tok = build_tokenizer()
    tok.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    text = problems[0].prompt_text() + " " + reference_solution(problems[0])
    ids = encode([text])[0]
    assert loaded(text, add_special_tokens=False)["input_ids"] == ids
    assert decode(ids) == text
    assert tok.unk_token_id not in ids or "<pad>" in text


def test_grader_and_step_checker(problems):
    for p in problems:
        solution = reference_solution(p)
        assert is_correct(p, solution)
        assert all(v.ok for v in check_steps(p, solution))
        for name, bad in corruptions(p, solution).items():
            verdicts = check_steps(p, bad)
            assert not verdicts[0].ok, name
    p = problems[0]
    expected = {"wrong operand value", "wrong definition", "wrong arithmetic", "unnecessary step"}
    reasons = {
        check_steps(q, b)[0].reason
        for q in problems
        for b in corruptions(q, reference_solution(q)).values()
    }
    assert expected <= reasons
    for garbage in ["", "<ans>", "<ans> x <eos>", "v01 = = = <s>", "<eos> <ans> 3"]:
        assert not is_correct(p, garbage) or p.answer == 3


def test_splits_are_disjoint_and_the_corpus_skips_them(task):
    splits = make_splits(
        task, SplitConfig(validation_per_level=5, prm_train=20, revision_train=20, test=20), seed=0
    )
    keys = [
        q.twin_key
        for name in ("test", "validation", "prm_train", "revision_train")
        for q in getattr(splits, name)
    ]
    assert len(keys) == len(set(keys)) == 80
    # build a corpus that must avoid a set of keys it would otherwise produce
    corpus = build_corpus(task, seed=0, n_tokens=3000, exclude=set())
    first_prompt = decode(
        corpus["ids"][corpus["offsets"][0] : corpus["offsets"][0] + corpus["prompt_lens"][0]]
    )
    from ttc.tasks.modgraph.splits import split_rng

    held = generate_problem(task, split_rng(0, "pretrain"))
    assert held.prompt_text() == first_prompt
    again = build_corpus(task, seed=0, n_tokens=3000, exclude={held.twin_key})
    prompts = [
        decode(again["ids"][s : s + n])
        for s, n in zip(again["offsets"][:-1], again["prompt_lens"], strict=True)
    ]
    assert held.prompt_text() not in prompts
    assert again["offsets"][-1] >= 3000 and again["ids"].dtype == np.uint8


def test_roles_on_a_hand_made_solution():
    text = "v01 = v02 * v03 = 4 * 5 = 20 <s> <ans> 20 <eos>"
    assert solution_roles(text, "verbose") == [
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
        "structure",
        "structure",
        "answer",
        "structure",
    ]
    assert solution_roles("v01 = 20 <s> <ans> 20 <eos>", "terse") == [
        "step_variable",
        "structure",
        "result",
        "structure",
        "structure",
        "answer",
        "structure",
    ]


def test_repeated_and_unnecessary_steps_are_both_invalid_and_text_never_raises(problems):
    from ttc.tasks.modgraph import is_valid_solution

    p = next(q for q in problems if q.step_format != "chain" and q.n_ops >= 2)
    solution = reference_solution(p)
    first, rest = solution.split(" <s> ", 1)
    repeated = f"{first} <s> {first} <s> {rest}"
    assert check_steps(p, repeated)[1].reason == "repeated step"
    assert not is_valid_solution(p, repeated)
    assert not is_valid_solution(p, corruptions(p, solution)["unnecessary step"])
    for text in ["<ans> ² <eos>", f"{first} <s> <ans> ³", "v01 = ² <s>"]:
        assert not is_correct(p, text) and not is_valid_solution(p, text)
        check_steps(p, text)  # a verdict, never an exception
