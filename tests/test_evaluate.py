import pandas as pd
from ttc.models.evaluate import checkpoint_means, crossing_checkpoint


def _evals(means_by_checkpoint):
    """Rows of (checkpoint, fraction, level, correct) with the given per-level success rates."""
    rows = []
    for fraction, by_level in means_by_checkpoint.items():
        for level, rate in enumerate(by_level, start=1):
            hits = round(rate * 10)
            rows += [
                {"checkpoint": f"ckpt-{fraction:.3f}", "fraction": fraction, "level": level,
                 "correct": i < hits}
                for i in range(10)
            ]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_checkpoint_nearer_the_target_at_its_crossing_weighs_levels_equally():
    evals = _evals({0.25: [0.6, 0.0], 0.5: [1.0, 0.0], 0.75: [1.0, 0.4], 1.0: [1.0, 1.0]})
    # level-weighted means 0.3, 0.5, 0.7, 1.0: a target of 0.5 is reached at 0.5, not before
    assert crossing_checkpoint(evals, 0.5) == "ckpt-0.500"
    # 0.58 is crossed between 0.5 and 0.75: 0.5 is nearer (0.08 below against 0.12 above)
    assert crossing_checkpoint(evals, 0.58) == "ckpt-0.500"
    # 0.62: 0.75 is nearer (0.08 above against 0.12 below)
    assert crossing_checkpoint(evals, 0.62) == "ckpt-0.750"
    # a later checkpoint that falls back below the target does not count: the first crossing
    dip = _evals({0.25: [0.2, 0.0], 0.5: [1.0, 0.6], 0.75: [0.7, 0.3], 1.0: [1.0, 1.0]})
    assert crossing_checkpoint(dip, 0.7) == "ckpt-0.500"
    # order by training progress, not by row order
    assert crossing_checkpoint(evals.iloc[::-1], 0.58) == "ckpt-0.500"
    assert crossing_checkpoint(evals.iloc[::-1], 0.62) == "ckpt-0.750"


def test_the_first_checkpoint_if_it_reaches_the_target_the_last_if_none_does():
    evals = _evals({0.5: [0.2, 0.0], 1.0: [0.4, 0.2]})
    assert crossing_checkpoint(evals, 0.05) == "ckpt-0.500"
    assert crossing_checkpoint(evals, 0.9) == "ckpt-1.000"
    means = checkpoint_means(evals)  # what says that no checkpoint reached it
    assert means.max() < 0.9 and means.round(2).tolist() == [0.1, 0.3]
