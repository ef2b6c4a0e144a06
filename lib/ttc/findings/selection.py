"""F2 and F3: verifiers over a sample bank, and search against the PRM (notebooks 03-04)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .record import _record


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
    """The search findings from mean accuracy per (method, budget, bin); bin 1 = easiest.

    Small budgets are the two smallest budgets >= 4 over all questions; medium bins are 3-4
    (the paper's harder-but-solvable levels); easy bins are 1-2 at the largest budget.
    """
    table = by_bin.groupby(["method", "budget", "bin"])["correct"].mean()
    overall = by_bin.groupby(["method", "budget"])["correct"].mean()
    budgets = sorted(n for n in by_bin[by_bin["method"] == beam]["budget"].unique() if n >= 4)

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


def f7_record(
    outcomes: pd.DataFrame,
    method: str = "particle filtering",
    baseline: str = "beam M=4",
    min_n: int = 16,
) -> dict:
    """Particle filtering against beam search at equal budget over all test questions
    (Puri et al. 2025): the accuracy gap at every budget N >= min_n both were run at, with
    its paired standard error over questions."""
    pair = outcomes[outcomes["method"].isin([method, baseline])]
    wide = pair.pivot_table(index=["budget", "problem"], columns="method", values="correct")
    gaps = {}
    for n, rows in wide.groupby(level="budget"):
        if n >= min_n and rows.notna().all().all():
            diff = rows[method].astype(float) - rows[baseline].astype(float)
            gaps[int(n)] = {"gap": round(float(diff.mean()), 4),
                            "se": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4)}  # fmt: skip
    return _record(
        "F7-particle-filtering",
        f"at equal budget {method} beats {baseline}, over all questions, at every N >= {min_n}",
        f"accuracy gap ({method} - {baseline}) and its paired s.e. by N, all test questions",
        gaps,
        "particle filtering scales better than deterministic search (Puri et al. 2025: 4-16x)",
        bool(gaps) and all(v["gap"] > 0 for v in gaps.values()),
    )
