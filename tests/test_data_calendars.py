"""Calendars: holidays, half-days, and mapping a UTC timestamp to the first session that closes after it."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.data import calendars as cals
from rerating.errors import DateRangeError, NonSessionDateError, UnknownExchangeError

D = pd.Timestamp


def test_lunar_new_year_2025_hong_kong_closed():
    days = cals.sessions("XHKG", "2025-01-24", "2025-02-04")
    assert list(days.strftime("%Y-%m-%d")) == ["2025-01-24", "2025-01-27", "2025-01-28", "2025-02-03", "2025-02-04"]
    assert list(cals.holidays("XHKG", "2025-01-27", "2025-02-03").strftime("%m-%d")) == ["01-29", "01-30", "01-31"]
    assert cals.is_session("XSHG", "2025-02-05") and not cals.is_session("XSHG", "2025-02-04")


def test_us_closed_on_2025_01_20_and_2025_01_09():
    assert not cals.is_session("XNYS", "2025-01-20")  # Martin Luther King Jr. Day
    assert not cals.is_session("XNYS", "2025-01-09")  # national day of mourning (President Carter)
    assert cals.is_session("XNAS", "2025-01-21")  # XNAS uses XNYS's calendar


def test_half_days():
    hk = cals.half_days("XHKG", "2024-06-01", "2025-06-30")
    assert list(hk.strftime("%Y-%m-%d")) == ["2024-12-24", "2024-12-31", "2025-01-28"]
    assert cals.session_close("XHKG", "2025-01-28") == D("2025-01-28 04:00", tz="UTC")  # 12:00 HKT
    assert cals.session_close("XHKG", "2025-01-27") == D("2025-01-27 08:00", tz="UTC")
    us = cals.half_days("XNYS", "2024-06-01", "2025-06-30")
    assert list(us.strftime("%Y-%m-%d")) == ["2024-07-03", "2024-11-29", "2024-12-24"]


@pytest.mark.parametrize(
    ("ts", "cal", "expected"),
    [
        ("2025-01-27T14:30Z", "XHKG", "2025-01-28"),  # after HK close (08:00 UTC): next HK session
        ("2025-01-27T14:30Z", "XNYS", "2025-01-27"),  # before NY close (21:00 UTC): same day
        ("2025-01-27T07:59Z", "XHKG", "2025-01-27"),
        ("2025-01-27T08:00Z", "XHKG", "2025-01-28"),  # strictly after: closing at the instant does not count
        ("2025-01-28T04:30Z", "XHKG", "2025-02-03"),  # after the half-day close, across LNY
        ("2025-01-28T03:59Z", "XHKG", "2025-01-28"),
        ("2025-01-20T12:00Z", "XNYS", "2025-01-21"),  # US holiday
        ("2025-01-20T12:00Z", "XSHG", "2025-01-21"),  # 20:00 in Shanghai: closed already
        ("2025-01-20T06:00Z", "XSHG", "2025-01-20"),
        ("2025-01-25T03:00Z", "XNYS", "2025-01-27"),  # Saturday
        ("2025-01-27T22:00+08:00", "XHKG", "2025-01-28"),  # HKT evening
        ("2025-01-29", "XHKG", "2025-02-03"),  # bare date: that session if it is one, else the next
        ("2025-01-27", "XHKG", "2025-01-27"),
    ],
)
def test_first_session_after(ts, cal, expected):
    assert cals.first_session_after(ts, cal) == D(expected)


def test_first_session_after_accepts_timestamps():
    ts = D("2025-01-20 00:00", tz="America/New_York")  # the DeepSeek-R1 release day
    assert cals.first_session_after(ts, "XHKG") == D("2025-01-20")
    assert cals.first_session_after(ts, "XNYS") == D("2025-01-21")


def test_out_of_range_and_bad_names():
    with pytest.raises(DateRangeError, match="outside the XHKG calendar"):
        cals.sessions("XHKG", "1995-01-01", "1995-02-01")
    with pytest.raises(DateRangeError, match="outside"):
        cals.first_session_after("2090-01-01T00:00Z", "XNYS")
    # the time as given (in UTC), not only the shifted local date (2089-12-31 in New York)
    with pytest.raises(DateRangeError, match=r"timestamp 2090-01-02T00:00:00\+00:00 \(2090-01-01 in "
                       r"America/New_York\) is outside the XNYS calendar"):
        cals.first_session_after("2090-01-02T00:00Z", "XNYS")
    with pytest.raises(DateRangeError, match="before start"):
        cals.sessions("XNYS", "2025-02-01", "2025-01-01")
    with pytest.raises(UnknownExchangeError, match=r"did you mean .*XHKG"):
        cals.get_calendar("XHGK")
    with pytest.raises(NonSessionDateError, match="2025-01-28 and 2025-02-03"):
        cals.shift_sessions("2025-01-30", 1, "XHKG")
    with pytest.raises(DateRangeError, match="not a date"):
        cals.is_session("XNYS", "yesterday-ish")


def test_neighbours():
    assert cals.next_session("2025-01-28", "XHKG") == D("2025-02-03")
    assert cals.previous_session("2025-02-03", "XHKG") == D("2025-01-28")
    assert cals.shift_sessions("2025-01-27", 2, "XHKG") == D("2025-02-03")
    assert cals.previous_session("2025-01-21", "XNYS") == D("2025-01-17")


@settings(max_examples=40, deadline=None)
@given(day=st.integers(0, 2000), n=st.integers(-30, 30), cal=st.sampled_from(["XNYS", "XHKG", "XSHG"]))
def test_shift_and_inverse(day, n, cal):
    start = cals.first_session_after(D("2018-01-01") + pd.Timedelta(days=day), cal)
    moved = cals.shift_sessions(start, n, cal)
    assert cals.shift_sessions(moved, -n, cal) == start
    # independent count: the number of sessions between them is |n|
    lo, hi = sorted([start, moved])
    assert len(cals.sessions(cal, lo, hi)) - 1 == abs(n)


@pytest.mark.parametrize("day", ["2023-09-01", "2023-09-08"])
def test_hong_kong_weather_closures_of_september_2023_are_not_sessions(day):
    # HKEX cancelled all trading both days (Typhoon No. 8 Saola; Black Rainstorm); exchange_calendars
    # 4.13.2 still lists them as sessions, the data layer takes them out
    assert not cals.is_session("XHKG", day)
    assert cals.get_calendar("XHKG").next_session("2023-08-31") == pd.Timestamp("2023-09-04")
    assert len(cals.sessions("XHKG", "2023-09-01", "2023-09-30")) == 19
    assert cals.is_session("XNYS", day)  # New York traded


def test_a_calendar_built_from_an_earlier_start_has_the_closures_too():
    from rerating.study._calendars import calendar

    early = calendar("XHKG", pd.Timestamp("1999-06-01"))
    assert early.first_session < pd.Timestamp("2000-01-01")
    assert not early.is_session("2023-09-08") and early.is_session("2023-09-07")
    assert cals.build_calendar("XHKG", "2023-01-01").sessions_in_range("2023-08-30", "2023-09-05").size == 4
