"""Shared fixtures: a small task, a tiny deterministic model, and an isolated cache."""

from __future__ import annotations

import random

import pytest
import torch
from ttc.config import ModelSpec, TaskConfig
from ttc.models.ladder import build_model
from ttc.tasks.modgraph import generate_problem

torch.set_num_threads(1)


@pytest.fixture
def task() -> TaskConfig:
    return TaskConfig(
        modulus=23, levels=(1, 2, 3, 4), distractors=(0, 3), lure_frac=0.5, n_names=30
    )


@pytest.fixture
def problems(task):
    rng = random.Random(0)
    return [generate_problem(task, rng) for _ in range(40)]


@pytest.fixture
def tiny_spec() -> ModelSpec:
    return ModelSpec("tiny", d_model=32, n_layers=2, n_heads=2, d_ffn=64, lr=3e-3)


@pytest.fixture
def tiny_model(tiny_spec):
    return build_model(tiny_spec, seed=0).eval()
