"""Policy and PRM over the same rows in lockstep, one solution step at a time.

The policy samples a step token by token; the PRM then reads the whole new step in one
chunked forward over its own KV cache, so its score at the step end is ready when the step
is, and neither model ever re-encodes a prefix: keeping a beam forks its rows' caches
(`select`), lookahead rollouts run on forks that are dropped afterwards (`rewind`). Rows not
extending are paused (their slots are masked out), which keeps the batch rectangular.

The policy is a model decoded here token by token, or a vLLM engine
(`ttc.sampling.vllm_engine`), which receives each active row's whole prefix every round and
reuses its cached prefix KV; either way the PRM scores with the native decoder.

The PRM is any step scorer (`ttc.verifiers.scorers`). A step-tag PRM also gets its tag
token appended after every step, in its own stream only (the policy never sees it), and is
read at the tag; the tags stay in its cache, so later steps are read in the context it
was trained on (each earlier step followed by its tag).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..sampling import make_decoder, pick
from ..sampling.vllm_engine import VllmEngine
from ..verifiers.scorers import as_scorer


class DecoderSteps:
    """The policy half of the lockstep on a native decoder: per-row next-token logits, one
    token at a time over the rows' KV caches."""

    def __init__(self, model, pad_id: int, fast: bool | None):
        self.decoder = make_decoder(model, fast, share_prompts=True)
        self.device = self.decoder.device
        self.pad_id = pad_id

    def start(self, prompts: list[list[int]], capacity: int) -> None:
        self.logits = self.decoder.start(prompts, capacity, self.pad_id)

    @property
    def rows(self) -> int:
        return self.logits.shape[0]

    @property
    def t(self) -> int:
        return self.decoder.t

    def select(self, rows: torch.Tensor) -> None:
        self.decoder.select(rows)
        self.logits = self.logits[rows]

    def rewind(self, t: int) -> None:
        self.decoder.rewind(t)

    def sample(self, active, temperature, stop_ids, max_tokens, generator):
        """One step on the active rows: (tokens [rows, max_tokens] padded, lengths, stopped)."""
        live = active.to(self.device).clone()
        tokens_out = torch.full((self.rows, max_tokens), self.pad_id, device=self.device)
        lengths = torch.zeros(self.rows, dtype=torch.long, device=self.device)
        stopped = torch.zeros(self.rows, dtype=torch.bool, device=self.device)
        for i in range(max_tokens):
            rows = live.nonzero()[:, 0]
            if not len(rows):
                break
            # noise for the live rows only, as a sampler that drops finished rows draws it
            tokens = torch.full_like(lengths, self.pad_id)
            tokens[rows] = pick(self.logits[rows], temperature, generator)
            tokens_out[:, i] = tokens
            lengths += live.long()
            logits = self.decoder.step(tokens, live)
            self.logits = torch.where(live[:, None], logits, self.logits)
            ended = live & torch.isin(tokens, stop_ids)
            stopped |= ended
            live &= ~ended
        return tokens_out, lengths, stopped


class EngineSteps:
    """The policy half of the lockstep on a vLLM engine: each row is its token sequence, and
    a round sends every active row's sequence as one request (vLLM's prefix cache keeps the
    shared prefixes' KV), seeded from the search's generator."""

    def __init__(self, engine: VllmEngine, pad_id: int, device: torch.device):
        self.engine, self.pad_id, self.device = engine, pad_id, device

    def start(self, prompts: list[list[int]], capacity: int) -> None:
        self.sequences = [list(p) for p in prompts]

    @property
    def rows(self) -> int:
        return len(self.sequences)

    @property
    def t(self) -> None:
        return None  # nothing to rewind: a row is its sequence

    def select(self, rows: torch.Tensor) -> None:
        self.sequences = [list(self.sequences[r]) for r in rows.tolist()]

    def rewind(self, t: None) -> None:
        pass

    def sample(self, active, temperature, stop_ids, max_tokens, generator):
        rows = active.nonzero()[:, 0].tolist()
        seeds = torch.randint(2**31 - 1, (len(rows),), generator=generator).tolist()
        steps = self.engine.steps(
            [self.sequences[r] for r in rows], temperature, stop_ids.tolist(), max_tokens, seeds
        )
        tokens_out = torch.full((self.rows, max_tokens), self.pad_id, dtype=torch.long)
        lengths = torch.zeros(self.rows, dtype=torch.long)
        stopped = torch.zeros(self.rows, dtype=torch.bool)
        for r, (tokens, ended) in zip(rows, steps, strict=True):
            self.sequences[r] += tokens
            tokens_out[r, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
            lengths[r], stopped[r] = len(tokens), ended
        return tokens_out.to(self.device), lengths.to(self.device), stopped.to(self.device)


class Lockstep:
    """Rows of (policy, PRM) decoder state with the latest PRM score per row."""

    def __init__(self, policy, prm, pad_id: int, fast: bool | None = None):
        self.scorer = as_scorer(prm)
        self.prm = make_decoder(self.scorer.model, fast, share_prompts=True)
        self.pad_id = pad_id
        self.device = self.prm.device
        self.policy = (
            EngineSteps(policy, pad_id, self.device)
            if isinstance(policy, VllmEngine)
            else DecoderSteps(policy, pad_id, fast)
        )

    def start(self, prompts: Sequence[Sequence[int]], capacity: int) -> None:
        prompts = [list(p) for p in prompts]
        self.policy.start(prompts, capacity)
        self.prm.start(prompts, capacity, self.pad_id)
        self.score = torch.zeros(len(prompts), device=self.device)

    @property
    def rows(self) -> int:
        return self.policy.rows

    @property
    def t(self) -> tuple:
        """Filled cache slots of (policy, PRM): where `rewind` returns to."""
        return self.policy.t, self.prm.t

    def select(self, rows: torch.Tensor) -> None:
        """Keep, drop or fork rows (a row may appear several times)."""
        rows = rows.to(self.device)
        self.policy.select(rows)
        self.prm.select(rows)
        self.score = self.score[rows]

    def rewind(self, t: tuple) -> None:
        self.policy.rewind(t[0])
        self.prm.rewind(t[1])

    def extend(
        self,
        active: torch.Tensor,
        temperature: float,
        stop_ids: torch.Tensor,
        max_tokens: int,
        generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample one step on the active rows: until a stop token or `max_tokens`.

        Returns the step tokens [rows, max_tokens] (pad after the end), their lengths, and
        whether each row ended on a stop token. `self.score` then holds the PRM's score at
        each extended row's new step (at its last token, or at the tag after it).
        """
        tokens_out, lengths, stopped = self.policy.sample(
            active, temperature, stop_ids, max_tokens, generator
        )
        width = int(lengths.max())
        if width:
            chunk, read = tokens_out[:, :width], lengths
            if self.scorer.tag_id is not None:  # the tag goes right after each new step
                chunk = torch.cat([chunk, torch.full_like(chunk[:, :1], self.pad_id)], 1)
                chunk[torch.arange(self.rows, device=self.device), lengths] = self.scorer.tag_id
                read = lengths + (lengths > 0).long()
            valid = torch.arange(chunk.shape[1], device=self.device)[None, :] < read[:, None]
            scores = self.scorer.probability(self.prm.append(chunk, valid))
            self.score = torch.where(lengths > 0, scores, self.score)
        return tokens_out, lengths, stopped
