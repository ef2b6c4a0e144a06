"""Per-question outcome tables that several notebooks read: difficulty bins, and every search
method at every budget (the results of notebook 04, the candidates of notebook 06)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stages
from .config import Profile
from .difficulty import oracle_bins, predicted_bins
from .search import METHODS
from .selection import selection_curves
from .verifiers.quality import answer_scores

# (selection rule, verifier) of the sample bank -> method name
BANK_METHODS = {
    ("majority", "none"): "majority",
    ("weighted", "prm_last"): "best-of-N weighted",
    ("weighted", "orm"): "ORM best-of-N weighted",
}


def bank_answer_scores(profile: Profile, device: str) -> dict[str, np.ndarray]:
    """[problem, sample] answer scores of the bank: the PRM's last step and the ORM."""
    shape = stages.sample_bank(profile, device).answers.shape
    return {
        "prm_last": answer_scores(stages.bank_scores(profile, "prm", device), shape, "last"),
        "orm": answer_scores(stages.bank_scores(profile, "orm", device), shape, "last"),
    }


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
                bank_answer_scores(profile, device)["prm_last"], seed=profile.seed
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
    per_problem = selection_curves(
        bank.answers, bank.correct_answers(), bank_answer_scores(profile, device), budgets,
        profile.bank.subset_trials, seed=profile.seed,
    )  # fmt: skip
    frames = [bank_outcomes(per_problem)]
    for method, (_, _, lookahead) in METHODS.items():
        for budget in profile.search.lookahead_budgets if lookahead else budgets:
            frames.append(stages.search_results(profile, method, budget, device))
    return pd.concat(frames, ignore_index=True)
