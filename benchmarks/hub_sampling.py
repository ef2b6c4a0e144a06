"""Sampling throughput through the directory path: a ~0.5B random-init model saved with
`save_pretrained` and loaded back with `ttc.models.hub.load_policy`, as a user's model is.

The model has Qwen2.5-0.5B's shape (24 layers, hidden 896, 14 query / 2 key-value heads,
FFN 4864, vocabulary 151,936, 0.49B parameters) with random weights, and a word-level
tokenizer of the same vocabulary size. Our sampler is timed against `model.generate` on the
same batch. Random weights never stop on their own, so every row decodes `new_tokens`
tokens: this measures decoding speed, not stopping behaviour. Meant for a GPU
(`python -m benchmarks.hub_sampling`); `--size tiny` runs the same code on CPU in seconds.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
from ttc import runtime
from ttc.models.hub import load_policy
from ttc.sampling import left_pad, sample

from benchmarks import best_rates, report

SIZES = {
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                 num_attention_heads=14, num_key_value_heads=2, vocab_size=151_936),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, vocab_size=1_000),
}  # fmt: skip


def save_random_model(directory: Path, size: str, seed: int = 0) -> None:
    """A random-init model and a tokenizer of its vocabulary, as a Hugging Face directory."""
    shape = SIZES[size]
    vocab = {f"t{i}": i for i in range(shape["vocab_size"])}
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="t0")),
        eos_token="t1",
        pad_token="t0",
    )
    torch.manual_seed(seed)
    config = Qwen2Config(**shape, tie_word_embeddings=True, eos_token_id=1, pad_token_id=0)
    Qwen2ForCausalLM(config).save_pretrained(directory)
    tok.save_pretrained(directory)


def run(size: str = "0.5b", batch: int = 64, prompt_tokens: int = 512, new_tokens: int = 256):
    runtime.configure_process()
    device = runtime.device()
    with tempfile.TemporaryDirectory() as tmp:
        save_random_model(Path(tmp), size)
        model, tok = load_policy(tmp, device)
    gen = torch.Generator().manual_seed(0)
    prompts = torch.randint(
        2, model.config.vocab_size, (batch, prompt_tokens), generator=gen
    ).tolist()
    n_params = sum(p.numel() for p in model.parameters())

    def ours():
        gens = sample(
            model, prompts, temperature=1.0, max_new_tokens=new_tokens, stop_ids=[],
            pad_id=tok.pad_token_id, batch_size=batch, seed=0, progress=False,
        )  # fmt: skip
        return sum(g.n_generated for g in gens)

    ids, valid = (t.to(device) for t in left_pad(prompts, tok.pad_token_id))

    @torch.inference_mode()
    def generate():
        torch.manual_seed(0)
        out = model.generate(
            ids, attention_mask=valid.long(), max_new_tokens=new_tokens, min_new_tokens=new_tokens,
            do_sample=True, temperature=1.0, top_k=0, pad_token_id=tok.pad_token_id,
        )  # fmt: skip
        return out[:, ids.shape[1] :].numel()

    sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
    rates = best_rates({"ttc.sampling": ours, "model.generate": generate}, 1, sync)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None
    return report(
        f"directory-path sampling, random-init {size} model ({n_params / 1e6:,.0f}M parameters, "
        f"{model.dtype}), batch {batch}, prompt {prompt_tokens}, {new_tokens} new tokens, "
        f"device {device}",
        "real", f"hub_sampling_{size}", rates, 1, True, size=size, parameters=n_params,
        dtype=str(model.dtype), batch=batch, prompt_tokens=prompt_tokens,
        new_tokens=new_tokens, device=device, peak_gib=peak,
    )  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="0.5b")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=256)
    args = parser.parse_args()
    run(args.size, args.batch, args.prompt_tokens, args.new_tokens)
