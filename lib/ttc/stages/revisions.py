"""Notebook 05: revision training data and the revision model."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import cache
from ..bank import draw_bank
from ..config import Profile
from ..models.pretrain import corpus_loss, pretrain, read_metrics
from ..revisions import (
    RevisionExample,
    revision_corpus,
    revision_examples,
)
from ..verifiers import heldout_questions
from .substrate import (
    _base_spec,
    _policy_inputs,
    _splits_inputs,
    base_policy_dir,
    load_splits,
    sampling_policy,
    task_of,
)

REVISION_DATA_VERSION = 1
REVISION_MODEL_VERSION = 1


def _revision_data_inputs(profile: Profile) -> dict:
    r = profile.revisions
    return {
        **_policy_inputs(profile),
        "splits": _splits_inputs(profile),
        "samples": r.samples_per_problem,
        "temperature": r.temperature,
        "holdout_frac": r.holdout_frac,
    }


def revision_data(profile: Profile, device: str) -> dict:
    """Revision examples from base-model attempts at the revision_train questions, split into
    "train" and "holdout" by question; plus the attempts' accuracy, for the notebook."""
    problems = load_splits(profile).revision_train
    r = profile.revisions

    def compute() -> dict:
        task = task_of(profile)
        attempts = draw_bank(
            sampling_policy(profile, device, r.temperature, profile.eval.batch_size),
            problems, r.samples_per_problem, profile.seed, task,
        )  # fmt: skip
        held = heldout_questions(len(problems), r.holdout_frac, profile.seed)
        rng = random.Random(profile.seed)
        data = {"train": [], "holdout": []}
        for i in range(len(problems)):
            parsed = attempts.answers[i] >= 0  # attempts without an answer are dropped
            texts = [
                task.text(t) for t, ok in zip(attempts.solutions(i), parsed, strict=True) if ok
            ]
            correct = attempts.correct[i][parsed].tolist()
            for e in revision_examples(i, texts, correct, rng):
                data["holdout" if i in held else "train"].append(dataclasses.asdict(e))
        data["attempt_accuracy"] = float(attempts.correct.mean())
        return data

    data = cache.cached_json(
        "revision_data", _revision_data_inputs(profile), compute, REVISION_DATA_VERSION
    )
    return {
        split: [
            RevisionExample(d["problem_index"], tuple(d["context"]), d["target"])
            for d in data[split]
        ]
        for split in ("train", "holdout")
    } | {"attempt_accuracy": data["attempt_accuracy"]}


def _revision_model_inputs(profile: Profile) -> dict:
    return {
        "data": _revision_data_inputs(profile),
        "revisions": asdict(profile.revisions),
        "train": asdict(profile.train),
    }


def train_revision_model(profile: Profile, device: str) -> Path:
    """Finetune the base model on the revision examples (target tokens only), measuring the
    held-out loss at every checkpoint; the artifact is a pretraining-style run directory."""
    r = profile.revisions

    def build(work: Path) -> None:
        data = revision_data(profile, device)
        problems = load_splits(profile).revision_train
        task = task_of(profile)
        train = revision_corpus(data["train"], problems, r.epochs, task)
        holdout = revision_corpus(data["holdout"], problems, 1, task)
        cfg = dataclasses.replace(
            profile.train,
            tokens=int(train["offsets"][-1]),
            batch_size=r.batch_size,
            checkpoints=r.checkpoints,
            eval_points=len(r.checkpoints),
        )
        spec = dataclasses.replace(_base_spec(profile), lr=r.lr)
        pretrain(
            spec, cfg, train, work, profile.seed, device,
            evaluate=lambda model: {"holdout_loss": corpus_loss(model, holdout, pad_id=task.pad_id)},
            init_from=base_policy_dir(profile), tokenizer=task.tokenizer, pad_id=task.pad_id,
        )  # fmt: skip

    return cache.artifact(
        "revision_model", _revision_model_inputs(profile), build, REVISION_MODEL_VERSION
    )


def revision_checkpoint(profile: Profile, device: str) -> tuple[Path, dict]:
    """The kept revision checkpoint: the one after the held-out loss minimum (the last if the
    minimum is last), and the run's metrics."""
    run = train_revision_model(profile, device)
    metrics = read_metrics(run)
    losses = [e["holdout_loss"] for e in metrics["evals"]]
    return run / checkpoint_after_minimum(
        losses, [c["name"] for c in metrics["checkpoints"]]
    ), metrics


def checkpoint_after_minimum(losses: list[float], names: list[str]) -> str:
    """The checkpoint one past the lowest held-out loss (checkpoints and losses aligned)."""
    if len(losses) != len(names) or not names:
        raise ValueError("one held-out loss per checkpoint is needed")
    return names[min(int(np.argmin(losses)) + 1, len(names) - 1)]
