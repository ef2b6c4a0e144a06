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


def test_runs_merge_with_earlier_ones_of_the_same_recipe(tmp_path):
    import json
    from dataclasses import asdict, replace

    from ttc.cache import finite
    from ttc.calibrate import merge_runs
    from ttc.config import load_profile

    profile = load_profile("smoke")
    path = tmp_path / "calibration.json"
    earlier = [{"model": "T1", "seed": 0, "x": 1}, {"model": "T1", "seed": 1, "x": 2}]
    path.write_text(
        json.dumps(
            {
                "task": finite(asdict(profile.task)),
                "train": finite(asdict(profile.train)),
                "runs": earlier,
            }
        )
    )
    merged = merge_runs(
        path, profile, [{"model": "T1", "seed": 1, "x": 3}, {"model": "T2", "seed": 0, "x": 4}]
    )
    assert sorted((r["model"], r["seed"], r["x"]) for r in merged) == [
        ("T1", 0, 1), ("T1", 1, 3), ("T2", 0, 4)
    ]  # fmt: skip
    other = replace(profile, train=replace(profile.train, tokens=123))
    assert merge_runs(path, other, [{"model": "T2", "seed": 0, "x": 4}]) == [
        {"model": "T2", "seed": 0, "x": 4}
    ]  # another recipe: earlier runs are dropped


def test_merged_runs_summarise_alike_whether_new_or_read_back(tmp_path):
    import json
    from dataclasses import asdict

    from ttc.cache import finite
    from ttc.calibrate import merge_runs
    from ttc.config import load_profile

    profile = load_profile("smoke")
    path = tmp_path / "calibration.json"
    old = {"model": "T1", "seed": 0, "pass_at_1": {"1": 1.0, "2": 0.5}, "quintiles": [1] * 5}
    record = {"task": finite(asdict(profile.task)), "train": finite(asdict(profile.train))}
    path.write_text(json.dumps({**record, "runs": [old]}))
    new = {"model": "T1", "seed": 1, "pass_at_1": {1: 0.8, 2: 0.1}, "quintiles": [0] * 5}
    (row,) = summarise(merge_runs(path, profile, [new]))
    assert row["pass_at_1_mean"] == {"1": 0.9, "2": 0.3}  # one column per level, not two
