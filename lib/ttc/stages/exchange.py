"""Notebook 07: greedy test answers of ladder models and the exchange map's banks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file, save_file

from .. import cache
from ..bank import SampleBank, draw_bank
from ..config import Profile
from ..flops import inference_flops
from ..models.evaluate import greedy_pass_at_1
from ..models.ladder import load_model
from ..models.pretrain import read_metrics
from ..policy import model_policy
from ..selection import selection_curves
from .bank import BANK_VERSION
from .base_models import EVAL_VERSION, _pretrain_inputs, model_run, policy_checkpoint
from .chains import _prm_last_scores
from .substrate import _splits_inputs, load_splits, task_of
from .verifiers import _verifier_inputs


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
        task = task_of(profile)
        policy = model_policy(model, profile.bank.temperature, profile.eval.batch_size, task=task)
        bank = draw_bank(policy, problems, samples, profile.seed, task)
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


def power_of_two_budgets(samples: int) -> list[int]:
    """1, 2, 4, ... up to `samples`."""
    return [2**e for e in range(samples.bit_length()) if 2**e <= samples]


def exchange_surface(profile: Profile, device: str, bins: pd.Series) -> pd.DataFrame:
    """For every ladder checkpoint (those of `exchange.checkpoints` and each model's policy
    checkpoint, when the list is set), PRM best-of-N weighted accuracy per difficulty bin and
    budget N, with the checkpoint's pretraining FLOPs (6ND) and the test-time FLOPs per
    question of N generations (2ND over prompt plus solution tokens, each generation charged
    in full as in the paper's accounting). `bins` maps problem -> bin."""
    budgets = power_of_two_budgets(profile.exchange.samples)
    frames = []
    for spec in profile.ladder:
        metrics = read_metrics(model_run(profile, spec.name))
        drawn = profile.exchange.checkpoints
        policy = policy_checkpoint(profile, spec.name)
        for ckpt in metrics["checkpoints"]:
            if drawn is not None and ckpt["fraction"] not in drawn and ckpt["name"] != policy:
                continue
            bank, prm_last = ladder_bank(profile, spec.name, ckpt["name"], device)
            curves = selection_curves(
                bank.answers, bank.correct_answers(), {"prm_last": prm_last}, budgets,
                profile.bank.subset_trials, seed=profile.seed, progress=False,
            )  # fmt: skip
            curves = curves[curves["rule"] == "weighted"].assign(
                bin=lambda f: bins.loc[f["problem"]].to_numpy()
            )
            tokens = (
                pd.Series((bank.n_generated + bank.prompt_tokens[:, None]).mean(axis=1))
                .groupby(bins.sort_index().to_numpy())
                .mean()
            )
            acc = curves.groupby(["bin", "n"])["accuracy"].mean().reset_index()
            acc["test_flops"] = [
                inference_flops(metrics["n_params"], n * tokens[b])
                for b, n in zip(acc["bin"], acc["n"], strict=True)
            ]
            frames.append(acc.rename(columns={"n": "budget"}).assign(
                point=f"{spec.name} {ckpt['name']}", model=spec.name, checkpoint=ckpt["name"],
                train_flops=ckpt["flops_6nd"],
            ))  # fmt: skip
    return pd.concat(frames, ignore_index=True)
