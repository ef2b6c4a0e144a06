"""The FLOPs exchange: matched budgets read off curves, and iso-accuracy slopes on synthetic
surfaces with a known exchange rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ttc.exchange import accuracy_at_budget, exchange_table, fit_exchange, iso_accuracy_points


def test_accuracy_at_a_matched_budget_interpolates_on_the_log_axis():
    budgets, acc = np.array([1, 4, 16]), np.array([0.1, 0.3, 0.5])
    assert accuracy_at_budget(budgets, acc, 2) == (pytest.approx(0.2), "interpolated")
    assert accuracy_at_budget(budgets, acc, 8) == (pytest.approx(0.4), "interpolated")
    assert accuracy_at_budget(budgets, acc, 64) == (0.5, "lower bound")


def test_exchange_table_compares_test_time_at_k_with_the_large_model():
    curves = pd.DataFrame({"bin": [1] * 3 + [2] * 3, "budget": [1, 16, 256] * 2,
                           "accuracy": [0.5, 0.7, 0.9, 0.0, 0.05, 0.1]})  # fmt: skip
    table = exchange_table(curves, pd.Series({1: 0.6, 2: 0.2}), 14, [0.16, 22]).set_index(
        ["bin", "R"]
    )
    assert table.loc[(1, 22), "k"] == pytest.approx(15.77, abs=0.01)
    assert table.loc[(1, 22), "test_time"] == pytest.approx(
        0.5 + 0.2 * np.log2(15.77) / 4, abs=1e-3
    )
    assert table.loc[(1, 0.16), "test_time"] == 0.9
    assert table.loc[(1, 0.16), "bound"] == "lower bound"  # k = 257.8 is past the last budget
    assert table.loc[(2, 22), "difference"] < 0 and table.loc[(1, 22), "difference"] > 0
    assert table.loc[(2, 0.16), "relative"] == pytest.approx((0.1 - 0.2) / 0.2)


def _surface(gamma: float) -> pd.DataFrame:
    """Accuracy = sigmoid(log_train + gamma log_test - 18): iso-accuracy lines have slope
    -1 / gamma in (log train, log test)."""
    rows = []
    for log_train in (10.0, 10.5, 11.0, 11.5):
        for log_test in np.linspace(6, 10, 161):
            acc = 1 / (1 + np.exp(-(log_train + gamma * log_test - 18)))
            rows.append({"point": f"t{log_train}", "bin": 1, "train_flops": 10**log_train,
                         "test_flops": 10**log_test, "accuracy": acc})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_fitted_exchange_rate_recovers_a_known_slope():
    points = iso_accuracy_points(_surface(0.8), levels=[0.3, 0.5, 0.7])
    fit = fit_exchange(points).set_index("bin")
    assert fit.loc[1, "slope"] == pytest.approx(-1.25, abs=0.01)
    assert fit.loc[1, "test_per_10x_train"] == pytest.approx(10**1.25, rel=0.03)
    assert fit.loc[1, "levels"] == 3


def test_iso_accuracy_lines_end_where_no_budget_reaches_them():
    points = iso_accuracy_points(_surface(0.8), levels=[0.999]).set_index("point")
    # reaching 0.999 needs log_train + 0.8 log_test >= 24.9: log_test >= 10.5 at log_train 11.5
    assert set(points["bound"]) == {"not reached"} and points["log_test"].isna().all()
    easy = iso_accuracy_points(_surface(0.8), levels=[0.01]).set_index("point")
    assert easy.loc["t11.5", "bound"] == "at least"  # reached at the smallest budget
    assert fit_exchange(points)["slope"].isna().all()
