"""Notebook 04: tree searches per method and budget, and every search method as per-question
outcomes (the bank's selection rules beside them)."""

from __future__ import annotations

import time
from dataclasses import asdict

import pandas as pd

from .. import cache
from ..config import Profile
from ..models.ladder import non_embedding_parameters
from ..search import METHODS, best_of_n_from_bank, method_arguments, tree_search
from ..selection import BANK_METHODS, selection_curves
from .bank import bank_answer_scores, sample_bank
from .data import _splits_inputs, load_splits, task_of
from .policy import _policy_inputs, load_policy
from .verifiers import _verifier_inputs, verifier_scorer

SEARCH_VERSION = 3  # 2: the PRM reads each step in one chunked forward; 3: one cache copy
# per prompt (float rounding differs) and noise drawn for live rows only (a new random stream)


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


def best_of_n_chosen(profile: Profile, device: str) -> pd.DataFrame:
    """PRM best-of-N weighted reported as a search reports itself, at every search budget: per
    (budget, question) the chosen solution's correctness, gold validity (None without an exact
    checker) and PRM score, from random subsets of the sample bank (cheap: nothing is sampled)."""
    bank = sample_bank(profile, device)
    scores = bank_answer_scores(profile, "prm", device)
    problems = load_splits(profile).test
    policy_n = non_embedding_parameters(load_policy(profile, device))
    prm_n = non_embedding_parameters(verifier_scorer(profile, "prm", device).model)
    rows = []
    for budget in profile.search.budgets:
        results = best_of_n_from_bank(
            bank, scores, problems, budget, policy_n, prm_n, seed=profile.seed,
            task=task_of(profile),
        )  # fmt: skip
        rows += [
            {"method": "best-of-N weighted", "generations": budget, "problem": i,
             "correct": r.correct, "chosen_valid": r.chosen_valid, "chosen_score": r.chosen_score}
            for i, r in enumerate(results)
        ]  # fmt: skip
    return pd.DataFrame(rows)


def _plain(answer):
    """An answer for JSON: a modgraph residue as it is, a parsed MATH answer as its LaTeX."""
    return answer if answer is None or isinstance(answer, int) else str(answer)


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
    bank = sample_bank(profile, device)
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
            frames.append(search_results(profile, method, budget, device))
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
