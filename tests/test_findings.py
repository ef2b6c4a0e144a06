import json

import pandas as pd
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
    monkeypatch.setattr(findings, "results_dir", lambda profile: tmp_path)
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
