"""Benchmark: the Brown-Warner harness on one process and on worker processes, in the same run.

    .venv/bin/python benchmarks/bench_simulate.py                  # 4,000 replications, 3 scenarios
    .venv/bin/python benchmarks/bench_simulate.py --reps 500       # a quick run
    .venv/bin/python benchmarks/bench_simulate.py --json

What it does: for each scenario (``independent``, ``clustered`` with r = 0.05, ``markets`` with a
five-session window: the test suite's designs, N = 50, L1 = 250), runs
:func:`rerating.study.simulate.simulate` with ``workers=1`` (the baseline: every chunk in this
process) and with ``--workers`` processes (default: one per core), interleaved, and checks that
both give the same tests frame (the chunks are drawn in this process from one random stream, so
the processes only change who computes each chunk). A first untimed run with workers starts the
pool, as the first simulation of a process does; its time is reported separately (``cold``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

import pandas as pd

SCENARIOS: dict[str, dict[str, Any]] = {
    "independent": {"scenario": "independent", "event_window": (0, 0)},
    "clustered": {"scenario": "clustered", "residual_correlation": 0.05, "event_window": (0, 0)},
    "markets": {"scenario": "markets", "residual_correlation": 0.05, "event_window": (0, 4)},
}


def run(reps: int, workers: int | None, repeats: int, seed: int = 2026) -> dict[str, Any]:
    """Time every scenario with one process and with ``workers``; return the figures."""
    from rerating.study.simulate import resolve_workers, simulate

    n_workers = resolve_workers(workers)
    out: dict[str, Any] = {"replications": reps, "workers": n_workers, "scenarios": {}}
    for name, kw in SCENARIOS.items():
        design = dict(n_events=50, estimation_length=250, replications=reps, seed=seed, **kw)
        t0 = time.perf_counter()
        simulate(workers=n_workers, **design)  # starts the pool (the first call of a process)
        cold = time.perf_counter() - t0
        one, many = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            a = simulate(workers=1, **design)
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            b = simulate(workers=n_workers, **design)
            many.append(time.perf_counter() - t0)
            pd.testing.assert_frame_equal(a.tests, b.tests)  # the same rates, to the bit
        out["scenarios"][name] = {
            "one_process_s": statistics.median(one),
            "workers_s": statistics.median(many),
            "workers_cold_s": cold,
            "speedup": statistics.median(one) / statistics.median(many),
            "workers_used": b.workers,  # fewer than asked when there are fewer chunks (of 250)
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4000, help="replications per run")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: per core)")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs of each (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args.reps, args.workers, args.repeats)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{figures['replications']} replications, N = 50, {figures['workers']} worker processes")
    print(f"{'scenario':<12} {'1 process':>10} {'workers':>10} {'speed-up':>9} {'cold':>8} {'used':>5}")
    for name, f in figures["scenarios"].items():
        print(
            f"{name:<12} {f['one_process_s']:>9.2f}s {f['workers_s']:>9.2f}s "
            f"{f['speedup']:>8.2f}x {f['workers_cold_s']:>7.2f}s {f['workers_used']:>5}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
