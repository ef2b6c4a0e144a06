"""Repository paths, resolved from the package location so notebooks work from any cwd."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PARAMS_DIR = REPO_ROOT / "params"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# TTC_OUTPUT_DIR sends every generated file (cache, results, figures, executed notebooks)
# elsewhere, e.g. to a temporary directory in the pipeline test.
OUTPUT_ROOT = Path(os.environ.get("TTC_OUTPUT_DIR", REPO_ROOT))
DATA_DIR = OUTPUT_ROOT / "data"
CACHE_DIR = DATA_DIR / "cache"
RESULTS_DIR = DATA_DIR / "results"
FIGURES_DIR = OUTPUT_ROOT / "figures"
BUILD_DIR = OUTPUT_ROOT / "build"


def results_dir(profile: str) -> Path:
    """Where a profile's small result tables live (committed for reference runs)."""
    path = RESULTS_DIR / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_dir(profile: str) -> Path:
    path = FIGURES_DIR / profile
    path.mkdir(parents=True, exist_ok=True)
    return path
