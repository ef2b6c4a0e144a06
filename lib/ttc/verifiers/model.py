"""PRM and ORM: the policy's backbone with a scalar head, read at step ends.

Both verifiers are `AutoModelForTokenClassification` models with one label, initialised
from the base policy's checkpoint (TinyGSM found initialising from the generator matters),
so they save and load as ordinary Hugging Face directories. The head's sigmoid at a
step-end token is the predicted chance that the policy, continuing from there, reaches
the right answer. The PRM is trained with binary cross-entropy against the soft rollout
label of every step end; the ORM only at the final `<eos>`, against exact correctness.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import AutoConfig, AutoModelForTokenClassification
from transformers import logging as hf_logging

from ..config import VerifierConfig
from ..models.pretrain import length_bucketed_batches
from ..runtime import autocast
from ..tasks.base import Task, step_ends
from ..tasks.modgraph.tokenizer import build_tokenizer
from .rollouts import LabelledSolution

KINDS = ("prm", "orm")
AGGREGATIONS = ("last", "min", "prod")


@dataclass(frozen=True)
class ScoredSequence:
    """A verifier training or scoring item: prompt + solution ids and the positions to read."""

    ids: tuple[int, ...]
    positions: tuple[int, ...]  # indices into `ids` of the step ends
    targets: tuple[float, ...] = ()  # training labels at `positions` (empty when only scoring)


def init_verifier(policy_dir: str | Path, dropout: float, device: str = "cpu"):
    """A fresh verifier: the policy checkpoint's backbone plus a new scalar head."""
    config = AutoConfig.from_pretrained(policy_dir, num_labels=1)
    config.classifier_dropout = dropout
    # the new head is missing from the policy checkpoint by design: check that nothing else
    # is, instead of letting transformers print its load report
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model, info = AutoModelForTokenClassification.from_pretrained(
            policy_dir, config=config, dtype=torch.float32, output_loading_info=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    missing = [k for k in info["missing_keys"] if not k.startswith(("score.", "classifier."))]
    if missing:
        raise ValueError(f"{policy_dir}: the policy checkpoint lacks {missing}")
    return model.to(device)


def load_verifier(directory: str | Path, device: str = "cpu"):
    directory = Path(directory)
    if not (directory / "config.json").exists():
        raise FileNotFoundError(f"no verifier checkpoint in {directory} (config.json missing)")
    model = AutoModelForTokenClassification.from_pretrained(directory, dtype=torch.float32)
    return model.to(device).eval()


def collate(items: Sequence[ScoredSequence], pad_id: int, device: str):
    """Right-padded ids and mask, plus (row, position) index and targets of every read-out."""
    width = max(len(it.ids) for it in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    for r, it in enumerate(items):
        ids[r, : len(it.ids)] = torch.tensor(it.ids)
    rows = torch.tensor([r for r, it in enumerate(items) for _ in it.positions])
    cols = torch.tensor([p for it in items for p in it.positions])
    targets = torch.tensor([t for it in items for t in it.targets], dtype=torch.float32)
    mask = torch.arange(width)[None, :] < torch.tensor([len(it.ids) for it in items])[:, None]
    return ids.to(device), mask.to(device), rows.to(device), cols.to(device), targets.to(device)


def _step_logits(model, items, pad_id, device):
    ids, mask, rows, cols, targets = collate(items, pad_id, device)
    with autocast(device):
        logits = model(input_ids=ids, attention_mask=mask).logits[..., 0]
    return logits[rows, cols].float(), targets


def heldout_questions(n_problems: int, frac: float, seed: int) -> set[int]:
    """The questions held out for early stopping (whole questions, never single samples)."""
    rng = np.random.default_rng(seed)
    n = max(1, round(frac * n_problems))
    return set(rng.permutation(n_problems)[:n].tolist())


def constant_loss(
    train: Sequence[ScoredSequence], holdout: Sequence[ScoredSequence]
) -> tuple[float, float]:
    """(mean training label, held-out binary cross-entropy of always predicting it): the loss a
    verifier must beat to have learned anything."""
    mean = np.clip(np.mean([t for it in train for t in it.targets]), 1e-6, 1 - 1e-6)
    y = np.array([t for it in holdout for t in it.targets])
    return float(mean), float(-np.mean(y * np.log(mean) + (1 - y) * np.log(1 - mean)))


@torch.inference_mode()
def heldout_loss(model, items: Sequence[ScoredSequence], batch_size: int, device: str) -> float:
    """Mean binary cross-entropy per read-out position."""
    pad_id = build_tokenizer().pad_token_id
    model.eval()
    total, count = 0.0, 0
    for b0 in range(0, len(items), batch_size):
        logits, targets = _step_logits(model, items[b0 : b0 + batch_size], pad_id, device)
        total += float(F.binary_cross_entropy_with_logits(logits, targets, reduction="sum"))
        count += len(targets)
    return total / max(count, 1)


def train_verifier(
    model,
    train: Sequence[ScoredSequence],
    holdout: Sequence[ScoredSequence],
    cfg: VerifierConfig,
    device: str,
    seed: int = 0,
    progress: bool = True,
    desc: str = "verifier",
) -> tuple[object, list[dict]]:
    """AdamW on BCE against soft targets, early-stopped on held-out loss; returns the best model.

    The history has one row per epoch (epoch 0 = before training): mean training loss,
    held-out loss, and optimizer steps so far.
    """
    pad_id = build_tokenizer().pad_token_id
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay
    )
    lengths = np.array([len(it.ids) for it in train])
    best = heldout_loss(model, holdout, cfg.batch_size, device)
    history = [{"epoch": 0, "steps": 0, "train_loss": None, "holdout_loss": best}]
    best_state, stale, steps = copy.deepcopy(model.state_dict()), 0, 0
    for epoch in range(1, cfg.max_epochs + 1):
        model.train()
        batches = length_bucketed_batches(lengths, cfg.batch_size, seed + epoch)
        losses = []
        for rows in tqdm(batches, desc=f"{desc} epoch {epoch}", disable=not progress, leave=False):
            logits, targets = _step_logits(model, [train[i] for i in rows], pad_id, device)
            loss = F.binary_cross_entropy_with_logits(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            steps += 1
        held = heldout_loss(model, holdout, cfg.batch_size, device)
        history.append(
            {
                "epoch": epoch,
                "steps": steps,
                "train_loss": float(np.mean(losses)),
                "holdout_loss": held,
            }
        )
        if held < best:
            best, best_state, stale = held, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= cfg.patience:
                break
    model.load_state_dict(best_state)
    return model.eval(), history


def aggregate(step_scores: np.ndarray, how: str) -> float:
    """One answer score from a solution's step scores: the last (Snell's choice), min or product."""
    if len(step_scores) == 0:
        return 0.0
    if how == "last":
        return float(step_scores[-1])
    if how == "min":
        return float(np.min(step_scores))
    if how == "prod":
        return float(np.prod(step_scores))
    raise ValueError(f"unknown aggregation {how!r}; choose one of {AGGREGATIONS}")


def scoring_items(
    prompt_ids: Sequence[int], solutions: Sequence[Sequence[int]], task: Task
) -> list[ScoredSequence]:
    """Items that read a verifier at every step end of each solution to one prompt."""
    n = len(prompt_ids)
    return [
        ScoredSequence(tuple(prompt_ids) + tuple(s), tuple(n + e for e in step_ends(task, s)))
        for s in solutions
    ]


def training_items(
    labelled: Sequence[LabelledSolution], prompts: Sequence[Sequence[int]], kind: str
) -> list[ScoredSequence]:
    """PRM items carry every step end's soft label; ORM items only the final correctness."""
    if kind not in KINDS:
        raise ValueError(f"unknown verifier kind {kind!r}; choose one of {KINDS}")
    items = []
    for sol in labelled:
        prompt = tuple(prompts[sol.problem_index])
        positions = tuple(len(prompt) + e for e in sol.ends)
        targets = sol.values
        if kind == "orm":
            positions, targets = positions[-1:], targets[-1:]
        items.append(ScoredSequence(prompt + sol.tokens, positions, targets))
    return items
