"""F1: the base model spans easy to hard, and the larger model is better (notebook 02)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..difficulty import SPREAD_TARGETS, spread_check
from .record import _record


def f1_span(
    by_level: pd.DataFrame, easy_min: float = 0.8, hard_max: float = 0.1, z_max: float = 2.0
) -> dict:
    """Base pass@1 spans easy to hard and falls with level.

    `by_level` has columns level, pass_at_1, n. "Falls" allows noise: no level may exceed
    the one before it by more than `z_max` standard errors of the difference.
    """
    frame = by_level.sort_values("level")
    p, n = frame["pass_at_1"].to_numpy(), frame["n"].to_numpy()
    se = np.sqrt(p * (1 - p) / n)
    rises = [(p[i + 1] - p[i]) / max(np.hypot(se[i], se[i + 1]), 1e-9) for i in range(len(p) - 1)]
    value = {
        "easiest": float(p[0]),
        "hardest": float(p[-1]),
        "max_rise_z": float(max(rises, default=0.0)),
        "levels": [int(x) for x in frame["level"]],
        "pass_at_1": [round(float(x), 4) for x in p],
    }
    holds = p[0] >= easy_min and p[-1] <= hard_max and value["max_rise_z"] <= z_max
    return _record(
        "F1-span",
        f"base-model greedy pass@1 >= {easy_min} on the easiest level, <= {hard_max} on the "
        f"hardest, falling with level (no rise above {z_max} s.e.)",
        "validation greedy pass@1 by nominal level",
        value,
        None,
        holds,
    )


def f1_scale(
    base: pd.DataFrame, large: pd.DataFrame, base_name: str, large_name: str, min_gain: float = 0.15
) -> dict:
    """The large model beats the base model by `min_gain` on each of the two hardest levels."""
    levels = sorted(base["level"])[-2:]
    gains = {
        int(lv): float(
            large.set_index("level").loc[lv, "pass_at_1"]
            - base.set_index("level").loc[lv, "pass_at_1"]
        )
        for lv in levels
    }
    value = {
        "base": base_name,
        "large": large_name,
        "gain_by_level": gains,
        "min_gain": min(gains.values()) if base_name != large_name else 0.0,
    }
    holds = base_name != large_name and value["min_gain"] >= min_gain
    return _record(
        "F1-scale",
        f"the largest model beats the base model by >= {min_gain} greedy pass@1 on the "
        "two hardest levels",
        "pass@1 gain of the large over the base model",
        value,
        "~14x model clearly better on hard questions",
        holds,
    )


def f1_bins(bin_means, last_coverage: float) -> dict:
    """The test bank's oracle bins spread over the whole range (the substrate's targets,
    `difficulty.SPREAD_TARGETS`): a question set on which difficulty bins mean something."""
    t = SPREAD_TARGETS
    value = spread_check(bin_means, last_coverage)
    holds = value.pop("holds")
    return _record(
        "F1-bins",
        f"base pass@1 over the test bank's oracle bins: bin 1 >= {t['first_min']}, bin 5 <= "
        f"{t['last_max']} with pass@64 coverage above {t['last_coverage_min']}, each bin at "
        f"least {t['step_min']} below the one before",
        "mean bank pass@1 per oracle bin; pass@64 of bin 5",
        value,
        None,
        holds,
    )
