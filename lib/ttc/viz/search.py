"""Figures and tables of notebook 04: search against the generation budget, by difficulty
bin, and the PRM's over-optimisation measured by the exact checker."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..search import STRATEGIES
from . import mean_and_se


def summarise(outcomes: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Mean accuracy and its standard error over questions per method and generation budget,
    with the mean tokens each spent per question (policy generated, verifier read)."""
    keys = ["method", "budget", *by]
    table = mean_and_se(outcomes, keys, "correct").rename(columns={"mean": "accuracy"})
    tokens = outcomes.groupby(keys)[["generated_tokens", "verifier_tokens"]].mean()
    return table.merge(tokens.reset_index(), on=keys, how="left")


def method_palette(methods: Sequence[str]) -> dict[str, tuple]:
    return dict(zip(methods, sns.color_palette("colorblind", len(methods)), strict=False))


AXES = {
    "budget": "generation budget (lookahead: N(k+1))",
    "generated_tokens": "policy tokens generated per question",
}


def budget_figure(
    summary: pd.DataFrame, methods: Sequence[str], x: str = "budget", ax: plt.Axes | None = None
) -> plt.Figure:
    """Paper figure 3 (left): accuracy against the generation budget (or, with
    x="generated_tokens", against the tokens actually generated) for every method."""
    fig, ax = plt.subplots(figsize=(7, 4.5)) if ax is None else (ax.figure, ax)
    palette = method_palette(methods)
    bank = {s.name for s in STRATEGIES.values() if s.source == "bank"}
    for method in methods:
        rows = summary[summary["method"] == method].sort_values(x)
        if rows.empty:
            continue
        style = "--" if method in bank else "-"  # subsets of the bank
        ax.plot(rows[x], rows["accuracy"], style, marker="o", ms=4,
                color=palette[method], label=method)  # fmt: skip
        ax.fill_between(rows[x], rows["accuracy"] - rows["se"],
                        rows["accuracy"] + rows["se"], color=palette[method], alpha=0.12)  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set(title="Search against the PRM", xlabel=AXES[x], ylabel="test accuracy")
    ax.legend(fontsize=8, loc="best")
    return fig


def cost_figure(summary: pd.DataFrame, methods: Sequence[str]) -> plt.Figure:
    """Accuracy against the charged generation budget and against the tokens generated."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5), sharey=True)
    for ax, x in zip(axes, AXES, strict=True):
        budget_figure(summary, methods, x, ax)
        ax.set_title(f"against {AXES[x].split(' (')[0]}")
    axes[0].get_legend().remove()
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))  # off the curves
    fig.suptitle("Search against the PRM", fontweight="bold")
    return fig


def bins_figure(
    outcomes: pd.DataFrame,
    bin_column: str,
    methods: Sequence[str],
    budgets: Sequence[int],
    title: str,
) -> plt.Figure:
    """Paper figure 3 (right) / A12: accuracy per difficulty bin, one panel per budget."""
    data = outcomes[outcomes["method"].isin(methods) & outcomes["budget"].isin(budgets)]
    fig, axes = plt.subplots(1, len(budgets), figsize=(3.6 * len(budgets), 3.8), sharey=True,
                             squeeze=False)  # fmt: skip
    for ax, budget in zip(axes[0], budgets, strict=True):
        sns.barplot(data=data[data["budget"] == budget], x=bin_column, y="correct",
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
        sns.lineplot(data=chosen, x="budget", y=column, hue=bin_column, style="method",
                     markers=True, errorbar=None, palette="viridis", ax=ax)  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set(title=label, xlabel="generation budget N", ylabel="mean over questions")
        ax.legend(fontsize=7)
    return fig
