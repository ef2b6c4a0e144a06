"""F5 and F6: compute-optimal scaling and the exchange with pretraining (notebooks 06-07)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .record import _record


def f5_records(savings: pd.DataFrame, min_saving: float = 2.0, z_min: float = 2.0) -> list[dict]:
    """One record per compute-optimal variant (columns `area`, e.g. "search", and `variant`,
    e.g. "oracle"): the largest budget saving against best-of-N weighted over its budgets
    (exact, or a lower bound where compute-optimal is ahead from the smallest budget).

    Only savings where best-of-N itself still gains between the matched budget and N by
    more than `z_min` standard errors count toward `holds` (`rise_z` of `saving_table`): on
    a plateau, matching early is no evidence of efficiency.
    """
    records = []
    for (area, variant), rows in savings.groupby(["area", "variant"], sort=False):
        known = rows[rows["bound"] != "not reached"]
        established = known[known["rise_z"] > z_min]
        best = known.loc[known["saving"].idxmax()] if len(known) else None
        best_est = established["saving"].max() if len(established) else None
        value = {
            "max_saving": None if best is None else round(float(best["saving"]), 3),
            "at_budget": None if best is None else float(best["budget"]),
            "bound": None if best is None else best["bound"],
            "max_established_saving": None if best_est is None else round(float(best_est), 3),
            "by_budget": {float(r.budget): None if np.isnan(r.saving) else round(float(r.saving), 3)
                          for r in rows.itertuples()},
        }  # fmt: skip
        slug = f"{area}-{variant}".replace(" ", "-").replace("=", "")
        records.append(
            _record(
                f"F5-{slug}",
                f"compute-optimal {area} ({variant} bins) matches best-of-N weighted with at least "
                f"{min_saving:g}x fewer generations at a budget where best-of-N still gains "
                f"(> {z_min:g} s.e.)",
                "largest N / budget at which compute-optimal matches best-of-N weighted at N",
                value,
                "up to 4x",
                best_est is not None and best_est >= min_saving,
            )
        )
    return records


def f6_records(tables: dict[str, pd.DataFrame], fit: pd.DataFrame, large: str) -> list[dict]:
    """The exchange findings. `tables` maps an area ("search", "revisions") to its
    `exchange.exchange_table` over oracle bins (bin 1 = easiest); `fit` is
    `exchange.fit_exchange` over the ladder."""
    records = []
    for area, table in tables.items():
        low, high, hardest = table["R"].min(), table["R"].max(), table["bin"].max()
        easy = table[(table["R"] == low) & (table["bin"] <= 3)].set_index("bin")["difference"]
        hard = table[(table["R"] == high) & (table["bin"] == hardest)]["difference"]
        records += [
            _record(
                f"F6-{area}-low-R",
                f"at R = {low:g}, compute-optimal {area} on the base model beats the {large} "
                "model's greedy answer on bins 1-3",
                "accuracy difference (test-time - larger model) per bin at the matched budget",
                {int(b): round(float(d), 4) for b, d in easy.items()},
                "test-time compute preferable on easy and medium bins when R << 1",
                bool((easy > 0).all()),
            ),
            _record(
                f"F6-{area}-high-R-hard",
                f"at R = {high:g}, on the hardest bin ({hardest}) the {large} model beats "
                f"compute-optimal {area}",
                "accuracy difference (test-time - larger model), hardest bin",
                {int(hardest): round(float(hard.iloc[0]), 4)},
                "pretraining preferable on the hardest bins and when R >> 1",
                bool(hard.iloc[0] < 0),
            ),
        ]
    slopes = {int(b): None if np.isnan(v) else round(float(v), 3)
              for b, v in zip(fit["bin"], fit["slope"], strict=True)}  # fmt: skip
    fitted = [v for v in slopes.values() if v is not None]
    records.append(
        _record(
            "F6-map-slope",
            "over the ladder, more pretraining compute replaces test-time compute: iso-accuracy "
            "lines slope down in (log pretraining FLOPs, log test-time FLOPs) in every bin with a fit",
            "fitted slope per oracle bin (Jones 2021, Hex: about -1.2)",
            slopes,
            None,
            bool(fitted) and all(v < 0 for v in fitted),
        )
    )
    return records
