"""Revisions: training data from hand-made attempt pools, prompt truncation, the seq:par
grid, hierarchical selection on hand-made chains, chains from a stub policy, the revision
ORM's items, and the chain measures."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein
from ttc import revisions
from ttc.revisions import (
    MAX_CONTEXT,
    ChainBank,
    attempt_items,
    draw_chains,
    hierarchical_best_of_n,
    ratio_grid,
    revision_examples,
    revision_prompt_ids,
)
from ttc.sampling import Generation
from ttc.tasks.modgraph import decode, encode
from ttc.tasks.modgraph.task import ModgraphTask
from ttc.tasks.modgraph.tokenizer import EOS, build_tokenizer

TASK = ModgraphTask()  # every library call names its task


def revision_prompt(problem, attempts) -> str:
    return decode(revision_prompt_ids(problem, attempts, TASK))


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
    from ttc.tasks.modgraph import reference_solution

    target = reference_solution(problems[0])
    examples = [
        RevisionExample(0, ("<ans> 3 <eos>",), target),
        RevisionExample(1, (), "<ans> 1 <eos>"),
    ]
    corpus = revision_corpus(examples, problems, epochs=2, task=TASK)
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
        revision_corpus([], [], 1, TASK)


def _stub_chains_policy(seen: list):
    """A policy that answers attempt t of every chain with t + 1, and records the prompts."""
    tok = build_tokenizer()

    def policy(prompts, n, max_new_tokens, seed):
        assert n == 1 and len(max_new_tokens) == len(prompts)
        seen.append([tok.decode(p) for p in prompts])
        step = len(seen)
        return [
            Generation(i, 0, tuple(encode([f"<ans> {step} {EOS}"])[0]), True, len(p))
            for i, p in enumerate(prompts)
        ]

    return policy


def test_chains_keep_the_four_most_recent_attempts_in_context(problems, tmp_path):
    seen: list = []
    bank = draw_chains(
        _stub_chains_policy(seen), problems[:3], chains=2, length=6, seed=0, task=TASK
    )
    assert bank.shape == (3, 2, 6) and bank.attempts.samples == 12
    for t, prompts in enumerate(seen):
        for r, prompt in enumerate(prompts):
            problem = problems[r // 2]
            earlier = [f"<ans> {k} {EOS}" for k in range(max(1, t - 3), t + 1)]
            assert prompt == revision_prompt(problem, earlier if t else [])
            assert bank.context_tokens[r // 2, r % 2, t] == len(encode([prompt])[0])
    assert bank.answers[0, 1].tolist() == [1, 2, 3, 4, 5, 6]
    truth = np.array([[[p.answer == k for k in range(1, 7)]] * 2 for p in problems[:3]])
    assert np.array_equal(bank.correct, truth)
    bank.save(tmp_path / "chains")
    loaded = ChainBank.load(tmp_path / "chains")
    assert loaded.chain(2, 1) == bank.chain(2, 1) and np.array_equal(loaded.answers, bank.answers)


def test_attempt_items_show_the_chain_history_or_the_bare_question(problems):
    seen: list = []
    bank = draw_chains(
        _stub_chains_policy(seen), problems[:2], chains=1, length=3, seed=0, task=TASK
    )
    with_history = attempt_items(problems[:2], bank, history=True, task=TASK)
    bare = attempt_items(problems[:2], bank, history=False, task=TASK)
    assert len(with_history) == len(bare) == 6
    tok = build_tokenizer()
    # question 1, attempt 3: written after attempts 1 and 2 of its chain
    item = with_history[5]
    earlier = [f"<ans> 1 {EOS}", f"<ans> 2 {EOS}"]
    assert tok.decode(item.ids) == revision_prompt(problems[1], earlier) + f" <ans> 3 {EOS}"
    assert tok.decode(bare[5].ids) == problems[1].prompt_text() + f" <ans> 3 {EOS}"
    for it, y in zip(with_history, bank.correct.reshape(-1), strict=True):
        assert it.positions == (len(it.ids) - 1,) and it.ids[-1] == tok.eos_token_id
        assert it.targets == (float(y),)


def test_step_measures_on_hand_made_chains():
    correct = np.array([[[0, 1, 1, 0], [0, 0, 1, 1]], [[1, 0, 0, 0], [1, 1, 1, 1]]], dtype=bool)
    assert revisions.pass_at_step(correct).tolist() == [[0, 0.5, 1, 0.5], [1, 0.5, 0.5, 0.5]]
    assert revisions.coverage_at_step(correct).tolist() == [[0, 0.5, 1, 1], [1, 1, 1, 1]]
    flips = revisions.flip_rates(correct).set_index("step")
    # first attempts: two correct (question 1), of which chain 0 turns incorrect; two
    # incorrect (question 0), of which chain 0 turns correct
    assert flips.loc[2, "correct_before"] == 2 and flips.loc[2, "incorrect_before"] == 2
    assert flips.loc[2, "correct_to_incorrect"] == 0.5
    assert flips.loc[2, "incorrect_to_correct"] == 0.5
    # third attempts: three correct, question 0 chain 0 turns incorrect; the one incorrect stays
    assert flips.loc[4, "correct_to_incorrect"] == pytest.approx(1 / 3)
    assert flips.loc[4, "incorrect_to_correct"] == 0


def test_elimination_control_skips_answers_already_drawn():
    # one correct sample (7) among three copies of one wrong answer
    answers = np.array([[5, 5, 5, 7], [-1, -1, -1, 7]])
    correct = answers == 7
    plain, eliminating = revisions.elimination_coverage(answers, correct, 2, 4000, seed=0)
    assert eliminating[0].tolist() == pytest.approx(
        [plain[0, 0], 1.0]
    )  # 7 is the second new answer
    assert plain[0, 1] == pytest.approx(0.5, abs=0.03)
    # unparsable answers are never "seen", so nothing is skipped
    assert eliminating[1, 1] == pytest.approx(0.5, abs=0.03)
    with pytest.raises(ValueError, match="samples per question"):
        revisions.elimination_coverage(answers, correct, 5, 1, seed=0)


def test_split_outcomes_select_hierarchically_or_by_flat_majority():
    answers = np.array([[[1, 2], [2, 2]]])  # one question, target 2
    scores = {"v": np.array([[[0.9, 0.1], [0.2, 0.2]]])}
    out = revisions.split_outcomes(answers, scores, [(2,)], [(2, 2), (2, 1), (1, 2)], 400, seed=0)
    acc = out.set_index(["s", "p", "rule"])["accuracy"]
    # both chains in full: winners 1 (0.9) and 2 (0.4) -> 1; the flat vote 2, 2, 2, 1 -> 2
    assert acc[(2, 2, "v")] == 0 and acc[(2, 2, "majority")] == 1
    # one random chain in full: right only when it is chain 1
    assert acc[(2, 1, "v")] == pytest.approx(0.5, abs=0.08)
    assert acc[(1, 2, "v")] == 0  # first attempts 1 (0.9) and 2 (0.2)
    assert set(out["budget"]) == {4, 2}


def test_study_splits_cover_the_pure_ends_the_sweep_and_the_balanced_split():
    assert revisions.evaluable_splits(64, 16, 16) == [(4, 16), (8, 8), (16, 4)]
    assert revisions.balanced_split(8) == (2, 4) and revisions.balanced_split(16) == (4, 4)
    # 4 chains of 8: pure ends up to N = 4, balanced splits up to (4, 4), the sweep at N = 8
    assert revisions.study_splits(4, 8, (8,)) == [
        (1, 1), (1, 2), (2, 1), (1, 4), (2, 2), (4, 1), (2, 4), (4, 2), (8, 1), (4, 4),
    ]  # fmt: skip


def test_repeat_rates_split_by_the_previous_attempts_correctness():
    answers = np.array([[[3, 3, 5, -1, 2], [7, 7, 7, 1, 1]]])
    correct = np.array([[[True, True, False, False, False], [False, False, False, True, True]]])
    table = revisions.repeat_rates(answers, correct).set_index("previous attempt")
    # correct before: 3->3, 3->5, 1->1 (2 of 3 repeat); incorrect and parsed: 5->-1, 7->7, 7->7, 7->1
    assert table.loc["correct", "attempts"] == 3
    assert table.loc["correct", "repeats its answer"] == pytest.approx(2 / 3)
    assert table.loc["incorrect", "attempts"] == 4
    assert table.loc["incorrect", "repeats its answer"] == pytest.approx(2 / 4)
