import pytest
import torch
from ttc.sampling import sample
from ttc.tasks.modgraph import build_tokenizer, encode


@pytest.fixture
def prompts(problems):
    return encode([p.prompt_text() for p in problems[:12]])


@pytest.mark.parametrize("fast", [True, False])
def test_greedy_equals_generate(tiny_model, prompts, fast):
    tok = build_tokenizer()
    stop = tok.convert_tokens_to_ids("<s>")
    ours = sample(
        tiny_model,
        prompts,
        temperature=0,
        max_new_tokens=20,
        stop_ids=[stop],
        pad_id=tok.pad_token_id,
        batch_size=5,
        fast=fast,
        progress=False,
    )
    width = max(map(len, prompts))
    ids = torch.tensor([[tok.pad_token_id] * (width - len(p)) + p for p in prompts])
    with torch.inference_mode():
        ref = tiny_model.generate(
            ids,
            attention_mask=(ids != tok.pad_token_id).long(),
            max_new_tokens=20,
            do_sample=False,
            eos_token_id=stop,
            pad_token_id=tok.pad_token_id,
        )[:, width:]
    for g, row in zip(ours, ref, strict=True):
        assert list(g.tokens) == row[: len(g.tokens)].tolist()
        assert g.stopped == (g.tokens[-1] == stop)
        assert g.stopped or len(g.tokens) == 20


def test_limits_stops_order_and_determinism(tiny_model, prompts):
    limits = [1 + i % 4 for i in range(len(prompts))]
    stops = list(range(0, 120))  # most tokens stop

    def draw():
        return sample(
            tiny_model,
            prompts,
            n=3,
            temperature=1.0,
            max_new_tokens=limits,
            stop_ids=stops,
            batch_size=7,
            seed=3,
            progress=False,
        )

    out = draw()
    assert [(g.prompt_index, g.sample_index) for g in out] == [
        (i, j) for i in range(len(prompts)) for j in range(3)
    ]
    for g in out:
        assert 1 <= g.n_generated <= limits[g.prompt_index]
        assert g.stopped == (g.tokens[-1] in stops)
        assert all(t not in stops for t in g.tokens[:-1])
        assert g.n_prompt_tokens == len(prompts[g.prompt_index])
    again = draw()
    assert out == again


def test_forked_samples_match_separate_prefills(tiny_model, prompts):
    """n greedy samples of one prompt share its prefilled cache and must equal one greedy sample."""
    one = sample(tiny_model, prompts[:2], temperature=0, max_new_tokens=12, progress=False)
    many = sample(tiny_model, prompts[:2], n=4, temperature=0, max_new_tokens=12, progress=False)
    for g in many:
        assert g.tokens == one[g.prompt_index].tokens


def test_bad_arguments_fail_clearly(tiny_model, prompts):
    with pytest.raises(ValueError, match="at least one token"):
        sample(tiny_model, [[]], progress=False)
    with pytest.raises(ValueError, match="max_new_tokens"):
        sample(tiny_model, prompts, max_new_tokens=[1, 2], progress=False)


def test_temperature_sampling_follows_the_softmax():
    from ttc.sampling import pick

    logits = torch.tensor([[0.0, 1.0, 2.0]]).repeat(20_000, 1)
    gen = torch.Generator().manual_seed(0)
    for temperature in (1.0, 2.0):
        counts = torch.bincount(pick(logits, temperature, gen), minlength=3).float() / len(logits)
        assert torch.allclose(counts, torch.softmax(logits[0] / temperature, -1), atol=0.015)


def test_steps_of_a_few_live_rows_equal_full_batch_steps(tiny_model, prompts, monkeypatch):
    """A step where few rows are live runs those rows alone; every row's logits, later steps
    included, must equal the full-batch step's (paused rows' slots stay masked and finite)."""
    from ttc import sampling

    def run(sparse_below: float) -> list[torch.Tensor]:
        monkeypatch.setattr(sampling.llama, "_SPARSE_STEP", sparse_below)
        decoder = sampling.make_decoder(tiny_model, fast=True)
        with torch.inference_mode():
            decoder.start(prompts[:4], capacity=2, pad_id=0)
            decoder.select(torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]))  # forks grow past capacity
            decoder.k[:, :, :, decoder.t :] = torch.nan  # unwritten slots may hold anything
            decoder.v[:, :, :, decoder.t :] = torch.nan
            tokens = torch.arange(5, 13)
            few = torch.zeros(8, dtype=torch.bool)
            few[[1, 6]] = True
            outs = [decoder.step(tokens, few), decoder.step(tokens + 1, few)]
            outs.append(decoder.step(tokens + 2))  # every row again, after its pause
        return [torch.where(few[:, None], o, 0) for o in outs[:2]] + outs[2:]

    for full, sparse in zip(run(0.0), run(1.0), strict=True):
        assert torch.isfinite(sparse).all()
        torch.testing.assert_close(sparse, full, atol=1e-5, rtol=1e-5)


def test_shared_prompt_cache_matches_per_row_caches(tiny_model, prompts):
    """One cache copy per prompt, read by all its forks: the same logits as per-row copies,
    through forks, full and sparse steps, a chunk append and a rewind."""
    from ttc import sampling

    def run(share: bool) -> list[torch.Tensor]:
        decoder = sampling.make_decoder(tiny_model, fast=True, share_prompts=share)
        outs = []
        with torch.inference_mode():
            outs.append(decoder.start(prompts[:3], capacity=2, pad_id=0))
            decoder.select(torch.tensor([2, 0, 0, 1, 1, 1, 2]))  # uneven groups, out of order
            tokens = torch.arange(5, 12)
            outs.append(decoder.step(tokens))
            t = decoder.t
            few = torch.zeros(7, dtype=torch.bool)
            few[3] = True
            outs.append(torch.where(few[:, None], decoder.step(tokens + 1, few), 0))
            decoder.rewind(t)
            chunk = torch.stack([tokens + i for i in range(4)], 1)
            valid = torch.arange(4)[None, :] < torch.tensor([4, 1, 3, 4, 2, 4, 0])[:, None]
            outs.append(decoder.append(chunk, valid))
            decoder.select(torch.tensor([6, 3, 3]))
            outs.append(decoder.step(tokens[:3] + 2))
        return outs

    for plain, shared in zip(run(False), run(True), strict=True):
        torch.testing.assert_close(shared, plain, atol=1e-5, rtol=1e-5)
