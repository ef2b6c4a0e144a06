"""Intra-op threads: one against every core, for training and sampling each ladder model's size
(`python -m benchmarks.threads [profile]`). This is the measurement behind `runtime.threads()`'s
default (every core): on an unloaded 2-core machine two threads were 1.1-1.6x faster than one
(cpu ladder, December 2026); on a machine other jobs share, one thread can be several times faster.
Models are freshly initialised at the profile's sizes (speed does not depend on the weights), so
nothing needs to be trained first; nothing is recorded.
"""

from __future__ import annotations

import os
import sys
import time

import torch
from ttc.config import load_profile
from ttc.models.ladder import build_model
from ttc.sampling import sample


def rates(spec, threads: int, steps: int = 20, batch: int = 16, length: int = 60) -> dict:
    torch.set_num_threads(threads)
    model = build_model(spec, 0)
    optim = torch.optim.AdamW(model.parameters(), 1e-3)
    ids = torch.randint(0, 200, (batch, length))
    for step in range(steps + 3):  # three warm-up steps
        if step == 3:
            start = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        optim.zero_grad()
        loss.backward()
        optim.step()
    train = steps * batch * length / (time.perf_counter() - start)
    model.eval()
    prompts = [[1, 2, 3, 4]] * 64
    sample(model, prompts, max_new_tokens=8, progress=False)  # warm-up
    start = time.perf_counter()
    out = sample(model, prompts, temperature=0, max_new_tokens=48, progress=False)
    decode = sum(g.n_generated for g in out) / (time.perf_counter() - start)
    return {"train tokens/s": round(train), "greedy tokens/s": round(decode)}


def run(profile_name: str = "cpu") -> None:
    profile = load_profile(profile_name)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for spec in profile.ladder:
        one, every = rates(spec, 1), rates(spec, cores)
        ratios = {k: round(every[k] / one[k], 2) for k in one}
        print(f"{spec.name}: 1 thread {one} | {cores} threads {every} | ratio {ratios}")


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "cpu")
