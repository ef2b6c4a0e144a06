"""Figures of notebook 02: training curves, loss by token role, pass@1 by level and by FLOPs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..models.evaluate import standard_error


def training_curves_figure(curves: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6, 3.8))
    sns.lineplot(data=curves, x="tokens", y="loss", hue="model", ax=ax)
    ax.set(
        xscale="log",
        yscale="log",
        title="Pretraining loss (solution tokens)",
        xlabel="tokens seen",
        ylabel="cross-entropy (nats)",
    )
    return fig


def _model_panels(frame: pd.DataFrame, width: float, height: float):
    """One panel per model of `frame` (in order of appearance), sharing the y axis."""
    models = list(dict.fromkeys(frame["model"]))
    fig, axes = plt.subplots(
        1, len(models), figsize=(width * len(models), height), sharey=True, squeeze=False
    )
    return models, fig, axes


def role_loss_figure(roles: pd.DataFrame) -> plt.Figure:
    """Loss by token role at the evenly spaced evaluation points of each run (a linear axis:
    the transitions' timing in tokens is what it shows)."""
    models, fig, axes = _model_panels(roles, 5, 3.8)
    roles = roles.assign(millions=roles["tokens"] / 1e6)
    for ax, model in zip(axes[0], models, strict=True):
        sns.lineplot(
            data=roles[roles["model"] == model],
            x="millions",
            y="loss",
            hue="role",
            marker="o",
            ax=ax,
            legend=ax is axes[0][-1],
        )
        ax.set(
            title=f"{model}: validation loss by token role",
            xlabel="tokens seen (millions)",
            ylabel="nats per token",
        )
        ax.set_ylim(bottom=0)
    sns.move_legend(axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1))
    return fig


def pass_by_level(evals: pd.DataFrame) -> pd.DataFrame:
    """pass@1 with its standard error per model, checkpoint and level."""
    table = (
        evals.groupby(
            ["model", "checkpoint", "fraction", "tokens", "flops_6nd", "flops_counted", "level"]
        )["correct"]
        .agg(pass_at_1="mean", n="size")
        .reset_index()
    )
    table["se"] = standard_error(table["pass_at_1"], table["n"])
    return table


def pass_by_level_figure(
    table: pd.DataFrame, chance: float, policy: dict[str, str] | None = None
) -> plt.Figure:
    """pass@1 by level of the checkpoint acting as each model (`policy`: model -> checkpoint,
    default the final one); a model whose policy is an earlier checkpoint also shows its final
    checkpoint, dashed."""
    policy = policy or {}
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for model, frame in table.groupby("model", sort=False):
        final = frame["checkpoint"].max()
        chosen = policy.get(model, final)
        for ckpt, style in [(chosen, "-")] + ([(final, "--")] if chosen != final else []):
            part = frame[frame["checkpoint"] == ckpt]
            label = model if ckpt == final else f"{model} at {ckpt} (the base policy)"
            if ckpt == final and chosen != final:
                label = f"{model} at the end of its run"
            ax.errorbar(
                part["level"], part["pass_at_1"], yerr=part["se"], marker="o", capsize=3,
                ls=style, label=label,
            )  # fmt: skip
    ax.axhline(chance, color="0.5", ls=":", label=f"guessing (1/p = {chance:.3f})")
    ax.set(
        title="Greedy pass@1 by level (validation)",
        xlabel="necessary operations (level)",
        ylabel="pass@1",
        ylim=(-0.02, 1.02),
    )
    ax.legend(fontsize=8)
    return fig


def pass_vs_flops_figure(table: pd.DataFrame) -> plt.Figure:
    levels = sorted(table["level"].unique())
    fig, axes = plt.subplots(
        1, len(levels), figsize=(2.6 * len(levels), 3.4), sharey=True, squeeze=False
    )
    for ax, level in zip(axes[0], levels, strict=True):
        frame = table[table["level"] == level]
        sns.lineplot(
            data=frame,
            x="flops_6nd",
            y="pass_at_1",
            hue="model",
            marker="o",
            ax=ax,
            legend=ax is axes[0][-1],
        )
        ax.set(
            xscale="log",
            title=f"level {level}",
            xlabel="pretraining FLOPs (6ND)",
            ylim=(-0.02, 1.02),
        )
        ax.xaxis.set_major_locator(plt.LogLocator(numticks=4))
    axes[0][0].set_ylabel("greedy pass@1")
    fig.suptitle("pass@1 against pretraining compute (checkpoints of every ladder model)")
    return fig


def level_summary(table: pd.DataFrame, model: str, checkpoint: str | None = None) -> pd.DataFrame:
    """pass@1 of one model at one checkpoint (default its final one): columns level,
    pass_at_1, n, se."""
    frame = table[table["model"] == model]
    frame = frame[frame["checkpoint"] == (checkpoint or frame["checkpoint"].max())]
    return frame[["level", "pass_at_1", "n", "se"]].reset_index(drop=True)


def overall_pass(table: pd.DataFrame) -> pd.DataFrame:
    """Level-averaged pass@1 per model and checkpoint (levels weigh equally)."""
    return (
        table.groupby(["model", "fraction", "tokens", "flops_6nd"])["pass_at_1"]
        .mean()
        .rename("mean_pass_at_1")
        .reset_index()
        .sort_values(["model", "fraction"])
        .round({"mean_pass_at_1": 3})
    )


def calibration_figure(calibration: pd.DataFrame, chance: float) -> plt.Figure:
    """Sampled pass@1 by level for every calibration seed (validation split), one panel per model."""
    models, fig, axes = _model_panels(calibration, 4.5, 3.6)
    for ax, model in zip(axes[0], models, strict=True):
        sns.lineplot(
            data=calibration[calibration["model"] == model],
            x="level",
            y="pass_at_1",
            hue="seed",
            palette="deep",
            marker="o",
            ax=ax,
        )
        ax.axhline(chance, color="grey", linestyle=":", label="guessing floor")
        ax.set(
            title=f"{model}: one curve per training seed",
            xlabel="level (operations)",
            ylabel="sampled pass@1 (T = 1, validation)",
            ylim=(0, 1.02),
        )
        ax.legend(title="seed", fontsize=8)
    return fig
