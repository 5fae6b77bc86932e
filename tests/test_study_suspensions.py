"""A suspension is missing data, not a session the listing skipped.

A wide frame's NaN (or a long frame's absent row) on a session of the listing's own calendar, between
its first and last return, is a missing return when the calendar is known (``calendars=`` or the
security master): event time counts the session, an event window over it drops the event, and an
estimation window has one observation fewer. Checked against the long frame with NaN rows (the
documented meaning) and against a statsmodels fit on the sessions that have a return.
"""

from __future__ import annotations

import exchange_calendars as xc
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rerating import EventStudy

SESSIONS = xc.get_calendar("XHKG").sessions_in_range("2024-01-02", "2025-06-30")
SUSPENDED = ["2025-03-14", "2025-03-17"]  # two sessions of 0700.HK without a return


def panel() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(1)
    m = pd.Series(rng.normal(0, 0.01, SESSIONS.size), SESSIONS, name="^HSI")
    wide = pd.DataFrame(
        {s: 0.9 * m + rng.normal(0, 0.02, SESSIONS.size) for s in ("0700.HK", "9988.HK")},
        index=SESSIONS,
    )
    wide.loc[SUSPENDED, "0700.HK"] = np.nan
    return wide, m


def long_with_nan(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.melt(ignore_index=False, var_name="symbol", value_name="ret").rename_axis("date").reset_index()


def fit(returns: pd.DataFrame, m: pd.Series, date: str, **kw) -> object:
    ev = pd.DataFrame({"event_id": "e", "symbol": ["0700.HK", "9988.HK"], "date": date})
    return EventStudy(
        returns, ev, market_returns=m.to_frame(), benchmarks="^HSI", estimation_window=(-120, -11),
        event_windows=[(0, 0), (0, 3)], **kw,
    ).fit()


@pytest.mark.parametrize("layout", ["wide NaN", "long without the rows"])
def test_an_event_window_over_a_suspension_drops_the_event_as_a_long_nan_frame_does(layout):
    wide, m = panel()
    reference = fit(long_with_nan(wide), m, "2025-03-13")
    returns = wide if layout == "wide NaN" else long_with_nan(wide).dropna()
    res = fit(returns, m, "2025-03-13")
    ledger = res.dropped.set_index("symbol")["reason"]
    assert ledger["0700.HK"] == "missing return in the event window: 2025-03-14 has none"
    assert ledger.equals(reference.dropped.set_index("symbol")["reason"])
    pd.testing.assert_frame_equal(res.car, reference.car)
    assert any("0700.HK 2 (2025-03-14, 2025-03-17)" in w for w in res.warnings)


def test_before_the_fix_event_time_ran_past_the_suspension_now_it_counts_it():
    wide, m = panel()
    res = fit(wide, m, "2025-03-12", min_window_share=0.5)  # [0:3] = 12, 13, 14, 17 March
    ar = res.ar[res.ar["symbol"] == "0700.HK"]
    assert list(ar["date"].dt.strftime("%m-%d")) == ["03-12", "03-13", "03-14", "03-17"]
    assert ar["ar"].isna().tolist() == [False, False, True, True]


def test_a_suspension_in_the_estimation_window_is_one_observation_fewer_statsmodels_oracle():
    wide, m = panel()
    res = fit(wide, m, "2025-04-01")  # the suspension is 11 sessions before day 0: estimation
    params = res.params.set_index("symbol").loc["0700.HK"]
    day0 = SESSIONS.get_loc(pd.Timestamp("2025-04-01"))
    est = SESSIONS[day0 - 120 : day0 - 10]
    y = wide.loc[est, "0700.HK"]
    ok = y.notna()
    ols = sm.OLS(y[ok], sm.add_constant(m.loc[est][ok])).fit()
    assert int(params["n_obs"]) == 110 - 2 == int(ols.nobs)
    assert params["alpha"] == pytest.approx(ols.params.iloc[0], abs=1e-12)
    assert params["beta"] == pytest.approx(ols.params.iloc[1], abs=1e-12)
    car = res.car.set_index(["symbol", "window"])["car"]["0700.HK", "[0:3]"]
    window = SESSIONS[day0 : day0 + 4]
    expected = (wide.loc[window, "0700.HK"] - ols.params.iloc[0] - ols.params.iloc[1] * m.loc[window]).sum()
    assert car == pytest.approx(expected, abs=1e-12)


def test_nan_on_another_markets_sessions_is_still_not_a_session():
    # a wide frame over New York and Hong Kong sessions: NVDA's NaN on Hong Kong-only sessions
    # (and 0700.HK's on New York-only ones) are not gaps of their own calendars
    us = xc.get_calendar("XNYS").sessions_in_range("2024-01-02", "2025-06-30")
    dates = SESSIONS.union(us)
    rng = np.random.default_rng(2)
    wide = pd.DataFrame(rng.normal(0, 0.02, (dates.size, 2)), index=dates, columns=["0700.HK", "NVDA"])
    wide.loc[~dates.isin(SESSIONS), "0700.HK"] = np.nan
    wide.loc[~dates.isin(us), "NVDA"] = np.nan
    m = pd.DataFrame({"MKT": rng.normal(0, 0.01, dates.size)}, index=dates)
    ev = pd.DataFrame({"event_id": "e", "symbol": ["0700.HK", "NVDA"], "date": "2025-01-28"})
    res = EventStudy(wide, ev, market_returns=m, benchmarks="MKT", estimation_window=(-120, -11),
                     event_windows=[(0, 5)]).fit()
    assert res.dropped.empty and not any("taken as missing" in w for w in res.warnings)
    ar = res.ar[res.ar["symbol"] == "0700.HK"]  # Lunar New Year: 29-31 January closed in Hong Kong
    assert list(ar["date"].dt.strftime("%m-%d")) == ["01-28", "02-03", "02-04", "02-05", "02-06", "02-07"]


def test_an_unknown_listing_keeps_the_documented_reading_of_nan():
    # no calendar for the listing (not in the master, none given): NaN is not a session of it
    wide, m = panel()
    wide = wide.rename(columns={"0700.HK": "MYCO"})
    ev = pd.DataFrame({"event_id": "e", "symbol": ["MYCO"], "date": "2025-03-13"})
    res = EventStudy(wide, ev, market_returns=m.to_frame(), benchmarks="^HSI",
                     estimation_window=(-120, -11), event_windows=[(0, 3)]).fit()
    assert res.dropped.empty
    assert list(res.ar["date"].dt.strftime("%m-%d")) == ["03-13", "03-18", "03-19", "03-20"]
    with_calendar = EventStudy(wide, ev, market_returns=m.to_frame(), benchmarks="^HSI",
                               calendars={"MYCO": "XHKG"}, estimation_window=(-120, -11),
                               event_windows=[(0, 3)], min_window_share=0.5).fit()
    assert with_calendar.ar["ar"].isna().sum() == 2


def test_a_multi_day_return_is_not_one_sessions_return():
    # gap_policy='multi_day' leaves the return after a gap spanning it (span > 1): missing here
    wide, m = panel()
    frame = long_with_nan(wide).dropna().assign(span=1)
    after = (frame["symbol"] == "0700.HK") & (frame["date"] == pd.Timestamp("2025-03-18"))
    frame.loc[after, "span"] = 3
    res = fit(frame, m, "2025-03-12", min_window_share=0.25)
    ar = res.ar[res.ar["symbol"] == "0700.HK"].set_index("date")["ar"]
    assert np.isnan(ar[pd.Timestamp("2025-03-14")])  # the gap itself, and then:
    res5 = EventStudy(
        frame, pd.DataFrame({"event_id": "e", "symbol": ["0700.HK"], "date": "2025-03-12"}),
        market_returns=m.to_frame(), benchmarks="^HSI", estimation_window=(-120, -11),
        event_windows=[(0, 4)], min_window_share=0.2,
    ).fit()
    ar5 = res5.ar.set_index("date")["ar"]
    assert np.isnan(ar5[pd.Timestamp("2025-03-18")])  # the 3-session return is left out
    assert any("span several sessions" in w for w in res5.warnings)
