"""The model ladder: Llama-architecture causal LMs built from `ModelSpec`s."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

from ..config import ModelSpec
from ..tasks.modgraph.tokenizer import build_tokenizer

MAX_POSITIONS = 2048


def llama_config(spec: ModelSpec) -> LlamaConfig:
    tok = build_tokenizer()
    return LlamaConfig(
        vocab_size=len(tok),
        hidden_size=spec.d_model,
        intermediate_size=spec.d_ffn,
        num_hidden_layers=spec.n_layers,
        num_attention_heads=spec.n_heads,
        num_key_value_heads=spec.n_heads,
        max_position_embeddings=MAX_POSITIONS,
        rope_theta=10_000.0,
        tie_word_embeddings=True,
        attention_bias=False,
        mlp_bias=False,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )


def build_model(spec: ModelSpec, seed: int) -> LlamaForCausalLM:
    """A freshly initialised model; the seed fixes its weights."""
    torch.manual_seed(seed)
    return LlamaForCausalLM(llama_config(spec))


def non_embedding_parameters(model: torch.nn.Module) -> int:
    """N in 6ND: every weight except the (tied) token embedding."""
    embed = model.get_input_embeddings().weight
    return sum(p.numel() for p in model.parameters() if p is not embed)


def spec_parameters(spec: ModelSpec) -> int:
    """Non-embedding parameters of a spec, without building it on a device."""
    d, f, n = spec.d_model, spec.d_ffn, spec.n_layers
    per_layer = 4 * d * d + 3 * d * f + 2 * d  # attention, SwiGLU MLP, two RMSNorms
    return n * per_layer + d  # final norm


def load_model(directory: str | Path, device: str = "cpu") -> LlamaForCausalLM:
    """Load a checkpoint directory saved with `save_pretrained` (safetensors)."""
    directory = Path(directory)
    if not (directory / "config.json").exists():
        raise FileNotFoundError(f"no model checkpoint in {directory} (config.json missing)")
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32)
    return model.to(device).eval()
