"""The policy: a function that writes solutions for prompts, the interface every stage after
pretraining samples through (the sample bank, rollout labels, revisions, the exchange map).
`model_policy` makes one from a causal LM and a task's end and pad tokens, `engine_policy`
from a vLLM engine (`ttc.sampling.vllm_engine`)."""

from __future__ import annotations

from collections.abc import Callable

from .sampling import Generation, sample
from .sampling.vllm_engine import VllmEngine
from .tasks.base import Task

# (prompts, samples per prompt, max new tokens per prompt, seed) -> generations
Policy = Callable[[list[list[int]], int, list[int], int], list[Generation]]


def model_policy(
    model, temperature: float, batch_size: int, progress: bool = True, *, task: Task
) -> Policy:
    """A policy that samples `model` until the task's end of a solution, padding with its pad."""

    def policy(prompts, n, max_new_tokens, seed):
        return sample(
            model,
            prompts,
            n=n,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            stop_ids=sorted(task.end_ids),
            pad_id=task.pad_id,
            batch_size=batch_size,
            seed=seed,
            progress=progress,
            desc=f"sampling x{n}",
        )

    return policy


def engine_policy(
    engine: VllmEngine, temperature: float, progress: bool = True, *, task: Task
) -> Policy:
    """A policy that samples through a vLLM engine until the task's end of a solution."""

    def policy(prompts, n, max_new_tokens, seed):
        return engine.sample(
            prompts,
            n=n,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            stop_ids=sorted(task.end_ids),
            seed=seed,
            progress=progress,
        )

    return policy
