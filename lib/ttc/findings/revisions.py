"""F4: sequential revisions (notebook 05)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .record import _record


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
