"""Verifiers: rollout labels against a policy whose success chances are known, aggregation,
and PRM training, scoring and reloading on a tiny model."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from ttc.config import TaskConfig, VerifierConfig
from ttc.sampling import Generation
from ttc.tasks.base import step_ends
from ttc.tasks.modgraph import encode, generate_problem, gold_prefix_labels, reference_solution
from ttc.tasks.modgraph.task import ModgraphTask
from ttc.tasks.modgraph.tokenizer import STEP, build_tokenizer
from ttc.verifiers import (
    ScoredSequence,
    aggregate,
    init_verifier,
    load_verifier,
    rollout_labels,
    score_steps,
    scoring_items,
    train_verifier,
    training_items,
)

TASK = ModgraphTask()  # every library call names its task


class StubPolicy:
    """Writes each problem's reference solution; a rollout from a prefix with k finished
    steps answers correctly with probability `chance[k]`, else with a wrong number."""

    def __init__(self, problems, chance, garbled=()):
        self.problems = problems
        self.prompts = encode([p.prompt_text() for p in problems])
        self.chance = chance
        self.garbled = set(garbled)  # problems whose solutions have no answer
        self.step_id = build_tokenizer().convert_tokens_to_ids(STEP)
        self.calls = []

    def __call__(self, prompts, n, limits, seed):
        rng = np.random.default_rng(seed)
        self.calls.append(len(prompts))
        out = []
        for i, ids in enumerate(prompts):
            base = next(k for k, p in enumerate(self.prompts) if ids[: len(p)] == p)
            problem, prefix = self.problems[base], ids[len(self.prompts[base]) :]
            for j in range(n):
                if not prefix:
                    text = reference_solution(problem)
                    if base in self.garbled:
                        text = text.split("<ans>")[0] + "<eos>"
                else:
                    right = rng.random() < self.chance[prefix.count(self.step_id)]
                    answer = problem.answer if right else (problem.answer + 1) % problem.modulus
                    text = f"<ans> {answer} <eos>"
                out.append(Generation(i, j, tuple(encode([text])[0]), True, len(ids)))
        return out


@pytest.fixture
def level3_problems():
    task = TaskConfig(modulus=23, levels=(3,), distractors=(0, 0), n_names=30)
    rng = random.Random(1)
    return [generate_problem(task, rng) for _ in range(3)]


def test_rollout_labels_estimate_known_success_chances(level3_problems):
    chance = {1: 0.2, 2: 0.5, 3: 0.9}
    policy = StubPolicy(level3_problems, chance, garbled={2})
    labelled, stats = rollout_labels(level3_problems, policy, 2, 400, seed=0, task=TASK)
    assert stats["dropped_unparsable"] == 2  # both samples of the garbled problem
    assert len(labelled) == 4
    # the two samples of a problem are identical: their prefixes are rolled out once
    assert stats["step_prefixes"] == 4 * 3 and stats["distinct_prefixes"] == 2 * 3
    assert stats["rollouts"] == 2 * 3 * 400
    for sol in labelled:
        assert sol.problem_index in (0, 1)
        assert len(sol.values) == len(sol.ends) == 4  # three <s> and the final <eos>
        for k, value in enumerate(sol.values[:-1], start=1):
            assert abs(value - chance[k]) < 4 * np.sqrt(chance[k] * (1 - chance[k]) / 400)
        assert sol.values[-1] == 1.0 and sol.correct
        assert all(sol.gold)  # reference steps are all valid


def test_step_ends_and_gold_flag_a_wrong_step(level3_problems):
    problem = level3_problems[0]
    steps = reference_solution(problem).split(" <s> ")
    tokens = steps[0].split()
    tokens[-1] = str((int(tokens[-1]) + 1) % problem.modulus)  # wrong arithmetic in step 1
    text = " <s> ".join([" ".join(tokens), *steps[1:]])
    ids = encode([text])[0]
    ends = step_ends(ModgraphTask(), ids)
    assert len(ends) == 4 and ends[-1] == len(ids) - 1
    # every prefix holds the wrong step; the answer step is graded by the answer alone
    assert gold_prefix_labels(problem, text, 3) == [False, False, False, True]
    assert gold_prefix_labels(problem, reference_solution(problem), 3) == [True] * 4


def test_aggregation():
    scores = np.array([0.9, 0.5, 0.8])
    assert aggregate(scores, "last") == pytest.approx(0.8)
    assert aggregate(scores, "min") == pytest.approx(0.5)
    assert aggregate(scores, "prod") == pytest.approx(0.36)
    with pytest.raises(ValueError, match="unknown aggregation"):
        aggregate(scores, "mean")


def test_training_items_prm_reads_every_step_orm_only_the_end(level3_problems):
    policy = StubPolicy(level3_problems, {1: 0.5, 2: 0.5, 3: 0.5})
    labelled, _ = rollout_labels(level3_problems, policy, 1, 4, seed=0, task=TASK)
    prompts = encode([p.prompt_text() for p in level3_problems])
    prm = training_items(labelled, prompts, "prm")
    orm = training_items(labelled, prompts, "orm")
    tok = build_tokenizer()
    for p_item, o_item, sol in zip(prm, orm, labelled, strict=True):
        assert p_item.targets == sol.values and len(p_item.positions) == 4
        assert o_item.targets == (1.0,) and o_item.positions == p_item.positions[-1:]
        assert p_item.ids[o_item.positions[0]] == tok.eos_token_id
    with pytest.raises(ValueError, match="unknown verifier kind"):
        training_items(labelled, prompts, "rm")


@pytest.fixture
def policy_dir(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path / "policy")
    return tmp_path / "policy"


def _toy_items(problems):
    """Reference solutions labelled 0.9 at every step, and the same with every step's result
    replaced by `<att>` labelled 0.1: a signal next to each read-out that a tiny model learns."""
    att = build_tokenizer().convert_tokens_to_ids("<att>")
    items = []
    for p in problems:
        prompt = encode([p.prompt_text()])[0]
        good = encode([reference_solution(p)])[0]
        bad = [att if j + 1 in step_ends(ModgraphTask(), good) else t for j, t in enumerate(good)]
        for sol, label in ((good, 0.9), (bad, 0.1)):
            item = scoring_items(prompt, [sol], TASK)[0]
            items.append(ScoredSequence(item.ids, item.positions, (label,) * len(item.positions)))
    return items


def test_prm_training_lowers_loss_and_reloads_identically(problems, policy_dir, tmp_path):
    items = _toy_items(problems[:24])
    cfg = VerifierConfig(lr=1e-2, batch_size=4, max_epochs=6, patience=6, dropout=0.0)
    model = init_verifier(policy_dir, cfg.dropout)
    model, history = train_verifier(model, items[:40], items[40:], cfg, "cpu", progress=False)
    assert history[0]["train_loss"] is None and len(history) == 7
    assert min(h["holdout_loss"] for h in history[1:]) < history[0]["holdout_loss"] - 0.1
    first = score_steps(model, items, batch_size=7, progress=False)
    again = score_steps(model, items, batch_size=16, progress=False)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
        assert ((a > 0) & (a < 1)).all()
    model.save_pretrained(tmp_path / "prm")
    reloaded = load_verifier(tmp_path / "prm")
    for a, b in zip(first, score_steps(reloaded, items, progress=False), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_early_stopping_keeps_the_best_epoch(problems, policy_dir):
    items = _toy_items(problems[:8])
    cfg = VerifierConfig(lr=0.3, batch_size=4, max_epochs=6, patience=1, dropout=0.0)
    torch.manual_seed(0)
    model = init_verifier(policy_dir, 0.0)
    model, history = train_verifier(model, items[:8], items[8:], cfg, "cpu", progress=False)
    losses = [h["holdout_loss"] for h in history]
    from ttc.verifiers import heldout_loss

    assert heldout_loss(model, items[8:], 4, "cpu") == pytest.approx(min(losses), rel=1e-5)


def test_missing_verifier_directory_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="no verifier checkpoint"):
        load_verifier(tmp_path)


def test_auroc_and_calibration():
    from ttc.verifiers.quality import auroc, calibration

    assert auroc(np.array([0.9, 0.8, 0.1]), np.array([1, 1, 0])) == 1.0
    assert auroc(np.array([0.1, 0.8, 0.9]), np.array([1, 1, 0])) == 0.0
    assert auroc(np.array([0.5, 0.5]), np.array([1, 0])) == 0.5
    assert np.isnan(auroc(np.array([0.5]), np.array([1])))
    table = calibration(np.array([0.05, 0.05, 0.95, 0.95]), np.array([0, 0, 1, 0]), bins=2)
    assert table["outcome"].tolist() == [0.0, 0.5] and table["n"].tolist() == [2, 2]
