"""Smoke test: the store benchmark runs end to end at a tiny size and checks its own panel."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_bench_store_tiny(tmp_path, capsys):
    sys.path.insert(0, str(BENCH))
    try:
        import bench_store
    finally:
        sys.path.remove(str(BENCH))
    assert bench_store.main(["--symbols", "12", "--years", "1", "--batch", "5", "--dir", str(tmp_path), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["rows"] > 12 * 200 and figures["panel_shape"][1] == 12
    assert figures["read_rows_per_s"] > 0 and figures["load_rows_per_s"] > 0
    assert set(figures["peak_rss_mb"]) == {"generate", "load", "read", "baseline"}
    assert list(tmp_path.iterdir()) == []  # the work folder is removed
