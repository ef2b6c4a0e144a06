"""The pipeline's expensive steps, cached by the hash of their inputs.

Each stage is keyed by exactly the profile fields it depends on, so a re-run with nothing
changed returns in seconds and a changed knob rebuilds only what it touches. A stage that
needs the output of an earlier notebook says which notebook to run when it is missing.

The `real` profile runs the stages of notebooks 03-06 on your policy directory and
MATH-style problems: its keys hold the policy's (and an external PRM's) directory identity
and a hash of the problem file instead of the modgraph task and model ladder.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file
from transformers import AutoConfig

from . import cache, runtime
from .bank import SampleBank, draw_bank
from .config import ModelSpec, Profile
from .models.evaluate import earliest_reaching, greedy_pass_at_1, role_losses
from .models.hub import load_policy as load_hub_policy
from .models.ladder import load_model
from .models.pretrain import checkpoint_name, corpus_loss, pretrain, read_metrics
from .ragged import pack, unpack
from .real import real_prm, real_problems, real_task
from .revisions import (
    ChainBank,
    RevisionExample,
    attempt_items,
    draw_chains,
    revision_corpus,
    revision_examples,
    split_outcomes,
    study_splits,
)
from .search import method_arguments, tree_search
from .tasks.base import Task
from .tasks.modgraph import (
    Problem,
    Splits,
    build_corpus,
    make_splits,
    problem_from_dict,
    problem_to_dict,
)
from .tasks.modgraph.splits import SPLIT_NAMES
from .tasks.modgraph.task import ModgraphTask
from .verifiers import (
    KINDS,
    LabelledSolution,
    aggregate,
    as_scorer,
    init_verifier,
    load_verifier,
    model_policy,
    rollout_labels,
    score_steps,
    scoring_items,
    train_verifier,
    training_items,
)

SPLITS_VERSION = 2  # 2: no twins (up to renaming and prompt order) across splits
CORPUS_VERSION = 2  # 2: twin keys stored, twins of held-out problems skipped
PRETRAIN_VERSION = 1
EVAL_VERSION = 1
LABELS_VERSION = 1
VERIFIER_VERSION = 1
BANK_VERSION = 1
SCORES_VERSION = 1
REVISION_DATA_VERSION = 1
REVISION_MODEL_VERSION = 1
SEARCH_VERSION = 3  # 2: the PRM reads each step in one chunked forward; 3: one cache copy
# per prompt (float rounding differs) and noise drawn for live rows only (a new random stream)
CHAINS_VERSION = 1
REVISION_VERIFIER_VERSION = 1
CHAIN_SCORES_VERSION = 1
OUTCOMES_VERSION = 1
LABEL_CHUNK = 100  # prm_train problems per resumable chunk of rollout labelling
BANK_CHUNK = 50  # test problems per resumable chunk of the sample bank
CHAIN_CHUNK = 50  # questions per resumable chunk of revision chains


class MissingUpstream(RuntimeError):
    """An artifact that an earlier notebook produces has not been built yet."""


def _require(kind: str, inputs, version: int, notebook: str) -> Path:
    path = cache.lookup(kind, inputs, version)
    if path is None:
        raise MissingUpstream(
            f"no {kind} artifact for this profile: run notebooks/{notebook}.ipynb first "
            f"(e.g. `make nb NB={notebook[:2]} PROFILE=...`)"
        )
    return path


# --- data (notebook 01) ---------------------------------------------------------------


def _splits_inputs(profile: Profile) -> dict:
    if profile.is_real:
        return {
            "problems": cache.file_digest(profile.real.path("problems_path")),
            "shots": profile.real.shots,
            "splits": asdict(profile.splits),
            "seed": profile.seed,
        }
    return {"task": asdict(profile.task), "splits": asdict(profile.splits), "seed": profile.seed}


def _corpus_inputs(profile: Profile) -> dict:
    return {**_splits_inputs(profile), "tokens": profile.train.tokens}


def build_splits(profile: Profile) -> Splits:
    def build(work: Path) -> None:
        splits = make_splits(profile.task, profile.splits, profile.seed)
        data = {name: [problem_to_dict(p) for p in getattr(splits, name)] for name in SPLIT_NAMES}
        (work / "splits.json").write_text(json.dumps(data))

    cache.artifact("splits", _splits_inputs(profile), build, SPLITS_VERSION)
    return load_splits(profile)


def load_splits(profile: Profile) -> Splits:
    if profile.is_real:  # read from the problem file (no validation split)
        _, splits, _ = real_problems(profile)
        return Splits(validation=(), **splits)
    path = _require("splits", _splits_inputs(profile), SPLITS_VERSION, "01_data_prep")
    data = json.loads((path / "splits.json").read_text())
    return Splits(**{name: tuple(problem_from_dict(d) for d in data[name]) for name in SPLIT_NAMES})


def build_pretraining_corpus(profile: Profile) -> dict[str, np.ndarray]:
    splits = build_splits(profile)

    def build(work: Path) -> None:
        save_file(
            build_corpus(profile.task, profile.seed, profile.train.tokens, splits.keys()),
            str(work / "corpus.safetensors"),
        )

    cache.artifact("corpus", _corpus_inputs(profile), build, CORPUS_VERSION)
    return load_pretraining_corpus(profile)


def load_pretraining_corpus(profile: Profile) -> dict[str, np.ndarray]:
    path = _require("corpus", _corpus_inputs(profile), CORPUS_VERSION, "01_data_prep")
    return load_file(str(path / "corpus.safetensors"))


# --- base models (notebook 02) --------------------------------------------------------


def _pretrain_inputs(profile: Profile, name: str, seed: int | None = None) -> dict:
    inputs = {
        "corpus": _corpus_inputs(profile),
        "model": asdict(profile.model(name)),
        "train": asdict(profile.train),
        "eval": asdict(profile.eval),
    }
    if seed is not None and seed != profile.seed:  # another initialisation and batch order
        inputs["train_seed"] = seed
    return inputs


def loss_probe(profile: Profile, splits: Splits) -> list:
    """The fixed validation subset on which loss by role is tracked during training."""
    k = profile.eval.loss_problems_per_level
    return [
        p
        for level in profile.task.levels
        for p in [q for q in splits.validation if q.n_ops == level][:k]
    ]


def train_model(profile: Profile, name: str, device: str, seed: int | None = None) -> Path:
    """Pretrain one ladder model (resuming an interrupted run); returns its artifact directory.
    `seed` (default: the profile's) sets the initialisation and batch order, not the data."""
    splits = load_splits(profile)
    probe = loss_probe(profile, splits)

    def build(work: Path) -> None:
        corpus = load_pretraining_corpus(profile)
        pretrain(
            profile.model(name),
            profile.train,
            corpus,
            work,
            profile.seed if seed is None else seed,
            device,
            evaluate=lambda model: {
                "role_loss": role_losses(model, probe, profile.eval.batch_size)
            },
        )

    inputs = _pretrain_inputs(profile, name, seed)
    return cache.artifact("pretrain", inputs, build, PRETRAIN_VERSION)


def model_run(profile: Profile, name: str, seed: int | None = None) -> Path:
    """A finished pretraining run (notebook 02 builds it; `python -m ttc.calibrate` other seeds)."""
    inputs = _pretrain_inputs(profile, name, seed)
    return _require("pretrain", inputs, PRETRAIN_VERSION, "02_base_models")


def ladder_metrics(profile: Profile) -> pd.DataFrame:
    """One row per model: size, tokens, FLOPs (6ND and counted), throughput, wall time."""
    rows = []
    for spec in profile.ladder:
        m = read_metrics(model_run(profile, spec.name))
        rows.append(
            {
                "model": spec.name,
                "d_model": spec.d_model,
                "n_layers": spec.n_layers,
                "n_params": m["n_params"],
                "tokens": m["tokens_seen"],
                "flops_6nd": m["flops_6nd"],
                "flops_counted": m["flops_counted"],
                "tokens_per_s": m["tokens_per_s"],
                "wall_s": m["wall_s"],
                "device": m["device"],
            }
        )
    return pd.DataFrame(rows)


def policy_metrics(profile: Profile) -> pd.DataFrame:
    """One row per ladder model: the checkpoint that acts as it (`policy_checkpoint`), its
    pretraining tokens and FLOPs (6ND), and its parameters: the compute the exchange
    compares."""
    rows = []
    for spec in profile.ladder:
        m = read_metrics(model_run(profile, spec.name))
        name = policy_checkpoint(profile, spec.name)
        ckpt = next(c for c in m["checkpoints"] if c["name"] == name)
        rows.append(
            {
                "model": spec.name,
                "checkpoint": name,
                "n_params": m["n_params"],
                "tokens": ckpt["tokens"],
                "flops_6nd": ckpt["flops_6nd"],
            }
        )
    return pd.DataFrame(rows).set_index("model")


def checkpoint_pass_at_1(
    profile: Profile, name: str, device: str, progress: bool = True, seed: int | None = None
) -> pd.DataFrame:
    """Greedy pass@1 on the validation split for every checkpoint of one model (cached);
    `seed`: a calibration run's training seed (default: the profile's)."""
    run = model_run(profile, name, seed)
    metrics = read_metrics(run)
    splits = load_splits(profile)
    frames = []
    for ckpt in metrics["checkpoints"]:

        def compute(ckpt=ckpt):
            model = load_model(run / ckpt["name"], device)
            frame = greedy_pass_at_1(
                model, splits.validation, profile.eval.batch_size, progress=progress
            )
            return frame.drop(columns="output").to_dict(orient="list")

        inputs = {
            "run": _pretrain_inputs(profile, name, seed),
            "checkpoint": ckpt["name"],
            "validation": _splits_inputs(profile),
        }
        frame = pd.DataFrame(cache.cached_json("pass_at_1", inputs, compute, EVAL_VERSION))
        frame["model"] = name
        frame["checkpoint"] = ckpt["name"]
        frame["fraction"] = ckpt["fraction"]
        frame["tokens"] = ckpt["tokens"]
        frame["flops_6nd"] = ckpt["flops_6nd"]
        frame["flops_counted"] = ckpt["flops_counted"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def training_history(profile: Profile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training loss curves and validation loss by token role over training, long format."""
    curves, roles = [], []
    for spec in profile.ladder:
        m = read_metrics(model_run(profile, spec.name))
        curves += [{"model": spec.name, **point} for point in m["curve"]]
        roles += [
            {"model": spec.name, "tokens": e["tokens"], "role": role, "loss": loss}
            for e in m["evals"]
            for role, loss in e["role_loss"].items()
        ]
    return pd.DataFrame(curves), pd.DataFrame(roles)


# --- verifiers and the sample bank (notebook 03) --------------------------------------


def policy_checkpoint(profile: Profile, name: str, seed: int | None = None) -> str:
    """The checkpoint of ladder model `name` that acts as that model: the final one, except
    for the base model under `base_target`, which is the earliest checkpoint whose validation
    greedy pass@1 (averaged over levels) reaches the target: a compute-limited base, chosen on
    the validation split from the per-checkpoint evaluations notebook 02 draws."""
    if name != profile.base_model or profile.base_target is None:
        return checkpoint_name(1.0)
    evals = checkpoint_pass_at_1(profile, name, runtime.device(), progress=False, seed=seed)
    return earliest_reaching(evals, profile.base_target)


def base_policy_dir(profile: Profile) -> Path:
    """The policy that is sampled and that verifiers start from: the base model's policy
    checkpoint (`policy_checkpoint`), or `real.policy_dir`."""
    if profile.is_real:
        return profile.real.path("policy_dir")
    return model_run(profile, profile.base_model) / policy_checkpoint(profile, profile.base_model)


def load_policy(profile: Profile, device: str):
    """The base policy's model on `device` (a real policy in `real.dtype`)."""
    if profile.is_real:
        return load_hub_policy(base_policy_dir(profile), device, profile.real.dtype)[0]
    return load_model(base_policy_dir(profile), device)


_REAL_TASKS: dict[str, Task] = {}  # tokenizer and newline ids, loaded once per process


def task_of(profile: Profile) -> Task:
    """The task the profile's problems are posed in: modgraph, or MATH-style problems over
    the real policy's tokenizer (its prompts show the problem file's first `real.shots`)."""
    if not profile.is_real:
        return ModgraphTask()
    key = cache.artifact_key("task", {**_splits_inputs(profile), "real": asdict(profile.real)})
    if key not in _REAL_TASKS:
        shots, _, _ = real_problems(profile)
        _REAL_TASKS[key] = real_task(profile, shots)
    return _REAL_TASKS[key]


def _policy_inputs(profile: Profile) -> dict:
    if profile.is_real:
        r = profile.real
        policy = {
            "directory": cache.directory_identity(base_policy_dir(profile)),
            "dtype": r.dtype,
            "max_solution_tokens": r.max_solution_tokens,
        }
    else:
        policy = _pretrain_inputs(profile, profile.base_model)
        if profile.base_target is not None:
            policy["checkpoint"] = policy_checkpoint(profile, profile.base_model)
    # the sampler's batch size is an input: the same seed gives the same samples per batch size
    return {"policy": policy, "sample_batch_size": profile.eval.batch_size}


def _labels_inputs(profile: Profile) -> dict:
    v = profile.verifier
    return {
        **_policy_inputs(profile),
        "splits": _splits_inputs(profile),
        "samples_per_problem": v.samples_per_problem,
        "rollouts_per_step": v.rollouts_per_step,
        "temperature": v.temperature,
    }


def _sum_stats(parts: list[dict]) -> dict:
    total = {k: round(sum(p[k] for p in parts), 2) for k in parts[0] if k != "rollouts_per_s"}
    total["rollouts_per_s"] = round(total["rollouts"] / max(total["rollout_s"], 1e-9), 1)
    return total


def prm_labels(profile: Profile, device: str) -> tuple[list[LabelledSolution], dict]:
    """Rollout labels for every prm_train problem (built in resumable chunks), and their statistics."""
    problems = load_splits(profile).prm_train
    v = profile.verifier

    def build(work: Path) -> None:
        task = task_of(profile)
        model = load_policy(profile, device)
        policy = model_policy(model, v.temperature, profile.eval.batch_size, task=task)

        def chunk(k: int, start: int, stop: int, tmp: Path) -> None:
            labelled, stats = rollout_labels(
                problems[start:stop],
                policy,
                v.samples_per_problem,
                v.rollouts_per_step,
                seed=profile.seed + 2 * k,
                task=task,
            )
            rows = [
                dataclasses.replace(sol, problem_index=sol.problem_index + start).to_dict()
                for sol in labelled
            ]
            cache.write_json_atomic(tmp, {"stats": stats, "labels": rows})

        cache.build_in_chunks(work, len(problems), LABEL_CHUNK, "labels", chunk)

    path = cache.artifact("prm_labels", _labels_inputs(profile), build, LABELS_VERSION)
    parts = [json.loads(f.read_text()) for f in sorted(path.glob("labels-*"))]
    labelled = [LabelledSolution.from_dict(d) for part in parts for d in part["labels"]]
    return labelled, _sum_stats([part["stats"] for part in parts])


def _external_prm(profile: Profile) -> bool:
    """Whether the PRM is `real.prm_dir` rather than trained in notebook 03."""
    return profile.is_real and bool(profile.real.prm_dir)


def trained_verifiers(profile: Profile) -> tuple[str, ...]:
    """The verifiers notebook 03 trains: PRM and ORM, or the ORM only next to an external PRM."""
    return ("orm",) if _external_prm(profile) else KINDS


def _verifier_inputs(profile: Profile, kind: str) -> dict:
    if kind == "prm" and _external_prm(profile):
        r = profile.real
        return {
            "directory": cache.directory_identity(r.path("prm_dir")),
            **{k: getattr(r, k) for k in ("prm_style", "step_tag", "good_token", "bad_token")},
            "dtype": r.dtype,
        }
    return {
        "labels": _labels_inputs(profile),
        "kind": kind,
        "verifier": asdict(profile.verifier),
        "seed": profile.seed,
    }


def heldout_questions(n_problems: int, frac: float, seed: int) -> set[int]:
    """The prm_train questions held out for early stopping (whole questions, never single samples)."""
    rng = np.random.default_rng(seed)
    n = max(1, round(frac * n_problems))
    return set(rng.permutation(n_problems)[:n].tolist())


def train_verifier_model(profile: Profile, kind: str, device: str) -> Path:
    """Train the PRM or ORM from the base policy's checkpoint; the artifact holds `model/` and
    `history.json` (loss per epoch, and the held-out loss of always predicting the mean label)."""

    if kind not in trained_verifiers(profile):
        raise ValueError(f"the {kind} is given (real.prm_dir), not trained here")

    def build(work: Path) -> None:
        labelled, _ = prm_labels(profile, device)
        problems = load_splits(profile).prm_train
        task = task_of(profile)
        items = training_items(labelled, [task.prompt_ids(p) for p in problems], kind)
        questions = [sol.problem_index for sol in labelled]
        _fit_verifier(
            profile, work, items, questions, len(problems), base_policy_dir(profile), kind, device
        )

    return cache.artifact("verifier", _verifier_inputs(profile, kind), build, VERIFIER_VERSION)


def _fit_verifier(
    profile: Profile,
    work: Path,
    items: list,
    questions: list[int],
    n_questions: int,
    init_dir: Path,
    kind: str,
    device: str,
) -> None:
    """Train a verifier from `init_dir` on `items`, early-stopped on the items of held-out
    questions (`questions[i]` is item i's, of `n_questions`); save `model/` and `history.json`."""
    v = profile.verifier
    held = heldout_questions(n_questions, v.holdout_frac, profile.seed)
    train = [it for it, q in zip(items, questions, strict=True) if q not in held]
    holdout = [it for it, q in zip(items, questions, strict=True) if q in held]
    model = init_verifier(init_dir, v.dropout, device)
    model, history = train_verifier(model, train, holdout, v, device, profile.seed, desc=kind)
    model.save_pretrained(work / "model")
    mean = np.clip(np.mean([t for it in train for t in it.targets]), 1e-6, 1 - 1e-6)
    y = np.array([t for it in holdout for t in it.targets])
    baseline = -np.mean(y * np.log(mean) + (1 - y) * np.log(1 - mean))
    cache.write_json_atomic(
        work / "history.json",
        {
            "kind": kind,
            "history": history,
            "train_sequences": len(train),
            "holdout_sequences": len(holdout),
            "train_targets": sum(len(it.targets) for it in train),
            "holdout_targets": len(y),
            "mean_label": float(mean),
            "baseline_holdout_loss": float(baseline),
        },
    )


def verifier_scorer(profile: Profile, kind: str, device: str):
    """A verifier of notebook 03 as a step scorer (trained first if needed), or the PRM of
    `real.prm_dir`."""
    if kind == "prm" and _external_prm(profile):
        return real_prm(profile, task_of(profile).tokenizer, device)
    return as_scorer(load_verifier(train_verifier_model(profile, kind, device) / "model", device))


def verifier_dir(profile: Profile, kind: str) -> Path:
    """A trained verifier's artifact (notebook 03 builds it)."""
    return _require("verifier", _verifier_inputs(profile, kind), VERIFIER_VERSION, "03_verifiers")


def verifier_history(profile: Profile, kind: str) -> dict:
    return json.loads((verifier_dir(profile, kind) / "history.json").read_text())


def _bank_inputs(profile: Profile) -> dict:
    return {
        **_policy_inputs(profile),
        "splits": _splits_inputs(profile),
        "samples": profile.bank.samples,
        "temperature": profile.bank.temperature,
    }


def sample_bank(profile: Profile, device: str) -> SampleBank:
    """`bank.samples` base-model solutions per test problem (built in resumable chunks)."""
    problems = load_splits(profile).test

    def build(work: Path) -> None:
        task = task_of(profile)
        model = load_policy(profile, device)
        policy = model_policy(model, profile.bank.temperature, profile.eval.batch_size, task=task)

        def chunk(k: int, start: int, stop: int, tmp: Path) -> None:
            seed = profile.seed + k
            draw_bank(policy, problems[start:stop], profile.bank.samples, seed, task).save(tmp)

        cache.build_in_chunks(work, len(problems), BANK_CHUNK, "bank", chunk)

    path = cache.artifact("bank", _bank_inputs(profile), build, BANK_VERSION)
    return SampleBank.concatenate([SampleBank.load(f) for f in sorted(path.glob("bank-*"))])


def _bank_items(profile: Profile, problems: Sequence, bank: SampleBank) -> list:
    """Verifier items reading every step end of every bank solution, problem-major."""
    task = task_of(profile)
    return [
        it
        for i, problem in enumerate(problems)
        for it in scoring_items(task.prompt_ids(problem), bank.solutions(i), task)
    ]


def bank_scores(profile: Profile, kind: str, device: str) -> list[np.ndarray]:
    """The verifier's score at every step end of every bank sample, problem-major like the bank."""
    problems = load_splits(profile).test

    def build(work: Path) -> None:
        bank = sample_bank(profile, device)
        model = verifier_scorer(profile, kind, device)
        items = _bank_items(profile, problems, bank)
        flat, offsets = pack(score_steps(model, items, profile.eval.batch_size), np.float32)
        save_file({"scores": flat, "offsets": offsets}, str(work / "scores.safetensors"))

    inputs = {"bank": _bank_inputs(profile), "verifier": _verifier_inputs(profile, kind)}
    path = cache.artifact("bank_scores", inputs, build, SCORES_VERSION)
    data = load_file(str(path / "scores.safetensors"))
    return unpack(data["scores"], data["offsets"])


# --- search (notebook 04) -------------------------------------------------------------


def search_results(profile: Profile, method: str, budget: int, device: str) -> pd.DataFrame:
    """One row per test question for a named search configuration at budget N (cached)."""
    args = method_arguments(method, budget)

    def compute() -> list[dict]:
        policy = load_policy(profile, device)
        prm = verifier_scorer(profile, "prm", device)
        cfg = profile.search
        started = time.perf_counter()
        results = tree_search(
            policy, prm, load_splits(profile).test, budget, **args, task=task_of(profile),
            temperature=profile.bank.temperature, max_rounds=cfg.max_rounds,
            step_tokens=cfg.step_tokens, max_rows=cfg.max_rows, seed=profile.seed,
        )  # fmt: skip
        wall = (time.perf_counter() - started) / len(results)
        return [
            {
                "problem": i,
                "answer": _plain(r.answer),
                "correct": r.correct,
                "chosen_valid": r.chosen_valid,
                "chosen_score": r.chosen_score,
                "candidates": r.candidates,
                **asdict(r.cost),
                "wall_s": wall,  # amortised over the batch
            }
            for i, r in enumerate(results)
        ]

    inputs = {
        **_policy_inputs(profile),
        "prm": _verifier_inputs(profile, "prm"),
        "splits": _splits_inputs(profile),
        "search": asdict(profile.search),
        "temperature": profile.bank.temperature,
        "budget": budget,
        "arguments": args,
    }
    frame = pd.DataFrame(cache.cached_json("search", inputs, compute, SEARCH_VERSION))
    return frame.assign(method=method, budget=budget)


def _plain(answer):
    """An answer for JSON: a modgraph residue as it is, a parsed MATH answer as its LaTeX."""
    return answer if answer is None or isinstance(answer, int) else str(answer)


# --- revisions (notebook 05) ----------------------------------------------------------


def _revision_data_inputs(profile: Profile) -> dict:
    r = profile.revisions
    return {
        **_policy_inputs(profile),
        "splits": _splits_inputs(profile),
        "samples": r.samples_per_problem,
        "temperature": r.temperature,
        "holdout_frac": r.holdout_frac,
    }


def revision_data(profile: Profile, device: str) -> dict:
    """Revision examples from base-model attempts at the revision_train questions, split into
    "train" and "holdout" by question; plus the attempts' accuracy, for the notebook."""
    problems = load_splits(profile).revision_train
    r = profile.revisions

    def compute() -> dict:
        task = task_of(profile)
        model = load_policy(profile, device)
        attempts = draw_bank(
            model_policy(model, r.temperature, profile.eval.batch_size, task=task),
            problems, r.samples_per_problem, profile.seed, task,
        )  # fmt: skip
        held = heldout_questions(len(problems), r.holdout_frac, profile.seed)
        rng = random.Random(profile.seed)
        data = {"train": [], "holdout": []}
        for i in range(len(problems)):
            parsed = attempts.answers[i] >= 0  # attempts without an answer are dropped
            texts = [
                task.text(t) for t, ok in zip(attempts.solutions(i), parsed, strict=True) if ok
            ]
            correct = attempts.correct[i][parsed].tolist()
            for e in revision_examples(i, texts, correct, rng):
                data["holdout" if i in held else "train"].append(dataclasses.asdict(e))
        data["attempt_accuracy"] = float(attempts.correct.mean())
        return data

    data = cache.cached_json(
        "revision_data", _revision_data_inputs(profile), compute, REVISION_DATA_VERSION
    )
    return {
        split: [
            RevisionExample(d["problem_index"], tuple(d["context"]), d["target"])
            for d in data[split]
        ]
        for split in ("train", "holdout")
    } | {"attempt_accuracy": data["attempt_accuracy"]}


def _revision_model_inputs(profile: Profile) -> dict:
    return {
        "data": _revision_data_inputs(profile),
        "revisions": asdict(profile.revisions),
        "train": asdict(profile.train),
    }


def train_revision_model(profile: Profile, device: str) -> Path:
    """Finetune the base model on the revision examples (target tokens only), measuring the
    held-out loss at every checkpoint; the artifact is a pretraining-style run directory."""
    r = profile.revisions

    def build(work: Path) -> None:
        data = revision_data(profile, device)
        problems = load_splits(profile).revision_train
        task = task_of(profile)
        train = revision_corpus(data["train"], problems, r.epochs, task)
        holdout = revision_corpus(data["holdout"], problems, 1, task)
        cfg = dataclasses.replace(
            profile.train,
            tokens=int(train["offsets"][-1]),
            batch_size=r.batch_size,
            checkpoints=r.checkpoints,
            eval_points=len(r.checkpoints),
        )
        spec = dataclasses.replace(_base_spec(profile), lr=r.lr)
        pretrain(
            spec, cfg, train, work, profile.seed, device,
            evaluate=lambda model: {"holdout_loss": corpus_loss(model, holdout, pad_id=task.pad_id)},
            init_from=base_policy_dir(profile), tokenizer=task.tokenizer, pad_id=task.pad_id,
        )  # fmt: skip

    return cache.artifact(
        "revision_model", _revision_model_inputs(profile), build, REVISION_MODEL_VERSION
    )


def _base_spec(profile: Profile) -> ModelSpec:
    """The base policy's shape (for the FLOPs count of finetuning): a ladder entry, or read
    from the real policy's config."""
    if not profile.is_real:
        return profile.model(profile.base_model)
    c = AutoConfig.from_pretrained(base_policy_dir(profile))
    size = (c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size)
    return ModelSpec("policy", *size)


def revision_checkpoint(profile: Profile, device: str) -> tuple[Path, dict]:
    """The kept revision checkpoint: the one after the held-out loss minimum (the last if the
    minimum is last), and the run's metrics."""
    run = train_revision_model(profile, device)
    metrics = read_metrics(run)
    losses = [e["holdout_loss"] for e in metrics["evals"]]
    return run / checkpoint_after_minimum(
        losses, [c["name"] for c in metrics["checkpoints"]]
    ), metrics


def checkpoint_after_minimum(losses: list[float], names: list[str]) -> str:
    """The checkpoint one past the lowest held-out loss (checkpoints and losses aligned)."""
    if len(losses) != len(names) or not names:
        raise ValueError("one held-out loss per checkpoint is needed")
    return names[min(int(np.argmin(losses)) + 1, len(names) - 1)]


# --- revision chains and the revision ORM (notebook 05) -------------------------------

CHAIN_SETS = ("test", "orm")  # chains on every test question; on the revision ORM's questions
CHAIN_SCORERS = ("revision ORM", "revision ORM, no history", "base PRM")


def chain_problems(profile: Profile, which: str) -> tuple:
    """The questions a chain set is drawn on: the test split, or the first
    `chains.orm_questions` prm_train questions (never seen by the revision model)."""
    splits = load_splits(profile)
    if which == "test":
        return splits.test
    if which == "orm":
        return splits.prm_train[: profile.chains.orm_questions]
    raise ValueError(f"unknown chain set {which!r}; choose one of {CHAIN_SETS}")


def _chain_inputs(profile: Profile, which: str) -> dict:
    c = profile.chains
    return {
        "revision_model": _revision_model_inputs(profile),
        "splits": _splits_inputs(profile),
        "which": which,
        "questions": len(chain_problems(profile, which)),
        "chains": c.chains,
        "length": c.length,
        "temperature": profile.revisions.temperature,
        "sample_batch_size": c.batch_size,
    }


def revision_chains(profile: Profile, which: str, device: str) -> ChainBank:
    """Chains of the kept revision checkpoint on a chain set (built in resumable chunks)."""
    problems = chain_problems(profile, which)
    c = profile.chains

    def build(work: Path) -> None:
        checkpoint, _ = revision_checkpoint(profile, device)
        model = load_model(checkpoint, device)
        task = task_of(profile)
        temperature = profile.revisions.temperature
        policy = model_policy(model, temperature, c.batch_size, progress=False, task=task)

        def chunk(k: int, start: int, stop: int, tmp: Path) -> None:
            seed = profile.seed + 1000 * k
            chains = draw_chains(policy, problems[start:stop], c.chains, c.length, seed, task=task)
            chains.save(tmp)

        cache.build_in_chunks(work, len(problems), CHAIN_CHUNK, "chains", chunk)

    path = cache.artifact("chains", _chain_inputs(profile, which), build, CHAINS_VERSION)
    return ChainBank.concatenate([ChainBank.load(d) for d in sorted(path.glob("chains-*"))])


def _revision_verifier_inputs(profile: Profile, history: bool) -> dict:
    return {
        "chains": _chain_inputs(profile, "orm"),
        "history": history,
        "verifier": asdict(profile.verifier),
        "seed": profile.seed,
    }


def train_revision_verifier(profile: Profile, history: bool, device: str) -> Path:
    """The revision ORM, from the kept revision checkpoint, on the revision model's chains at
    the orm questions (attempts without an answer dropped); with or without the chain's
    earlier attempts in context. Same artifact layout as `train_verifier_model`."""

    def build(work: Path) -> None:
        problems = chain_problems(profile, "orm")
        chains = revision_chains(profile, "orm", device)
        items = attempt_items(problems, chains, history, task_of(profile))
        keep = np.flatnonzero(chains.attempts.answers.reshape(-1) >= 0)
        questions = np.repeat(np.arange(len(problems)), chains.attempts.samples)[keep]
        checkpoint, _ = revision_checkpoint(profile, device)
        kind = "revision ORM" + ("" if history else ", no history")
        _fit_verifier(
            profile, work, [items[i] for i in keep], questions.tolist(), len(problems),
            checkpoint, kind, device,
        )  # fmt: skip

    return cache.artifact(
        "revision_verifier",
        _revision_verifier_inputs(profile, history),
        build,
        REVISION_VERIFIER_VERSION,
    )


def revision_verifier_history(profile: Profile, history: bool, device: str) -> dict:
    """The revision ORM's training record (training it first if needed)."""
    path = train_revision_verifier(profile, history, device)
    return json.loads((path / "history.json").read_text())


def _prm_last_scores(
    profile: Profile, problems: Sequence[Problem], bank: SampleBank, device: str
) -> np.ndarray:
    """[problem, sample] last step score of the PRM on a bank of solutions."""
    items = _bank_items(profile, problems, bank)
    scores = score_steps(verifier_scorer(profile, "prm", device), items, profile.eval.batch_size)
    return np.array([aggregate(s, "last") for s in scores], dtype=np.float32).reshape(
        bank.answers.shape
    )


def _chain_scorer_inputs(profile: Profile, scorer: str) -> dict:
    verifier = (
        _verifier_inputs(profile, "prm")
        if scorer == "base PRM"
        else _revision_verifier_inputs(profile, scorer == "revision ORM")
    )
    return {"chains": _chain_inputs(profile, "test"), "scorer": scorer, "verifier": verifier}


def chain_scores(profile: Profile, scorer: str, device: str) -> np.ndarray:
    """[question, chain, step] scores of the test chains' attempts: the revision ORM at the
    attempt's last token (with or without history), or the base PRM's last step score."""
    if scorer not in CHAIN_SCORERS:
        raise ValueError(f"unknown chain scorer {scorer!r}; choose one of {CHAIN_SCORERS}")
    history = scorer == "revision ORM"

    def build(work: Path) -> None:
        problems = chain_problems(profile, "test")
        chains = revision_chains(profile, "test", device)
        task = task_of(profile)
        if scorer == "base PRM":
            scores = _prm_last_scores(profile, problems, chains.attempts, device)
        else:
            verifier = train_revision_verifier(profile, history, device) / "model"
            model = load_verifier(verifier, device)
            items = attempt_items(problems, chains, history, task)
            scores = [float(s[-1]) for s in score_steps(model, items, profile.eval.batch_size)]
        grid = np.array(scores, dtype=np.float32).reshape(chains.shape)
        save_file({"scores": grid}, str(work / "scores.safetensors"))

    path = cache.artifact(
        "chain_scores", _chain_scorer_inputs(profile, scorer), build, CHAIN_SCORES_VERSION
    )
    return load_file(str(path / "scores.safetensors"))["scores"]


def revision_outcomes(profile: Profile, device: str) -> pd.DataFrame:
    """Accuracy per test question of every seq:par split notebook 05 reads
    (`revisions.study_splits`), under majority and hierarchical selection with each chain
    scorer (cached: the sweep over random chain subsets takes a while on CPU)."""
    c = profile.chains

    def compute() -> list[dict]:
        chains = revision_chains(profile, "test", device)
        scores = {name: chain_scores(profile, name, device) for name in CHAIN_SCORERS}
        splits = study_splits(c.chains, c.length, c.budgets)
        targets = chains.attempts.correct_answers()
        frame = split_outcomes(chains.answers, scores, targets, splits, c.trials, profile.seed)
        return frame.to_dict(orient="records")

    inputs = {
        "chains": _chain_inputs(profile, "test"),
        "scorers": {name: _chain_scorer_inputs(profile, name) for name in CHAIN_SCORERS},
        "budgets": list(c.budgets),
        "trials": c.trials,
        "seed": profile.seed,
    }
    return pd.DataFrame(cache.cached_json("revision_outcomes", inputs, compute, OUTCOMES_VERSION))


# --- pretraining against test-time compute (notebook 07) ------------------------------


def test_greedy(profile: Profile, name: str, device: str) -> pd.DataFrame:
    """Greedy answers of a ladder model (its `policy_checkpoint`) on the test split, one row
    per question (problem, correct, n_generated, prompt_tokens); cached."""
    problems = load_splits(profile).test
    checkpoint = policy_checkpoint(profile, name)

    def compute() -> dict:
        model = load_model(model_run(profile, name) / checkpoint, device)
        frame = greedy_pass_at_1(model, problems, profile.eval.batch_size)
        frame = frame.drop(columns="output").assign(problem=range(len(problems)))
        return frame.to_dict(orient="list")

    inputs = {
        "run": _pretrain_inputs(profile, name),
        "checkpoint": checkpoint,
        "splits": _splits_inputs(profile),
    }
    return pd.DataFrame(cache.cached_json("test_greedy", inputs, compute, EVAL_VERSION))


def ladder_bank(
    profile: Profile, name: str, checkpoint: str, device: str
) -> tuple[SampleBank, np.ndarray]:
    """`exchange.samples` solutions per test question from one ladder checkpoint, and the
    base PRM's last-step score of each ([problem, sample]): the exchange map's raw data."""
    problems = load_splits(profile).test
    samples = profile.exchange.samples

    def build(work: Path) -> None:
        model = load_model(model_run(profile, name) / checkpoint, device)
        policy = model_policy(model, profile.bank.temperature, profile.eval.batch_size)
        bank = draw_bank(policy, problems, samples, profile.seed)
        bank.save(work / "bank.safetensors")
        grid = _prm_last_scores(profile, problems, bank, device)
        save_file({"prm_last": grid}, str(work / "scores.safetensors"))

    inputs = {
        "run": _pretrain_inputs(profile, name),
        "checkpoint": checkpoint,
        "splits": _splits_inputs(profile),
        "samples": samples,
        "temperature": profile.bank.temperature,
        "sample_batch_size": profile.eval.batch_size,
        "prm": _verifier_inputs(profile, "prm"),
    }
    path = cache.artifact("ladder_bank", inputs, build, BANK_VERSION)
    bank = SampleBank.load(path / "bank.safetensors")
    return bank, load_file(str(path / "scores.safetensors"))["prm_last"]
