"""Smoke test of ``benchmarks/bench_study.py --quick``: it runs, agrees with its baselines, writes JSON."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_study.py"


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    if not BENCH.is_file():
        pytest.skip("benchmarks/bench_study.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("bench_study", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_study"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_study", None)


def test_quick_benchmark_runs_and_agrees(bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "rerating fit, median ms" in out and "large: seconds" in out
    files = list(tmp_path.glob("bench_study-quick-*.json"))
    assert len(files) == 1
    report = json.loads(files[0].read_text())
    small, large = report["small"], report["large"]
    assert small["rerating_tests"] == 12 and small["rerating_events_used"] == small["events"]
    # the engine's CARs equal an independent per-event statsmodels OLS, and eventstudy's when present
    assert small["max_abs_car_diff_vs_statsmodels"] < 1e-10
    if "eventstudy_seconds" in small:
        assert small["max_abs_car_diff_vs_eventstudy"] < 1e-10
    else:
        assert small["eventstudy_error"]
    assert large["events_fitted"] == large["events"] == report["sizes"]["large_events"]
    assert large["max_abs_car_diff_spot_check"] < 1e-6  # float32 panel, float64 fit
    assert set(large["tests"]) == {
        "cross_sectional_t", "brown_warner_cda", "patell", "adj_patell", "bmp", "adj_bmp",
        "skewness_adjusted_t",
    }
    assert all(0.0 <= t["pvalue"] <= 1.0 for t in large["tests"].values())
    groups = report["groups"]
    assert groups["spread_groups"] == 4 and groups["spread_events"] == 200
    assert all(
        groups[k] > 0
        for k in (
            "two_groups_seconds", "two_groups_compare_seconds", "spread_groups_seconds",
            "spread_groups_compare_all_seconds", "two_markets_lead_lag_seconds",
        )
    )
    assert "groups: small fit, no groups / two groups / two groups and compare(), ms" in out
    assert "fit and compare() of every pair" in out
    assert "two markets: small fit, same-date r̄ / with lead-lag terms, ms" in out
