"""`python -m benchmarks [profile]`: every speed benchmark, printed side by side with its baseline."""

import sys

from benchmarks import sampler, search

if __name__ == "__main__":
    profile = sys.argv[1] if len(sys.argv) > 1 else "cpu"
    sampler.run(profile)
    search.run(profile)
