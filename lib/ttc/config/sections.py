"""The sections of a profile that describe the data and the models: the task, the splits, the
ladder, pretraining, evaluation and the sample bank; and the error every check raises."""

from __future__ import annotations

from dataclasses import dataclass

PROFILES = ("smoke", "cpu", "full")  # the study on modgraph, with its own model ladder


REAL_PROFILE = "real"  # a user's own model and MATH-style problems (notebooks 03-06)


# what only the modgraph study has: every study profile spells them out, `real` has none
MODGRAPH_SECTIONS = ("task", "ladder", "base_model", "large_model", "train")


PRM_STYLES = ("scalar", "step_tag")


MODEL_DTYPES = ("auto", "float32", "bfloat16", "float16")


class ConfigError(ValueError):
    """A parameter file or override that cannot be used; the message says how to fix it."""


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


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
