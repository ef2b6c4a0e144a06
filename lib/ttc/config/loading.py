"""Reading a profile from `params/<profile>.yaml` strictly: unknown keys (with a suggestion),
wrong types and out-of-range values are rejected before any long computation starts."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from ..paths import PARAMS_DIR
from .profile import Profile
from .sections import MODGRAPH_SECTIONS, PROFILES, REAL_PROFILE, ConfigError


def _build(cls: type, data: Any, where: str) -> Any:
    """Build a dataclass from plain data, rejecting unknown keys and wrong types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{where}: unknown parameter {key!r}{hint}; known: {sorted(known)}")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _coerce(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}: missing required parameter {f.name!r}")
    return cls(**values)


_SCIENTIFIC = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(
            _coerce(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        _, vt = typing.get_args(tp)
        return {str(k): _coerce(vt, v, f"{where}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1 or len(typing.get_args(tp)) != 2:
            raise ConfigError(f"{where}: union types other than X | None are not supported")
        return None if value is None else _coerce(args[0], value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(
                f"{where}: expected true/false, got {value!r} ({type(value).__name__})"
            )
        return value
    if tp in (int, float) and isinstance(value, str) and _SCIENTIFIC.match(value.strip()):
        value = float(value)  # YAML 1.1 reads `1e5` (no dot) as a string
    if tp is int:
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        ):
            raise ConfigError(
                f"{where}: expected an integer, got {value!r} ({type(value).__name__})"
            )
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r} ({type(value).__name__})")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r} ({type(value).__name__})")
        return value
    raise ConfigError(f"{where}: unsupported parameter type {tp}")


def _merge(base: dict, overrides: dict, where: str = "overrides") -> dict:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value, f"{where}.{key}")
        else:
            merged[key] = value
    return merged


def available_profiles() -> tuple[str, ...]:
    """The shipped profiles, then any other `params/<name>.yaml` (a custom modgraph profile,
    validated like the shipped ones)."""
    custom = sorted(
        p.stem for p in PARAMS_DIR.glob("*.yaml") if p.stem not in (*PROFILES, REAL_PROFILE)
    )
    return (*PROFILES, REAL_PROFILE, *custom)


def profile_path(name: str) -> Path:
    known = available_profiles()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"unknown profile {name!r}{hint}; choose one of {known}, or write "
            f"{PARAMS_DIR / (name + '.yaml')} (a copy of params/cpu.yaml with its `name` changed)"
        )
    return PARAMS_DIR / f"{name}.yaml"


def read_yaml(path: Path) -> Any:
    """A YAML file's contents; a syntax error names the file, line and column."""
    try:
        return yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{where}: invalid YAML ({problem})") from None


def load_profile(name: str, overrides: dict | None = None, path: Path | None = None) -> Profile:
    """Load and validate a profile; `overrides` is deep-merged first (same strict checks)."""
    if not isinstance(name, str):
        raise ConfigError(f"profile must be a string, got {name!r}")
    path = path or profile_path(name)
    if not path.exists():
        raise ConfigError(f"parameter file {path} is missing")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of parameters, got {type(data).__name__}")
    if overrides:
        if not isinstance(overrides, dict):
            raise ConfigError(f"overrides must be a mapping, got {overrides!r}")
        data = _merge(data, overrides)
    if data.get("name") != name:
        raise ConfigError(f"{path}: 'name' is {data.get('name')!r}, expected {name!r}")
    if name == REAL_PROFILE:
        present = [s for s in MODGRAPH_SECTIONS if s in data]
        if present:
            raise ConfigError(
                f"real: {present} belong to the modgraph study; remove them (the policy is "
                "real.policy_dir, the problems real.problems_path)"
            )
    else:
        missing = [s for s in (*MODGRAPH_SECTIONS, "splits") if s not in data]
        if missing:
            raise ConfigError(f"{name}: missing required parameter {missing[0]!r}")
    profile = _build(Profile, data, name)
    profile.validate()
    return profile
