"""The catalog of AI-industry events: a bundled, sourced TOML file plus the user's own files.

Schema (``catalog.toml``; a user's TOML file has the same layout, a user's CSV file the same columns)::

    schema_version = 1

    [[event]]
    id = "deepseek-r1"
    title_en = "DeepSeek releases R1"
    title_zh = "深度求索发布 R1"
    timestamp = "2025-01-20T12:00:00Z"     # ISO instant with its zone (Z or an offset), when the hour is known ...
    # date = "2025-01-20"                  # ... OR a local date plus its time zone, when it is not
    # tz = "Asia/Shanghai"
    time_known = true
    kind = "model_release"
    organisations = ["DeepSeek"]
    symbols = ["NVDA", "9988.HK"]
    sources = ["https://..."]
    notes = ""

In CSV files the list fields (``organisations``, ``symbols``, ``sources``) are separated by ``|``.

Reaction convention for a date-only event (``date`` + ``tz``, ``time_known = false``): the event is
treated as known only at the **end of its local day**, i.e. from the next local midnight. So a market
that closed before that day ended (Hong Kong for a Beijing-dated event) first reacts on its next
session, and :attr:`Event.timestamp` of such an event is that next local midnight in UTC. The local
date itself is :attr:`Event.local_date`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from rerating._typing import DateLike, PathLike
from rerating.errors import EventFormatError, UnknownEventError, close_matches, did_you_mean

SCHEMA_VERSION = 1
FIELDS = (
    "id",
    "title_en",
    "title_zh",
    "timestamp",
    "date",
    "tz",
    "time_known",
    "kind",
    "organisations",
    "symbols",
    "sources",
    "notes",
)
LIST_FIELDS = ("organisations", "symbols", "sources")
REQUIRED = ("id", "title_en", "kind", "sources")


class _SecurityLookup(Protocol):
    """What the catalog needs from a security master: canonical lookup and the symbol list."""

    symbols: list[str]

    def get(self, symbol: str) -> Any: ...


@dataclass(frozen=True)
class Event:
    """One dated event.

    Attributes
    ----------
    id : str
        Catalog id, lower-case, e.g. ``"deepseek-r1"``.
    title_en, title_zh : str
        Titles in English and Chinese.
    timestamp : pd.Timestamp
        UTC instant from which the event is treated as known. For a date-only event this is the end
        of its local day (the next local midnight), see the module docstring.
    time_known : bool
        False when only the local date is known.
    tz : str
        IANA time zone of the event's local date (``"UTC"`` when not given).
    kind : str
        ``model_release``, ``product``, ``partnership``, ``earnings``, ``policy``, ``market`` ...
    organisations, symbols, sources : tuple of str
        Who made the news, the canonical listings it maps to, and public source addresses.
    notes : str
        Free text (what the date rests on, caveats).
    """

    id: str
    title_en: str
    title_zh: str
    timestamp: pd.Timestamp
    time_known: bool
    tz: str
    kind: str
    organisations: tuple[str, ...]
    symbols: tuple[str, ...]
    sources: tuple[str, ...]
    notes: str = ""

    @property
    def local_date(self) -> dt.date:
        """The event's date in its own time zone (for a date-only event, the stated date)."""
        local = self.timestamp.tz_convert(self.tz)
        if not self.time_known:
            # timestamp is the next local midnight: step back into the stated day
            local = local - pd.Timedelta(nanoseconds=1)
        return local.date()

    @property
    def when(self) -> str:
        """Human form: the UTC instant, or ``2025-01-20 (Asia/Shanghai, hour unknown)``."""
        if self.time_known:
            return self.timestamp.strftime("%Y-%m-%d %H:%M UTC")
        return f"{self.local_date.isoformat()} ({self.tz}, hour unknown)"

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of the fields plus ``local_date``."""
        out = asdict(self)
        out["local_date"] = self.local_date
        return out


def _event_sort_key(e: Event) -> tuple[pd.Timestamp, str]:
    return (e.timestamp, e.id)


class EventCatalog:
    """An ordered, read-only set of events (by timestamp), looked up by id.

    Parameters
    ----------
    events : iterable of Event
        Ids must be unique (case-insensitive).
    """

    def __init__(self, events: Iterable[Event]) -> None:
        evs = sorted(events, key=_event_sort_key)
        by_id: dict[str, Event] = {}
        for e in evs:
            key = e.id.lower()
            if key in by_id:
                raise EventFormatError(f"duplicate event id {e.id!r} in the catalog; ids must be unique")
            by_id[key] = e
        self._events = tuple(evs)
        self._by_id = by_id

    @property
    def events(self) -> tuple[Event, ...]:
        """All events, ordered by timestamp."""
        return self._events

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self._events]

    def get(self, event_id: str) -> Event:
        """The event with this id (case-insensitive).

        Raises
        ------
        UnknownEventError
            When no event has this id; the message lists close ids.
        """
        try:
            return self._by_id[str(event_id).strip().lower()]
        except KeyError:
            hits = close_matches(str(event_id), self.ids, n=5)
            if not hits:  # substring matches help for ids like "r1" -> "deepseek-r1"
                hits = [i for i in self.ids if str(event_id).lower() in i.lower()][:5]
            hint = f" (did you mean {', '.join(hits)}?)" if hits else ""
            raise UnknownEventError(
                f"unknown event id {event_id!r}{hint}; run `rerating events list` to see the "
                f"{len(self)} ids, or add your event with an extra events file"
            ) from None

    @property
    def kinds(self) -> list[str]:
        """The kinds of this catalog's events (lower case, sorted)."""
        return sorted({e.kind.lower() for e in self._events})

    def filter(
        self,
        kind: str | Sequence[str] | None = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
    ) -> EventCatalog:
        """Events of the given kind(s) whose local date lies in ``[start, end]`` (inclusive).

        A kind no event has gives an empty catalog (:attr:`kinds` lists the kinds there are).

        Raises
        ------
        DateRangeError
            ``start`` or ``end`` is not a date (or an ambiguous one such as ``03/02/2025``).
        """
        from rerating.data.calendars import to_day  # exchange_calendars: imported when needed

        kinds = None if kind is None else {kind.lower()} if isinstance(kind, str) else {k.lower() for k in kind}
        lo = None if start is None else to_day(start, "start").date()
        hi = None if end is None else to_day(end, "end").date()
        keep = [
            e
            for e in self._events
            if (kinds is None or e.kind.lower() in kinds)
            and (lo is None or e.local_date >= lo)
            and (hi is None or e.local_date <= hi)
        ]
        return EventCatalog(keep)

    def to_frame(self) -> pd.DataFrame:
        """One row per event; list fields joined with ``|``."""
        rows = []
        for e in self._events:
            rows.append(
                {
                    "id": e.id,
                    "local_date": pd.Timestamp(e.local_date),
                    "timestamp": e.timestamp,
                    "time_known": e.time_known,
                    "tz": e.tz,
                    "kind": e.kind,
                    "title_en": e.title_en,
                    "title_zh": e.title_zh,
                    "organisations": "|".join(e.organisations),
                    "symbols": "|".join(e.symbols),
                    "sources": "|".join(e.sources),
                    "notes": e.notes,
                }
            )
        cols = ["id", "local_date", "timestamp", "time_known", "tz", "kind", "title_en", "title_zh",
                "organisations", "symbols", "sources", "notes"]
        return pd.DataFrame(rows, columns=cols)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, event_id: object) -> bool:
        return isinstance(event_id, str) and event_id.strip().lower() in self._by_id

    def __repr__(self) -> str:
        return f"EventCatalog({len(self)} events)"


# --- parsing ----------------------------------------------------------------------------------


def _where(path: str, row: int | str, event_id: str | None) -> str:
    ident = f", id {event_id!r}" if event_id else ""
    return f"events file {path}, {row}{ident}"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()]


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    raise EventFormatError(
        f"{where}: field 'time_known' = {value!r} is not a boolean; write true or false"
    )


def _parse_timestamp(value: Any, where: str) -> pd.Timestamp:
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, dt.date):
        raise EventFormatError(
            f"{where}: field 'timestamp' = {value.isoformat()!r} is a date without a time; "
            "for a date whose hour is unknown write date = \"YYYY-MM-DD\" with tz = \"Area/City\""
        )
    else:
        text = str(value).strip()
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            ts = None
        if ts is None or pd.isna(ts) or "T" not in text.upper() and " " not in text:
            raise EventFormatError(
                f"{where}: field 'timestamp' = {text!r} is not an ISO UTC timestamp; write e.g. "
                "2025-01-20T12:00:00Z, or give date = \"2025-01-20\" and tz = \"Asia/Shanghai\" "
                "when the hour is unknown"
            )
    if ts.tzinfo is None:  # refused rather than read as UTC, as `session` and `study --events` do
        clock = f"{ts:%Y-%m-%dT%H:%M:%S}"
        raise EventFormatError(
            f"{where}: field 'timestamp' = {clock!r} has no time zone; add one: {clock}Z (UTC), "
            f"{clock}+08:00 (Beijing, Hong Kong) or {clock}-05:00 (New York in winter); or give "
            "date = \"YYYY-MM-DD\" and tz = \"Area/City\" when the hour is unknown"
        )
    return ts.tz_convert("UTC")


def _parse_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise EventFormatError(
            f"{where}: field 'date' = {value!r} carries a time; put a UTC instant in 'timestamp' instead"
        )
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EventFormatError(
            f"{where}: field 'date' = {text!r} is not an ISO date; write YYYY-MM-DD, e.g. 2025-01-20"
        ) from None


_FIXED_OFFSET_RE = re.compile(r"UTC[+-]\d{2}:\d{2}")


def _parse_tz(value: Any, where: str) -> str:
    text = str(value).strip()
    if _FIXED_OFFSET_RE.fullmatch(text):  # what an event whose timestamp gave only an offset gets
        return text
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise EventFormatError(
            f"{where}: field 'tz' = {text!r} is not an IANA time zone; write e.g. Asia/Shanghai, "
            "Asia/Hong_Kong, America/New_York or UTC"
        ) from None
    return text


def _stated_offset(value: Any) -> str:
    """The zone a timestamp was written in, for an event without ``tz``: ``UTC`` for ``Z`` or
    +00:00, else the fixed offset (``UTC+08:00``), so that the event's local date is the one
    its author wrote ("2025-01-21T07:00+08:00" is a Tuesday-morning event, not a Monday one)."""
    ts = pd.Timestamp(value)
    offset = ts.utcoffset() if ts.tzinfo is not None else None
    if offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _end_of_local_day(day: dt.date, tz: str) -> pd.Timestamp:
    """The next local midnight after ``day`` in ``tz``, as UTC (the date-only convention)."""
    nxt = pd.Timestamp(day) + pd.Timedelta(days=1)
    return nxt.tz_localize(tz).tz_convert("UTC")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_event(
    raw: Mapping[str, Any],
    *,
    path: str = "<memory>",
    row: int | str = "row 1",
    securities: _SecurityLookup | None = None,
) -> Event:
    """Validate one raw record (a TOML table or CSV row) and build an :class:`Event`.

    Raises
    ------
    EventFormatError
        Naming the file, row, id and field: unknown field, missing field, malformed timestamp,
        date without time zone, unknown listing (with close symbols), no source.
    """
    event_id = None if _blank(raw.get("id")) else str(raw["id"]).strip()
    where = _where(path, row, event_id)
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        hint = did_you_mean(unknown[0], FIELDS)
        raise EventFormatError(
            f"{where}: unknown field {unknown[0]!r}{hint}; valid fields: {', '.join(FIELDS)}"
        )
    for name in REQUIRED:
        if _blank(raw.get(name)) or (name in LIST_FIELDS and not _as_list(raw.get(name))):
            fix = " (at least one public address)" if name == "sources" else ""
            raise EventFormatError(f"{where}: field {name!r} is missing or empty; give it a value{fix}")
    assert event_id is not None
    if any(c.isspace() for c in event_id):
        raise EventFormatError(f"{where}: field 'id' = {event_id!r} contains spaces; use e.g. deepseek-r1")

    has_ts = not _blank(raw.get("timestamp"))
    has_date = not _blank(raw.get("date"))
    tz = "UTC" if _blank(raw.get("tz")) else _parse_tz(raw["tz"], where)
    if has_ts:
        timestamp = _parse_timestamp(raw["timestamp"], where)
        if _blank(raw.get("tz")):  # the zone the timestamp was written in
            tz = _stated_offset(raw["timestamp"])
        time_known = True if _blank(raw.get("time_known")) else _as_bool(raw["time_known"], where)
        if not time_known:
            raise EventFormatError(
                f"{where}: field 'time_known' is false but a 'timestamp' is given; for an unknown "
                "hour give date + tz instead of timestamp, else set time_known = true"
            )
        if has_date:  # both given: they must agree, else one of them is a typo
            day = _parse_date(raw["date"], where)
            if timestamp.tz_convert(tz).date() != day:
                zone = (
                    f"tz {tz}"
                    if not _blank(raw.get("tz"))
                    else f"the timestamp's own zone {tz} (no 'tz' given: add the zone the date is in, e.g. tz = \"Asia/Shanghai\")"
                )
                raise EventFormatError(
                    f"{where}: field 'date' = {day.isoformat()} disagrees with timestamp "
                    f"{timestamp.isoformat()} in {zone}; local date "
                    f"{timestamp.tz_convert(tz).date().isoformat()}: fix one or drop 'date'"
                )
    elif has_date:
        if _blank(raw.get("tz")):
            raise EventFormatError(
                f"{where}: field 'tz' is missing; a date-only event needs its time zone, e.g. "
                "tz = \"Asia/Shanghai\""
            )
        day = _parse_date(raw["date"], where)
        if not _blank(raw.get("time_known")) and _as_bool(raw["time_known"], where):
            raise EventFormatError(
                f"{where}: field 'time_known' is true but only a 'date' is given; give the UTC "
                "'timestamp' or set time_known = false"
            )
        timestamp = _end_of_local_day(day, tz)
        time_known = False
    else:
        raise EventFormatError(
            f"{where}: field 'timestamp' is missing; give timestamp (UTC ISO) or date + tz"
        )

    symbols: list[str] = []
    for sym in _as_list(raw.get("symbols")):
        if securities is None:
            symbols.append(sym)
            continue
        try:
            sec = securities.get(sym)
        except KeyError:
            hits = close_matches(sym, list(securities.symbols), n=3)
            hint = f" (did you mean {', '.join(hits)}?)" if hits else ""
            raise EventFormatError(
                f"{where}: field 'symbols' lists unknown listing {sym!r}{hint}; use a symbol of the "
                "security master (`rerating --sample prices --help`), or extend it with --securities"
            ) from None
        symbols.append(str(getattr(sec, "symbol", sym)))

    return Event(
        id=event_id,
        title_en=str(raw["title_en"]).strip(),
        title_zh="" if _blank(raw.get("title_zh")) else str(raw["title_zh"]).strip(),
        timestamp=timestamp,
        time_known=time_known,
        tz=tz,
        kind=str(raw["kind"]).strip(),
        organisations=tuple(_as_list(raw.get("organisations"))),
        symbols=tuple(symbols),
        sources=tuple(_as_list(raw.get("sources"))),
        notes="" if _blank(raw.get("notes")) else str(raw["notes"]).strip(),
    )


def _read_toml(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EventFormatError(f"events file {path}: not valid TOML ({exc}); fix the syntax") from None
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise EventFormatError(
            f"events file {path}: schema_version = {version!r}; this version of rerating reads "
            f"schema_version = {SCHEMA_VERSION} (put it on the first line)"
        )
    extra = sorted(set(doc) - {"schema_version", "event"})
    if extra:
        raise EventFormatError(
            f"events file {path}: unknown top-level key {extra[0]!r}; events go in [[event]] tables"
        )
    tables = doc.get("event", [])
    if not isinstance(tables, list):
        raise EventFormatError(f"events file {path}: 'event' must be an array of tables ([[event]])")
    return [(f"event #{i}", t) for i, t in enumerate(tables, start=1)]


def _read_csv(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None:
        raise EventFormatError(f"events file {path}: empty; the header needs {', '.join(REQUIRED)}")
    header = {str(f).strip().lower() for f in reader.fieldnames}
    if {"event_id", "symbol"} <= header and "id" not in header:
        # one row per (event, listing): the layout `rerating study --events` reads
        raise EventFormatError(
            f"events file {path} has the columns of `rerating study --events` (event_id, symbol, "
            "date or timestamp), one row per event and listing; pass it to `rerating study "
            "--events`, or write a catalog events file: one row per event with id, title_en, kind, "
            "sources, date + tz (or timestamp) and symbols separated by |"
        )
    out = []
    for i, row in enumerate(reader, start=2):  # line 1 is the header
        if None in row:
            raise EventFormatError(
                f"events file {path}, line {i}: more cells than header columns; quote cells with commas"
            )
        out.append((f"line {i}", {k: v for k, v in row.items() if k is not None}))
    return out


def read_events(path: PathLike, securities: _SecurityLookup | None = None) -> list[Event]:
    """Read and validate one events file (``.toml`` or ``.csv``), without checking ids across files."""
    p = Path(path)
    if not p.is_file():
        raise EventFormatError(f"events file {p} does not exist; pass the path of a .toml or .csv file")
    try:
        text = p.read_text(encoding="utf-8-sig")  # a BOM (Excel's "CSV UTF-8") is not part of the header
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[: exc.start].count(b"\n") + 1
        raise EventFormatError(
            f"events file {p}, line {line}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}); save it as "
            "UTF-8 (Excel: \"CSV UTF-8\"; GBK or GB18030 text must be converted)"
        ) from None
    suffix = p.suffix.lower()
    if suffix == ".toml":
        records = _read_toml(p, text)
    elif suffix == ".csv":
        records = _read_csv(p, text)
    else:
        raise EventFormatError(
            f"events file {p}: unsupported extension {suffix!r}; use .toml or .csv (same columns)"
        )
    events: list[Event] = []
    seen: dict[str, str] = {}
    for row, raw in records:
        ev = parse_event(raw, path=str(p), row=row, securities=securities)
        key = ev.id.lower()
        if key in seen:
            raise EventFormatError(
                f"{_where(str(p), row, ev.id)}: field 'id' duplicates {seen[key]}; ids must be unique"
            )
        seen[key] = row
        events.append(ev)
    return events


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one existing file (a missing one is left to read_events)."""
    try:
        return a.samefile(b)
    except OSError:
        return False


def bundled_catalog_path() -> Path:
    """Path of the catalog shipped with the package (``rerating/events/catalog.toml``)."""
    return Path(str(resources.files("rerating.events").joinpath("catalog.toml")))


def load_catalog(
    extra: PathLike | Sequence[PathLike] | None = None,
    *,
    securities: _SecurityLookup | None = None,
    bundled: bool = True,
) -> EventCatalog:
    """Load the bundled catalog plus the user's own event files.

    Parameters
    ----------
    extra : path or list of paths, optional
        User files (``.toml`` with the bundled schema, or ``.csv`` with the same columns).
    securities : SecurityMaster, optional
        Used to check and canonicalise ``symbols``; the bundled security master by default.
    bundled : bool
        Include the bundled catalog (default True).

    Returns
    -------
    EventCatalog

    Raises
    ------
    EventFormatError
        A malformed row (file, row, id and field named), or an id already used in another file.

    Examples
    --------
    >>> cat = load_catalog()                       # doctest: +SKIP
    >>> cat.get("deepseek-r1").local_date          # doctest: +SKIP
    datetime.date(2025, 1, 20)
    """
    if securities is None:
        from rerating.data.securities import load_securities

        securities = load_securities()
    paths: list[Path] = []
    if bundled:
        paths.append(bundled_catalog_path())
    if extra is not None:
        items = [extra] if isinstance(extra, (str, Path)) or hasattr(extra, "__fspath__") else list(extra)
        for x in items:  # a file named twice (``a.csv`` and ``./a.csv``) is read once
            if not any(_same_file(Path(x), q) for q in paths):
                paths.append(Path(x))
    events: list[Event] = []
    origin: dict[str, Path] = {}
    for p in paths:
        for ev in read_events(p, securities=securities):
            key = ev.id.lower()
            if key in origin:
                raise EventFormatError(
                    f"events file {p}, id {ev.id!r}: field 'id' is already used in {origin[key]}; "
                    "rename your event (ids must be unique across files)"
                )
            origin[key] = p
            events.append(ev)
    return EventCatalog(events)
