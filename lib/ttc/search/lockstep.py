"""Policy and PRM decoding the same rows in lockstep, one solution step at a time.

Every token the policy samples is fed to the PRM in the same iteration, so the PRM's score
at a step end is available the moment the step ends and neither model ever re-encodes a
prefix: keeping a beam forks its rows' KV caches (`select`), lookahead rollouts run on
forks that are dropped afterwards (`rewind`). Rows not extending in an iteration are
paused (their slot is masked out), which keeps the batch rectangular.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..sampling import _pick, make_decoder


class Lockstep:
    """Rows of (policy, PRM) decoder state with per-row next-token logits and latest PRM score."""

    def __init__(self, policy, prm, pad_id: int, fast: bool | None = None):
        self.policy = make_decoder(policy, fast)
        self.prm = make_decoder(prm, fast)
        self.pad_id = pad_id
        self.device = self.policy.device

    def start(self, prompts: Sequence[Sequence[int]], capacity: int) -> None:
        prompts = [list(p) for p in prompts]
        self.logits = self.policy.start(prompts, capacity, self.pad_id)
        self.prm.start(prompts, capacity, self.pad_id)
        self.score = torch.zeros(len(prompts), device=self.device)

    @property
    def rows(self) -> int:
        return self.logits.shape[0]

    @property
    def t(self) -> int:
        return self.policy.t

    def select(self, rows: torch.Tensor) -> None:
        """Keep, drop or fork rows (a row may appear several times)."""
        rows = rows.to(self.device)
        self.policy.select(rows)
        self.prm.select(rows)
        self.logits, self.score = self.logits[rows], self.score[rows]

    def rewind(self, t: int) -> None:
        self.policy.rewind(t)
        self.prm.rewind(t)

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
        each extended row's last token.
        """
        live = active.to(self.device).clone()
        tokens_out = torch.full((self.rows, max_tokens), self.pad_id, device=self.device)
        lengths = torch.zeros(self.rows, dtype=torch.long, device=self.device)
        stopped = torch.zeros(self.rows, dtype=torch.bool, device=self.device)
        for i in range(max_tokens):
            if not bool(live.any()):
                break
            tokens = torch.where(live, _pick(self.logits, temperature, generator), self.pad_id)
            tokens_out[:, i] = tokens
            lengths += live.long()
            logits = self.policy.step(tokens, live)
            score = torch.sigmoid(self.prm.step(tokens, live)[:, 0])
            self.logits = torch.where(live[:, None], logits, self.logits)
            self.score = torch.where(live, score, self.score)
            ended = live & torch.isin(tokens, stop_ids)
            stopped |= ended
            live &= ~ended
        return tokens_out, lengths, stopped
