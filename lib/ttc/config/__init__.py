"""Profiles as typed dataclasses, loaded strictly from `params/<profile>.yaml`.

Papermill passes parameters untyped and only warns about unknown names, so every value
that reaches the library goes through `load_profile`, which rejects unknown keys (with a
suggestion), wrong types and out-of-range values before any long computation starts.

Modules: `sections` (data and models), `methods` (test-time methods), `profile` (the whole),
`loading` (YAML to a validated profile).
"""

# ruff: noqa: I001
from .sections import (
    PROFILES,
    REAL_PROFILE,
    MODGRAPH_SECTIONS,
    PRM_STYLES,
    MODEL_DTYPES,
    ConfigError,
    TaskConfig,
    SplitConfig,
    ModelSpec,
    TrainConfig,
    EvalConfig,
    BankConfig,
)
from .methods import (
    SearchConfig,
    RevisionConfig,
    ChainConfig,
    ExchangeConfig,
    VerifierConfig,
    RealConfig,
    VllmConfig,
    ENGINES,
    VLLM_INSTALL,
    vllm_installed,
)
from .profile import Profile
from .loading import available_profiles, profile_path, read_yaml, load_profile

__all__ = [
    "PROFILES",
    "REAL_PROFILE",
    "MODGRAPH_SECTIONS",
    "PRM_STYLES",
    "MODEL_DTYPES",
    "ConfigError",
    "TaskConfig",
    "SplitConfig",
    "ModelSpec",
    "TrainConfig",
    "EvalConfig",
    "BankConfig",
    "SearchConfig",
    "RevisionConfig",
    "ChainConfig",
    "ExchangeConfig",
    "VerifierConfig",
    "RealConfig",
    "VllmConfig",
    "ENGINES",
    "VLLM_INSTALL",
    "vllm_installed",
    "Profile",
    "available_profiles",
    "profile_path",
    "read_yaml",
    "load_profile",
]
