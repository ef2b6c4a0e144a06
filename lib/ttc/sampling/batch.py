"""Shared by every decoder: a generation record, left-padded prompt batches, and the last real
token of right-padded rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Generation:
    """One sampled continuation and what it cost."""

    prompt_index: int
    sample_index: int
    tokens: tuple[int, ...]  # generated ids, the stop token included
    stopped: bool  # ended on a stop token (False: hit max_new_tokens)
    n_prompt_tokens: int

    @property
    def n_generated(self) -> int:
        return len(self.tokens)


def left_pad(prompts: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Prompts right-aligned in one tensor (generation appends on the right), and the mask of real tokens."""
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    valid = torch.zeros_like(ids, dtype=torch.bool)
    for i, p in enumerate(prompts):
        ids[i, width - len(p) :] = torch.tensor(p)
        valid[i, width - len(p) :] = True
    return ids, valid


def last_real(valid: torch.Tensor) -> torch.Tensor:
    """Index of each row's last real token in a chunk (0 for rows without one)."""
    return (valid.sum(1) - 1).clamp(min=0)


def per_prompt_limits(max_new_tokens: int | Sequence[int], count: int) -> list[int]:
    """New-token limits, one per prompt, from one limit or a list of them."""
    limits = [max_new_tokens] * count if isinstance(max_new_tokens, int) else list(max_new_tokens)
    if len(limits) != count or min(limits, default=1) < 1:
        raise ValueError("max_new_tokens: one positive limit, or one per prompt")
    return limits
