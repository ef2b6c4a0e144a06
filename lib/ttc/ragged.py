"""Ragged sequences stored as one flat array plus offsets (sequence i is flat[off[i]:off[i+1]]):
the layout of the pretraining and revision corpora, the sample bank and its step scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pack(seqs: Sequence, dtype) -> tuple[np.ndarray, np.ndarray]:
    """(flat array of `dtype`, int64 offsets with a leading 0)."""
    flat = np.concatenate([np.asarray(s, dtype=dtype) for s in seqs])
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(np.int64)
    return flat, offsets


def unpack(flat: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    return [flat[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
