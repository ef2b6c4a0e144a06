"""Search: budget accounting, DVTS splits, selection of the chosen answer, and exactness of
the lockstep KV-cache reuse (scores of forked, paused and rewound rows equal a re-encode)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from ttc.config import TaskConfig
from ttc.difficulty import bin_table, oracle_bins, quantile_bins
from ttc.search import Lockstep, choose, split_budget, sqrt_width, tree_search
from ttc.tasks.modgraph import encode, generate_problem, reference_solution
from ttc.tasks.modgraph.task import ModgraphTask
from ttc.verifiers import ScoredSequence, score_steps

TASK = ModgraphTask()  # every library call names its task


@pytest.fixture
def level2_problems():
    task = TaskConfig(modulus=23, levels=(1, 2), distractors=(0, 0), n_names=30)
    rng = random.Random(3)
    return [generate_problem(task, rng) for _ in range(3)]


def test_split_budget_and_widths():
    assert split_budget(16, 4, 1) == (16, 4, 4)  # beam: keep N/M, expand M
    assert split_budget(16, 4, 4) == (4, 1, 4)  # DVTS: N/M trees, keep 1, expand M
    assert split_budget(2, 4, 1) == (2, 1, 2)  # N < M: one prefix, N proposals
    with pytest.raises(ValueError, match="split evenly"):
        split_budget(16, 4, 3)
    assert [sqrt_width(n) for n in (1, 2, 4, 8, 16, 64, 256)] == [1, 1, 2, 2, 4, 8, 16]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("subtrees, lookahead", [(1, 0), (2, 0), (1, 2)])
def test_lockstep_scores_equal_rescoring_from_scratch(
    level2_problems, stepping_policy, tiny_prm, fast, subtrees, lookahead
):
    results = tree_search(
        stepping_policy, tiny_prm, level2_problems, 8, 2, subtrees=subtrees,
        lookahead=lookahead, max_rounds=6, step_tokens=6, fast=fast, progress=False, task=TASK,
    )  # fmt: skip
    rounds = set()
    for problem, result in zip(level2_problems, results, strict=True):
        prompt = tuple(encode([problem.prompt_text()])[0])
        items = [ScoredSequence(prompt + c, (len(prompt) + len(c) - 1,)) for c, _ in result.pool]
        fresh = score_steps(tiny_prm, items, progress=False)
        for (tokens, score), again in zip(result.pool, fresh, strict=True):
            assert score == pytest.approx(float(again[0]), abs=1e-4)
            rounds.add(len(tokens))
    assert max(rounds) > 6  # some candidates grew over several rounds


def test_budget_is_never_exceeded_and_costs_add_up(
    level2_problems, stepping_policy, tiny_prm, monkeypatch
):
    active_rows = []
    extend = Lockstep.extend

    def spy(self, active, *args):
        active_rows.append(int(active.sum()))
        return extend(self, active, *args)

    monkeypatch.setattr(Lockstep, "extend", spy)
    n, k = 8, 1
    results = tree_search(
        stepping_policy, tiny_prm, level2_problems, n, 2, lookahead=k, max_rounds=5,
        step_tokens=6, progress=False, task=TASK,
    )  # fmt: skip
    assert max(active_rows) <= n * len(level2_problems)
    prompts = encode([p.prompt_text() for p in level2_problems])
    for prompt, result in zip(prompts, results, strict=True):
        cost = result.cost
        assert cost.generations == n * (k + 1)
        assert cost.prefill_tokens == len(prompt)
        # every distinct prefix of the pool was generated at least once (forks share theirs),
        # besides pruned beams and rollouts
        prefixes = {c[:i] for c, _ in result.pool for i in range(1, len(c) + 1)}
        assert cost.generated_tokens >= len(prefixes)
        assert cost.verifier_tokens == cost.prefill_tokens + cost.generated_tokens
        assert cost.flops > 0
        assert 1 <= result.candidates


def test_choose_is_best_of_n_weighted_and_judges_the_chosen_solution(level2_problems):
    problem = level2_problems[1]
    right = tuple(encode([reference_solution(problem)])[0])
    wrong_answer = (problem.answer + 1) % problem.modulus
    wrong = tuple(encode([f"<ans> {wrong_answer} <eos>"])[0])
    lucky = tuple(encode([f"<ans> {problem.answer} <eos>"])[0])  # right answer, no steps
    result = choose(problem, [(wrong, 0.9), (right, 0.5), (lucky, 0.6)], TASK)
    assert result.answer == problem.answer and result.correct
    assert result.chosen == lucky and result.chosen_score == 0.6
    assert not result.chosen_valid  # the answer is right but the steps are missing
    assert choose(problem, [(right, 0.7), (lucky, 0.6)], TASK).chosen_valid
    assert choose(problem, [(wrong, 0.9), (right, 0.5)], TASK).answer == wrong_answer
    assert choose(problem, [((1, 2), 0.9)], TASK).answer is None


def test_quintile_bins_handle_ties():
    values = np.array([0.0] * 12 + [0.5] * 4 + [1.0] * 4)
    bins = quantile_bins(values, seed=1)
    assert np.bincount(bins)[1:].tolist() == [4, 4, 4, 4, 4]
    assert set(bins[values == 1.0]) == {1} and set(bins[values == 0.0]) == {3, 4, 5}
    assert (quantile_bins(values, seed=1) == bins).all()
    uneven = quantile_bins(np.arange(7.0))
    assert sorted(np.bincount(uneven)[1:].tolist()) == [1, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="cannot fill"):
        quantile_bins(np.arange(3.0))
    correct = np.array([[1, 1], [1, 0], [0, 0], [0, 0], [1, 1]], dtype=bool)
    table = bin_table(oracle_bins(correct), correct.mean(axis=1), "pass@1")
    assert table["questions"].tolist() == [1] * 5 and table["high"].is_monotonic_decreasing


def test_registry_maps_names_to_the_paper_configurations():
    from ttc.config import SearchConfig
    from ttc.search import strategy

    cfg = SearchConfig(particle_temperature=0.5)

    def args(name, n):
        return strategy(name).arguments(n, cfg)

    beam = {"width": 4, "subtrees": 1, "lookahead": 0, "particles": None}
    assert args("beam M=4", 64) == beam
    assert args("beam M=sqrt(N)", 64) == {**beam, "width": 8}
    assert args("lookahead k=3 M=4", 16)["lookahead"] == 3
    assert strategy("lookahead k=3 M=4").charge(16) == 64 and strategy("beam M=4").charge(16) == 16
    assert strategy("lookahead k=1 M=sqrt(N)").ns(cfg) == cfg.lookahead_budgets
    assert args("DVTS M=4", 64) == {**beam, "subtrees": 16}
    assert args("DVTS M=4", 2)["subtrees"] == 1
    assert args("particle filtering", 16)["particles"] == 0.5
    with pytest.raises(ValueError, match="sample bank"):
        args("majority", 4)
    with pytest.raises(ValueError, match="unknown search strategy"):
        strategy("mcts")


def test_best_of_n_from_the_bank_uses_the_same_interface(level2_problems):
    from ttc.bank import SampleBank
    from ttc.search import best_of_n_from_bank

    right = [tuple(encode([reference_solution(p)])[0]) for p in level2_problems]
    wrong = [tuple(encode([f"<ans> {(p.answer + 1) % 23} <eos>"])[0]) for p in level2_problems]
    tokens = tuple(t for r, w in zip(right, wrong, strict=True) for t in (r, w, w))
    answers = np.array(
        [[p.answer, (p.answer + 1) % 23, (p.answer + 1) % 23] for p in level2_problems]
    )
    targets = np.array([p.answer for p in level2_problems])[:, None]
    prompts = np.array([len(encode([p.prompt_text()])[0]) for p in level2_problems])
    bank = SampleBank(tokens, answers, answers == targets, np.ones_like(answers, bool), prompts)
    scores = np.array([[0.9, 0.2, 0.2]] * 3)  # the verifier outweighs the two wrong votes
    results = best_of_n_from_bank(bank, scores, level2_problems, 3, 1000, 1000, task=TASK)
    assert all(r.correct and r.chosen_valid for r in results)
    for r, prompt, sol in zip(results, prompts, right, strict=True):
        assert r.cost.generations == 3 and r.cost.prefill_tokens == prompt
        assert r.cost.generated_tokens == len(sol) + 2 * len(wrong[0])
        assert r.cost.verifier_tokens == 3 * prompt + r.cost.generated_tokens
    with pytest.raises(ValueError, match="exceeds the bank"):
        best_of_n_from_bank(bank, scores, level2_problems, 4, 1, 1, task=TASK)
