"""Builders of tiny models saved as a user's Hugging Face directories: a byte-level BPE
tokenizer trained on given texts, a random Llama, and a steer that makes some tokens likely
(shared by the hub-model tests and the real-profile pipeline test)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from ttc.tasks.mathqa import INSTRUCTION

FIXTURE = Path(__file__).parent / "fixtures" / "math_sample.jsonl"
TAG, GOOD, BAD = " ки", "+", "-"


def problem_texts(rows: list[dict]) -> list[str]:
    """Texts a tokenizer for MATH-style prompts should cover: the instruction and each
    problem with its solution, as plain few-shot prompts show them."""
    return [INSTRUCTION] + [f"Problem: {r['problem']}\nSolution:\n{r['solution']}" for r in rows]


def fixture_rows() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def bpe_tokenizer(texts: list[str], vocab_size: int = 500) -> PreTrainedTokenizerFast:
    """Byte-level BPE trained on `texts` without pre-splitting, so that newlines merge
    with text around them ('.\\n', '$.\\nSo'), the hard case for the newline step rule."""
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    specials = ["<pad>", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|end|>"]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer)
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", specials.index("<s>"))]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        additional_special_tokens=specials[3:],
    )
    tok.add_tokens([TAG])  # a step-tag PRM's tag, an ordinary vocabulary entry
    return tok


def tiny_llama(tok, seed: int, hidden: int = 32, heads: int = 4) -> LlamaForCausalLM:
    """A random 2-layer Llama (vLLM's CPU attention needs a head size of 32 or more:
    `hidden=64, heads=2`)."""
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden,
        num_hidden_layers=2, num_attention_heads=heads, num_key_value_heads=max(1, heads // 2),
        tie_word_embeddings=False,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )  # fmt: skip
    return LlamaForCausalLM(config).eval()


def steer(model, boosts: dict[int, float]) -> None:
    """Add a constant to the logits of some tokens, inside the weights (so it is saved):
    residual dimension 0 is held at a large constant that the head reads for those tokens."""
    with torch.no_grad():
        model.model.embed_tokens.weight[:, 0] = 10.0
        for layer in model.model.layers:  # nothing writes to dimension 0
            layer.self_attn.o_proj.weight[0] = 0.0
            layer.mlp.down_proj.weight[0] = 0.0
        model.lm_head.weight[:, 0] = 0.0
        for token, boost in boosts.items():
            model.lm_head.weight[token, 0] = boost
