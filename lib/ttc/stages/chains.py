"""Notebook 05: revision chains, the revision ORM, and the seq:par outcomes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file

from .. import cache
from ..bank import SampleBank
from ..config import Profile
from ..revisions import (
    ChainBank,
    attempt_items,
    draw_chains,
    split_outcomes,
    study_splits,
)
from ..tasks.modgraph import Problem
from ..verifiers import (
    aggregate,
    load_verifier,
    score_steps,
)
from .bank import _bank_items
from .revisions import _revision_model_inputs, revision_checkpoint
from .substrate import _splits_inputs, load_splits, sampling_policy, task_of
from .verifiers import _fit_verifier, _verifier_inputs, verifier_scorer

CHAINS_VERSION = 1
REVISION_VERIFIER_VERSION = 1
CHAIN_SCORES_VERSION = 1
OUTCOMES_VERSION = 1
CHAIN_CHUNK = 50  # questions per resumable chunk of revision chains
CHAIN_SETS = ("test", "orm")  # chains on every test question; on the revision ORM's questions
CHAIN_SCORERS = ("revision ORM", "revision ORM, no history", "base PRM")


def chain_problems(profile: Profile, which: str) -> tuple:
    """The questions a chain set is drawn on: the test split, or the first
    `chains.orm_questions` prm_train questions (never seen by the revision model)."""
    splits = load_splits(profile)
    if which == "test":
        return splits.test
    if which == "orm":
        return splits.prm_train[: profile.chains.orm_questions]
    raise ValueError(f"unknown chain set {which!r}; choose one of {CHAIN_SETS}")


def _chain_inputs(profile: Profile, which: str) -> dict:
    c = profile.chains
    return {
        "revision_model": _revision_model_inputs(profile),
        "splits": _splits_inputs(profile),
        "which": which,
        "questions": len(chain_problems(profile, which)),
        "chains": c.chains,
        "length": c.length,
        "temperature": profile.revisions.temperature,
        "sample_batch_size": c.batch_size,
    }


def revision_chains(profile: Profile, which: str, device: str) -> ChainBank:
    """Chains of the kept revision checkpoint on a chain set (built in resumable chunks)."""
    problems = chain_problems(profile, which)
    c = profile.chains

    def build(work: Path) -> None:
        checkpoint, _ = revision_checkpoint(profile, device)
        task = task_of(profile)
        policy = sampling_policy(
            profile, device, profile.revisions.temperature, c.batch_size, progress=False,
            directory=checkpoint,
        )  # fmt: skip

        def chunk(k: int, start: int, stop: int, tmp: Path) -> None:
            seed = profile.seed + 1000 * k
            chains = draw_chains(policy, problems[start:stop], c.chains, c.length, seed, task=task)
            chains.save(tmp)

        cache.build_in_chunks(work, len(problems), CHAIN_CHUNK, "chains", chunk)

    path = cache.artifact("chains", _chain_inputs(profile, which), build, CHAINS_VERSION)
    return ChainBank.concatenate([ChainBank.load(d) for d in sorted(path.glob("chains-*"))])


def _revision_verifier_inputs(profile: Profile, history: bool) -> dict:
    return {
        "chains": _chain_inputs(profile, "orm"),
        "history": history,
        "verifier": asdict(profile.verifier),
        "seed": profile.seed,
    }


def train_revision_verifier(profile: Profile, history: bool, device: str) -> Path:
    """The revision ORM, from the kept revision checkpoint, on the revision model's chains at
    the orm questions (attempts without an answer dropped); with or without the chain's
    earlier attempts in context. Same artifact layout as `train_verifier_model`."""

    def build(work: Path) -> None:
        problems = chain_problems(profile, "orm")
        chains = revision_chains(profile, "orm", device)
        items = attempt_items(problems, chains, history, task_of(profile))
        keep = np.flatnonzero(chains.attempts.answers.reshape(-1) >= 0)
        questions = np.repeat(np.arange(len(problems)), chains.attempts.samples)[keep]
        checkpoint, _ = revision_checkpoint(profile, device)
        kind = "revision ORM" + ("" if history else ", no history")
        _fit_verifier(
            profile, work, [items[i] for i in keep], questions.tolist(), len(problems),
            checkpoint, kind, device,
        )  # fmt: skip

    return cache.artifact(
        "revision_verifier",
        _revision_verifier_inputs(profile, history),
        build,
        REVISION_VERIFIER_VERSION,
    )


def revision_verifier_history(profile: Profile, history: bool, device: str) -> dict:
    """The revision ORM's training record (training it first if needed)."""
    path = train_revision_verifier(profile, history, device)
    return json.loads((path / "history.json").read_text())


def _prm_last_scores(
    profile: Profile, problems: Sequence[Problem], bank: SampleBank, device: str
) -> np.ndarray:
    """[problem, sample] last step score of the PRM on a bank of solutions."""
    items = _bank_items(profile, problems, bank)
    scores = score_steps(verifier_scorer(profile, "prm", device), items, profile.eval.batch_size)
    return np.array([aggregate(s, "last") for s in scores], dtype=np.float32).reshape(
        bank.answers.shape
    )


def _chain_scorer_inputs(profile: Profile, scorer: str) -> dict:
    verifier = (
        _verifier_inputs(profile, "prm")
        if scorer == "base PRM"
        else _revision_verifier_inputs(profile, scorer == "revision ORM")
    )
    return {"chains": _chain_inputs(profile, "test"), "scorer": scorer, "verifier": verifier}


def chain_scores(profile: Profile, scorer: str, device: str) -> np.ndarray:
    """[question, chain, step] scores of the test chains' attempts: the revision ORM at the
    attempt's last token (with or without history), or the base PRM's last step score."""
    if scorer not in CHAIN_SCORERS:
        raise ValueError(f"unknown chain scorer {scorer!r}; choose one of {CHAIN_SCORERS}")
    history = scorer == "revision ORM"

    def build(work: Path) -> None:
        problems = chain_problems(profile, "test")
        chains = revision_chains(profile, "test", device)
        task = task_of(profile)
        if scorer == "base PRM":
            scores = _prm_last_scores(profile, problems, chains.attempts, device)
        else:
            verifier = train_revision_verifier(profile, history, device) / "model"
            model = load_verifier(verifier, device)
            items = attempt_items(problems, chains, history, task)
            scores = [float(s[-1]) for s in score_steps(model, items, profile.eval.batch_size)]
        grid = np.array(scores, dtype=np.float32).reshape(chains.shape)
        save_file({"scores": grid}, str(work / "scores.safetensors"))

    path = cache.artifact(
        "chain_scores", _chain_scorer_inputs(profile, scorer), build, CHAIN_SCORES_VERSION
    )
    return load_file(str(path / "scores.safetensors"))["scores"]


def revision_outcomes(profile: Profile, device: str) -> pd.DataFrame:
    """Accuracy per test question of every seq:par split notebook 05 reads
    (`revisions.study_splits`), under majority and hierarchical selection with each chain
    scorer (cached: the sweep over random chain subsets takes a while on CPU)."""
    c = profile.chains

    def compute() -> list[dict]:
        chains = revision_chains(profile, "test", device)
        scores = {name: chain_scores(profile, name, device) for name in CHAIN_SCORERS}
        splits = study_splits(c.chains, c.length, c.budgets)
        targets = chains.attempts.correct_answers()
        frame = split_outcomes(chains.answers, scores, targets, splits, c.trials, profile.seed)
        return frame.to_dict(orient="records")

    inputs = {
        "chains": _chain_inputs(profile, "test"),
        "scorers": {name: _chain_scorer_inputs(profile, name) for name in CHAIN_SCORERS},
        "budgets": list(c.budgets),
        "trials": c.trials,
        "seed": profile.seed,
    }
    return pd.DataFrame(cache.cached_json("revision_outcomes", inputs, compute, OUTCOMES_VERSION))


def revision_candidates(revised: pd.DataFrame, rule: str = "revision ORM") -> pd.DataFrame:
    """The compute-optimal revision candidates: every seq:par split under one selection rule,
    as (problem, strategy "s:p", budget, correct)."""
    picked = revised[revised["rule"] == rule]
    return pd.DataFrame(
        {
            "problem": picked["problem"],
            "strategy": picked["s"].astype(str) + ":" + picked["p"].astype(str),
            "budget": picked["budget"],
            "correct": picked["accuracy"],
        }
    )
