"""`make bench` on a fresh clone: with nothing trained, the benchmarks time same-sized
stand-in models and leave the committed reference numbers alone."""

import ttc.paths as paths

from benchmarks import particles, sampler, search


def test_benchmarks_run_on_a_fresh_clone_without_recording(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")  # nothing trained
    monkeypatch.setattr(paths, "RESULTS_DIR", tmp_path / "results")
    out = sampler.run("smoke", batch=4, repeats=1)
    assert out["weights"] == "untrained" and min(out["tokens_per_s"].values()) > 0
    out = search.run("smoke", budget=4, questions=2, repeats=1)
    assert min(out["tokens_per_s"].values()) > 0
    out = particles.run("smoke", budget=4, questions=2, repeats=1)
    assert set(out["questions_per_s"]) == {"particle filtering", "beam M=4"}
    assert not list((tmp_path / "results").rglob("benchmark_*.json"))
