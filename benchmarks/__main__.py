"""`python -m benchmarks [profile]`: every speed benchmark, printed side by side with its baseline."""

import sys

import torch

from benchmarks import hub_sampling, sampler, search

if __name__ == "__main__":
    profile = sys.argv[1] if len(sys.argv) > 1 else "cpu"
    sampler.run(profile)
    search.run(profile)
    if torch.cuda.is_available():  # a 0.5B model: GPU only (`--size tiny` checks it on CPU)
        hub_sampling.run()
