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
