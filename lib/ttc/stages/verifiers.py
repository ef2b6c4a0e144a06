"""Notebook 03: PRM labels from rollouts, and PRM/ORM training."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict
from pathlib import Path

from .. import cache
from ..config import Profile
from ..real import real_prm
from ..verifiers import (
    KINDS,
    LabelledSolution,
    as_scorer,
    constant_loss,
    heldout_questions,
    init_verifier,
    load_verifier,
    rollout_labels,
    train_verifier,
    training_items,
)
from .common import _require
from .substrate import (
    _policy_inputs,
    _splits_inputs,
    base_policy_dir,
    load_splits,
    sampling_policy,
    substrate_of,
    task_of,
)

LABELS_VERSION = 1
VERIFIER_VERSION = 1
LABEL_CHUNK = 100  # prm_train problems per resumable chunk of rollout labelling


def _labels_inputs(profile: Profile) -> dict:
    v = profile.verifier
    return {
        **_policy_inputs(profile),
        "splits": _splits_inputs(profile),
        "samples_per_problem": v.samples_per_problem,
        "rollouts_per_step": v.rollouts_per_step,
        "temperature": v.temperature,
    }


def _sum_stats(parts: list[dict]) -> dict:
    total = {k: round(sum(p[k] for p in parts), 2) for k in parts[0] if k != "rollouts_per_s"}
    total["rollouts_per_s"] = round(total["rollouts"] / max(total["rollout_s"], 1e-9), 1)
    return total


def prm_labels(profile: Profile, device: str) -> tuple[list[LabelledSolution], dict]:
    """Rollout labels for every prm_train problem (built in resumable chunks), and their statistics."""
    problems = load_splits(profile).prm_train
    v = profile.verifier

    def build(work: Path) -> None:
        task = task_of(profile)
        policy = sampling_policy(profile, device, v.temperature, profile.eval.batch_size)

        def chunk(k: int, start: int, stop: int, tmp: Path) -> None:
            labelled, stats = rollout_labels(
                problems[start:stop],
                policy,
                v.samples_per_problem,
                v.rollouts_per_step,
                seed=profile.seed + 2 * k,
                task=task,
            )
            rows = [
                dataclasses.replace(sol, problem_index=sol.problem_index + start).to_dict()
                for sol in labelled
            ]
            cache.write_json_atomic(tmp, {"stats": stats, "labels": rows})

        cache.build_in_chunks(work, len(problems), LABEL_CHUNK, "labels", chunk)

    path = cache.artifact("prm_labels", _labels_inputs(profile), build, LABELS_VERSION)
    parts = [json.loads(f.read_text()) for f in sorted(path.glob("labels-*"))]
    labelled = [LabelledSolution.from_dict(d) for part in parts for d in part["labels"]]
    return labelled, _sum_stats([part["stats"] for part in parts])


def _external_prm(profile: Profile) -> bool:
    """Whether the PRM is given (`real.prm_dir`) rather than trained in notebook 03."""
    return substrate_of(profile).external_prm


def trained_verifiers(profile: Profile) -> tuple[str, ...]:
    """The verifiers notebook 03 trains: PRM and ORM, or the ORM only next to an external PRM."""
    return ("orm",) if _external_prm(profile) else KINDS


def _verifier_inputs(profile: Profile, kind: str) -> dict:
    if kind == "prm" and _external_prm(profile):
        r = profile.real
        return {
            "directory": cache.directory_identity(r.path("prm_dir")),
            **{k: getattr(r, k) for k in ("prm_style", "step_tag", "good_token", "bad_token")},
            "dtype": r.dtype,
        }
    return {
        "labels": _labels_inputs(profile),
        "kind": kind,
        "verifier": asdict(profile.verifier),
        "seed": profile.seed,
    }


def train_verifier_model(profile: Profile, kind: str, device: str) -> Path:
    """Train the PRM or ORM from the base policy's checkpoint; the artifact holds `model/` and
    `history.json` (loss per epoch, and the held-out loss of always predicting the mean label)."""

    if kind not in trained_verifiers(profile):
        raise ValueError(f"the {kind} is given (real.prm_dir), not trained here")

    def build(work: Path) -> None:
        labelled, _ = prm_labels(profile, device)
        problems = load_splits(profile).prm_train
        task = task_of(profile)
        items = training_items(labelled, [task.prompt_ids(p) for p in problems], kind)
        questions = [sol.problem_index for sol in labelled]
        _fit_verifier(
            profile, work, items, questions, len(problems), base_policy_dir(profile), kind, device
        )

    return cache.artifact("verifier", _verifier_inputs(profile, kind), build, VERIFIER_VERSION)


def _fit_verifier(
    profile: Profile,
    work: Path,
    items: list,
    questions: list[int],
    n_questions: int,
    init_dir: Path,
    kind: str,
    device: str,
) -> None:
    """Train a verifier from `init_dir` on `items`, early-stopped on the items of held-out
    questions (`questions[i]` is item i's, of `n_questions`); save `model/` and `history.json`."""
    v = profile.verifier
    held = heldout_questions(n_questions, v.holdout_frac, profile.seed)
    train = [it for it, q in zip(items, questions, strict=True) if q not in held]
    holdout = [it for it, q in zip(items, questions, strict=True) if q in held]
    model = init_verifier(init_dir, v.dropout, device)
    model, history = train_verifier(model, train, holdout, v, device, profile.seed, desc=kind)
    model.save_pretrained(work / "model")
    mean, baseline = constant_loss(train, holdout)
    cache.write_json_atomic(
        work / "history.json",
        {
            "kind": kind,
            "history": history,
            "train_sequences": len(train),
            "holdout_sequences": len(holdout),
            "train_targets": sum(len(it.targets) for it in train),
            "holdout_targets": sum(len(it.targets) for it in holdout),
            "mean_label": float(mean),
            "baseline_holdout_loss": float(baseline),
        },
    )


def verifier_scorer(profile: Profile, kind: str, device: str):
    """A verifier of notebook 03 as a step scorer (trained first if needed), or the PRM of
    `real.prm_dir`."""
    if kind == "prm" and _external_prm(profile):
        return real_prm(profile, task_of(profile).tokenizer, device)
    return as_scorer(load_verifier(train_verifier_model(profile, kind, device) / "model", device))


def verifier_dir(profile: Profile, kind: str) -> Path:
    """A trained verifier's artifact (notebook 03 builds it)."""
    return _require("verifier", _verifier_inputs(profile, kind), VERIFIER_VERSION, "03_verifiers")


def verifier_history(profile: Profile, kind: str) -> dict:
    return json.loads((verifier_dir(profile, kind) / "history.json").read_text())
