import json

import numpy as np
import pandas as pd
import pytest
from ttc import findings


def _table(values, n=100):
    return pd.DataFrame({"level": range(1, len(values) + 1), "pass_at_1": values, "n": n})


def test_f1_span_holds_only_when_the_span_and_the_fall_hold():
    assert findings.f1_span(_table([0.9, 0.5, 0.2, 0.05]))["holds"]
    assert not findings.f1_span(_table([0.7, 0.5, 0.2, 0.05]))["holds"]  # easiest too low
    assert not findings.f1_span(_table([0.9, 0.5, 0.2, 0.15]))["holds"]  # hardest too high
    assert not findings.f1_span(_table([0.9, 0.2, 0.6, 0.05]))["holds"]  # rises by many s.e.
    assert findings.f1_span(_table([0.9, 0.06, 0.08, 0.05]))["holds"]  # a rise within noise


def test_f1_scale_and_merge(tmp_path, monkeypatch):
    base, large = _table([0.9, 0.3, 0.1]), _table([0.95, 0.6, 0.3])
    record = findings.f1_scale(base, large, "M", "XXL")
    assert (
        record["holds"]
        and record["value"]["gain_by_level"] == {2: 0.3, 3: 0.2}
        or record["value"]["min_gain"] >= 0.15
    )
    assert not findings.f1_scale(base, base, "M", "M")["holds"]
    monkeypatch.setattr(findings.record, "results_dir", lambda profile: tmp_path)
    findings.record_findings("x", [record])
    merged = findings.record_findings("x", [findings.f1_span(_table([0.9, 0.05]))])
    assert [r["id"] for r in merged] == ["F1-scale", "F1-span"]
    again = findings.record_findings("x", [{**record, "holds": False}])
    assert (
        len(again) == 2
        and json.loads((tmp_path / "findings.json").read_text())[0]["holds"] is False
    )


def _curves(gaps_by_method, ns=(1, 2, 4, 8)):
    """Curves where each method's accuracy is 0.3 + its offset (constant over N)."""
    rows = []
    for (rule, verifier), offset in gaps_by_method.items():
        rows += [{"rule": rule, "verifier": verifier, "n": n, "accuracy": 0.3 + offset} for n in ns]
    return pd.DataFrame(rows)


def test_f2_records_are_sign_tests_at_large_budgets():
    methods = {
        ("majority", "none"): 0.0,
        ("weighted", "prm_last"): 0.1,
        ("weighted", "prm_min"): 0.11,
        ("weighted", "prm_prod"): 0.05,
        ("weighted", "orm"): 0.05,
    }
    curves = _curves(methods)
    # majority grows with N above its N = 1 point (pass@1)
    curves.loc[(curves["rule"] == "majority") & (curves["n"] >= 2), "accuracy"] += 0.05
    records = {r["id"]: r for r in findings.f2_records(curves)}
    assert records["F2-weighted"]["holds"] and records["F2-weighted"]["value"] == {4: 0.05, 8: 0.05}
    assert records["F2-majority"]["holds"] and records["F2-majority"]["value"] == {4: 0.05, 8: 0.05}
    assert records["F2-prm-vs-orm"]["holds"]
    assert records["F2-last"]["holds"] and records["F2-last"]["value"] == {4: -0.01, 8: -0.01}
    worse = _curves({**methods, ("weighted", "orm"): 0.2, ("weighted", "prm_min"): 0.2})
    records = {r["id"]: r for r in findings.f2_records(worse)}
    assert not records["F2-prm-vs-orm"]["holds"] and not records["F2-last"]["holds"]
    assert not records["F2-majority"]["holds"]  # flat majority: no gain over pass@1


def _revision_outcomes(medium_best: float) -> pd.DataFrame:
    """Accuracy per (bin, split, rule): easy bins best fully sequential, medium bins best at
    log2(s/p) = `medium_best`; the base PRM 0.1 below the revision ORM everywhere."""
    rows = []
    splits = [(4, 1), (1, 4), (1, 16), (4, 4), (16, 1)]
    for b in (1, 2, 3, 4, 5):
        for s, p in splits:
            r = np.log2(s / p)
            acc = 0.5 + 0.05 * r if b <= 2 else 0.5 - 0.05 * abs(r - medium_best)
            for rule, shift in (("revision ORM", 0.0), ("base PRM", -0.1), ("majority", -0.2)):
                for problem in range(3):
                    rows.append({"problem": problem, "bin": b, "s": s, "p": p, "budget": s * p,
                                 "rule": rule, "accuracy": acc + shift})  # fmt: skip
    return pd.DataFrame(rows)


def test_f4_records_read_the_gain_the_ends_the_best_ratio_and_the_verifiers():
    step_pass = np.tile([0.2, 0.3, 0.4, 0.5], (40, 1)) + np.repeat([[0.0], [0.1]], 20, axis=0)
    step_pass[::2, 3] += 0.05  # the gain varies over questions
    records = {r["id"]: r for r in findings.f4_records(step_pass, _revision_outcomes(0.0), 16)}
    assert records["F4-revisions-improve"]["holds"]
    assert records["F4-sequential-easy"]["value"] == {16: pytest.approx(0.4)}  # largest pure N
    assert records["F4-sequential-easy"]["holds"]
    shift = records["F4-ratio-shift"]["value"]
    assert shift["easy"] == 4 and shift["medium"] == 0 and records["F4-ratio-shift"]["holds"]
    assert records["F4-revision-verifier"]["value"] == {16: pytest.approx(0.1)}
    assert records["F4-revision-verifier"]["holds"]
    # medium bins best fully sequential too: no shift toward parallel
    same = {r["id"]: r for r in findings.f4_records(step_pass, _revision_outcomes(4.0), 16)}
    assert not same["F4-ratio-shift"]["holds"]
    # pass@1 flat over revisions: no rise
    flat = findings.f4_records(np.full((40, 4), 0.3), _revision_outcomes(0.0), 16)
    assert not flat[0]["holds"]


def test_f5_records_take_the_largest_established_saving_per_variant():
    savings = pd.DataFrame(
        [
            ("search", "oracle", 4, 1.5, "exact", 3.0),
            ("search", "oracle", 16, 3.2, "exact", 2.5),
            ("search", "oracle", 64, np.nan, "not reached", np.nan),
            ("search", "predicted", 64, 5.0, "exact", 0.4),  # best-of-N on a plateau
            ("search", "charged k=4", 4, 1.1, "at least", 3.0),
            ("search", "charged k=4", 16, np.nan, "not reached", np.nan),
            ("revisions", "oracle", 4, np.nan, "not reached", np.nan),
        ],
        columns=["area", "variant", "budget", "saving", "bound", "rise_z"],
    )
    records = {r["id"]: r for r in findings.f5_records(savings)}
    assert set(records) == {
        "F5-search-oracle", "F5-search-predicted", "F5-search-charged-k4", "F5-revisions-oracle",
    }  # fmt: skip
    oracle = records["F5-search-oracle"]
    assert oracle["value"]["max_saving"] == 3.2 and oracle["value"]["at_budget"] == 16
    assert oracle["holds"]
    plateau = records["F5-search-predicted"]
    assert plateau["value"]["max_saving"] == 5.0 and not plateau["holds"]
    assert not records["F5-search-charged-k4"]["holds"]  # 1.1x is short of 2x
    assert records["F5-revisions-oracle"]["value"]["max_saving"] is None
    assert not records["F5-revisions-oracle"]["holds"]


def test_f6_records_read_low_r_easy_bins_high_r_hardest_bin_and_the_map_slope():
    def table(easy_gap, hard_gap):
        rows = []
        for r in (0.16, 22):
            for b in (1, 2, 3, 4, 5):
                gap = easy_gap if (r == 0.16 and b <= 3) else hard_gap if b == 5 else 0.0
                rows.append({"bin": b, "R": r, "difference": gap})
        return pd.DataFrame(rows)

    fit = pd.DataFrame({"bin": [1, 2, 5], "slope": [-1.1, -0.4, np.nan]})
    records = {
        r["id"]: r
        for r in findings.f6_records(
            {"search": table(0.1, -0.05), "revisions": table(-0.01, 0.02)}, fit, "M"
        )
    }
    assert records["F6-search-low-R"]["holds"] and records["F6-search-high-R-hard"]["holds"]
    assert not records["F6-revisions-low-R"]["holds"]
    assert not records["F6-revisions-high-R-hard"]["holds"]
    assert records["F6-map-slope"]["holds"]
    assert records["F6-map-slope"]["value"] == {1: -1.1, 2: -0.4, 5: None}
    rising = findings.f6_records({}, pd.DataFrame({"bin": [1], "slope": [0.3]}), "M")
    assert not rising[0]["holds"]
