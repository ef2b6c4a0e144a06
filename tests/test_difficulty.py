"""Difficulty bins' spread targets and the pass@k estimator."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from ttc.difficulty import pass_at_k, spread_check
from ttc.findings import f1_bins


def test_pass_at_k_equals_the_share_of_k_subsets_with_a_right_sample():
    rng = np.random.default_rng(0)
    correct = rng.random((6, 7)) < 0.3
    for k in (1, 3, 7):
        exact = [
            np.mean([row[list(s)].any() for s in combinations(range(7), k)]) for row in correct
        ]
        np.testing.assert_allclose(pass_at_k(correct, k), exact)
    with pytest.raises(ValueError, match="k = 8"):
        pass_at_k(correct, 8)


def test_spread_check_names_each_missed_target():
    good = spread_check([0.95, 0.7, 0.4, 0.2, 0.05], last_coverage=0.5)
    assert good["holds"] and good["min_drop"] == pytest.approx(0.15)
    # 0.3 - 0.2 in floats is 0.0999...: a drop of exactly 0.1 still counts
    assert spread_check([0.9, 0.6, 0.3, 0.2, 0.1])["drops_ok"]
    close = spread_check([0.95, 0.7, 0.4, 0.12, 0.05])
    assert not close["drops_ok"] and close["first_ok"] and close["last_ok"] and not close["holds"]
    assert not spread_check([0.75, 0.5, 0.3, 0.2, 0.05])["first_ok"]
    assert not spread_check([0.95, 0.7, 0.5, 0.3, 0.15])["last_ok"]
    floor = spread_check([0.95, 0.7, 0.4, 0.2, 0.0], last_coverage=0.1)
    assert not floor["coverage_ok"] and not floor["holds"]


def test_f1_bins_record_carries_the_verdict():
    record = f1_bins([0.95, 0.7, 0.4, 0.2, 0.05], 0.5)
    assert record["id"] == "F1-bins" and record["holds"]
    assert "holds" not in record["value"] and record["value"]["last_coverage"] == 0.5
    assert not f1_bins([0.95, 0.7, 0.4, 0.2, 0.05], 0.2)["holds"]  # coverage must exceed 0.2
