"""Beam search with KV-cache reuse against the same search re-encoding every prefix
(target: >= 3x generated tokens/s at N = 64 on CPU).

The baseline keeps each beam as a token list and, every round, samples the next step by
prefilling prompt + prefix from scratch (`ttc.sampling.sample`, one batch) and scores it by
running the PRM over the whole sequence (`ttc.verifiers.score_steps`), which is how a
search built on `generate` and a separate reward model call works. Both run the same
`tree_search` code; only the decoder state differs. Uses the profile's trained policy and
PRM when notebooks 02-03 have built them, otherwise untrained stand-ins of the same size
(timed, not recorded).
"""

from __future__ import annotations

import random
import tempfile
from unittest import mock

import torch
from ttc import runtime
from ttc.config import load_profile
from ttc.models.ladder import build_model, load_model
from ttc.sampling import sample
from ttc.search import tree, tree_search
from ttc.stages import MissingUpstream, base_policy_dir, verifier_dir
from ttc.tasks.modgraph import generate_problem
from ttc.tasks.modgraph.task import ModgraphTask
from ttc.verifiers import ScoredSequence, init_verifier, load_verifier, score_steps

from benchmarks import best_rates, report


class Reencoding:
    """`Lockstep`'s interface without a cache: every step re-reads the whole prefix."""

    def __init__(self, policy, prm, pad_id, fast=None):
        self.policy, self.prm, self.pad_id = policy, prm, pad_id
        self.device = next(policy.parameters()).device
        self.calls = 0

    def start(self, prompts, capacity):
        self.seqs = [list(p) for p in prompts]
        self.score = torch.zeros(len(prompts))

    @property
    def rows(self):
        return len(self.seqs)

    @property
    def t(self):
        return 0

    def select(self, rows):
        rows = rows.tolist()
        self.seqs = [list(self.seqs[r]) for r in rows]
        self.score = self.score[rows]

    def rewind(self, t):
        pass  # forks were dropped by `select`; nothing else is held

    def extend(self, active, temperature, stop_ids, max_tokens, generator):
        rows = [r for r, a in enumerate(active.tolist()) if a]
        tokens = torch.full((self.rows, max_tokens), self.pad_id)
        lengths = torch.zeros(self.rows, dtype=torch.long)
        stopped = torch.zeros(self.rows, dtype=torch.bool)
        stops = set(stop_ids.tolist())
        self.calls += 1
        gens = sample(
            self.policy, [self.seqs[r] for r in rows], temperature=temperature,
            max_new_tokens=max_tokens, stop_ids=sorted(stops), pad_id=self.pad_id,
            batch_size=max(1, len(rows)), seed=self.calls, progress=False,
        )  # fmt: skip
        for r, g in zip(rows, gens, strict=True):
            tokens[r, : g.n_generated] = torch.tensor(g.tokens)
            lengths[r], stopped[r] = g.n_generated, g.stopped
            self.seqs[r] += list(g.tokens)
        items = [ScoredSequence(tuple(self.seqs[r]), (len(self.seqs[r]) - 1,)) for r in rows]
        for r, s in zip(
            rows, score_steps(self.prm, items, batch_size=512, progress=False), strict=True
        ):
            self.score[r] = float(s[0])
        return tokens, lengths, stopped


def _stand_ins(profile, device):
    """An untrained policy of the base model's size and a PRM initialised from it."""
    policy = build_model(profile.model(profile.base_model), profile.seed)
    with tempfile.TemporaryDirectory() as tmp:
        policy.save_pretrained(tmp)
        prm = init_verifier(tmp, dropout=0.0, device=device).eval()
    return policy.to(device).eval(), prm


def setup(profile_name: str, questions: int) -> tuple:
    """(profile, device, policy, PRM, trained, problems): the profile's trained policy and PRM,
    else same-sized stand-ins, and `questions` fresh problems of its task."""
    runtime.configure_process()
    device = runtime.device()
    profile = load_profile(profile_name)
    try:
        policy = load_model(base_policy_dir(profile), device)
        prm = load_verifier(verifier_dir(profile, "prm") / "model", device)
        trained = True
    except MissingUpstream:  # a fresh clone: same-sized stand-ins, timed but not recorded
        (policy, prm), trained = _stand_ins(profile, device), False
    rng = random.Random(0)
    problems = [generate_problem(profile.task, rng) for _ in range(questions)]
    return profile, device, policy, prm, trained, problems


def run(profile_name: str = "cpu", budget: int = 64, questions: int = 16, repeats: int = 5) -> dict:
    _, device, policy, prm, trained, problems = setup(profile_name, questions)

    def search():
        results = tree_search(
            policy, prm, problems, budget, 4, seed=0, progress=False, task=ModgraphTask()
        )
        return sum(r.cost.generated_tokens for r in results)

    def reencoding():
        with mock.patch.object(tree, "Lockstep", Reencoding):
            return search()

    rates = best_rates({"lockstep KV reuse": search, "re-encode every prefix": reencoding}, repeats)
    return report(
        f"beam search M=4, N={budget}, {questions} questions, {profile_name} policy and PRM "
        f"({'trained' if trained else 'untrained stand-ins'}), "
        f"device {device} (tokens/s of the policy, PRM scoring included; best of {repeats})",
        profile_name, "search", rates, 3, trained, budget=budget, questions=questions, device=device,
        repeats=repeats,
    )  # fmt: skip


if __name__ == "__main__":
    run()
