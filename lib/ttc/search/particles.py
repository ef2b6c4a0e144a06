"""Particle filtering against the PRM (Puri et al. 2025, arXiv 2502.01618).

Instead of keeping the top-scoring partial solutions, particle filtering treats the PRM's
score of each particle's latest step as a likelihood and resamples the unfinished particles
in proportion to it, so a prefix the PRM likes is copied more often without the others
being cut off outright. The weight of a particle with score r is its odds under the PRM,
softmax(logit(r) / temperature) over the particles (as its_hub does); temperature 1 weighs by
the odds themselves, a larger one flattens the weights towards independent sampling.

The rounds themselves (extend every unfinished particle by one step, move finished ones to
the pool) are the tree routine's (`ttc.search.tree`); this module only chooses survivors.
"""

from __future__ import annotations

import torch

EPS = 1e-6  # keeps logit(r) finite for a PRM that says exactly 0 or 1


def particle_weights(scores: torch.Tensor, temperature: float) -> torch.Tensor:
    """Normalised weights softmax(logit(score) / temperature) over the last dimension."""
    if temperature <= 0:
        raise ValueError(f"particle temperature must be positive, got {temperature}")
    r = scores.double().clamp(EPS, 1 - EPS)
    return torch.softmax(torch.logit(r) / temperature, dim=-1)


def resample(weights: torch.Tensor, count: int, generator: torch.Generator | None) -> torch.Tensor:
    """`count` indices drawn with replacement in proportion to `weights` (multinomial)."""
    return torch.multinomial(weights.float(), count, replacement=True, generator=generator)
