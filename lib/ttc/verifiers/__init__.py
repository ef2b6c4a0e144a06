"""Verifiers: PRM labels from rollouts, PRM and ORM training, step scoring and aggregation."""

from .model import (
    AGGREGATIONS,
    KINDS,
    ScoredSequence,
    aggregate,
    constant_loss,
    heldout_loss,
    heldout_questions,
    init_verifier,
    load_verifier,
    scoring_items,
    train_verifier,
    training_items,
)
from .rollouts import LabelledSolution, rollout_labels
from .scorers import ScalarHeadScorer, StepScorer, StepTagScorer, as_scorer, score_steps

__all__ = [
    "AGGREGATIONS",
    "KINDS",
    "LabelledSolution",
    "ScalarHeadScorer",
    "ScoredSequence",
    "StepScorer",
    "StepTagScorer",
    "aggregate",
    "as_scorer",
    "constant_loss",
    "heldout_loss",
    "heldout_questions",
    "init_verifier",
    "load_verifier",
    "rollout_labels",
    "score_steps",
    "scoring_items",
    "train_verifier",
    "training_items",
]
