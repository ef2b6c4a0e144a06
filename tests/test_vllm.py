"""vLLM as the generation engine, against a real engine started on CPU in this process.

A tiny random Llama (head size 32: vLLM's CPU attention needs at least that) is saved as a
Hugging Face directory and served by vLLM and by the native decoder. Greedy decoding agrees
token for token, first tokens at temperature 1 follow the model's softmax, search steps end
on the same boundaries, and a sample bank and a beam search run through the engine into the
native path's records. `make test` installs the vLLM extra first (`make vllm`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from hub_builders import FIXTURE, bpe_tokenizer, fixture_rows, problem_texts, steer, tiny_llama
from scipy import stats
from ttc.bank import draw_bank
from ttc.config import ConfigError, load_profile, vllm_installed
from ttc.models.hub import load_policy, solution_end_ids
from ttc.policy import engine_policy, model_policy
from ttc.sampling import sample
from ttc.sampling.vllm_engine import VllmEngine, close_engines, open_engine
from ttc.search import Lockstep, tree_search
from ttc.tasks.mathqa import MathTask, load_problems, newline_ids
from ttc.verifiers import init_verifier
from ttc.verifiers.hub import load_prm

if not vllm_installed():
    raise ImportError("vLLM is not installed: `make vllm` installs it (`make test` does)")

# a small KV cache: the CPU engine otherwise reserves a share of the machine's memory
SETTINGS = {"kv_cache_gib": 0.25, "max_model_len": 512, "enforce_eager": True}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """policy/ (steered towards newlines, so steps are short, and towards a few tokens) and
    prm/ (our scalar PRM initialised from it)."""
    root = tmp_path_factory.mktemp("vllm")
    tok = bpe_tokenizer(problem_texts(fixture_rows()))
    policy = tiny_llama(tok, 0, hidden=64, heads=2)
    steer(policy, {**dict.fromkeys(newline_ids(tok), 0.3), tok.eos_token_id: 0.2})
    policy.save_pretrained(root / "policy")
    tok.save_pretrained(root / "policy")
    torch.manual_seed(1)
    init_verifier(root / "policy", 0.0).save_pretrained(root / "prm")
    return root


@pytest.fixture
def engine(root):
    """The policy's engine. Engines in one process share vLLM's global parallel state, so
    one is open at a time (`open_engine` shuts the previous one down)."""
    return open_engine(root / "policy", SETTINGS, "float32")


@pytest.fixture(scope="module", autouse=True)
def _close_engines():
    yield
    close_engines()


@pytest.fixture(scope="module")
def native(root):
    return load_policy(root / "policy", dtype="float32")


@pytest.fixture(scope="module")
def problems():
    return load_problems(FIXTURE).problems


@pytest.fixture(scope="module")
def task(native, problems):
    model, tok = native
    ends = solution_end_ids(model.generation_config, tok)
    return MathTask(tok, ends, shots=problems[:2], max_solution_tokens=40)


def test_greedy_equals_the_native_decoder_token_for_token(engine, native, problems, task):
    model, _ = native
    prompts = [task.prompt_ids(p) for p in problems[2:8]]
    stopped = []
    for stops in (task.stop_ids, task.end_ids):  # step ends, solution ends
        kwargs = {"temperature": 0.0, "max_new_tokens": 24, "stop_ids": sorted(stops)}
        ours = sample(model, prompts, batch_size=4, progress=False, **kwargs)
        theirs = engine.sample(prompts, progress=False, **kwargs)
        assert [g.tokens for g in theirs] == [g.tokens for g in ours]
        assert [g.stopped for g in theirs] == [g.stopped for g in ours]
        stopped += [g.stopped for g in ours]
    assert any(stopped) and not all(stopped)  # rows that stopped and rows cut at the limit


def test_first_tokens_follow_the_softmax(engine, native, problems, task):
    model, _ = native
    prompt = task.prompt_ids(problems[3])
    with torch.no_grad():
        logits = model(torch.tensor([prompt])).logits[0, -1].double()
    n = 4000
    draws = engine.sample([prompt], n=n, temperature=1.0, max_new_tokens=1, seed=7, progress=False)
    counts = np.bincount([g.tokens[0] for g in draws], minlength=len(logits))

    def fit(p: np.ndarray) -> float:
        """Chi-square p-value of the counts against `p`: tokens expected 20+ times each,
        the rest pooled."""
        own = p * n >= 20
        observed = [*counts[own], counts[~own].sum()]
        expected = [*(p[own] * n), p[~own].sum() * n]
        return stats.chisquare(observed, expected).pvalue

    softmax = torch.softmax(logits, -1).numpy()
    assert (softmax * n >= 20).sum() >= 10  # enough tokens tested one by one
    assert fit(softmax) > 1e-3
    assert fit(torch.softmax(logits / 0.7, -1).numpy()) < 1e-6  # the test can tell T apart
    again = engine.sample([prompt], n=n, temperature=1.0, max_new_tokens=1, seed=7, progress=False)
    assert [g.tokens for g in again] == [g.tokens for g in draws]  # seeded


def test_search_steps_end_on_the_same_boundaries(root, native, problems, task):
    """Greedy steps of an unsteered model (whose greedy tokens vary), stopping at tokens
    its greedy continuations contain, through a lockstep with forks and a paused row."""
    model, tok = native
    plain = tiny_llama(tok, 3, hidden=64, heads=2)
    plain.save_pretrained(root / "plain")
    prm = load_prm(root / "prm", "scalar", policy_tokenizer=tok, dtype="float32")
    prompts = [task.prompt_ids(p) for p in problems[2:6]]
    greedy = sample(plain, prompts, temperature=0.0, max_new_tokens=6, progress=False)
    stops = torch.tensor(
        sorted({g.tokens[2] for g in greedy[:2]} | {g.tokens[4] for g in greedy[2:]})
    )
    engine = open_engine(root / "plain", SETTINGS, "float32")
    rounds = []
    for policy in (plain, engine):
        state = Lockstep(policy, prm, task.pad_id)
        state.start(prompts, capacity=64)
        state.select(torch.tensor([0, 0, 1, 2, 3, 3]))  # forks, as a beam keeps them
        steps = []
        for _ in range(3):
            active = torch.ones(state.rows, dtype=torch.bool)
            active[1] = False  # a paused row
            tokens, lengths, stopped = state.extend(active, 0.0, stops, 8, None)
            steps.append((tokens.tolist(), lengths.tolist(), stopped.tolist(), state.score.clone()))
        rounds.append(steps)
    for (t1, l1, s1, score1), (t2, l2, s2, score2) in zip(*rounds, strict=True):
        assert (t1, l1, s1) == (t2, l2, s2)
        torch.testing.assert_close(score1, score2)
    lengths = [n for _, step, _, _ in rounds[0] for n in step]
    assert any(any(s) for _, _, s, _ in rounds[0]) and 1 < max(lengths) and 8 in lengths


def test_a_bank_and_a_beam_search_run_through_the_engine(root, engine, native, problems, task):
    model, tok = native
    chosen = problems[2:5]
    banks = [
        draw_bank(policy, chosen, 4, 3, task)
        for policy in (
            model_policy(model, 0.0, 16, progress=False, task=task),
            engine_policy(engine, 0.0, progress=False, task=task),
        )
    ]
    assert banks[1].tokens == banks[0].tokens  # greedy: identical
    for name in ("answers", "correct", "stopped", "prompt_tokens"):
        np.testing.assert_array_equal(getattr(banks[1], name), getattr(banks[0], name))
    sampled = draw_bank(engine_policy(engine, 1.0, progress=False, task=task), chosen, 4, 3, task)
    assert sampled.answers.shape == banks[0].answers.shape
    prm = load_prm(root / "prm", "scalar", policy_tokenizer=tok, dtype="float32")
    kwargs = {"task": task, "max_rounds": 4, "step_tokens": 8, "progress": False}
    for temperature, lookahead in [(0.0, 0), (1.0, 1)]:
        runs = [
            tree_search(
                policy, prm, chosen, 4, 2, temperature=temperature, lookahead=lookahead, **kwargs
            )
            for policy in (model, engine)
        ]
        for ours, theirs in zip(*runs, strict=True):
            assert len(theirs.pool) == 4 and dataclasses.fields(theirs) == dataclasses.fields(ours)
            assert theirs.cost.generations == ours.cost.generations == 4 * (lookahead + 1)
            assert theirs.cost.flops > 0
            if temperature == 0:  # the same steps, scored the same
                assert [t for t, _ in theirs.pool] == [t for t, _ in ours.pool]
                assert [s for _, s in theirs.pool] == pytest.approx([s for _, s in ours.pool])
                assert dataclasses.asdict(theirs.cost) == dataclasses.asdict(ours.cost)


def test_the_real_profile_samples_through_the_engine(root):
    from ttc import stages
    from ttc.stages.substrate import _policy_inputs, sampling_policy, search_policy

    real = {
        "policy_dir": str(root / "policy"), "problems_path": str(FIXTURE), "shots": 2,
        "dtype": "float32", "engine": "vllm", "vllm": SETTINGS,
    }  # fmt: skip
    sizes = {"test": 4, "prm_train": 3, "revision_train": 3}
    profile = load_profile("real", {"real": real, "splits": sizes})
    assert isinstance(search_policy(profile, "cpu"), VllmEngine)
    policy = sampling_policy(profile, "cpu", 1.0, 8, progress=False)
    bank = draw_bank(policy, stages.load_splits(profile).test, 2, 0, stages.task_of(profile))
    assert bank.answers.shape == (4, 2)
    identity = _policy_inputs(profile)["policy"]
    assert identity["engine"] == "vllm" and identity["vllm"]["kv_cache_gib"] == 0.25
    native = load_profile("real", {"real": {**real, "engine": "native"}, "splits": sizes})
    assert _policy_inputs(native)["policy"]["engine"] == "native"


def test_bad_engine_settings_are_rejected_with_a_suggestion(root, monkeypatch):
    real = {"policy_dir": str(root / "policy"), "problems_path": str(FIXTURE)}
    with pytest.raises(ConfigError, match="did you mean 'vllm'"):
        load_profile("real", {"real": {**real, "engine": "vllmm"}})
    with pytest.raises(ConfigError, match="did you mean 'tensor_parallel_size'"):
        load_profile("real", {"real": {**real, "engine": "vllm", "vllm": {"tensor_parallel": 2}}})
    with pytest.raises(ConfigError, match="one process per copy"):
        load_profile("real", {"real": {**real, "vllm": {"data_parallel_size": 2}}})
    with pytest.raises(ConfigError, match="gpu_memory_utilization"):
        load_profile("real", {"real": {**real, "vllm": {"gpu_memory_utilization": 1.5}}})
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "vllm" else real_find_spec(name, *a),
    )
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[vllm\]'"):
        load_profile("real", {"real": {**real, "engine": "vllm"}})
