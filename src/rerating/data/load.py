"""Fill the store from a source, one transaction per symbol (so an interrupted load keeps what it committed)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from rerating._typing import DateLike
from rerating.data.calendars import to_day
from rerating.data.securities import SecurityMaster
from rerating.data.sources import MarketDataSource
from rerating.data.store import Store
from rerating.errors import DateRangeError, MissingSharesError, RerateError

Progress = Callable[[str, int], None]  # (symbol just finished, rows written)
WRITER_HOLD_S = 1.0  # longest time a load keeps one store connection (and its lock) before reopening


@dataclass(frozen=True)
class LoadResult:
    """Per symbol: rows written, stored rows deleted, first and last date, and the error when it
    failed; and what the load did besides writing rows.

    ``frame`` has columns ``symbol, rows, deleted, unchanged, first, last, status, error``
    (``unchanged``: the store already held exactly these rows, so nothing was written for the
    symbol); ``failed`` lists the symbols that did not load (the others are committed). ``notes`` (``symbol, note``) says
    which stored rows were deleted and whose ``adj_close`` was re-based (:meth:`Store.replace_bars`).
    """

    frame: pd.DataFrame
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["symbol", "note"]))

    @property
    def failed(self) -> list[str]:
        return list(self.frame.loc[self.frame["status"] != "ok", "symbol"])

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        ok = (self.frame["status"] == "ok").sum()
        deleted = int(self.frame["deleted"].sum())
        gone = f" ({deleted} stored rows no longer in the data deleted)" if deleted else ""
        same = int(self.frame["unchanged"].sum())
        kept = f" ({same} unchanged: stored as they are, nothing written)" if same else ""
        return f"loaded {ok} of {len(self.frame)} symbols, {int(self.frame['rows'].sum())} rows{gone}{kept}"


def load(
    symbols: Sequence[str],
    source: MarketDataSource,
    store: Store,
    securities: SecurityMaster,
    start: DateLike | None = None,
    end: DateLike | None = None,
    progress: Progress | None = None,
    with_fundamentals: bool = True,
) -> LoadResult:
    """Fetch each symbol's bars from ``source`` and store them in place of the stored rows within
    their date range (:meth:`Store.replace_bars`: rows the new data no longer has are deleted, a
    re-based ``adj_close`` history is matched or refused).

    Symbols are resolved against ``securities`` first, so a typo fails before any download
    (:class:`~rerating.errors.UnknownSymbolError` with close matches). A symbol whose fetch or
    validation fails is recorded (``status='error'``) and the load goes on; the caller decides
    how to report it. With ``with_fundamentals``, shares (and, for ``files``, EPS) rows of the
    loaded symbols are stored too. A symbol whose stored rows already equal the new ones is left
    as it is (``unchanged``): a re-load of an unchanged folder writes no bars.
    """
    if start is not None and end is not None and to_day(end, "end") < to_day(start, "start"):
        raise DateRangeError(f"end {to_day(end).date()} is before start {to_day(start).date()}; swap them")
    canonical = list(dict.fromkeys(securities.resolve_many(symbols)))
    # a source's side tables (shares.csv, eps.csv) are read before any bars are written: a
    # malformed one then stops the load with nothing stored, not after the bars are in
    side = _side_tables(source) if with_fundamentals else None
    rows: list[dict[str, object]] = []
    notes: list[dict[str, str]] = []
    with contextlib.ExitStack() as held:
        writer, opened = None, 0.0
        for sym in canonical:
            # symbols go through one connection for up to WRITER_HOLD_S (a connection costs
            # ~30 ms), each in its own transaction; then the lock is let go (before the next
            # fetch, which may be slow), and a process waiting for it goes first (Store's
            # turnstile) before this load takes it again
            if writer is not None and time.monotonic() - opened > WRITER_HOLD_S:
                held.close()
                writer = None
            try:
                bars = source.bars(sym, start, end)
                if writer is None:
                    writer, opened = held.enter_context(store.writer()), time.monotonic()
                done = writer.replace_bars(bars, sym, source=source.name)
                written = done.rows
                rows.append({"symbol": sym, "rows": written, "deleted": done.deleted, "unchanged": done.unchanged,
                             "first": bars.index[0], "last": bars.index[-1], "status": "ok", "error": ""})
                notes.extend({"symbol": sym, "note": text} for text in done.notes)
            except RerateError as exc:
                written = 0
                rows.append({"symbol": sym, "rows": 0, "deleted": 0, "unchanged": False, "first": pd.NaT,
                             "last": pd.NaT, "status": "error", "error": str(exc)})
            if progress is not None:
                progress(sym, written)
    loaded = [str(r["symbol"]) for r in rows if r["status"] == "ok"]
    if with_fundamentals and loaded:
        _load_fundamentals(source, store, securities, loaded, side)
    return LoadResult(
        pd.DataFrame(rows, columns=["symbol", "rows", "deleted", "unchanged", "first", "last", "status", "error"]),
        pd.DataFrame(notes, columns=["symbol", "note"]),
    )


def _side_tables(source: MarketDataSource) -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
    """A source's whole shares and EPS tables (``all_shares``, ``all_eps``), or ``None`` when it
    fetches shares per symbol (a live provider)."""
    all_shares = getattr(source, "all_shares", None)
    if not callable(all_shares):
        return None
    all_eps = getattr(source, "all_eps", None)
    return all_shares(), all_eps() if callable(all_eps) else None


def _load_fundamentals(
    source: MarketDataSource,
    store: Store,
    securities: SecurityMaster,
    loaded: list[str],
    side: tuple[pd.DataFrame, pd.DataFrame | None] | None,
) -> None:
    # shares rows of every listing of a loaded company (BABA's rows serve 9988.HK too)
    companies = {securities.get(s).company for s in loaded}
    wanted = {x.symbol for c in companies for x in securities.listings(c)}
    if side is not None:
        table, eps = side
        store.upsert_shares(table[table["symbol"].isin(sorted(wanted))])
        if eps is not None:
            store.upsert_eps(eps[eps["symbol"].isin(loaded)])
        return
    frames = []
    for sym in loaded:
        try:
            frames.append(source.shares(sym))
        except MissingSharesError:
            continue  # no figure published: market caps for it stay unavailable, and say so
    if frames:
        store.upsert_shares(pd.concat(frames, ignore_index=True))
