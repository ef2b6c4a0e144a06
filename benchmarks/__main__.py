"""`python -m benchmarks [profile]` (default auto: full on CUDA, else cpu): every speed benchmark, printed side by side with its baseline."""

import sys

import torch
from ttc.config import vllm_installed
from ttc.pipeline import resolve_profile

from benchmarks import hub_sampling, particles, sampler, search, vllm_engine

if __name__ == "__main__":
    profile = resolve_profile(sys.argv[1] if len(sys.argv) > 1 else "auto")
    sampler.run(profile)
    search.run(profile)
    particles.run(profile)
    if torch.cuda.is_available():  # a 0.5B model: GPU only (`--size tiny` checks it on CPU)
        hub_sampling.run()
    if vllm_installed():  # `make vllm`: bank and beam search through vLLM and natively
        vllm_engine.run("0.5b" if torch.cuda.is_available() else "cpu")
