"""A finding as a record, and the per-profile file that collects them."""

from __future__ import annotations

import json

from ..cache import write_json_atomic
from ..paths import results_dir


def _record(fid: str, claim: str, metric: str, value, paper_value, holds: bool) -> dict:
    return {
        "id": fid,
        "claim": claim,
        "metric": metric,
        "value": value,
        "paper_value": paper_value,
        "holds": bool(holds),
    }


def record_findings(profile: str, records: list[dict]) -> list[dict]:
    """Merge records into the profile's findings.json by id; returns the whole list."""
    path = results_dir(profile) / "findings.json"
    existing = json.loads(path.read_text()) if path.exists() else []
    ids = {r["id"] for r in records}
    merged = [r for r in existing if r["id"] not in ids] + records
    merged.sort(key=lambda r: r["id"])
    write_json_atomic(path, merged, nan_as_null=True)
    return merged
