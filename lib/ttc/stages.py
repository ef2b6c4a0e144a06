"""The pipeline's expensive steps, cached by the hash of their inputs.

Each stage is keyed by exactly the profile fields it depends on, so a re-run with nothing
changed returns in seconds and a changed knob rebuilds only what it touches. A stage that
needs the output of an earlier notebook says which notebook to run when it is missing.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file

from . import cache
from .config import Profile
from .models.evaluate import greedy_pass_at_1, role_losses
from .models.ladder import load_model
from .models.pretrain import pretrain, read_metrics
from .tasks.modgraph import Splits, build_corpus, make_splits, problem_from_dict, problem_to_dict
from .tasks.modgraph.splits import SPLIT_NAMES

SPLITS_VERSION = 1
CORPUS_VERSION = 1
PRETRAIN_VERSION = 1
EVAL_VERSION = 1


class MissingUpstream(RuntimeError):
    """An artifact that an earlier notebook produces has not been built yet."""


def _require(kind: str, inputs, version: int, notebook: str) -> Path:
    path = cache.lookup(kind, inputs, version)
    if path is None:
        raise MissingUpstream(
            f"no {kind} artifact for this profile: run notebooks/{notebook}.ipynb first "
            f"(e.g. `make nb NB={notebook[:2]} PROFILE=...`)"
        )
    return path


# --- data (notebook 01) ---------------------------------------------------------------


def _splits_inputs(profile: Profile) -> dict:
    return {"task": asdict(profile.task), "splits": asdict(profile.splits), "seed": profile.seed}


def _corpus_inputs(profile: Profile) -> dict:
    return {**_splits_inputs(profile), "tokens": profile.train.tokens}


def build_splits(profile: Profile) -> Splits:
    def build(work: Path) -> None:
        splits = make_splits(profile.task, profile.splits, profile.seed)
        data = {name: [problem_to_dict(p) for p in getattr(splits, name)] for name in SPLIT_NAMES}
        (work / "splits.json").write_text(json.dumps(data))

    cache.artifact("splits", _splits_inputs(profile), build, SPLITS_VERSION)
    return load_splits(profile)


def load_splits(profile: Profile) -> Splits:
    path = _require("splits", _splits_inputs(profile), SPLITS_VERSION, "01_data_prep")
    data = json.loads((path / "splits.json").read_text())
    return Splits(**{name: tuple(problem_from_dict(d) for d in data[name]) for name in SPLIT_NAMES})


def build_pretraining_corpus(profile: Profile) -> dict[str, np.ndarray]:
    splits = build_splits(profile)

    def build(work: Path) -> None:
        save_file(
            build_corpus(profile.task, profile.seed, profile.train.tokens, splits.keys()),
            str(work / "corpus.safetensors"),
        )

    cache.artifact("corpus", _corpus_inputs(profile), build, CORPUS_VERSION)
    return load_pretraining_corpus(profile)


def load_pretraining_corpus(profile: Profile) -> dict[str, np.ndarray]:
    path = _require("corpus", _corpus_inputs(profile), CORPUS_VERSION, "01_data_prep")
    return load_file(str(path / "corpus.safetensors"))


# --- base models (notebook 02) --------------------------------------------------------


def _pretrain_inputs(profile: Profile, name: str) -> dict:
    return {
        "corpus": _corpus_inputs(profile),
        "model": asdict(profile.model(name)),
        "train": asdict(profile.train),
        "eval": asdict(profile.eval),
    }


def loss_probe(profile: Profile, splits: Splits) -> list:
    """The fixed validation subset on which loss by role is tracked during training."""
    k = profile.eval.loss_problems_per_level
    return [
        p
        for level in profile.task.levels
        for p in [q for q in splits.validation if q.n_ops == level][:k]
    ]


def train_model(profile: Profile, name: str, device: str) -> Path:
    """Pretrain one ladder model (resuming an interrupted run); returns its artifact directory."""
    splits = load_splits(profile)
    probe = loss_probe(profile, splits)

    def build(work: Path) -> None:
        corpus = load_pretraining_corpus(profile)
        pretrain(
            profile.model(name),
            profile.train,
            corpus,
            work,
            profile.seed,
            device,
            evaluate=lambda model: {
                "role_loss": role_losses(model, probe, profile.eval.batch_size)
            },
        )

    return cache.artifact("pretrain", _pretrain_inputs(profile, name), build, PRETRAIN_VERSION)


def model_run(profile: Profile, name: str) -> Path:
    """A finished pretraining run (notebook 02 builds it)."""
    return _require("pretrain", _pretrain_inputs(profile, name), PRETRAIN_VERSION, "02_base_models")


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


def checkpoint_pass_at_1(profile: Profile, name: str, device: str) -> pd.DataFrame:
    """Greedy pass@1 on the validation split for every checkpoint of one model (cached)."""
    run = model_run(profile, name)
    metrics = read_metrics(run)
    splits = load_splits(profile)
    frames = []
    for ckpt in metrics["checkpoints"]:

        def compute(ckpt=ckpt):
            model = load_model(run / ckpt["name"], device)
            frame = greedy_pass_at_1(model, splits.validation, profile.eval.batch_size)
            return frame.drop(columns="output").to_dict(orient="list")

        inputs = {
            "run": _pretrain_inputs(profile, name),
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
