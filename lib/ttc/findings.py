"""The study's findings (the README's Findings) as records whose `holds` is computed from `value`.

Each finding function takes measured numbers and returns a record; `record_findings`
merges records into `data/results/<profile>/findings.json` by id, so a notebook re-run
replaces its own findings and leaves the others alone.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .cache import write_json_atomic
from .paths import results_dir


def _record(fid: str, claim: str, metric: str, value, paper_value, holds: bool) -> dict:
    return {
        "id": fid,
        "claim": claim,
        "metric": metric,
        "value": value,
        "paper_value": paper_value,
        "holds": bool(holds),
    }


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


def _gaps(curves: pd.DataFrame, better: tuple[str, str], worse: tuple[str, str], min_n: int):
    """Accuracy of `better` minus `worse` at every budget n >= min_n; curves has columns
    rule, verifier, n, accuracy (mean over questions)."""
    table = curves.set_index(["rule", "verifier", "n"])["accuracy"]
    ns = sorted(n for n in curves["n"].unique() if n >= min_n)
    return {int(n): round(float(table[(*better, n)] - table[(*worse, n)]), 4) for n in ns}


def f2_records(curves: pd.DataFrame, min_n: int = 4, tolerance: float = 0.02) -> list[dict]:
    """The verifier findings on the sample bank, each a sign test at every budget N >= min_n.

    `curves` holds mean accuracy per (rule, verifier, n); verifier names "prm_last",
    "prm_min", "prm_prod" and "orm", rule "majority" with verifier "none".
    """
    majority = ("majority", "none")
    prm = ("weighted", "prm_last")
    pass_at_1 = float(
        curves[(curves["rule"] == "majority") & (curves["n"] == 1)]["accuracy"].iloc[0]
    )
    records = []
    gap = _gaps(curves, prm, majority, min_n)
    records.append(
        _record(
            "F2-weighted",
            f"PRM best-of-N weighted beats majority voting at every N >= {min_n}",
            "accuracy gap (PRM-last weighted - majority) by N, test bank",
            gap,
            "PRM weighted above majority at all budgets",
            all(v > 0 for v in gap.values()),
        )
    )
    maj = {
        int(n): round(float(a) - pass_at_1, 4)
        for n, a in curves[(curves["rule"] == "majority") & (curves["n"] >= min_n)][
            ["n", "accuracy"]
        ].itertuples(index=False)
    }
    records.append(
        _record(
            "F2-majority",
            f"majority voting beats pass@1 at every N >= {min_n}",
            "accuracy gap (majority - pass@1) by N, test bank",
            maj,
            "majority above pass@1",
            all(v > 0 for v in maj.values()),
        )
    )
    gap = _gaps(curves, prm, ("weighted", "orm"), min_n)
    records.append(
        _record(
            "F2-prm-vs-orm",
            f"the PRM beats the ORM (both best-of-N weighted) at every N >= {min_n}",
            "accuracy gap (PRM-last - ORM) by N, test bank",
            gap,
            "PRM above ORM, widening with N",
            all(v > 0 for v in gap.values()),
        )
    )
    to_min = _gaps(curves, prm, ("weighted", "prm_min"), min_n)
    to_prod = _gaps(curves, prm, ("weighted", "prm_prod"), min_n)
    worst = {n: min(to_min[n], to_prod[n]) for n in to_min}
    records.append(
        _record(
            "F2-last",
            f"'last' step aggregation is within {tolerance} of min and prod at every N >= {min_n}",
            "accuracy gap (last - best of min, prod) by N, test bank",
            worst,
            "last best of the three",
            all(v >= -tolerance for v in worst.values()),
        )
    )
    return records


def f3_records(
    by_bin: pd.DataFrame, beam: str = "beam M=4", baseline: str = "best-of-N weighted"
) -> list[dict]:
    """The search findings from mean accuracy per (method, generations, bin); bin 1 = easiest.

    Small budgets are the two smallest budgets >= 4 over all questions; medium bins are 3-4
    (the paper's harder-but-solvable levels); easy bins are 1-2 at the largest budget.
    """
    table = by_bin.groupby(["method", "generations", "bin"])["correct"].mean()
    overall = by_bin.groupby(["method", "generations"])["correct"].mean()
    budgets = sorted(n for n in by_bin[by_bin["method"] == beam]["generations"].unique() if n >= 4)

    def gap(n, bins=None):
        if bins is None:
            return round(float(overall[(beam, n)] - overall[(baseline, n)]), 4)
        return round(
            float(np.mean([table[(beam, n, b)] - table[(baseline, n, b)] for b in bins])), 4
        )

    small = {int(n): gap(n) for n in budgets[:2]}
    medium = {int(n): gap(n, (3, 4)) for n in budgets}
    easy = {int(budgets[-1]): gap(budgets[-1], (1, 2))}
    return [
        _record(
            "F3-small-budget",
            f"{beam} beats {baseline} at the smallest budgets",
            "accuracy gap (beam - best-of-N weighted), all test questions",
            small,
            "beam search better at low budgets",
            all(v > 0 for v in small.values()),
        ),
        _record(
            "F3-medium",
            f"{beam} beats {baseline} on the medium oracle bins (3-4) at every budget >= 4",
            "accuracy gap (beam - best-of-N weighted), bins 3-4",
            medium,
            "beam better on medium/hard questions",
            all(v > 0 for v in medium.values()),
        ),
        _record(
            "F3-easy",
            f"on the easy oracle bins (1-2) at the largest budget {beam} falls below {baseline}",
            "accuracy gap (beam - best-of-N weighted), bins 1-2, largest budget",
            easy,
            "beam worse on easy questions at high budget (PRM over-optimised)",
            all(v < 0 for v in easy.values()),
        ),
    ]


def f4_records(
    step_pass: np.ndarray,
    outcomes: pd.DataFrame,
    bin_budget: int,
    verifier: str = "revision ORM",
    baseline_verifier: str = "base PRM",
    first_revisions: int = 4,
    z_min: float = 2.0,
) -> list[dict]:
    """The revision findings.

    `step_pass` is [question, step] pass@1 of the revision chains; `outcomes` has one row per
    (problem, bin, budget, s, p, rule) with the accuracy of that seq:par split, rule being
    "majority" or the verifier of hierarchical best-of-N weighted; bin 1 = easiest. The
    ratio and verifier findings are read at `bin_budget` (the sweep's largest budget).
    """
    k = min(first_revisions, step_pass.shape[1])
    gain = step_pass[:, k - 1] - step_pass[:, 0]
    z = gain.mean() / max(gain.std(ddof=1) / np.sqrt(len(gain)), 1e-9)
    weighted = outcomes[outcomes["rule"] == verifier]
    by_split = weighted.groupby(["budget", "s", "p"])["accuracy"].mean()
    pure = [
        n
        for n in sorted(weighted["budget"].unique())
        if (n, n, 1) in by_split.index and (n, 1, n) in by_split.index and n > 1
    ]
    if not pure:
        raise ValueError("no budget has both the fully sequential and fully parallel split")
    n_pure = int(pure[-1])
    easy = weighted[weighted["bin"].isin((1, 2)) & (weighted["budget"] == n_pure)]
    easy_acc = easy.groupby(["s", "p"])["accuracy"].mean()
    seq_gap = float(easy_acc[(n_pure, 1)] - easy_acc[(1, n_pure)])
    n_bins = bin_budget
    at_n = weighted[weighted["budget"] == n_bins]
    per_bin = at_n.groupby(["bin", "s", "p"])["accuracy"].mean().reset_index()
    per_bin["log_ratio"] = np.log2(per_bin["s"] / per_bin["p"])
    best = {
        int(b): float(g.loc[np.isclose(g["accuracy"], g["accuracy"].max()), "log_ratio"].mean())
        for b, g in per_bin.groupby("bin")
    }
    easy_best = np.mean([best[b] for b in (1, 2) if b in best])
    medium_best = np.mean([best[b] for b in (3, 4) if b in best])
    at_n_all = outcomes[outcomes["budget"] == n_bins].groupby("rule")["accuracy"].mean()
    verifier_gap = float(at_n_all[verifier] - at_n_all[baseline_verifier])
    return [
        _record(
            "F4-revisions-improve",
            f"revision pass@1 rises from the first attempt to attempt {k} "
            f"(by more than {z_min} paired s.e. over questions)",
            "pass@1 by revision step (test chains)",
            {
                "pass_at_1": [round(float(x), 4) for x in step_pass.mean(axis=0)],
                "gain": round(float(gain.mean()), 4),
                "z": round(float(z), 2),
            },
            "pass@1 rises steadily over revision steps",
            z > z_min,
        ),
        _record(
            "F4-sequential-easy",
            f"on the easy oracle bins (1-2) at N = {n_pure}, fully sequential (N:1) beats "
            f"fully parallel (1:N) with {verifier} selection",
            "accuracy gap (sequential - parallel), bins 1-2",
            {n_pure: round(seq_gap, 4)},
            "sequential better on easy questions",
            seq_gap > 0,
        ),
        _record(
            "F4-ratio-shift",
            f"at N = {n_bins}, the best seq:par ratio is more parallel on the medium bins (3-4) "
            "than on the easy bins (1-2)",
            "log2(s/p) of the best split per oracle bin (ties averaged)",
            {
                "best_log2_ratio": best,
                "easy": round(float(easy_best), 3),
                "medium": round(float(medium_best), 3),
            },
            "easy bins best fully sequential, harder bins best at an intermediate ratio",
            medium_best < easy_best,
        ),  # fmt: skip
        _record(
            "F4-revision-verifier",
            f"at N = {n_bins} (mean over its splits), hierarchical selection with the {verifier} "
            f"beats the {baseline_verifier}",
            f"accuracy gap ({verifier} - {baseline_verifier}), all test questions",
            {n_bins: round(verifier_gap, 4)},
            "the ORM trained on revision outputs is the better verifier for revisions",
            verifier_gap > 0,
        ),
    ]


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


def record_findings(profile: str, records: list[dict]) -> list[dict]:
    """Merge records into the profile's findings.json by id; returns the whole list."""
    path = results_dir(profile) / "findings.json"
    existing = json.loads(path.read_text()) if path.exists() else []
    ids = {r["id"] for r in records}
    merged = [r for r in existing if r["id"] not in ids] + records
    merged.sort(key=lambda r: r["id"])
    write_json_atomic(path, merged, nan_as_null=True)
    return merged
