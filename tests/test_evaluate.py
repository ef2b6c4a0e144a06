import pandas as pd
from ttc.models.evaluate import checkpoint_means, earliest_reaching


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


def test_earliest_checkpoint_reaching_the_target_weighs_levels_equally():
    evals = _evals({0.25: [0.6, 0.0], 0.5: [1.0, 0.0], 0.75: [1.0, 0.4], 1.0: [1.0, 1.0]})
    # a level-weighted mean of 0.5 is reached at 0.5 (1.0 and 0.0), not before
    assert earliest_reaching(evals, 0.5) == "ckpt-0.500"
    assert earliest_reaching(evals, 0.7) == "ckpt-0.750"
    # order by training progress, not by row order
    assert earliest_reaching(evals.iloc[::-1], 0.5) == "ckpt-0.500"


def test_no_checkpoint_reaching_the_target_gives_the_last():
    evals = _evals({0.5: [0.2, 0.0], 1.0: [0.4, 0.2]})
    assert earliest_reaching(evals, 0.9) == "ckpt-1.000"
    means = checkpoint_means(evals)  # what says that no checkpoint reached it
    assert means.max() < 0.9 and means.round(2).tolist() == [0.1, 0.3]
