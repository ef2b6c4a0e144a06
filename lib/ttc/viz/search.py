"""Figures and tables of notebook 04: search against the generation budget, by difficulty
bin, and the PRM's over-optimisation measured by the exact checker."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..selection import BANK_METHODS
from . import mean_and_se


def summarise(outcomes: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Mean accuracy and its standard error over questions per method and generation budget."""
    table = mean_and_se(outcomes, ["method", "generations", *by], "correct")
    return table.rename(columns={"mean": "accuracy"})


def method_palette(methods: Sequence[str]) -> dict[str, tuple]:
    return dict(zip(methods, sns.color_palette("colorblind", len(methods)), strict=False))


def budget_figure(summary: pd.DataFrame, methods: Sequence[str]) -> plt.Figure:
    """Paper figure 3 (left): accuracy against the generation budget for every method."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    palette = method_palette(methods)
    for method in methods:
        rows = summary[summary["method"] == method].sort_values("generations")
        if rows.empty:
            continue
        style = "--" if method in BANK_METHODS.values() else "-"  # subsets of the bank
        ax.plot(rows["generations"], rows["accuracy"], style, marker="o", ms=4,
                color=palette[method], label=method)  # fmt: skip
        ax.fill_between(rows["generations"], rows["accuracy"] - rows["se"],
                        rows["accuracy"] + rows["se"], color=palette[method], alpha=0.12)  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set(title="Search against the PRM", xlabel="generation budget (lookahead: N(k+1))",
           ylabel="test accuracy")  # fmt: skip
    ax.legend(fontsize=8, loc="best")
    return fig


def bins_figure(
    outcomes: pd.DataFrame,
    bin_column: str,
    methods: Sequence[str],
    budgets: Sequence[int],
    title: str,
) -> plt.Figure:
    """Paper figure 3 (right) / A12: accuracy per difficulty bin, one panel per budget."""
    data = outcomes[outcomes["method"].isin(methods) & outcomes["generations"].isin(budgets)]
    fig, axes = plt.subplots(1, len(budgets), figsize=(3.6 * len(budgets), 3.8), sharey=True,
                             squeeze=False)  # fmt: skip
    for ax, budget in zip(axes[0], budgets, strict=True):
        sns.barplot(data=data[data["generations"] == budget], x=bin_column, y="correct",
                    hue="method", hue_order=list(methods), palette=method_palette(methods),
                    errorbar=("se", 1), ax=ax, legend=ax is axes[0][-1])  # fmt: skip
        ax.set(title=f"budget {budget}", xlabel="difficulty bin (1 = easiest)",
               ylabel="test accuracy")  # fmt: skip
    sns.move_legend(axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    fig.suptitle(title, fontweight="bold")
    return fig


def overoptimisation_figure(chosen: pd.DataFrame, bin_column: str) -> plt.Figure:
    """The PRM score of the chosen solution (proxy) next to its exact validity (gold), per bin."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for ax, column, label in (
        (left, "chosen_score", "PRM score of the chosen solution (proxy)"),
        (right, "chosen_valid", "chosen solution exactly valid (gold)"),
    ):
        sns.lineplot(data=chosen, x="generations", y=column, hue=bin_column, style="method",
                     markers=True, errorbar=None, palette="viridis", ax=ax)  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set(title=label, xlabel="generation budget N", ylabel="mean over questions")
        ax.legend(fontsize=7)
    return fig
