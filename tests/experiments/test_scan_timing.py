"""The scan benchmark's measuring code and the shipped CPU result (no wall-clock asserts)."""

import json

import pytest

from rnncourse.experiments.scan_timing import load_scan_result, per_combine, time_linear_scans
from rnncourse.reference.scan import scan_cost


def test_time_linear_scans_records_every_method_and_length():
    res = time_linear_scans([4, 16], batch=2, hidden=3, repeats=1)
    assert res["T"] == [4, 16]
    assert set(res["seconds"]) == {"loop", "hillis_steele", "blelloch"}
    for m, secs in res["seconds"].items():
        assert len(secs) == 2, m
        assert all(s > 0 for s in secs), m
    for m, ratios in res["ratio_loop_over"].items():
        for k, r in enumerate(ratios):
            assert r == pytest.approx(res["seconds"]["loop"][k] / res["seconds"][m][k])
    pc = per_combine(res)
    assert pc["blelloch"][1] == pytest.approx(
        res["seconds"]["blelloch"][1] / scan_cost(16, "blelloch")[0]
    )
    json.dumps(res)


def test_shipped_cpu_result_is_complete():
    res = load_scan_result()
    assert res["T"] == [2**k for k in range(8, 17)]
    assert "2-core" in res["machine"]
    for m in ("loop", "hillis_steele", "blelloch"):
        assert len(res["seconds"][m]) == 9
    for m, v in per_combine(res).items():
        assert v == pytest.approx(res["per_combine"][m])
