"""Runs notebooks 03-06 through papermill on the `real` profile: a tiny random Llama saved as
a user's policy directory, templated MATH-style problems, tiny sizes, a temporary output tree."""

import json
import os
import subprocess
import sys

import nbformat
import pytest
import yaml
from hub_builders import bpe_tokenizer, problem_texts, steer, tiny_llama
from ttc.paths import REPO_ROOT
from ttc.search import STRATEGIES
from ttc.tasks.mathqa import newline_ids

pytestmark = pytest.mark.pipeline

BOXES = ["\\boxed{1}", "\\boxed{2}"]  # whole tokens, so the random policy often answers


def templated_problems(n: int) -> list[dict]:
    """Subtractions whose answer is 1 or 2, at levels 1-5."""
    rows = []
    for i in range(n):
        answer, b = 1 + i % 2, 3 + (i * 7) % 40
        rows.append(
            {
                "problem": f"What is ${b + answer} - {b}$?",
                "solution": f"We subtract ${b}$ from ${b + answer}$.\n"
                f"So the answer is $\\boxed{{{answer}}}$.",
                "answer": str(answer),
                "level": f"Level {1 + i % 5}",
            }
        )
    return rows


OVERRIDES = {
    "real": {"shots": 2, "max_solution_tokens": 24, "dtype": "float32"},
    "splits": {"test": 10, "prm_train": 12, "revision_train": 12},
    "bank": {"samples": 8, "temperature": 1.0, "subset_trials": 10, "difficulty_samples": [2]},
    "verifier": {
        "samples_per_problem": 4, "rollouts_per_step": 2, "temperature": 1.0, "lr": 1.0e-3,
        "batch_size": 16, "max_epochs": 1, "patience": 1, "holdout_frac": 0.25,
    },
    "search": {
        "budgets": [1, 4], "lookahead_budgets": [4], "max_rounds": 6, "step_tokens": 8,
        "max_rows": 256,
    },
    "revisions": {
        "samples_per_problem": 4, "temperature": 1.0, "epochs": 1, "lr": 1.0e-3,
        "batch_size": 8, "checkpoints": [0.5, 1.0], "holdout_frac": 0.25,
    },
    "chains": {
        "chains": 2, "length": 4, "budgets": [4, 8], "trials": 4, "orm_questions": 4,
        "batch_size": 64,
    },
    "cell_timeout_s": 600,
}  # fmt: skip


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    rows = templated_problems(36)
    (root / "problems.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    tok = bpe_tokenizer(problem_texts(rows), vocab_size=300)
    tok.add_tokens(BOXES)
    policy = tiny_llama(tok, 0)
    boxes = dict.fromkeys(tok.convert_tokens_to_ids(BOXES), 0.4)
    steer(policy, {**dict.fromkeys(newline_ids(tok), 0.3), tok.eos_token_id: 0.2, **boxes})
    policy.save_pretrained(root / "policy")
    tok.save_pretrained(root / "policy")
    paths = {"policy_dir": str(root / "policy"), "problems_path": str(root / "problems.jsonl")}
    overrides = {**OVERRIDES, "real": {**OVERRIDES["real"], **paths}}
    (root / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    out = root / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "ttc.pipeline", "--profile", "real"]
        + ["--overrides", str(root / "overrides.yaml")],
        cwd=REPO_ROOT,
        env={"TTC_THREADS": "1", **os.environ, "TTC_OUTPUT_DIR": str(out)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc.stdout


def test_real_pipeline_runs_notebooks_3_to_6(real_run):
    out, log = real_run
    assert "skipping 01_data_prep.ipynb" in log and "skipping 02_base_models.ipynb" in log
    results = out / "data" / "results" / "real"
    verifiers = json.loads((results / "03_verifiers.json").read_text())
    assert verifiers["label_stats"]["rollouts"] > 0
    assert verifiers["engine"] == "native"  # what sampled the policy is on record
    assert set(verifiers["verifier_training"]) == {"prm", "orm"}
    assert {row["n"] for row in verifiers["curves"]} == {1, 2, 4, 8}
    assert verifiers["quality"] == []  # no exact step checker
    search = json.loads((results / "04_search.json").read_text())
    assert sum(row["questions"] for row in search["bins"]) == 10
    assert {row["method"] for row in search["summary"]} == set(STRATEGIES)
    assert all("chosen_valid" not in row for row in search["chosen"])
    revisions = json.loads((results / "05_revisions.json").read_text())
    assert revisions["chains"]["shape"] == [10, 2, 4] and len(revisions["pass_at_step"]) == 4
    assert {r["rule"] for r in revisions["splits"]} == {
        "majority", "revision ORM", "revision ORM, no history", "base PRM",
    }  # fmt: skip
    optimal = json.loads((results / "06_compute_optimal.json").read_text())
    assert {(r["area"], r["variant"]) for r in optimal["savings"]} == {
        ("search", "oracle"), ("search", "predicted"), ("search", "charged k=2"),
        ("revisions", "oracle"), ("revisions", "predicted"),
    }  # fmt: skip
    ids = {r["id"] for r in json.loads((results / "findings.json").read_text())}
    # F1-span, F1-scale and F6 need the study's model ladder; F1-bins needs only the bank
    assert {i[:2] for i in ids} == {"F1", "F2", "F3", "F4", "F5", "F7"}
    assert {i for i in ids if i.startswith("F1")} == {"F1-bins"}


def test_real_pipeline_skips_only_what_needs_the_exact_checker(real_run):
    out, _ = real_run
    figures = out / "figures" / "real"
    made = {p.stem[:5] for p in figures.glob("*.png")}  # fig06, fig11, fig15 need the checker
    assert made == {f"fig{k:02d}" for k in [7, 8, 9, 10, 12, 13, 14, *range(16, 25)]}
    executed = out / "build" / "notebooks" / "real"
    assert sorted(p.name[:2] for p in executed.glob("*.ipynb")) == ["03", "04", "05", "06"]
    text = "".join(
        o.get("text", "")
        for name in ("03_verifiers", "04_search")
        for c in nbformat.read(executed / f"{name}.ipynb", as_version=4).cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    for skipped in ("fig06 skipped", "fig11 skipped", "fig15 skipped"):
        assert skipped in text
