import pytest
from ttc.config import PROFILES, ConfigError, load_profile
from ttc.notebook import notebook_parameters, validate_parameters


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_loads(name):
    profile = load_profile(name)
    assert profile.name == name
    assert profile.base_model in [m.name for m in profile.ladder]


def test_unknown_profile_suggests_the_closest():
    with pytest.raises(ConfigError, match="did you mean 'smoke'"):
        load_profile("smoek")


def test_misspelled_parameter_is_rejected_with_a_suggestion():
    with pytest.raises(ConfigError, match="did you mean 'tokens'"):
        load_profile("smoke", {"train": {"tokenz": 10}})


def test_string_where_a_number_belongs_is_rejected():
    with pytest.raises(ConfigError, match="expected an integer"):
        load_profile("smoke", {"train": {"tokens": "1000"}})
    with pytest.raises(ConfigError, match="expected true/false|expected a string"):
        load_profile("smoke", {"task": {"order": False}})


def test_overrides_apply_and_are_validated():
    profile = load_profile("smoke", {"task": {"modulus": 13}})
    assert profile.task.modulus == 13
    with pytest.raises(ConfigError, match="modulus"):
        load_profile("smoke", {"task": {"modulus": 500}})
    with pytest.raises(ConfigError, match="base_model"):
        load_profile("smoke", {"base_model": "nope"})


def test_notebook_parameters_reject_unknown_names_and_types():
    namespace = {"profile": "cpu", "overrides": {}, "In": [], "pd": __import__("math"), "_x": 1}
    assert notebook_parameters(namespace) == {"profile": "cpu", "overrides": {}}
    assert validate_parameters({"profile": "cpu"}) == ("cpu", {})
    with pytest.raises(ConfigError, match="unknown notebook parameter 'profil'"):
        validate_parameters({"profil": "cpu"})
    with pytest.raises(ConfigError, match="must be a dict"):
        validate_parameters({"overrides": "false"})


def test_real_profile_names_each_missing_path_and_what_goes_there(tmp_path, monkeypatch):
    from ttc.paths import REPO_ROOT

    monkeypatch.chdir(tmp_path)  # relative paths resolve against the repository, not the cwd
    with pytest.raises(ConfigError, match="real.policy_dir is empty: put the path of a local Hug"):
        load_profile("real")  # as shipped: every path still to fill in
    policy = tmp_path / "policy"
    policy.mkdir()
    with pytest.raises(ConfigError, match="real.policy_dir: no config.json in .*policy"):
        load_profile("real", {"real": {"policy_dir": str(policy)}})
    (policy / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="real.problems_path is empty: .*JSONL"):
        load_profile("real", {"real": {"policy_dir": str(policy)}})
    paths = {"policy_dir": str(policy), "problems_path": "tests/fixtures/math_sample.jsonl"}
    profile = load_profile("real", {"real": paths})
    assert profile.is_real
    assert profile.real.path("problems_path") == REPO_ROOT / "tests/fixtures/math_sample.jsonl"
    with pytest.raises(ConfigError, match="real.problems_path: no file at .*absent.jsonl"):
        load_profile("real", {"real": {**paths, "problems_path": "absent.jsonl"}})
    with pytest.raises(ConfigError, match="real.prm_dir is empty: .*holding the PRM"):
        load_profile("real", {"real": {**paths, "prm_style": "step_tag"}})
    with pytest.raises(ConfigError, match="real.prm_dir: no config.json in .*nope"):
        load_profile("real", {"real": {**paths, "prm_dir": str(tmp_path / "nope")}})
    with pytest.raises(ConfigError, match="real.prm_style"):
        load_profile("real", {"real": {**paths, "prm_style": "reward"}})


def test_real_and_modgraph_sections_do_not_mix(tmp_path):
    import yaml
    from ttc.paths import PARAMS_DIR

    with pytest.raises(ConfigError, match=r"\['ladder'\] belong to the modgraph study"):
        load_profile("real", {"ladder": []})
    with pytest.raises(ConfigError, match="belongs in params/real.yaml only"):
        load_profile("smoke", {"real": {"policy_dir": "x"}})
    smoke = yaml.safe_load((PARAMS_DIR / "smoke.yaml").read_text())
    del smoke["train"]
    (tmp_path / "smoke.yaml").write_text(yaml.safe_dump(smoke))
    with pytest.raises(ConfigError, match="missing required parameter 'train'"):
        load_profile("smoke", path=tmp_path / "smoke.yaml")


def test_optional_parameters_take_null_or_a_value_of_their_type():
    assert load_profile("smoke", {"base_target": None}).base_target is None
    assert load_profile("smoke", {"base_target": 0.5}).base_target == 0.5
    with pytest.raises(ConfigError, match="expected a number"):
        load_profile("smoke", {"base_target": "half"})
    with pytest.raises(ConfigError, match="base_target"):
        load_profile("smoke", {"base_target": 1.5})
    with pytest.raises(ConfigError, match="exchange.checkpoints"):
        load_profile("smoke", {"exchange": {"checkpoints": [0.3, 1.0]}})


def test_scientific_notation_is_a_number(tmp_path):
    # YAML 1.1 reads 1e5 (no dot) as a string; an integral value is accepted as an integer
    assert load_profile("smoke", {"train": {"tokens": "1e5"}}).train.tokens == 100_000
    assert load_profile("smoke", {"verifier": {"lr": "3e-4"}}).verifier.lr == 3e-4
    with pytest.raises(ConfigError, match="expected an integer"):
        load_profile("smoke", {"train": {"tokens": "1.5e0"}})


def test_broken_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "smoke.yaml"
    path.write_text("name: smoke\ntask: {modulus: 11\nseed: 0\n")
    with pytest.raises(ConfigError, match=r"smoke\.yaml, line \d+, column \d+: invalid YAML"):
        load_profile("smoke", path=path)


def test_a_custom_profile_file_is_a_profile(tmp_path, monkeypatch):
    import ttc.config.loading as loading
    from ttc.paths import REPO_ROOT

    monkeypatch.setattr(loading, "PARAMS_DIR", tmp_path)
    text = (REPO_ROOT / "params" / "smoke.yaml").read_text()
    (tmp_path / "mine.yaml").write_text(text.replace("name: smoke", "name: mine"))
    assert "mine" in loading.available_profiles()
    assert (
        load_profile("mine").train
        == load_profile("smoke", path=REPO_ROOT / "params" / "smoke.yaml").train
    )
    with pytest.raises(ConfigError, match="write .*yours.yaml"):
        load_profile("yours")


def test_the_real_profile_runs_the_notebooks_whose_metadata_say_so(tmp_path, monkeypatch):
    import json

    import ttc.pipeline as pipeline

    names = [nb.name[:2] for nb in pipeline.notebooks(real=True)]
    assert names == ["03", "04", "05", "06"]  # verifiers, search, revisions, compute-optimal
    # a new notebook joins by its metadata alone
    for number, real in (("08", True), ("09", False)):
        meta = {"ttc": {"real_model": True}} if real else {}
        (tmp_path / f"{number}_new.ipynb").write_text(json.dumps({"metadata": meta, "cells": []}))
    monkeypatch.setattr(pipeline, "NOTEBOOKS_DIR", tmp_path)
    assert [nb.name for nb in pipeline.notebooks(real=True)] == ["08_new.ipynb"]
