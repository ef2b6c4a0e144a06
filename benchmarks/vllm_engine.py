"""The real profile's two heaviest generation jobs through vLLM and through the native decoder,
on the same model and questions: a sample bank (whole solutions) and beam search (one step
per row per round, the PRM scoring natively in both).

The model is a random-init Llama saved as a Hugging Face directory, over a BPE tokenizer
trained on the MATH-style fixture, whose problems are the prompts (with two worked
examples, as the real profile poses them). Its head is steered towards newlines and the end
token (a newline about one token in ten, the end one in a hundred), so solutions end and
steps are a few tokens long (search steps average 4-5 here). `--size
cpu` (hidden 256, 4 layers: 3M parameters) is for this machine; `--size 0.5b` has
Qwen2.5-0.5B's shape (24 layers, hidden 896, 14/2 heads, FFN 4864) over the small
vocabulary, for a GPU. vLLM's start-up is timed separately from generation.

    python -m benchmarks.vllm_engine [--size cpu|0.5b]   (needs `make vllm`)
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM
from ttc import runtime
from ttc.models.hub import load_policy, solution_end_ids
from ttc.policy import engine_policy, model_policy
from ttc.sampling.vllm_engine import VllmEngine
from ttc.search import tree_search
from ttc.tasks.mathqa import MathTask, load_problems, newline_ids
from ttc.verifiers import init_verifier
from ttc.verifiers.hub import load_prm

from benchmarks import best_rates, report

FIXTURE = Path(__file__).parents[1] / "tests" / "fixtures" / "math_sample.jsonl"
SIZES = {
    "cpu": dict(hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                num_attention_heads=4, num_key_value_heads=2),
    "0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                 num_attention_heads=14, num_key_value_heads=2),
}  # fmt: skip


def save_models(root: Path, size: str) -> None:
    """policy/ (random, steered to write steps and end) and prm/ (our PRM from it)."""
    import sys

    sys.path.insert(0, str(FIXTURE.parents[1]))
    from hub_builders import bpe_tokenizer, fixture_rows, problem_texts, steer

    tok = bpe_tokenizer(problem_texts(fixture_rows()))
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok), **SIZES[size], tie_word_embeddings=False,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )  # fmt: skip
    policy = LlamaForCausalLM(config).eval()
    lines = newline_ids(tok)
    others = len(tok) - len(lines) - 1

    def boost(p: float, k: int) -> float:
        """The steer giving k tokens together probability ~p against the near-flat rest
        (`steer` holds its residual dimension at 10)."""
        return math.log(p / (1 - p) * others / k) / 10

    # a newline 1 token in 10, the end 1 in 100: steps of ~10 tokens, ~10 steps a solution
    steer(
        policy, {**dict.fromkeys(lines, boost(0.1, len(lines))), tok.eos_token_id: boost(0.01, 1)}
    )
    policy.save_pretrained(root / "policy")
    tok.save_pretrained(root / "policy")
    init_verifier(root / "policy", 0.0).save_pretrained(root / "prm")


def run(
    size: str = "cpu", questions: int = 8, samples: int = 16, budget: int = 16, repeats: int = 2
):
    runtime.configure_process()
    device = runtime.device()
    dtype = "bfloat16" if device.startswith("cuda") else "float32"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        save_models(root, size)
        model, tok = load_policy(root / "policy", device, dtype)
        prm = load_prm(root / "prm", "scalar", policy_tokenizer=tok, device=device, dtype=dtype)
        problems = load_problems(FIXTURE).problems
        task = MathTask(tok, solution_end_ids(model.generation_config, tok), problems[:2], 256)
        chosen = list(problems[2 : 2 + questions])
        started = time.perf_counter()
        settings = {"kv_cache_gib": 2.0} if device == "cpu" else {"gpu_memory_utilization": 0.5}
        engine = VllmEngine(root / "policy", settings, dtype)
        start_s = time.perf_counter() - started
        prompts = [task.prompt_ids(p) for p in chosen]
        limits = [task.max_solution_tokens(p) for p in chosen]

        def bank(policy):
            def go() -> int:
                return sum(g.n_generated for g in policy(prompts, samples, limits, 0))

            return go

        def search(policy):
            def go() -> int:
                results = tree_search(
                    policy, prm, chosen, budget, 4, task=task, temperature=1.0, step_tokens=64,
                    max_rows=budget * questions, progress=False,
                )  # fmt: skip
                return sum(r.cost.generated_tokens for r in results)

            return go

        sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
        native = model_policy(model, 1.0, 64, progress=False, task=task)
        served = engine_policy(engine, 1.0, progress=False, task=task)
        n_params = sum(p.numel() for p in model.parameters())
        context = dict(size=size, parameters=n_params, dtype=dtype, device=device,
                       questions=questions, vllm_start_s=round(start_s, 1))  # fmt: skip
        out = {}
        for name, runs, what in [
            ("bank", {"vLLM": bank(served), "native": bank(native)}, f"{samples} samples"),
            ("beam", {"vLLM": search(engine), "native": search(model)}, f"beam M=4 N={budget}"),
        ]:
            rates = best_rates(runs, repeats, sync)
            out[name] = report(
                f"{name} through vLLM vs the native decoder: random-init {size} Llama "
                f"({n_params / 1e6:,.1f}M parameters, {dtype}), {questions} MATH-style "
                f"questions, {what}, device {device} (vLLM start-up {start_s:.0f} s)",
                "real", f"vllm_{name}_{size}", rates, 1, True, **context,
            )  # fmt: skip
        engine.shutdown()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="cpu")
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--budget", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    run(args.size, args.questions, args.samples, args.budget, args.repeats)
