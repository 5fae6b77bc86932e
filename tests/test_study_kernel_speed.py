"""The fast paths of the chunk loop and the line-fit kernel against general or independent ones.

The market model's chunks take the estimation and event windows as slices of the flat arrays
(``row_windows``, ``FlatReturns.window_pos``), form the line fit's row sums once (``row_sums``) and
check singularity entry by entry (``_smallest_eigenvalue_2x2``). Each is compared with the path it
replaces (a gather by row index, the kernel's own sums, LAPACK) or with statsmodels' OLS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rerating.study import EventStudy, panel
from rerating.study import engine as _engine
from rerating.study import kernel as kn
from rerating.study.models import MarketModel
from rerating.study.panel import AlignedSeries, flatten_returns, row_windows

L1, L2 = 60, 7


def _chunk(seed: int, gaps: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    e = 40
    m = rng.normal(0.0, 0.01, (e, L1 + L2))
    y = rng.normal(0.0, 0.001, (e, 1)) + m * rng.uniform(0.5, 1.5, (e, 1))
    y = y + rng.normal(0.0, 0.02, (e, L1 + L2))
    if gaps:  # missing returns and benchmark values in the estimation window: the masked path
        y[:, :L1][rng.random((e, L1)) < 0.05] = np.nan
        m[:, :L1][rng.random((e, L1)) < 0.03] = np.nan
        y[0, : L1 - 5] = np.nan  # too few observations
    return y[:, :L1], m[:, :L1, None], y[:, L1:], m[:, L1:, None]


@pytest.mark.parametrize("gaps", [False, True])
def test_line_fit_equals_statsmodels_ols(gaps: bool) -> None:
    """Params, residuals, sigma^2, AR variances and CAR variances of the implied-constant line fit
    are statsmodels' OLS on (1, R_m) and Campbell, Lo & MacKinlay's prediction-error formulas."""
    import statsmodels.api as sm

    y_e, x_e, y_v, x_v = _chunk(1, gaps)
    win = np.array([[0, L2 - 1], [2, 4]])
    fit = kn.fit_chunk(y_e, x_e, y_v, x_v, win, method="ols", min_obs=30, intercept=True)
    if gaps:
        assert fit.status[0] == kn.TOO_FEW
    for i in np.flatnonzero(fit.status == kn.OK):
        use = np.isfinite(y_e[i]) & np.isfinite(x_e[i, :, 0])
        X = sm.add_constant(x_e[i, use, 0], has_constant="add")
        ols = sm.OLS(y_e[i, use], X).fit()
        np.testing.assert_allclose(fit.params[i], ols.params, rtol=1e-10, atol=1e-14)
        assert fit.n_obs[i] == use.sum() and fit.dof[i] == use.sum() - 2
        np.testing.assert_allclose(fit.sigma2[i], ols.scale, rtol=1e-10)
        np.testing.assert_allclose(fit.resid_est[i, use], ols.resid, rtol=1e-8, atol=1e-15)
        assert np.isnan(fit.resid_est[i, ~use]).all()
        Xv = np.column_stack([np.ones(L2), x_v[i, :, 0]])
        inv = np.linalg.inv(X.T @ X)
        np.testing.assert_allclose(fit.ar[i], y_v[i] - Xv @ ols.params, rtol=1e-9, atol=1e-15)
        var = ols.scale * (1.0 + np.einsum("tk,kj,tj->t", Xv, inv, Xv))
        np.testing.assert_allclose(fit.var_ar[i], var, rtol=1e-10)
        for w, (a, b) in enumerate(win):
            s = Xv[a : b + 1].sum(axis=0)
            np.testing.assert_allclose(fit.car[i, w], fit.ar[i, a : b + 1].sum(), rtol=1e-12)
            np.testing.assert_allclose(
                fit.var_car[i, w], ols.scale * (b - a + 1 + s @ inv @ s), rtol=1e-10
            )


@pytest.mark.parametrize("gaps", [False, True])
def test_line_fit_equals_the_explicit_constant_design(gaps: bool) -> None:
    """The implied constant gives the fit of the design with its column of ones."""
    y_e, x_e, y_v, x_v = _chunk(2, gaps)
    win = np.array([[0, L2 - 1], [1, 1]])
    a = kn.fit_chunk(y_e, x_e, y_v, x_v, win, method="ols", min_obs=30, intercept=True)
    ones_e, ones_v = np.ones((*x_e.shape[:2], 1)), np.ones((*x_v.shape[:2], 1))
    b = kn.fit_chunk(
        y_e,
        np.concatenate([ones_e, x_e], axis=2),
        y_v,
        np.concatenate([ones_v, x_v], axis=2),
        win,
        method="ols",
        min_obs=30,
    )
    for name in ("n_obs", "dof", "status"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    # the explicit design's regressor is a strided column: its sums round differently
    for name in ("params", "sigma2", "resid_est", "ar", "var_ar", "car", "var_car"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, err_msg=name)


def test_row_sums_from_the_caller_are_the_kernels_own() -> None:
    """``row_sums`` (the engine's) give the same fit as the kernel's own sums, and are used."""
    y_e, x_e, y_v, x_v = _chunk(3, False)
    win = np.array([[0, L2 - 1]])
    kw = {"method": "ols", "min_obs": 30, "intercept": True}
    own = kn.fit_chunk(y_e, x_e, y_v, x_v, win, **kw)  # type: ignore[arg-type]
    sums = (y_e.sum(axis=1), x_e[:, :, 0].sum(axis=1))
    given = kn.fit_chunk(y_e, x_e, y_v, x_v, win, row_sums=sums, **kw)  # type: ignore[arg-type]
    for name in ("params", "sigma2", "resid_est", "ar", "var_ar", "car", "var_car"):
        np.testing.assert_array_equal(getattr(own, name), getattr(given, name), err_msg=name)
    off = kn.fit_chunk(y_e, x_e, y_v, x_v, win, row_sums=(sums[0] + 1.0, sums[1]), **kw)  # type: ignore[arg-type]
    assert not np.allclose(off.params, own.params)  # the given sums are the ones the fit uses


def test_line_fit_singularity_is_lapacks_decision() -> None:
    """A benchmark near-constant in the estimation window: the entry-wise check on the scaled X'X
    flags SINGULAR exactly where LAPACK's smallest eigenvalue is at most EIG_MIN."""
    rng = np.random.default_rng(4)
    e = 4000
    x = 0.01 + rng.standard_normal((e, L1)) * 10.0 ** rng.uniform(-9, -1, (e, 1))
    y = rng.normal(0.0, 0.02, (e, L1))
    fit = kn.fit_chunk(
        y, x[:, :, None], y[:, :3], x[:, :3, None], np.array([[0, 2]]), min_obs=30, intercept=True
    )
    X = np.stack([np.ones_like(x), x], axis=2)
    xtx = X.transpose(0, 2, 1) @ X
    d = np.sqrt(np.einsum("ekk->ek", xtx))
    lam = np.linalg.eigvalsh(xtx / (d[:, :, None] * d[:, None, :]))[:, 0]
    singular = fit.status == kn.SINGULAR
    np.testing.assert_array_equal(singular, ~(lam > kn.EIG_MIN))
    assert singular.any() and not singular.all()


def test_two_by_two_eigenvalue_builds_lapacks_matrix_near_the_threshold() -> None:
    """Without the matrices, rows near EIG_MIN go to LAPACK with ``[[a, c], [c, b]]``."""
    rng = np.random.default_rng(6)
    a = np.full(50, 1.0 - 1e-4)
    b = np.full(50, 1.0 + 1e-4)
    # smallest eigenvalue 1 - hypot(1e-4, c) = EIG_MIN + u, within 1e-12 of the threshold
    c = np.sqrt((1.0 - kn.EIG_MIN - rng.uniform(-5e-13, 5e-13, 50)) ** 2 - 1e-8)
    scaled = np.stack([np.stack([a, c], axis=1), np.stack([c, b], axis=1)], axis=1)
    got = kn._smallest_eigenvalue_2x2(a, b, c)
    np.testing.assert_array_equal(got, kn._smallest_eigenvalue_2x2(a, b, c, scaled))
    np.testing.assert_array_equal(got, np.linalg.eigvalsh(scaled)[:, 0])


def test_row_windows_equal_a_gather_by_row_index() -> None:
    rng = np.random.default_rng(7)
    values = rng.standard_normal(300)
    first = np.array([0, 5, 17, 300 - 25, 120])
    np.testing.assert_array_equal(
        row_windows(values, first, 25), values[first[:, None] + np.arange(25)]
    )
    days = np.arange(300).astype("datetime64[D]").astype("datetime64[ns]")
    np.testing.assert_array_equal(
        row_windows(days, first, 25), days[first[:, None] + np.arange(25)]
    )


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(8)
    dates = pd.bdate_range("2020-01-01", periods=80)
    r = rng.normal(0.0, 0.01, (80, 3))
    complete = pd.DataFrame(r, index=dates, columns=["A", "B", "C"])
    late = complete.copy()
    late.iloc[:10, 1] = np.nan  # B lists late: windows of consecutive dates, a grid with holes
    holed = late.copy()
    holed.iloc[40, 0] = np.nan  # A skips a date: its windows across it are not consecutive
    long = complete.stack().rename("ret").reset_index()
    long.columns = pd.Index(["date", "symbol", "ret"])
    return {"complete": complete, "late": late, "holed": holed, "long": long}


@pytest.mark.parametrize("kind", ["complete", "late", "holed", "long"])
def test_window_lookups_equal_row_lookups(kind: str) -> None:
    """``length=`` lookups (windows of rows) equal the lookups at every row of the windows."""
    flat = flatten_returns(_frames()[kind])
    rng = np.random.default_rng(9)
    dates = pd.bdate_range("2019-12-20", periods=100)
    mk = [
        AlignedSeries(flat, pd.Series(rng.normal(0.0, 0.01, 100), index=dates)),
        AlignedSeries(flat, pd.Series(rng.normal(0.0, 0.01, 100), index=dates)),
    ]
    length = 12
    first = np.concatenate([flat.start + k for k in (0, 25, 30, 40)]).astype(np.int64)
    first = first[first + length <= flat.start[flat.code_at(first)] + flat.length[flat.code_at(first)]]
    rows = first[:, None] + np.arange(length)
    consecutive = kind in ("complete", "late")
    assert (flat.window_pos(first, length) is not None) == consecutive
    col_of_sym = np.array([0, 1, 0])
    np.testing.assert_array_equal(mk[1].at(first, length), mk[1].at(rows))
    np.testing.assert_array_equal(
        flat.market_at(mk, col_of_sym, first, length), flat.market_at(mk, col_of_sym, rows)
    )
    np.testing.assert_array_equal(flat.dates_at(first, length), flat.dates_at(rows))


def _study_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(10)
    t, s = 400, 30
    dates = pd.bdate_range("2015-01-01", periods=t)
    m = rng.normal(0.0003, 0.01, t)
    r = np.outer(m, rng.uniform(0.5, 1.5, s)) + rng.standard_normal((t, s)) * 0.02
    r[:20, :10] = np.nan  # late listings: the windows are still consecutive dates
    syms = [f"S{i:02d}" for i in range(s)]
    day0 = rng.integers(150, t - 15, 80)
    events = pd.DataFrame(
        {"event_id": [f"E{i}" for i in range(80)], "symbol": rng.choice(syms, 80), "date": dates[day0]}
    ).drop_duplicates(["symbol", "date"])
    return pd.DataFrame(r, index=dates, columns=syms), events, pd.DataFrame({"MKT": m}, index=dates)


def _fit(model: object, returns: pd.DataFrame, events: pd.DataFrame, market: pd.DataFrame):  # type: ignore[no-untyped-def]
    return EventStudy(
        returns,
        events,
        market_returns=market,
        benchmarks="MKT",
        model=model,  # type: ignore[arg-type]
        estimation_window=(-120, -11),
        event_windows=[(-10, 10), (0, 1)],
        tests="parametric",
    ).fit()


def _same(a, b, exact: bool = True) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_array_equal(a.evt_dates, b.evt_dates)
    for name in ("ar_arr", "var_ar", "car_arr", "var_car", "bhar_arr", "sigma2"):
        x, y = getattr(a, name), getattr(b, name)
        if exact:
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-16, err_msg=name)
    for name in ("car", "params", "tests", "clustering", "dropped"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=exact)


def test_market_model_chunks_equal_the_general_design_path() -> None:
    """The market model's sliced windows and implied constant give the results of the general path
    (a MarketModel subclass: the design built at every row, its constant column checked)."""

    class General(MarketModel):
        pass

    returns, events, market = _study_inputs()
    line = _fit("market", returns, events, market)
    # the general design's benchmark is a strided column of (1, R_m): sums round differently
    _same(line, _fit(General(), returns, events, market), False)
    # and each AR is the event's own return minus alpha + beta R_m on that date (by date, not row)
    ar = line.ar.merge(line.params[["event_id", "alpha", "beta"]], on="event_id")
    r = returns.stack().rename("r")
    got = ar["ar"].to_numpy()
    ret = r.reindex(pd.MultiIndex.from_arrays([ar["date"], ar["symbol"]])).to_numpy()
    mkt = market["MKT"].reindex(ar["date"]).to_numpy()
    np.testing.assert_allclose(got, ret - (ar["alpha"] + ar["beta"] * mkt), rtol=1e-10, atol=1e-15)


def test_window_days_are_the_dates_of_each_windows_ends(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The day numbers that decide overlapping windows are those of the windows' first and last
    sessions (taken from the span's dates in a chunk whose windows all lie in the data)."""
    seen: list[np.ndarray] = []
    overlap = _engine._windows_overlap
    monkeypatch.setattr(
        _engine, "_windows_overlap", lambda days: seen.append(days.copy()) or overlap(days)
    )
    returns, events, market = _study_inputs()
    res = _fit("market", returns, events, market)
    ar = res.ar
    for w, (a, b) in enumerate(res.event_windows):  # the "all" group's windows come first
        ends = [ar.loc[ar["event_time"] == k, "date"].to_numpy() for k in (a, b)]
        want = np.column_stack(ends).astype("datetime64[D]").astype(np.int64)
        np.testing.assert_array_equal(seen[w], want)


def test_windows_without_consecutive_positions_give_the_same_study(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Looking every window's rows up by position (as when a listing skips a date) changes nothing."""
    returns, events, market = _study_inputs()
    fast = _fit("market", returns, events, market)
    calls = []

    def no_windows(self, first, length):  # type: ignore[no-untyped-def]
        calls.append(length)
        return None

    monkeypatch.setattr(panel.FlatReturns, "window_pos", no_windows)
    _same(fast, _fit("market", returns, events, market))
    assert calls  # the window lookups were asked for
