"""Figure builders, one module per notebook; each returns a matplotlib Figure."""

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter


def mean_and_se(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Mean of `column` per group with its standard error over the rows (questions) in it:
    columns `mean`, `se`, `questions`."""
    table = frame.groupby(keys)[column].agg(["mean", "std", "size"]).reset_index()
    table["se"] = table["std"].fillna(0) / np.sqrt(table["size"])
    return table.rename(columns={"size": "questions"}).drop(columns="std")


def budget_curve(frame: pd.DataFrame, label: str, column: str = "correct") -> pd.DataFrame:
    """Mean and standard error of `column` per budget, labelled as one method's curve."""
    return mean_and_se(frame, ["budget"], column).assign(method=label)


def log2_axis(ax) -> None:
    """A budget axis: log base 2, ticks written as plain numbers (1, 4, 16)."""
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
