import numpy as np
import pytest
from ttc.calibrate import spread, summarise


def test_spread_is_the_mean_of_each_fifth_easiest_first():
    rates = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    assert spread(rates[::-1]) == pytest.approx([0.85, 0.65, 0.45, 0.25, 0.05])


def test_summarise_gives_mean_and_sd_over_seeds():
    runs = [
        {"model": "XS", "seed": 0, "pass_at_1": {1: 1.0, 2: 0.5}, "quintiles": [1, 1, 0.5, 0.5, 0]},
        {"model": "XS", "seed": 1, "pass_at_1": {1: 0.8, 2: 0.1}, "quintiles": [1, 0.5, 0.5, 0, 0]},
    ]
    (row,) = summarise(runs)
    assert row["seeds"] == [0, 1]
    assert row["pass_at_1_mean"] == {1: 0.9, 2: 0.3}
    assert row["pass_at_1_sd"][2] == pytest.approx(np.std([0.5, 0.1], ddof=1), abs=1e-3)
    assert row["quintiles_mean"] == [1.0, 0.75, 0.5, 0.25, 0.0]
