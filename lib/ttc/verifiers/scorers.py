"""One step-scoring interface for two kinds of process reward model.

- Our PRM (`ScalarHeadScorer`): a token-classification model; the sigmoid of its scalar head
  at a step's last token is the step's score.
- An external causal-LM PRM (`StepTagScorer`, Math-Shepherd style): a tag token follows each
  step, and the score is P(good) / (P(good) + P(bad)) of the next-token distribution at the
  tag, i.e. the softmax over just those two logits.

A scorer names its model, the token it needs after each step (none for ours), the head that
maps a hidden state to outputs, and how those outputs become a probability. `score_steps`
(whole sequences) and `Lockstep` (step by step over a KV cache) read any scorer the same
way, so the search and the sample bank never know which kind of PRM they hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..runtime import autocast
from .model import ScoredSequence, collate

# right padding is masked out, so any id of the vocabulary serves as padding
_PAD_ID = 0


@dataclass(frozen=True)
class ScalarHeadScorer:
    """Our PRM: `AutoModelForTokenClassification` with one label, read at a step's last token."""

    model: Any
    tag_id = None  # nothing is inserted after a step

    @property
    def head(self):
        # `score` on Llama-family models; a few architectures call it `classifier`
        return getattr(self.model, "score", None) or self.model.classifier

    def probability(self, out: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(out[..., 0])


@dataclass(frozen=True)
class StepTagScorer:
    """An external causal-LM PRM that rates the step before a tag token with a good/bad token."""

    model: Any
    tag_id: int
    good_id: int
    bad_id: int

    @property
    def head(self):
        return self.model.get_output_embeddings()

    def probability(self, out: torch.Tensor) -> torch.Tensor:
        return torch.softmax(out[..., [self.good_id, self.bad_id]], -1)[..., 0]


StepScorer = ScalarHeadScorer | StepTagScorer


def as_scorer(prm) -> StepScorer:
    """A scorer as given; a bare model is our scalar-head PRM (what the study trains)."""
    return prm if isinstance(prm, ScalarHeadScorer | StepTagScorer) else ScalarHeadScorer(prm)


def with_tags(item: ScoredSequence, tag_id: int) -> ScoredSequence:
    """`item` with `tag_id` inserted after each read position, read at the tags instead."""
    ids, positions, start = [], [], 0
    for p in item.positions:
        ids += [*item.ids[start : p + 1], tag_id]
        positions.append(len(ids) - 1)
        start = p + 1
    return ScoredSequence((*ids, *item.ids[start:]), tuple(positions), item.targets)


@torch.inference_mode()
def score_steps(
    prm, items: Sequence[ScoredSequence], batch_size: int = 64, progress: bool = True
) -> list[np.ndarray]:
    """The PRM's probability at each item's positions (step ends); batches are formed by length.

    `prm` is a scorer or a bare scalar-head model. The head runs only at the read positions.
    """
    scorer = as_scorer(prm)
    if scorer.tag_id is not None:
        items = [with_tags(it, scorer.tag_id) for it in items]
    device = str(next(scorer.model.parameters()).device)
    scorer.model.eval()
    order = np.argsort([len(it.ids) for it in items], kind="stable")
    out: list[np.ndarray] = [np.empty(0)] * len(items)
    for b0 in tqdm(
        range(0, len(items), batch_size), desc="scoring", disable=not progress, leave=False
    ):
        chunk = order[b0 : b0 + batch_size]
        batch = [ScoredSequence(items[i].ids, items[i].positions) for i in chunk]
        ids, mask, rows, cols, _ = collate(batch, _PAD_ID, device)
        with autocast(device):
            hidden = scorer.model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state
            head_out = scorer.head(hidden[rows, cols])
        probs = scorer.probability(head_out.float()).cpu().numpy()
        split = np.cumsum([len(it.positions) for it in batch])[:-1]
        for i, p in zip(chunk, np.split(probs, split), strict=True):
            out[i] = p
    return out
