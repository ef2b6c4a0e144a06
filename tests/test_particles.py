"""Particle filtering and exact budgets: resampling follows the weights, a PRM that likes one
path collapses the particles onto it, a constant PRM leaves independent sampling, every tree
strategy ends with exactly N candidates, and what a search is charged matches an independent
count of the decoder's work."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from ttc.config import SearchConfig, TaskConfig
from ttc.search import TREE, Lockstep, particle_weights, resample, survivors, tree_search
from ttc.search import lockstep as lockstep_module
from ttc.search import tree as tree_module
from ttc.tasks.modgraph import generate_problem
from ttc.tasks.modgraph.task import ModgraphTask
from ttc.tasks.modgraph.tokenizer import STEP, build_tokenizer

TASK = ModgraphTask()
STOPS = set(TASK.stop_ids)
STEP_ID = build_tokenizer().convert_tokens_to_ids(STEP)


@pytest.fixture
def problems():
    task = TaskConfig(modulus=23, levels=(1, 2, 3), distractors=(0, 0), n_names=30)
    rng = random.Random(3)
    return [generate_problem(task, rng) for _ in range(3)]


class Judged(Lockstep):
    """Lockstep whose PRM scores come from `judge(row's solution so far) -> score`."""

    judge = None

    def start(self, prompts, capacity):
        super().start(prompts, capacity)
        self.solutions = [[] for _ in prompts]

    def select(self, rows):
        super().select(rows)
        self.solutions = [list(self.solutions[r]) for r in rows.tolist()]

    def extend(self, active, *args):
        tokens, lengths, stopped = super().extend(active, *args)
        for r, n in enumerate(lengths.tolist()):
            self.solutions[r] += tokens[r, :n].tolist()
        self.score = torch.tensor([type(self).judge(s) for s in self.solutions])
        return tokens, lengths, stopped


def _steps(tokens) -> int:
    """Rounds a candidate lived: one step per round, each ending on a stop token or cut off."""
    return sum(t in STOPS for t in tokens) + (bool(tokens) and tokens[-1] not in STOPS)


def test_particle_weights_are_the_prm_odds_and_resampling_follows_them():
    scores = torch.tensor([0.9, 0.5, 0.2, 0.5])
    odds = scores / (1 - scores)
    assert torch.allclose(particle_weights(scores, 1.0), (odds / odds.sum()).double())
    flat = particle_weights(scores, 1e6)  # a hot softmax flattens towards uniform
    assert torch.allclose(flat, torch.full((4,), 0.25, dtype=torch.float64), atol=1e-5)
    with pytest.raises(ValueError, match="positive"):
        particle_weights(scores, 0.0)
    weights = particle_weights(scores, 1.0)
    generator = torch.Generator().manual_seed(0)
    draws = torch.cat([resample(weights, 4, generator) for _ in range(20_000)])
    freq = torch.bincount(draws, minlength=4).double() / len(draws)
    assert torch.allclose(freq, weights, atol=0.01)  # 80k draws: s.e. under 0.002


def test_survivors_keep_the_rows_of_a_tree():
    rank = [0.1, 0.9, 0.5, 0.3, 0.7]
    rows = [0, 1, 2, 3, 4]
    assert survivors(rows, rank, 2, None, None) == [1, 1, 1, 4, 4]  # top 2, forked to fill 5
    assert survivors(rows, rank, 8, None, None) == [1] * 5  # fewer rows than the width
    picked = survivors(rows, rank, 1, 1.0, torch.Generator().manual_seed(0))
    assert len(picked) == 5 and set(picked) <= set(rows)


def test_a_prm_that_likes_one_path_collapses_the_particles(problems, stepping_policy, tiny_prm,
                                                           monkeypatch):  # fmt: skip
    path: list[int] = []

    def judge(solution):
        """1 on the path, 0 elsewhere; the path follows the first open row that extends it."""
        return float(solution == path)

    class OnePath(Judged):
        def extend(self, active, *args):
            tokens, lengths, stopped = Lockstep.extend(self, active, *args)
            for r, n in enumerate(lengths.tolist()):
                self.solutions[r] += tokens[r, :n].tolist()
            longer = [s for s in self.solutions
                      if s[: len(path)] == path and len(s) > len(path) and not TASK.finished(s)]  # fmt: skip
            self.on_path = bool(longer)  # else the path has ended: every open row scores 0
            if longer:
                path[:] = longer[0]
            self.score = torch.tensor([judge(s) for s in self.solutions])
            return tokens, lengths, stopped

        def select(self, rows):
            super().select(rows)
            if getattr(self, "on_path", False):  # resampled: every open particle is the path
                distinct.append(len({tuple(s) for s in self.solutions}))

    distinct: list[int] = []
    monkeypatch.setattr(tree_module, "Lockstep", OnePath)
    [result] = tree_search(stepping_policy, tiny_prm, problems[2:], 16, 1, particles=1.0,
                           max_rounds=8, step_tokens=6, progress=False, task=TASK)  # fmt: skip
    assert distinct and set(distinct) == {1}
    assert result.candidates == 16
    late = [c for c, _ in result.pool if _steps(c) > 1]  # lived past the first round
    assert late and len({c[: c.index(next(t for t in c if t in STOPS)) + 1] for c in late}) == 1


def test_a_constant_prm_leaves_independent_sampling(problems, stepping_policy, tiny_prm,
                                                    monkeypatch):  # fmt: skip
    """Uniform weights: each particle is a policy sample, distributed as in N independent
    one-row trees. Compared by the candidates' (steps, first step empty) histogram."""
    monkeypatch.setattr(tree_module, "Lockstep", Judged)

    def histogram(judge, args, seeds=100):
        monkeypatch.setattr(Judged, "judge", staticmethod(judge))
        counts = np.zeros((7, 2))
        for seed in range(seeds):
            for r in tree_search(stepping_policy, tiny_prm, problems, 8, **args, seed=seed,
                                 max_rounds=6, step_tokens=6, progress=False, task=TASK):  # fmt: skip
                for c, _ in r.pool:
                    counts[_steps(c), int(c[:1] == (STEP_ID,))] += 1
        assert counts.sum() == seeds * len(problems) * 8
        return counts / counts.sum()

    def distance(a, b):
        return 0.5 * np.abs(a - b).sum()  # total variation

    independent = histogram(lambda s: 0.5, {"width": 1, "subtrees": 8})
    particles = histogram(lambda s: 0.5, {"width": 1, "particles": 1.0})
    assert distance(particles, independent) < 0.06
    # the comparison has power: a PRM that likes an empty first step moves the histogram
    tilted = histogram(lambda s: 0.99 if s[:1] == [STEP_ID] else 0.01,
                       {"width": 1, "particles": 1.0}, seeds=20)  # fmt: skip
    assert distance(tilted, independent) > 0.2


def test_the_audited_case_now_ends_with_exactly_n_candidates(stepping_policy, tiny_prm):
    """Before exact budgets this search returned 18 candidates for a budget of 16."""
    cfg = TaskConfig(modulus=23, levels=(1, 2, 3))
    p = generate_problem(cfg, random.Random(3))
    [result] = tree_search(stepping_policy, tiny_prm, [p], 16, 4, seed=0, progress=False, task=TASK)
    assert result.candidates == 16


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_every_tree_strategy_spends_exactly_its_budget(problems, stepping_policy, tiny_prm, n,
                                                       monkeypatch):  # fmt: skip
    """Exactly N candidates; the rows sampled over all rounds equal the candidates' steps (what
    N independent samples of those lengths cost); tokens as the decoder counted them."""
    counted = {"tokens": 0, "row_steps": 0}
    make = lockstep_module.make_decoder

    class Counting:
        def __init__(self, decoder):
            self.decoder = decoder

        def __getattr__(self, name):
            return getattr(self.decoder, name)

        def step(self, tokens, live):
            counted["tokens"] += int(live.sum())
            return self.decoder.step(tokens, live)

    def counting_decoder(model, *args, **kwargs):
        decoder = make(model, *args, **kwargs)
        return Counting(decoder) if model is stepping_policy else decoder

    extend = Lockstep.extend

    def spy(self, active, temperature, *args):
        if temperature > 0:  # a search round (lookahead rollouts are greedy)
            counted["row_steps"] += int(active.sum())
        return extend(self, active, temperature, *args)

    monkeypatch.setattr(lockstep_module, "make_decoder", counting_decoder)
    monkeypatch.setattr(Lockstep, "extend", spy)
    cfg = SearchConfig(budgets=(n,), lookahead_budgets=(n,))
    for strategy in TREE:
        counted.update(tokens=0, row_steps=0)
        results = tree_search(stepping_policy, tiny_prm, problems, n,
                              **strategy.arguments(n, cfg), max_rounds=5, step_tokens=6,
                              progress=False, task=TASK)  # fmt: skip
        assert [r.candidates for r in results] == [n] * len(problems), strategy.name
        assert all(r.cost.generations == strategy.charge(n) for r in results)
        assert sum(r.cost.generated_tokens for r in results) == counted["tokens"], strategy.name
        steps = sum(_steps(c) for r in results for c, _ in r.pool)
        assert counted["row_steps"] == steps, strategy.name
