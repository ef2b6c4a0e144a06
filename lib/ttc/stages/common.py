"""What every stage shares: the error for a missing upstream artifact."""

from __future__ import annotations

from pathlib import Path

from .. import cache


class MissingUpstream(RuntimeError):
    """An artifact that an earlier notebook produces has not been built yet."""


def _require(kind: str, inputs, version: int, notebook: str) -> Path:
    path = cache.lookup(kind, inputs, version)
    if path is None:
        raise MissingUpstream(
            f"no {kind} artifact for this profile: run notebooks/{notebook}.ipynb first "
            f"(e.g. `make nb NB={notebook[:2]} PROFILE=...`)"
        )
    return path
