"""The sections of a profile that describe the test-time methods and their analysis: search,
verifiers, revisions and their chains, the compute exchange, and a real model's inputs."""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import REPO_ROOT
from .sections import MODEL_DTYPES, PRM_STYLES, ConfigError, _check


@dataclass(frozen=True)
class SearchConfig:
    """Budgets and limits of the PRM-guided searches (notebook 04)."""

    budgets: tuple[int, ...] = (1, 4, 16)  # generation budgets N of beam search and DVTS
    lookahead_budgets: tuple[int, ...] = (4,)  # N for lookahead (it costs N(k + 1))
    max_rounds: int = 40  # the paper's cap on expansion rounds
    step_tokens: int = 16  # a step longer than this ends the candidate
    max_rows: int = 4096  # rows decoded together (questions x N): bounds KV-cache memory
    # particle filtering: weights softmax(logit(PRM score) / T) (Puri et al. 2025 use 1)
    particle_temperature: float = 1.0

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
        _check(self.particle_temperature > 0, "search.particle_temperature must be positive")


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


ENGINES = ("native", "vllm")  # what samples from a real policy
VLLM_INSTALL = (
    "pip install -e '.[vllm]' (GPU build), or `make vllm`, which installs the CPU build "
    "on machines without CUDA"
)


def vllm_installed() -> bool:
    """Whether the optional vLLM engine can be imported (`VLLM_INSTALL` says how to get it)."""
    return importlib.util.find_spec("vllm") is not None


@dataclass(frozen=True)
class VllmConfig:
    """vLLM's engine settings under `real.engine: vllm`, passed through to `vllm.LLM`.

    The PRM (and, in notebook 05, the revision model's finetuning) share the GPU with vLLM,
    which reserves `gpu_memory_utilization` of each GPU's memory up front (on a CPU, of the
    machine's memory) for the weights and its KV cache.
    """

    tensor_parallel_size: int = 1  # GPUs one copy of the model is split over
    data_parallel_size: int = 1  # copies of the model: 1 only, see `validate`
    gpu_memory_utilization: float = 0.5
    kv_cache_gib: float = 0.0  # > 0: this much KV cache instead (GiB, per GPU or on the CPU)
    max_model_len: int = 0  # 0: the model's own context length
    enable_prefix_caching: bool = True  # step-level search re-sends every row's prefix
    enforce_eager: bool = False  # True: no CUDA graphs or compilation (faster start)
    max_num_seqs: int = 256  # requests decoded together

    def validate(self) -> None:
        _check(self.tensor_parallel_size >= 1, "real.vllm.tensor_parallel_size must be >= 1")
        _check(
            self.data_parallel_size == 1,
            "real.vllm.data_parallel_size must be 1: vLLM's offline engine (0.32) serves one "
            "copy of the model per process, and data parallelism needs one process per copy, "
            "which the study does not launch; split a model over GPUs with "
            "tensor_parallel_size, or run disjoint problem files on separate GPUs",
        )
        _check(
            0.0 < self.gpu_memory_utilization <= 1.0,
            "real.vllm.gpu_memory_utilization must be in (0, 1]",
        )
        _check(self.kv_cache_gib >= 0, "real.vllm.kv_cache_gib must be >= 0 (0: by utilization)")
        _check(self.max_model_len >= 0, "real.vllm.max_model_len must be >= 0 (0: the model's)")
        _check(self.max_num_seqs >= 1, "real.vllm.max_num_seqs must be >= 1")


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
    engine: str = "native"  # what samples from the policy: our decoder, or "vllm"
    vllm: VllmConfig = field(default_factory=VllmConfig)

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
        if self.engine not in ENGINES:
            close = difflib.get_close_matches(self.engine, ENGINES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"real.engine: unknown engine {self.engine!r}{hint}; one of {ENGINES}"
            )
        self.vllm.validate()
        _check(
            self.engine != "vllm" or vllm_installed(),
            f"real.engine is 'vllm' but vLLM is not installed: {VLLM_INSTALL}",
        )

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
