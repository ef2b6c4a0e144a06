"""A PRM from a local Hugging Face directory, as a step scorer: our scalar-head PRM
(`AutoModelForTokenClassification` with one label, as notebook 03 trains and saves it) or an
external causal-LM PRM that rates each step by the probability of a good vs a bad token
after a step tag (Math-Shepherd style).

The search feeds the policy's token ids to the PRM, so a step-tag PRM must share the
policy's tokenizer; `load_prm` checks that when given the policy's tokenizer.
"""

from __future__ import annotations

from pathlib import Path

from transformers import AutoModelForCausalLM, AutoModelForTokenClassification

from ..config import PRM_STYLES
from ..models.hub import load_pretrained, load_tokenizer, model_dir
from .scorers import ScalarHeadScorer, StepScorer, StepTagScorer


def token_id(tokenizer, text: str, what: str) -> int:
    """The id of a vocabulary entry spelled `text`, or of the single token `text` encodes to."""
    vocab = tokenizer.get_vocab()
    if text in vocab:
        return vocab[text]
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        pieces = tokenizer.convert_ids_to_tokens(ids)
        raise ValueError(f"{what} {text!r} is not one token of the PRM's tokenizer: {pieces}")
    return ids[0]


def load_prm(
    directory: str | Path,
    style: str = "scalar",
    *,
    policy_tokenizer=None,
    step_tag: str = " ки",
    good: str = "+",
    bad: str = "-",
    device: str = "cpu",
    dtype: str = "auto",
) -> StepScorer:
    """A PRM directory as a step scorer; `step_tag`, `good`, `bad` apply to style step_tag."""
    if style not in PRM_STYLES:
        raise ValueError(f"unknown PRM style {style!r}; choose one of {PRM_STYLES}")
    path = model_dir(directory, f"PRM ({style})")
    if style == "scalar":
        model = load_pretrained(
            AutoModelForTokenClassification, path, "PRM (scalar)", device, dtype
        )
        if model.config.num_labels != 1:
            raise ValueError(
                f"PRM (scalar): {path} has {model.config.num_labels} labels, a scalar head has 1 "
                "(a causal-LM PRM that rates steps with tokens is style step_tag)"
            )
        return ScalarHeadScorer(model)
    model = load_pretrained(AutoModelForCausalLM, path, "PRM (step_tag)", device, dtype)
    tokenizer = load_tokenizer(path, "PRM (step_tag)")
    if policy_tokenizer is not None and tokenizer.get_vocab() != policy_tokenizer.get_vocab():
        raise ValueError(
            f"PRM (step_tag): {path} has a different tokenizer from the policy; the search "
            "feeds the policy's token ids to the PRM, so pair PRM and policy of one family"
        )
    return StepTagScorer(
        model,
        token_id(tokenizer, step_tag, "step tag"),
        token_id(tokenizer, good, "good token"),
        token_id(tokenizer, bad, "bad token"),
    )
