"""The chain format: generator, exact step checker, token roles and the twin-free splits."""

import random
from dataclasses import replace

import numpy as np
import pytest
from ttc.config import ConfigError, SplitConfig, TaskConfig
from ttc.tasks.modgraph import (
    build_corpus,
    check_steps,
    corruptions,
    encode,
    generate_problem,
    is_correct,
    is_valid_solution,
    make_splits,
    reference_solution,
    solution_roles,
)
from ttc.tasks.modgraph.chain import REASONS
from ttc.tasks.modgraph.generator import Equation, Problem
from ttc.tasks.modgraph.splits import twin_int, twin_overlap


@pytest.fixture
def chain_task() -> TaskConfig:
    return TaskConfig(modulus=23, levels=(1, 2, 3, 4, 5), order="shuffled", step_format="chain")


def _hand_made() -> Problem:
    """x = 5 ; o1 * 9 ; o2 + 3 ; o3 - 7 (p = 23): 5*9 = 22, 22+3 = 2, 2-7 = 18."""
    eqs = (
        Equation("x", value=5),
        Equation("c1", value=9),
        Equation("c2", value=3),
        Equation("c3", value=7),
        Equation("o3", left="o2", op="-", right="c3"),
        Equation("o1", left="x", op="*", right="c1"),
        Equation("o2", left="o1", op="+", right="c2"),
    )
    return Problem(eqs, "o3", 23, 3, 0, "chain")


def test_hand_made_chain_renders_and_checks():
    p = _hand_made()
    assert p.prompt_text() == "<bos> x = 5 ; o3 - 7 ; o1 * 9 ; o2 + 3 ; <sol>"
    solution = reference_solution(p)
    assert solution == "o1 5 * 9 = 22 <s> o2 22 + 3 = 2 <s> o3 2 - 7 = 18 <s> <ans> 18 <eos>"
    assert p.answer == 18 and is_valid_solution(p, solution)
    assert len(encode([p.prompt_text() + " " + solution])[0]) == len(
        (p.prompt_text() + " " + solution).split()
    )  # every symbol is one token (keys o1..o32 and the start x are in the vocabulary)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("o1 5 + 9 = 14 <s>", "wrong operator"),  # consistent arithmetic, misread entry
        ("o1 5 * 3 = 15 <s>", "wrong operand"),
        ("o1 6 * 9 = 8 <s>", "wrong previous value"),
        ("o1 5 * 9 = 21 <s>", "wrong arithmetic"),
        ("o2 22 + 3 = 2 <s>", "skipped step"),
        ("o4 5 * 9 = 22 <s>", "unknown key"),
        ("o1 5 * 9 22 <s>", "malformed"),
        ("o1 5 * 9 = <s>", "malformed"),
    ],
)
def test_crafted_first_step_errors(text, reason):
    p = _hand_made()
    verdicts = check_steps(p, f"{text} <ans> 18 <eos>")
    assert verdicts[0].reason == reason and not verdicts[0].ok
    assert reason in REASONS


def test_repeated_step_and_trailing_tokens_are_invalid():
    p = _hand_made()
    good = reference_solution(p)
    repeated = (
        "o1 5 * 9 = 22 <s> o1 5 * 9 = 22 <s> o2 22 + 3 = 2 <s> o3 2 - 7 = 18 <s> <ans> 18 <eos>"
    )
    assert [v.reason for v in check_steps(p, repeated)][1] == "repeated step"
    assert not is_valid_solution(p, repeated)
    for trailing in (f"{good} o1", good.replace("<eos>", "18 <eos>")):
        assert is_correct(p, trailing) or trailing.endswith("18 <eos>")
        assert not is_valid_solution(p, trailing)
    # the right answer reached through a wrong step is correct but not valid
    lucky = "o1 5 * 9 = 22 <s> o2 22 - 3 = 19 <s> o3 2 - 7 = 18 <s> <ans> 18 <eos>"
    assert is_correct(p, lucky) and not is_valid_solution(p, lucky)


def test_generated_chains_are_exact_and_their_corruptions_caught(chain_task):
    rng = random.Random(3)
    seen_reasons = set()
    for level in chain_task.levels:
        for _ in range(5):
            p = generate_problem(chain_task, rng, n_ops=level)
            solution = reference_solution(p)
            assert p.level == level and is_valid_solution(p, solution)
            assert len(solution_roles(solution, "chain")) == len(solution.split())
            for name, bad in corruptions(p, solution).items():
                assert not is_valid_solution(p, bad), name
                reasons = [v.reason for v in check_steps(p, bad) if not v.ok]
                if name != "trailing tokens":
                    assert reasons[0] == name
                    seen_reasons.add(reasons[0])
    assert {"wrong operator", "wrong operand", "skipped step", "repeated step"} <= seen_reasons


def test_prompt_order_knob(chain_task):
    rng = random.Random(0)
    ordered = replace(chain_task, order="topological")
    keys = [eq.target for eq in generate_problem(ordered, rng, n_ops=5).equations if not eq.is_leaf]
    assert keys == ["o1", "o2", "o3", "o4", "o5"]
    orders = {
        tuple(eq.target for eq in generate_problem(chain_task, rng, n_ops=5).equations)
        for _ in range(10)
    }
    assert len(orders) > 1


def test_chain_config_is_checked(chain_task):
    chain_task.validate()
    with pytest.raises(ConfigError, match="distractors"):
        replace(chain_task, distractors=(0, 2)).validate()
    with pytest.raises(ConfigError, match="at most 32"):
        replace(chain_task, levels=(1, 40)).validate()


def test_twins_are_the_same_chain_whatever_the_prompt_order():
    p = _hand_made()
    eqs = list(p.equations)
    reordered = Problem((*eqs[:4], eqs[5], eqs[6], eqs[4]), "o3", 23, 3, 0, "chain")
    assert reordered.key != p.key and reordered.twin_key == p.twin_key
    other = Problem((eqs[0], Equation("c1", value=8), *eqs[2:]), "o3", 23, 3, 0, "chain")
    assert other.twin_key != p.twin_key


def test_graph_twins_are_equal_up_to_renaming(task):
    p = generate_problem(task, random.Random(5), n_ops=3)
    rename = {eq.target: f"v{90 - i:02d}" for i, eq in enumerate(p.equations)}
    renamed = Problem(
        tuple(
            Equation(
                rename[eq.target],
                eq.value,
                rename.get(eq.left),
                eq.op,
                rename.get(eq.right),
            )
            for eq in p.equations
        ),
        rename[p.query],
        p.modulus,
        p.n_ops,
        p.n_distract,
        p.step_format,
    )
    assert renamed.key != p.key and renamed.twin_key == p.twin_key


def test_splits_and_corpus_hold_no_twins_and_the_overlap_report_counts_them():
    # a tiny space (p = 3, one operator, lengths 1-2) forces many twins among fresh draws
    task = TaskConfig(
        modulus=5, operators=("+",), levels=(1, 2), order="shuffled", step_format="chain"
    )
    sizes = SplitConfig(validation_per_level=3, prm_train=6, revision_train=6, test=8)
    splits = make_splits(task, sizes, seed=0)
    twins = [
        twin_int(q)
        for name in ("test", "validation", "prm_train", "revision_train")
        for q in getattr(splits, name)
    ]
    assert len(set(twins)) == len(twins)
    corpus = build_corpus(task, seed=0, n_tokens=4000, exclude=splits.keys())
    assert not set(corpus["twin_ints"].tolist()) & set(twins)
    report = twin_overlap(splits, corpus["twin_ints"])
    assert report["test"].sum() == 8 and (report.filter(like="twins_in").to_numpy() == 0).all()
    # a corpus that was not filtered holds twins of test problems, and the report finds them
    unfiltered = build_corpus(task, seed=0, n_tokens=4000, exclude=set())
    leaked = twin_overlap(splits, unfiltered["twin_ints"])
    assert leaked["twins_in_corpus"].sum() > 0
    planted = twin_overlap(splits, np.array([twin_int(splits.test[0])]))
    assert planted["twins_in_corpus"].sum() == 1
