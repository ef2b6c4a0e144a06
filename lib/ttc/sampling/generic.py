"""Any causal LM through its own forward and a `DynamicCache`, behind the lean decoder's
interface."""

from __future__ import annotations

import torch
from transformers import DynamicCache

from .batch import last_real, left_pad


class GenericDecoder:
    """Any causal LM through its own forward and a `DynamicCache` (left padding, explicit positions)."""

    def __init__(self, model):
        self.model = model
        self.device = next(model.parameters()).device
        # a causal LM computes logits at the last position only; a verifier returns all
        self.last_only = {"logits_to_keep": 1} if hasattr(model, "lm_head") else {}

    def start(self, prompts: list[list[int]], capacity: int, pad_id: int):
        ids, valid = left_pad(prompts, pad_id)
        self.mask = valid.long().to(self.device)
        self.pos = self.mask.sum(1)
        self.cache = DynamicCache()
        positions = (self.mask.cumsum(1) - 1).clamp(min=0)
        out = self.model(
            input_ids=ids.to(self.device),
            attention_mask=self.mask,
            position_ids=positions,
            past_key_values=self.cache,
            use_cache=True,
            **self.last_only,
        )
        return out.logits[:, -1].float()

    def step(self, tokens: torch.Tensor, active: torch.Tensor | None = None):
        column = torch.ones_like(self.mask[:, :1]) if active is None else active.long()[:, None]
        self.mask = torch.cat([self.mask, column], 1)
        out = self.model(
            input_ids=tokens[:, None],
            attention_mask=self.mask,
            position_ids=self.pos[:, None],
            past_key_values=self.cache,
            use_cache=True,
        )
        self.pos = self.pos + column[:, 0]
        return out.logits[:, -1].float()

    def append(self, tokens: torch.Tensor, valid: torch.Tensor):
        positions = (self.pos[:, None] + valid.long().cumsum(1) - 1).clamp(min=0)
        self.mask = torch.cat([self.mask, valid.long()], 1)
        out = self.model(
            input_ids=tokens,
            attention_mask=self.mask,
            position_ids=positions,
            past_key_values=self.cache,
            use_cache=True,
        )
        self.pos = self.pos + valid.sum(1)
        rows = torch.arange(tokens.shape[0], device=self.device)
        return out.logits[rows, last_real(valid)].float()

    def rewind(self, t: int) -> None:
        if t < self.t:  # a negative crop removes that many slots on every transformers 4.x/5.x
            self.cache.crop(t - self.t)
        self.mask = self.mask[:, :t]

    @property
    def t(self) -> int:
        return self.mask.shape[1]

    def select(self, rows: torch.Tensor) -> None:
        self.cache.batch_select_indices(rows)
        self.mask, self.pos = self.mask[rows], self.pos[rows]
