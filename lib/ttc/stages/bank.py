"""Notebook 03: the sample bank of base-policy solutions per test question, its verifier
scores, and the difficulty bins read from it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file

from .. import cache
from ..bank import SampleBank, draw_bank
from ..config import Profile
from ..difficulty import oracle_bins, predicted_bins
from ..ragged import pack, unpack
from ..verifiers import (
    score_steps,
    scoring_items,
)
from ..verifiers.quality import answer_scores
from .substrate import _policy_inputs, _splits_inputs, load_splits, sampling_policy, task_of
from .verifiers import _verifier_inputs, verifier_scorer

BANK_VERSION = 1
SCORES_VERSION = 1
BANK_CHUNK = 50  # test problems per resumable chunk of the sample bank


def _bank_inputs(profile: Profile) -> dict:
    return {
        **_policy_inputs(profile),
        "splits": _splits_inputs(profile),
        "samples": profile.bank.samples,
        "temperature": profile.bank.temperature,
    }


def sample_bank(profile: Profile, device: str) -> SampleBank:
    """`bank.samples` base-model solutions per test problem (built in resumable chunks)."""
    problems = load_splits(profile).test

    def build(work: Path) -> None:
        task = task_of(profile)
        policy = sampling_policy(profile, device, profile.bank.temperature, profile.eval.batch_size)

        def chunk(k: int, start: int, stop: int, tmp: Path) -> None:
            seed = profile.seed + k
            draw_bank(policy, problems[start:stop], profile.bank.samples, seed, task).save(tmp)

        cache.build_in_chunks(work, len(problems), BANK_CHUNK, "bank", chunk)

    path = cache.artifact("bank", _bank_inputs(profile), build, BANK_VERSION)
    return SampleBank.concatenate([SampleBank.load(f) for f in sorted(path.glob("bank-*"))])


def _bank_items(profile: Profile, problems: Sequence, bank: SampleBank) -> list:
    """Verifier items reading every step end of every bank solution, problem-major."""
    task = task_of(profile)
    return [
        it
        for i, problem in enumerate(problems)
        for it in scoring_items(task.prompt_ids(problem), bank.solutions(i), task)
    ]


def bank_scores(profile: Profile, kind: str, device: str) -> list[np.ndarray]:
    """The verifier's score at every step end of every bank sample, problem-major like the bank."""
    problems = load_splits(profile).test

    def build(work: Path) -> None:
        bank = sample_bank(profile, device)
        model = verifier_scorer(profile, kind, device)
        items = _bank_items(profile, problems, bank)
        flat, offsets = pack(score_steps(model, items, profile.eval.batch_size), np.float32)
        save_file({"scores": flat, "offsets": offsets}, str(work / "scores.safetensors"))

    inputs = {"bank": _bank_inputs(profile), "verifier": _verifier_inputs(profile, kind)}
    path = cache.artifact("bank_scores", inputs, build, SCORES_VERSION)
    data = load_file(str(path / "scores.safetensors"))
    return unpack(data["scores"], data["offsets"])


def bank_answer_scores(profile: Profile, kind: str, device: str) -> np.ndarray:
    """[problem, sample] answer scores of the bank: the verifier's (PRM or ORM) last step."""
    shape = sample_bank(profile, device).answers.shape
    return answer_scores(bank_scores(profile, kind, device), shape, "last")


def difficulty_bins(profile: Profile, device: str) -> pd.DataFrame:
    """Per test question: its level, oracle bin (bank pass@1) and predicted bin (mean PRM
    last-step score over the same samples)."""
    bank = sample_bank(profile, device)
    test = load_splits(profile).test
    return pd.DataFrame(
        {
            "problem": range(len(test)),
            "level": [p.level for p in test],
            "oracle_bin": oracle_bins(bank.correct, seed=profile.seed),
            "predicted_bin": predicted_bins(
                bank_answer_scores(profile, "prm", device), seed=profile.seed
            ),
        }
    )
