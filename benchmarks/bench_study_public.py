"""Benchmark: the public ``EventStudy`` path on a whole market, with and without groups.

    .venv/bin/python benchmarks/bench_study_public.py                       # 100,000 events (~1 min)
    .venv/bin/python benchmarks/bench_study_public.py --events 5000 --symbols 300
    .venv/bin/python benchmarks/bench_study_public.py --json

What it does: a synthetic wide frame of ``--symbols`` listings x ``--years`` years of business
days (market model around one benchmark, 1% of returns missing) and ``--events`` events at random
listings and dates, each in one of three groups; then ``EventStudy(...).fit()`` with windows
[0:0], [-1:1], [0:5] and [-5:20], estimation window [-250, -11] and every test, as a user calls
it: once with the three groups, once with the same events in no group (the baseline, in the same
run: what the groups add, each group running every test, its ranks and its r̄). Each fit runs in
a fresh process, so its peak RSS is its own; times are the median of ``--repeats`` fresh processes.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def build(symbols: int, years: int, events: int, seed: int = 0) -> tuple[Any, ...]:
    """Returns (wide), benchmark returns and the events frame (with a ``group`` column)."""
    rng = np.random.default_rng(seed)
    sessions = 252 * years
    dates = pd.bdate_range("2010-01-04", periods=sessions, name="date")
    m = rng.normal(0.0004, 0.01, sessions)
    r = m[:, None] * rng.uniform(0.5, 1.5, symbols) + rng.standard_normal((sessions, symbols)) * 0.02
    r[rng.random(r.shape) < 0.01] = np.nan
    returns = pd.DataFrame(r, index=dates, columns=[f"S{i:05d}" for i in range(symbols)])
    market = pd.DataFrame({"MKT": m}, index=dates)
    # distinct (listing, date) pairs: a listing's day 0 counts once (a repeat would be ledgered)
    span = sessions - 30 - 300
    cell = rng.choice(symbols * span, events, replace=False)
    ev = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(events)],
            "symbol": returns.columns[cell % symbols],
            "date": dates[300 + cell // symbols],
            "group": np.array(["china", "us", "europe"])[rng.integers(0, 3, events)],
        }
    )
    return returns, market, ev


def fit_once(symbols: int, years: int, events: int, groups: bool) -> dict[str, Any]:
    """One fit in this process: seconds, peak RSS and the "all" group's CAAR over [0:0]."""
    from rerating.study import EventStudy

    returns, market, ev = build(symbols, years, events)
    if not groups:
        ev = ev.drop(columns="group")
    t0 = time.perf_counter()
    res = EventStudy(
        returns, ev, market_returns=market, benchmarks="MKT", estimation_window=(-250, -11),
        event_windows=[(0, 0), (-1, 1), (0, 5), (-5, 20)], min_estimation=100,
    ).fit()
    seconds = time.perf_counter() - t0
    caar = res.caar
    return {
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "events_used": int(caar["n"].iloc[0]),
        "test_rows": len(res.tests),
        "caar_all_0_0": float(caar["caar"].iloc[0]),
    }


def _in_fresh_process(symbols: int, years: int, events: int, groups: bool) -> dict[str, Any]:
    here = str(Path(__file__).resolve().parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_study_public as b; "
        f"print(json.dumps(b.fit_once({symbols}, {years}, {events}, {groups!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=3000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per configuration")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    runs: dict[str, list[dict[str, Any]]] = {"groups": [], "no_groups": []}
    for _ in range(args.repeats):  # interleaved, so both see the same machine
        for name in runs:
            runs[name].append(_in_fresh_process(args.symbols, args.years, args.events, name == "groups"))
    figures: dict[str, Any] = {"symbols": args.symbols, "years": args.years, "events": args.events}
    for name, rs in runs.items():
        figures[name] = {
            "seconds_median": statistics.median(r["seconds"] for r in rs),
            "seconds": [round(r["seconds"], 3) for r in rs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
            "events_used": rs[0]["events_used"],
            "test_rows": rs[0]["test_rows"],
        }
    # the events and the "all" group are the same in both: so is its CAAR (to rounding: order)
    same = abs(runs["groups"][0]["caar_all_0_0"] - runs["no_groups"][0]["caar_all_0_0"]) < 1e-12
    figures["same_all_caar"] = same
    figures["groups_cost_ratio"] = (
        figures["groups"]["seconds_median"] / figures["no_groups"]["seconds_median"]
    )
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0 if same else 1
    print(
        f"{args.events:,} events on {args.symbols:,} listings x {args.years} years, 4 windows, "
        f"every test ({figures['groups']['events_used']:,} kept)"
    )
    for name in runs:
        f = figures[name]
        print(
            f"{name:<10} {f['seconds_median']:6.2f} s (runs {f['seconds']}), peak RSS "
            f"{f['peak_rss_mb']:,.0f} MB, {f['test_rows']} test rows"
        )
    print(f"three groups cost {figures['groups_cost_ratio']:.2f}x the study without groups")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
