"""Runs every notebook through papermill on the smoke profile, into a temporary output tree."""

import json
import os
import subprocess
import sys

import nbformat
import pytest
from ttc.paths import NOTEBOOKS_DIR, REPO_ROOT
from ttc.search import STRATEGIES

pytestmark = pytest.mark.pipeline


def test_source_notebooks_have_no_outputs_and_a_parameters_cell():
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and 'profile = "smoke"' in params[0].source, path.name


# The smoke models are tiny and overhead-bound: one intra-op thread is as fast as two on an idle
# machine, and on a shared one two threads that wait on each other can run 10x slower (a cell
# timed out at 600 s). TTC_THREADS set in the environment still wins.
@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    env = {"TTC_THREADS": "1", **os.environ, "TTC_OUTPUT_DIR": str(out)}
    proc = subprocess.run(
        [sys.executable, "-m", "ttc.pipeline", "--profile", "smoke"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_smoke_pipeline_writes_results_figures_and_findings(smoke_run):
    results = smoke_run / "data" / "results" / "smoke"
    prep = json.loads((results / "01_data_prep.json").read_text())
    assert prep["corpus"]["tokens"] >= 200_000
    base = json.loads((results / "02_base_models.json").read_text())
    assert {row["model"] for row in base["ladder"]} == {"T1", "T2"}
    selection = base["base_selection"]
    assert selection["target"] == 0.3 and selection["reached"] == (
        selection["best_pass_at_1"] >= 0.3
    )
    levels = {row["level"] for row in base["pass_at_1"]}
    assert levels == {1, 2, 3}
    verifiers = json.loads((results / "03_verifiers.json").read_text())
    assert verifiers["label_stats"]["rollouts"] > 0
    assert {row["n"] for row in verifiers["curves"]} == {1, 2, 4, 8}
    search = json.loads((results / "04_search.json").read_text())
    assert sum(row["questions"] for row in search["bins"]) == 24
    assert {row["method"] for row in search["summary"]} == set(STRATEGIES)
    revisions = json.loads((results / "05_revisions.json").read_text())
    assert revisions["chains"]["shape"] == [24, 4, 4] and len(revisions["pass_at_step"]) == 4
    assert {(r["s"], r["p"]) for r in revisions["splits"] if r["budget"] == 8} == {(2, 4), (4, 2)}
    assert {r["rule"] for r in revisions["splits"]} == {
        "majority", "revision ORM", "revision ORM, no history", "base PRM",
    }  # fmt: skip
    optimal = json.loads((results / "06_compute_optimal.json").read_text())
    variants = {(r["area"], r["variant"]) for r in optimal["savings"]}
    assert variants == {
        ("search", "oracle"), ("search", "predicted"), ("search", "charged k=4"),
        ("revisions", "oracle"), ("revisions", "predicted"),
    }  # fmt: skip
    exchange = json.loads((results / "07_compute_exchange.json").read_text())
    assert {r["R"] for r in exchange["matched_budgets"]} == {0.16, 0.79, 22}
    assert {(r["area"], r["bin"]) for r in exchange["exchange"]} == {
        (a, b) for a in ("PRM search", "revisions") for b in range(1, 6)
    }
    assert {r["model"] for r in exchange["surface"]} == {"T1", "T2"}
    ids = {r["id"] for r in json.loads((results / "findings.json").read_text())}
    assert ids == {
        "F1-span", "F1-scale", "F1-bins", "F2-weighted", "F2-majority", "F2-prm-vs-orm", "F2-last",
        "F3-small-budget", "F3-medium", "F3-easy",
        "F4-revisions-improve", "F4-sequential-easy", "F4-ratio-shift", "F4-revision-verifier",
        "F5-search-oracle", "F5-search-predicted", "F5-search-charged-k4",
        "F5-revisions-oracle", "F5-revisions-predicted",
        "F6-search-low-R", "F6-search-high-R-hard", "F6-revisions-low-R",
        "F6-revisions-high-R-hard", "F6-map-slope", "F7-particle-filtering",
    }  # fmt: skip
    figures = smoke_run / "figures" / "smoke"
    for name in [
        "fig01_task_lengths",
        "fig02_training_curves",
        "fig03_role_loss",
        "fig04_pass_at_1_by_level",
        "fig05_pass_at_1_vs_flops",
        "fig06_prm_labels",
        "fig07_verifier_training",
        "fig08_prm_aggregation",
        "fig09_prm_vs_orm",
        "fig10_weighted_vs_best_of_n",
        "fig11_prm_quality",
        "fig12_search_vs_budget",
        "fig13_search_by_oracle_bin",
        "fig14_search_by_predicted_bin",
        "fig15_overoptimisation",
        "fig16_revision_model",
        "fig17_revision_steps",
        "fig18_revision_ratios",
        "fig19_revision_ratios_majority",
        "fig20_revision_predicted_bins",
        "fig21_revision_verifiers",
        "fig22_compute_optimal_search",
        "fig23_compute_optimal_revisions",
        "fig24_saving_by_bin",
        "fig25_exchange_by_bin",
        "fig26_summary",
        "fig27_exchange_map",
    ]:
        assert (figures / f"{name}.png").stat().st_size > 5000 and (
            figures / f"{name}.pdf"
        ).exists()


@pytest.mark.parametrize(
    "notebook, figures",
    [
        ("02_base_models", 4),
        ("03_verifiers", 6),
        ("04_search", 4),
        ("05_revisions", 6),
        ("06_compute_optimal", 3),
    ],
)
def test_executed_notebooks_show_figures_inline(smoke_run, notebook, figures):
    nb = nbformat.read(
        smoke_run / "build" / "notebooks" / "smoke" / f"{notebook}.ipynb", as_version=4
    )
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) >= figures


def test_a_misspelled_parameter_stops_the_notebook(tmp_path):
    import papermill

    with pytest.raises(
        papermill.PapermillExecutionError, match="unknown notebook parameter 'profil'"
    ):
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / "01_data_prep.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"profil": "cpu"},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOKS_DIR),
        )


def test_missing_upstream_names_the_notebook(tmp_path):
    code = (
        "from ttc.config import load_profile; from ttc import stages\n"
        "stages.load_splits(load_profile('smoke', {'seed': 12345}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"TTC_THREADS": "1", **os.environ, "TTC_OUTPUT_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "run notebooks/01_data_prep.ipynb first" in proc.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--profile", "smoek"], "did you mean 'smoke'"),
        (["--profile", "smoke", "--only", "abc"], "NB must be a notebook number"),
        (["--profile", "smoke", "--overrides", "/nonexistent.yaml"], "does not exist"),
    ],
)
def test_bad_input_is_one_message_without_traceback(argv, message, capsys):
    from ttc.pipeline import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert message in str(exit_info.value.code)
    assert "Traceback" not in capsys.readouterr().err


def test_the_registry_drives_the_search_outcomes(smoke_run, monkeypatch):
    """A strategy added to the registry (a tree search, a bank rule) is searched, charged and
    tabled with no other edit; every tree strategy ends with exactly N candidates per question."""
    import ttc.paths as paths
    from ttc import stages
    from ttc.config import load_profile
    from ttc.search import Strategy

    monkeypatch.setattr(paths, "CACHE_DIR", smoke_run / "data" / "cache")
    monkeypatch.setitem(STRATEGIES, "beam M=2", Strategy("beam M=2", "tree", width=2))
    plain = Strategy("PRM best-of-N", "bank", rule=("best_of_n", "prm_last"), candidate=False)
    monkeypatch.setitem(STRATEGIES, plain.name, plain)
    profile = load_profile("smoke")
    outcomes = stages.search_outcomes(profile, "cpu")
    assert set(outcomes["method"]) == set(STRATEGIES)
    for name, s in STRATEGIES.items():
        rows = outcomes[outcomes["method"] == name]
        assert sorted(rows["budget"].unique()) == [s.charge(n) for n in s.ns(profile.search)]
        assert rows["generated_tokens"].gt(0).all() and rows["flops"].gt(0).all(), name
        if s.source == "tree":
            n = rows["budget"] // (s.lookahead + 1)
            assert (rows["candidates"] == n).all(), name
    candidates = stages.search_candidates(profile, outcomes)
    assert "beam M=2" in set(candidates["strategy"])
