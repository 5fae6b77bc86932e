"""Benchmark of the store: load N symbols x Y years of daily bars from Parquet files, read one aligned panel.

    .venv/bin/python benchmarks/bench_store.py                       # 5,000 symbols x 20 years
    .venv/bin/python benchmarks/bench_store.py --symbols 200 --years 2 # a quick run

Phases, each timed on its own:
1. generate: synthetic bars (geometric random walks on business days) written as one Parquet file
   per symbol into a temporary folder (not part of the measured figures);
2. load: the ``files`` source reads and validates every file and upserts it into a fresh DuckDB
   store, ``--batch`` symbols per transaction (rows/s);
3. reload: the same files again, each listing through ``Store.replace_bars`` (what ``rerating load``
   does) on one writer: every listing is unchanged, so nothing should be written (the store's size
   before and after is reported);
4. read: ``Store.read_panel()`` returns the whole date x symbol close panel, three times, each on a
   new connection (first, median and best are reported; goal: >= 5M rows/s; on a shared machine
   the best of three, as timeit reports, is the least noisy figure);
5. baseline, in the same run: pandas reads the same files and builds the same panel with
   ``pd.concat(axis=1)``; the ratio says how much faster the store's read is.
Peak RSS (the process's high-water mark, from getrusage) is reported after each phase. The panel
read back is checked against the baseline panel (same shape, same values).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, symbols: int, years: int, seed: int = 0) -> int:
    """Write one Parquet file per symbol; return the total number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2005-01-03", periods=years * 261, name="date").as_unit("ns")
    total = 0
    for i in range(symbols):
        # listings start at different times, so the panel has NaN where a symbol did not yet trade
        start = int(rng.integers(0, len(dates) // 10))
        n = len(dates) - start
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
        table = pa.table({
            "date": dates[start:].to_numpy(),
            "open": close * 0.995, "high": close * 1.01, "low": close * 0.99, "close": close,
            "adj_close": close, "volume": rng.integers(1_000, 1_000_000, n).astype("float64"),
        })
        pq.write_table(table, folder / f"S{i:05d}.parquet")
        total += n
    return total


def load_phase(folder: Path, home: Path, batch: int) -> tuple[int, float]:
    from rerating.data.sources.files import FilesSource
    from rerating.data.store import Store

    src = FilesSource(folder)
    store = Store(home)
    syms = src.symbols()
    rows = 0
    t0 = time.perf_counter()
    for k in range(0, len(syms), batch):
        chunk = {s: src.bars(s) for s in syms[k:k + batch]}
        rows += store.upsert_bars(chunk, source="files")
    return rows, time.perf_counter() - t0


def reload_phase(folder: Path, home: Path) -> tuple[int, float]:
    """Load every file again into the filled store as ``rerating load`` does (``replace_bars``, one
    transaction per listing); return how many listings were unchanged and the seconds it took."""
    from rerating.data.sources.files import FilesSource
    from rerating.data.store import Store

    src = FilesSource(folder)
    unchanged = 0
    t0 = time.perf_counter()
    with Store(home).writer() as writer:
        for sym in src.symbols():
            done = writer.replace_bars(src.bars(sym), sym, source="files")
            unchanged += bool(getattr(done, "unchanged", False))  # absent before 2026-12-07
    return unchanged, time.perf_counter() - t0


def store_mb(home: Path) -> float:
    """Size of the store's files (database and write-ahead log), in MB."""
    return sum(p.stat().st_size for p in home.glob("rerating.duckdb*")) / 1e6


def read_phase(home: Path, repeat: int = 3) -> tuple[pd.DataFrame, list[float]]:
    """Read the whole panel ``repeat`` times (fresh connection each time); return it and each time."""
    import pyarrow.compute  # noqa: F401 - a one-time import, not part of a read

    from rerating.data.store import Store

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        panel = Store(home).read_panel()
        times.append(time.perf_counter() - t0)
    return panel, times


def baseline_phase(folder: Path) -> tuple[pd.DataFrame, float]:
    t0 = time.perf_counter()
    series = {p.stem: pd.read_parquet(p, columns=["date", "close"]).set_index("date")["close"] for p in sorted(folder.glob("*.parquet"))}
    panel = pd.concat(series, axis=1, sort=True)
    return panel, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=5000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--batch", type=int, default=250, help="symbols per load transaction")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one, deleted after)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="rerating-bench-", dir=args.dir))
    try:
        files, home = work / "files", work / "home"
        files.mkdir()
        t0 = time.perf_counter()
        total = generate(files, args.symbols, args.years)
        gen_s = time.perf_counter() - t0
        rss_gen = peak_rss_mb()

        rows, load_s = load_phase(files, home, args.batch)
        assert rows == total, (rows, total)
        rss_load = peak_rss_mb()
        loaded_mb = store_mb(home)

        unchanged, reload_s = reload_phase(files, home)
        reloaded_mb = store_mb(home)

        panel, read_times = read_phase(home)
        read_first, read_s, read_best = read_times[0], float(np.median(read_times)), min(read_times)
        rss_read = peak_rss_mb()
        cells = int(panel.notna().to_numpy().sum())
        assert cells == total, (cells, total)

        base, base_s = baseline_phase(files)
        rss_base = peak_rss_mb()
        # the store's panel and the baseline's must agree exactly
        base = base.reindex(columns=panel.columns)
        assert base.shape == panel.shape and np.array_equal(base.to_numpy(), panel.to_numpy(), equal_nan=True)

        db_mb = store_mb(home)
        figures = {
            "symbols": args.symbols, "years": args.years, "rows": total,
            "generate_s": round(gen_s, 2),
            "load_s": round(load_s, 2), "load_rows_per_s": round(total / load_s),
            "reload_s": round(reload_s, 2), "reload_unchanged": unchanged,
            "store_mb_loaded": round(loaded_mb, 1), "store_mb_reloaded": round(reloaded_mb, 1),
            "read_panel_first_s": round(read_first, 2), "read_first_rows_per_s": round(total / read_first),
            "read_panel_median_s": round(read_s, 2), "read_rows_per_s": round(total / read_s),
            "read_panel_best_s": round(read_best, 2), "read_best_rows_per_s": round(total / read_best),
            "baseline_pandas_s": round(base_s, 2), "baseline_rows_per_s": round(total / base_s),
            "read_vs_baseline": round(base_s / read_s, 2),
            "panel_shape": list(panel.shape), "store_mb": round(db_mb, 1),
            "peak_rss_mb": {"generate": round(rss_gen), "load": round(rss_load), "read": round(rss_read), "baseline": round(rss_base)},
            "goal_read_rows_per_s": 5_000_000,
            "goal_met_median": total / read_s >= 5_000_000, "goal_met_best": total / read_best >= 5_000_000,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
