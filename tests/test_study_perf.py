"""Speed regression guards for the event-study engine (issue 3, "Speed").

The goal (``benchmarks/bench_study.py``) is 500 events x 250-session estimation x 21-session window
with every test in <= 20 ms; these guards are loose enough for a loaded CI machine (0.5 s) and
tight enough to catch an accidental O(N^2) step or a per-event Python loop. They also check that
the engine's internal blocking of events never changes a number.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from rerating.study import EventStudy
from rerating.study import engine as _engine

ESTIMATION = (-260, -11)
WINDOW = (-10, 10)


def _data(n_events: int, seed: int = 20250120) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One security per event on distinct random dates; market-model returns (as the benchmark)."""
    rng = np.random.default_rng(seed)
    pre, spread = -ESTIMATION[0], 250
    t = pre + spread + WINDOW[1] + 5
    dates = pd.bdate_range("2000-01-03", periods=t, name="date")
    m = rng.normal(0.0004, 0.01, t)
    r = (
        rng.normal(0.0, 0.0005, n_events)
        + np.outer(m, rng.uniform(0.5, 1.5, n_events))
        + rng.standard_normal((t, n_events)) * rng.uniform(0.01, 0.03, n_events)
    )
    symbols = [f"S{i:05d}" for i in range(n_events)]
    returns = pd.DataFrame(r, index=dates, columns=symbols)
    market = pd.DataFrame({"MKT": m}, index=dates)
    day0 = pre + rng.integers(0, spread, n_events)
    events = pd.DataFrame(
        {"event_id": [f"E{i:05d}" for i in range(n_events)], "symbol": symbols, "date": dates[day0]}
    )
    return returns, market, events


def _study(returns: pd.DataFrame, market: pd.DataFrame, events: pd.DataFrame, **kw: object):  # type: ignore[no-untyped-def]
    return EventStudy(
        returns,
        events,
        market_returns=market,
        model="market",
        estimation_window=ESTIMATION,
        event_windows=(WINDOW,),
        tests="all",
        **kw,  # type: ignore[arg-type]
    )


def _best_of(fn, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def test_500_event_study_with_every_test_is_fast() -> None:
    returns, market, events = _data(500)
    res = _study(returns, market, events).fit()  # warm-up: first-call imports are not timed
    assert len(res.car) == 500 and res.dropped.empty
    assert res.tests["test"].nunique() == 12
    seconds = _best_of(lambda: _study(returns, market, events).fit())
    assert seconds < 0.5, f"500-event study took {seconds:.3f} s (goal 0.02 s; guard 0.5 s)"


def test_time_grows_about_linearly_in_events() -> None:
    small, big = _data(400, seed=1), _data(1600, seed=2)
    _study(*small).fit()
    t_small = _best_of(lambda: _study(*small).fit())
    t_big = _best_of(lambda: _study(*big).fit())
    # linear work is ~4x (less with fixed costs); an O(N^2) step would be ~16x
    assert t_big < 8.0 * t_small + 0.3, f"400 events {t_small:.3f} s, 1600 events {t_big:.3f} s"


@pytest.mark.parametrize("chunk_size", [1, 37, 100_000])
def test_blocking_of_events_changes_no_number(
    chunk_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 1, 37 or all events, and kernel blocks of 64, give identical results."""
    returns, market, events = _data(150, seed=3)
    # a few holes so some blocks take the masked path and some do not
    returns.iloc[5:9, 3] = np.nan
    returns.iloc[300:, 7] = np.nan
    ref = _study(returns, market, events).fit()
    monkeypatch.setattr(_engine, "KERNEL_BLOCK", 64)
    got = _study(returns, market, events, chunk_size=chunk_size).fit()
    pd.testing.assert_frame_equal(got.car, ref.car, check_exact=True)
    pd.testing.assert_frame_equal(got.ar, ref.ar, check_exact=True)
    pd.testing.assert_frame_equal(got.tests, ref.tests, check_exact=True)
    pd.testing.assert_frame_equal(got.clustering, ref.clustering, check_exact=True)
    pd.testing.assert_frame_equal(got.dropped, ref.dropped, check_exact=True)
