"""Mutation-testing oracles for the study layer's changes of 2026-12-07.

Each test kills a mutant the existing suite let through (docs in each test): independent
oracles (statsmodels fits, numpy/pandas computations written from the documented formulas,
literal thresholds of docs/STUDY.md) rather than calls into the code under test.
"""

from __future__ import annotations

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rerating.study import EventStudy
from rerating.study.engine import RBAR_MAX_EVENTS

# ---------------------------------------------------------------------------------------------
# fill_session_gaps / _spanning_rows
# ---------------------------------------------------------------------------------------------
HK = xc.get_calendar("XHKG").sessions_in_range("2024-01-02", "2025-06-30")


def _hk_panel(seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    m = pd.Series(rng.normal(0, 0.01, HK.size), HK, name="^HSI")
    wide = pd.DataFrame({"0700.HK": 0.9 * m + rng.normal(0, 0.02, HK.size)}, index=HK)
    return wide, m


def _one_event(returns: pd.DataFrame, m: pd.Series, date: str, **kw) -> object:
    ev = pd.DataFrame({"event_id": ["e"], "symbol": ["0700.HK"], "date": [date]})
    return EventStudy(
        returns, ev, market_returns=m.to_frame(), benchmarks="^HSI", estimation_window=(-120, -11),
        event_windows=[(0, 4)], min_window_share=0.2, **kw,
    ).fit()


def test_a_two_session_return_is_already_not_one_sessions_return():
    # span = 2 (the smallest multi-day return) is missing, span = 1 is kept: the oracle is the
    # market model fitted by statsmodels on the estimation window, the AR computed by hand
    wide, m = _hk_panel()
    frame = wide.drop(pd.Timestamp("2025-03-14")).melt(
        ignore_index=False, var_name="symbol", value_name="ret"
    ).rename_axis("date").reset_index().assign(span=1)
    frame.loc[frame["date"] == pd.Timestamp("2025-03-17"), "span"] = 2
    res = _one_event(frame, m, "2025-03-12")
    ar = res.ar.set_index("date")["ar"]
    assert np.isnan(ar[pd.Timestamp("2025-03-17")])
    day0 = HK.get_loc(pd.Timestamp("2025-03-12"))
    est = HK[day0 - 120 : day0 - 10]
    ols = sm.OLS(wide.loc[est, "0700.HK"], sm.add_constant(m.loc[est])).fit()
    d = pd.Timestamp("2025-03-18")
    want = wide.loc[d, "0700.HK"] - ols.params.iloc[0] - ols.params.iloc[1] * m.loc[d]
    assert ar[d] == pytest.approx(want, abs=1e-12)
    assert any("1 return(s) span several sessions" in w for w in res.warnings)


def test_a_listing_with_a_row_off_its_calendar_still_has_its_suspension_filled():
    # a stray return on a Hong Kong holiday (2025-04-18, Good Friday: a row, not a session of
    # XHKG) must not hide a suspended session (2025-03-14): the count is of rows ON sessions
    wide, m = _hk_panel(2)
    stray = pd.Timestamp("2025-04-18")
    assert not xc.get_calendar("XHKG").is_session(stray)
    long = wide.melt(ignore_index=False, var_name="symbol", value_name="ret").rename_axis("date").reset_index()
    long = long[long["date"] != pd.Timestamp("2025-03-14")]
    long = pd.concat([long, pd.DataFrame({"symbol": ["0700.HK"], "date": [stray], "ret": [0.001]})])
    long = long.sort_values(["symbol", "date"]).reset_index(drop=True)
    mm = m.copy()
    mm.loc[stray] = 0.0
    res = _one_event(long, mm.sort_index(), "2025-03-13", calendars={"0700.HK": "XHKG"})
    assert any("0700.HK 1 (2025-03-14)" in w for w in res.warnings)
    ar = res.ar.set_index("date")["ar"]
    # event time counts the suspended session: [0:4] = 13, 14, 17, 18, 19 March
    assert list(ar.index.strftime("%m-%d")) == ["03-13", "03-14", "03-17", "03-18", "03-19"]
    assert np.isnan(ar[pd.Timestamp("2025-03-14")])


# ---------------------------------------------------------------------------------------------
# r̄* of the CAAR on the large (calendar-sums) path, two markets with lead-lag terms
# ---------------------------------------------------------------------------------------------
def _two_markets_unequal(seed: int, n_each: int, n_days: int):  # type: ignore[no-untyped-def]
    """Hong Kong and New York listings with their own holidays; an early shock both markets see
    the same date and a late one (New York's hours) Hong Kong sees the next session; listings of
    unequal volatility, so that weighting pairs by s_i s_j changes r̄."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    early, late = rng.normal(0, 1, n_days), rng.normal(0, 1, n_days)
    mkt = pd.DataFrame({"HSI": rng.normal(0, 0.012, n_days), "SPX": rng.normal(0, 0.01, n_days)}, index=dates)
    hk_common = early + np.concatenate([[0.0], late[:-1]])
    us_common = early + late
    noise = rng.normal(0, 1, (n_days, 2 * n_each))
    scale = rng.uniform(0.5, 3.0, 2 * n_each)  # volatile listings carry more of the shocks
    hk = 0.8 * mkt["HSI"].to_numpy()[:, None] + 0.01 * scale[:n_each] * (0.5 * hk_common[:, None] + noise[:, :n_each])
    us = 1.1 * mkt["SPX"].to_numpy()[:, None] + 0.01 * scale[n_each:] * (0.5 * us_common[:, None] + noise[:, n_each:])
    cols = [f"H{i:03d}" for i in range(n_each)] + [f"U{i:03d}" for i in range(n_each)]
    wide = pd.DataFrame(np.hstack([hk, us]), index=dates, columns=cols)
    wide.iloc[[40, 41, 100, 150, 205], :n_each] = np.nan  # Hong Kong's holidays
    wide.iloc[[90, 151, 180, 221], n_each:] = np.nan  # New York's
    return wide, mkt, {s: "HSI" if s[0] == "H" else "SPX" for s in cols}


def _rbar_star_oracle(wide, mkt, bench, res, est, wins):  # type: ignore[no-untyped-def]
    """r̄* per window from every pair, written from the formula:
    ``[sum_{i<j} s_i s_j r_ij k_ij + sum_{i!=j, different markets} s_i s_j l_ij m_ij]
    / (L (N-1)/2 sum_i s_i^2)``; ``s_i`` the sd (ddof 0) of event i's statsmodels residuals,
    ``r_ij``/``l_ij`` pandas' same-date / one-session-lagged correlations on the joint calendar,
    ``k_ij`` the window dates both have, ``m_ij`` the dates of i's window whose previous joint
    session is in j's."""
    car = res.car[res.car["window"] == res.car["window"].iloc[0]]
    joint = wide.index[wide.notna().any(axis=1)]
    resid, moved, sd, on = {}, {}, [], {w: [] for w in wins}
    for event_id, symbol, day0 in zip(car["event_id"], car["symbol"], pd.to_datetime(car["day0"]), strict=True):
        sessions = wide[symbol].dropna()
        i0 = sessions.index.get_loc(day0)
        y = sessions.iloc[i0 + est[0] : i0 + est[1] + 1]
        fit = sm.OLS(y.to_numpy(), sm.add_constant(mkt[bench[symbol]].reindex(y.index).to_numpy())).fit()
        sd.append(np.std(fit.resid))
        resid[event_id] = pd.Series(fit.resid, index=y.index).reindex(joint)
        moved[event_id] = resid[event_id].shift(1)
        for a, b in wins:
            on[a, b].append(joint.isin(sessions.index[i0 + a : i0 + b + 1]).astype(float))
    n = len(resid)
    sd = np.array(sd)
    both = pd.concat([pd.DataFrame(resid), pd.DataFrame(moved).add_suffix("~")], axis=1)
    corr = both.corr(min_periods=30).to_numpy()
    same, lead = np.nan_to_num(corr[:n, :n]), np.nan_to_num(corr[:n, n:])
    market = np.array([bench[s] for s in car["symbol"]])
    lead = np.where(market[:, None] != market[None, :], lead, 0.0)
    weights = np.outer(sd, sd)
    upper = np.triu_indices(n, 1)
    out = {}
    for (a, b), rows in on.items():
        m = np.array(rows)
        prev_on = np.hstack([np.zeros((n, 1)), m[:, :-1]])
        same_k = (weights * same * (m @ m.T))[upper].sum()
        lead_m = (weights * lead * (m @ prev_on.T)).sum()
        denom = (b - a + 1) * (n - 1) / 2 * (sd**2).sum()
        out[a, b] = (same_k + lead_m) / denom
        out["no lead", a, b] = same_k / denom
    return out


def test_the_caar_rbar_star_across_markets_has_its_weighted_lead_lag_terms():
    """More than RBAR_MAX_EVENTS events (calendar sums): r̄* (clustering's rbar_caar) with the
    weighted lead-lag terms of every pair of a Hong Kong and a New York event."""
    est, wins = (-150, -11), ((0, 0), (-1, 2))
    wide, mkt, bench = _two_markets_unequal(seed=11, n_each=105, n_days=260)
    day0 = 226 + np.random.default_rng(11).integers(0, 6, wide.shape[1])  # pairs a session apart
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[day0]})
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=est,
        event_windows=wins, tests=("adj_bmp",),
    ).fit()
    clus = res.clustering.set_index("window")
    assert clus["n"].iloc[0] == 210 > RBAR_MAX_EVENTS
    want = _rbar_star_oracle(wide, mkt, bench, res, est, wins)
    for a, b in wins:
        got = clus.loc[f"[{a}:{b}]", "rbar_caar"]
        assert abs(want[a, b] - want["no lead", a, b]) > 0.05 * abs(want[a, b])  # the terms matter
        assert got == pytest.approx(want[a, b], rel=0.01)


def test_the_caar_rbar_star_of_a_small_group_weighs_by_the_ddof0_sd_about_each_mean():
    """At most RBAR_MAX_EVENTS events (every pair): r̄* on one date, market-adjusted returns
    (residuals with a drift: their mean is not 0) and estimation windows with missing returns
    (events with different numbers of residuals). ``s_i``: numpy's std (ddof 0, about the mean)
    of event i's residuals r - m over the estimation sessions it has."""
    rng = np.random.default_rng(21)
    n_sym, n_days, day0 = 40, 320, 300
    dates = pd.bdate_range("2022-01-03", periods=n_days)
    m = rng.normal(0, 0.01, n_days)
    shock = rng.normal(0, 0.01, n_days)
    scale = rng.uniform(0.5, 3.0, n_sym)
    drift = rng.uniform(-0.004, 0.004, n_sym)  # r - m has a mean far from 0
    r = m[:, None] + scale * (0.6 * shock[:, None] + rng.normal(0, 0.01, (n_days, n_sym))) + drift
    share = np.linspace(0.0, 0.6, n_sym)  # listing k misses about share[k] of its estimation data
    gaps = rng.random((n_days, n_sym)) < share
    gaps[day0 - 10 :] = False
    r[gaps] = np.nan
    cols = [f"S{i:02d}" for i in range(n_sym)]
    wide = pd.DataFrame(r, index=dates, columns=cols)
    mkt = pd.Series(m, index=dates, name="M")
    est = (-250, -11)
    events = pd.DataFrame({"event_id": cols, "symbol": cols, "date": dates[day0]})
    res = EventStudy(
        wide, events, market_returns=mkt, model="market_adjusted", estimation_window=est,
        event_windows=[(0, 0)], min_estimation=60, tests=("adj_bmp",),
    ).fit()
    rbar_caar = float(res.clustering["rbar_caar"].iloc[0])
    # the oracle: a listing without a known calendar has its non-NaN dates as its sessions, so
    # its estimation window is the 240 sessions it has from 250 to 11 before day 0
    kept = res.car["symbol"].tolist()
    assert len(kept) == n_sym
    series = {}
    for c in kept:
        own = wide[c].dropna()
        i0 = own.index.get_loc(dates[day0])
        y = own.iloc[max(0, i0 + est[0]) : i0 + est[1] + 1]  # from its first return
        series[c] = y - mkt.reindex(y.index)
    resid = pd.DataFrame(series)
    corr = resid.corr(min_periods=30).to_numpy()
    upper = np.triu_indices(len(kept), 1)
    rho = np.nan_to_num(corr[upper])
    sd = np.array([np.nanstd(resid[c].to_numpy()) for c in kept])  # ddof 0, about its own mean
    weights = np.outer(sd, sd)[upper]
    want = (weights * rho).sum() / ((len(kept) - 1) / 2 * (sd**2).sum())
    assert rbar_caar == pytest.approx(want, rel=1e-9)
    # the equal-weight r̄ differs: the weights matter
    assert abs(float(res.clustering["rbar"].iloc[0]) - want) > 0.01


# ---------------------------------------------------------------------------------------------
# corrado_zivney / grank in small groups: the thresholds as literals (docs/STUDY.md, "Small
# groups": not run below 10 events, a warning below 30)
# ---------------------------------------------------------------------------------------------
def _small_study(n: int) -> object:
    rng = np.random.default_rng(100 + n)
    dates = pd.bdate_range("2020-01-01", periods=320)
    m = pd.Series(rng.normal(0.0003, 0.01, dates.size), dates, name="MKT")
    wide = pd.DataFrame({f"S{i:02d}": 0.8 * m + rng.normal(0, 0.02, dates.size) for i in range(n)})
    ev = pd.DataFrame({"event_id": "e", "symbol": wide.columns, "date": dates[300]})
    return EventStudy(wide, ev, market_returns=m, estimation_window=(-250, -11),
                      event_windows=[(0, 0)], tests=("corrado", "corrado_zivney", "grank")).fit()


def _optimistic(res) -> list[str]:  # type: ignore[no-untyped-def]
    return [w for w in res.warnings if "reject a true null more often than their level" in w]


def test_nine_events_skip_them_and_say_why():
    res = _small_study(9)
    assert set(res.tests["test"]) == {"corrado"}
    for name in ("corrado_zivney", "grank"):
        assert f"{name} needs at least 10 events; group 'all' has 9: skipped (with fewer it rejects a true null far more often than its level)" in res.warnings


def test_ten_events_run_both_with_one_warning_naming_both():
    res = _small_study(10)
    assert {"corrado_zivney", "grank"} <= set(res.tests["test"])
    warned = _optimistic(res)
    assert len(warned) == 1
    assert warned[0].startswith("corrado_zivney and grank with 10 events in group 'all' reject a true null")
    assert "below 30 events" in warned[0]


@pytest.mark.parametrize(("n", "warned"), [(29, True), (30, False)])
def test_the_warning_stops_at_thirty_events(n, warned):
    res = _small_study(n)
    assert {"corrado_zivney", "grank"} <= set(res.tests["test"])
    assert bool(_optimistic(res)) is warned


def test_more_events_on_one_date_than_a_chunk_of_the_calendar_sums():
    """2,100 events on one date (more than the 2,048 events of a chunk of the calendar sums, so the
    day 0 comes in two chunks, whose sums must add up), complete windows, a shock common to all:
    r̄ of [0:0] is the mean over every pair of the residuals' correlation (numpy: least squares per
    listing, np.corrcoef)."""
    rng = np.random.default_rng(31)
    n_sym, n_days, day0 = 2100, 262, 260
    est = (-250, -11)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    m = rng.normal(0, 0.01, n_days)
    r = np.outer(m, rng.uniform(0.5, 1.5, n_sym)) + 0.008 * rng.normal(0, 1, n_days)[:, None]
    r += rng.normal(0, 0.02, (n_days, n_sym))
    cols = [f"S{i:04d}" for i in range(n_sym)]
    wide = pd.DataFrame(r, index=dates, columns=cols)
    events = pd.DataFrame({"event_id": cols, "symbol": cols, "date": dates[day0]})
    res = EventStudy(
        wide, events, market_returns=pd.DataFrame({"M": m}, index=dates), benchmarks="M",
        estimation_window=est, event_windows=[(0, 0)], tests=("adj_bmp",),
    ).fit()
    clus = res.clustering.iloc[0]
    assert clus["n"] == n_sym
    rows = slice(day0 + est[0], day0 + est[1] + 1)
    x = np.column_stack([np.ones(rows.stop - rows.start), m[rows]])
    y = r[rows]
    resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    corr = np.corrcoef(resid.T)
    upper = np.triu_indices(n_sym, 1)
    assert clus["rbar"] == pytest.approx(corr[upper].mean(), rel=1e-9)
    sd = resid.std(axis=0)
    want = (np.outer(sd, sd) * corr)[upper].sum() / ((n_sym - 1) / 2 * (sd**2).sum())
    assert clus["rbar_caar"] == pytest.approx(want, rel=1e-9)
    assert corr[upper].mean() > 0.05


def test_a_suspension_before_2000_is_found_when_another_listing_starts_later():
    # the listings of one calendar share its sessions from the earliest first return: 0001.HK's
    # 1998 suspension counts even though 0005.HK's returns only start in 2000
    old = xc.get_calendar("XHKG", start="1997-01-02").sessions_in_range("1997-01-02", "2000-12-29")
    rng = np.random.default_rng(7)
    m = pd.Series(rng.normal(0, 0.01, old.size), old, name="^HSI")
    wide = pd.DataFrame({s: 0.9 * m + rng.normal(0, 0.02, old.size) for s in ("0001.HK", "0005.HK")})
    wide.loc[wide.index < "2000-03-01", "0005.HK"] = np.nan
    gap = pd.Timestamp("1998-06-16")
    assert gap in old
    wide.loc[gap, "0001.HK"] = np.nan
    # both listings have an event: only the events' listings are read
    ev = pd.DataFrame({"event_id": ["e", "f"], "symbol": ["0001.HK", "0005.HK"], "date": ["1998-06-15", "2000-11-15"]})
    res = EventStudy(
        wide, ev, market_returns=m.to_frame(), benchmarks="^HSI", estimation_window=(-120, -11),
        event_windows=[(0, 3)], calendars={"0001.HK": "XHKG", "0005.HK": "XHKG"}, min_window_share=0.5,
    ).fit()
    ar = res.ar[res.ar["event_id"] == "e"].set_index("date")["ar"]
    day0 = old.get_loc(pd.Timestamp("1998-06-15"))
    assert list(ar.index) == list(old[day0 : day0 + 4])  # event time counts the suspended session
    assert np.isnan(ar[gap])


def test_the_closure_of_the_first_day_of_a_calendar_is_applied_too():
    # HKEX cancelled trading on 2023-09-01 (typhoon Saola) and 2023-09-08 (black rainstorm): a
    # calendar built from either day must not count that day as a session
    from rerating.data.calendars import build_calendar

    for day in ("2023-09-01", "2023-09-08"):
        cal = build_calendar("XHKG", day)
        assert cal.first_session > pd.Timestamp(day)  # not a session: the next one is the first
