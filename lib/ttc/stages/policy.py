"""The base policy that later stages sample, search and revise with: a ladder checkpoint or
`real.policy_dir`, with its cache identity."""

from __future__ import annotations

from pathlib import Path

from transformers import AutoConfig

from .. import cache
from ..config import ModelSpec, Profile
from ..models.hub import load_policy as load_hub_policy
from ..models.ladder import load_model
from .base_models import _pretrain_inputs, model_run, policy_checkpoint


def base_policy_dir(profile: Profile) -> Path:
    """The policy that is sampled and that verifiers start from: the base model's policy
    checkpoint (`policy_checkpoint`), or `real.policy_dir`."""
    if profile.is_real:
        return profile.real.path("policy_dir")
    return model_run(profile, profile.base_model) / policy_checkpoint(profile, profile.base_model)


def load_policy(profile: Profile, device: str):
    """The base policy's model on `device` (a real policy in `real.dtype`)."""
    if profile.is_real:
        return load_hub_policy(base_policy_dir(profile), device, profile.real.dtype)[0]
    return load_model(base_policy_dir(profile), device)


def _policy_inputs(profile: Profile) -> dict:
    if profile.is_real:
        r = profile.real
        policy = {
            "directory": cache.directory_identity(base_policy_dir(profile)),
            "dtype": r.dtype,
            "max_solution_tokens": r.max_solution_tokens,
        }
    else:
        policy = _pretrain_inputs(profile, profile.base_model)
        if profile.base_target is not None:
            policy["checkpoint"] = policy_checkpoint(profile, profile.base_model)
    # the sampler's batch size is an input: the same seed gives the same samples per batch size
    return {"policy": policy, "sample_batch_size": profile.eval.batch_size}


def _base_spec(profile: Profile) -> ModelSpec:
    """The base policy's shape (for the FLOPs count of finetuning): a ladder entry, or read
    from the real policy's config."""
    if not profile.is_real:
        return profile.model(profile.base_model)
    c = AutoConfig.from_pretrained(base_policy_dir(profile))
    size = (c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size)
    return ModelSpec("policy", *size)
