"""Where bars come from: a small protocol and a registry of sources selected by name.

Three sources exist: ``files`` (a local folder, always available), ``yahoo`` and ``akshare`` (live
providers behind the ``live`` extra, imported only when asked for). Every source returns bars in one
layout (:data:`BAR_COLUMNS`, index ``date``) and never returns an empty frame as if it were data.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pandas as pd

from rerating._typing import DateLike
from rerating.errors import UnknownSourceError, close_matches

BAR_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")
SHARES_COLUMNS: tuple[str, ...] = ("symbol", "as_of", "shares", "unit_note", "source")
EPS_COLUMNS: tuple[str, ...] = ("symbol", "period_end", "report_date", "eps_diluted", "currency", "source")
SOURCES: tuple[str, ...] = ("files", "yahoo", "akshare")


@runtime_checkable
class MarketDataSource(Protocol):
    """What the store and the ``Market`` need from a provider.

    ``bars`` returns a frame indexed by tz-naive session dates named ``date`` with the float
    columns :data:`BAR_COLUMNS` (NaN where the provider has no value; ``close`` never NaN), sorted
    and unique. It raises :class:`~rerating.errors.MissingDataError` rather than return no rows,
    and live sources raise :class:`~rerating.errors.SourceUnavailableError` when offline.
    ``shares`` returns rows with :data:`SHARES_COLUMNS` or raises
    :class:`~rerating.errors.MissingSharesError`.
    """

    name: str

    def bars(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame: ...

    def shares(self, symbol: str) -> pd.DataFrame: ...


def empty_bars() -> pd.DataFrame:
    """A bars frame with no rows (for internal concatenation; never returned as data)."""
    index = pd.DatetimeIndex([], name="date").as_unit("ns")
    return pd.DataFrame({c: pd.Series([], dtype="float64") for c in BAR_COLUMNS}, index=index)


def get_source(name: str, **options: Any) -> MarketDataSource:
    """The source called ``name`` (``files``, ``yahoo`` or ``akshare``), built with ``options``.

    ``files`` needs ``directory=``; live sources take ``client=`` (for tests), ``retries=``,
    ``timeout=``. Live sources import their provider package only here.
    """
    key = str(name).strip().lower()
    if key == "files":
        from rerating.data.sources.files import FilesSource

        return FilesSource(**options)
    if key == "yahoo":
        from rerating.data.sources.yahoo import YahooSource

        return YahooSource(**options)
    if key == "akshare":
        from rerating.data.sources.akshare import AkshareSource

        return AkshareSource(**options)
    hits = close_matches(key, SOURCES)
    hint = f" (did you mean {', '.join(hits)}?)" if hits else ""
    raise UnknownSourceError(f"unknown data source {name!r}{hint}; choose one of {list(SOURCES)}")
