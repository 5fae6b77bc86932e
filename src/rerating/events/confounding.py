"""Other catalog events inside an event's window: the confounding news a CAR also carries.

An event study attributes a listing's abnormal return over a window to the event; when the same
company had news of its own inside that window (its earnings, another announcement), the CAR
measures both (McWilliams & Siegel 1997, "Event studies in management research: theoretical and
empirical issues", *Academy of Management Journal* 40(3), list confounding events as the first
threat to an event study's validity). This module finds, for each (event, listing, window), the
catalog events that name the same company and whose day 0 on the listing's calendar falls inside
the window, so that a screen of "which stocks moved" can say which moves have another explanation
at hand. It reads only the catalog: news the catalog does not hold is not found.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from rerating.errors import DateRangeError
from rerating.events.alignment import day_zero, sessions
from rerating.events.catalog import Event, EventCatalog

# kinds of catalog entry that record the market's reaction (a sell-off), not news of their own
REACTION_KINDS = frozenset({"market"})
# calendar days around the events' dates from which to take sessions (covers windows of about
# +-60 sessions; a longer window is clipped at this edge, which the docstring says)
_MARGIN_DAYS = 100


def _window_bounds(value: Any) -> tuple[int, int]:
    """``(a, b)`` from ``(a, b)`` or a window label ``"[a:b]"``."""
    if isinstance(value, str):
        a, b = value.strip("[]").split(":")
        return int(a), int(b)
    a, b = value
    return int(a), int(b)


def other_events(
    frame: pd.DataFrame,
    catalog: EventCatalog,
    securities: Any,
) -> pd.Series:
    """Catalog events about the same company whose day 0 lies inside each row's event window.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (event, listing, window): columns ``event_id``, ``symbol``, ``day0`` (the
        session of day 0; ``date`` is read when there is no ``day0``) and ``window`` (``"[a:b]"``
        or ``(a, b)`` in sessions of the listing's calendar), e.g. ``EventStudyResults.movers()``
        or ``.car``.
    catalog : EventCatalog
        The events to look for (the bundled catalog, plus the user's).
    securities : SecurityMaster
        Gives each listing's calendar and company (a catalog event naming ``BABA`` concerns
        ``9988.HK`` too); rows of listings it does not know get ``""``.

    Returns
    -------
    pandas.Series
        Aligned with ``frame``: ``""`` or ``"id (kind, day k); ..."``, each other event with its day 0's
        session offset from the row's day 0, in date order; ``day k or k+1`` for a date-only event
        that may have come out during the session of its own date (:func:`_reaction_sessions`). The row's own event is not listed, nor
        entries of kind ``market`` (:data:`REACTION_KINDS`: a sell-off is the reaction, not other
        news); windows reaching more than about 60 sessions from day 0 are searched up to there.
    """
    out = pd.Series("", index=frame.index, dtype=object, name="other_events")
    if frame.empty:
        return out
    day0_col = "day0" if "day0" in frame.columns else "date"
    day0s = pd.to_datetime(frame[day0_col])
    # the catalog's events by the companies (or, for indices, the listings) they name
    about: dict[str, list[Event]] = defaultdict(list)
    for ev in catalog.events:
        if ev.kind.lower() in REACTION_KINDS:
            continue
        keys = set()
        for sym in ev.symbols:
            sec = securities.lookup(sym)
            keys.add(sym if sec is None else sec.company or sec.symbol)
        for key in keys:
            about[key].append(ev)
    # only rows of companies the catalog has news about can have any: the others (nearly all of
    # a whole market's 100,000 CARs) are left out before the row-by-row search below
    company: dict[str, str | None] = {}
    for sym in pd.unique(frame["symbol"].astype(str)):
        sec = securities.lookup(sym)
        company[sym] = None if sec is None else sec.company or sec.symbol
    rows = np.flatnonzero(frame["symbol"].astype(str).map(company).isin(list(about)).to_numpy())
    if rows.size == 0:
        return out
    sub, sub_day0s = frame.iloc[rows], day0s.iloc[rows]
    lo, hi = sub_day0s.min(), sub_day0s.max()
    on_calendar: dict[str, pd.DatetimeIndex] = {}
    zero_of: dict[tuple[str, str], tuple[pd.Timestamp, pd.Timestamp] | None] = {}
    for i, eid, sym, d0, win in zip(
        rows, sub["event_id"], sub["symbol"], sub_day0s, sub["window"], strict=True
    ):
        sec = securities.lookup(str(sym))
        if sec is None or pd.isna(d0):  # a listing the master does not know has no calendar here
            continue
        candidates = [e for e in about.get(sec.company or sec.symbol, ()) if e.id != str(eid)]
        if not candidates:
            continue
        cal = sec.calendar
        if cal not in on_calendar:
            on_calendar[cal] = sessions(
                cal, lo - pd.Timedelta(days=_MARGIN_DAYS), hi + pd.Timedelta(days=_MARGIN_DAYS)
            )
        days = on_calendar[cal]
        pos = int(days.searchsorted(d0))
        if pos >= days.size or days[pos] != d0:
            continue  # day 0 is not a session of the listing's calendar: nothing to count from
        a, b = _window_bounds(win)
        first, last = days[max(0, pos + a)], days[min(days.size - 1, pos + b)]
        found = []
        for ev in candidates:
            key = (ev.id, cal)
            if key not in zero_of:
                zero_of[key] = _reaction_sessions(ev, cal)
            span = zero_of[key]
            if span is None or span[1] < first or span[0] > last:
                continue
            k0, k1 = (int(days.searchsorted(z)) - pos for z in span)
            when = f"day {k1}" if k0 == k1 else f"day {k0} or {k1}"
            found.append((span[0], ev.id, f"{ev.id} ({ev.kind}, {when})"))
        out.iloc[i] = "; ".join(text for _, _, text in sorted(found))
    return out


def _reaction_sessions(ev: Event, calendar: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last session of ``calendar`` on which ``ev``'s news could first trade: its day
    0 for an event whose time is known; for a date-only event also the first session closing after
    its local day *began* (the news may have come out during that session: Stargate was reported on
    the morning of its date and Oracle rose that session). None past the calendar's end."""
    try:
        latest = day_zero(ev, calendar)
        if ev.time_known:
            return latest, latest
        start_of_day = pd.Timestamp(ev.local_date).tz_localize(ev.tz).tz_convert("UTC")
        return day_zero(start_of_day, calendar), latest
    except DateRangeError:  # past the calendar's last session: in no window
        return None
