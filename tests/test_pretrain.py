import math
import random

import numpy as np
import pytest
import torch
from ttc.config import TaskConfig, TrainConfig
from ttc.models.evaluate import greedy_pass_at_1, role_losses, sampled_pass_at_1
from ttc.models.ladder import load_model
from ttc.models.pretrain import TRAINER_STATE, pretrain
from ttc.tasks.modgraph import ROLES, build_corpus, build_tokenizer, generate_problem


@pytest.fixture
def corpus(task):
    return build_corpus(task, seed=0, n_tokens=60_000, exclude=set())


CFG = TrainConfig(tokens=60_000, batch_size=8, checkpoints=(0.5, 1.0), eval_points=2)


def test_loss_falls_and_checkpoints_load(tmp_path, tiny_spec, corpus, problems):
    metrics = pretrain(tiny_spec, CFG, corpus, tmp_path, seed=0, device="cpu", progress=False)
    losses = [p["loss"] for p in metrics["curve"]]
    assert losses[-1] < losses[0] - 0.5
    assert [c["fraction"] for c in metrics["checkpoints"]] == [0.5, 1.0]
    assert metrics["tokens_seen"] == int(np.diff(corpus["offsets"]).sum())
    assert metrics["flops_counted"] > metrics["flops_6nd"] > 0
    model = load_model(tmp_path / metrics["checkpoints"][-1]["name"])
    first = greedy_pass_at_1(model, problems[:8], progress=False)
    second = greedy_pass_at_1(
        load_model(tmp_path / metrics["checkpoints"][-1]["name"]), problems[:8], progress=False
    )
    assert first.equals(second)  # loads back with identical behaviour
    assert (tmp_path / metrics["checkpoints"][0]["name"] / TRAINER_STATE).exists()


def test_interrupted_training_resumes_to_the_same_model(tmp_path, tiny_spec, corpus):
    pretrain(tiny_spec, CFG, corpus, tmp_path / "ref", seed=0, device="cpu", progress=False)

    calls = []

    def interrupt_after_first_checkpoint(model):
        calls.append(1)
        if len(calls) == 2:  # the second evaluation point comes after the 0.5 checkpoint
            raise KeyboardInterrupt
        return {}

    with pytest.raises(KeyboardInterrupt):
        pretrain(
            tiny_spec,
            CFG,
            corpus,
            tmp_path / "run",
            seed=0,
            device="cpu",
            evaluate=interrupt_after_first_checkpoint,
            progress=False,
        )
    assert (tmp_path / "run" / "ckpt-0.500" / TRAINER_STATE).exists()
    pretrain(tiny_spec, CFG, corpus, tmp_path / "run", seed=0, device="cpu", progress=False)
    a = load_model(tmp_path / "ref" / "ckpt-1.000").state_dict()
    b = load_model(tmp_path / "run" / "ckpt-1.000").state_dict()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_a_corrupt_checkpoint_resumes_from_the_last_intact_one(tmp_path, tiny_spec, corpus, capsys):
    from ttc import cache

    def build(work):
        pretrain(tiny_spec, CFG, corpus, work, seed=0, device="cpu", progress=False)

    path = cache.artifact("pretrain", {"t": 1}, build, root=tmp_path)
    reference = load_model(path / "ckpt-1.000").state_dict()
    weights = path / "ckpt-1.000" / "model.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[len(blob) // 2] ^= 0xFF  # one flipped byte in the final weights
    weights.write_bytes(bytes(blob))
    path = cache.artifact("pretrain", {"t": 1}, build, root=tmp_path)
    out = capsys.readouterr().out
    assert "corrupt" in out and "resuming at step" in out and "at step 0/" not in out
    rebuilt = load_model(path / "ckpt-1.000").state_dict()
    assert all(torch.allclose(reference[k], rebuilt[k], atol=1e-6) for k in reference)


class _Uniform(torch.nn.Module):
    """A model whose next-token distribution is uniform: every role must cost log(V)."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab = vocab
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids, attention_mask=None):
        logits = torch.zeros(*input_ids.shape, self.vocab)
        return type("Out", (), {"logits": logits})()


def test_role_losses_on_a_uniform_model(problems):
    vocab = len(build_tokenizer())
    losses = role_losses(_Uniform(vocab), problems[:6])
    assert set(losses) == set(ROLES) - {"previous", "operand"}  # the chain format's roles
    assert all(v == pytest.approx(math.log(vocab)) for v in losses.values())
    chain = TaskConfig(modulus=23, levels=(2, 3), order="shuffled", step_format="chain")
    rng = random.Random(0)
    losses = role_losses(_Uniform(vocab), [generate_problem(chain, rng) for _ in range(4)])
    assert set(losses) == {
        "step_variable", "previous", "operator", "operand", "structure", "result", "answer"
    }  # fmt: skip
    assert all(v == pytest.approx(math.log(vocab)) for v in losses.values())


def test_finetuning_starts_from_the_given_checkpoint(tmp_path, tiny_spec, corpus):
    cfg = TrainConfig(tokens=60_000, batch_size=8, checkpoints=(1.0,), eval_points=1)
    base = pretrain(tiny_spec, cfg, corpus, tmp_path / "base", seed=0, device="cpu", progress=False)
    start = tmp_path / "base" / base["checkpoints"][-1]["name"]
    tuned = pretrain(
        tiny_spec, cfg, corpus, tmp_path / "tuned", seed=1, device="cpu", progress=False,
        init_from=start,
    )  # fmt: skip
    fresh = pretrain(
        tiny_spec, cfg, corpus, tmp_path / "fresh", seed=1, device="cpu", progress=False
    )
    # the finetuned run begins where the base run ended, far below a fresh start
    assert tuned["curve"][0]["loss"] < fresh["curve"][0]["loss"] - 1.0
    assert tuned["curve"][0]["loss"] == pytest.approx(base["curve"][-1]["loss"], abs=0.5)


def test_sampled_pass_at_1_rows_and_bounds(tiny_model, problems):
    table = sampled_pass_at_1(tiny_model, problems[:5], samples=3, batch_size=8, progress=False)
    assert list(table["level"]) == [p.n_ops for p in problems[:5]]
    assert (
        table["pass_at_1"].between(0, 1).all() and (table["valid_at_1"] <= table["pass_at_1"]).all()
    )
    # coverage is "any of the samples right": it holds exactly where pass@1 is above zero
    assert (table["coverage"] == (table["pass_at_1"] > 0)).all()
    again = sampled_pass_at_1(tiny_model, problems[:5], samples=3, batch_size=8, progress=False)
    assert table.equals(again)  # seeded
