import json

import pytest
from ttc import cache


def test_built_once_then_reused(tmp_path):
    calls = []

    def build(work):
        calls.append(1)
        (work / "a.txt").write_text("hello")

    first = cache.artifact("thing", {"x": 1}, build, root=tmp_path)
    second = cache.artifact("thing", {"x": 1}, build, root=tmp_path)
    assert first == second and (first / "a.txt").read_text() == "hello" and len(calls) == 1
    other = cache.artifact("thing", {"x": 2}, build, root=tmp_path)
    assert other != first and len(calls) == 2
    assert cache.artifact_key("thing", {"x": 1}) != cache.artifact_key("thing", {"x": 1}, version=2)


def test_interrupted_build_is_never_read_and_resumes(tmp_path):
    def crashing(work):
        (work / "part1").write_text("done")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.artifact("thing", {"x": 1}, crashing, root=tmp_path)
    assert cache.lookup("thing", {"x": 1}, root=tmp_path) is None

    seen = []

    def resuming(work):
        seen.append((work / "part1").exists())
        (work / "part2").write_text("done")

    path = cache.artifact("thing", {"x": 1}, resuming, root=tmp_path)
    assert seen == [True] and (path / "part1").exists() and (path / "part2").exists()


def test_corrupt_file_is_detected_and_rebuilt(tmp_path):
    calls = []

    def build(work):
        calls.append(1)
        (work / "weights.bin").write_bytes(b"\x01" * 100)

    path = cache.artifact("model", {}, build, root=tmp_path)
    (path / "weights.bin").write_bytes(b"\x01" * 50)  # truncated
    assert "checksum" in cache.verify(path)
    assert cache.lookup("model", {}, root=tmp_path) is None
    path = cache.artifact("model", {}, build, root=tmp_path)
    assert len(calls) == 2 and (path / "weights.bin").read_bytes() == b"\x01" * 100
    (path / "MANIFEST.json").write_text("{not json")
    assert "manifest" in cache.verify(path)


def test_cached_json_and_atomic_write(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": 3}

    assert cache.cached_json("r", {"a": 1}, compute, root=tmp_path) == {"value": 3}
    assert cache.cached_json("r", {"a": 1}, compute, root=tmp_path) == {"value": 3}
    assert len(calls) == 1
    cache.write_json_atomic(tmp_path / "out.json", {"k": [1, 2]})
    assert json.loads((tmp_path / "out.json").read_text()) == {"k": [1, 2]}
    assert not list(tmp_path.glob("*.tmp"))


def test_results_json_writes_nan_and_infinity_as_null(tmp_path):
    import numpy as np

    path = tmp_path / "r.json"
    cache.write_json_atomic(
        path,
        {
            "a": float("nan"),
            "b": [1.0, np.float64("inf")],
            "c": np.array([np.nan, 2.0]),
            "d": np.int64(3),
        },
        nan_as_null=True,
    )
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": [None, 2.0], "d": 3}


def test_cache_keys_of_the_profiles_stay_pinned():
    """Refactoring the stages must not rebuild what is cached: these keys are those of the
    committed cpu run's splits, corpus and base-model pretraining (and of the smoke profile)."""
    from ttc.config import load_profile
    from ttc.stages import base_models, data

    pinned = {
        "cpu": ("e9aaeffe36ef8e69aa87", "9df7cf17817edb6e181f", "09acdecdf33b602dd774"),
        "smoke": ("6fd11d0ef13983554c17", "aabfcebee2472fd67f98", "1e2a6c88e713782f6d6b"),
    }
    for name, keys in pinned.items():
        p = load_profile(name)
        assert (
            cache.artifact_key("splits", data._splits_inputs(p), data.SPLITS_VERSION),
            cache.artifact_key("corpus", data._corpus_inputs(p), data.CORPUS_VERSION),
            cache.artifact_key(
                "pretrain",
                base_models._pretrain_inputs(p, p.base_model),
                base_models.PRETRAIN_VERSION,
            ),
        ) == keys, name
