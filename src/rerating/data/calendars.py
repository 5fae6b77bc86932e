"""Exchange calendars (exchange_calendars): sessions, half-days, holidays and event-to-session mapping.

Sessions are tz-naive midnight ``pd.Timestamp`` values (the session date in the exchange's local
calendar). Calendars are built once per name over 2000-01-01 .. the library's default end (about a
year ahead); a date outside that range raises :class:`~rerating.errors.DateRangeError` instead of
exchange_calendars' own error.
"""

from __future__ import annotations

import functools

import exchange_calendars as xcals
import pandas as pd

from rerating._typing import DAY_MONTH_FIRST, DateLike
from rerating.errors import DateRangeError, NonSessionDateError, UnknownExchangeError, close_matches

CALENDAR_START = "2000-01-01"
# Names users type, mapped to the calendar that governs them (all US listings trade on XNYS's calendar).
ALIASES: dict[str, str] = {
    "XNYS": "XNYS", "XNAS": "XNYS", "NYSE": "XNYS", "NASDAQ": "XNYS", "US": "XNYS", "ARCX": "XNYS",
    "XHKG": "XHKG", "HKEX": "XHKG", "HK": "XHKG",
    "XSHG": "XSHG", "XSHE": "XSHG", "SSE": "XSHG", "SZSE": "XSHG", "CN": "XSHG",
}


def calendar_name(name: str) -> str:
    """The exchange_calendars name for ``name`` (``XNAS`` -> ``XNYS``, ``XSHE`` -> ``XSHG``).

    Parameters
    ----------
    name : str
        An exchange or calendar name, any case (``"nasdaq"``, ``"HK"``, ``"XSHE"``).

    Returns
    -------
    str

    Raises
    ------
    UnknownExchangeError
        ``name`` is not a known exchange or calendar (close names are suggested).
    """
    key = str(name).strip().upper()
    if key in ALIASES:
        return ALIASES[key]
    if key in xcals.get_calendar_names(include_aliases=False):
        return key
    hits = close_matches(key, list(ALIASES))
    hint = f" (did you mean {', '.join(hits)}?)" if hits else ""
    raise UnknownExchangeError(
        f"unknown exchange or calendar {name!r}{hint}; use XNYS (US), XHKG (Hong Kong) or XSHG "
        "(Shanghai and Shenzhen), or any exchange_calendars name"
    )


# Full-day closures that exchange_calendars (4.13.2) still counts as sessions. HKEX cancelled every
# trading session on both days: Typhoon Signal No. 8 (Saola) on 2023-09-01, the Black Rainstorm
# Warning and extreme conditions on 2023-09-08 (HKEX market communications 2309012news and
# 2309083news; exchange_calendars PR #603 adds them, not yet released). Added only while the
# library's calendar still has them as sessions.
MISSING_CLOSURES: dict[str, tuple[str, ...]] = {"XHKG": ("2023-09-01", "2023-09-08")}


@functools.lru_cache(maxsize=16)
def _build(name: str) -> xcals.ExchangeCalendar:
    return build_calendar(name, CALENDAR_START)


def build_calendar(name: str, start: DateLike) -> xcals.ExchangeCalendar:
    """A new exchange_calendars calendar from ``start``, with :data:`MISSING_CLOSURES` applied.

    :func:`get_calendar` is the cached one from 2000; this builds one reaching further back.

    Parameters
    ----------
    name : str
        An exchange_calendars name (``XNYS``, ``XHKG`` ...; see :func:`calendar_name`).
    start : date-like
        The calendar's first date.

    Returns
    -------
    exchange_calendars.ExchangeCalendar
        From ``start`` to the library's default end; a closure exchange_calendars misses is
        not a session.
    """
    calendar = xcals.get_calendar(name, start=start)
    missing = [
        pd.Timestamp(day)
        for day in MISSING_CLOSURES.get(name, ())
        if calendar.first_session <= pd.Timestamp(day) <= calendar.last_session
        and calendar.is_session(day)
    ]
    if not missing:
        return calendar
    base = type(calendar)

    class _WithClosures(base):  # type: ignore[valid-type, misc]
        @property
        def adhoc_holidays(self) -> list[pd.Timestamp]:
            return [*super().adhoc_holidays, *missing]

    _WithClosures.__name__ = base.__name__
    return _WithClosures(start=start)


def get_calendar(name: str) -> xcals.ExchangeCalendar:
    """The exchange_calendars calendar for ``name`` (built once, then reused).

    Parameters
    ----------
    name : str
        Calendar or exchange name (see :func:`calendar_name`).

    Returns
    -------
    exchange_calendars.ExchangeCalendar
        Covering 2000-01-01 to the library's default end.

    Raises
    ------
    UnknownExchangeError
        ``name`` is not a known exchange or calendar.
    """
    return _build(calendar_name(name))


def to_day(value: DateLike, what: str = "date") -> pd.Timestamp:
    """A day (midnight, naive) from a date-like value; bad input -> DateRangeError naming ``what``.

    Text such as ``03/02/2025`` is refused: day-first it is 3 February, month-first 2 March, and a
    guess would move a window without a sign.

    Parameters
    ----------
    value : date-like
        A date, timestamp or ISO text; a tz-aware value keeps its wall-clock date in its zone.
    what : str
        What the value is, for the message (``"start"``, ``"end"`` ...).

    Returns
    -------
    pd.Timestamp
        Midnight, tz-naive.

    Raises
    ------
    DateRangeError
        Ambiguous day/month text, text that is not a date, or a missing value (NaT).
    """
    if isinstance(value, str) and DAY_MONTH_FIRST.match(value):
        raise DateRangeError(
            f"{what} {value!r} is ambiguous (day-first and month-first readings differ); "
            "use ISO format such as 2025-01-27"
        )
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DateRangeError(f"{what} {value!r} is not a date; use ISO format such as 2025-01-27") from exc
    if ts is pd.NaT:
        raise DateRangeError(f"{what} is missing (NaT); pass a date such as 2025-01-27")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _check_bounds(
    cal: xcals.ExchangeCalendar, day: pd.Timestamp, what: str = "date", shown: str | None = None
) -> None:
    """Refuse a ``day`` outside ``cal``; the message names ``shown`` (default: the day)."""
    if day < cal.first_session or day > cal.last_session:
        raise DateRangeError(
            f"{what} {shown or day.date()} is outside the {cal.name} calendar, which covers "
            f"{cal.first_session.date()} .. {cal.last_session.date()}; pick a date in that range"
        )


def sessions(calendar: str, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Sessions of ``calendar`` from ``start`` to ``end`` inclusive (tz-naive dates).

    Parameters
    ----------
    calendar : str
        Calendar or exchange name.
    start, end : date-like
        First and last day of the range.

    Returns
    -------
    pd.DatetimeIndex
        Named ``date``; empty when no session falls in the range.

    Raises
    ------
    DateRangeError
        ``end`` is before ``start``, either lies outside the calendar or cannot be read.
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    lo, hi = to_day(start, "start"), to_day(end, "end")
    if hi < lo:
        raise DateRangeError(f"end {hi.date()} is before start {lo.date()}; swap them")
    return _sessions(calendar_name(calendar), lo, hi)


@functools.lru_cache(maxsize=4096)
def _sessions(name: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
    # cached: the listings of one market mostly share a span (an index is immutable, so sharing is safe)
    cal = get_calendar(name)
    _check_bounds(cal, lo, "start")
    _check_bounds(cal, hi, "end")
    return pd.DatetimeIndex(cal.sessions_in_range(lo, hi), name="date").as_unit("ns")


def is_session(calendar: str, date: DateLike) -> bool:
    """True when ``date`` is a trading session of ``calendar``.

    Parameters
    ----------
    calendar : str
        Calendar or exchange name.
    date : date-like
        The day (a timestamp's time of day is dropped).

    Returns
    -------
    bool

    Raises
    ------
    DateRangeError
        ``date`` lies outside the calendar or cannot be read.
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    cal = get_calendar(calendar)
    day = to_day(date)
    _check_bounds(cal, day)
    return bool(cal.is_session(day))


def half_days(calendar: str, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Sessions that close early (Hong Kong 2024-12-24, 2024-12-31, 2025-01-28; US 2024-11-29 ...).

    Parameters
    ----------
    calendar : str
        Calendar or exchange name.
    start, end : date-like
        Inclusive range of days.

    Returns
    -------
    pd.DatetimeIndex
        The early-closing sessions in the range.

    Raises
    ------
    DateRangeError, UnknownExchangeError
        As in :func:`sessions`.
    """
    cal = get_calendar(calendar)
    days = sessions(calendar, start, end)
    early = pd.DatetimeIndex(cal.early_closes).as_unit("ns")
    return days[days.isin(early)]


def holidays(calendar: str, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Weekdays in ``start..end`` that are not sessions (Hong Kong 2025-01-29..31, New York 2025-01-20).

    Parameters
    ----------
    calendar : str
        Calendar or exchange name.
    start, end : date-like
        Inclusive range of days.

    Returns
    -------
    pd.DatetimeIndex
        Named ``date``.

    Raises
    ------
    DateRangeError, UnknownExchangeError
        As in :func:`sessions`.
    """
    days = sessions(calendar, start, end)
    weekdays = pd.bdate_range(to_day(start), to_day(end), name="date").as_unit("ns")
    return weekdays[~weekdays.isin(days)]


def session_close(calendar: str, session: DateLike) -> pd.Timestamp:
    """UTC time at which ``session`` closes (early on half-days).

    Parameters
    ----------
    calendar : str
        Calendar or exchange name.
    session : date-like
        A session date of ``calendar``.

    Returns
    -------
    pd.Timestamp
        tz-aware (UTC).

    Raises
    ------
    NonSessionDateError
        ``session`` is not a session (the sessions around it are named).
    DateRangeError
        ``session`` lies outside the calendar or cannot be read.
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    cal = get_calendar(calendar)
    day = _require_session(cal, session)
    return cal.session_close(day)


def session_open(calendar: str, session: DateLike) -> pd.Timestamp:
    """UTC time at which ``session`` opens.

    Parameters
    ----------
    calendar : str
        Calendar or exchange name.
    session : date-like
        A session date of ``calendar``.

    Returns
    -------
    pd.Timestamp
        tz-aware (UTC).

    Raises
    ------
    NonSessionDateError, DateRangeError, UnknownExchangeError
        As in :func:`session_close`.
    """
    cal = get_calendar(calendar)
    day = _require_session(cal, session)
    return cal.session_open(day)


def _require_session(cal: xcals.ExchangeCalendar, date: DateLike) -> pd.Timestamp:
    day = to_day(date)
    _check_bounds(cal, day)
    if not cal.is_session(day):
        nxt = cal.date_to_session(day, direction="next") if day < cal.last_session else None
        prv = cal.date_to_session(day, direction="previous") if day > cal.first_session else None
        raise NonSessionDateError(
            f"{day.date()} is not a {cal.name} session (a weekend or holiday); the sessions around it "
            f"are {prv.date() if prv is not None else '-'} and {nxt.date() if nxt is not None else '-'}"
        )
    return day


def first_session_after(timestamp: DateLike, calendar: str) -> pd.Timestamp:
    """The first session of ``calendar`` whose close is strictly after ``timestamp``.

    Parameters
    ----------
    timestamp
        A tz-aware timestamp (converted to UTC): the event's known time. A tz-naive value is read
        as UTC when it carries a time of day; a bare date (midnight, tz-naive) means "known date,
        unknown hour" and maps to that date when it is a session of ``calendar`` (the market
        could have reacted that day) or else to the next session. Use a tz-aware timestamp when
        the hour is known: news at 2025-01-27 14:30 UTC maps to XHKG's 2025-01-28 (Hong Kong had
        closed at 08:00 UTC), and to XNYS's 2025-01-27.
    calendar
        Calendar or exchange name.

    Returns
    -------
    pd.Timestamp
        A tz-naive session date.

    Raises
    ------
    DateRangeError
        The timestamp is not a time, or lies outside the calendar (or after its last session).
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    cal = get_calendar(calendar)
    if isinstance(timestamp, str | pd.Timestamp) or hasattr(timestamp, "year"):
        try:
            ts = pd.Timestamp(timestamp)
        except (ValueError, TypeError) as exc:
            raise DateRangeError(
                f"timestamp {timestamp!r} is not a time; use ISO 8601 such as 2025-01-27T14:30Z"
            ) from exc
    else:
        raise DateRangeError(f"timestamp {timestamp!r} is not a time; use ISO 8601 such as 2025-01-27T14:30Z")
    if ts is pd.NaT:
        raise DateRangeError("timestamp is missing (NaT); pass a time such as 2025-01-27T14:30Z")
    if ts.tzinfo is None and ts == ts.normalize():
        day = ts
        _check_bounds(cal, day, "timestamp")
        if cal.is_session(day):
            return day
        if day >= cal.last_session:
            _check_bounds(cal, day + pd.Timedelta(days=1), "the session after")
        return cal.date_to_session(day, direction="next")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    day = ts.tz_convert(cal.tz).tz_localize(None).normalize()
    # name the time as given (in UTC), with the exchange's local date it falls on
    _check_bounds(cal, day, "timestamp", f"{ts.isoformat()} ({day.date()} in {cal.tz})")
    # Candidates: the session on or after the local date; if it has already closed, the next one.
    session = cal.date_to_session(day, direction="next") if day <= cal.last_session else None
    if session is not None and cal.session_close(session) > ts:
        # a session before the local date can still be open only across midnight, which none of ours do
        return session
    if session is None or session >= cal.last_session:
        raise DateRangeError(
            f"timestamp {ts.isoformat()} is after the last session of {cal.name} "
            f"({cal.last_session.date()}); pick an earlier time"
        )
    return cal.next_session(session)


def previous_session(date: DateLike, calendar: str) -> pd.Timestamp:
    """The last session strictly before ``date``.

    Parameters
    ----------
    date : date-like
        Any day (a session or not).
    calendar : str
        Calendar or exchange name.

    Returns
    -------
    pd.Timestamp
        A tz-naive session date.

    Raises
    ------
    DateRangeError
        ``date`` lies outside the calendar, cannot be read, or has no session before it.
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    cal = get_calendar(calendar)
    day = to_day(date)
    _check_bounds(cal, day)
    if day <= cal.first_session:
        raise DateRangeError(f"no {cal.name} session before {day.date()}; the calendar starts {cal.first_session.date()}")
    return cal.date_to_session(day - pd.Timedelta(days=1), direction="previous")


def next_session(date: DateLike, calendar: str) -> pd.Timestamp:
    """The first session strictly after ``date``.

    Parameters
    ----------
    date : date-like
        Any day (a session or not).
    calendar : str
        Calendar or exchange name.

    Returns
    -------
    pd.Timestamp
        A tz-naive session date.

    Raises
    ------
    DateRangeError
        ``date`` lies outside the calendar, cannot be read, or has no session after it.
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    cal = get_calendar(calendar)
    day = to_day(date)
    _check_bounds(cal, day)
    if day >= cal.last_session:
        raise DateRangeError(f"no {cal.name} session after {day.date()}; the calendar ends {cal.last_session.date()}")
    return cal.date_to_session(day + pd.Timedelta(days=1), direction="next")


def shift_sessions(date: DateLike, n: int, calendar: str) -> pd.Timestamp:
    """The session ``n`` sessions after (``n > 0``) or before (``n < 0``) the session ``date``.

    Parameters
    ----------
    date : date-like
        A session of ``calendar``.
    n : int
        Sessions to move; 0 returns ``date``.
    calendar : str
        Calendar or exchange name.

    Returns
    -------
    pd.Timestamp
        A tz-naive session date.

    Raises
    ------
    NonSessionDateError
        ``date`` is not a session (map it first with :func:`first_session_after`).
    DateRangeError
        The shift leaves the calendar, or ``date`` lies outside it or cannot be read.
    UnknownExchangeError
        ``calendar`` is not a known exchange or calendar.
    """
    cal = get_calendar(calendar)
    day = _require_session(cal, date)
    if n == 0:
        return day
    try:
        return cal.session_offset(day, int(n))
    except xcals.errors.RequestedSessionOutOfBounds as exc:
        raise DateRangeError(
            f"shifting {day.date()} by {n} sessions leaves the {cal.name} calendar "
            f"({cal.first_session.date()} .. {cal.last_session.date()})"
        ) from exc
