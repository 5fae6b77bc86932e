"""Day 0 of events on New York, Hong Kong and Shanghai calendars, worked out by hand.

Hand facts used (2025): Martin Luther King Day Mon 2025-01-20 (NYSE shut); Hong Kong half-day
Tue 2025-01-28 (closes 12:00 HKT = 04:00 UTC) then shut Wed-Fri 2025-01-29..31 for the Lunar New
Year; Shanghai shut Tue 2025-01-28 .. Tue 2025-02-04. Closes: New York 16:00 EST = 21:00 UTC,
Hong Kong 16:00 HKT = 08:00 UTC, Shanghai 15:00 CST = 07:00 UTC.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.data.securities import load_securities
from rerating.errors import DateRangeError, UnknownEventError
from rerating.events.alignment import build_events, day_zero, day_zero_table, last_session_before
from rerating.events.catalog import EventCatalog, parse_event

T = pd.Timestamp


def _event(eid: str, **kw) -> object:
    raw = {"id": eid, "title_en": eid, "kind": "model_release", "sources": "https://example.org"}
    raw.update(kw)
    return parse_event(raw)


R1 = _event("r1", date="2025-01-20", tz="Asia/Shanghai", symbols="NVDA|9988.HK")
LNY = _event("lny", date="2025-01-28", tz="Asia/Shanghai")


def test_r1_day_zero_new_york_is_after_mlk_day():
    # known from 2025-01-20 16:00 UTC: NYSE shut that Monday -> Tuesday 2025-01-21
    assert day_zero(R1, "XNYS") == T("2025-01-21")
    # Hong Kong and Shanghai had closed (08:00 / 07:00 UTC) before the Beijing day ended
    assert day_zero(R1, "XHKG") == T("2025-01-21")
    assert day_zero(R1, "XSHG") == T("2025-01-21")
    assert last_session_before(R1, "XNYS") == T("2025-01-17")  # Friday before the holiday
    assert last_session_before(R1, "XHKG") == T("2025-01-20")


def test_late_january_event_skips_the_lunar_new_year():
    # known from 2025-01-28 16:00 UTC
    assert day_zero(LNY, "XNYS") == T("2025-01-28")  # NY closes 21:00 UTC that day
    assert day_zero(LNY, "XHKG") == T("2025-02-03")  # HK shut 01-29..31, weekend
    assert day_zero(LNY, "XSHG") == T("2025-02-05")  # Shanghai shut 01-28..02-04
    table = day_zero_table(LNY)
    assert list(table["calendar"]) == ["XNYS", "XHKG", "XSHG"]
    assert list(table["place"]) == ["New York", "Hong Kong", "Shanghai"]
    assert list(table["day_zero"]) == [T("2025-01-28"), T("2025-02-03"), T("2025-02-05")]
    assert list(table["last_close_before"]) == [T("2025-01-27"), T("2025-01-28"), T("2025-01-27")]
    assert table.loc[1, "day_zero_close_utc"] == T("2025-02-03 08:00", tz="UTC")


def test_intraday_timestamps_and_the_hong_kong_half_day():
    selloff = T("2025-01-27 14:30", tz="UTC")  # before the NY open, after HK's close
    assert day_zero(selloff, "XNYS") == T("2025-01-27")
    assert day_zero(selloff, "XHKG") == T("2025-01-28")
    # on the half-day Hong Kong closes at 04:00 UTC: 03:00 reacts that day, 05:00 after the holiday
    assert day_zero(T("2025-01-28 03:00", tz="UTC"), "XHKG") == T("2025-01-28")
    assert day_zero(T("2025-01-28 05:00", tz="UTC"), "XHKG") == T("2025-02-03")
    # exactly at the close is not "after the close"
    assert day_zero(T("2025-01-27 21:00", tz="UTC"), "XNYS") == T("2025-01-28")
    assert last_session_before(T("2025-01-27 21:00", tz="UTC"), "XNYS") == T("2025-01-27")


def test_naive_timestamps_are_refused():
    with pytest.raises(DateRangeError, match="no time zone"):
        day_zero("2025-01-20 12:00", "XNYS")




@settings(max_examples=40, deadline=None)
@given(
    st.datetimes(min_value=pd.Timestamp("2024-07-01").to_pydatetime(),
                 max_value=pd.Timestamp("2025-05-31").to_pydatetime()),
    st.sampled_from(["XNYS", "XHKG", "XSHG"]),
)
def test_day_zero_is_the_first_close_after_the_event(moment, calendar):
    import exchange_calendars as xc

    ts = T(moment).tz_localize("UTC")
    d0 = day_zero(ts, calendar)
    before = last_session_before(ts, calendar)
    sched = xc.get_calendar(calendar).schedule
    # oracle: brute-force scan of the published schedule
    after = sched[sched["close"] > ts]
    assert d0 == after.index[0]
    assert before == sched[sched["close"] <= ts].index[-1]
    assert before < d0


def test_build_events_frame():
    sec = load_securities()
    cat = EventCatalog([R1, LNY])
    frame = build_events(["r1", "lny"], ["BABA", "9988.hk", "000300.SS"], cat, sec,
                         groups={"9988.HK": "China tech HK", "BABA": "China ADRs"})
    assert list(frame.columns) == ["event_id", "symbol", "date", "group"]
    got = {(r.event_id, r.symbol): (r.date, r.group) for r in frame.itertuples()}
    assert got[("r1", "BABA")] == (T("2025-01-21"), "China ADRs")
    assert got[("r1", "9988.HK")] == (T("2025-01-21"), "China tech HK")
    assert got[("lny", "9988.HK")] == (T("2025-02-03"), "China tech HK")
    assert got[("lny", "000300.SS")] == (T("2025-02-05"), "other")  # in no group of the mapping
    own = build_events("r1", None, cat, sec, groups="g")
    assert list(own["symbol"]) == ["NVDA", "9988.HK"] and set(own["group"]) == {"g"}
    with pytest.raises(UnknownEventError):
        build_events(["r2"], ["NVDA"], cat, sec)


def test_groups_keyed_in_another_spelling_find_their_listing() -> None:
    # a mapping keyed '700.HK' / 'hsi' / '09988.hk' names 0700.HK / ^HSI / 9988.HK, not 'other'
    sec = load_securities()
    cat = EventCatalog([R1])
    frame = build_events("r1", ["0700.HK", "^HSI", "9988.HK"], cat, sec,
                         groups={"700.HK": "tencent", "hsi": "index", "09988.hk": "ali"})
    assert frame.set_index("symbol")["group"].to_dict() == {
        "0700.HK": "tencent", "^HSI": "index", "9988.HK": "ali"}
