from ttc.config import load_profile


def test_results_take_tables_as_they_are(tmp_path, monkeypatch):
    import json

    import pandas as pd
    import ttc.notebook as notebook

    run = notebook.Run("00_test", load_profile("smoke"), "cpu")
    monkeypatch.setattr(notebook.Run, "results_dir", property(lambda self: tmp_path))
    frame = pd.DataFrame({"n": [1, 4], "accuracy": [0.5, float("nan")]})
    path = run.write_results(
        {"curve": frame, "by_bin": pd.Series({1: 0.9}), "nested": {"t": frame}}
    )
    data = json.loads(path.read_text())
    assert data["curve"] == [{"n": 1, "accuracy": 0.5}, {"n": 4, "accuracy": None}]
    assert data["by_bin"] == {"1": 0.9} and data["nested"]["t"] == data["curve"]
    assert data["threads"] >= 1 and data["torch"]
