"""Our batched KV-cache sampler against `model.generate` on the same batch (target: >= 2x tokens/s).

Uses the profile's trained base model when notebook 02 has built it (real stopping behaviour),
otherwise a freshly initialised model of the same size. Tokens/s counts generated tokens up to
and including each sequence's stop token; `generate` keeps decoding finished rows as padding.
"""

from __future__ import annotations

import random

import torch
from ttc import runtime
from ttc.config import load_profile
from ttc.models.ladder import build_model, load_model
from ttc.sampling import left_pad, sample
from ttc.stages import MissingUpstream, base_policy_dir
from ttc.tasks.modgraph import build_tokenizer, encode, generate_problem, max_solution_tokens

from benchmarks import best_rates, report


def _base_model(profile, device):
    try:
        return load_model(base_policy_dir(profile), device), "trained"
    except MissingUpstream:
        return build_model(profile.model(profile.base_model), profile.seed).to(
            device
        ).eval(), "untrained"


def run(profile_name: str = "cpu", batch: int = 64, repeats: int = 5) -> dict:
    runtime.configure_process()
    device = runtime.device()
    profile = load_profile(profile_name)
    model, state = _base_model(profile, device)
    tok = build_tokenizer()
    rng = random.Random(0)
    problems = [generate_problem(profile.task, rng) for _ in range(batch)]
    prompts = encode([p.prompt_text() for p in problems])
    limit = max(max_solution_tokens(p) for p in problems)
    stop = tok.eos_token_id

    def ours():
        gens = sample(
            model,
            prompts,
            temperature=1.0,
            max_new_tokens=limit,
            stop_ids=[stop],
            pad_id=tok.pad_token_id,
            batch_size=batch,
            seed=0,
            progress=False,
        )
        return sum(g.n_generated for g in gens)

    ids, valid = left_pad(prompts, tok.pad_token_id)
    ids, mask, width = ids.to(device), valid.long().to(device), ids.shape[1]

    @torch.inference_mode()
    def generate():
        torch.manual_seed(0)
        out = model.generate(
            ids,
            attention_mask=mask,
            max_new_tokens=limit,
            do_sample=True,
            temperature=1.0,
            top_k=0,
            eos_token_id=stop,
            pad_token_id=tok.pad_token_id,
        )[:, width:]
        useful = 0
        for row in out.tolist():  # count up to the first stop token, like ours
            useful += row.index(stop) + 1 if stop in row else len(row)
        return useful

    results = best_rates({"ttc.sampling": ours, "model.generate": generate}, repeats)
    return report(
        f"sampler, {profile_name} base model {profile.base_model} ({state}), batch {batch}, "
        f"device {device}",
        profile_name, "sampler", results, 2, state == "trained", model=profile.base_model,
        weights=state,
        batch=batch, device=device,
    )  # fmt: skip


if __name__ == "__main__":
    run()
