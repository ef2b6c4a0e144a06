"""Figures of notebook 06: compute-optimal scaling against its baselines, and the budget it saves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from . import log2_axis


def scaling_figure(curves: pd.DataFrame, savings: pd.DataFrame, title: str) -> plt.Figure:
    """Paper figures 4 and 8: accuracy against the generation budget (left; compute-optimal
    solid, baselines dashed), and the budget compute-optimal saves to match best-of-N weighted
    at each budget (right; hollow markers are lower bounds)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.3))
    methods = list(dict.fromkeys(curves["method"]))
    palette = dict(zip(methods, sns.color_palette("colorblind", len(methods)), strict=False))
    for method in methods:
        rows = curves[curves["method"] == method].sort_values("budget")
        style = "-" if method.startswith("compute-optimal") else "--"
        left.plot(rows["budget"], rows["mean"], style, marker="o", ms=4, color=palette[method],
                  label=method)  # fmt: skip
        left.fill_between(rows["budget"], rows["mean"] - rows["se"], rows["mean"] + rows["se"],
                          color=palette[method], alpha=0.07)  # fmt: skip
    log2_axis(left)
    left.set(title=title, xlabel="generation budget N", ylabel="test accuracy")
    left.legend(fontsize=8)
    for variant, rows in savings.groupby("variant", sort=False):
        rows = rows.sort_values("budget")
        color = palette.get(f"compute-optimal, {variant}")
        right.plot(
            rows["budget"], rows["saving"], "-", color=color, label=f"compute-optimal, {variant}"
        )
        exact = rows[rows["bound"] == "exact"]
        bound = rows[rows["bound"] == "at least"]
        right.scatter(exact["budget"], exact["saving"], color=color, zorder=3)
        right.scatter(bound["budget"], bound["saving"], facecolors="none", edgecolors=color,
                      zorder=3)  # fmt: skip
    right.axhline(1, color="grey", lw=1, ls=":")
    log2_axis(right)
    right.set(title="Budget saved against best-of-N weighted", xlabel="best-of-N budget N",
              ylabel="N / budget needed to match")  # fmt: skip
    right.legend(fontsize=8)
    return fig


def bin_saving_figure(table: pd.DataFrame, title: str) -> plt.Figure:
    """Saving per difficulty bin (rows) and budget (columns); blank where never matched."""
    grid = table.pivot_table(index="bin", columns="budget", values="saving")
    fig, ax = plt.subplots(figsize=(1.1 * grid.shape[1] + 2.5, 3.6))
    sns.heatmap(grid, annot=True, fmt=".2g", cmap="crest", cbar_kws={"label": "saving"}, ax=ax)
    ax.set(title=title, xlabel="best-of-N budget N", ylabel="difficulty bin (1 = easiest)")
    return fig
