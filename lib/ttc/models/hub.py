"""Models from local Hugging Face directories: the policy, and a PRM of either kind.

Any causal LM directory (config.json, weights, tokenizer files) serves as the policy. The
PRM is our scalar-head PRM (`AutoModelForTokenClassification` with one label, as notebook
03 trains and saves it) or an external causal-LM PRM that rates each step by the
probability of a good vs a bad token after a step tag (Math-Shepherd style). Both come
back as step scorers (`ttc.verifiers.scorers`), which the search and `score_steps` read.

The search feeds the policy's token ids to the PRM, so a step-tag PRM must share the
policy's tokenizer; `load_prm` checks that when given the policy's tokenizer.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForTokenClassification,
    AutoTokenizer,
    GenerationConfig,
)

from ..config import MODEL_DTYPES, PRM_STYLES
from ..verifiers.scorers import ScalarHeadScorer, StepScorer, StepTagScorer


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


def _load(auto_class, path: Path, what: str, device: str, dtype: str):
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
    return _load(AutoModelForCausalLM, path, "policy", device, dtype), load_tokenizer(
        path, "policy"
    )


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


def token_id(tokenizer, text: str, what: str) -> int:
    """The id of a vocabulary entry spelled `text`, or of the single token `text` encodes to."""
    vocab = tokenizer.get_vocab()
    if text in vocab:
        return vocab[text]
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        pieces = tokenizer.convert_ids_to_tokens(ids)
        raise ValueError(f"{what} {text!r} is not one token of the PRM's tokenizer: {pieces}")
    return ids[0]


def load_prm(
    directory: str | Path,
    style: str = "scalar",
    *,
    policy_tokenizer=None,
    step_tag: str = " ки",
    good: str = "+",
    bad: str = "-",
    device: str = "cpu",
    dtype: str = "auto",
) -> StepScorer:
    """A PRM directory as a step scorer; `step_tag`, `good`, `bad` apply to style step_tag."""
    if style not in PRM_STYLES:
        raise ValueError(f"unknown PRM style {style!r}; choose one of {PRM_STYLES}")
    path = model_dir(directory, f"PRM ({style})")
    if style == "scalar":
        model = _load(AutoModelForTokenClassification, path, "PRM (scalar)", device, dtype)
        if model.config.num_labels != 1:
            raise ValueError(
                f"PRM (scalar): {path} has {model.config.num_labels} labels, a scalar head has 1 "
                "(a causal-LM PRM that rates steps with tokens is style step_tag)"
            )
        return ScalarHeadScorer(model)
    model = _load(AutoModelForCausalLM, path, "PRM (step_tag)", device, dtype)
    tokenizer = load_tokenizer(path, "PRM (step_tag)")
    if policy_tokenizer is not None and tokenizer.get_vocab() != policy_tokenizer.get_vocab():
        raise ValueError(
            f"PRM (step_tag): {path} has a different tokenizer from the policy; the search "
            "feeds the policy's token ids to the PRM, so pair PRM and policy of one family"
        )
    return StepTagScorer(
        model,
        token_id(tokenizer, step_tag, "step tag"),
        token_id(tokenizer, good, "good token"),
        token_id(tokenizer, bad, "bad token"),
    )
