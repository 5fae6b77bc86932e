"""Smoke tests: the store, whole-market and simulation benchmarks run end to end at tiny sizes."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _bench(name: str) -> ModuleType:
    """A benchmark script of ``benchmarks/``, imported as a module."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


def test_bench_store_tiny(tmp_path, capsys):
    bench_store = _bench("bench_store")
    assert bench_store.main(["--symbols", "12", "--years", "1", "--batch", "5", "--dir", str(tmp_path), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["rows"] > 12 * 200 and figures["panel_shape"][1] == 12
    assert figures["read_rows_per_s"] > 0 and figures["load_rows_per_s"] > 0
    assert set(figures["peak_rss_mb"]) == {"generate", "load", "read", "baseline"}
    assert list(tmp_path.iterdir()) == []  # the work folder is removed


def test_bench_market_returns_tiny(capsys):
    bench_market_returns = _bench("bench_market_returns")
    argv = ["--symbols", "6", "--years", "2", "--events", "30", "--repeats", "1", "--json"]
    assert bench_market_returns.main(argv) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["return_rows"] > 6 * 200 and figures["events_used"] == 30
    assert figures["returns_from_store_s"] > 0 and figures["speedup_vs_one_by_one"] > 0


def test_bench_simulate_tiny(capsys):
    bench_simulate = _bench("bench_simulate")
    # 2 replications: one chunk each, so both runs stay in this process; the figures' shape
    assert bench_simulate.main(["--reps", "2", "--workers", "2", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["workers"] == 2 and set(figures["scenarios"]) == {"independent", "clustered", "markets"}
    assert all(f["one_process_s"] > 0 and f["speedup"] > 0 for f in figures["scenarios"].values())
    assert all(f["workers_used"] == 1 for f in figures["scenarios"].values())


def test_bench_study_public_tiny(capsys):
    bench_study_public = _bench("bench_study_public")
    argv = ["--symbols", "40", "--years", "2", "--events", "300", "--repeats", "1", "--json"]
    assert bench_study_public.main(argv) == 0  # 1 when the two studies' "all" CAARs differ
    figures = json.loads(capsys.readouterr().out)
    assert figures["same_all_caar"] and figures["groups"]["events_used"] == 300
    # three groups and "all": four times the tests of the study without groups
    assert figures["groups"]["test_rows"] == 4 * figures["no_groups"]["test_rows"]
    assert figures["groups"]["seconds_median"] > 0 and figures["groups_cost_ratio"] > 0
