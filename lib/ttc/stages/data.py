"""Notebook 01: the modgraph study's splits and pretraining corpus (a real run reads its
splits from its problem file: `substrate.RealModel`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from .. import cache
from ..config import Profile
from ..tasks.modgraph import (
    Splits,
    build_corpus,
    make_splits,
    problem_from_dict,
    problem_to_dict,
)
from ..tasks.modgraph.splits import SPLIT_NAMES
from .common import _require

SPLITS_VERSION = 2  # 2: no twins (up to renaming and prompt order) across splits
CORPUS_VERSION = 2  # 2: twin keys stored, twins of held-out problems skipped


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
