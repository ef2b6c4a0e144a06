"""Batched sampling with a KV cache: whole solutions or one step at a time.

`model.generate` spends most of its time outside the matmuls for models this small, and
keeps decoding rows that have already stopped. The sampler here decodes Llama-family
models with a lean forward over a preallocated KV cache, prefills each distinct prompt
once per batch and forks its cache for repeated samples, and drops finished rows from the
batch as it goes. Any other causal LM runs through its own forward with a `DynamicCache`
behind the same interface, so the rest of the library never sees the difference.

Modules: `batch` (generation records, padding), `llama` (the lean decoder), `generic` (any
causal LM), `vllm_engine` (vLLM, the optional engine of a real policy, with the same records);
this one chooses a decoder and samples.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from .batch import Generation, left_pad, per_prompt_limits
from .generic import GenericDecoder
from .llama import LlamaDecoder, SharedPromptDecoder, fast_path_ok

__all__ = ["Generation", "left_pad", "make_decoder", "pick", "sample"]


def make_decoder(model, fast: bool | None = None, share_prompts: bool = False):
    """The lean decoder where the architecture allows it, else the generic one.
    `share_prompts`: one cache copy per prompt for the rows that fork it (lean decoder only)."""
    use_fast = fast_path_ok(model) if fast is None else fast
    if not use_fast:
        return GenericDecoder(model)
    return SharedPromptDecoder(model) if share_prompts else LlamaDecoder(model)


def pick(
    logits: torch.Tensor, temperature: float, generator: torch.Generator | None
) -> torch.Tensor:
    """Greedy at temperature 0, else a softmax sample via the exponential race
    (argmax of logits / T - log E with E ~ Exp(1)), which skips the softmax and multinomial."""
    if temperature <= 0:
        return logits.argmax(-1)
    race = torch.empty(logits.shape, dtype=torch.float32).exponential_(generator=generator).log_()
    return (logits / temperature - race.to(logits.device)).argmax(-1)


@torch.inference_mode()
def sample(
    model,
    prompts: Sequence[Sequence[int]],
    *,
    n: int = 1,
    temperature: float = 1.0,
    max_new_tokens: int | Sequence[int] = 64,
    stop_ids: Sequence[int] = (),
    pad_id: int = 0,
    batch_size: int = 64,
    seed: int = 0,
    fast: bool | None = None,
    progress: bool = True,
    desc: str = "sampling",
) -> list[Generation]:
    """`n` continuations of every prompt, stopping at any of `stop_ids` or `max_new_tokens`.

    `max_new_tokens` may be given per prompt. Results come back ordered by (prompt, sample).
    Temperature 0 is greedy decoding. The same seed and batch size give the same samples.
    """
    if n < 1 or batch_size < 1:
        raise ValueError("n and batch_size must be positive")
    prompts = [list(p) for p in prompts]
    if any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token")
    limits = per_prompt_limits(max_new_tokens, len(prompts))
    decoder = make_decoder(model, fast)
    device = decoder.device
    stops = torch.tensor(sorted(set(stop_ids)), dtype=torch.long, device=device)
    generator = torch.Generator().manual_seed(seed)
    jobs = [(i, j) for i in range(len(prompts)) for j in range(n)]
    results: list[Generation] = []
    bar = tqdm(total=len(jobs), desc=desc, unit="gen", disable=not progress, leave=False)
    for b0 in range(0, len(jobs), batch_size):
        batch = jobs[b0 : b0 + batch_size]
        unique = sorted({i for i, _ in batch})
        row_of = {i: r for r, i in enumerate(unique)}
        logits = decoder.start([prompts[i] for i in unique], max(limits[i] for i in unique), pad_id)
        rows = torch.tensor([row_of[i] for i, _ in batch], device=device)
        decoder.select(rows)  # fork each prompt's cache for its samples
        logits = logits[rows]
        # the job slot decoded by each row of the batch; None once that row has stopped
        rows_slot: list[int | None] = list(range(len(batch)))
        out: list[list[int]] = [[] for _ in batch]
        stopped = [False] * len(batch)
        n_live = len(batch)
        while True:
            tokens = pick(logits, temperature, generator)
            is_stop = torch.isin(tokens, stops).tolist() if len(stops) else [False] * len(rows_slot)
            for r, (slot, token) in enumerate(zip(rows_slot, tokens.tolist(), strict=True)):
                if slot is None:
                    continue
                out[slot].append(token)
                if is_stop[r] or len(out[slot]) >= limits[batch[slot][0]]:
                    stopped[slot] = is_stop[r]
                    rows_slot[r] = None
                    n_live -= 1
            if n_live == 0:
                break
            # Stopped rows leave the batch in groups: a compaction copies the whole KV cache.
            if len(rows_slot) - n_live >= max(1, len(rows_slot) // 8):
                keep = [r for r, slot in enumerate(rows_slot) if slot is not None]
                decoder.select(torch.tensor(keep, device=device))
                rows_slot = [rows_slot[r] for r in keep]
                tokens = tokens[keep]
            logits = decoder.step(tokens)
        for slot, (i, j) in enumerate(batch):
            results.append(Generation(i, j, tuple(out[slot]), stopped[slot], len(prompts[i])))
        bar.update(len(batch))
    bar.close()
    return results
