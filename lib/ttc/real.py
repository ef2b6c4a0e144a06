"""The `real` profile's inputs in one call: your policy, PRM and MATH-style problems.

The first `real.shots` problems of the file are the prompt's worked examples; the rest are
shuffled with the profile's seed and split into test, prm_train and revision_train (in
that order, `splits.*` problems each), so that PRM training and revision data never see
a test question; repeated problems are dropped first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .config import ConfigError, Profile
from .models.hub import generation_config, load_policy, load_tokenizer, solution_end_ids
from .tasks.mathqa import MathProblem, MathTask, SkippedProblem, load_problems
from .verifiers.hub import load_prm
from .verifiers.scorers import StepScorer

SPLIT_NAMES = ("test", "prm_train", "revision_train")


@dataclass
class RealRun:
    policy: Any
    tokenizer: Any
    task: MathTask
    prm: StepScorer | None  # None: no PRM directory given; notebook 03 trains ours
    splits: dict[str, tuple[MathProblem, ...]]
    skipped: tuple[SkippedProblem, ...]  # problems whose gold answer does not parse


def normalised(text: str) -> str:
    """A problem's text up to case and whitespace: what counts as the same question."""
    return " ".join(text.lower().split())


def deduplicated(problems: tuple[MathProblem, ...]) -> tuple[tuple[MathProblem, ...], list]:
    """The problems without repeats of an earlier one (normalised text), and the repeats as
    (line, line of the first occurrence)."""
    first: dict[str, int] = {}
    kept, repeats = [], []
    for p in problems:
        key = normalised(p.problem)
        if key in first:
            repeats.append((p.line, first[key]))
        else:
            first[key] = p.line
            kept.append(p)
    return tuple(kept), repeats


def real_splits(profile: Profile, problems: tuple[MathProblem, ...]):
    """(shots, {split name: problems}) for the real profile. Repeated problems (the same
    normalised text, including repeats of a worked example) are dropped, and reported, before
    splitting, so that no test question is also a training question or a shot."""
    problems, repeats = deduplicated(problems)
    if repeats:
        shown = ", ".join(f"line {a} (= line {b})" for a, b in repeats[:5])
        more = f" and {len(repeats) - 5} more" if len(repeats) > 5 else ""
        print(f"real: dropped {len(repeats)} repeated problems: {shown}{more}")
    shots, rest = problems[: profile.real.shots], list(problems[profile.real.shots :])
    sizes = [getattr(profile.splits, name) for name in SPLIT_NAMES]
    if len(rest) < sum(sizes):
        raise ConfigError(
            f"real.problems_path holds {len(rest)} gradable problems after {len(shots)} shots, "
            f"but splits ask for {sum(sizes)} ({dict(zip(SPLIT_NAMES, sizes, strict=True))}): "
            "lower splits.test / prm_train / revision_train or add problems"
        )
    random.Random(profile.seed).shuffle(rest)
    splits, start = {}, 0
    for name, size in zip(SPLIT_NAMES, sizes, strict=True):
        splits[name] = tuple(rest[start : start + size])
        start += size
    return shots, splits


def real_problems(profile: Profile):
    """(shots, {split name: problems}, skipped problems) of the real profile's problem file."""
    data = load_problems(profile.real.path("problems_path"))
    return *real_splits(profile, data.problems), data.skipped


def real_task(profile: Profile, shots, tokenizer=None) -> MathTask:
    """The task over the policy's tokenizer and end tokens (no weights are loaded)."""
    cfg = profile.real
    tokenizer = tokenizer or load_tokenizer(cfg.path("policy_dir"), "policy")
    end_ids = solution_end_ids(generation_config(cfg.path("policy_dir")), tokenizer)
    return MathTask(tokenizer, end_ids, shots, cfg.max_solution_tokens)


def real_prm(profile: Profile, tokenizer, device: str) -> StepScorer | None:
    """The PRM of `real.prm_dir` as a step scorer; None when none is given."""
    cfg = profile.real
    if not cfg.prm_dir:
        return None
    return load_prm(
        cfg.path("prm_dir"), cfg.prm_style, policy_tokenizer=tokenizer,
        step_tag=cfg.step_tag, good=cfg.good_token, bad=cfg.bad_token,
        device=device, dtype=cfg.dtype,
    )  # fmt: skip


def open_real(profile: Profile, device: str) -> RealRun:
    """Load the policy, the PRM (if a directory is given) and the problems of a real profile."""
    if not profile.is_real:
        raise ConfigError(f"profile {profile.name!r} runs modgraph; open_real needs 'real'")
    shots, splits, skipped = real_problems(profile)
    policy, tokenizer = load_policy(profile.real.path("policy_dir"), device, profile.real.dtype)
    task = real_task(profile, shots, tokenizer)
    return RealRun(policy, tokenizer, task, real_prm(profile, tokenizer, device), splits, skipped)
