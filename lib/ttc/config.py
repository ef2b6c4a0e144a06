"""Profiles as typed dataclasses, loaded strictly from `params/<profile>.yaml`.

Papermill passes parameters untyped and only warns about unknown names, so every value
that reaches the library goes through `load_profile`, which rejects unknown keys (with a
suggestion), wrong types and out-of-range values before any long computation starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .paths import PARAMS_DIR, REPO_ROOT

PROFILES = ("smoke", "cpu", "full")  # the study on modgraph, with its own model ladder
REAL_PROFILE = "real"  # a user's own model and MATH-style problems (notebooks 03-06)
# what only the modgraph study has: every study profile spells them out, `real` has none
MODGRAPH_SECTIONS = ("task", "ladder", "base_model", "large_model", "train")
PRM_STYLES = ("scalar", "step_tag")
MODEL_DTYPES = ("auto", "float32", "bfloat16", "float16")


class ConfigError(ValueError):
    """A parameter file or override that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class TaskConfig:
    """Knobs of the modgraph generator."""

    modulus: int = 11
    operators: tuple[str, ...] = ("+", "-", "*")
    n_names: int = 30  # size of the variable-name pool a problem draws from (<= 100)
    levels: tuple[int, ...] = (1, 2, 3, 4)  # nominal levels = number of necessary operations
    distractors: tuple[int, int] = (0, 0)  # inclusive range of distractor equations
    # share of distractors that copy a necessary equation with one operand swapped
    lure_frac: float = 0.0
    reuse_frac: float = 0.3  # chance an operand slot reuses an existing variable (DAG, not tree)
    order: str = "topological"  # prompt order: "topological" (leaves first) or "shuffled"
    # "verbose" (every value shown), "terse" (result only) or "chain" (a path of indexed
    # operations on the previous result: `tasks/modgraph/chain.py`)
    step_format: str = "verbose"

    def validate(self) -> None:
        _check(
            self.modulus in range(2, 98),
            "task.modulus must be in 2..97 (the vocabulary holds 0..96)",
        )
        _check(
            set(self.operators) <= {"+", "-", "*"} and self.operators,
            "task.operators: a non-empty subset of + - *",
        )
        _check(1 <= self.n_names <= 100, "task.n_names must be in 1..100")
        _check(self.levels and min(self.levels) >= 1, "task.levels: positive numbers of operations")
        _check(
            list(self.levels) == sorted(set(self.levels)),
            "task.levels must be increasing and distinct",
        )
        lo, hi = self.distractors
        _check(
            0 <= lo <= hi, "task.distractors: an inclusive range [min, max] with 0 <= min <= max"
        )
        _check(0.0 <= self.lure_frac <= 1.0, "task.lure_frac must be in [0, 1]")
        _check(0.0 <= self.reuse_frac <= 1.0, "task.reuse_frac must be in [0, 1]")
        _check(self.order in ("topological", "shuffled"), "task.order: 'topological' or 'shuffled'")
        _check(
            self.step_format in ("verbose", "terse", "chain"),
            "task.step_format: 'verbose', 'terse' or 'chain'",
        )
        if self.step_format == "chain":
            _check(
                max(self.levels) <= 32,
                "task.levels: a chain has at most 32 operations (keys o1..o32)",
            )
            _check(
                hi == 0 and self.lure_frac == 0,
                "task: a chain has no distractors or lures (set distractors: [0, 0], lure_frac: 0)",
            )
            return
        # each problem needs names for up to 2 leaves per op plus op nodes plus distractors
        need = 3 * max(self.levels) + 1 + hi
        _check(
            self.n_names >= need,
            f"task.n_names={self.n_names} is too small: up to {need} variables per problem",
        )


@dataclass(frozen=True)
class SplitConfig:
    """Fixed held-out splits; the pretraining stream never repeats any of them."""

    validation_per_level: int = 40
    prm_train: int = 256
    revision_train: int = 256
    test: int = 100

    def validate(self) -> None:
        for name in ("validation_per_level", "prm_train", "revision_train", "test"):
            _check(getattr(self, name) >= 1, f"splits.{name} must be >= 1")


@dataclass(frozen=True)
class ModelSpec:
    """One rung of the model ladder: a Llama-architecture causal LM."""

    name: str
    d_model: int
    n_layers: int
    n_heads: int
    d_ffn: int
    lr: float = 2e-3

    def validate(self) -> None:
        _check(
            self.d_model % self.n_heads == 0, f"model {self.name}: d_model must divide by n_heads"
        )
        _check(
            (self.d_model // self.n_heads) % 2 == 0,
            f"model {self.name}: head dim must be even (RoPE)",
        )
        _check(self.lr > 0, f"model {self.name}: lr must be positive")


@dataclass(frozen=True)
class TrainConfig:
    """Pretraining: every ladder model sees the same tokens (Snell's fixed-data scaling)."""

    tokens: int = 400_000
    batch_size: int = 32
    warmup_frac: float = 0.02
    min_lr_frac: float = 0.1
    weight_decay: float = 0.05
    betas: tuple[float, float] = (0.9, 0.98)
    grad_clip: float = 1.0
    checkpoints: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0)
    eval_points: int = 8  # validation loss-by-role measurements over training

    def validate(self) -> None:
        _check(
            self.tokens > 0 and self.batch_size > 0,
            "train.tokens and train.batch_size must be positive",
        )
        _check(
            0 <= self.warmup_frac < 1 and 0 <= self.min_lr_frac <= 1,
            "train: warmup_frac in [0,1), min_lr_frac in [0,1]",
        )
        _check(
            list(self.checkpoints) == sorted(self.checkpoints) and self.checkpoints[-1] == 1.0,
            "train.checkpoints: increasing fractions of the token budget ending with 1.0",
        )
        _check(self.eval_points >= 1, "train.eval_points must be >= 1")


@dataclass(frozen=True)
class EvalConfig:
    batch_size: int = 64
    loss_problems_per_level: int = 20  # validation problems used for loss by token role
    # fractions of the run at which notebook 02 evaluates ladder models other than the base on
    # validation (None: every checkpoint); the base is evaluated at every checkpoint, since its
    # policy checkpoint is chosen among them
    checkpoints: tuple[float, ...] | None = None


@dataclass(frozen=True)
class BankConfig:
    """The sample bank: many base-model solutions per test problem, scored once by every verifier."""

    samples: int = 16  # per test problem; curves over N subsample it
    temperature: float = 1.0
    subset_trials: int = 100  # random subsets averaged per point of a curve over N
    # samples per question whose PRM scores estimate difficulty when compute-optimal scaling
    # pays for its estimate (notebook 06; the paper's predicted bins use 2048, uncharged)
    difficulty_samples: tuple[int, ...] = (4,)

    def validate(self) -> None:
        _check(self.samples >= 1, "bank.samples must be >= 1")
        _check(
            all(1 <= k <= self.samples for k in self.difficulty_samples),
            "bank.difficulty_samples: sample counts between 1 and bank.samples",
        )
        _check(self.temperature > 0, "bank.temperature must be positive")
        _check(self.subset_trials >= 1, "bank.subset_trials must be >= 1")


@dataclass(frozen=True)
class SearchConfig:
    """Budgets and limits of the PRM-guided searches (notebook 04)."""

    budgets: tuple[int, ...] = (1, 4, 16)  # generation budgets N of beam search and DVTS
    lookahead_budgets: tuple[int, ...] = (4,)  # N for lookahead (it costs N(k + 1))
    max_rounds: int = 40  # the paper's cap on expansion rounds
    step_tokens: int = 16  # a step longer than this ends the candidate
    max_rows: int = 4096  # rows decoded together (questions x N): bounds KV-cache memory

    def validate(self) -> None:
        for name in ("budgets", "lookahead_budgets"):
            values = getattr(self, name)
            _check(
                values and list(values) == sorted(set(values)) and values[0] >= 1,
                f"search.{name}: increasing positive budgets",
            )
        _check(
            self.max_rounds >= 1 and self.step_tokens >= 1, "search: max_rounds, step_tokens >= 1"
        )
        _check(self.max_rows >= max(self.budgets), "search.max_rows must hold one question's rows")


@dataclass(frozen=True)
class RevisionConfig:
    """The revision model: its training data and finetuning (Snell et al. 2024, section 6)."""

    samples_per_problem: int = 8  # base-model attempts per revision_train question (paper: 64)
    temperature: float = 1.0
    epochs: int = 2  # passes over the revision examples
    lr: float = 1e-3
    batch_size: int = 16
    # evenly spaced; held-out loss is measured at each, and the checkpoint after the
    # minimum is kept (the paper took one slightly past the validation minimum)
    checkpoints: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    holdout_frac: float = 0.1  # revision_train questions held out for that choice

    def validate(self) -> None:
        _check(
            self.samples_per_problem >= 2 and self.epochs >= 1 and self.batch_size >= 1,
            "revisions: samples_per_problem >= 2, epochs >= 1, batch_size >= 1",
        )
        _check(self.temperature > 0 and self.lr > 0, "revisions: temperature and lr positive")
        n = len(self.checkpoints)
        _check(
            list(self.checkpoints) == [(i + 1) / n for i in range(n)],
            "revisions.checkpoints must be evenly spaced and end at 1.0, e.g. [0.25, 0.5, 0.75, 1.0]",
        )
        _check(0 < self.holdout_frac < 1, "revisions.holdout_frac must be in (0, 1)")


@dataclass(frozen=True)
class ChainConfig:
    """Revision chains at test time and the revision ORM (Snell et al. 2024, section 6).

    Every test question gets `chains` chains of `length` attempts; a budget N = s x p reads
    p of the chains up to attempt s, so the seq:par ratios evaluable at N are those with
    s <= length and p <= chains.
    """

    chains: int = 4  # parallel chains per test question
    length: int = 4  # attempts per chain
    budgets: tuple[int, ...] = (4, 16)  # budgets of the seq:par sweep; the last is split by bin
    trials: int = 16  # random choices of p chains averaged per (question, s, p)
    orm_questions: int = 8  # prm_train questions whose chains (same shape) train the revision ORM
    batch_size: int = 64  # chains sampled together: every prompt differs, so wide batches pay

    def validate(self) -> None:
        _check(self.chains >= 1 and self.length >= 2, "chains: chains >= 1 and length >= 2")
        _check(
            list(self.budgets) == sorted(set(self.budgets))
            and all(n >= 2 and not n & (n - 1) for n in self.budgets),
            "chains.budgets: increasing powers of two >= 2",
        )
        _check(
            max(self.budgets) <= self.chains * self.length,
            "chains.budgets may not exceed chains x length",
        )
        _check(
            self.trials >= 1 and self.orm_questions >= 2, "chains: trials >= 1, orm_questions >= 2"
        )


@dataclass(frozen=True)
class ExchangeConfig:
    """Pretraining against test-time compute (notebook 07; Snell et al. 2024, section 7)."""

    # R = D_inference / D_pretrain at which a larger model is matched (the paper's arXiv values)
    r_values: tuple[float, ...] = (0.16, 0.79, 22.0)
    samples: int = 8  # bank samples per test question for every ladder checkpoint (the map)
    # fractions of each model's run that the map draws from (None: every checkpoint); the
    # base policy's checkpoint is always drawn
    checkpoints: tuple[float, ...] | None = None

    def validate(self) -> None:
        _check(self.r_values and min(self.r_values) > 0, "exchange.r_values: positive ratios")
        _check(self.samples >= 2, "exchange.samples must be >= 2")


@dataclass(frozen=True)
class VerifierConfig:
    """PRM labels from Monte Carlo rollouts, and PRM/ORM finetuning (Snell et al. 2024, section 5)."""

    samples_per_problem: int = 4  # base-model solutions per prm_train problem (paper: 16)
    rollouts_per_step: int = 4  # completions from every step prefix (paper: 16)
    temperature: float = 1.0  # of the sampled solutions and of the rollouts
    lr: float = 3e-4
    batch_size: int = 32
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 0.0
    dropout: float = 0.05
    max_epochs: int = 10
    patience: int = 2  # epochs without a better held-out loss before stopping
    holdout_frac: float = 0.1  # share of prm_train questions held out for early stopping

    def validate(self) -> None:
        _check(
            self.samples_per_problem >= 1 and self.rollouts_per_step >= 1,
            "verifier.samples_per_problem and verifier.rollouts_per_step must be >= 1",
        )
        _check(self.temperature > 0, "verifier.temperature must be positive")
        _check(self.lr > 0 and self.batch_size >= 1, "verifier: lr > 0 and batch_size >= 1")
        _check(0 <= self.dropout < 1, "verifier.dropout must be in [0, 1)")
        _check(self.max_epochs >= 1 and self.patience >= 1, "verifier: max_epochs, patience >= 1")
        _check(0 < self.holdout_frac < 1, "verifier.holdout_frac must be in (0, 1)")


@dataclass(frozen=True)
class RealConfig:
    """Your own model and problems (profile `real`): local paths, and how to read them.

    Relative paths resolve against the repository root, not the notebook's working directory.
    """

    policy_dir: str = ""  # a Hugging Face causal LM directory
    problems_path: str = ""  # MATH-style JSONL: problem, solution, answer (level, subject)
    prm_dir: str = ""  # empty with prm_style scalar: notebook 03 trains our PRM from the policy
    prm_style: str = "scalar"  # "scalar" (our PRM's directory) or "step_tag" (Math-Shepherd style)
    step_tag: str = " ки"  # step_tag PRMs: the tag after each step, and the rating tokens
    good_token: str = "+"
    bad_token: str = "-"
    shots: int = 4  # worked examples for the prompt: the file's first problems (never evaluated)
    max_solution_tokens: int = 1024
    dtype: str = "auto"  # "auto": bfloat16 on a GPU, float32 on CPU

    def path(self, name: str) -> Path:
        path = Path(getattr(self, name)).expanduser()
        return path if path.is_absolute() else REPO_ROOT / path

    def validate(self) -> None:
        model = "a local Hugging Face model directory (config.json, weights, tokenizer files)"
        self._exists("policy_dir", f"the path of {model} holding the policy (a causal LM)")
        self._exists(
            "problems_path",
            'the path of a JSONL file of MATH-style problems, one {"problem": ..., '
            '"solution": ..., "answer": ...} object per line',
        )
        _check(self.prm_style in PRM_STYLES, f"real.prm_style: one of {PRM_STYLES}")
        if self.prm_style == "step_tag" or self.prm_dir:
            self._exists(
                "prm_dir",
                f"the path of {model} holding the PRM (or, with prm_style scalar, leave it "
                "empty to train our PRM in notebook 03)",
            )
        _check(self.shots >= 0, "real.shots must be >= 0")
        _check(self.max_solution_tokens >= 1, "real.max_solution_tokens must be >= 1")
        _check(self.dtype in MODEL_DTYPES, f"real.dtype: one of {MODEL_DTYPES}")

    def _exists(self, name: str, what: str) -> None:
        if not getattr(self, name):
            raise ConfigError(f"real.{name} is empty: put {what} there (params/real.yaml)")
        path = self.path(name)
        if name == "problems_path":
            _check(path.is_file(), f"real.{name}: no file at {path}; put {what} there")
        else:
            _check(
                (path / "config.json").is_file(),
                f"real.{name}: no config.json in {path}; put {what} there",
            )


@dataclass(frozen=True)
class Profile:
    """Everything a run depends on; the cache keys derive from these values."""

    name: str
    description: str
    seed: int
    task: TaskConfig = field(default_factory=TaskConfig)
    splits: SplitConfig = field(default_factory=SplitConfig)
    ladder: tuple[ModelSpec, ...] = ()
    base_model: str = ""
    # The base policy is the earliest checkpoint of `base_model` whose validation greedy
    # pass@1, averaged over levels, reaches `base_target` (a compute-limited base, chosen on
    # validation); None: its final checkpoint.
    base_target: float | None = None
    large_model: str = ""
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    bank: BankConfig = field(default_factory=BankConfig)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    revisions: RevisionConfig = field(default_factory=RevisionConfig)
    chains: ChainConfig = field(default_factory=ChainConfig)
    exchange: ExchangeConfig = field(default_factory=ExchangeConfig)
    real: RealConfig = field(default_factory=RealConfig)
    cell_timeout_s: int = 1800
    budget_minutes: dict[str, float] = field(default_factory=dict)

    @property
    def is_real(self) -> bool:
        return self.name == REAL_PROFILE

    def validate(self) -> None:
        if self.is_real:
            self.real.validate()
        else:
            _check(
                self.real == RealConfig(),
                f"{self.name}: 'real' (your model and data) belongs in params/real.yaml only",
            )
        self.task.validate()
        self.splits.validate()
        self.train.validate()
        self.bank.validate()
        self.verifier.validate()
        self.search.validate()
        self.revisions.validate()
        self.chains.validate()
        self.exchange.validate()
        _check(
            max(self.search.budgets) <= self.bank.samples,
            "search.budgets may not exceed bank.samples (best-of-N is drawn from the bank)",
        )
        _check(
            self.chains.length <= self.bank.samples,
            "chains.length may not exceed bank.samples (the elimination control draws from the bank)",
        )
        _check(self.cell_timeout_s > 0, "cell_timeout_s must be positive")
        _check(
            self.base_target is None or (0 < self.base_target <= 1 and not self.is_real),
            "base_target: a pass@1 in (0, 1] (modgraph profiles only), or null",
        )
        _check(
            self.eval.checkpoints is None
            or set(self.eval.checkpoints) <= set(self.train.checkpoints),
            "eval.checkpoints: fractions listed in train.checkpoints",
        )
        _check(
            self.exchange.checkpoints is None
            or set(self.exchange.checkpoints) <= set(self.train.checkpoints),
            "exchange.checkpoints: fractions listed in train.checkpoints",
        )
        if not self.is_real:
            self._validate_ladder()

    def _validate_ladder(self) -> None:
        names = [m.name for m in self.ladder]
        _check(
            len(names) == len(set(names)) and names,
            "ladder: model names must be unique and non-empty",
        )
        for spec in self.ladder:
            spec.validate()
        _check(
            self.base_model in names, f"base_model {self.base_model!r} is not in the ladder {names}"
        )
        _check(
            self.large_model in names,
            f"large_model {self.large_model!r} is not in the ladder {names}",
        )

    def model(self, name: str) -> ModelSpec:
        for spec in self.ladder:
            if spec.name == name:
                return spec
        raise ConfigError(f"no model named {name!r} in the {self.name} ladder")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


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
