"""The three places that pin dependencies (pyproject, environment.yml, Makefile) agree."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_deps() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = [p for p in pip if not p.startswith("-e ")]
    assert sorted(pins) == sorted(_pyproject_deps())


def test_makefile_pins_match_pyproject():
    pinned = dict(d.split("==") for d in _pyproject_deps())
    makefile = (ROOT / "Makefile").read_text()
    found = dict(re.findall(r"\b([A-Za-z0-9_.-]+)==([\w.+]+)", makefile))
    assert found.get("torch") == pinned["torch"]  # installed before `pip install -e .`
    for name, version in found.items():  # e.g. the wheelhouse pins
        if name in pinned:
            assert version == pinned[name], name
