"""Pretraining one ladder model on the shared corpus, with checkpoints and resume.

Loss covers solution tokens only (the prompt is given, not predicted); FLOPs count every
processed token. Batches group sequences of similar length so little compute goes to
padding. Checkpoints at fixed fractions of the token budget are saved as Hugging Face
directories (safetensors) and give the train-compute axis of the exchange analysis.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import flops, runtime
from ..cache import write_json_atomic
from ..config import ModelSpec, TrainConfig
from ..tasks.modgraph.tokenizer import build_tokenizer
from .ladder import build_model, load_model, non_embedding_parameters

TRAINER_STATE = "trainer_state.pt"  # per checkpoint: optimizer and loop state, to resume from


def checkpoint_name(fraction: float) -> str:
    return f"ckpt-{fraction:.3f}"


def length_bucketed_batches(lengths: np.ndarray, batch_size: int, seed: int) -> list[np.ndarray]:
    """Shuffle, sort within windows of 64 batches by length, split, shuffle the batches."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    window = batch_size * 64
    batches = []
    for w0 in range(0, len(order), window):
        chunk = order[w0 : w0 + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(corpus: dict[str, np.ndarray], rows: np.ndarray, pad_id: int):
    """Right-padded ids, attention mask, and a mask of the solution tokens to predict."""
    starts, ends = corpus["offsets"][rows], corpus["offsets"][rows + 1]
    width = int((ends - starts).max())
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    target = np.zeros((len(rows), width), dtype=bool)
    for r, (s, e, p) in enumerate(zip(starts, ends, corpus["prompt_lens"][rows], strict=True)):
        ids[r, : e - s] = corpus["ids"][s:e]
        target[r, p : e - s] = True
    ids_t = torch.from_numpy(ids)
    return ids_t, ids_t != pad_id, torch.from_numpy(target)


def token_losses(model, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of every next token (position t predicts ids[:, t + 1]); shape [B, T-1]."""
    logits = model(input_ids=ids, attention_mask=attention).logits[:, :-1]
    return F.cross_entropy(logits.float().transpose(1, 2), ids[:, 1:], reduction="none")


@torch.inference_mode()
def corpus_loss(
    model, corpus: dict[str, np.ndarray], batch_size: int = 64, pad_id: int | None = None
) -> float:
    """Mean next-token loss over the solution (target) tokens of a whole corpus."""
    device = next(model.parameters()).device
    pad = build_tokenizer().pad_token_id if pad_id is None else pad_id
    total, count = 0.0, 0
    for b0 in range(0, len(corpus["prompt_lens"]), batch_size):
        rows = np.arange(b0, min(b0 + batch_size, len(corpus["prompt_lens"])))
        ids, attention, target = (t.to(device) for t in collate(corpus, rows, pad))
        losses = token_losses(model, ids, attention)[target[:, 1:]]
        total, count = total + float(losses.sum()), count + losses.numel()
    return total / max(count, 1)


def lr_at(step: int, total: int, peak: float, cfg: TrainConfig) -> float:
    warmup = max(1, int(cfg.warmup_frac * total))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    floor = cfg.min_lr_frac
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def pretrain(
    spec: ModelSpec,
    cfg: TrainConfig,
    corpus: dict[str, np.ndarray],
    workdir: Path,
    seed: int,
    device: str,
    evaluate=None,
    progress: bool = True,
    init_from: Path | None = None,
    tokenizer=None,
    pad_id: int | None = None,
) -> dict:
    """Train `spec` on `corpus` into `workdir`, resuming from its last intact
    checkpoint if there is one (each holds weights, optimizer and loop state).

    `evaluate(model) -> dict` is called at `cfg.eval_points` evenly spaced points (and at the
    end) to record validation metrics over training. `init_from` (a checkpoint directory)
    turns pretraining into finetuning: the run starts from those weights, at `spec.lr`.
    `tokenizer` (modgraph's by default) is saved with each checkpoint and sizes the vocabulary
    for FLOPs; batches are padded with `pad_id` (the tokenizer's pad token by default).
    Returns (and writes) `metrics.json`.
    """
    workdir = Path(workdir)
    tok = tokenizer or build_tokenizer()
    pad_id = tok.pad_token_id if pad_id is None else pad_id
    model = (build_model(spec, seed) if init_from is None else load_model(init_from)).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]  # matrices; norms are not decayed
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optim = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=spec.lr,
        betas=cfg.betas,
        fused=device.startswith("cuda"),
    )
    lengths = np.diff(corpus["offsets"])
    batches = length_bucketed_batches(lengths, cfg.batch_size, seed)
    total_steps = len(batches)
    batch_tokens = np.array([lengths[b].sum() for b in batches])
    cum_tokens = np.cumsum(batch_tokens)
    budget = int(cum_tokens[-1])
    ckpt_steps = {int(np.searchsorted(cum_tokens, f * budget)): f for f in cfg.checkpoints}
    eval_steps = {
        int(np.searchsorted(cum_tokens, (i + 1) / cfg.eval_points * budget))
        for i in range(cfg.eval_points)
    }
    n_params = non_embedding_parameters(model)
    state = {
        "step": 0,
        "curve": [],
        "evals": [],
        "wall_s": 0.0,
        "flops_counted": 0.0,
        "checkpoints": [],
    }
    saved = _last_intact_checkpoint(workdir, device)
    if saved is not None:
        model.load_state_dict(saved["model"])
        optim.load_state_dict(saved["optim"])
        state = saved["state"]
        print(f"[pretrain] {spec.name}: resuming at step {state['step']}/{total_steps}")
    model.train()
    t_start = time.perf_counter() - state["wall_s"]
    window_loss, window_targets, window_tokens, t_window = 0.0, 0, 0, time.perf_counter()
    bar = tqdm(
        total=total_steps, initial=state["step"], desc=f"pretrain {spec.name}", disable=not progress
    )
    for step in range(state["step"], total_steps):
        rows = batches[step]
        ids, attention, target = (t.to(device) for t in collate(corpus, rows, pad_id))
        for group in optim.param_groups:
            group["lr"] = lr_at(step, total_steps, spec.lr, cfg)
        with runtime.autocast(device):
            losses = token_losses(model, ids, attention)
        mask = target[:, 1:]
        loss = (losses * mask).sum() / mask.sum()
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optim.step()
        state["flops_counted"] += flops.training_flops_counted(
            n_params, spec.n_layers, spec.d_model, len(tok), lengths[rows]
        )
        n_targets = int(mask.sum())
        window_loss += loss.item() * n_targets
        window_targets += n_targets
        window_tokens += int(batch_tokens[step])
        done = step + 1
        if done % 25 == 0 or done == total_steps:
            now = time.perf_counter()
            state["curve"].append(
                {
                    "step": done,
                    "tokens": int(cum_tokens[step]),
                    "loss": window_loss / window_targets,
                    "lr": optim.param_groups[0]["lr"],
                    "tokens_per_s": window_tokens / (now - t_window),
                }
            )
            window_loss, window_targets, window_tokens, t_window = 0.0, 0, 0, now
            bar.set_postfix(loss=f"{state['curve'][-1]['loss']:.3f}")
        if step in eval_steps and evaluate is not None:
            model.eval()
            state["evals"].append(
                {"step": done, "tokens": int(cum_tokens[step]), **evaluate(model)}
            )
            model.train()
        if step in ckpt_steps:
            fraction = ckpt_steps[step]
            name = checkpoint_name(fraction)
            model.save_pretrained(workdir / name, safe_serialization=True)
            tok.save_pretrained(workdir / name)
            tokens_seen = int(cum_tokens[step])
            state["checkpoints"].append(
                {
                    "name": name,
                    "fraction": fraction,
                    "tokens": tokens_seen,
                    "flops_6nd": flops.pretraining_flops(n_params, tokens_seen),
                    "flops_counted": state["flops_counted"],
                }
            )
            state["step"] = done
            state["wall_s"] = time.perf_counter() - t_start
            # what resuming from this checkpoint needs besides the weights
            tmp = workdir / name / (TRAINER_STATE + ".tmp")
            torch.save({"optim": optim.state_dict(), "state": state}, tmp)
            tmp.replace(workdir / name / TRAINER_STATE)
        bar.update(1)
    bar.close()
    wall = time.perf_counter() - t_start
    metrics = {
        "model": asdict(spec),
        "n_params": n_params,
        "n_params_total": sum(p.numel() for p in model.parameters()),
        "tokens_seen": budget,
        "flops_6nd": flops.pretraining_flops(n_params, budget),
        "flops_counted": state["flops_counted"],
        "tokens_per_s": budget / wall if wall > 0 else None,
        "wall_s": wall,
        "device": device,
        "steps": total_steps,
        "checkpoints": state["checkpoints"],
        "curve": state["curve"],
        "evals": state["evals"],
    }
    write_json_atomic(workdir / "metrics.json", metrics)
    return metrics


def _last_intact_checkpoint(workdir: Path, device: str) -> dict | None:
    """Weights, optimizer and loop state of the latest checkpoint that loads completely (an
    interrupted run, or one whose later checkpoint is corrupt, resumes there); None if none."""
    for directory in sorted(workdir.glob("ckpt-*"), reverse=True):
        try:
            saved = torch.load(directory / TRAINER_STATE, map_location=device, weights_only=False)
            saved["model"] = load_model(directory, device).state_dict()
        except Exception as err:  # missing or damaged file: try the checkpoint before
            print(f"[pretrain] {directory.name} cannot be resumed from ({type(err).__name__})")
            continue
        return saved
    return None


def read_metrics(directory: Path) -> dict:
    return json.loads((Path(directory) / "metrics.json").read_text())
