"""Process-wide run settings: device choice, mixed precision, seeding, threads."""

from __future__ import annotations

import os
import random
from contextlib import nullcontext

import numpy as np
import torch


def device() -> str:
    """`cuda` when a GPU is visible, else `cpu` (override with TTC_DEVICE)."""
    return os.environ.get("TTC_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


def autocast(device: str):
    """bf16 autocast on CUDA (training and verifier forwards); nothing on CPU."""
    return (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda") else nullcontext()
    )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def configure_threads() -> int:
    """Use every core for intra-op parallelism (small models are overhead-bound otherwise)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(n)
    return n
