"""Models from directories: a tiny random Llama and a locally trained BPE tokenizer saved to
disk and loaded back the way a user's model is. Sampling stops at newline steps, both PRM
styles score as computed by hand from the model's own outputs, and beam search runs the
mathqa task through the directory path with KV-cache scores equal to a fresh re-scoring."""

from __future__ import annotations

import pytest
import torch
from hub_builders import (
    BAD,
    FIXTURE,
    GOOD,
    TAG,
    bpe_tokenizer,
    fixture_rows,
    problem_texts,
    steer,
    tiny_llama,
)
from ttc.models.hub import load_policy, solution_end_ids
from ttc.sampling import sample
from ttc.search import choose, tree_search
from ttc.tasks.mathqa import INSTRUCTION, MathTask, load_problems, newline_ids, solution_steps
from ttc.verifiers import ScoredSequence, init_verifier, score_steps
from ttc.verifiers.hub import load_prm

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def _tokenizer():
    return bpe_tokenizer(problem_texts(fixture_rows()))


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    """policy/ (steered to write short steps and sometimes end), prm_scalar/ (our PRM,
    initialised from the policy) and prm_tag/ (another causal LM, same tokenizer)."""
    root = tmp_path_factory.mktemp("hub")
    tok = _tokenizer()
    policy = tiny_llama(tok, 0)
    steer(policy, {**dict.fromkeys(newline_ids(tok), 0.45), tok.eos_token_id: 0.3})
    policy.save_pretrained(root / "policy")
    tok.save_pretrained(root / "policy")
    torch.manual_seed(1)
    init_verifier(root / "policy", 0.0).save_pretrained(root / "prm_scalar")
    tiny_llama(tok, 2).save_pretrained(root / "prm_tag")
    tok.save_pretrained(root / "prm_tag")
    return root


@pytest.fixture(scope="module")
def loaded(dirs):
    return load_policy(dirs / "policy", dtype="float32")


@pytest.fixture(scope="module")
def problems():
    return load_problems(FIXTURE).problems


@pytest.fixture(scope="module")
def task(loaded, problems):
    model, tok = loaded
    return MathTask(
        tok,
        solution_end_ids(model.generation_config, tok),
        shots=problems[:2],
        max_solution_tokens=40,
    )


def _scorer(dirs, tok, style):
    return load_prm(
        dirs / f"prm_{'tag' if style == 'step_tag' else 'scalar'}", style,
        policy_tokenizer=tok, step_tag=TAG, good=GOOD, bad=BAD, dtype="float32",
    )  # fmt: skip


def _step_ends(tokens, task) -> tuple[int, ...]:
    """Every stop token closes a step; a solution cut off mid-step ends one too."""
    ends = [j for j, t in enumerate(tokens) if t in task.stop_ids]
    if tokens and (not ends or ends[-1] != len(tokens) - 1):
        ends.append(len(tokens) - 1)
    return tuple(ends)


def test_newline_rule_catches_every_newline_even_inside_merged_tokens(loaded, problems, task):
    _, tok = loaded
    merged = [tok.decode([i]) for i in newline_ids(tok)]
    assert "\n" in merged and any(t.strip() and not t.endswith("\n") for t in merged)
    assert tok.eos_token_id in task.stop_ids and tok.pad_token_id not in task.stop_ids
    for p in problems:
        ids = tok(p.solution, add_special_tokens=False)["input_ids"]
        start, pieces = 0, []
        for end in _step_ends(ids, task):
            pieces.append(tok.decode(ids[start : end + 1]))
            start = end + 1
        # one piece per line (a newline never hides inside a step) ...
        assert len(pieces) == p.solution.count("\n") + 1
        for piece in pieces[:-1]:
            assert "\n" in piece and "\n" not in tok.decode(tok(piece)["input_ids"][:-1])
        assert "".join(pieces) == p.solution  # ... and nothing is lost


def test_prompts_with_and_without_a_chat_template(loaded, problems, task):
    _, tok = loaded
    plain = tok.decode(task.prompt_ids(problems[5]))
    assert plain.startswith("<s>" + INSTRUCTION)
    for shot in problems[:2]:
        assert f"Problem: {shot.problem}\nSolution:\n" + "\n".join(solution_steps(shot)) in plain
    assert plain.endswith(f"Problem: {problems[5].problem}\nSolution:\n")
    tok.chat_template = CHAT_TEMPLATE
    try:
        chat = tok.decode(task.prompt_ids(problems[5]))
    finally:
        tok.chat_template = None
    assert chat.count("<|user|>") == 3 and chat.count("<|assistant|>") == 3
    assert "<s>" not in chat  # the template, not the tokenizer, decides the special tokens
    assert "<|assistant|>\n" + "\n".join(solution_steps(problems[0])) + "<|end|>" in chat
    assert chat.endswith(f"{problems[5].problem}<|end|>\n<|assistant|>\n")


@pytest.mark.parametrize("fast", [True, False])
def test_sampling_from_a_directory_stops_at_steps_and_equals_generate(loaded, problems, task, fast):
    model, tok = loaded
    prompts = [task.prompt_ids(p) for p in problems[2:7]]
    gens = sample(
        model, prompts, temperature=0, max_new_tokens=12, stop_ids=task.stop_ids,
        pad_id=task.pad_id, batch_size=3, fast=fast, progress=False,
    )  # fmt: skip
    width = max(map(len, prompts))
    ids = torch.tensor([[task.pad_id] * (width - len(p)) + p for p in prompts])
    with torch.inference_mode():
        ref = model.generate(
            ids, attention_mask=(torch.arange(width)[None] >= width - torch.tensor(
                [len(p) for p in prompts])[:, None]).long(),
            max_new_tokens=12, do_sample=False, eos_token_id=list(task.stop_ids),
            pad_token_id=task.pad_id,
        )[:, width:]  # fmt: skip
    assert sum(g.stopped for g in gens) >= 3  # the steered policy ends its steps
    for g, row in zip(gens, ref, strict=True):
        assert list(g.tokens) == row[: len(g.tokens)].tolist()
        text = tok.decode(list(g.tokens))
        assert g.stopped == ("\n" in text or g.tokens[-1] in task.end_ids)
        assert "\n" not in tok.decode(list(g.tokens[:-1]))  # one step, cut at its first newline


def test_step_tag_score_is_good_over_good_plus_bad_at_the_tag(dirs, loaded, problems, task):
    _, tok = loaded
    scorer = _scorer(dirs, tok, "step_tag")
    assert (scorer.tag_id, scorer.good_id, scorer.bad_id) == tuple(
        tok.convert_tokens_to_ids(t) for t in (TAG, GOOD, BAD)
    )
    prompt = task.prompt_ids(problems[4])
    items = []
    for p in problems[:3]:
        sol = tok(p.solution, add_special_tokens=False)["input_ids"]
        items.append(
            ScoredSequence(
                tuple(prompt + sol), tuple(len(prompt) + e for e in _step_ends(sol, task))
            )
        )
    scores = score_steps(scorer, items, batch_size=2, progress=False)
    for item, got in zip(items, scores, strict=True):
        ids = list(item.ids)
        for k, pos in enumerate(item.positions):  # the tag after every step so far
            ids.insert(pos + 1 + k, scorer.tag_id)
        with torch.inference_mode():
            logits = scorer.model(torch.tensor([ids])).logits[0]
        tags = [j for j, t in enumerate(ids) if t == scorer.tag_id]
        assert len(tags) == len(item.positions) == len(got)
        good, bad = logits[tags, scorer.good_id].exp(), logits[tags, scorer.bad_id].exp()
        torch.testing.assert_close(torch.tensor(got), good / (good + bad), atol=1e-5, rtol=0)


def test_scalar_prm_from_a_directory_is_the_sigmoid_of_its_head(dirs, loaded, problems, task):
    _, tok = loaded
    scorer = _scorer(dirs, tok, "scalar")
    prompt = task.prompt_ids(problems[0])
    sol = tok(problems[1].solution, add_special_tokens=False)["input_ids"]
    ends = tuple(len(prompt) + e for e in _step_ends(sol, task))
    (got,) = score_steps(scorer, [ScoredSequence(tuple(prompt + sol), ends)], progress=False)
    with torch.inference_mode():
        head = scorer.model(torch.tensor([prompt + sol])).logits[0, list(ends), 0]
    torch.testing.assert_close(torch.tensor(got), torch.sigmoid(head), atol=1e-5, rtol=0)
    assert len(set(got.round(4))) > 1  # a real signal, not a constant


@pytest.mark.parametrize("style", ["scalar", "step_tag"])
@pytest.mark.parametrize("fast, lookahead", [(True, 0), (False, 0), (True, 1)])
def test_beam_search_through_directories(dirs, loaded, problems, task, style, fast, lookahead):
    model, tok = loaded
    scorer = _scorer(dirs, tok, style)
    chosen = problems[2:5]
    results = tree_search(
        model, scorer, chosen, 4, 2, task=task, lookahead=lookahead, max_rounds=5,
        step_tokens=8, fast=fast, progress=False,
    )  # fmt: skip
    steps = set()
    for problem, result in zip(chosen, results, strict=True):
        prompt = tuple(task.prompt_ids(problem))
        pool = [(tokens, s) for tokens, s in result.pool if tokens]
        items = [
            ScoredSequence(prompt + t, tuple(len(prompt) + e for e in _step_ends(t, task)))
            for t, _ in pool
        ]
        fresh = score_steps(scorer, items, progress=False)
        for (_, score), again in zip(pool, fresh, strict=True):
            assert score == pytest.approx(float(again[-1]), abs=1e-4)  # KV reuse is exact
            steps.add(len(again))
        assert result.chosen_valid is None  # no exact checker for free-form solutions
        tags = 0 if style == "scalar" else 1
        read = result.cost.prefill_tokens + result.cost.generated_tokens
        assert (result.cost.verifier_tokens > read) == bool(tags)  # the tags are counted
    assert max(steps) > 1  # candidates grew over several steps


def test_choose_grades_mathqa_answers_with_math_verify(loaded, problems, task):
    _, tok = loaded
    first = problems[0]  # answer 5/6

    def sol(text):
        return tuple(tok(text, add_special_tokens=False)["input_ids"]) + (tok.eos_token_id,)

    pool = [
        (sol("Add them.\nSo $\\boxed{\\frac{10}{12}}$."), 0.3),
        (sol("So $\\boxed{\\frac56}$."), 0.3),
        (sol("So $\\boxed{\\frac{1}{6}}$."), 0.5),
        (sol("No answer here."), 0.9),
    ]
    result = choose(first, pool, task)
    assert result.correct and result.answer.key == "5/6"  # two equal votes outweigh 0.5
    assert result.chosen in (pool[0][0], pool[1][0]) and result.chosen_valid is None
    assert not choose(first, pool[2:], task).correct
    assert choose(first, pool[3:], task).answer is None


def test_solution_ends_at_an_end_token_or_the_step_that_boxes_an_answer(loaded, task):
    _, tok = loaded

    def ids(text):
        return tok(text, add_special_tokens=False)["input_ids"]

    assert not task.finished(ids("The common denominator is $6$.\n"))
    assert task.finished(ids("So the sum is $\\boxed{\\frac{5}{6}}$.\n"))
    assert task.finished(ids("Still going") + [tok.eos_token_id])
    run_on = ids("So $\\boxed{3}$.\n\nProblem: What is $1+1$?\nSolution:\n$\\boxed{2}$.\n")
    assert task.answer(run_on).latex == "3"


def test_bad_directories_get_clear_errors(dirs, loaded, tmp_path):
    _, tok = loaded
    with pytest.raises(FileNotFoundError, match="config.json missing.*save_pretrained"):
        load_policy(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="2 labels, a scalar head has 1.*step_tag"):
        load_prm(dirs / "prm_tag", "scalar")  # a causal LM is not our scalar-head PRM
    with pytest.raises(ValueError, match="'<nope>' is not one token"):
        load_prm(dirs / "prm_tag", "step_tag", step_tag="<nope>")
    other = _tokenizer()
    other.add_tokens(["extra"])
    with pytest.raises(ValueError, match="different tokenizer from the policy"):
        load_prm(dirs / "prm_tag", "step_tag", policy_tokenizer=other)
    with pytest.raises(ValueError, match="unknown PRM style"):
        load_prm(dirs / "prm_tag", "reward")


def test_the_real_profile_opens_policy_prm_task_and_disjoint_splits(dirs):
    from ttc.config import ConfigError, load_profile
    from ttc.real import open_real
    from ttc.verifiers import StepTagScorer

    real = {
        "policy_dir": str(dirs / "policy"), "problems_path": str(FIXTURE),
        "prm_dir": str(dirs / "prm_tag"), "prm_style": "step_tag", "step_tag": TAG,
        "shots": 2, "dtype": "float32",
    }  # fmt: skip
    sizes = {"test": 4, "prm_train": 3, "revision_train": 3}
    run = open_real(load_profile("real", {"real": real, "splits": sizes}), "cpu")
    assert isinstance(
        run.prm, StepTagScorer
    ) and run.prm.tag_id == run.tokenizer.convert_tokens_to_ids(TAG)
    assert [p.line for p in run.task.shots] == [1, 2] and [s.line for s in run.skipped] == [13]
    assert {k: len(v) for k, v in run.splits.items()} == sizes
    lines = [p.line for split in run.splits.values() for p in split]
    assert sorted(lines) == list(range(3, 13))  # every problem after the shots, once
    assert run.task.end_ids == {run.tokenizer.eos_token_id}
    with pytest.raises(ConfigError, match="holds 10 gradable problems after 2 shots"):
        open_real(load_profile("real", {"real": real, "splits": {**sizes, "test": 5}}), "cpu")


def test_an_external_prm_replaces_the_trained_one_in_the_stages(dirs):
    from ttc import stages
    from ttc.config import load_profile
    from ttc.verifiers import StepTagScorer

    real = {
        "policy_dir": str(dirs / "policy"), "problems_path": str(FIXTURE),
        "prm_dir": str(dirs / "prm_tag"), "prm_style": "step_tag", "step_tag": TAG, "shots": 2,
    }  # fmt: skip
    profile = load_profile(
        "real", {"real": real, "splits": {"test": 4, "prm_train": 3, "revision_train": 3}}
    )
    assert stages.trained_verifiers(profile) == ("orm",)
    assert isinstance(stages.verifier_scorer(profile, "prm", "cpu"), StepTagScorer)
    with pytest.raises(ValueError, match="prm is given"):
        stages.train_verifier_model(profile, "prm", "cpu")
    assert [p.line for p in stages.task_of(profile).shots] == [1, 2]
    assert len(stages.load_splits(profile).test) == 4
