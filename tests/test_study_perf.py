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


def _ranks_oracle(x: np.ndarray) -> np.ndarray:
    """Centred ranks row by row with scipy's average ranks over the finite entries."""
    from scipy import stats

    out = np.full(x.shape, np.nan)
    for i, row in enumerate(x):
        fin = np.isfinite(row)
        if fin.any():
            out[i, fin] = stats.rankdata(row[fin], method="average") / (fin.sum() + 1.0) - 0.5
    return out


@pytest.mark.parametrize("block", [1, 50, 32768])
def test_packed_key_ranks_equal_scipy_average_ranks(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sort of packed integer keys ranks exactly as scipy, ties, NaN, inf and -0.0 included."""
    from rerating.study import statistics as st

    monkeypatch.setattr(st, "_RANK_BLOCK", block)
    rng = np.random.default_rng(11)
    for trial in range(300):
        n, t = int(rng.integers(1, 25)), int(rng.integers(1, 300 if trial % 5 == 0 else 40))
        x = rng.standard_normal((n, t)) * 10.0 ** float(rng.integers(-300, 300))
        kind = trial % 5
        if kind == 1:  # exact ties
            x = np.round(x * 3.0) / 3.0
        elif kind == 2:  # missing values and infinities
            x[rng.random(x.shape) < 0.2] = rng.choice([np.inf, -np.inf, np.nan])
        elif kind == 3:  # signed zeros tie
            x = np.round(x) * 0.0 * rng.choice([-1.0, 1.0], x.shape)
        elif kind == 4:  # neighbours one ulp apart: near ties that are not ties
            x = 1.0 + rng.integers(0, 3, x.shape) * np.finfo(float).eps
        got = st.centered_ranks(x)
        # +-inf count as missing, as NaN does
        np.testing.assert_array_equal(got, _ranks_oracle(np.where(np.isfinite(x), x, np.nan)))


def test_closed_form_singularity_check_agrees_with_lapack() -> None:
    """The 2 x 2 closed-form smallest eigenvalue gives LAPACK's singular / non-singular decision."""
    from rerating.study import kernel as kn

    rng = np.random.default_rng(5)
    v = rng.standard_normal((20_000, 30, 1))
    w = v + rng.standard_normal((20_000, 30, 1)) * 10.0 ** rng.uniform(-8, 0, (20_000, 1, 1))
    x = np.concatenate([v, w], axis=2)
    xtx = x.transpose(0, 2, 1) @ x
    d = np.sqrt(np.einsum("ekk->ek", xtx))
    scaled = xtx / (d[:, :, None] * d[:, None, :])
    got = kn._smallest_eigenvalue(scaled)
    want = np.linalg.eigvalsh(scaled)[:, 0]
    assert ((got > kn.EIG_MIN) == (want > kn.EIG_MIN)).all()
    assert ((got > kn.EIG_MIN) != (got > 0)).any()  # the sample straddles the threshold
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)


def test_pvalue_shortcuts_equal_scipy_distributions() -> None:
    """special.ndtr / stdtr give exactly stats.norm.sf / stats.t.sf, edge cases included."""
    from scipy import stats

    from rerating.study import statistics as st

    for z in (0.0, -0.0, 1e-300, 0.5, -1.3, 5.0, 40.0, 1e300, np.inf, -np.inf, np.nan):
        p = float(2.0 * stats.norm.sf(abs(z)))
        assert st._p_normal(z) == p or (np.isnan(p) and np.isnan(st._p_normal(z)))
        for df in (0.0, -1.0, 0.5, 1.0, 3.0, 7.5, 499.0, 1e20, np.inf, np.nan):
            a, b = st._p_t(z, df), float(2.0 * stats.t.sf(abs(z), df))
            assert a == b or (np.isnan(a) and np.isnan(b)), (z, df, a, b)


@pytest.mark.parametrize("pair_loop", [False, True])
@pytest.mark.parametrize("holes", [False, True])
def test_float64_rbar_equals_pairwise_pandas_correlations(
    holes: bool, pair_loop: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # runs of consecutive dates take the running-sum path; holes inside a run take the general one;
    # small N forms (N x N) matrices, large N loops over blocks of pairs (forced here)
    from rerating.study import statistics as st
    from rerating.study.statistics import mean_pairwise_correlation

    if pair_loop:
        monkeypatch.setattr(st, "_PAIR_MATRIX_MAX", 0)

    rng = np.random.default_rng(11)
    n, d = 40, 300
    x = 0.3 * rng.normal(size=d) + rng.normal(size=(n, d)) * rng.uniform(0.005, 0.05, (n, 1))
    x += rng.normal(0.0, 0.01, (n, 1))  # a mean per series: the overlap's own mean must be used
    for row in range(n):
        a = int(rng.integers(0, d - 20))
        x[row, :a] = np.nan
        x[row, a + int(rng.integers(0, d)) :] = np.nan
    x[3] = np.nan  # a series with no data
    if holes:
        x[rng.random(x.shape) < 0.05] = np.nan
    corr = pd.DataFrame(x.T).corr(min_periods=30).to_numpy()[np.triu_indices(n, 1)]
    got, pairs = mean_pairwise_correlation(x, min_overlap=30)
    assert pairs == int(np.isfinite(corr).sum()) > 100
    assert got == pytest.approx(np.nan_to_num(corr, nan=0.0).mean(), rel=1e-12, abs=1e-15)


def test_closed_form_market_model_equals_the_matrix_path() -> None:
    # (1, m) takes the closed-form sums; the same design as (m, 1) takes inv(X'X) by LAPACK
    from rerating.study import kernel

    rng = np.random.default_rng(8)
    e, l1, l2 = 60, 120, 11
    m = rng.normal(0.0004, 0.01, (e, l1 + l2))
    y = rng.normal(0.0, 0.0005, (e, 1)) + 1.2 * m + rng.normal(0.0, 0.02, m.shape)
    y[rng.random(y.shape) < 0.05] = np.nan  # missing estimation days (event days kept below)
    y[:, l1:] = np.where(np.isnan(y[:, l1:]), 0.001, y[:, l1:])
    m[1, :l1] = 0.003  # a constant benchmark: singular
    y[2, 40:l1] = np.nan  # too few estimation days
    ones = np.ones_like(m)
    windows = np.array([[0, l2 - 1], [5, 5], [3, 7]])

    def fit(x: np.ndarray) -> kernel.ChunkFit:
        return kernel.fit_chunk(y[:, :l1], x[:, :l1], y[:, l1:], x[:, l1:], windows, min_obs=60)

    closed = fit(np.stack([ones, m], axis=2))
    matrix = fit(np.stack([m, ones], axis=2))
    assert list(closed.status[:3]) == [kernel.OK, kernel.SINGULAR, kernel.TOO_FEW]
    np.testing.assert_array_equal(closed.status, matrix.status)
    np.testing.assert_allclose(closed.params, matrix.params[:, ::-1], rtol=1e-11, atol=1e-15)
    for name in ("sigma2", "resid_est", "ar", "var_ar", "car", "var_car"):
        np.testing.assert_allclose(
            getattr(closed, name), getattr(matrix, name), rtol=1e-11, atol=1e-15, err_msg=name
        )


def test_implied_constant_equals_the_design_with_ones() -> None:
    # the market model passes R_m alone (intercept=True); prepending the ones gives the same fit
    from rerating.study import kernel

    rng = np.random.default_rng(9)
    e, l1, l2 = 40, 100, 7
    m = rng.normal(0.0004, 0.01, (e, l1 + l2))
    y = 0.0002 + 0.9 * m + rng.normal(0.0, 0.02, m.shape)
    y[rng.random(y.shape) < 0.03] = np.nan
    y[:, l1:] = np.where(np.isnan(y[:, l1:]), 0.0, y[:, l1:])
    m[4, :l1] = 0.001  # singular
    windows = np.array([[0, l2 - 1], [2, 3]])
    x = m[:, :, None]
    implied = kernel.fit_chunk(y[:, :l1], x[:, :l1], y[:, l1:], x[:, l1:], windows, intercept=True)
    full = np.concatenate([np.ones_like(x), x], axis=2)
    explicit = kernel.fit_chunk(y[:, :l1], full[:, :l1], y[:, l1:], full[:, l1:], windows)
    assert explicit.status[4] == kernel.SINGULAR
    for name in ("status", "n_obs", "dof"):
        np.testing.assert_array_equal(getattr(implied, name), getattr(explicit, name), err_msg=name)
    # the same sums over differently strided arrays: equal to rounding level
    for name in ("params", "sigma2", "resid_est", "ar", "var_ar", "car", "var_car"):
        np.testing.assert_allclose(
            getattr(implied, name), getattr(explicit, name), rtol=1e-12, atol=1e-16, err_msg=name
        )


def test_helper_thread_changes_no_number() -> None:
    """workers=2 (rank tests in a helper thread) and workers=1 give identical results."""
    returns, market, events = _data(120, seed=5)
    events["group"] = np.where(np.arange(120) % 3 == 0, "a", "b")
    returns.iloc[10:14, 2] = np.nan
    one = _study(returns, market, events, workers=1).fit()
    assert len(one.tests) == 3 * 12
    # two or three helper threads, a few times each: whichever thread runs a rank test (the
    # groups' take their ranks from "all"), the numbers are the same
    for workers in (2, 3, 2, 3, 4):
        many = _study(returns, market, events, workers=workers).fit()
        for name in ("car", "tests", "clustering", "caar", "dropped"):
            pd.testing.assert_frame_equal(getattr(many, name), getattr(one, name), check_exact=True)
        assert many.warnings == one.warnings


def test_a_task_runs_once_on_whichever_thread_claims_it() -> None:
    import threading

    from rerating.study.engine import _Task

    calls: list[str] = []

    def work(tag: str) -> str:
        calls.append(threading.current_thread().name)
        return tag

    queued = _Task(work, "x")
    assert queued.result() == "x"  # nobody started it: the asking thread runs it
    queued.run()  # a helper that gets to it later does nothing
    assert calls == [threading.current_thread().name]
    taken = _Task(work, "y")
    helper = threading.Thread(target=taken.run, name="helper")
    helper.start()
    helper.join()
    assert taken.result() == "y" and calls[-1] == "helper" and len(calls) == 2

    def fail() -> None:
        raise ValueError("boom")

    failing = _Task(fail)
    threading.Thread(target=failing.run).start()
    with pytest.raises(ValueError, match="boom"):  # raised on the thread that asks
        failing.result()


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_workers_must_be_a_positive_integer(workers: object) -> None:
    from rerating.errors import WindowError

    returns, market, events = _data(5)
    with pytest.raises(WindowError, match="workers must be a positive integer"):
        _study(returns, market, events, workers=workers)


@pytest.mark.parametrize("setting, expected", [("0", "False"), ("1", "True")])
def test_allocator_tuning_is_applied_once_and_can_be_turned_off(setting: str, expected: str) -> None:
    # a fresh interpreter: the setting is process-wide and made on the first fit
    import os
    import subprocess
    import sys

    code = (
        "from rerating.study import _allocator as a\n"
        "first = a.tune_allocator()\n"
        "assert a.tune_allocator() is first\n"
        "print(first)\n"
    )
    env = {**os.environ, "RERATING_MALLOC_TUNING": setting}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    if sys.platform.startswith("linux") and setting == "1":
        import ctypes.util

        if not (ctypes.util.find_library("c") or "").startswith("libc.so"):
            pytest.skip("not glibc: mallopt is not available")
    elif setting == "1":
        pytest.skip("malloc tuning applies to Linux/glibc only")
    assert out == expected
