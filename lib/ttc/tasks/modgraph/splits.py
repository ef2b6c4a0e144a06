"""Fixed, deduplicated splits and a pretraining stream that never repeats them.

Each split draws from its own seeded generator, so changing one split's size does not
change the others. Problems are identified by their twin key (a chain up to its prompt order,
a dependency graph up to renaming): a problem in one split, or any twin of it, is skipped
everywhere else, including the pretraining corpus, whose twin keys are stored with it so
that the overlap can be checked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ...config import SplitConfig, TaskConfig
from ...ragged import pack
from .generator import Problem, generate_problem
from .tokenizer import encode

SPLIT_NAMES = ("test", "validation", "prm_train", "revision_train")


@dataclass(frozen=True)
class Splits:
    test: tuple[Problem, ...]
    validation: tuple[Problem, ...]
    prm_train: tuple[Problem, ...]
    revision_train: tuple[Problem, ...]

    def keys(self) -> set[str]:
        return {p.twin_key for name in SPLIT_NAMES for p in getattr(self, name)}

    def sizes(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in SPLIT_NAMES}


def split_rng(seed: int, name: str) -> random.Random:
    return random.Random(f"modgraph/{seed}/{name}")


def make_splits(task: TaskConfig, sizes: SplitConfig, seed: int) -> Splits:
    """Test and training splits are uniform over levels; validation has a fixed count per level."""
    taken: set[str] = set()

    def draw(name: str, levels: list[int]) -> tuple[Problem, ...]:
        rng = split_rng(seed, name)
        out = []
        for level in levels:
            for _ in range(10_000):
                problem = generate_problem(task, rng, n_ops=level)
                if problem.twin_key not in taken:
                    break
            else:
                raise RuntimeError(
                    f"could not draw a new level-{level} problem for {name}: the task space is too small"
                )
            taken.add(problem.twin_key)
            out.append(problem)
        return tuple(out)

    def uniform(name: str, n: int) -> list[int]:
        rng = split_rng(seed, name + "/levels")
        return [rng.choice(task.levels) for _ in range(n)]

    return Splits(
        test=draw("test", uniform("test", sizes.test)),
        validation=draw(
            "validation", [lvl for lvl in task.levels for _ in range(sizes.validation_per_level)]
        ),
        prm_train=draw("prm_train", uniform("prm_train", sizes.prm_train)),
        revision_train=draw("revision_train", uniform("revision_train", sizes.revision_train)),
    )


def reference_solution(problem: Problem) -> str:
    """A fixed reference solution per problem (one valid topological order, seeded by its key)."""
    return problem.solution_text(random.Random(problem.key))


def max_solution_tokens(problem: Problem) -> int:
    """Room for twice the reference solution: a model that takes detours still finishes."""
    return 2 * len(reference_solution(problem).split()) + 8


def build_corpus(
    task: TaskConfig, seed: int, n_tokens: int, exclude: set[str], chunk: int = 2048
) -> dict[str, np.ndarray]:
    """Fresh problems until `n_tokens` tokens, excluding held-out problems.

    Returns flat uint8 token ids with per-sequence offsets, prompt lengths (the loss covers
    solution tokens only) and each problem's twin key as an integer (`twin_ints`); every
    ladder model trains on this same corpus.
    """
    rng = split_rng(seed, "pretrain")
    ids: list[np.ndarray] = []
    prompt_lens: list[int] = []
    twins: list[int] = []
    total = 0
    with tqdm(total=n_tokens, desc="corpus", unit="tok", unit_scale=True) as bar:
        while total < n_tokens:
            problems = [generate_problem(task, rng) for _ in range(chunk)]
            problems = [p for p in problems if p.twin_key not in exclude]
            prompts = encode([p.prompt_text() for p in problems])
            solutions = encode([p.solution_text(rng) for p in problems])
            for problem, prompt, solution in zip(problems, prompts, solutions, strict=True):
                seq = np.asarray(prompt + solution, dtype=np.uint8)
                ids.append(seq)
                prompt_lens.append(len(prompt))
                twins.append(twin_int(problem))
                total += len(seq)
                bar.update(len(seq))
                if total >= n_tokens:
                    break
    flat, offsets = pack(ids, np.uint8)
    return {
        "ids": flat,
        "offsets": offsets,
        "prompt_lens": np.array(prompt_lens, dtype=np.int64),
        "twin_ints": np.array(twins, dtype=np.int64),
    }


def twin_int(problem: Problem) -> int:
    """The twin key as a non-negative int64 (its first 60 bits)."""
    return int(problem.twin_key[:15], 16)


def twin_overlap(splits: Splits, corpus_twins: np.ndarray) -> pd.DataFrame:
    """For each level, how many test problems have a twin (the same exercise: `Problem.twin_key`)
    in the pretraining corpus, the PRM-training or the revision-training split."""
    sources = {
        "corpus": set(corpus_twins.tolist()),
        "prm_train": {twin_int(p) for p in splits.prm_train},
        "revision_train": {twin_int(p) for p in splits.revision_train},
    }
    rows = [
        {"level": p.level, **{name: twin_int(p) in keys for name, keys in sources.items()}}
        for p in splits.test
    ]
    table = pd.DataFrame(rows).groupby("level").agg(["size", "sum"])
    out = pd.DataFrame({"test": table[("corpus", "size")]})
    for name in sources:
        out[f"twins_in_{name}"] = table[(name, "sum")]
    return out.reset_index()
