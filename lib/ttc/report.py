"""Regenerate the README's findings table from `data/results/<profile>/findings.json`.

`python -m ttc.report` rewrites the block between the FINDINGS markers in README.md, so the
table always shows the committed numbers, never hand-copied ones.
"""

from __future__ import annotations

import json

from .config import PROFILES
from .paths import REPO_ROOT, RESULTS_DIR

BEGIN, END = "<!-- FINDINGS:BEGIN -->", "<!-- FINDINGS:END -->"


def _short(value) -> str:
    if isinstance(value, dict):
        keys = [
            k
            for k in ("easiest", "hardest", "max_rise_z", "min_gain", "gain_by_level")
            if k in value
        ]
        return "; ".join(f"{k} {_short(value[k])}" for k in keys) or json.dumps(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def findings_table() -> str:
    lines = ["| profile | finding | holds | measured | claim |", "|---|---|---|---|---|"]
    for profile in PROFILES:
        path = RESULTS_DIR / profile / "findings.json"
        if profile == "smoke" or not path.exists():
            continue
        for r in json.loads(path.read_text()):
            mark = "yes" if r["holds"] else "**no**"
            lines.append(
                f"| {profile} | {r['id']} | {mark} | {_short(r['value'])} | {r['claim']} |"
            )
    if len(lines) == 2:
        lines.append("| - | - | - | no reference run committed yet | - |")
    return "\n".join(lines)


def update_readme() -> None:
    readme = REPO_ROOT / "README.md"
    text = readme.read_text()
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    readme.write_text(f"{head}{BEGIN}\n{findings_table()}\n{END}{tail}")


if __name__ == "__main__":
    update_readme()
