"""Per-question outcome tables that several notebooks read: difficulty bins, and every search
method at every budget (the results of notebook 04, the candidates of notebook 06)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stages
from .config import Profile
from .difficulty import oracle_bins, predicted_bins
from .flops import inference_flops
from .models.pretrain import read_metrics
from .search import METHODS
from .selection import selection_curves
from .verifiers.quality import answer_scores

# (selection rule, verifier) of the sample bank -> method name
BANK_METHODS = {
    ("majority", "none"): "majority",
    ("weighted", "prm_last"): "best-of-N weighted",
    ("weighted", "orm"): "ORM best-of-N weighted",
}


def bank_answer_scores(profile: Profile, kind: str, device: str) -> np.ndarray:
    """[problem, sample] answer scores of the bank: the verifier's (PRM or ORM) last step."""
    shape = stages.sample_bank(profile, device).answers.shape
    return answer_scores(stages.bank_scores(profile, kind, device), shape, "last")


def difficulty_bins(profile: Profile, device: str) -> pd.DataFrame:
    """Per test question: its level, oracle bin (bank pass@1) and predicted bin (mean PRM
    last-step score over the same samples)."""
    bank = stages.sample_bank(profile, device)
    test = stages.load_splits(profile).test
    return pd.DataFrame(
        {
            "problem": range(len(test)),
            "level": [p.level for p in test],
            "oracle_bin": oracle_bins(bank.correct, seed=profile.seed),
            "predicted_bin": predicted_bins(
                bank_answer_scores(profile, "prm", device), seed=profile.seed
            ),
        }
    )


def bank_outcomes(per_problem: pd.DataFrame) -> pd.DataFrame:
    """Selection curves of the bank as search outcomes, one row per (method, N, question)."""
    keys = list(zip(per_problem["rule"], per_problem["verifier"], strict=True))
    keep = per_problem[[k in BANK_METHODS for k in keys]]
    return pd.DataFrame(
        {
            "method": [BANK_METHODS[k] for k in zip(keep["rule"], keep["verifier"], strict=True)],
            "budget": keep["n"],
            "generations": keep["n"],
            "problem": keep["problem"],
            "correct": keep["accuracy"],
        }
    )


def search_outcomes(profile: Profile, device: str) -> pd.DataFrame:
    """Every method at every budget of the profile: the bank's selection rules from random
    subsets of the bank, the tree searches from their cached runs (lookahead at its own
    budgets; `generations` counts its rollouts)."""
    bank = stages.sample_bank(profile, device)
    budgets = list(profile.search.budgets)
    scores = {
        "prm_last": bank_answer_scores(profile, "prm", device),
        "orm": bank_answer_scores(profile, "orm", device),
    }
    per_problem = selection_curves(
        bank.answers, bank.correct_answers(), scores, budgets,
        profile.bank.subset_trials, seed=profile.seed,
    )  # fmt: skip
    frames = [bank_outcomes(per_problem)]
    for method, (_, _, lookahead) in METHODS.items():
        for budget in profile.search.lookahead_budgets if lookahead else budgets:
            frames.append(stages.search_results(profile, method, budget, device))
    return pd.concat(frames, ignore_index=True)


def search_candidates(profile: Profile, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The compute-optimal search candidates (best-of-N weighted and every tree search) as
    (problem, strategy, budget, correct), budget counting generations (lookahead: N(k + 1)),
    at the budgets where best-of-N weighted is measured."""
    keep = outcomes["method"].isin(["best-of-N weighted", *METHODS]) & outcomes["generations"].isin(
        profile.search.budgets
    )
    picked = outcomes[keep]
    return pd.DataFrame(
        {
            "problem": picked["problem"],
            "strategy": picked["method"],
            "budget": picked["generations"],
            "correct": picked["correct"],
        }
    )


def revision_candidates(revised: pd.DataFrame, rule: str = "revision ORM") -> pd.DataFrame:
    """The compute-optimal revision candidates: every seq:par split under one selection rule,
    as (problem, strategy "s:p", budget, correct)."""
    picked = revised[revised["rule"] == rule]
    return pd.DataFrame(
        {
            "problem": picked["problem"],
            "strategy": picked["s"].astype(str) + ":" + picked["p"].astype(str),
            "budget": picked["budget"],
            "correct": picked["accuracy"],
        }
    )


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
        metrics = read_metrics(stages.model_run(profile, spec.name))
        drawn = profile.exchange.checkpoints
        policy = stages.policy_checkpoint(profile, spec.name)
        for ckpt in metrics["checkpoints"]:
            if drawn is not None and ckpt["fraction"] not in drawn and ckpt["name"] != policy:
                continue
            bank, prm_last = stages.ladder_bank(profile, spec.name, ckpt["name"], device)
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
