"""Small private calendar helpers for the study layer (exchange_calendars, cached per name).

The data layer's ``rerating.data.calendars`` is the public home of calendar logic (and supplies the
calendars); the study layer adds vectorised look-ups over many events at once (session closes and
opens, first session closing after a timestamp, the foreign session before a local open).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from rerating.errors import UnknownExchangeError, did_you_mean


@lru_cache(maxsize=16)
def _calendar(name: str, start_year: int):  # type: ignore[no-untyped-def]
    import exchange_calendars as xc

    from rerating.data.calendars import build_calendar

    try:
        return build_calendar(name, pd.Timestamp(f"{start_year}-01-01"))
    except xc.errors.InvalidCalendarName as exc:
        raise UnknownExchangeError(
            f"unknown calendar {name!r}{did_you_mean(name, xc.get_calendar_names())}; use an "
            "exchange_calendars name such as XNYS, XHKG or XSHG"
        ) from exc


def calendar(name: str, earliest: pd.Timestamp):  # type: ignore[no-untyped-def]
    """The exchange_calendars calendar ``name`` covering dates from ``earliest`` (minus a margin).

    The data layer's shared calendar (aliases such as XNAS -> XNYS, one cache) when it reaches back
    far enough, else one built here from an earlier start.
    """
    from rerating.data import calendars as data_calendars

    cal = data_calendars.get_calendar(name)
    if cal.first_session <= pd.Timestamp(earliest):
        return cal
    name = data_calendars.calendar_name(name)
    year = min(int(pd.Timestamp(earliest).year) - 2, 2000)
    return _calendar(name, year)


def sessions_closes(name: str, earliest: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(session dates as datetime64[ns], opens UTC as int64 ns, closes UTC as int64 ns)."""
    cal = calendar(name, earliest)
    sched = cal.schedule
    sess = np.asarray(sched.index.values, dtype="datetime64[ns]")
    opens = sched["open"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    closes = (
        sched["close"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    )
    return sess, opens.astype(np.int64), closes.astype(np.int64)


def is_session(name: str, dates: np.ndarray) -> np.ndarray:
    """Whether each tz-naive date is a session of calendar ``name``."""
    dates = np.asarray(dates, dtype="datetime64[ns]")
    sess, _, _ = sessions_closes(name, pd.Timestamp(dates.min()))
    pos = np.searchsorted(sess, dates)
    pos = np.minimum(pos, sess.size - 1)
    return sess[pos] == dates


def shift_to_session(name: str, dates: np.ndarray, direction: str) -> np.ndarray:
    """The next (``"next"``) or previous (``"previous"``) session of each date (itself if a
    session); NaT where the calendar has none (past its last session, before its first)."""
    dates = np.asarray(dates, dtype="datetime64[ns]")
    sess, _, _ = sessions_closes(name, pd.Timestamp(dates.min()))
    if direction == "next":
        pos = np.searchsorted(sess, dates, side="left")
    else:
        pos = np.searchsorted(sess, dates, side="right") - 1
    inside = (pos >= 0) & (pos < sess.size)
    return np.where(inside, sess[np.clip(pos, 0, sess.size - 1)], np.datetime64("NaT", "ns"))


def first_session_closing_after(name: str, timestamps_utc_ns: np.ndarray) -> np.ndarray:
    """Session date of the first session of ``name`` whose close is strictly after each timestamp;
    NaT after the calendar's last session close."""
    ts = np.asarray(timestamps_utc_ns, dtype=np.int64)
    earliest = pd.Timestamp(int(ts.min()))
    sess, _, closes = sessions_closes(name, earliest)
    pos = np.searchsorted(closes, ts, side="right")
    inside = pos < sess.size
    return np.where(inside, sess[np.minimum(pos, sess.size - 1)], np.datetime64("NaT", "ns"))


def last_session(name: str) -> pd.Timestamp:
    """The last session of calendar ``name`` that exchange_calendars knows."""
    from rerating.data import calendars as data_calendars

    return pd.Timestamp(data_calendars.get_calendar(name).last_session)


def foreign_session_before_open(
    local: str, foreign: str, local_dates: np.ndarray, lag: int
) -> np.ndarray:
    """For each local session date, the ``lag``-th latest foreign session closed before it opened.

    ``lag = 1`` is the last foreign session that had closed when the local session opened (for
    Hong Kong against New York: the previous evening's US session). NaT where none.
    """
    dates = np.asarray(local_dates, dtype="datetime64[ns]")
    earliest = pd.Timestamp(dates.min()) - pd.Timedelta(days=30)
    lsess, lopens, _ = sessions_closes(local, earliest)
    fsess, _, fcloses = sessions_closes(foreign, earliest)
    pos = np.searchsorted(lsess, dates)
    pos = np.minimum(pos, lsess.size - 1)
    is_sess = lsess[pos] == dates
    # local dates that are not sessions of the local calendar: use midnight UTC of the date
    open_ns = np.where(is_sess, lopens[pos], dates.astype(np.int64))
    k = np.searchsorted(fcloses, open_ns, side="left") - lag  # closes strictly before the open
    out = fsess[np.clip(k, 0, fsess.size - 1)]
    return np.where(k >= 0, out, np.datetime64("NaT", "ns"))
