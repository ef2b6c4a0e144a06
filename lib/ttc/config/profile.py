"""A profile: every section together, validated as a whole."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .methods import (
    ChainConfig,
    ExchangeConfig,
    RealConfig,
    RevisionConfig,
    SearchConfig,
    VerifierConfig,
)
from .sections import (
    REAL_PROFILE,
    BankConfig,
    ConfigError,
    EvalConfig,
    ModelSpec,
    SplitConfig,
    TaskConfig,
    TrainConfig,
    _check,
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
    # The base policy is the checkpoint of `base_model` at which its validation greedy pass@1,
    # averaged over levels, crosses `base_target` (of the last checkpoint below and the first
    # at or above, the nearer; a compute-limited base, chosen on validation); None: its final
    # checkpoint.
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
