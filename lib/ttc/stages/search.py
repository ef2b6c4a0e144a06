"""Notebook 04: every search strategy of the registry (`ttc.search.STRATEGIES`) as
per-question outcomes in one schema: `budget` (generations charged), `correct`, and the
tokens and FLOPs each strategy actually spent; tree searches are cached per strategy and N."""

from __future__ import annotations

import time
from dataclasses import asdict

import pandas as pd

from .. import cache
from ..config import Profile
from ..models.hub import meta_model
from ..models.ladder import non_embedding_parameters
from ..search import STRATEGIES, bank_cost, best_of_n_from_bank, strategy, tree_search
from ..selection import selection_curves
from .bank import bank_answer_scores, sample_bank
from .substrate import (
    _policy_inputs,
    _splits_inputs,
    base_policy_dir,
    load_splits,
    search_policy,
    task_of,
)
from .verifiers import _verifier_inputs, verifier_scorer

SEARCH_VERSION = 4  # 2: the PRM reads each step in one chunked forward; 3: one cache copy
# per prompt (float rounding differs) and noise drawn for live rows only (a new random stream);
# 4: exact budgets (every tree ends with exactly its rows as candidates), the top candidate


def search_results(profile: Profile, name: str, n: int, device: str) -> pd.DataFrame:
    """One row per test question for a tree strategy of the registry at N (cached)."""
    args = strategy(name).arguments(n, profile.search)

    def compute() -> list[dict]:
        policy = search_policy(profile, device)
        prm = verifier_scorer(profile, "prm", device)
        cfg = profile.search
        started = time.perf_counter()
        results = tree_search(
            policy, prm, load_splits(profile).test, n, **args, task=task_of(profile),
            temperature=profile.bank.temperature, max_rounds=cfg.max_rounds,
            step_tokens=cfg.step_tokens, max_rows=cfg.max_rows, seed=profile.seed,
        )  # fmt: skip
        wall = (time.perf_counter() - started) / len(results)
        return [
            {
                "problem": i,
                "answer": _plain(r.answer),
                "correct": r.correct,
                "top_correct": r.top_correct,
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
        "budget": n,
        "arguments": args,
    }
    frame = pd.DataFrame(cache.cached_json("search", inputs, compute, SEARCH_VERSION))
    return frame.rename(columns={"generations": "budget"}).assign(method=name)


def best_of_n_chosen(profile: Profile, device: str) -> pd.DataFrame:
    """PRM best-of-N weighted reported as a search reports itself, at every search budget: per
    (budget, question) the chosen solution's correctness, gold validity (None without an exact
    checker) and PRM score, from random subsets of the sample bank (cheap: nothing is sampled)."""
    bank = sample_bank(profile, device)
    scores = bank_answer_scores(profile, "prm", device)
    problems = load_splits(profile).test
    sizes = _sizes(profile, device, "prm")
    rows = []
    for budget in profile.search.budgets:
        results = best_of_n_from_bank(
            bank, scores, problems, budget, sizes["policy"], sizes["prm"], seed=profile.seed,
            task=task_of(profile),
        )  # fmt: skip
        rows += [
            {"method": "best-of-N weighted", "budget": budget, "problem": i,
             "correct": r.correct, "chosen_valid": r.chosen_valid, "chosen_score": r.chosen_score}
            for i, r in enumerate(results)
        ]  # fmt: skip
    return pd.DataFrame(rows)


def _sizes(profile: Profile, device: str, *verifiers: str) -> dict[str, int]:
    """Non-embedding parameters of the policy (counted from its config, no weights loaded)
    and of the named verifiers, which FLOPs are charged by."""
    sizes = {"policy": non_embedding_parameters(meta_model(base_policy_dir(profile)))}
    for kind in verifiers:
        sizes[kind] = non_embedding_parameters(verifier_scorer(profile, kind, device).model)
    return sizes


def _plain(answer):
    """An answer for JSON: a modgraph residue as it is, a parsed MATH answer as its LaTeX."""
    return answer if answer is None or isinstance(answer, int) else str(answer)


def bank_outcomes(
    per_problem: pd.DataFrame, bank, policy_n: int, verifier_n: dict[str, int], strategies
) -> pd.DataFrame:
    """The registry's bank strategies as outcomes, one row per (method, N, question): accuracy
    over random subsets of the bank, and the expected cost of N of the question's samples
    (`verifier_n`: non-embedding parameters by verifier name, "none" for no verifier;
    `strategies`: the registry's bank entries)."""
    names = {s.rule: s.name for s in strategies}
    keys = list(zip(per_problem["rule"], per_problem["verifier"], strict=True))
    keep = per_problem[[k in names for k in keys]]
    methods = [names[k] for k in zip(keep["rule"], keep["verifier"], strict=True)]
    mean_length = bank.n_generated.mean(axis=1)
    costs = [
        asdict(bank_cost(int(n), int(bank.prompt_tokens[i]), float(n * mean_length[i]),
                         verifier != "none", policy_n, verifier_n[verifier]))
        for i, n, verifier in zip(keep["problem"], keep["n"], keep["verifier"], strict=True)
    ]  # fmt: skip
    frame = pd.DataFrame(costs, index=keep.index).rename(columns={"generations": "budget"})
    return frame.assign(method=methods, problem=keep["problem"], correct=keep["accuracy"])


def search_outcomes(profile: Profile, device: str) -> pd.DataFrame:
    """Every strategy of the registry at each of its budgets: the bank's selection rules from
    random subsets of the bank, the tree searches from their cached runs; `budget` is the
    generations charged (lookahead: N(k + 1))."""
    bank = sample_bank(profile, device)
    scores = {
        "prm_last": bank_answer_scores(profile, "prm", device),
        "orm": bank_answer_scores(profile, "orm", device),
    }
    # read the registry now, not at import, so an entry added at run time counts
    bank_strategies = [s for s in STRATEGIES.values() if s.source == "bank"]
    ns = sorted({n for s in bank_strategies for n in s.ns(profile.search)})
    per_problem = selection_curves(
        bank.answers, bank.correct_answers(), scores, ns, profile.bank.subset_trials,
        seed=profile.seed,
    )  # fmt: skip
    sizes = _sizes(profile, device, "prm", "orm")
    verifier_n = {"none": 0, "prm_last": sizes["prm"], "orm": sizes["orm"]}
    frames = [bank_outcomes(per_problem, bank, sizes["policy"], verifier_n, bank_strategies)]
    for s in STRATEGIES.values():
        if s.source == "tree":
            frames += [search_results(profile, s.name, n, device) for n in s.ns(profile.search)]
    return pd.concat(frames, ignore_index=True)


def search_candidates(profile: Profile, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The compute-optimal search candidates (the registry's `candidate` strategies) as
    (problem, strategy, budget, correct), budget counting generations charged, at the budgets
    where best-of-N weighted is measured."""
    names = [s.name for s in STRATEGIES.values() if s.candidate]
    keep = outcomes["method"].isin(names) & outcomes["budget"].isin(profile.search.budgets)
    picked = outcomes[keep]
    return pd.DataFrame(
        {
            "problem": picked["problem"],
            "strategy": picked["method"],
            "budget": picked["budget"],
            "correct": picked["correct"],
        }
    )
