"""Benchmark: a whole market's daily returns read from the store, then an event study over them.

    .venv/bin/python benchmarks/bench_market_returns.py                        # 1,000 listings x 10 years
    .venv/bin/python benchmarks/bench_market_returns.py --symbols 50 --years 2 # a quick run
    .venv/bin/python benchmarks/bench_market_returns.py --json

What it does:

1. writes synthetic daily bars of ``--symbols`` US listings (market model around a synthetic
   S&P 500, on the XNYS sessions of ``--years`` years) as one Parquet file each, and a security
   master that names them (not timed);
2. loads them into a temporary store as ``rerating load`` does (``rerating.data.load.load``:
   validation, one transaction per listing, one connection held for up to a second), against the
   baseline of one connection per listing, measured in the same run (a second store);
3. ``Market.returns`` of every listing from the store, as ``rerating study`` reads them: the
   store's bars in one query (``Store.read_bars_many``), against the baseline measured in the same
   run, the same call reading one listing per connection (what it did before: each connection
   costs ~30 ms of locking, opening and schema checks);
4. ``EventStudy.fit`` of ``--events`` events on random listings and dates over those returns
   (market model, windows [0:0], [-1:1], [0:5], every test): what the read adds to a study.

Each timing is the median of ``--repeats`` runs (the baseline's of ``--baseline-repeats``), each
with a fresh ``Market`` (no cache); the two reads must give the same frame.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def build(workdir: Path, symbols: int, years: int, seed: int = 0) -> tuple[Path, list[str]]:
    """Write one Parquet file per listing (and a synthetic S&P 500) into ``workdir/files``, and a
    security master extension naming them; return (its path, the listings' symbols)."""
    import exchange_calendars as xc

    sess = xc.get_calendar("XNYS").sessions_in_range(f"{2025 - years}-01-02", "2024-12-31")
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0004, 0.01, sess.size)
    files = workdir / "files"
    files.mkdir()

    def write(name: str, ret: np.ndarray) -> None:
        close = 50 * np.exp(np.cumsum(ret))
        pd.DataFrame(
            {"date": pd.DatetimeIndex(sess), "open": close, "high": close, "low": close,
             "close": close, "adj_close": close, "volume": 1e6}
        ).to_parquet(files / f"{name}.parquet", index=False)

    write("GSPC", m)
    names = [f"ZZ{i:05d}" for i in range(symbols)]
    for name in names:
        write(name, m * rng.uniform(0.5, 1.5) + rng.normal(0, 0.02, sess.size))
    sec = workdir / "securities.csv"
    sec.write_text(
        "symbol,name,kind,exchange,calendar,currency,benchmark\n"
        + "".join(f"{n},Synthetic {n},stock,XNYS,XNYS,USD,^GSPC\n" for n in names),
        encoding="utf-8",
    )
    return sec, names


def load_store(home: Path, workdir: Path, master: Any, wanted: list[str]) -> float:
    """``rerating load`` of every file into the store at ``home``; return the seconds it took."""
    from rerating.data.load import load
    from rerating.data.sources.files import FilesSource
    from rerating.data.store import Store

    t0 = time.perf_counter()
    result = load(wanted, FilesSource(workdir / "files", master), Store(home), master,
                  with_fundamentals=False)
    if result.failed:
        raise RuntimeError(f"load failed for {result.failed[:3]}")
    return time.perf_counter() - t0


def _median_time(fn: Any, repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def run(
    symbols: int, years: int, events: int, repeats: int, workdir: Path, baseline_repeats: int = 1
) -> dict[str, Any]:
    from rerating.data import load as load_mod
    from rerating.data import market as market_mod
    from rerating.data.market import Market
    from rerating.data.securities import load_securities
    from rerating.study import EventStudy

    t0 = time.perf_counter()
    sec_file, names = build(workdir, symbols, years)
    build_s = time.perf_counter() - t0
    master = load_securities(sec_file)
    wanted = ["^GSPC", *names]
    home = workdir / "store"
    load_s = load_store(home, workdir, master, wanted)
    # the load's baseline: one store connection (lock, open, schema check) per listing
    hold = load_mod.WRITER_HOLD_S
    load_mod.WRITER_HOLD_S = -1.0
    try:
        load_base_s = load_store(workdir / "store-baseline", workdir, master, wanted)
    finally:
        load_mod.WRITER_HOLD_S = hold

    def read() -> pd.DataFrame:
        return Market.open(home, securities=master).returns(wanted, gap_policy="drop").frame

    read_s, frame = _median_time(read, repeats)
    # the baseline: the same call with the batched read turned off (one connection per listing)
    batched = market_mod._StoreBackend.prefetch
    market_mod._StoreBackend.prefetch = lambda self, symbols: None  # type: ignore[method-assign]
    try:
        base_s, base = _median_time(read, baseline_repeats)
    finally:
        market_mod._StoreBackend.prefetch = batched  # type: ignore[method-assign]
    pd.testing.assert_frame_equal(frame, base)

    rng = np.random.default_rng(1)
    stock = frame[frame["symbol"] != "^GSPC"][["symbol", "date", "ret"]]
    dates = np.sort(frame["date"].unique())
    ev = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(events)],
            "symbol": rng.choice(names, events),
            "date": dates[rng.integers(260, dates.size - 10, events)],
        }
    )
    bench = frame[frame["symbol"] == "^GSPC"].set_index("date")["ret"].rename("^GSPC")

    def study() -> Any:
        return EventStudy(
            stock, ev, market_returns=bench, benchmarks="^GSPC",
            event_windows=((0, 0), (-1, 1), (0, 5)),
        ).fit()

    fit_s, res = _median_time(study, repeats)
    return {
        "symbols": symbols,
        "years": years,
        "return_rows": int(len(frame)),
        "events": events,
        "events_used": int(res.event_id.size),
        "write_files_s": round(build_s, 2),
        "load_s": round(load_s, 2),
        "load_one_connection_per_listing_s": round(load_base_s, 2),
        "load_speedup": round(load_base_s / load_s, 2),
        "returns_from_store_s": round(read_s, 3),
        "returns_one_connection_per_listing_s": round(base_s, 3),
        "speedup_vs_one_by_one": round(base_s / read_s, 2),
        "study_fit_s": round(fit_s, 3),
        "read_share_of_read_plus_fit": round(read_s / (read_s + fit_s), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=1000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-repeats", type=int, default=1, help="the baseline takes ~40 s")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.years < 2:
        parser.error("--years must be at least 2: events need a year of estimation data before them")
    with tempfile.TemporaryDirectory(prefix="rerating-bench-") as tmp:
        figures = run(
            args.symbols, args.years, args.events, args.repeats, Path(tmp), args.baseline_repeats
        )
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(map(len, figures))
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
