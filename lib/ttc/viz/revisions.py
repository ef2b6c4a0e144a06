"""Figures of notebook 05: the revision model and its verifier, revision chains step by step,
sequential against parallel, and accuracy over the seq:par split of a budget."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from ..revisions import balanced_split
from . import log2_axis, mean_and_se


def _band(ax, x, mean, se, label, **style) -> None:
    line = ax.plot(x, mean, marker="o", ms=3.5, label=label, **style)[0]
    ax.fill_between(x, mean - se, mean + se, color=line.get_color(), alpha=0.15)


def _per_step(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 1..S, and the mean and s.e. over questions of a [question, step] array."""
    steps = np.arange(1, values.shape[1] + 1)
    return steps, values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(len(values))


def training_figure(
    context_sizes: Sequence[int],
    revision_evals: pd.DataFrame,
    kept: str,
    verifier_histories: dict[str, dict],
) -> plt.Figure:
    """Revision data (attempts in context), the revision model's held-out loss per checkpoint
    with the kept one marked, and the revision ORM's training curves."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    sizes = pd.Series(context_sizes).value_counts().sort_index()
    axes[0].bar(sizes.index, sizes.to_numpy(), color="C0")
    axes[0].set(title="Revision examples", xlabel="incorrect attempts in context",
                ylabel="training examples")  # fmt: skip
    axes[1].plot(revision_evals["name"], revision_evals["holdout_loss"], marker="o")
    row = revision_evals[revision_evals["name"] == kept]
    axes[1].scatter(row["name"], row["holdout_loss"], s=140, facecolors="none",
                    edgecolors="C3", linewidths=2, label="kept checkpoint", zorder=3)  # fmt: skip
    axes[1].set(title="Revision model", xlabel="checkpoint", ylabel="held-out loss (target tokens)")
    axes[1].legend(fontsize=8)
    for i, (label, record) in enumerate(verifier_histories.items()):
        history = pd.DataFrame(record["history"])
        axes[2].plot(history["epoch"], history["holdout_loss"], marker="o", color=f"C{i}",
                     label=label)  # fmt: skip
        axes[2].axhline(record["baseline_holdout_loss"], color=f"C{i}", ls=":", lw=1)
    axes[2].set(title="Revision ORM (dotted: constant predictor)", xlabel="epoch",
                ylabel="held-out BCE")  # fmt: skip
    axes[2].legend(fontsize=8)
    return fig


def steps_figure(
    step_pass: np.ndarray,
    base_pass_at_1: float,
    coverage: dict[str, np.ndarray],
    seq_par: pd.DataFrame,
    verifier: str,
) -> plt.Figure:
    """Paper figure 6: pass@1 at each revision step, then coverage against the parallel and
    answer-elimination controls, then fully sequential against fully parallel over N."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    _band(axes[0], *_per_step(step_pass), "revision chains")
    axes[0].axhline(base_pass_at_1, ls="--", color="grey", label="base model (sample bank)")
    axes[0].set(title="pass@1 at each revision step", xlabel="attempt in the chain",
                ylabel="test pass@1")  # fmt: skip
    axes[0].legend(fontsize=8)
    for label, values in coverage.items():
        _band(axes[1], *_per_step(values), label)
    axes[1].set(title="Coverage: a correct answer so far", xlabel="attempts (t)",
                ylabel="share of chains")  # fmt: skip
    axes[1].legend(fontsize=8)
    shown = seq_par[seq_par["rule"].isin([verifier, "majority"])]
    for (mode, rule), rows in shown.groupby(["mode", "rule"]):
        rows = rows.sort_values("budget")
        style = "-" if rule == verifier else "--"
        color = "C0" if mode == "sequential" else "C1"
        _band(axes[2], rows["budget"], rows["mean"], rows["se"],
              f"{mode}, {'weighted' if rule == verifier else rule}", ls=style, color=color)  # fmt: skip
    log2_axis(axes[2])
    for ax in axes[:2]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].set(title=f"Sequential vs parallel ({verifier}, hierarchical)",
                xlabel="generation budget N", ylabel="test accuracy")  # fmt: skip
    axes[2].legend(fontsize=8)
    return fig


def seq_par_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy and s.e. of the fully sequential (N:1) and fully parallel (1:N) splits."""
    pure = outcomes[(outcomes["p"] == 1) | (outcomes["s"] == 1)]
    pure = pure.assign(mode=np.where(pure["p"] == 1, "sequential", "parallel"))
    both = pure[pure["budget"] > 1]
    first = pure[pure["budget"] == 1]  # one attempt is both
    pure = pd.concat([both, first.assign(mode="sequential"), first.assign(mode="parallel")])
    return mean_and_se(pure, ["mode", "rule", "budget"], "accuracy")


def _with_ratio(outcomes: pd.DataFrame) -> pd.DataFrame:
    return outcomes.assign(log_ratio=np.log2(outcomes["s"] / outcomes["p"]).astype(int))


def _ratio_axis(ax, ratios: Sequence[int]) -> None:
    ticks = sorted(set(ratios))
    ax.set_xticks(ticks, [f"{2**r}:1" if r >= 0 else f"1:{2**-r}" for r in ticks], fontsize=8)
    ax.set(xlabel="sequential : parallel", ylabel="test accuracy")


def ratio_by_budget(ax, outcomes: pd.DataFrame, rule: str, budgets: Sequence[int]) -> None:
    """Accuracy against the seq:par ratio, one line per budget."""
    data = _with_ratio(outcomes[(outcomes["rule"] == rule) & outcomes["budget"].isin(budgets)])
    table = mean_and_se(data, ["budget", "log_ratio"], "accuracy")
    palette = sns.color_palette("crest", len(budgets))
    for color, budget in zip(palette, budgets, strict=True):
        rows = table[table["budget"] == budget]
        _band(ax, rows["log_ratio"], rows["mean"], rows["se"], f"N = {budget}", color=color)
    _ratio_axis(ax, table["log_ratio"])
    ax.set_title(f"Ratio sweep ({rule})")
    ax.legend(fontsize=8)


def ratio_by_bin(ax, outcomes: pd.DataFrame, rule: str, budget: int, bin_column: str) -> None:
    """Accuracy against the seq:par ratio at one budget, one line per difficulty bin."""
    data = _with_ratio(outcomes[(outcomes["rule"] == rule) & (outcomes["budget"] == budget)])
    table = mean_and_se(data, [bin_column, "log_ratio"], "accuracy")
    bins = sorted(table[bin_column].unique())
    for color, b in zip(sns.color_palette("viridis", len(bins)), bins, strict=True):
        rows = table[table[bin_column] == b]
        _band(ax, rows["log_ratio"], rows["mean"], rows["se"], f"bin {b}", color=color)
    _ratio_axis(ax, table["log_ratio"])
    kind = bin_column.replace("_bin", "")
    ax.set_title(f"N = {budget} by {kind} bin ({rule})")
    ax.legend(fontsize=8, title="1 = easiest", title_fontsize=8)


def ratio_figure(
    outcomes: pd.DataFrame, rule: str, budgets: Sequence[int], bin_column: str = "oracle_bin"
) -> plt.Figure:
    """Paper figure 7 (A10 with majority): the ratio sweep per budget, and per difficulty bin
    at the largest budget."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    ratio_by_budget(left, outcomes, rule, budgets)
    ratio_by_bin(right, outcomes, rule, max(budgets), bin_column)
    return fig


def bin_figure(outcomes: pd.DataFrame, rule: str, budget: int, bin_column: str) -> plt.Figure:
    """Paper figure A11 (with predicted bins): the ratio sweep per difficulty bin."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ratio_by_bin(ax, outcomes, rule, budget, bin_column)
    return fig


def verifier_figure(outcomes: pd.DataFrame, rules: Sequence[str]) -> plt.Figure:
    """Paper figure A15: selection rules over the balanced split s ~ sqrt(N) at every budget."""
    split = [balanced_split(n) for n in outcomes["budget"]]
    balanced = (outcomes["s"] == [s for s, _ in split]) & outcomes["rule"].isin(rules)
    table = mean_and_se(outcomes[balanced], ["rule", "budget"], "accuracy")
    fig, ax = plt.subplots(figsize=(7, 4.3))
    for i, rule in enumerate(rules):
        rows = table[table["rule"] == rule].sort_values("budget")
        _band(ax, rows["budget"], rows["mean"], rows["se"], rule, color=f"C{i}",
              ls="--" if rule == "majority" else "-")  # fmt: skip
    log2_axis(ax)
    ax.set(title="Verifiers for revision chains (s ~ sqrt(N) sequential)",
           xlabel="generation budget N", ylabel="test accuracy")  # fmt: skip
    ax.legend(fontsize=8)
    return fig
