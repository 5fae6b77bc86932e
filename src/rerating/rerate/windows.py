"""Window returns: over N sessions to a date, between two dates, and from an event.

Conventions (docs/MEASURES.md):

- Prices are the listing's raw traded ``close`` (split-adjusted, not dividend-adjusted) in its own
  currency; ``adjusted=True`` uses the dividend-adjusted ``adj_close`` instead.
- Sessions are those of the listing's exchange calendar (``XNYS``, ``XHKG``, ``XSHG``). A date that
  is not a session resolves to the last session before it, and the result says so in ``note``.
- ``value`` is the simple return ``end_close / start_close - 1``; ``log_value`` its log.
- A close is never forward-filled: a session inside the calendar without a data row at a window's
  end point raises :class:`~rerating.errors.MissingDataError`. A window that runs past the data
  raises :class:`~rerating.errors.DateRangeError` unless ``partial=True``, which cuts it at the data
  and says so in ``note``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rerating._typing import DateLike
from rerating.errors import (
    BadPriceError,
    DataFormatError,
    DateRangeError,
    DuplicateDateError,
    MissingDataError,
    WindowError,
)
from rerating.events.alignment import day_zero, last_session_before
from rerating.events.alignment import sessions as calendar_sessions
from rerating.events.catalog import Event, EventCatalog

if TYPE_CHECKING:
    from rerating.data.market import Market


@dataclass(frozen=True)
class WindowReturn:
    """A return between two closes of one listing.

    Attributes
    ----------
    symbol : str
    start_date, end_date : pd.Timestamp
        Sessions whose closes are compared.
    start_close, end_close : float
    sessions : int
        Sessions from ``start_date`` to ``end_date`` (number of daily returns compounded).
    value : float
        Simple return ``end_close / start_close - 1``.
    adjusted : bool
        True when dividend-adjusted closes were used.
    note : str
        What the caller should know (dates moved to a session, window cut at the data).
    calendar, currency : str
        The listing's exchange calendar and price currency (``"points"`` for an index, whose
        level is not money).
    kind : str
        ``"window"``, ``"range"`` or ``"event"``.
    """

    symbol: str
    start_date: pd.Timestamp
    end_date: pd.Timestamp
    start_close: float
    end_close: float
    sessions: int
    value: float
    adjusted: bool
    note: str = ""
    calendar: str = ""
    currency: str = ""
    kind: str = "window"

    @property
    def log_value(self) -> float:
        """Log return ``log(end_close / start_close)``."""
        return math.log(self.end_close / self.start_close)

    @property
    def percent(self) -> float:
        """Simple return in percent (``100 * value``)."""
        return 100.0 * self.value

    def as_dict(self) -> dict[str, Any]:
        """Every field by name."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([self.as_dict()])

    def summary(self) -> str:
        """One line: the return, sessions, both closes and dates, currency, then ``note``."""
        closes = "adj_close" if self.adjusted else "close"
        text = (
            f"{self.symbol}: {self.value:+.2%} over {self.sessions} {self.calendar} sessions, "
            f"{closes} {self.start_close:,.4g} on {self.start_date.date()} -> "
            f"{self.end_close:,.4g} on {self.end_date.date()} ({self.currency})"
        )
        return f"{text}; {self.note}" if self.note else text

    def __str__(self) -> str:
        return self.summary()


def returns_frame(results: list[WindowReturn]) -> pd.DataFrame:
    """Stack window returns into one frame (a row each), with ``pct`` in percent.

    Parameters
    ----------
    results : list of WindowReturn

    Returns
    -------
    pd.DataFrame
        The fields of :meth:`WindowReturn.to_frame` plus ``pct`` (``100 * value``) after
        ``value``; empty (no columns) for an empty list.
    """
    frame = pd.DataFrame([r.as_dict() for r in results])
    if frame.empty:
        return frame
    frame.insert(frame.columns.get_loc("value") + 1, "pct", frame["value"] * 100.0)
    return frame


# --- helpers --------------------------------------------------------------------------------------


def check_session_dates(index: pd.DatetimeIndex, what: str, name: str) -> None:
    """Refuse dates that are not session dates: tz-aware, or with a time of day.

    Refused, not converted: a zone's wall-clock date is the session only for local midnights, and
    a zoned index never meets a naive one. ``what`` names the series in the message, ``name`` the
    variable the fix is written with (``closes.tz_localize(None)``).

    Raises
    ------
    DataFormatError
        The index carries a time zone or a time of day.
    """
    if index.tz is not None:
        raise DataFormatError(
            f"{what} are indexed by tz-aware timestamps (zone {index.tz}); session dates are "
            f"tz-naive: drop the zone with {name}.tz_localize(None) if the index holds local dates"
        )
    timed = index != index.normalize()
    if timed.any():
        raise DataFormatError(
            f"{what} are dated with a time of day (e.g. {index[timed][0]}); session dates are "
            f"midnights: index them by date ({name}.index.normalize())"
        )


def _valid(closes: pd.Series, symbol: str) -> pd.Series:
    """The closes that have a data row (NaN dropped), in date order, once checked usable.

    Raises
    ------
    WindowError
        The index is not dates.
    DataFormatError
        Dates are missing (NaT), carry a time zone or a time of day (sessions are tz-naive
        midnights), or a close is not a number.
    DuplicateDateError
        A date appears twice: which close is the session's cannot be told.
    BadPriceError
        A close is zero, negative or infinite: no return can be computed from it.
    MissingDataError
        No close at all.
    """
    what = f"closes of {symbol}" if symbol else "closes"
    if not isinstance(closes.index, pd.DatetimeIndex):
        raise WindowError(f"{what} must be indexed by session date (DatetimeIndex)")
    idx = closes.index
    if idx.hasnans:  # before the time-of-day check, which NaT would fail as "e.g. NaT"
        raise DataFormatError(f"{what} have {int(idx.isna().sum())} missing dates (NaT); drop them")
    check_session_dates(idx, what, "closes")
    dup = idx.duplicated(keep=False)
    if dup.any():
        day = idx[dup][0]
        seen = ", ".join(
            f"{v:.6g}" if isinstance(v, float) else repr(v) for v in closes[idx == day]
        )
        raise DuplicateDateError(
            f"{what} have {day.date()} more than once (closes {seen}); keep one close per date"
        )
    if not idx.is_monotonic_increasing:
        # an in-memory Series (not a file): its row order means nothing, the dates say it all
        closes = closes.sort_index()
    valid = closes.dropna()
    if valid.empty:
        raise MissingDataError(f"no closes for {symbol}; load its data first (`rerating load`)")
    try:
        values = valid.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{what} must be numbers ({exc}); convert them to float") from exc
    bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
    if len(bad):
        i = bad[0]
        raise BadPriceError(
            f"{what}: close on {valid.index[i].date()} is {float(values[i])!r}; a close must be "
            "positive and finite: fix that row or set it to NaN (no data row, never filled)"
        )
    return valid


def _session_index(
    closes: pd.Series, calendar: str | None, lo: pd.Timestamp, hi: pd.Timestamp
) -> pd.DatetimeIndex:
    """Sessions in ``[lo, hi]``: the calendar's, or the data's own dates when no calendar is given."""
    if calendar:
        return calendar_sessions(calendar, lo, hi)
    idx = pd.DatetimeIndex(closes.dropna().index)
    return idx[(idx >= lo) & (idx <= hi)]


def _close_at(closes: pd.Series, session: pd.Timestamp, symbol: str, calendar: str | None) -> float:
    value = closes.get(session, float("nan"))
    if pd.isna(value):
        where = f"a {calendar} session" if calendar else "a session"
        raise MissingDataError(
            f"no close for {symbol} on {session.date()} ({where} with no data row); the return is "
            "not computed because closes are never forward-filled: load the missing bar or pick "
            "another date"
        )
    return float(value)


def _last_on_or_before(idx: pd.DatetimeIndex, date: pd.Timestamp, what: str) -> pd.Timestamp:
    pos = idx.searchsorted(date, side="right") - 1
    if pos < 0:
        raise DateRangeError(f"no session on or before {what} {date.date()}; choose a later date")
    return pd.Timestamp(idx[pos])


def _moved(date: pd.Timestamp, session: pd.Timestamp, calendar: str | None, what: str) -> str:
    if session == date:
        return ""
    return f"{what} {date.date()} is not a {calendar or 'data'} session; used {session.date()}"


def _build(
    symbol: str,
    closes: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
    n_sessions: int,
    *,
    adjusted: bool,
    notes: list[str],
    calendar: str | None,
    currency: str,
    kind: str,
) -> WindowReturn:
    c0 = _close_at(closes, start, symbol, calendar)
    c1 = _close_at(closes, end, symbol, calendar)
    return WindowReturn(
        symbol=symbol,
        start_date=start,
        end_date=end,
        start_close=c0,
        end_close=c1,
        sessions=int(n_sessions),
        value=c1 / c0 - 1.0,
        adjusted=adjusted,
        note="; ".join(n for n in notes if n),
        calendar=calendar or "",
        currency=currency,
        kind=kind,
    )


def _past_data(
    symbol: str, session: pd.Timestamp, last: pd.Timestamp, partial: bool, notes: list[str]
) -> pd.Timestamp:
    if session <= last:
        return session
    if not partial:
        raise DateRangeError(
            f"window of {symbol} ends {session.date()}, after its last close on {last.date()}; "
            "choose an earlier end, load more data, or pass partial=True (--partial) to cut it there"
        )
    notes.append(f"window cut at the last close {last.date()} (wanted {session.date()})")
    return last


def _before_data(
    symbol: str, session: pd.Timestamp, first: pd.Timestamp, partial: bool, notes: list[str]
) -> pd.Timestamp:
    if session >= first:
        return session
    if not partial:
        raise DateRangeError(
            f"window of {symbol} starts {session.date()}, before its first close on {first.date()}; "
            "choose a later start, load more data, or pass partial=True (--partial) to cut it there"
        )
    notes.append(f"window starts at the first close {first.date()} (wanted {session.date()})")
    return first


# --- pure functions on closes ---------------------------------------------------------------------


def window_return_from_closes(
    closes: pd.Series,
    end: DateLike,
    sessions: int,
    *,
    symbol: str = "",
    calendar: str | None = None,
    currency: str = "",
    adjusted: bool = False,
    partial: bool = False,
) -> WindowReturn:
    """Return over the ``sessions`` sessions ending on ``end`` (or the last session before it).

    Parameters
    ----------
    closes : pd.Series
        Closes indexed by session date; NaN or absent = no data row. Dates are tz-naive midnights,
        each at most once (any order); a close is positive and finite, else
        :class:`~rerating.errors.DuplicateDateError`, :class:`~rerating.errors.BadPriceError` or
        :class:`~rerating.errors.DataFormatError` (the same checks for every ``*_from_closes``).
    end : date-like
        Last day of the window; a non-session resolves to the last session before it.
    sessions : int
        Number of sessions (>= 1): the start close is ``sessions`` sessions before the end session.
    symbol : str
        Name put in the result and in messages; default ``closes.name``.
    calendar : str, optional
        Exchange calendar giving the sessions; without it the data's own dates are the sessions.
    currency : str
        Currency label put in the result (no conversion is done).
    adjusted : bool
        True when ``closes`` are dividend-adjusted; only recorded in the result (the closes are
        used as given).
    partial : bool
        Cut a window that runs past the first or last close at that close (said in ``note``)
        instead of raising :class:`~rerating.errors.DateRangeError`.

    Returns
    -------
    WindowReturn
        ``kind="window"``.

    Raises
    ------
    WindowError
        ``sessions`` below 1, or ``closes`` not indexed by dates.
    DateRangeError
        No session on or before ``end``, or the window runs past the data and ``partial`` is False.
    MissingDataError
        No closes at all, or no close on the start or end session (never forward-filled).
    DataFormatError, DuplicateDateError, BadPriceError
        ``closes`` fail the checks above.
    """
    symbol = symbol or str(closes.name or "")
    if int(sessions) < 1:
        raise WindowError(f"sessions = {sessions} must be at least 1; e.g. --sessions 20")
    valid = _valid(closes, symbol)
    first, last = pd.Timestamp(valid.index[0]), pd.Timestamp(valid.index[-1])
    end_ts = pd.Timestamp(end)
    lo = min(first, end_ts) - pd.Timedelta(days=int(sessions) * 3 + 40)
    idx = _session_index(valid, calendar, lo, max(end_ts, last))
    notes: list[str] = []
    end_s = _last_on_or_before(idx, end_ts, "end")
    notes.append(_moved(end_ts, end_s, calendar, "end"))
    end_s = _past_data(symbol, end_s, last, partial, notes)
    pos = idx.get_loc(end_s)
    start_s = pd.Timestamp(idx[max(pos - int(sessions), 0)])
    if pos - int(sessions) < 0:
        start_s = pd.Timestamp(idx[0]) - pd.Timedelta(days=1)  # force the before-data branch
    start_s = _before_data(symbol, start_s, first, partial, notes)
    n = int(((idx > start_s) & (idx <= end_s)).sum())
    return _build(
        symbol,
        valid,
        start_s,
        end_s,
        n,
        adjusted=adjusted,
        notes=notes,
        calendar=calendar,
        currency=currency,
        kind="window",
    )


def range_return_from_closes(
    closes: pd.Series,
    start: DateLike,
    end: DateLike,
    *,
    symbol: str = "",
    calendar: str | None = None,
    currency: str = "",
    adjusted: bool = False,
    partial: bool = False,
) -> WindowReturn:
    """Return from the close of the last session on/before ``start`` to that on/before ``end``.

    Parameters
    ----------
    closes : pd.Series
        Closes indexed by session date, checked as in :func:`window_return_from_closes`.
    start, end : date-like
        A non-session resolves to the last session before it (said in ``note``).
    symbol, calendar, currency, adjusted, partial
        As in :func:`window_return_from_closes`.

    Returns
    -------
    WindowReturn
        ``kind="range"``.

    Raises
    ------
    DateRangeError
        ``end`` before ``start``, no session on or before ``end``, or the range runs past the
        data and ``partial`` is False.
    MissingDataError
        No closes at all, or no close on the start or end session.
    WindowError, DataFormatError, DuplicateDateError, BadPriceError
        ``closes`` fail the checks of :func:`window_return_from_closes`.
    """
    symbol = symbol or str(closes.name or "")
    s_ts, e_ts = pd.Timestamp(start), pd.Timestamp(end)
    if e_ts < s_ts:
        raise DateRangeError(f"end {e_ts.date()} is before start {s_ts.date()}; swap them")
    valid = _valid(closes, symbol)
    first, last = pd.Timestamp(valid.index[0]), pd.Timestamp(valid.index[-1])
    idx = _session_index(valid, calendar, min(first, s_ts) - pd.Timedelta(days=40), max(e_ts, last))
    notes: list[str] = []
    try:
        start_s = _last_on_or_before(idx, s_ts, "start")
    except DateRangeError:
        start_s = s_ts - pd.Timedelta(days=1)
    else:
        notes.append(_moved(s_ts, start_s, calendar, "start"))
    start_s = _before_data(symbol, start_s, first, partial, notes)
    end_s = _last_on_or_before(idx, e_ts, "end")
    notes.append(_moved(e_ts, end_s, calendar, "end"))
    end_s = _past_data(symbol, end_s, last, partial, notes)
    n = int(((idx > start_s) & (idx <= end_s)).sum())
    return _build(
        symbol,
        valid,
        start_s,
        end_s,
        n,
        adjusted=adjusted,
        notes=notes,
        calendar=calendar,
        currency=currency,
        kind="range",
    )


def event_return_from_closes(
    closes: pd.Series,
    event: Event | DateLike,
    calendar: str,
    *,
    sessions: int | None = None,
    days: int | None = None,
    symbol: str = "",
    currency: str = "",
    adjusted: bool = False,
    partial: bool = False,
) -> WindowReturn:
    """Return from the last close before an event to N sessions or N calendar days after it.

    Parameters
    ----------
    closes : pd.Series
        Closes indexed by session date, checked as in :func:`window_return_from_closes`.
    event : Event or tz-aware timestamp
        The start close is that of the last ``calendar`` session closing at or before the event
        (a date-only Event counts from the end of its local day).
    calendar : str
        The listing's calendar (needed for close times).
    sessions : int, optional
        The window ends on day 0 shifted ``sessions - 1`` sessions: ``sessions=1`` is day 0's return.
    days : int, optional
        The window ends on the last session on or before the event's local date + ``days``
        (a timestamp's date in the calendar's time zone when a bare timestamp is given).
        Give exactly one of ``sessions`` and ``days``.
    symbol, currency, adjusted, partial
        As in :func:`window_return_from_closes` (``partial`` cuts the window at the data at
        either end).

    Returns
    -------
    WindowReturn
        ``kind="event"``; ``note`` names day 0.

    Raises
    ------
    WindowError
        Not exactly one of ``sessions`` and ``days``, ``sessions`` below 1 or ``days`` below 0.
    DateRangeError
        No session closes within 40 days before the event, ``days`` ends before day 0, or the
        window runs past the data and ``partial`` is False.
    MissingDataError
        No closes at all, or no close on the start or end session.
    DataFormatError, DuplicateDateError, BadPriceError
        ``closes`` fail the checks of :func:`window_return_from_closes`.
    """
    symbol = symbol or str(closes.name or "")
    if (sessions is None) == (days is None):
        raise WindowError(
            "give exactly one of sessions (e.g. --sessions 5) and days (e.g. --days 7)"
        )
    if sessions is not None and int(sessions) < 1:
        raise WindowError(f"sessions = {sessions} must be at least 1 (1 = day 0's own return)")
    if days is not None and int(days) < 0:
        raise WindowError(f"days = {days} must be zero or more")
    valid = _valid(closes, symbol)
    first, last = pd.Timestamp(valid.index[0]), pd.Timestamp(valid.index[-1])
    start_s = last_session_before(event, calendar)
    d0 = day_zero(event, calendar)
    notes: list[str] = [f"day 0 = {d0.date()} on {calendar}"]
    horizon = d0 + pd.Timedelta(days=3 * int(sessions or 0) + int(days or 0) + 40)
    idx = calendar_sessions(calendar, start_s, max(horizon, last))
    if sessions is not None:
        pos = idx.get_loc(d0) + int(sessions) - 1
        end_s = pd.Timestamp(idx[pos])
    else:
        if isinstance(event, Event):
            anchor = pd.Timestamp(event.local_date)
        else:
            tz = _calendar_tz(calendar)
            anchor = pd.Timestamp(pd.Timestamp(event).tz_convert(tz).date())
        target = anchor + pd.Timedelta(days=int(days or 0))
        end_s = _last_on_or_before(idx, target, "end")
        if end_s < d0:
            raise DateRangeError(
                f"{days} calendar days after the event ({target.date()}) ends before day 0 "
                f"{d0.date()} on {calendar}; use more days or --sessions"
            )
        notes.append(_moved(target, end_s, calendar, "end"))
    start_s = _before_data(symbol, start_s, first, partial, notes)
    end_s = _past_data(symbol, end_s, last, partial, notes)
    n = int(((idx > start_s) & (idx <= end_s)).sum())
    return _build(
        symbol,
        valid,
        start_s,
        end_s,
        n,
        adjusted=adjusted,
        notes=notes,
        calendar=calendar,
        currency=currency,
        kind="event",
    )


def _calendar_tz(calendar: str) -> str:
    from rerating.events.alignment import _calendar

    return str(_calendar(calendar).tz)


# --- Market wrappers ------------------------------------------------------------------------------


INDEX_UNIT = "points"  # the ``currency`` of an index's closes: levels, not money


def _listing(market: Market, symbol: str, adjusted: bool) -> tuple[str, pd.Series, str, str]:
    sec = market.securities.get(symbol)
    wide = market.closes([sec.symbol], adjusted=adjusted)
    col = sec.symbol if sec.symbol in wide.columns else wide.columns[0]
    unit = INDEX_UNIT if sec.kind == "index" else sec.currency
    return sec.symbol, wide[col], sec.calendar, unit


def flag_notes(market: Market, symbol: str, dates: list[pd.Timestamp]) -> list[str]:
    """The data layer's known-issue flags on ``symbol``'s rows of ``dates`` (e.g. a half-day
    placeholder's unverified close), as "YYYY-MM-DD: detail" (docs/DATA.md); none for a market
    without flags."""
    quality = getattr(market, "quality", None)
    if quality is None:
        return []
    flags = quality([symbol])
    if flags.empty:
        return []
    hit = flags[flags["date"].isin(dates)]
    return [f"{pd.Timestamp(r.date).date()}: {r.detail}" for r in hit.itertuples()]


def _with_flags(market: Market, result: WindowReturn) -> WindowReturn:
    """Add the data layer's known-issue flags on the two closes used (e.g. a half-day placeholder)."""
    extra = flag_notes(market, result.symbol, [result.start_date, result.end_date])
    if not extra:
        return result
    return replace(result, note="; ".join(n for n in (result.note, *extra) if n))


def window_return(
    market: Market,
    symbol: str,
    end: DateLike,
    sessions: int,
    *,
    adjusted: bool = False,
    partial: bool = False,
) -> WindowReturn:
    """Return of ``symbol`` over ``sessions`` sessions of its calendar ending on ``end``.

    Parameters
    ----------
    market : Market
        Where the closes come from.
    symbol : str
        The listing (any spelling the security master knows).
    end : date-like
        Last day of the window; a non-session resolves to the last session before it.
    sessions : int
        Number of sessions (>= 1) the return compounds.
    adjusted : bool
        Dividend-adjusted closes (``adj_close``) instead of raw closes.
    partial : bool
        Accept a window the data do not cover to its end (flagged in the result).

    Returns
    -------
    WindowReturn
        ``note`` also names the data layer's quality flags on the two closes used.

    Raises
    ------
    UnknownSymbolError
        ``symbol`` is not in the security master.
    MissingDataError
        No bars for ``symbol`` (no adjusted closes with ``adjusted=True``), or no close on the
        start or end session.
    WindowError, DateRangeError
        As in :func:`window_return_from_closes`.

    Examples
    --------
    >>> window_return(Market.from_sample(), "9988.HK", "2025-02-13", 20)   # doctest: +SKIP
    """
    sym, closes, cal, cur = _listing(market, symbol, adjusted)
    return _with_flags(
        market,
        window_return_from_closes(
            closes,
            end,
            sessions,
            symbol=sym,
            calendar=cal,
            currency=cur,
            adjusted=adjusted,
            partial=partial,
        ),
    )


def range_return(
    market: Market,
    symbol: str,
    start: DateLike,
    end: DateLike,
    *,
    adjusted: bool = False,
    partial: bool = False,
) -> WindowReturn:
    """Return of ``symbol`` from the close on/before ``start`` to the close on/before ``end``.

    Parameters
    ----------
    market : Market
        Where the closes come from.
    symbol : str
        The listing (any spelling the security master knows).
    start, end : date-like
        A non-session resolves to the last session of the listing's calendar before it.
    adjusted : bool
        Dividend-adjusted closes (``adj_close``) instead of raw closes.
    partial : bool
        Accept a range the data do not cover (cut at the data and flagged in the result).

    Returns
    -------
    WindowReturn
        ``note`` also names the data layer's quality flags on the two closes used.

    Raises
    ------
    UnknownSymbolError
        ``symbol`` is not in the security master.
    MissingDataError
        No bars for ``symbol`` (no adjusted closes with ``adjusted=True``), or no close on the
        start or end session.
    DateRangeError
        As in :func:`range_return_from_closes`.
    """
    sym, closes, cal, cur = _listing(market, symbol, adjusted)
    return _with_flags(
        market,
        range_return_from_closes(
            closes,
            start,
            end,
            symbol=sym,
            calendar=cal,
            currency=cur,
            adjusted=adjusted,
            partial=partial,
        ),
    )


def _event_of(event: Event | DateLike, catalog: EventCatalog | None, market: Market) -> Event | DateLike:
    """An event id (text that does not start with a digit) looked up in ``catalog``; a time
    checked here so a typo is a :class:`DateRangeError`, not pandas' own parse error."""
    if not isinstance(event, str):
        return event
    text = event.strip()
    if text[:1].isdigit():
        try:
            pd.Timestamp(text)
        except (ValueError, TypeError) as exc:
            raise DateRangeError(
                f"event {event!r} is not a time; give a catalog event id (e.g. 'deepseek-r1') or "
                "a time with a zone, e.g. 2025-01-20T08:00+08:00"
            ) from exc
        return text
    if catalog is None:
        from rerating.events.catalog import load_catalog

        catalog = load_catalog(securities=market.securities)
    return catalog.get(text)


def event_return(
    market: Market,
    symbol: str,
    event_timestamp: Event | DateLike,
    sessions: int | None = None,
    days: int | None = None,
    *,
    adjusted: bool = False,
    partial: bool = False,
    catalog: EventCatalog | None = None,
) -> WindowReturn:
    """Return of ``symbol`` from its last close before the event to N sessions or N days after.

    Parameters
    ----------
    market : Market
        Where the closes come from.
    symbol : str
        The listing (any spelling the security master knows).
    event_timestamp : Event, catalog event id, or tz-aware timestamp
        The event: an :class:`~rerating.events.catalog.Event`, the id of one in ``catalog``
        (``"deepseek-r1"``), or a time with a zone (``"2025-01-20T08:00+08:00"``).
    sessions, days : int, optional
        As in :func:`event_return_from_closes`: exactly one of them.
    adjusted : bool
        Dividend-adjusted closes (``adj_close``) instead of raw closes.
    partial : bool
        Accept a window the data do not cover to its end (flagged in the result).
    catalog : EventCatalog, optional
        Where an event id is looked up (default: the bundled catalog).

    Returns
    -------
    WindowReturn

    Raises
    ------
    UnknownEventError
        An event id that is not in the catalog (close ids are suggested).
    DateRangeError
        Text that is neither an event id nor a time, or as in :func:`event_return_from_closes`.
    UnknownSymbolError
        ``symbol`` is not in the security master.
    MissingDataError
        No bars for ``symbol``, or no close on the start or end session.
    WindowError
        Not exactly one of ``sessions`` and ``days``, or one of them out of range.
    """
    event = _event_of(event_timestamp, catalog, market)
    sym, closes, cal, cur = _listing(market, symbol, adjusted)
    return _with_flags(
        market,
        event_return_from_closes(
            closes,
            event,
            cal,
            sessions=sessions,
            days=days,
            symbol=sym,
            currency=cur,
            adjusted=adjusted,
            partial=partial,
        ),
    )
