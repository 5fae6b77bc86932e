"""Align events to trading sessions: day 0 of an event on each exchange calendar.

Day 0 of an event on a calendar is the **first session whose close is strictly after the moment the
event became known** (so an event during a session reacts that session; one after the close, on a
holiday or a weekend reacts the next session). A date-only event is known from the end of its local
day (see :mod:`rerating.events.catalog`), so a market that closed before that day ended reacts on
its next session. Closes are the calendar's actual closes, early closes included (Hong Kong's
half-days close at 12:00).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from rerating._typing import DateLike
from rerating.data.calendars import first_session_after, get_calendar
from rerating.errors import DateRangeError
from rerating.events.catalog import Event, EventCatalog

DEFAULT_CALENDARS = ("XNYS", "XHKG", "XSHG")
UNMAPPED_GROUP = "other"  # build_events' group of a listing a partial ``groups`` mapping leaves out
CALENDAR_PLACES = {"XNYS": "New York", "XHKG": "Hong Kong", "XSHG": "Shanghai"}


def _calendar(name: str) -> Any:
    """The exchange_calendars calendar, through the data layer (which names unknown calendars)."""
    return get_calendar(name)


def session_closes(calendar: str, start: DateLike, end: DateLike) -> pd.Series:
    """UTC close time of every session of ``calendar`` in ``[start, end]``, indexed by session date."""
    cal = _calendar(calendar)
    lo = max(pd.Timestamp(start), cal.first_session)
    hi = min(pd.Timestamp(end), cal.last_session)
    if lo > hi:
        raise DateRangeError(
            f"dates {pd.Timestamp(start).date()}..{pd.Timestamp(end).date()} are outside calendar "
            f"{calendar} ({cal.first_session.date()}..{cal.last_session.date()}); choose dates inside it"
        )
    sched = cal.schedule.loc[lo:hi]
    return sched["close"]


def sessions(calendar: str, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Session dates of ``calendar`` in ``[start, end]`` (tz-naive midnight)."""
    return pd.DatetimeIndex(session_closes(calendar, start, end).index)


def _as_utc(value: Event | DateLike) -> pd.Timestamp:
    if isinstance(value, Event):
        return value.timestamp
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise DateRangeError(
            f"event time {value!r} has no time zone; pass a UTC timestamp (e.g. "
            "'2025-01-20T12:00Z') or an Event (a date-only event carries its own time zone)"
        )
    return ts.tz_convert("UTC")


def day_zero(event_or_timestamp: Event | DateLike, calendar: str) -> pd.Timestamp:
    """First session of ``calendar`` whose close is strictly after the event.

    Parameters
    ----------
    event_or_timestamp : Event or tz-aware timestamp
        An :class:`Event` (date-only events count from the end of their local day) or an instant.
    calendar : str
        ``XNYS``, ``XHKG`` or ``XSHG`` (any exchange_calendars name).

    Returns
    -------
    pd.Timestamp
        The session date (tz-naive midnight).

    Examples
    --------
    DeepSeek-R1 (2025-01-20, Beijing, hour unknown) is known from 2025-01-21 00:00 CST, i.e.
    2025-01-20 16:00 UTC; New York was shut for Martin Luther King Day, so day 0 there is 2025-01-21.
    """
    return pd.Timestamp(first_session_after(_as_utc(event_or_timestamp), calendar))


def last_session_before(event_or_timestamp: Event | DateLike, calendar: str) -> pd.Timestamp:
    """Last session of ``calendar`` whose close is at or before the event (the pre-event close)."""
    ts = _as_utc(event_or_timestamp)
    closes = session_closes(calendar, ts.tz_localize(None) - pd.Timedelta(days=40),
                            ts.tz_localize(None) + pd.Timedelta(days=1))
    before = closes[closes <= ts]
    if before.empty:
        raise DateRangeError(f"no {calendar} session closes within 40 days before {ts}; check the date")
    return pd.Timestamp(before.index[-1])


def day_zero_table(
    event: Event, calendars: Sequence[str] = DEFAULT_CALENDARS
) -> pd.DataFrame:
    """Day 0 of ``event`` on each calendar, with the pre-event session and its close time.

    Returns
    -------
    pd.DataFrame
        Columns ``calendar``, ``place``, ``last_close_before`` (session date), ``day_zero``
        (session date), ``day_zero_close_utc``.
    """
    rows = []
    for cal in calendars:
        d0 = day_zero(event, cal)
        closes = session_closes(cal, d0, d0)
        rows.append(
            {
                "calendar": cal,
                "place": CALENDAR_PLACES.get(cal, cal),
                "last_close_before": last_session_before(event, cal),
                "day_zero": d0,
                "day_zero_close_utc": closes.iloc[0],
            }
        )
    return pd.DataFrame(
        rows, columns=["calendar", "place", "last_close_before", "day_zero", "day_zero_close_utc"]
    )


def build_events(
    event_ids: Sequence[str] | str,
    symbols: Sequence[str] | str | None,
    catalog: EventCatalog,
    securities: Any,
    groups: Mapping[str, str] | str | None = None,
) -> pd.DataFrame:
    """The events frame the engine takes: one row per (event, listing) with its day 0.

    Parameters
    ----------
    event_ids : str or sequence of str
        Catalog ids (unknown ids raise :class:`~rerating.errors.UnknownEventError`).
    symbols : sequence of str or None
        Listings; None takes each event's own ``symbols``.
    catalog : EventCatalog
    securities : SecurityMaster
        Gives each listing's canonical symbol and calendar.
    groups : mapping symbol -> group, or one label, optional
        Group of each listing (e.g. ``"China tech HK"``), keyed by any spelling of its
        symbol the security master knows (``700.HK``, ``0700.HK``). A listing the mapping leaves out is in group ``"other"``
        (``UNMAPPED_GROUP``; with the mapping's own ``"other"`` listings, if it names that group):
        the engine reserves ``"all"`` for every event of the study, which it reports beside each
        group. Default (and an empty mapping): one group, ``"all"``.

    Returns
    -------
    pd.DataFrame
        Columns ``event_id, symbol, date, group``; ``date`` is day 0 on the listing's calendar.

    Examples
    --------
    ``build_events("deepseek-r1", ["NVDA", "MSFT", "9988.HK"], catalog, master,
    groups={"NVDA": "us", "MSFT": "us"})`` puts 9988.HK in ``"other"``: the study reports
    ``"all"``, ``"us"`` and ``"other"``.
    """
    ids = [event_ids] if isinstance(event_ids, str) else list(event_ids)
    rows = []
    for eid in ids:
        ev = catalog.get(eid)
        syms = list(ev.symbols) if symbols is None else [symbols] if isinstance(symbols, str) else list(symbols)
        for sym in syms:
            sec = securities.get(sym)
            canon = str(sec.symbol)
            if isinstance(groups, str):
                group = groups
            elif not groups:
                group = "all"
            else:
                upper = _group_keys(groups, securities)
                group = upper.get(canon.upper(), upper.get(str(sym).upper(), UNMAPPED_GROUP))
            rows.append(
                {"event_id": ev.id, "symbol": canon, "date": day_zero(ev, sec.calendar), "group": group}
            )
    frame = pd.DataFrame(rows, columns=["event_id", "symbol", "date", "group"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _group_keys(groups: Mapping[str, str], securities: Any) -> dict[str, str]:
    """``groups`` keyed by upper-case symbol, each key also under its canonical spelling
    (``700.HK`` -> ``0700.HK``, ``HSI`` -> ``^HSI``): a listing is found however it was keyed."""
    out: dict[str, str] = {}
    for key, group in groups.items():
        out[str(key).upper()] = group
        found = securities.lookup(str(key))
        if found is not None:
            out.setdefault(str(found.symbol).upper(), group)
    return out
