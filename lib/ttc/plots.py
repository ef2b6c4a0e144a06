"""One figure style for the study, and `save_figure`, which writes PNG and PDF per profile."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from .paths import figures_dir

PALETTE = "colorblind"


def set_theme() -> None:
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=PALETTE,
        rc={
            "figure.dpi": 110,
            "savefig.dpi": 160,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
        },
    )


def save_figure(fig: plt.Figure, profile: str, name: str) -> Path:
    """Save `figures/<profile>/<name>.png` and `.pdf`; returns the PNG path.

    The figure stays open so the notebook still shows it inline.
    """
    if not name.startswith("fig"):
        raise ValueError(f"figure names start with 'fig' (figNN_what), got {name!r}")
    out = figures_dir(profile)
    fig.tight_layout()
    png = out / f"{name}.png"
    fig.savefig(png, bbox_inches="tight")
    fig.savefig(out / f"{name}.pdf", bbox_inches="tight", metadata={"CreationDate": None})
    return png
