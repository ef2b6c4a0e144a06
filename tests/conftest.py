"""Shared fixtures: a small task, a tiny deterministic model (and a stepping policy and a PRM
made from it, for the search tests), and an isolated cache."""

from __future__ import annotations

import random

import pytest
import torch
from ttc.config import ModelSpec, TaskConfig
from ttc.models.ladder import build_model
from ttc.tasks.modgraph import generate_problem
from ttc.tasks.modgraph.tokenizer import STEP, build_tokenizer
from ttc.verifiers import init_verifier

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


@pytest.fixture
def stepping_policy(tiny_model):
    """The tiny random model with a head bias towards `<s>` and `<eos>`: short steps that end."""
    tok = build_tokenizer()
    old = tiny_model.lm_head
    head = torch.nn.Linear(old.in_features, old.out_features, bias=True)
    head.weight.data = old.weight.data.clone()
    head.bias.data.zero_()
    head.bias.data[tok.convert_tokens_to_ids(STEP)] = 4.0
    head.bias.data[tok.eos_token_id] = 2.5
    tiny_model.lm_head = head
    return tiny_model.eval()


@pytest.fixture
def tiny_prm(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path / "policy")
    torch.manual_seed(0)
    return init_verifier(tmp_path / "policy", 0.0).eval()
