"""Notebook 02: pretraining the ladder, validation pass@1 per checkpoint, and the checkpoint
that acts as each model (a compute-limited base under `base_target`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from .. import cache, runtime
from ..config import Profile
from ..models.evaluate import checkpoint_means, crossing_checkpoint, greedy_pass_at_1, role_losses
from ..models.ladder import load_model
from ..models.pretrain import checkpoint_name, pretrain, read_metrics
from ..tasks.modgraph import Splits
from .common import _require
from .data import _corpus_inputs, _splits_inputs, load_pretraining_corpus, load_splits

PRETRAIN_VERSION = 1
EVAL_VERSION = 1


def _pretrain_inputs(profile: Profile, name: str, seed: int | None = None) -> dict:
    inputs = {
        "corpus": _corpus_inputs(profile),
        "model": asdict(profile.model(name)),
        "train": asdict(profile.train),
        # what pretraining reads of the eval settings: the loss probe and its batch size
        "eval": {k: getattr(profile.eval, k) for k in ("batch_size", "loss_problems_per_level")},
    }
    if seed is not None and seed != profile.seed:  # another initialisation and batch order
        inputs["train_seed"] = seed
    return inputs


def loss_probe(profile: Profile, splits: Splits) -> list:
    """The fixed validation subset on which loss by role is tracked during training."""
    k = profile.eval.loss_problems_per_level
    return [
        p
        for level in profile.task.levels
        for p in [q for q in splits.validation if q.n_ops == level][:k]
    ]


def train_model(profile: Profile, name: str, device: str, seed: int | None = None) -> Path:
    """Pretrain one ladder model (resuming an interrupted run); returns its artifact directory.
    `seed` (default: the profile's) sets the initialisation and batch order, not the data."""
    splits = load_splits(profile)
    probe = loss_probe(profile, splits)

    def build(work: Path) -> None:
        corpus = load_pretraining_corpus(profile)
        pretrain(
            profile.model(name),
            profile.train,
            corpus,
            work,
            profile.seed if seed is None else seed,
            device,
            evaluate=lambda model: {
                "role_loss": role_losses(model, probe, profile.eval.batch_size)
            },
        )

    inputs = _pretrain_inputs(profile, name, seed)
    return cache.artifact("pretrain", inputs, build, PRETRAIN_VERSION)


def model_run(profile: Profile, name: str, seed: int | None = None) -> Path:
    """A finished pretraining run (notebook 02 builds it; `python -m ttc.calibrate` other seeds)."""
    inputs = _pretrain_inputs(profile, name, seed)
    return _require("pretrain", inputs, PRETRAIN_VERSION, "02_base_models")


def ladder_metrics(profile: Profile) -> pd.DataFrame:
    """One row per model: size, tokens, FLOPs (6ND and counted), throughput, wall time."""
    rows = []
    for spec in profile.ladder:
        m = read_metrics(model_run(profile, spec.name))
        rows.append(
            {
                "model": spec.name,
                "d_model": spec.d_model,
                "n_layers": spec.n_layers,
                "n_params": m["n_params"],
                "tokens": m["tokens_seen"],
                "flops_6nd": m["flops_6nd"],
                "flops_counted": m["flops_counted"],
                "tokens_per_s": m["tokens_per_s"],
                "wall_s": m["wall_s"],
                "device": m["device"],
            }
        )
    return pd.DataFrame(rows)


def policy_checkpoint(profile: Profile, name: str, seed: int | None = None) -> str:
    """The checkpoint of ladder model `name` that acts as that model: the final one, except
    for the base model under `base_target`, the checkpoint at which its validation greedy
    pass@1 (averaged over levels) crosses the target (`crossing_checkpoint`): a
    compute-limited base, chosen on the validation split from the per-checkpoint evaluations
    notebook 02 draws."""
    if name != profile.base_model or profile.base_target is None:
        return checkpoint_name(1.0)

    def compute() -> dict:
        evals = checkpoint_pass_at_1(profile, name, runtime.device(), progress=False, seed=seed)
        return {"checkpoint": crossing_checkpoint(evals, profile.base_target)}

    # every cache key downstream of the policy asks; the choice is made once
    inputs = {
        "run": _pretrain_inputs(profile, name, seed),
        "validation": _splits_inputs(profile),
        "target": profile.base_target,
        "rule": "nearest at the crossing",
    }
    return cache.cached_json("policy_checkpoint", inputs, compute, EVAL_VERSION)["checkpoint"]


def base_selection(profile: Profile, device: str) -> dict | None:
    """How the base checkpoint was chosen under `base_target` (None without one): the target,
    the chosen checkpoint, whether any checkpoint reached the target, and the best one's
    validation pass@1 averaged over levels. A base that never reaches it has not learned
    what the profile was calibrated for: the checkpoint is then the last one, and the
    findings downstream do not mean what they were designed to."""
    if profile.base_target is None:
        return None
    means = checkpoint_means(
        checkpoint_pass_at_1(profile, profile.base_model, device, progress=False)
    )
    (_, best), value = means.idxmax(), float(means.max())
    return {
        "target": profile.base_target,
        "checkpoint": policy_checkpoint(profile, profile.base_model),
        "reached": bool(value >= profile.base_target),
        "best_checkpoint": best,
        "best_pass_at_1": round(value, 4),
    }


def policy_metrics(profile: Profile) -> pd.DataFrame:
    """One row per ladder model: the checkpoint that acts as it (`policy_checkpoint`), its
    pretraining tokens and FLOPs (6ND), and its parameters: the compute the exchange
    compares."""
    rows = []
    for spec in profile.ladder:
        m = read_metrics(model_run(profile, spec.name))
        name = policy_checkpoint(profile, spec.name)
        ckpt = next(c for c in m["checkpoints"] if c["name"] == name)
        rows.append(
            {
                "model": spec.name,
                "checkpoint": name,
                "n_params": m["n_params"],
                "tokens": ckpt["tokens"],
                "flops_6nd": ckpt["flops_6nd"],
            }
        )
    return pd.DataFrame(rows).set_index("model")


def checkpoint_pass_at_1(
    profile: Profile, name: str, device: str, progress: bool = True, seed: int | None = None
) -> pd.DataFrame:
    """Greedy pass@1 on the validation split for the checkpoints of one model (cached): all of
    the base model's, and those of `eval.checkpoints` for the others; `seed`: a calibration
    run's training seed (default: the profile's)."""
    run = model_run(profile, name, seed)
    metrics = read_metrics(run)
    splits = load_splits(profile)
    frames = []
    chosen = None if name == profile.base_model else profile.eval.checkpoints
    for ckpt in metrics["checkpoints"]:
        if chosen is not None and ckpt["fraction"] not in chosen:
            continue

        def compute(ckpt=ckpt):
            model = load_model(run / ckpt["name"], device)
            frame = greedy_pass_at_1(
                model, splits.validation, profile.eval.batch_size, progress=progress
            )
            return frame.drop(columns="output").to_dict(orient="list")

        inputs = {
            "run": _pretrain_inputs(profile, name, seed),
            "checkpoint": ckpt["name"],
            "validation": _splits_inputs(profile),
        }
        frame = pd.DataFrame(cache.cached_json("pass_at_1", inputs, compute, EVAL_VERSION))
        frame["model"] = name
        frame["checkpoint"] = ckpt["name"]
        frame["fraction"] = ckpt["fraction"]
        frame["tokens"] = ckpt["tokens"]
        frame["flops_6nd"] = ckpt["flops_6nd"]
        frame["flops_counted"] = ckpt["flops_counted"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def training_history(profile: Profile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training loss curves and validation loss by token role over training, long format."""
    curves, roles = [], []
    for spec in profile.ladder:
        m = read_metrics(model_run(profile, spec.name))
        curves += [{"model": spec.name, **point} for point in m["curve"]]
        roles += [
            {"model": spec.name, "tokens": e["tokens"], "role": role, "loss": loss}
            for e in m["evals"]
            for role, loss in e["role_loss"].items()
        ]
    return pd.DataFrame(curves), pd.DataFrame(roles)
