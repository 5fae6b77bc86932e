"""Window returns on the bundled sample, checked against closes read straight from the CSV files."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.errors import (
    BadPriceError,
    DataFormatError,
    DateRangeError,
    DuplicateDateError,
    MissingDataError,
    WindowError,
)
from rerating.events.catalog import parse_event
from rerating.rerate.windows import (
    event_return_from_closes,
    range_return_from_closes,
    returns_frame,
    window_return_from_closes,
)

T = pd.Timestamp
SAMPLE = resources.files("rerating.data").joinpath("sample")


def raw_close(symbol: str, date: str) -> float:
    """The close on one date, read with the csv module (independent of pandas parsing)."""
    with SAMPLE.joinpath(f"{symbol.lstrip('^')}.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["date"] == date:
                return float(row["close"])
    raise AssertionError(f"{symbol} has no row on {date}")


def closes(symbol: str) -> pd.Series:
    with SAMPLE.joinpath(f"{symbol.lstrip('^')}.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, parse_dates=["date"], index_col="date")
    return frame["close"].rename(symbol)


R1 = parse_event({"id": "r1", "title_en": "R1", "kind": "model_release", "date": "2025-01-20",
                  "tz": "Asia/Shanghai", "sources": "https://api-docs.deepseek.com/news/news250120"})


def test_nvda_on_the_selloff_day():
    r = window_return_from_closes(closes("NVDA"), "2025-01-27", 1, calendar="XNYS", currency="USD")
    assert raw_close("NVDA", "2025-01-27") == 118.42
    expected = 118.42 / raw_close("NVDA", "2025-01-24") - 1
    assert r.value == pytest.approx(expected, rel=1e-12)
    assert r.value == pytest.approx(-0.17, abs=0.005)
    assert (r.start_date, r.end_date, r.sessions) == (T("2025-01-24"), T("2025-01-27"), 1)
    assert r.log_value == pytest.approx(np.log(1 + expected))
    assert "-16.97%" in r.summary()


# 20 XHKG sessions back from 2025-02-13, counted by hand on the 2025 calendar (LNY 01-29..31 shut):
# 02-13 12 11 10 07 06 05 04 03, 01-28 27 24 23 22 21 20 17 16 15 14 -> 20 back is 2025-01-13
@pytest.mark.parametrize("symbol", ["9988.HK", "0700.HK", "HSTECH"])
def test_twenty_sessions_to_13_february(symbol):
    r = window_return_from_closes(closes(symbol), "2025-02-13", 20, calendar="XHKG")
    assert r.start_date == T("2025-01-13") and r.end_date == T("2025-02-13")
    expected = raw_close(symbol, "2025-02-13") / raw_close(symbol, "2025-01-13") - 1
    assert r.value == pytest.approx(expected, rel=1e-12)
    assert r.note == ""


def test_baba_on_29_january_while_hong_kong_was_shut():
    baba = window_return_from_closes(closes("BABA"), "2025-01-29", 1, calendar="XNYS")
    assert (baba.start_date, baba.end_date) == (T("2025-01-28"), T("2025-01-29"))
    assert baba.value == pytest.approx(raw_close("BABA", "2025-01-29") / raw_close("BABA", "2025-01-28") - 1)
    hk = window_return_from_closes(closes("9988.HK"), "2025-01-29", 1, calendar="XHKG")
    assert (hk.start_date, hk.end_date) == (T("2025-01-27"), T("2025-01-28"))
    assert "2025-01-29 is not a XHKG session; used 2025-01-28" in hk.note


def test_range_return_moves_both_ends_to_sessions():
    r = range_return_from_closes(closes("BABA"), "2025-01-20", "2025-02-15", calendar="XNYS")
    # 01-20 is MLK Day -> Friday 01-17; 02-15 is a Saturday -> Friday 02-14
    assert (r.start_date, r.end_date) == (T("2025-01-17"), T("2025-02-14"))
    assert r.value == pytest.approx(raw_close("BABA", "2025-02-14") / raw_close("BABA", "2025-01-17") - 1)
    # sessions 01-21..02-14 on XNYS: 4 + 5 + 5 + 5 (01-21..24, 27..31, 02-03..07, 10..14)
    assert r.sessions == 19
    assert "start 2025-01-20" in r.note and "end 2025-02-15" in r.note


def test_event_return_by_sessions_and_by_days():
    nvda = closes("NVDA")
    one = event_return_from_closes(nvda, R1, "XNYS", sessions=1)
    assert (one.start_date, one.end_date) == (T("2025-01-17"), T("2025-01-21"))
    five = event_return_from_closes(nvda, R1, "XNYS", sessions=5)
    # day 0 = 01-21; five sessions 01-21, 22, 23, 24, 27
    assert five.end_date == T("2025-01-27") and five.sessions == 5
    assert five.value == pytest.approx(118.42 / raw_close("NVDA", "2025-01-17") - 1)
    week = event_return_from_closes(nvda, R1, "XNYS", days=7)  # 2025-01-20 + 7 = 01-27
    assert week.end_date == T("2025-01-27") and week.value == five.value
    six = event_return_from_closes(nvda, R1, "XNYS", days=6)  # 01-26 is a Sunday -> 01-24
    assert six.end_date == T("2025-01-24") and "end 2025-01-26" in six.note
    hk = event_return_from_closes(closes("9988.HK"), R1, "XHKG", sessions=2)
    assert (hk.start_date, hk.end_date) == (T("2025-01-20"), T("2025-01-22"))
    with pytest.raises(DateRangeError, match="before day 0"):
        event_return_from_closes(nvda, parse_event({"id": "fri", "title_en": "f", "kind": "k",
                                 "sources": "s", "date": "2025-01-24", "tz": "America/New_York"}),
                                 "XNYS", days=1)


def test_window_past_the_data():
    nvda = closes("NVDA")
    with pytest.raises(DateRangeError, match="after its last close on 2025-06-30.*partial"):
        window_return_from_closes(nvda, "2025-07-15", 5, calendar="XNYS")
    cut = window_return_from_closes(nvda, "2025-07-15", 5, calendar="XNYS", partial=True)
    assert cut.end_date == T("2025-06-30") and "cut at the last close 2025-06-30" in cut.note
    with pytest.raises(DateRangeError, match="before its first close"):
        window_return_from_closes(nvda, "2024-06-05", 10, calendar="XNYS")
    with pytest.raises(DateRangeError, match="before its first close"):
        range_return_from_closes(nvda, "2024-01-02", "2024-07-01", calendar="XNYS")


def test_a_missing_session_row_is_never_filled():
    nvda = closes("NVDA").drop(T("2025-01-24"))
    with pytest.raises(MissingDataError, match="no close for NVDA on 2025-01-24.*never forward-filled"):
        window_return_from_closes(nvda, "2025-01-27", 1, calendar="XNYS")
    # without a calendar the data's own dates are the sessions (documented)
    r = window_return_from_closes(nvda, "2025-01-27", 1)
    assert r.start_date == T("2025-01-23")


def test_bad_arguments():
    with pytest.raises(WindowError, match="at least 1"):
        window_return_from_closes(closes("NVDA"), "2025-01-27", 0, calendar="XNYS")
    with pytest.raises(WindowError, match="exactly one"):
        event_return_from_closes(closes("NVDA"), R1, "XNYS", sessions=2, days=3)
    with pytest.raises(DateRangeError, match="swap"):
        range_return_from_closes(closes("NVDA"), "2025-02-01", "2025-01-01", calendar="XNYS")


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=120))
def test_window_return_compounds_the_daily_returns(n, back):
    # oracle: compound the daily close-to-close returns of the last n rows before `end`
    s = closes("0700.HK")
    end = s.index[-1 - back]
    r = window_return_from_closes(s, end, n, calendar="XHKG")
    path = s.loc[:end].iloc[-(n + 1):].to_numpy()
    daily = path[1:] / path[:-1]
    assert r.value == pytest.approx(np.prod(daily) - 1, rel=1e-9, abs=1e-12)


def test_returns_frame_stacks_results():
    rs = [window_return_from_closes(closes(s), "2025-02-13", 20, calendar="XHKG", symbol=s)
          for s in ("9988.HK", "0700.HK")]
    frame = returns_frame(rs)
    assert list(frame["symbol"]) == ["9988.HK", "0700.HK"]
    assert frame["pct"].to_numpy() == pytest.approx(100 * frame["value"].to_numpy())


def test_market_wrappers_agree_and_carry_data_flags():
    from rerating.data.market import Market
    from rerating.rerate.windows import event_return, range_return, window_return

    m = Market.from_sample()
    pure = window_return_from_closes(closes("NVDA"), "2025-01-27", 1, calendar="XNYS")
    assert window_return(m, "nvda", "2025-01-27", 1).value == pure.value
    hk = window_return(m, "9988.HK", "2025-01-29", 1)
    # 2025-01-28 is a Hong Kong half-day whose .HK row is a placeholder: said, not hidden
    assert "2025-01-28: half-day placeholder" in hk.note and hk.currency == "HKD"
    assert range_return(m, "BABA", "2025-01-28", "2025-01-29").note == ""
    ev = event_return(m, "NVDA", R1, sessions=5)
    assert ev.value == pytest.approx(118.42 / raw_close("NVDA", "2025-01-17") - 1)
    adj = window_return(m, "NVDA", "2025-01-27", 1, adjusted=True)
    assert adj.adjusted and adj.start_close != pure.start_close


# --- the closes given to the pure functions are checked (audit: API users fed them raw) -----------


def _toy() -> pd.Series:
    idx = pd.bdate_range("2025-01-06", periods=8)  # 01-06 .. 01-15, weekdays
    return pd.Series([10.0, 11, 12, 13, 14, 15, 16, 17], index=idx, name="TOY")


def _window(s: pd.Series):  # 3 data sessions back from 01-15: start close on 01-10
    return window_return_from_closes(s, "2025-01-15", 3)


def _range(s: pd.Series):
    return range_return_from_closes(s, "2025-01-10", "2025-01-15")


@pytest.mark.parametrize("measure", [_window, _range])
# 01-09: inside the window (was computed silently); 01-15: its end (was a TypeError)
@pytest.mark.parametrize("at", [3, 7])
def test_a_date_given_twice_is_refused_naming_it(measure, at):
    s = _toy()
    twice = pd.concat([s, s.iloc[[at]] * 2])
    day = s.index[at].date()
    for data in (twice, twice.sort_index()):  # was a TypeError ('slice' - int) or a silent result
        with pytest.raises(DuplicateDateError, match=f"TOY have {day} more than once.*one close"):
            measure(data)
    with pytest.raises(DuplicateDateError, match=f"{day}"):
        event_return_from_closes(twice, R1, "XNYS", sessions=1)


@pytest.mark.parametrize("measure", [_window, _range])
@pytest.mark.parametrize("bad", [0.0, -5.0, np.inf, -np.inf])
def test_a_close_that_is_not_a_positive_finite_price_is_refused(measure, bad):
    s = _toy()
    s.iloc[4] = bad  # 01-10, the start close: was ZeroDivisionError, -440% or -100%
    with pytest.raises(BadPriceError, match=rf"close on 2025-01-10 is {bad!r}; .*positive and"):
        measure(s)
    late = _toy()
    late.iloc[7] = bad  # the end close: was -100%, -150%, +inf% ...
    with pytest.raises(BadPriceError, match="2025-01-15"):
        measure(late)


@pytest.mark.parametrize("measure", [_window, _range])
def test_tz_aware_or_timed_dates_are_refused_with_the_way_out(measure):
    aware = _toy().tz_localize("America/New_York")  # yfinance's shape; was a tz compare TypeError
    with pytest.raises(DataFormatError, match=r"tz-aware.*America/New_York.*tz_localize\(None\)"):
        measure(aware)
    assert measure(aware.tz_localize(None)).value == measure(_toy()).value  # the advice works
    with pytest.raises(DataFormatError, match="tz-aware"):
        range_return_from_closes(aware, "2025-01-10", "2025-01-15", calendar="XNYS")
    timed = _toy().set_axis(_toy().index + pd.Timedelta(hours=16))  # was silently 01-14's close
    with pytest.raises(DataFormatError, match=r"time of day.*normalize\(\)"):
        measure(timed)


@pytest.mark.parametrize("measure", [_window, _range])
def test_unsorted_closes_are_sorted_and_nan_stays_no_data_row(measure):
    s = _toy()
    expected = measure(s)
    assert expected.value == pytest.approx(17 / 14 - 1)
    got = measure(s.iloc[::-1])  # was a DateRangeError ("before its first close")
    assert (got.start_date, got.end_date, got.value) == (
        expected.start_date,
        expected.end_date,
        expected.value,
    )



def test_a_nan_close_is_still_a_missing_row_not_a_bad_price():
    # NaN = no data row (documented): never refused as a bad price, never filled
    gap = _toy()
    gap.iloc[5] = np.nan  # 01-13, inside the XNYS window 01-10 -> 01-15
    r = window_return_from_closes(gap, "2025-01-15", 3, calendar="XNYS")
    assert (r.start_date, r.value) == (T("2025-01-10"), pytest.approx(17 / 14 - 1))
    gap.iloc[4] = np.nan  # the start close itself
    with pytest.raises(MissingDataError, match="no close for TOY on 2025-01-10"):
        window_return_from_closes(gap, "2025-01-15", 3, calendar="XNYS")
