"""What a run studies: the modgraph study (its generated splits, the ladder's base checkpoint,
a PRM trained in notebook 03) or a real model and problem file (`params/real.yaml`: your
policy directory, MATH-style problems, optionally an external PRM). One object per kind of
run supplies the task, the splits, the policy and their cache identities, so no later stage
asks which kind of run it is in; which notebooks apply is in each notebook's metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from transformers import AutoConfig

from .. import cache
from ..config import ModelSpec, Profile
from ..models.hub import load_policy as load_hub_policy
from ..models.hub import resolve_dtype
from ..models.ladder import load_model
from ..policy import Policy, engine_policy, model_policy
from ..real import real_problems, real_task
from ..sampling.vllm_engine import VllmEngine, open_engine
from ..tasks.base import Task
from ..tasks.modgraph import Splits
from ..tasks.modgraph.task import ModgraphTask
from .base_models import _pretrain_inputs, model_run, policy_checkpoint
from .data import _splits_inputs as _modgraph_splits_inputs
from .data import load_splits as _load_modgraph_splits


@dataclass(frozen=True)
class ModgraphStudy:
    """The study's own substrate: generated splits, a ladder checkpoint as the base policy."""

    profile: Profile
    external_prm = False  # the PRM is trained in notebook 03

    def splits_inputs(self) -> dict:
        return _modgraph_splits_inputs(self.profile)

    def splits(self) -> Splits:
        return _load_modgraph_splits(self.profile)

    def task(self) -> Task:
        return ModgraphTask()

    def policy_dir(self) -> Path:
        """The base model's policy checkpoint (`policy_checkpoint`)."""
        p = self.profile
        return model_run(p, p.base_model) / policy_checkpoint(p, p.base_model)

    def load_policy(self, device: str):
        return load_model(self.policy_dir(), device)

    def policy_identity(self) -> dict:
        p = self.profile
        policy = _pretrain_inputs(p, p.base_model)
        if p.base_target is not None:
            policy["checkpoint"] = policy_checkpoint(p, p.base_model)
        return policy

    def engine(self, directory: Path, device: str) -> None:
        return None  # the ladder's models are sampled by the native decoder

    def policy_spec(self) -> ModelSpec:
        return self.profile.model(self.profile.base_model)


_REAL_TASKS: dict[str, Task] = {}  # tokenizer and newline ids, loaded once per process


@dataclass(frozen=True)
class RealModel:
    """Your policy directory and problem file (no validation split), and `real.prm_dir` as
    the PRM when it is given."""

    profile: Profile

    @property
    def external_prm(self) -> bool:
        return bool(self.profile.real.prm_dir)

    def splits_inputs(self) -> dict:
        p = self.profile
        return {
            "problems": cache.file_digest(p.real.path("problems_path")),
            "shots": p.real.shots,
            "splits": asdict(p.splits),
            "seed": p.seed,
        }

    def splits(self) -> Splits:
        _, splits, _ = real_problems(self.profile)
        return Splits(validation=(), **splits)

    def task(self) -> Task:
        """MATH-style problems over the policy's tokenizer (its prompts show the problem
        file's first `real.shots`)."""
        real = asdict(self.profile.real)
        key = cache.artifact_key("task", {**self.splits_inputs(), "real": real})
        if key not in _REAL_TASKS:
            shots, _, _ = real_problems(self.profile)
            _REAL_TASKS[key] = real_task(self.profile, shots)
        return _REAL_TASKS[key]

    def policy_dir(self) -> Path:
        return self.profile.real.path("policy_dir")

    def load_policy(self, device: str):
        return load_hub_policy(self.policy_dir(), device, self.profile.real.dtype)[0]

    def policy_identity(self) -> dict:
        r = self.profile.real
        identity = {
            "directory": cache.directory_identity(self.policy_dir()),
            "dtype": r.dtype,
            "max_solution_tokens": r.max_solution_tokens,
            "engine": r.engine,
        }
        if r.engine == "vllm":
            identity["vllm"] = asdict(r.vllm)
        return identity

    def engine(self, directory: Path, device: str) -> VllmEngine | None:
        """The vLLM engine serving `directory` (the policy, or a model finetuned from it)
        under `real.engine: vllm`, in the dtype the native path would use on `device`; None
        with the native decoder."""
        r = self.profile.real
        if r.engine != "vllm":
            return None
        dtype = str(resolve_dtype(r.dtype, device)).removeprefix("torch.")
        return open_engine(directory, r.vllm, dtype, self.profile.seed)

    def policy_spec(self) -> ModelSpec:
        """The shape read from the policy's config (for the FLOPs count of finetuning)."""
        c = AutoConfig.from_pretrained(self.policy_dir())
        size = (c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size)
        return ModelSpec("policy", *size)


Substrate = ModgraphStudy | RealModel


def substrate_of(profile: Profile) -> Substrate:
    """The kind of run a profile describes: `real` is a real model, every other profile the
    modgraph study."""
    return RealModel(profile) if profile.is_real else ModgraphStudy(profile)


# What later stages ask of the substrate, by profile.
def load_splits(profile: Profile) -> Splits:
    return substrate_of(profile).splits()


def task_of(profile: Profile) -> Task:
    """The task the profile's problems are posed in."""
    return substrate_of(profile).task()


def _splits_inputs(profile: Profile) -> dict:
    return substrate_of(profile).splits_inputs()


def base_policy_dir(profile: Profile) -> Path:
    """The policy that is sampled and that verifiers start from."""
    return substrate_of(profile).policy_dir()


def load_policy(profile: Profile, device: str):
    """The base policy's model on `device` (a real policy in `real.dtype`)."""
    return substrate_of(profile).load_policy(device)


def sampling_policy(
    profile: Profile,
    device: str,
    temperature: float,
    batch_size: int,
    *,
    progress: bool = True,
    directory: Path | None = None,
) -> Policy:
    """What samples whole solutions from the base policy, or from the model in `directory`
    (finetuned from it): the profile's engine (vLLM, or the native decoder in `batch_size`
    rows)."""
    substrate, task = substrate_of(profile), task_of(profile)
    engine = substrate.engine(directory or substrate.policy_dir(), device)
    if engine is not None:
        return engine_policy(engine, temperature, progress, task=task)
    model = load_model(directory, device) if directory else substrate.load_policy(device)
    return model_policy(model, temperature, batch_size, progress, task=task)


def search_policy(profile: Profile, device: str):
    """What tree search samples steps from: the base policy's vLLM engine, or its model."""
    substrate = substrate_of(profile)
    return substrate.engine(substrate.policy_dir(), device) or substrate.load_policy(device)


def _policy_inputs(profile: Profile) -> dict:
    # the sampler's batch size is an input: the same seed gives the same samples per batch size
    policy = substrate_of(profile).policy_identity()
    return {"policy": policy, "sample_batch_size": profile.eval.batch_size}


def _base_spec(profile: Profile) -> ModelSpec:
    """The base policy's shape (for the FLOPs count of finetuning)."""
    return substrate_of(profile).policy_spec()
