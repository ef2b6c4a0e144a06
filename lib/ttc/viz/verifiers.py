"""Figures and tables of notebook 03: rollout labels, verifier training, selection curves,
and PRM quality against the exact step checker."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..verifiers.quality import auroc, calibration
from . import mean_and_se

# (rule, verifier) -> legend label, in legend order
METHOD_LABELS = {
    ("majority", "none"): "majority",
    ("weighted", "prm_last"): "PRM last, weighted",
    ("weighted", "prm_min"): "PRM min, weighted",
    ("weighted", "prm_prod"): "PRM prod, weighted",
    ("best_of_n", "prm_last"): "PRM last, best-of-N",
    ("weighted", "orm"): "ORM, weighted",
    ("best_of_n", "orm"): "ORM, best-of-N",
}


def summarise_curves(per_problem: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy over questions with its standard error, per (rule, verifier, n)."""
    table = mean_and_se(per_problem, ["rule", "verifier", "n"], "accuracy")
    table = table.rename(columns={"mean": "accuracy"})
    table["method"] = [
        METHOD_LABELS.get(k, f"{k[1]}, {k[0]}")
        for k in zip(table["rule"], table["verifier"], strict=True)
    ]
    return table


def label_figure(labels: pd.DataFrame) -> plt.Figure:
    """Soft labels at step ends split by the checker's verdict, and their mean by level."""
    valid, invalid = "all steps valid", "contains an invalid step"
    steps = labels[~labels["is_answer"]].assign(
        prefix=lambda f: np.where(f["gold"], valid, invalid)
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    common = {"hue": "prefix", "hue_order": [valid, invalid]}
    sns.histplot(
        data=steps,
        x="value",
        bins=np.linspace(0, 1, 18),
        stat="proportion",
        common_norm=False,
        element="step",
        ax=left,
        **common,
    )
    left.set(
        title="Monte Carlo labels at step ends", xlabel="share of rollouts reaching the answer"
    )
    sns.barplot(data=steps, x="level", y="value", errorbar=("ci", 95), ax=right, **common)
    right.set(title="Mean label by level", xlabel="operations", ylabel="mean soft label")
    right.set_ylim(0, 1)
    return fig


def training_figure(histories: dict[str, dict]) -> plt.Figure:
    """Train and held-out BCE per epoch for each verifier, with the constant-predictor baseline."""
    fig, axes = plt.subplots(1, len(histories), figsize=(5.2 * len(histories), 3.6), squeeze=False)
    for ax, (kind, h) in zip(axes[0], histories.items(), strict=True):
        frame = pd.DataFrame(h["history"])
        ax.plot(frame["epoch"], frame["holdout_loss"], "o-", label="held-out questions")
        trained = frame.dropna(subset=["train_loss"])
        ax.plot(trained["epoch"], trained["train_loss"], "s--", label="training (epoch mean)")
        ax.axhline(h["baseline_holdout_loss"], color="grey", ls=":", label="predict the mean label")
        best = frame["holdout_loss"].idxmin()
        ax.axvline(
            frame.loc[best, "epoch"], color="k", alpha=0.2, lw=4, label="kept (early stopping)"
        )
        ax.set(title=f"{kind.upper()} training", xlabel="epoch", ylabel="binary cross-entropy")
        ax.legend(fontsize=8)
    return fig


def curves_figure(
    summary: pd.DataFrame, methods: Sequence[tuple[str, str]], title: str, ax=None
) -> plt.Figure:
    """Accuracy against the number of samples for the given (rule, verifier) methods, ±1 s.e."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 4))
    palette = sns.color_palette("colorblind", len(METHOD_LABELS))
    for method in methods:
        rows = summary[(summary["rule"] == method[0]) & (summary["verifier"] == method[1])]
        color = palette[list(METHOD_LABELS).index(method)]
        dashed = method[0] == "best_of_n"
        ax.plot(
            rows["n"],
            rows["accuracy"],
            "o-" if not dashed else "s--",
            color=color,
            label=METHOD_LABELS[method],
            ms=4,
        )
        ax.fill_between(
            rows["n"],
            rows["accuracy"] - rows["se"],
            rows["accuracy"] + rows["se"],
            color=color,
            alpha=0.15,
        )
    ax.set_xscale("log", base=2)
    ax.set(title=title, xlabel="number of samples N (generation budget)", ylabel="test accuracy")
    ax.legend(fontsize=8)
    return fig


def weighted_vs_plain_figure(summary: pd.DataFrame) -> plt.Figure:
    """Best-of-N weighted against plain best-of-N, for the PRM and for the ORM."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, name, label in zip(axes, ("prm_last", "orm"), ("PRM (last step)", "ORM"), strict=True):
        curves_figure(
            summary,
            [("majority", "none"), ("weighted", name), ("best_of_n", name)],
            f"{label}: weighted vs best-of-N",
            ax=ax,
        )
    return fig


def quality_table(steps: pd.DataFrame, verifiers: dict[str, Sequence[str]]) -> pd.DataFrame:
    """AUROC of each verifier's score against gold validity, per level and over all levels;
    `verifiers` names the scores to judge at intermediate step ends ("steps") and at the
    answer step ("answer")."""
    rows = []
    for where, subset in (
        ("steps", steps[~steps["is_answer"]]),
        ("answer", steps[steps["is_answer"]]),
    ):
        groups = [("all", subset)] + [(lv, g) for lv, g in subset.groupby("level")]
        for level, g in groups:
            for name in verifiers[where]:
                rows.append(
                    {
                        "where": where,
                        "level": str(level),
                        "verifier": name,
                        "auroc": auroc(g[name].to_numpy(), g["gold"].to_numpy()),
                        "positives": int(g["gold"].sum()),
                        "n": len(g),
                    }
                )
    return pd.DataFrame(rows)


def quality_figure(steps: pd.DataFrame, quality: pd.DataFrame) -> plt.Figure:
    """Left: step-level AUROC by level. Right: reliability of PRM step scores and of the
    verifiers' answer scores against the sample's final correctness."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    per_level = quality[quality["level"] != "all"]
    sns.barplot(
        data=per_level,
        x="level",
        y="auroc",
        hue=per_level["where"] + ", " + per_level["verifier"],
        ax=left,
    )
    left.axhline(0.5, color="grey", ls=":")
    left.set(
        title="Ranking against the exact checker",
        xlabel="operations",
        ylabel="AUROC (valid vs invalid)",
    )
    left.set_ylim(0, 1)
    left.legend(fontsize=7, title=None)
    right.plot([0, 1], [0, 1], color="grey", ls=":", label="perfect calibration")
    series = [
        ("PRM, step ends", steps[~steps["is_answer"]], "prm"),
        ("PRM, answer step", steps[steps["is_answer"]], "prm"),
        ("ORM, answer step", steps[steps["is_answer"]], "orm"),
    ]
    for label, frame, name in series:
        table = calibration(frame[name].to_numpy(), frame["sample_correct"].to_numpy())
        right.plot(table["score"], table["outcome"], "o-", label=label, ms=4)
    right.set(
        title="Calibration",
        xlabel="verifier score (bin mean)",
        ylabel="share of samples ending correct",
    )
    right.legend(fontsize=8)
    return fig
