"""Events: the sourced catalog of AI-industry events and their alignment to trading sessions."""

from __future__ import annotations

from rerating.events.alignment import build_events, day_zero, day_zero_table, last_session_before
from rerating.events.catalog import Event, EventCatalog, load_catalog, read_events
from rerating.events.confounding import other_events

__all__ = [
    "Event",
    "EventCatalog",
    "build_events",
    "day_zero",
    "day_zero_table",
    "last_session_before",
    "load_catalog",
    "other_events",
    "read_events",
]
