"""Figures of notebook 07: test-time against pretraining compute per difficulty bin, the
summary figure, and the exchange map over the model ladder."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import log2_axis

R_MARKERS = ("*", "P", "X", "D")


def _bin_colors(bins: Sequence[int]) -> dict:
    return dict(zip(bins, sns.color_palette("viridis", len(bins)), strict=True))


def exchange_figure(
    panels: dict[str, pd.DataFrame],
    large: pd.Series,
    table: pd.DataFrame,
    flops_per_generation: float,
    large_name: str,
) -> plt.Figure:
    """Paper figure 9: per oracle bin, compute-optimal accuracy of the base model against its
    inference FLOPs (one panel per method), and the larger model's greedy accuracy marked at
    the FLOPs-matched budget k for each R."""
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.5), sharey=True,
                             squeeze=False)  # fmt: skip
    bins = sorted(large.index)
    colors = _bin_colors(bins)
    r_values = sorted(table["R"].unique())
    for ax, (title, curves) in zip(axes[0], panels.items(), strict=True):
        for b in bins:
            rows = curves[curves["bin"] == b].sort_values("budget")
            ax.plot(rows["budget"] * flops_per_generation, rows["accuracy"], "-o", ms=3,
                    color=colors[b], label=f"bin {b}")  # fmt: skip
            for marker, r in zip(R_MARKERS, r_values, strict=False):
                k = table.loc[(table["bin"] == b) & (table["R"] == r), "k"].iloc[0]
                ax.scatter(k * flops_per_generation, large[b], marker=marker, s=90,
                           color=colors[b], edgecolors="black", linewidths=0.6, zorder=3)  # fmt: skip
        for marker, r in zip(R_MARKERS, r_values, strict=False):
            ax.scatter([], [], marker=marker, color="grey", edgecolors="black",
                       label=f"{large_name} greedy, R = {r:g}")  # fmt: skip
        ax.set_xscale("log")
        ax.set(title=title, xlabel="inference FLOPs per question (2ND)", ylabel="test accuracy")
        ax.legend(fontsize=7, ncol=2)
    return fig


def summary_figure(
    curves: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame], large_name: str
) -> plt.Figure:
    """Paper figure 1: compute-optimal against the baselines for revisions and search (top),
    and per bin and R the accuracy of test-time compute minus the larger model's (bottom)."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    for ax, (title, frame) in zip(axes[0], curves.items(), strict=True):
        for i, (method, rows) in enumerate(frame.groupby("method", sort=False)):
            rows = rows.sort_values("budget")
            style = "-" if method.startswith("compute-optimal") else "--"
            ax.plot(rows["budget"], rows["mean"], style, marker="o", ms=3.5, color=f"C{i}",
                    label=method)  # fmt: skip
        log2_axis(ax)
        ax.set(title=title, xlabel="generation budget N", ylabel="test accuracy")
        ax.legend(fontsize=8)
    for ax, (title, table) in zip(axes[1], tables.items(), strict=True):
        shown = table.assign(R=table["R"].map(lambda r: f"R = {r:g}"))
        sns.barplot(data=shown, x="bin", y="difference", hue="R", palette="rocket", ax=ax)
        ax.axhline(0, color="black", lw=0.8)
        ax.set(title=f"{title}: test-time minus {large_name} greedy",
               xlabel="oracle difficulty bin (1 = easiest)", ylabel="accuracy difference")  # fmt: skip
        ax.legend(fontsize=8)
    return fig


def map_figure(surface: pd.DataFrame, points: pd.DataFrame, fit: pd.DataFrame) -> plt.Figure:
    """The exchange map, one panel per bin: every ladder checkpoint and budget at (log
    pretraining FLOPs, log test-time FLOPs) coloured by accuracy, with the iso-accuracy
    crossings and the fitted common slope."""
    bins = sorted(surface["bin"].unique())
    fig, axes = plt.subplots(1, len(bins), figsize=(3.6 * len(bins), 3.8), sharey=True,
                             squeeze=False)  # fmt: skip
    for ax, b in zip(axes[0], bins, strict=True):
        s = surface[surface["bin"] == b]
        ax.scatter(np.log10(s["train_flops"]), np.log10(s["test_flops"]), c=s["accuracy"],
                   cmap="crest", vmin=0, vmax=1, s=28)  # fmt: skip
        exact = points[(points["bin"] == b) & (points["bound"] == "exact")]
        row = fit[fit["bin"] == b]
        for i, (level, rows) in enumerate(exact.groupby("level")):
            rows = rows.sort_values("log_train")
            ax.plot(rows["log_train"], rows["log_test"], "-o", color=f"C{i}", ms=5,
                    label=f"acc {level:.2f}")  # fmt: skip
        slope = float(row["slope"].iloc[0]) if len(row) else np.nan
        title = f"bin {b}" + (f": slope {slope:.2f}" if np.isfinite(slope) else ": no fit")
        ax.set(title=title, xlabel="log10 pretraining FLOPs")
        if len(exact):
            ax.legend(fontsize=7)
    axes[0][0].set_ylabel("log10 test-time FLOPs per question")
    return fig
