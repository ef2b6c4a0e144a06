"""vLLM as the generation engine of a real policy (`real.engine: vllm`).

vLLM batches requests continuously, reuses the KV cache of shared prefixes across requests
(prefix caching: what step-level search needs, since every round re-sends each row's whole
prefix) and spreads a model over several GPUs (tensor parallel) or runs copies of it
(data parallel). This module wraps one offline `vllm.LLM` behind the two things the study
asks of a policy: whole solutions (`VllmEngine.sample`, the same records as
`ttc.sampling.sample`) and one step per row for search (`VllmEngine.steps`). Requests are
token ids in and token ids out (no tokenizer in the engine), sampled at a plain temperature
(the model's own generation defaults, such as top-p, are not applied) and seeded per
request, so a seed gives the same samples however requests are batched.

vLLM is optional: `pip install -e '.[vllm]'` (CUDA) or `make vllm` (picks the CPU or CUDA
build). Without a GPU the engine runs in this process (no engine subprocess), which is what
tests and notebooks on a laptop need.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch

from ..config import VLLM_INSTALL, vllm_installed
from ..models.hub import meta_model
from .batch import Generation, per_prompt_limits

_SEED_STRIDE = 1_000_003  # request seeds: seed * stride + request index


def require_vllm() -> None:
    """Stop at once, with the install command, when vLLM is missing."""
    if not vllm_installed():
        raise ImportError(f"engine 'vllm' needs vLLM, which is not installed: {VLLM_INSTALL}")


class VllmEngine:
    """One offline vLLM engine over a Hugging Face model directory.

    `settings`: vLLM engine arguments passed through (`ttc.config.VllmConfig`); `dtype`: a
    torch dtype name, the one the native path would load the model in.
    """

    def __init__(self, directory: str | Path, settings: dict, dtype: str, seed: int = 0):
        require_vllm()
        settings = dict(settings)
        if not torch.cuda.is_available():
            # CPU: run the engine core in this process (no spawned worker to guard against),
            # and schedule whole prompts only: a prompt split over steps rewinds its seeded
            # generator's offset, which CPU generators lack (vLLM 0.32 raises)
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
            settings.setdefault("enable_chunked_prefill", False)
        from vllm import LLM

        self.directory = Path(directory)
        if not settings.get("max_model_len"):
            settings.pop("max_model_len", None)  # 0: the model's own context length
        gib = settings.pop("kv_cache_gib", 0)
        if gib:
            settings["kv_cache_memory_bytes"] = int(gib * 2**30)
        self.llm = LLM(
            model=str(self.directory),
            skip_tokenizer_init=True,  # token ids in and out
            generation_config="vllm",  # plain temperature sampling, not the model's defaults
            dtype=dtype,
            seed=seed,
            **settings,
        )
        self._meta_model = None

    @property
    def meta_model(self) -> torch.nn.Module:
        """The policy's architecture without weights (for its parameter count)."""
        if self._meta_model is None:
            self._meta_model = meta_model(self.directory)
        return self._meta_model

    def _params(self, temperature: float, max_tokens: int, stop_ids, seed: int, n: int = 1):
        from vllm import SamplingParams

        return SamplingParams(
            n=n,
            temperature=max(temperature, 0.0),
            max_tokens=max_tokens,
            stop_token_ids=list(stop_ids),
            seed=seed,
            detokenize=False,
        )

    def _generate(self, prompts: Sequence[Sequence[int]], params: list, progress: bool):
        from vllm.inputs import TokensPrompt

        requests = [TokensPrompt(prompt_token_ids=list(p)) for p in prompts]
        return self.llm.generate(requests, params, use_tqdm=progress)

    def sample(
        self,
        prompts: Sequence[Sequence[int]],
        *,
        n: int = 1,
        temperature: float = 1.0,
        max_new_tokens: int | Sequence[int] = 64,
        stop_ids: Sequence[int] = (),
        seed: int = 0,
        progress: bool = True,
    ) -> list[Generation]:
        """`n` continuations of every prompt, ordered by (prompt, sample), as
        `ttc.sampling.sample` returns them (the stop token included, `stopped` when one
        ended the row)."""
        if n < 1:
            raise ValueError("n must be positive")
        limits = per_prompt_limits(max_new_tokens, len(prompts))
        # vLLM samples n continuations of one request, except greedily: then n requests
        per_request = 1 if temperature <= 0 else n
        owners = [i for i in range(len(prompts)) for _ in range(n // per_request)]
        params = [
            self._params(temperature, limits[i], stop_ids, seed * _SEED_STRIDE + i, per_request)
            for i in owners
        ]
        outputs = self._generate([prompts[i] for i in owners], params, progress)
        samples = [[] for _ in prompts]
        for i, out in zip(owners, outputs, strict=True):
            samples[i] += sorted(out.outputs, key=lambda o: o.index)
        return [
            Generation(i, j, tuple(o.token_ids), o.finish_reason == "stop", len(prompts[i]))
            for i in range(len(prompts))
            for j, o in enumerate(samples[i])
        ]

    def steps(
        self,
        sequences: Sequence[Sequence[int]],
        temperature: float,
        stop_ids: Sequence[int],
        max_tokens: int,
        seeds: Sequence[int],
    ) -> list[tuple[tuple[int, ...], bool]]:
        """One step for each sequence (prompt and solution so far): its tokens up to a stop
        token (included) or `max_tokens`, and whether a stop token ended it."""
        params = [self._params(temperature, max_tokens, stop_ids, s) for s in seeds]
        outputs = self._generate(sequences, params, progress=False)
        return [
            (tuple(out.outputs[0].token_ids), out.outputs[0].finish_reason == "stop")
            for out in outputs
        ]

    def shutdown(self) -> None:
        """Free the engine's memory (its KV cache and weights)."""
        engine = getattr(self.llm, "llm_engine", None)
        core = getattr(engine, "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()
        del self.llm
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


_OPEN: dict[str, VllmEngine] = {}


def open_engine(directory: str | Path, settings, dtype: str, seed: int = 0) -> VllmEngine:
    """The engine for a model directory, started once per process. One engine is held at a
    time: asking for another model (the revision model after the policy) shuts the open
    one down first, so their memory is never reserved twice."""
    settings = asdict(settings) if not isinstance(settings, dict) else dict(settings)
    key = repr((str(Path(directory).resolve()), sorted(settings.items()), dtype, seed))
    if key not in _OPEN:
        close_engines()
        _OPEN[key] = VllmEngine(directory, settings, dtype, seed)
    return _OPEN[key]


def close_engines() -> None:
    while _OPEN:
        _OPEN.popitem()[1].shutdown()
