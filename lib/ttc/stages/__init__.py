"""The pipeline's expensive steps, cached by the hash of their inputs.

Each stage is keyed by exactly the profile fields it depends on, so a re-run with nothing
changed returns in seconds and a changed knob rebuilds only what it touches. A stage that
needs the output of an earlier notebook says which notebook to run when it is missing.

What a run studies is its substrate (`substrate.py`): the modgraph study, or, for the `real`
profile, your policy directory and MATH-style problems, whose keys hold the policy's (and an
external PRM's) directory identity and a hash of the problem file instead of the modgraph
task and model ladder.

One module per notebook, in notebook order; each owns its cache keys and versions and
imports only from the modules before it. `from ttc import stages` gives all of them.
"""

# ruff: noqa: I001  (notebook order, not alphabetical)
from .common import MissingUpstream
from .data import build_splits, build_pretraining_corpus, load_pretraining_corpus
from .base_models import (
    loss_probe,
    train_model,
    model_run,
    ladder_metrics,
    policy_checkpoint,
    base_selection,
    policy_metrics,
    checkpoint_pass_at_1,
    training_history,
)
from .substrate import (
    ModgraphStudy,
    RealModel,
    substrate_of,
    load_splits,
    task_of,
    base_policy_dir,
    load_policy,
)
from .verifiers import (
    prm_labels,
    trained_verifiers,
    heldout_questions,
    train_verifier_model,
    verifier_scorer,
    verifier_dir,
    verifier_history,
)
from .bank import sample_bank, bank_scores, bank_answer_scores, difficulty_bins
from .search import (
    search_results,
    best_of_n_chosen,
    bank_outcomes,
    search_outcomes,
    search_candidates,
)
from .revisions import (
    revision_data,
    train_revision_model,
    revision_checkpoint,
    checkpoint_after_minimum,
)
from .chains import (
    CHAIN_SCORERS,
    chain_problems,
    revision_chains,
    train_revision_verifier,
    revision_verifier_history,
    chain_scores,
    revision_outcomes,
    revision_candidates,
)
from .compute_optimal import search_choice, revision_choice, parallel_revisions
from .exchange import test_greedy, ladder_bank, power_of_two_budgets, exchange_surface

__all__ = [
    "MissingUpstream",
    "build_splits",
    "load_splits",
    "build_pretraining_corpus",
    "load_pretraining_corpus",
    "task_of",
    "loss_probe",
    "train_model",
    "model_run",
    "ladder_metrics",
    "policy_checkpoint",
    "base_selection",
    "policy_metrics",
    "checkpoint_pass_at_1",
    "training_history",
    "ModgraphStudy",
    "RealModel",
    "substrate_of",
    "base_policy_dir",
    "load_policy",
    "prm_labels",
    "trained_verifiers",
    "heldout_questions",
    "train_verifier_model",
    "verifier_scorer",
    "verifier_dir",
    "verifier_history",
    "sample_bank",
    "bank_scores",
    "bank_answer_scores",
    "difficulty_bins",
    "search_results",
    "best_of_n_chosen",
    "bank_outcomes",
    "search_outcomes",
    "search_candidates",
    "revision_data",
    "train_revision_model",
    "revision_checkpoint",
    "checkpoint_after_minimum",
    "CHAIN_SCORERS",
    "chain_problems",
    "revision_chains",
    "train_revision_verifier",
    "revision_verifier_history",
    "chain_scores",
    "revision_outcomes",
    "revision_candidates",
    "search_choice",
    "revision_choice",
    "parallel_revisions",
    "test_greedy",
    "ladder_bank",
    "power_of_two_budgets",
    "exchange_surface",
]
