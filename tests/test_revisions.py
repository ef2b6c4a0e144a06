"""Revisions: training data from hand-made attempt pools, prompt truncation, the seq:par
grid, and hierarchical selection on hand-made chains."""

from __future__ import annotations

import random

import pytest
from rapidfuzz.distance import Levenshtein
from ttc.revisions import (
    MAX_CONTEXT,
    hierarchical_best_of_n,
    ratio_grid,
    revision_examples,
    revision_prompt,
)


def test_revision_examples_put_the_nearest_wrong_attempt_last():
    right = "v01 = v02 + v03 = 4 + 5 = 9 <s> <ans> 9 <eos>"
    wrong = [
        "v01 = v02 + v03 = 4 + 5 = 8 <s> <ans> 8 <eos>",  # one character away: the nearest
        "v07 = v02 * v03 = 4 * 5 = 20 <s> <ans> 20 <eos>",
        "v01 = v03 - v02 = 5 - 4 = 1 <s> <ans> 1 <eos>",
        "<ans> 3 <eos>",
        "<ans> 4 <eos>",
        "<ans> 6 <eos>",
    ]
    attempts = [right, *wrong, right]
    correct = [True] + [False] * len(wrong) + [True]
    sizes = set()
    for seed in range(40):
        examples = revision_examples(7, attempts, correct, random.Random(seed))
        assert len(examples) == 2 and all(e.target == right for e in examples)
        for e in examples:
            assert e.problem_index == 7 and right not in e.context
            assert len(e.context) <= MAX_CONTEXT and len(set(e.context)) == len(e.context)
            if e.context:
                assert e.context[-1] == wrong[0]
                assert all(
                    Levenshtein.distance(w, right) >= Levenshtein.distance(wrong[0], right)
                    for w in e.context
                )
            sizes.add(len(e.context))
    assert sizes == {0, 1, 2, 3, 4}  # k ~ U{0..4}


def test_context_size_is_capped_by_the_wrong_attempts():
    rng = random.Random(0)
    examples = revision_examples(0, ["a", "b", "c"], [True, False, True], rng)
    assert all(len(e.context) <= 1 for e in examples)
    assert revision_examples(0, ["a", "b"], [False, False], rng) == []
    assert all(e.context == () for e in revision_examples(0, ["a"], [True], rng))


def test_revision_prompt_keeps_the_four_most_recent_attempts(problems):
    problem = problems[0]
    attempts = [f"<ans> {i} <eos>" for i in range(6)]
    prompt = revision_prompt(problem, attempts)
    assert prompt.startswith(problem.prompt_text())
    assert prompt.endswith("<ans> 5 <att>") and "<ans> 1 <att>" not in prompt
    assert prompt.count("<att>") == 4 and "<eos>" not in prompt
    assert revision_prompt(problem, []) == problem.prompt_text()


def test_ratio_grid_is_the_papers_table():
    assert ratio_grid(1) == [(1, 1)]
    assert ratio_grid(4) == [(1, 4), (2, 2), (4, 1)]
    assert ratio_grid(8) == [(1, 8), (2, 4), (4, 2), (8, 1)]
    assert len(ratio_grid(32)) == 6 and all(s * p == 32 for s, p in ratio_grid(32))
    with pytest.raises(ValueError, match="power of two"):
        ratio_grid(12)


def test_hierarchical_selection_votes_within_then_across_chains():
    chains = [[1, 2, 2], [1, 1, 3], [4, None, 4]]
    scores = [[0.9, 0.2, 0.2], [0.3, 0.3, 0.9], [0.1, 0.9, 0.1]]
    # chain winners: 1 (0.9 vs 0.4), 3 (0.9 vs 0.6), 4 (0.2); across chains 1 and 3 tie at
    # 0.9: the earlier chain's answer wins
    assert hierarchical_best_of_n(chains, scores) == 1
    # a chain's losing answers do not count across chains: 5 (0.5) beats 6 (0.3), not 0.4 + 0.3
    assert hierarchical_best_of_n([[5, 6], [6]], [[0.5, 0.4], [0.3]]) == 5
    assert hierarchical_best_of_n([[None]], [[1.0]]) is None


def test_revision_corpus_trains_on_the_target_only(problems):
    from ttc.revisions import RevisionExample, revision_corpus
    from ttc.tasks.modgraph import decode, reference_solution

    target = reference_solution(problems[0])
    examples = [
        RevisionExample(0, ("<ans> 3 <eos>",), target),
        RevisionExample(1, (), "<ans> 1 <eos>"),
    ]
    corpus = revision_corpus(examples, problems, epochs=2)
    assert len(corpus["offsets"]) == 5  # 2 examples x 2 epochs
    start, end = corpus["offsets"][0], corpus["offsets"][1]
    ids = corpus["ids"][start:end].tolist()
    prompt_len = corpus["prompt_lens"][0]
    assert decode(ids[:prompt_len]) == revision_prompt(problems[0], ["<ans> 3 <eos>"])
    assert decode(ids[prompt_len:]) == target


def test_the_kept_checkpoint_is_one_past_the_validation_minimum():
    from ttc.revisions import revision_corpus
    from ttc.stages import checkpoint_after_minimum

    names = ["c1", "c2", "c3", "c4"]
    assert checkpoint_after_minimum([3.0, 2.0, 2.5, 2.7], names) == "c3"
    assert checkpoint_after_minimum([3.0, 2.8, 2.5, 2.0], names) == "c4"  # still falling
    with pytest.raises(ValueError, match="one held-out loss per checkpoint"):
        checkpoint_after_minimum([1.0], names)
    with pytest.raises(ValueError, match="no revision examples"):
        revision_corpus([], [], 1)
