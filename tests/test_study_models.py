"""Every normal-return model's fit and variances against an independent oracle.

Oracles: statsmodels OLS per event (params, residual variance, prediction variance, CAR variance
from ``cov_params``), and arithmetic worked by hand for the mean- and market-adjusted models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rerating.study import Dimson, EventStudy, MarketModel
from rerating.study.kernel import SINGULAR, ZERO_VARIANCE, fit_chunk

EST = (-60, -11)
WINS = ((0, 0), (-1, 1), (0, 4))


def _panel(
    seed: int = 0, n_days: int = 200, symbols=("AAA", "BBB")
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    mkt = rng.normal(0.0004, 0.01, n_days)
    smb = rng.normal(0, 0.005, n_days)
    hml = rng.normal(0, 0.005, n_days)
    rows = []
    for k, s in enumerate(symbols):
        beta = 0.8 + 0.4 * k
        r = 0.0002 + beta * mkt + 0.3 * smb - 0.2 * hml + rng.normal(0, 0.015, n_days)
        rows.append(pd.DataFrame({"symbol": s, "date": dates, "ret": r}))
    long = pd.concat(rows, ignore_index=True)
    market = pd.DataFrame({"MKT": mkt, "SMB": smb, "HML": hml}, index=dates)
    return long, market


def _event(long: pd.DataFrame, symbol: str, pos: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    d = long.loc[long["symbol"] == symbol, "date"].iloc[pos]
    return pd.DataFrame({"event_id": ["e1"], "symbol": [symbol], "date": [d]}), d


def _rows(long: pd.DataFrame, symbol: str, pos: int, lo: int, hi: int) -> pd.DataFrame:
    sub = long[long["symbol"] == symbol].reset_index(drop=True)
    return sub.iloc[pos + lo : pos + hi + 1]


def _check_against_ols(res, y_est, X_est, y_evt, X_evt, rel_days) -> None:  # type: ignore[no-untyped-def]
    ols = sm.OLS(y_est, X_est).fit()
    p = res.params
    names = list(res.param_names)
    np.testing.assert_allclose(p[names].to_numpy()[0], ols.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(p["sigma"].iloc[0] ** 2, ols.scale, rtol=1e-9)
    assert p["n_obs"].iloc[0] == ols.nobs
    # prediction variance of each event-day AR: sigma^2 + x' Cov(b) x
    cov = ols.cov_params()
    pred_var = ols.scale + np.einsum("tk,kj,tj->t", X_evt, cov, X_evt)
    ar = res.ar
    np.testing.assert_allclose(
        ar["ar"].to_numpy(), y_evt - X_evt @ ols.params, rtol=1e-8, atol=1e-12
    )
    np.testing.assert_allclose(ar["std_error"].to_numpy() ** 2, pred_var, rtol=1e-8)
    car = res.car.set_index("window")
    for a, b in WINS:
        sel = (rel_days >= a) & (rel_days <= b)
        s = X_evt[sel].sum(axis=0)
        var_car = sel.sum() * ols.scale + s @ cov @ s
        label = f"[{a}:{b}]"
        np.testing.assert_allclose(car.loc[label, "std_error"] ** 2, var_car, rtol=1e-8)
        np.testing.assert_allclose(
            car.loc[label, "car"], (y_evt - X_evt @ ols.params)[sel].sum(), rtol=1e-8
        )
        t = car.loc[label, "car"] / np.sqrt(var_car)
        np.testing.assert_allclose(car.loc[label, "tstat"], t, rtol=1e-8)


def test_market_model_matches_statsmodels_with_missing_estimation_days() -> None:
    long, market = _panel()
    long = long.copy()
    # two missing estimation returns: the fit must use the other rows only
    idx = long.index[(long["symbol"] == "AAA")][[100, 110]]
    long.loc[idx, "ret"] = np.nan
    ev, _ = _event(long, "AAA", 150)
    res = EventStudy(
        long,
        ev,
        market_returns=market["MKT"],
        model="market",
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    est = _rows(long, "AAA", 150, *EST)
    mk = market["MKT"].reindex(est["date"]).to_numpy()
    ok = est["ret"].notna().to_numpy()
    X = sm.add_constant(mk[ok])
    evt = _rows(long, "AAA", 150, -1, 4)
    Xe = sm.add_constant(market["MKT"].reindex(evt["date"]).to_numpy(), has_constant="add")
    _check_against_ols(
        res, est["ret"].to_numpy()[ok], X, evt["ret"].to_numpy(), Xe, np.arange(-1, 5)
    )
    assert res.params["n_obs"].iloc[0] == 48


def test_capm_excess_returns_match_statsmodels() -> None:
    long, market = _panel(1)
    rf = pd.Series(0.0001 + 0.00001 * np.arange(len(market)), index=market.index)
    ev, _ = _event(long, "BBB", 120)
    res = EventStudy(
        long,
        ev,
        market_returns=market[["MKT"]],
        model="capm",
        risk_free=rf,
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    est = _rows(long, "BBB", 120, *EST)
    r_f = rf.reindex(est["date"]).to_numpy()
    X = sm.add_constant(market["MKT"].reindex(est["date"]).to_numpy() - r_f)
    evt = _rows(long, "BBB", 120, -1, 4)
    rfe = rf.reindex(evt["date"]).to_numpy()
    Xe = sm.add_constant(market["MKT"].reindex(evt["date"]).to_numpy() - rfe, has_constant="add")
    _check_against_ols(
        res, est["ret"].to_numpy() - r_f, X, evt["ret"].to_numpy() - rfe, Xe, np.arange(-1, 5)
    )


def test_three_factor_model_matches_statsmodels() -> None:
    long, market = _panel(2)
    ev, _ = _event(long, "AAA", 90)
    res = EventStudy(
        long,
        ev,
        factors=market,
        model="factor",
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    assert list(res.params.columns[3:7]) == ["alpha", "beta_MKT", "beta_SMB", "beta_HML"]
    est = _rows(long, "AAA", 90, *EST)
    X = sm.add_constant(market.reindex(est["date"]).to_numpy())
    evt = _rows(long, "AAA", 90, -1, 4)
    Xe = sm.add_constant(market.reindex(evt["date"]).to_numpy(), has_constant="add")
    _check_against_ols(res, est["ret"].to_numpy(), X, evt["ret"].to_numpy(), Xe, np.arange(-1, 5))


def test_dimson_matches_statsmodels_on_lagged_and_led_market() -> None:
    long, market = _panel(3)
    ev, _ = _event(long, "AAA", 100)
    res = EventStudy(
        long,
        ev,
        market_returns=market["MKT"],
        model=Dimson(lags=2, leads=1),
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    m = market["MKT"]
    lagged = pd.concat({"l2": m.shift(2), "l1": m.shift(1), "m0": m, "f1": m.shift(-1)}, axis=1)
    est = _rows(long, "AAA", 100, *EST)
    X = sm.add_constant(lagged.reindex(est["date"]).to_numpy())
    evt = _rows(long, "AAA", 100, -1, 4)
    Xe = sm.add_constant(lagged.reindex(evt["date"]).to_numpy(), has_constant="add")
    _check_against_ols(res, est["ret"].to_numpy(), X, evt["ret"].to_numpy(), Xe, np.arange(-1, 5))
    p = res.params.iloc[0]
    assert p["beta"] == pytest.approx(
        p["beta_lag2"] + p["beta_lag1"] + p["beta_0"] + p["beta_lead1"]
    )


def test_scholes_williams_beta_from_three_statsmodels_regressions() -> None:
    long, market = _panel(4)
    ev, _ = _event(long, "BBB", 130)
    res = EventStudy(
        long,
        ev,
        market_returns=market["MKT"],
        model="scholes_williams",
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    m = market["MKT"]
    est = _rows(long, "BBB", 130, *EST)
    d = est["date"]
    y = est["ret"].to_numpy()
    slopes = [
        sm.OLS(y, sm.add_constant(m.shift(k).reindex(d).to_numpy())).fit().params[1]
        for k in (1, 0, -1)
    ]
    m0, m1 = m.reindex(d).to_numpy(), m.shift(1).reindex(d).to_numpy()
    rho = np.corrcoef(m0, m1)[0, 1]
    beta = sum(slopes) / (1 + 2 * rho)
    alpha = y.mean() - beta * m0.mean()
    p = res.params.iloc[0]
    assert p["beta"] == pytest.approx(beta, rel=1e-9)
    assert p["alpha"] == pytest.approx(alpha, rel=1e-9, abs=1e-12)
    resid = y - alpha - beta * m0
    assert p["sigma"] ** 2 == pytest.approx((resid**2).sum() / (y.size - 2), rel=1e-9)
    evt = _rows(long, "BBB", 130, 0, 0)
    ar0 = evt["ret"].iloc[0] - alpha - beta * m.reindex(evt["date"]).iloc[0]
    assert res.car.set_index("window").loc["[0:0]", "car"] == pytest.approx(ar0, rel=1e-9)


def test_mean_adjusted_worked_by_hand() -> None:
    # estimation days -5..-2: 0.01, 0.03, -0.01, 0.01 -> mean 0.01; deviations 0, .02, -.02, 0
    dates = pd.bdate_range("2022-03-01", periods=8)
    r = [0.05, 0.01, 0.03, -0.01, 0.01, 0.00, 0.04, 0.02]  # day 0 is dates[6]
    long = pd.DataFrame({"symbol": "X", "date": dates, "ret": r})
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["X"], "date": [dates[6]]})
    res = EventStudy(
        long,
        ev,
        model="mean_adjusted",
        estimation_window=(-5, -2),
        event_windows=((0, 0), (0, 1)),
        tests="none",
    ).fit()
    sigma2 = (0.0 + 0.02**2 + 0.02**2 + 0.0) / 3  # ddof = n - K = 4 - 1
    car = res.car.set_index("window")
    assert car.loc["[0:0]", "car"] == pytest.approx(0.04 - 0.01)
    assert car.loc["[0:0]", "std_error"] ** 2 == pytest.approx(sigma2 * (1 + 1 / 4))
    assert car.loc["[0:1]", "car"] == pytest.approx(0.03 + 0.01)
    # 1'(I + X*(X'X)^-1 X*')1 with X = ones: 2 + 2*2/4 = 3
    assert car.loc["[0:1]", "std_error"] ** 2 == pytest.approx(sigma2 * 3)
    # BHAR: (1.04)(1.02) - (1.01)^2
    assert car.loc["[0:1]", "bhar"] == pytest.approx(1.04 * 1.02 - 1.01**2)


def test_market_adjusted_worked_by_hand() -> None:
    dates = pd.bdate_range("2022-03-01", periods=7)
    r = np.array([0.02, 0.01, -0.01, 0.03, 0.00, 0.05, 0.01])
    m = np.array([0.01, 0.00, -0.02, 0.01, 0.01, 0.01, 0.02])
    long = pd.DataFrame({"symbol": "X", "date": dates, "ret": r})
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["X"], "date": [dates[5]]})
    res = EventStudy(
        long,
        ev,
        market_returns=pd.Series(m, index=dates, name="M"),
        model="market_adjusted",
        estimation_window=(-5, -2),
        event_windows=((0, 0), (0, 1)),
        tests="none",
    ).fit()
    # estimation ARs (days -5..-2): .01, .01, .01, .02 -> mean .0125; squared deviations sum
    dev = np.array([0.01, 0.01, 0.01, 0.02]) - 0.0125
    sigma2 = (dev**2).sum() / 3
    car = res.car.set_index("window")
    assert car.loc["[0:0]", "car"] == pytest.approx(0.04)
    assert car.loc["[0:0]", "std_error"] ** 2 == pytest.approx(sigma2)
    assert car.loc["[0:1]", "car"] == pytest.approx(0.04 - 0.01)
    assert car.loc["[0:1]", "std_error"] ** 2 == pytest.approx(2 * sigma2)
    assert res.params.columns.tolist() == ["event_id", "symbol", "group", "sigma", "n_obs"]


def test_foreign_lag_uses_the_new_york_session_closed_before_hong_kong_opened() -> None:
    hk = pd.DatetimeIndex(["2025-01-17", "2025-01-20", "2025-01-21", "2025-01-22"])
    ny = pd.DatetimeIndex(["2025-01-15", "2025-01-16", "2025-01-17", "2025-01-21", "2025-01-22"])
    spx = pd.Series([0.001, 0.002, 0.003, 0.004, 0.005], index=ny)
    panel_rows = pd.DataFrame({"symbol": "9988.HK", "date": hk, "ret": 0.0})
    from rerating.study.panel import PanelView, flatten_returns

    flat = flatten_returns(panel_rows)
    view = PanelView(
        flat, None, None, None, spx.to_frame("^GSPC"), {"9988.HK": "XHKG", "^GSPC": "XNYS"}
    )
    got = view.foreign("^GSPC", 1)
    # HK Fri 17th opens before NY Fri 17th closes -> NY Thu 16th; HK Mon 20th and Tue 21st
    # (NY closed Mon 20th for MLK day) -> NY Fri 17th; HK Wed 22nd -> NY Tue 21st
    np.testing.assert_allclose(got, [0.002, 0.003, 0.003, 0.004])
    np.testing.assert_allclose(view.foreign("^GSPC", 2), [0.001, 0.002, 0.002, 0.003])


def test_market_model_with_foreign_lag_matches_statsmodels() -> None:
    import exchange_calendars as xc

    hk = xc.get_calendar("XHKG").sessions_in_range("2023-01-03", "2023-12-29")
    ny = xc.get_calendar("XNYS").sessions_in_range("2022-12-01", "2023-12-29")
    rng = np.random.default_rng(7)
    hsi = pd.Series(rng.normal(0, 0.01, hk.size), index=hk)
    spx = pd.Series(rng.normal(0, 0.01, ny.size), index=ny)
    from rerating.study._calendars import foreign_session_before_open

    fdates = foreign_session_before_open("XHKG", "XNYS", hk.values, 1)
    prev_spx = spx.reindex(pd.DatetimeIndex(fdates)).to_numpy()
    ret = 0.9 * hsi.to_numpy() + 0.3 * prev_spx + rng.normal(0, 0.01, hk.size)
    long = pd.DataFrame({"symbol": "9988.HK", "date": hk, "ret": ret})
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["9988.HK"], "date": [hk[200]]})
    mk = pd.concat({"^HSI": hsi, "^GSPC": spx}, axis=1, sort=True)
    res = EventStudy(
        long,
        ev,
        market_returns=mk,
        benchmarks="^HSI",
        model=MarketModel(foreign_lag=("^GSPC", 1)),
        calendars={"9988.HK": "XHKG", "^GSPC": "XNYS"},
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    sl = slice(200 + EST[0], 200 + EST[1] + 1)
    X = np.column_stack([np.ones(50), hsi.to_numpy()[sl], prev_spx[sl]])
    Xe = np.column_stack([np.ones(6), hsi.to_numpy()[199:205], prev_spx[199:205]])
    _check_against_ols(res, ret[sl], X, ret[199:205], Xe, np.arange(-1, 5))
    assert res.params["beta_foreign_^GSPC_lag1"].iloc[0] == pytest.approx(0.3, abs=0.15)


def test_kernel_flags_constant_returns_and_constant_benchmark() -> None:
    rng = np.random.default_rng(0)
    l1 = 40
    y = rng.normal(0, 0.01, (3, l1))
    x = np.stack([np.ones((3, l1)), rng.normal(0, 0.01, (3, l1))], axis=2)
    y[1] = 0.002  # constant returns
    x[2, :, 1] = 0.001  # constant benchmark: X'X singular
    out = fit_chunk(y, x, y[:, :3], x[:, :3], np.array([[0, 0]]), method="ols", min_obs=10)
    assert out.status.tolist() == [0, ZERO_VARIANCE, SINGULAR]
    assert np.isfinite(out.car[0]).all() and np.isnan(out.car[1:]).all()


def test_kernel_is_vectorised_over_events_and_matches_one_at_a_time() -> None:
    rng = np.random.default_rng(1)
    e, l1, l2 = 50, 60, 5
    x_all = np.stack([np.ones((e, l1 + l2)), rng.normal(0, 0.01, (e, l1 + l2))], axis=2)
    y_all = 0.001 + 1.1 * x_all[:, :, 1] + rng.normal(0, 0.01, (e, l1 + l2))
    y_all[rng.random((e, l1 + l2)) < 0.05] = np.nan
    y_all[:, l1:] = np.where(np.isnan(y_all[:, l1:]), 0.0, y_all[:, l1:])
    w = np.array([[0, 0], [0, 4]])
    batch = fit_chunk(y_all[:, :l1], x_all[:, :l1], y_all[:, l1:], x_all[:, l1:], w, min_obs=20)
    for i in (0, 17, 49):
        one = fit_chunk(
            y_all[i : i + 1, :l1],
            x_all[i : i + 1, :l1],
            y_all[i : i + 1, l1:],
            x_all[i : i + 1, l1:],
            w,
            min_obs=20,
        )
        np.testing.assert_allclose(batch.car[i], one.car[0])
        np.testing.assert_allclose(batch.var_car[i], one.var_car[0])


def test_factor_model_on_excess_returns_when_risk_free_is_given() -> None:
    long, market = _panel(5)
    rf = pd.Series(0.00015, index=market.index)
    ev, _ = _event(long, "BBB", 110)
    res = EventStudy(
        long,
        ev,
        factors=market[["MKT", "SMB"]],
        risk_free=rf,
        model="factor",
        estimation_window=EST,
        event_windows=WINS,
        tests="none",
    ).fit()
    est = _rows(long, "BBB", 110, *EST)
    X = sm.add_constant(market[["MKT", "SMB"]].reindex(est["date"]).to_numpy())
    evt = _rows(long, "BBB", 110, -1, 4)
    Xe = sm.add_constant(market[["MKT", "SMB"]].reindex(evt["date"]).to_numpy(), has_constant="add")
    _check_against_ols(
        res,
        est["ret"].to_numpy() - 0.00015,
        X,
        evt["ret"].to_numpy() - 0.00015,
        Xe,
        np.arange(-1, 5),
    )


def test_scholes_williams_keeps_an_event_whose_window_ends_on_the_last_session() -> None:
    # the led benchmark of the last session does not exist, but it enters the beta's fit only:
    # the event was dropped ("missing benchmark data ... next session") where the market model
    # keeps it. Its CAR equals the one with one more session of data, where the lead exists.
    longer, market = _panel(4, n_days=201)
    last_day = market.index[-1]
    long = longer[longer["date"] < last_day]
    pos = int((long["symbol"] == "BBB").sum()) - 1 - max(b for _, b in WINS)
    ev, _ = _event(long, "BBB", pos)
    kw = dict(model="scholes_williams", estimation_window=EST, event_windows=WINS, tests="none")
    end = EventStudy(long, ev, market_returns=market["MKT"].drop(last_day), **kw).fit()
    assert end.dropped.empty
    more = EventStudy(longer, ev, market_returns=market["MKT"], **kw).fit()
    np.testing.assert_allclose(end.car["car"], more.car["car"], rtol=1e-12)


def test_factors_missing_on_many_sessions_are_said() -> None:
    # factors of another market (US factors on Hong Kong listings) lack some of the listings'
    # sessions: those are left out of each fit, silently before
    long, market = _panel(5)
    ev, _ = _event(long, "BBB", 110)
    kw = dict(model="factor", estimation_window=EST, event_windows=WINS, tests="none")
    full = EventStudy(long, ev, factors=market[["MKT", "SMB"]], **kw).fit()
    assert not any("the factors have no value" in w for w in full.warnings)
    # every fifth day of the estimation window [-60, -11] has no factor value: 10 of 50 sessions
    holes = market[["MKT", "SMB"]].drop(market.index[50:100:5])
    res = EventStudy(long, ev, factors=holes, **kw).fit()
    assert any(w.startswith("the factors have no value on 20% of the") for w in res.warnings)
    assert res.dropped.empty and int(res.params["n_obs"].iloc[0]) == 40
