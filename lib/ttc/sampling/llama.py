"""The lean decoder for Llama-family models: a hand-written forward over a preallocated KV cache
(fused projections, RoPE, RMSNorm), and its variant that keeps one cache copy per prompt for
the rows that fork it. `fast_path_ok` says when it reproduces the model exactly."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .batch import last_real, left_pad

_FAST_ARCHITECTURES = {"llama", "qwen2"}
# A paused-row step runs the live rows alone below this live fraction: gathering their
# cache then costs less than attending over every row.
_SPARSE_STEP = 0.25


def fast_path_ok(model) -> bool:
    """Plain RoPE, no sliding window, Llama-style blocks: what `LlamaDecoder` reproduces exactly."""
    cfg = model.config
    rope = getattr(cfg, "rope_parameters", None) or {}
    return (
        getattr(cfg, "model_type", None) in _FAST_ARCHITECTURES
        and rope.get("rope_type", "default") == "default"
        and not getattr(cfg, "use_sliding_window", False)
    )


class LlamaDecoder:
    """Lean forward for Llama-family models over a preallocated KV cache (rows x time)."""

    def __init__(self, model):
        self.model = model
        cfg = model.config
        self.n_heads = cfg.num_attention_heads
        self.n_kv = getattr(cfg, "num_key_value_heads", None) or self.n_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // self.n_heads
        self.layers = model.model.layers
        self.inv_freq = model.model.rotary_emb.inv_freq
        self.scaling = getattr(model.model.rotary_emb, "attention_scaling", 1.0)
        p = next(model.parameters())
        self.device, self.dtype = p.device, p.dtype
        if getattr(cfg, "hidden_act", "silu") != "silu":
            raise ValueError("the lean decoder supports SwiGLU (silu) MLPs only")
        # one matmul for q, k, v and one for gate, up: fewer kernel launches per token
        self.qkv = [
            _fused(layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj)
            for layer in self.layers
        ]
        self.gate_up = [_fused(layer.mlp.gate_proj, layer.mlp.up_proj) for layer in self.layers]
        self.split_qkv = [
            self.n_heads * self.head_dim,
            self.n_kv * self.head_dim,
            self.n_kv * self.head_dim,
        ]
        # next-token logits for a causal LM, the scalar score for a verifier (token classifier)
        self.head = model.lm_head if hasattr(model, "lm_head") else model.score

    def start(self, prompts: list[list[int]], capacity: int, pad_id: int):
        """Prefill left-padded prompts; returns the last-position logits."""
        ids, valid = (t.to(self.device) for t in left_pad(prompts, pad_id))
        width = ids.shape[1]
        shape = (len(self.layers), len(prompts), self.n_kv, width + capacity, self.head_dim)
        self.k = torch.zeros(shape, device=self.device, dtype=self.dtype)
        self.v = torch.zeros(shape, device=self.device, dtype=self.dtype)
        self.valid = torch.zeros(
            (len(prompts), width + capacity), dtype=torch.bool, device=self.device
        )
        self.valid[:, :width] = valid
        self.pos = valid.sum(1)  # next position of every row
        self.t = 0
        positions = (valid.cumsum(1) - 1).clamp(min=0)
        causal = torch.ones(width, width, dtype=torch.bool, device=self.device).tril()
        eye = torch.eye(width, dtype=torch.bool, device=self.device)
        mask = (causal & valid[:, None, :]) | eye  # pads attend to themselves: no empty rows
        return self._forward(ids, positions, mask[:, None], 0)

    def step(self, tokens: torch.Tensor, active: torch.Tensor | None = None):
        """Append one token per row; returns next-token logits. Rows where `active` is False
        are paused: their slot is masked out and their position does not advance."""
        if self.t >= self.k.shape[3]:
            self._grow(self.t + 1)
        t = self.t
        self.valid[:, t] = True if active is None else active
        positions = self.pos[:, None]
        self.pos = self.pos + (1 if active is None else active.long())
        mask = self.valid[:, None, None, : t + 1]
        if active is None or int(active.sum()) > len(active) * _SPARSE_STEP:
            return self._forward(tokens[:, None], positions, mask, t)
        # Few rows live (the tail of a step's longest rows): run those rows only. The
        # paused rows' slot is zeroed, not left unwritten: masked keys must still be finite.
        rows = active.nonzero()[:, 0]
        self.k[:, :, :, t] = 0
        self.v[:, :, :, t] = 0
        logits = self._forward(tokens[rows, None], positions[rows], mask[rows], t, rows=rows)
        return logits.new_zeros((len(active), logits.shape[1])).index_copy_(0, rows, logits)

    def append(self, tokens: torch.Tensor, valid: torch.Tensor):
        """Append a chunk [rows, n] in one forward (`valid` marks each row's real tokens, a
        prefix of the chunk); returns the head's output at each row's last real token
        [rows, out] (rows without one: at slot 0). The head runs on those rows only, which
        matters when it is a language-model head over a large vocabulary."""
        n, start = tokens.shape[1], self.t
        if start + n > self.k.shape[3]:
            self._grow(start + n)
        self.valid[:, start : start + n] = valid
        positions = (self.pos[:, None] + valid.long().cumsum(1) - 1).clamp(min=0)
        self.pos = self.pos + valid.sum(1)
        mask = self.valid[:, None, None, : start + n].repeat(1, 1, n, 1)
        inside = torch.ones(n, n, dtype=torch.bool, device=self.device).tril()
        eye = torch.eye(n, dtype=torch.bool, device=self.device)
        mask[..., start:] = (mask[..., start:] & inside) | eye  # padding attends to itself
        return self._forward(tokens, positions, mask, start, at=last_real(valid))

    def rewind(self, t: int) -> None:
        """Forget every slot from `t` on (rows that wrote there must have been dropped)."""
        self.valid[:, t:] = False
        self.t = t

    def _grow(self, end: int) -> None:
        """Double the cache's time axis (a step-level search cannot know its length upfront)."""
        size = max(end, 2 * self.k.shape[3])
        k = self.k.new_zeros((*self.k.shape[:3], size, self.head_dim))
        v = torch.zeros_like(k)
        k[:, :, :, : self.t] = self.k[:, :, :, : self.t]
        v[:, :, :, : self.t] = self.v[:, :, :, : self.t]
        valid = self.valid.new_zeros((self.valid.shape[0], size))
        valid[:, : self.t] = self.valid[:, : self.t]
        self.k, self.v, self.valid = k, v, valid

    def select(self, rows: torch.Tensor) -> None:
        """Keep (or repeat) rows of the batch: finished rows leave, forks share a prefix."""
        # copy only the filled part of the cache; the rest is written before it is read
        # gathered straight into the new cache's filled slots: one pass over the bytes
        k = self.k.new_empty((self.k.shape[0], len(rows), *self.k.shape[2:]))
        v = torch.empty_like(k)
        torch.index_select(self.k[:, :, :, : self.t], 1, rows, out=k[:, :, :, : self.t])
        torch.index_select(self.v[:, :, :, : self.t], 1, rows, out=v[:, :, :, : self.t])
        self.k, self.v = k, v
        self.valid, self.pos = self.valid[rows], self.pos[rows]

    def _forward(self, ids, positions, mask, start: int, at: torch.Tensor | None = None, rows=None):
        """Run `ids` written at cache slots [start, start + n); the head's output at the last
        position, or at position `at[row]` of each row. `rows`: the batch rows `ids` belong
        to, when they are a subset."""
        n = ids.shape[1]
        end = start + n
        freqs = positions[..., None].float() * self.inv_freq.to(self.device)
        emb = torch.cat((freqs, freqs), -1)
        cos = (emb.cos() * self.scaling).to(self.dtype)[:, None]
        sin = (emb.sin() * self.scaling).to(self.dtype)[:, None]
        model = self.model.model
        h = model.embed_tokens(ids)
        b = ids.shape[0]
        for li, layer in enumerate(self.layers):
            x = _rms_norm(h, layer.input_layernorm)
            q, k, v = (
                t.view(b, n, -1, self.head_dim).transpose(1, 2)
                for t in F.linear(x, *self.qkv[li]).split(self.split_qkv, -1)
            )
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            o = self._attend(li, q, *self._write(li, k, v, start, end, rows), mask, rows)
            h = h + layer.self_attn.o_proj(o.transpose(1, 2).reshape(b, n, -1))
            gate, up = F.linear(
                _rms_norm(h, layer.post_attention_layernorm), *self.gate_up[li]
            ).chunk(2, -1)
            h = h + layer.mlp.down_proj(F.silu(gate) * up)
        self.t = end
        h = h[:, -1] if at is None else h[torch.arange(b, device=self.device), at]
        return self.head(_rms_norm(h, model.norm)).float()

    def _write(self, li: int, k, v, start: int, end: int, rows):
        """Store the new keys and values at slots [start, end); return the rows' cache up to `end`."""
        if rows is None:
            self.k[li, :, :, start:end] = k
            self.v[li, :, :, start:end] = v
            return self.k[li, :, :, :end], self.v[li, :, :, :end]
        self.k[li, rows, :, start:end] = k
        self.v[li, rows, :, start:end] = v
        return self.k[li, rows, :, :end], self.v[li, rows, :, :end]

    def _attend(self, li: int, q, keys, values, mask, rows):
        keys, values = self._repeat_kv(keys), self._repeat_kv(values)
        return F.scaled_dot_product_attention(q, keys, values, attn_mask=mask)

    def _repeat_kv(self, x):
        """Grouped-query attention: each key/value head serves n_heads / n_kv query heads."""
        rep = self.n_heads // self.n_kv
        return x if rep == 1 else x.repeat_interleave(rep, 1)


class SharedPromptDecoder(LlamaDecoder):
    """`LlamaDecoder` that keeps one copy of each prompt's cache, however many rows fork it.

    A search forks every prompt into N rows; with per-row caches each decode step reads N
    copies of the prompt's keys and values, and each fork copies them. Here rows hold only
    what they generated; each layer scores a row's query against its prompt's keys with
    the rows of a prompt batched together (padded to the largest group), and one softmax
    spans prompt and suffix. Same attention, different summation order: logits agree with
    `LlamaDecoder` to float rounding, not bit for bit.
    """

    def start(self, prompts: list[list[int]], capacity: int, pad_id: int):
        self.prompt_k = None  # the prefill itself attends the plain way
        logits = super().start(prompts, 0, pad_id)
        self.prompt_k, self.prompt_v = self.k, self.v  # [layers, prompts, kv, width, dim]
        self.prompt_valid = self.valid  # [prompts, width]
        rows, width = self.valid.shape
        self.k = self.k.new_zeros((*self.k.shape[:3], capacity, self.head_dim))
        self.v = torch.zeros_like(self.k)
        self.valid = self.valid.new_zeros((rows, capacity))
        self.t = 0
        self.prompt_of = torch.arange(rows, device=self.device)
        self.groups = None  # (rows, their _Groups): built once per forward, not per layer
        return logits

    def select(self, rows: torch.Tensor) -> None:
        super().select(rows)
        self.prompt_of = self.prompt_of[rows]
        self.groups = None

    def _attend(self, li: int, q, keys, values, mask, rows):
        if self.prompt_k is None:
            return super()._attend(li, q, keys, values, mask, rows)
        b, _, n, dim = q.shape
        groups = self._groups(rows)
        # queries as [row, kv head, queries sharing that kv head, dim]: grouped-query layout
        per_kv = q.reshape(b, self.n_kv, -1, dim)
        prompt_scores = groups.matmul(per_kv, self.prompt_k[li].transpose(-1, -2)).float()
        prompt_scores = prompt_scores.masked_fill(
            ~self.prompt_valid[groups.prompt][:, None, None, :], float("-inf")
        ).view(b, self.n_heads, n, -1)
        own_scores = (q @ self._repeat_kv(keys).transpose(-1, -2)).float()
        own_scores = own_scores.masked_fill(~mask, float("-inf"))
        scores = torch.cat([prompt_scores, own_scores], -1) * dim**-0.5
        weights = scores.softmax(-1).to(q.dtype)  # softmax in float32, as SDPA accumulates
        width = prompt_scores.shape[-1]
        own = weights[..., width:] @ self._repeat_kv(values)
        shared = groups.matmul(
            weights[..., :width].reshape(b, self.n_kv, -1, width), self.prompt_v[li]
        )
        return own + shared.view(b, self.n_heads, n, dim)

    def _groups(self, rows) -> _Groups:
        """Every row (rows None) or a sparse step's rows, grouped by prompt; every layer of
        one forward passes the same `rows`, so the grouping is reused until it changes."""
        if self.groups is None or self.groups[0] is not rows:
            prompt = self.prompt_of if rows is None else self.prompt_of[rows]
            self.groups = (rows, _Groups(prompt, self.prompt_valid.shape[0]))
        return self.groups[1]


class _Groups:
    """Rows grouped by prompt, padded to the largest group: a batched product per prompt."""

    def __init__(self, prompt: torch.Tensor, n_prompts: int):
        order = torch.argsort(prompt, stable=True)
        counts = torch.bincount(prompt, minlength=n_prompts)
        first = torch.cumsum(counts, 0) - counts
        self.slot = torch.empty_like(prompt)
        self.slot[order] = torch.arange(len(prompt), device=prompt.device) - first[prompt[order]]
        self.prompt, self.n_prompts, self.size = prompt, n_prompts, int(counts.max())

    def matmul(self, x: torch.Tensor, by: torch.Tensor) -> torch.Tensor:
        """Row r's x [heads, m, d] times its prompt's `by` [heads, d, e]: [rows, heads, m, e]."""
        rows, heads, m, d = x.shape
        padded = x.new_zeros((self.n_prompts, self.size, heads, m, d))
        padded[self.prompt, self.slot] = x
        padded = padded.transpose(1, 2).reshape(self.n_prompts, heads, self.size * m, d)
        out = (padded @ by).view(self.n_prompts, heads, self.size, m, -1)
        return out.transpose(1, 2)[self.prompt, self.slot]


def _fused(*linears):
    """Concatenated weight (and bias, if any) of linear layers that read the same input."""
    weight = torch.cat([lin.weight for lin in linears])
    biases = [lin.bias for lin in linears]
    bias = (
        None
        if all(b is None for b in biases)
        else torch.cat(
            [
                b
                if b is not None
                else torch.zeros(lin.out_features, device=weight.device, dtype=weight.dtype)
                for b, lin in zip(biases, linears, strict=True)
            ]
        )
    )
    return weight, bias


def _rms_norm(x, norm):
    return F.rms_norm(x, (x.shape[-1],), norm.weight, norm.variance_epsilon)


def _rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)
