"""The setup every notebook runs first: validate parameters, load the profile, print a header.

Papermill injects parameters as plain globals and only warns about names the notebook
does not declare; `setup` rejects them, so a misspelled parameter stops the run at once
instead of being silently ignored.
"""

from __future__ import annotations

import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import torch
import transformers

from . import runtime
from .cache import write_json_atomic
from .config import ConfigError, Profile, load_profile
from .findings import record_findings
from .paths import REPO_ROOT, results_dir
from .plots import save_figure, set_theme

PARAMETERS = {"profile": str, "overrides": dict}
_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


@dataclass
class Run:
    """What a notebook needs after setup: its profile, device and output locations."""

    notebook: str
    profile: Profile
    device: str
    started: float = field(default_factory=time.perf_counter)

    @property
    def results_dir(self) -> Path:
        return results_dir(self.profile.name)

    def save_figure(self, fig, name: str) -> Path:
        return save_figure(fig, self.profile.name, name)

    def write_results(self, results: dict[str, Any]) -> Path:
        """`data/results/<profile>/<notebook>.json`, with the run's provenance. Tables may be
        given as they are: a DataFrame is written as a list of row records, a Series as a
        mapping."""
        path = self.results_dir / f"{self.notebook}.json"
        payload = {
            "notebook": self.notebook,
            "profile": self.profile.name,
            "device": self.device,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "machine": runtime.machine(),
            **({"engine": self.profile.real.engine} if self.profile.is_real else {}),
            "wall_s": round(time.perf_counter() - self.started, 1),
            **_plain(results),
        }
        write_json_atomic(path, payload, nan_as_null=True)
        return path

    def record_findings(self, records: list[dict]) -> list[dict]:
        return record_findings(self.profile.name, records)


def _plain(value: Any) -> Any:
    """Tables as JSON-ready structures: DataFrames as row records, Series as mappings."""
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="records")
    if isinstance(value, pd.Series):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def notebook_parameters(namespace: dict[str, Any]) -> dict[str, Any]:
    """The literal globals defined so far: the parameters cell plus anything papermill injected."""
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_")
        and k not in _IPYTHON_NAMES
        and not callable(v)
        and not isinstance(v, ModuleType)
    }


def validate_parameters(params: dict[str, Any]) -> tuple[str, dict]:
    for name, value in params.items():
        if name not in PARAMETERS:
            raise ConfigError(
                f"unknown notebook parameter {name!r}; notebooks take {sorted(PARAMETERS)} "
                "(profile settings go in params/<profile>.yaml or `overrides`)"
            )
        if not isinstance(value, PARAMETERS[name]):
            raise ConfigError(
                f"parameter {name!r} must be a {PARAMETERS[name].__name__}, got {value!r}"
            )
    return params.get("profile", "smoke"), params.get("overrides", {})


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def setup(namespace: dict[str, Any], notebook: str) -> Run:
    """Validate the notebook's parameters, load its profile, seed, and print the run header."""
    profile_name, overrides = validate_parameters(notebook_parameters(namespace))
    profile = load_profile(profile_name, overrides)
    runtime.seed_everything(profile.seed)
    threads = runtime.configure_process()
    transformers.logging.disable_progress_bar()  # per-checkpoint "Loading weights" bars
    set_theme()
    run = Run(notebook, profile, runtime.device())
    budget = profile.budget_minutes.get(notebook)
    print(f"{notebook} | profile {profile.name}: {profile.description}")
    cpu = runtime.machine()
    print(
        f"device {run.device} ({threads} threads; {cpu['cpu']}, {cpu['cpu_capability']}) | torch "
        f"{torch.__version__} | transformers {transformers.__version__} | python "
        f"{platform.python_version()} | commit {_git_commit()}"
    )
    if budget is not None:
        print(f"wall-time budget for this notebook in this profile: {budget:g} min")
    if overrides:
        print(f"overrides: {overrides}")
    return run
