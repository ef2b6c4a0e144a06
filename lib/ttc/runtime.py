"""Process-wide run settings: device choice, mixed precision, seeding, threads and GC."""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import random
from contextlib import nullcontext

import numpy as np
import torch


def device() -> str:
    """`cuda` when a GPU is visible, else `cpu` (override with TTC_DEVICE)."""
    return os.environ.get("TTC_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


def machine() -> dict[str, str]:
    """What a run's numbers depend on beyond its inputs: training repeats bit for bit on one
    machine, but float rounding differs between CPUs (the vector instructions torch's kernels
    use), and this study's learning transitions move with it, as with a training seed."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            name = next(
                line.split(":", 1)[1].strip() for line in f if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {
        "cpu": name,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "gpu": gpu,
        "torch": torch.__version__,
    }


def autocast(device: str):
    """bf16 autocast on CUDA (training and verifier forwards); nothing on CPU."""
    return (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.startswith("cuda") else nullcontext()
    )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def threads() -> int:
    """Intra-op threads for this run: `TTC_THREADS` if set, else `OMP_NUM_THREADS`, else every
    core this process may use: on an unloaded 2-core machine two threads train and sample the
    cpu ladder 1.1-1.6x faster than one (`python -m benchmarks.threads`), while on a machine
    other jobs share, `TTC_THREADS=1` can be several times faster. Tables are reproducible for
    a fixed thread count (float sums are ordered by it), so the count is recorded with the
    timings and results."""
    for name in ("TTC_THREADS", "OMP_NUM_THREADS"):
        env = os.environ.get(name)
        if env:
            if not env.isdigit() or int(env) < 1:
                raise ValueError(f"{name}={env!r}: a positive integer")
            return int(env)
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def configure_process() -> int:
    """Settings for long sampling loops; returns the intra-op thread count.

    - `threads()` cores go to intra-op parallelism (small models are overhead-bound otherwise).
    - The objects imports created (~400k with torch, transformers and pandas) are frozen
      out of the garbage collector's sight: each full collection would walk them again
      (~0.4 s on one core), and a search of a few seconds triggers one.
    - On glibc, freed memory stays in the heap instead of going back to the system: KV
      caches are tens of MB, and each fresh mapping is paid again in page faults on first
      write (about 5x the cost of the copy that fills it). The PyTorch CPU tuning guide
      gets the same effect by preloading jemalloc or tcmalloc.
    """
    n = threads()
    torch.set_num_threads(n)
    gc.collect()
    gc.freeze()
    _keep_freed_memory()
    return n


def _keep_freed_memory(keep_bytes: int = 1 << 30) -> None:
    """glibc `mallopt`: large blocks from the heap (no mmap), trim only above `keep_bytes`."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): leave the allocator alone
        return
    m_trim_threshold, m_mmap_max = -1, -4
    libc.mallopt(m_mmap_max, 0)
    libc.mallopt(m_trim_threshold, keep_bytes)
