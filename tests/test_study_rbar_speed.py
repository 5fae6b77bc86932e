"""The layouts under the every-event r̄'s speed, each against a plain loop written here.

``engine._DayRuns`` sums the events of each day 0 with whole-block adds (a few events per day 0)
where ``np.add.reduceat`` takes the long runs; ``engine._calendar_sums`` gathers each chunk of
events straight into that layout and maps its per-event sums back to the sorted order. Both must
give the sums of adding one event at a time, in the sorted order: the same numbers, bit for bit.
``engine._lag_sums`` reads each block product's lags as the columns of a skewed copy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from _study_oracles import lag_sums_pair_by_pair
from rerating.study import EventStudy, engine


def _one_at_a_time(start: np.ndarray, values: np.ndarray, at: np.ndarray, cols: slice) -> np.ndarray:
    out = start.copy()
    for i, p in enumerate(at):
        out[p, cols] += values[i]
    return out


@pytest.mark.parametrize(
    ("lengths", "laid_out"),
    [
        ([1] * 40, True),
        ([2, 1, 3, 1, 1, 2, 8, 1], True),  # the longest run at most _DAY_RUN_MAX
        ([1] * 9 + [9, 3], True),  # longer, but no longer than the runs are many
        ([1, 12, 2], False),  # longer than that: np.add.reduceat
        ([30], False),  # one date
    ],
)
@pytest.mark.parametrize("fresh", [True, False])
def test_day_runs_add_each_day_0s_rows_in_their_sorted_order(lengths: list[int], laid_out: bool, fresh: bool) -> None:
    rng = np.random.default_rng(len(lengths))
    n_pos, width, l1 = 2 * len(lengths) + 3, 11, 7
    days = np.sort(rng.choice(n_pos, len(lengths), replace=False))
    at = np.repeat(days, lengths)
    starts = np.flatnonzero(np.diff(at, prepend=-1))
    runs = engine._DayRuns.of(at, starts)
    assert (runs is not None) == laid_out
    # values of very different sizes: any other order of the additions changes the sums' bits
    values = rng.standard_normal((at.size, l1)) * 10.0 ** rng.integers(-8, 9, (at.size, 1))
    cols = slice(2, 2 + l1)
    start = np.zeros((n_pos, width)) if fresh else rng.standard_normal((n_pos, width))
    expected = _one_at_a_time(start, values, at, cols)
    if runs is not None:
        assert sorted(runs.order) == list(range(at.size))
        grid = start.copy()
        runs.add(grid, values[runs.order], cols, fresh)
        np.testing.assert_array_equal(grid, expected)
    grid = start.copy()
    engine._scatter_day_sums([(grid, values)], at, starts, cols, fresh)
    if runs is not None:
        np.testing.assert_array_equal(grid, expected)
    else:  # np.add.reduceat adds a run before the grid's value when the grid is not fresh
        np.testing.assert_allclose(grid, expected, rtol=1e-12, atol=1e-12 * np.abs(values).max())


def _study(n_ev: int, n_days: int, dates_of_events: str, seed: int):  # type: ignore[no-untyped-def]
    """A wide study's EventStudy arguments: ``dates_of_events`` "spread" (a few events per date),
    "bunched" (one date with all but 20) or "gaps" (spread, with missing returns and
    a listing that starts late, so some estimation windows are not on consecutive sessions)."""
    rng = np.random.default_rng(seed)
    n_sym = n_ev if dates_of_events == "bunched" else max(60, n_ev // 4)
    dates = pd.bdate_range("2015-01-01", periods=n_days)
    m = rng.normal(0, 0.01, n_days)
    r = m[:, None] * rng.uniform(0.5, 1.5, n_sym) + rng.normal(0, 0.02, (n_days, n_sym))
    if dates_of_events == "gaps":
        r[rng.random(r.shape) < 0.01] = np.nan
        r[:150, 0] = np.nan  # a listing with a short history
    cols = [f"S{i:03d}" for i in range(n_sym)]
    day0 = rng.integers(140, n_days - 15, n_ev)
    if dates_of_events == "bunched":
        day0[:-20] = 200
    events = pd.DataFrame(
        {"event_id": [f"E{i}" for i in range(n_ev)], "symbol": rng.choice(cols, n_ev), "date": dates[day0]}
    ).drop_duplicates(["symbol", "date"])
    if dates_of_events == "gaps":
        events.loc[events.index[:3], "symbol"] = cols[0]
    kw = {
        "market_returns": pd.DataFrame({"MKT": m}, index=dates),
        "benchmarks": "MKT",
        "estimation_window": (-130, -11),
        "event_windows": ((0, 0), (-2, 3)),
        "tests": ("adj_bmp",),
        "min_estimation": 60,
    }
    returns = pd.DataFrame(r, index=dates, columns=cols)
    if dates_of_events == "gaps":  # a long frame: each listing's own sessions
        returns = returns.stack().dropna().rename("ret").reset_index()
        returns.columns = ["date", "symbol", "ret"]
    return returns, events, kw


def _calendar_sums_of(study, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple, list[str]]:  # type: ignore[no-untyped-def]
    """The arguments of the study's every-event ``_calendar_sums`` call, and which way its chunks
    summed their dense events by day 0 ("layout", "reduceat")."""
    calls: list[tuple] = []
    paths: list[str] = []
    real, real_add, real_scatter = engine._calendar_sums, engine._DayRuns.add, engine._scatter_day_sums

    def spy(*args, **kw):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args, **kw)

    def add(self, *args, **kw):  # type: ignore[no-untyped-def]
        paths.append("layout")
        return real_add(self, *args, **kw)

    def scatter(*args, **kw):  # type: ignore[no-untyped-def]
        paths.append("reduceat")
        return real_scatter(*args, **kw)

    monkeypatch.setattr(engine, "_calendar_sums", spy)
    monkeypatch.setattr(engine._DayRuns, "add", add)
    monkeypatch.setattr(engine, "_scatter_day_sums", scatter)
    returns, events, kw = study
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        EventStudy(returns, events, **kw).fit()
    assert len(calls) == 1
    paths.clear()
    real(*calls[0])  # once more, for the paths of this call alone
    return calls[0], paths


def _sums_one_event_at_a_time(flat, row0, resid, e1, joint):  # type: ignore[no-untyped-def]
    """Each event's unit residuals (centred over its finite ones, scaled to length 1), and those
    times its residual standard deviation, added on (its day 0, each residual's date) one at a
    time; with each day 0's events and the sum of their sqrt(residuals)."""
    where = {int(d): i for i, d in enumerate(joint)}
    code = flat.code_at(row0)
    u_sum: dict[tuple[int, int], float] = {}
    w_sum: dict[tuple[int, int], float] = {}
    present: dict[tuple[int, int], float] = {}
    s2 = 0.0
    count: dict[int, int] = {}
    root_n: dict[int, float] = {}
    for i, r0 in enumerate(row0):
        x = resid[i]
        fin = np.isfinite(x)
        c = np.where(fin, x - x[fin].mean(), 0.0)
        norm = float(np.sqrt((c**2).sum()))
        if norm == 0:
            continue
        s = norm / np.sqrt(fin.sum())
        s2 += s**2
        p = where[int(flat.days_at(np.array([r0]))[0])]
        count[p] = count.get(p, 0) + 1
        root_n[p] = root_n.get(p, 0.0) + float(np.sqrt(fin.sum()))
        first, last = flat.start[code[i]], flat.start[code[i]] + flat.length[code[i]] - 1
        for j in np.flatnonzero(fin):
            row = int(r0) + e1 + j
            assert first <= row <= last
            cell = (p, where[int(flat.days_at(np.array([row]))[0])])
            u_sum[cell] = u_sum.get(cell, 0.0) + c[j] / norm
            w_sum[cell] = w_sum.get(cell, 0.0) + s * c[j] / norm
            present[cell] = present.get(cell, 0.0) + 1.0
    return u_sum, w_sum, present, s2, count, root_n


@pytest.mark.parametrize(
    ("n_ev", "dates_of_events", "paths"),
    [
        (300, "spread", {"layout"}),
        (300, "bunched", {"reduceat"}),
        (2600, "spread", {"layout"}),  # two chunks: runs across their boundary
        (400, "gaps", {"layout"}),  # events whose residuals go cell by cell, and missing ones
    ],
)
def test_calendar_sums_are_every_events_unit_residuals_on_their_dates(
    n_ev: int, dates_of_events: str, paths: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    study = _study(n_ev, 420 if n_ev < 1000 else 700, dates_of_events, seed=n_ev)
    args, taken = _calendar_sums_of(study, monkeypatch)
    assert set(taken) == paths
    flat, row0, resid, e1, bounds, joint = args[:6]
    resid = resid.copy()
    resid[[3, 50, 120]] = 0.5  # events without unit residuals (no variance): left out
    sums = engine._calendar_sums(flat, row0, resid, e1, bounds, joint)
    assert sums is not None
    assert (sums.present is None) == (dates_of_events != "gaps")
    # events whose estimation dates are not consecutive sessions widen the rows
    assert (sums.dsum.shape[1] > resid.shape[1]) == (dates_of_events == "gaps")
    u_sum, w_sum, present, s2, count, root_n = _sums_one_event_at_a_time(flat, row0, resid, e1, joint)
    got_u, got_w = np.zeros_like(sums.dsum), np.zeros_like(sums.dsum)
    got_present = np.zeros_like(sums.dsum)
    for (p, q), v in u_sum.items():
        cell = (p - sums.p0, q - p - sums.rel_lo)
        got_u[cell], got_w[cell], got_present[cell] = v, w_sum[(p, q)], present[(p, q)]
    np.testing.assert_allclose(sums.dsum, got_u, rtol=1e-12, atol=1e-14)
    assert sums.wsum is not None
    np.testing.assert_allclose(sums.wsum, got_w, rtol=1e-12, atol=1e-16)
    np.testing.assert_array_equal(sums.present_grid().dsum, got_present)
    assert sums.s2_sum == pytest.approx(s2, rel=1e-12)
    expected_count, expected_root_n = np.zeros_like(sums.count), np.zeros_like(sums.root_n)
    for p, k in count.items():
        expected_count[p - sums.p0], expected_root_n[p - sums.p0] = k, root_n[p]
    np.testing.assert_array_equal(sums.count, expected_count)
    assert sums.n == row0.size - 3
    np.testing.assert_allclose(sums.root_n, expected_root_n, rtol=1e-12)
    assert sums.n_sum == sum(present.values())  # every residual of every event


# a last block of one row (67 = 66 + 1 rows, blocks of 66), of 31 rows, blocks that leave lags out
@pytest.mark.parametrize(("rows", "max_lag"), [(67, 66), (127, 66), (200, 40), (97, 100)])
@pytest.mark.parametrize("same", [True, False])
def test_lag_sums_read_every_lag_of_every_block_product(rows: int, max_lag: int, same: bool) -> None:
    rng = np.random.default_rng(rows + max_lag)
    a = engine._DayGrid(p0=3, rel_lo=-20, dsum=rng.standard_normal((rows, 30)))
    b = a if same else engine._DayGrid(p0=9, rel_lo=-17, dsum=rng.standard_normal((rows - 5, 24)))
    np.testing.assert_allclose(
        engine._lag_sums(a, b, max_lag), lag_sums_pair_by_pair(a, b, max_lag), rtol=1e-12, atol=1e-12
    )
