"""Figures of notebook 01: what the task's splits and pretraining corpus look like."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..tasks.modgraph import Splits, encode, reference_solution
from ..tasks.modgraph.splits import SPLIT_NAMES


def split_table(splits: Splits) -> pd.DataFrame:
    """Problems per split and nominal level."""
    rows = [
        {"split": name, "level": p.n_ops} for name in SPLIT_NAMES for p in getattr(splits, name)
    ]
    return pd.crosstab(pd.DataFrame(rows)["split"], pd.DataFrame(rows)["level"], margins=True)


def problem_lengths(splits: Splits) -> pd.DataFrame:
    """Prompt and solution lengths (tokens) of the validation problems."""
    probs = list(splits.validation)
    prompts = encode([p.prompt_text() for p in probs])
    sols = encode([reference_solution(p) for p in probs])
    return pd.DataFrame(
        {
            "level": [p.n_ops for p in probs],
            "distractors": [p.n_distract for p in probs],
            "prompt": [len(x) for x in prompts],
            "solution": [len(x) for x in sols],
        }
    )


def lengths_figure(lengths: pd.DataFrame, corpus: dict[str, np.ndarray]) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    long = lengths.melt(
        id_vars="level", value_vars=["prompt", "solution"], var_name="part", value_name="tokens"
    )
    sns.boxplot(data=long, x="level", y="tokens", hue="part", ax=axes[0], fliersize=2)
    axes[0].set(title="Validation problems: tokens by level", xlabel="necessary operations (level)")
    seq = np.diff(corpus["offsets"])
    axes[1].hist(seq, bins=40, color="0.4")
    axes[1].set(
        title=f"Pretraining corpus: {len(seq):,} problems, {seq.sum() / 1e6:.1f}M tokens",
        xlabel="tokens per problem",
        ylabel="problems",
    )
    return fig
