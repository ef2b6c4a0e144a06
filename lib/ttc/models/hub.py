"""Models from local Hugging Face directories: loading with clear errors, the policy and its
tokenizer, generation config and end tokens. Any causal LM directory (config.json, weights,
tokenizer files) serves as the policy; a PRM directory is read by `ttc.verifiers.hub`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    GenerationConfig,
)

from ..config import MODEL_DTYPES


def resolve_dtype(name: str, device: str) -> torch.dtype:
    """`auto`: bfloat16 on a GPU that has it, else float32 (bf16 matmuls are slow on CPUs)."""
    if name not in MODEL_DTYPES:
        raise ValueError(f"unknown dtype {name!r}; choose one of {MODEL_DTYPES}")
    if name != "auto":
        return getattr(torch, name)
    gpu_bf16 = device.startswith("cuda") and torch.cuda.is_bf16_supported()
    return torch.bfloat16 if gpu_bf16 else torch.float32


def model_dir(directory: str | Path, what: str) -> Path:
    """The directory, if it holds a saved model; else an error saying what belongs there."""
    path = Path(directory).expanduser()
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{what}: no Hugging Face model at {path} (config.json missing); put there a "
            "directory saved with `save_pretrained` (config.json, weights, tokenizer files)"
        )
    return path


def load_pretrained(auto_class, path: Path, what: str, device: str, dtype: str):
    try:
        model = auto_class.from_pretrained(path, dtype=resolve_dtype(dtype, device))
    except (OSError, ValueError) as e:
        raise ValueError(f"{what}: {path} does not load as {auto_class.__name__}: {e}") from e
    return model.to(device).eval()


def load_tokenizer(directory: str | Path, what: str = "tokenizer"):
    path = model_dir(directory, what)
    try:
        return AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"{what}: no usable tokenizer files in {path}: {e}") from e


def load_policy(directory: str | Path, device: str = "cpu", dtype: str = "auto"):
    """(model, tokenizer) of a causal LM directory."""
    path = model_dir(directory, "policy")
    return load_pretrained(AutoModelForCausalLM, path, "policy", device, dtype), load_tokenizer(
        path, "policy"
    )


def meta_model(directory: str | Path) -> torch.nn.Module:
    """A causal LM directory's architecture on the meta device: its shape and parameter
    count without reading or allocating the weights."""
    config = AutoConfig.from_pretrained(model_dir(directory, "policy"))
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def generation_config(directory: str | Path) -> GenerationConfig:
    """A model directory's generation config without loading its weights: its
    generation_config.json, else the one transformers derives from config.json."""
    path = model_dir(directory, "policy")
    try:
        return GenerationConfig.from_pretrained(path)
    except OSError:
        return GenerationConfig.from_model_config(AutoConfig.from_pretrained(path))


def solution_end_ids(config: GenerationConfig, tokenizer) -> tuple[int, ...]:
    """Tokens that end a solution: the tokenizer's end-of-sequence token and those of the
    model's generation config (instruct models often list several)."""
    configured = getattr(config, "eos_token_id", None)
    ids = {tokenizer.eos_token_id, *(configured if isinstance(configured, list) else [configured])}
    ids.discard(None)
    if not ids:
        raise ValueError(
            "the policy names no end-of-sequence token (tokenizer or generation config)"
        )
    return tuple(sorted(ids))
