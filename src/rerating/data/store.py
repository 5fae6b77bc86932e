"""The embedded DuckDB store at ``resolve_home(home)/rerating.duckdb``: bars, shares and EPS.

Safety across processes: every operation takes an exclusive file lock (``rerating.duckdb.lock``,
filelock), opens a short DuckDB connection, does its work and closes it, so two processes can load
and read at once (the second waits for the lock, up to ``lock_timeout`` seconds, then gets a
:class:`~rerating.errors.StoreError`; waiters take turns through ``rerating.duckdb.wait``, see
:meth:`Store._lock`). Each write is one transaction: a process killed mid-load leaves every
committed batch intact (DuckDB's write-ahead log is replayed on the next open).

A load writes with :meth:`Store.replace_bars`: one symbol's rows within the new data's date range
are replaced (rows it no longer has deleted), rows outside it kept on the new ``adj_close`` base
(re-based by a constant ratio, or refused); a listing whose stored rows already equal the new ones
is left as it is (nothing written). :meth:`Store.upsert_bars` replaces only the
(symbol, date) pairs it brings, and refuses ``adj_close`` on another base than the rows it keeps. :meth:`Store.drop_symbols` deletes listings from every table.

Schema (version :data:`SCHEMA_VERSION`, kept in table ``meta``):

- ``symbols(sid, symbol, first, last, rows, source, loaded_at)``: one row per symbol, its integer id
  ``sid`` and a summary kept in step with ``bars`` inside the same transaction.
- ``bars(sid, date, open, high, low, close, adj_close, volume, source, loaded_at)``: one row per
  (symbol, date); an upsert replaces the rows of the (symbol, date) pairs it brings. Bars carry the
  integer ``sid``, not the symbol text, so a panel read scans numbers only.
- ``securities``: the user's own listings (the security master's columns), saved by
  ``rerating --securities FILE load ...`` so later commands know them without the flag.
- ``shares(symbol, as_of, shares, unit_note, source)`` and ``eps(symbol, period_end, report_date,
  eps_diluted, currency, source)``: replaced per (symbol, as_of, shares) and (symbol, period_end,
  report_date).
"""

from __future__ import annotations

import contextlib
import datetime
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rerating._typing import DateLike, PathLike
from rerating.config import resolve_home
from rerating.data.sources import BAR_COLUMNS, EPS_COLUMNS, SHARES_COLUMNS
from rerating.errors import (
    DuplicateDateError,
    MissingDataError,
    StoreError,
    UnknownSymbolError,
    did_you_mean,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from duckdb import DuckDBPyConnection

# lock files each thread holds (a second lock of the same store in one thread would wait forever)
_HELD: dict[int, set[str]] = {}

SCHEMA_VERSION = 1
DB_NAME = "rerating.duckdb"
LOCK_POLL_S = 0.01  # how often a waiting process tries the lock again
# adj_close of a load and of the stored rows it overlaps are on one base when new/stored stays
# within this of 1 (or of one constant: a re-based history), besides the rounding of the values
BASE_RTOL = 1e-6
MIN_REBASE_DATES = 3  # shared dates a re-basing needs (one date cannot tell it from a bad print)
_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS bars (
        sid INTEGER NOT NULL, date DATE NOT NULL, open DOUBLE, high DOUBLE, low DOUBLE,
        close DOUBLE NOT NULL, adj_close DOUBLE, volume DOUBLE, source VARCHAR, loaded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS symbols (
        sid INTEGER PRIMARY KEY, symbol VARCHAR UNIQUE NOT NULL, first DATE, last DATE, rows BIGINT, source VARCHAR, loaded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS shares (
        symbol VARCHAR NOT NULL, as_of DATE NOT NULL, shares DOUBLE NOT NULL, unit_note VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS securities (
        symbol VARCHAR PRIMARY KEY, name VARCHAR, name_zh_hans VARCHAR, name_zh_hant VARCHAR, aliases VARCHAR,
        kind VARCHAR, exchange VARCHAR, calendar VARCHAR, currency VARCHAR, company VARCHAR,
        shares_per_unit DOUBLE, sector VARCHAR, benchmark VARCHAR, yahoo VARCHAR, akshare VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS eps (
        symbol VARCHAR NOT NULL, period_end DATE NOT NULL, report_date DATE, eps_diluted DOUBLE,
        currency VARCHAR, source VARCHAR)""",
)


@dataclass(frozen=True)
class StoreInfo:
    """What ``rerating cache info`` shows."""

    path: Path
    exists: bool
    size_bytes: int
    schema_version: int | None
    symbols: int
    rows: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None

    def to_frame(self) -> pd.DataFrame:
        """Two columns, ``field`` and ``value``."""
        items = {
            "path": str(self.path),
            "exists": self.exists,
            "size_mb": round(self.size_bytes / 1e6, 3),
            "schema_version": self.schema_version,
            "symbols": self.symbols,
            "rows": self.rows,
            "first": self.first.date().isoformat() if self.first is not None else "",
            "last": self.last.date().isoformat() if self.last is not None else "",
        }
        return pd.DataFrame({"field": list(items), "value": [str(v) for v in items.values()]})

    def summary(self) -> str:
        """One line: the path, and when the store exists its symbols, rows, dates and size."""
        if not self.exists:
            return f"no store at {self.path}"
        dates = (
            f", {self.first.date()}..{self.last.date()}"
            if self.first is not None and self.last is not None
            else ""
        )
        return (
            f"store {self.path}: {self.symbols} symbol(s), {self.rows:,} rows{dates}, "
            f"{self.size_bytes / 1e6:,.1f} MB, schema version {self.schema_version}"
        )


@dataclass(frozen=True)
class BarsReplaced:
    """What :meth:`Store.replace_bars` did to one symbol's stored rows.

    ``rows`` written; ``deleted``: stored rows inside the new data's range that it no longer
    has; ``kept``: stored rows outside that range; ``rebase``: the factor their ``adj_close`` (for a
    series without one, their prices) was multiplied by (``None``: left as they were); ``notes``:
    each of these in words; ``unchanged``: the store already held exactly these rows (every
    value and the source), so nothing was written (``rows`` still counts them).
    """

    symbol: str
    rows: int
    deleted: int = 0
    kept: int = 0
    rebase: float | None = None
    notes: tuple[str, ...] = ()
    unchanged: bool = False


@dataclass(frozen=True)
class DroppedSymbol:
    """The rows :meth:`Store.drop_symbols` deleted for one symbol, per table (0: it had none there)."""

    symbol: str
    bars: int
    shares: int
    eps: int
    securities: int


@dataclass(frozen=True)
class SymbolsDropped:
    """What :meth:`Store.drop_symbols` deleted from the store at ``path``: one
    :class:`DroppedSymbol` per symbol, in the order asked."""

    path: Path
    symbols: tuple[DroppedSymbol, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per symbol: ``symbol, bars, shares, eps, securities`` (rows deleted)."""
        columns = ["symbol", "bars", "shares", "eps", "securities"]
        return pd.DataFrame([[getattr(d, c) for c in columns] for d in self.symbols], columns=columns)

    def summary(self) -> str:
        """One line: the symbols dropped and the rows deleted from each table."""
        frame = self.to_frame()
        return (
            f"dropped {len(frame)} symbol(s) from {self.path}: {int(frame['bars'].sum())} bars, "
            f"{int(frame['shares'].sum())} shares, {int(frame['eps'].sum())} eps and "
            f"{int(frame['securities'].sum())} securities rows"
        )


class Store:
    """The DuckDB store (see the module docstring).

    Parameters
    ----------
    home
        Cache directory; default ``$RERATING_HOME`` or ``~/.cache/rerating``.
    lock_timeout
        Seconds to wait for another process's operation to finish.
    """

    def __init__(self, home: PathLike | None = None, *, lock_timeout: float = 120.0) -> None:
        self.home = resolve_home(home)
        self.path = self.home / DB_NAME
        self.lock_path = self.home / (DB_NAME + ".lock")
        self.wait_path = self.home / (DB_NAME + ".wait")
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        """True when the database file is there (nothing is created by asking)."""
        return self.path.is_file()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[DuckDBPyConnection]:
        """Lock, connect, check the schema; always close and unlock."""
        import duckdb

        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the cache directory {self.home} ({exc}); pass --home or set RERATING_HOME") from exc
        with self._lock():
            try:
                con = duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "permission denied" in str(exc).lower():  # not broken: not ours to open
                    raise StoreError(
                        f"cannot open the store {self.path}: permission denied; run as the user who owns "
                        "it, or pass --home (RERATING_HOME) with a directory you can write"
                    ) from exc
                if "lock" in str(exc).lower():  # a program outside rerating holds the database open
                    raise StoreError(
                        f"cannot open the store {self.path} ({str(exc).splitlines()[0]}); close other programs using it"
                    ) from exc
                raise StoreError(
                    f"the store {self.path} is unreadable ({str(exc).splitlines()[0]}); run `rerating cache clear` "
                    "and load again"
                ) from exc
            except duckdb.Error as exc:
                raise StoreError(
                    f"the store {self.path} is unreadable ({str(exc).splitlines()[0]}); run `rerating cache clear` "
                    "and load again"
                ) from exc
            try:
                self._ensure_schema(con)
                yield con
            finally:
                con.close()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Hold the store's file lock; waiters take turns through a second lock (the turnstile).

        filelock has no fairness: a loader that lets the lock go and takes it again at once would
        win every time against a process polling for it. So everyone passes the turnstile
        (``rerating.duckdb.wait``) on the way in and holds it only while waiting for the store's
        lock: a loader coming back for the lock queues behind a reader already waiting.
        """
        from filelock import FileLock, Timeout

        deadline = time.monotonic() + self.lock_timeout
        turnstile = FileLock(str(self.wait_path), timeout=self.lock_timeout, poll_interval=LOCK_POLL_S)
        lock = FileLock(str(self.lock_path), poll_interval=LOCK_POLL_S)
        held = _HELD.setdefault(threading.get_ident(), set())
        if str(self.lock_path) in held:  # this thread holds it already: waiting would never end
            raise StoreError(
                f"the store {self.path} is already open in this thread (inside `with store.writer()`): "
                "use the writer's methods there, or call the store after the block"
            )
        try:
            with turnstile:
                lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        except PermissionError as exc:
            raise StoreError(
                f"cannot lock the store {self.path}: permission denied on {exc.filename}; run as the user who "
                "owns it, or pass --home (RERATING_HOME) with a directory you can write"
            ) from exc
        except Timeout as exc:
            raise StoreError(
                f"the store {self.path} is busy: no turn came within {self.lock_timeout:g}s while other "
                "rerating processes used it (a load lets others in between its symbols, about every second); "
                "retry when they have finished"
            ) from exc
        except OSError as exc:  # after Timeout, itself an OSError: a read-only file system, a full disk
            raise StoreError(
                f"cannot lock the store {self.path}: {exc.strerror or exc} ({exc.filename}); every command "
                "takes the store's lock file beside it, so its directory must be writable: pass --home "
                "(RERATING_HOME) with a directory you can write, or copy the store there"
            ) from exc
        held.add(str(self.lock_path))
        try:
            yield
        finally:
            held.discard(str(self.lock_path))
            lock.release()

    def _ensure_schema(self, con: DuckDBPyConnection) -> None:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "meta" in tables:
            rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
            version = int(rows[0][0]) if rows else None
            if version != SCHEMA_VERSION:
                raise StoreError(
                    f"the store {self.path} has schema version {version}, this rerating uses {SCHEMA_VERSION}; "
                    "run `rerating cache clear` and load again"
                )
            return
        con.execute("BEGIN TRANSACTION")
        for ddl in _DDL:
            con.execute(ddl)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")

    # writing

    def upsert_bars(self, bars: pd.DataFrame | Mapping[str, pd.DataFrame], symbol: str | None = None, source: str = "") -> int:
        """Insert or replace bars in one transaction; return the number of rows written.

        Parameters
        ----------
        bars
            One symbol's bars (index ``date``, columns :data:`BAR_COLUMNS`; pass ``symbol``), a long
            frame with a ``symbol`` and a ``date`` column, or a mapping symbol -> bars.
        symbol
            The symbol of a one-symbol frame without a ``symbol`` column (ignored when the frame
            has one, and for a mapping, whose keys are the symbols).
        source
            Recorded with the rows (``files``, ``yahoo`` ...).

        Returns
        -------
        int
            Rows written (0 for empty input).

        Raises
        ------
        DuplicateDateError
            The same (symbol, date) twice in the input.
        StoreError
            A symbol's ``adj_close`` on the dates it shares with the store is on another base
            (ratio new/stored not 1) while the store keeps rows of it this upsert does not
            replace; nothing is written (:meth:`replace_bars` re-bases them). Also: the store is
            locked or unreadable, bars without a ``date`` or without ``symbol`` (neither column
            nor argument), or an empty ``close``.
        """
        long = _stage_bars(bars, symbol, source)
        if long.empty:
            return 0
        with self._connect() as con:
            _write_bars(con, long)
        return len(long)

    def replace_bars(self, bars: pd.DataFrame, symbol: str, source: str = "") -> BarsReplaced:
        """Replace one symbol's stored rows within the date range of ``bars``, in one transaction.

        What a load does (see :func:`_replace_bars` and docs/DATA.md): stored rows inside
        ``bars``' first..last date that ``bars`` no longer has are deleted; stored rows outside it
        are kept, their ``adj_close`` re-based when the overlap shows the new data on another base.

        Raises
        ------
        StoreError
            The overlap's ``adj_close`` ratio new/stored is not constant (not a re-based history),
            or only one side has ``adj_close``; nothing is written.
        """
        with self._connect() as con:
            return _replace_bars(con, bars, symbol, source)

    @contextlib.contextmanager
    def writer(self) -> Iterator[StoreWriter]:
        """One locked connection for several upserts, each still its own transaction.

        A connection costs ~30 ms (lock, open, schema check); a load of many local files writes
        through one for a while (see :func:`rerating.data.load.load`). Other processes wait for the
        lock until the block exits, so keep it short.
        """
        with self._connect() as con:
            yield StoreWriter(con)

    def upsert_shares(self, table: pd.DataFrame) -> int:
        """Insert or replace shares rows (columns :data:`SHARES_COLUMNS`) per (symbol, as_of, shares)."""
        return self._replace(table, "shares", SHARES_COLUMNS, ("symbol", "as_of", "shares"))

    def upsert_eps(self, table: pd.DataFrame) -> int:
        """Insert or replace EPS rows (columns :data:`EPS_COLUMNS`) per (symbol, period_end,
        report_date): a restated figure (same period, published later) is kept beside the first
        one, so a P/E as of a date before the restatement uses what was known then."""
        return self._replace(table, "eps", EPS_COLUMNS, ("symbol", "period_end", "report_date"))

    def upsert_securities(self, table: pd.DataFrame) -> int:
        """Insert or replace user listings (the security master's columns) per symbol."""
        from rerating.data.securities import COLUMNS

        return self._replace(table, "securities", COLUMNS, ("symbol",))

    def read_securities(self) -> pd.DataFrame:
        """The user listings saved in the store (no rows when none)."""
        from rerating.data.securities import COLUMNS

        if not self.exists:
            return pd.DataFrame(columns=list(COLUMNS))
        with self._connect() as con:
            return con.execute(f"SELECT {', '.join(COLUMNS)} FROM securities ORDER BY symbol").df()

    def _replace(self, table: pd.DataFrame, name: str, columns: Sequence[str], key: Sequence[str]) -> int:
        if table.empty:
            return 0
        staged = table[list(columns)].drop_duplicates(list(key), keep="last")
        # NULL-safe: a row without a report_date is replaced by one without a report_date
        cond = " AND ".join(f"{name}.{k} IS NOT DISTINCT FROM staged.{k}" for k in key)
        with self._connect() as con, _staged_transaction(con, staged):
            con.execute(f"DELETE FROM {name} USING staged WHERE {cond}")
            con.execute(f"INSERT INTO {name} SELECT {', '.join(columns)} FROM staged")
        return len(staged)

    def clear(self) -> None:
        """Delete the store (database, write-ahead log); the next write creates an empty one."""
        if not self.home.is_dir():
            return
        with self._lock():
            for path in (self.path, self.path.with_name(DB_NAME + ".wal")):
                path.unlink(missing_ok=True)

    def drop_symbols(self, symbols: Sequence[str]) -> SymbolsDropped:
        """Delete every row of ``symbols`` in one transaction: their bars, their ``symbols`` summary,
        shares, EPS and saved user listings (``securities``).

        Symbols are spelled as :func:`~rerating.data.securities.normalize_symbol` spells them
        (``nvda`` -> ``NVDA``, ``9988.hk`` -> ``9988.HK``); a symbol is in the store when any of
        those tables has a row of it. All are checked before anything is deleted.

        Raises
        ------
        MissingDataError
            No store at :attr:`path` (none is created), or a symbol is not in it (close stored
            symbols are suggested); nothing is deleted.
        """
        from rerating.data.securities import normalize_symbol

        wanted = [symbols] if isinstance(symbols, str) else list(symbols)  # a str is one symbol, not letters
        names = list(dict.fromkeys(normalize_symbol(s) for s in wanted))
        if not names:
            raise UnknownSymbolError(
                "no symbols given; pass one or more stored symbols such as 'NVDA' or '9988.HK'"
            )
        if not self.exists:
            raise MissingDataError(
                f"no store at {self.path}, so nothing to drop; pass the --home (RERATING_HOME) that holds it"
            )
        tables = ("shares", "eps", "securities")
        with self._connect() as con, _staged_transaction(con, None):
            stored = sorted(
                r[0] for r in con.execute(" UNION ".join(f"SELECT symbol FROM {t}" for t in ("symbols", *tables))).fetchall()
            )
            absent = sorted(set(names) - set(stored), key=names.index)
            if absent:
                held = ", ".join(stored[:10]) + (", ... (Store.coverage() lists them all)" if len(stored) > 10 else "")
                raise MissingDataError(
                    f"cannot drop {', '.join(s + did_you_mean(s, stored) for s in absent)}: not in the store at "
                    f"{self.path}; nothing was deleted; "
                    + (f"it holds {len(stored)} symbol(s): {held}" if stored else "it holds no symbols")
                )
            bars = con.execute(
                "SELECT s.symbol, count(*) FROM bars b JOIN symbols s USING (sid) WHERE list_contains(?, s.symbol) "
                "GROUP BY s.symbol",
                [names],
            ).fetchall()
            counts = {"bars": dict(bars)}
            for t in tables:
                counts[t] = dict(con.execute(
                    f"SELECT symbol, count(*) FROM {t} WHERE list_contains(?, symbol) GROUP BY symbol", [names]
                ).fetchall())
                con.execute(f"DELETE FROM {t} WHERE list_contains(?, symbol)", [names])
            con.execute("DELETE FROM bars WHERE sid IN (SELECT sid FROM symbols WHERE list_contains(?, symbol))", [names])
            con.execute("DELETE FROM symbols WHERE list_contains(?, symbol)", [names])
        return SymbolsDropped(
            self.path, tuple(DroppedSymbol(s, *(int(counts[t].get(s, 0)) for t in ("bars", *tables))) for s in names)
        )

    # reading

    def symbols(self) -> list[str]:
        """Symbols with bars, sorted."""
        if not self.exists:
            return []
        with self._connect() as con:
            return [r[0] for r in con.execute("SELECT symbol FROM symbols ORDER BY symbol").fetchall()]

    def coverage(self) -> pd.DataFrame:
        """symbol, first, last, rows, source, loaded_at."""
        cols = ["symbol", "first", "last", "rows", "source", "loaded_at"]
        if not self.exists:
            return pd.DataFrame(columns=cols)
        with self._connect() as con:
            frame = con.execute(f"SELECT {', '.join(cols)} FROM symbols ORDER BY symbol").df()
        return frame.astype({"first": "datetime64[ns]", "last": "datetime64[ns]"})

    def read_bars(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
        """Bars of one symbol (index ``date``, columns :data:`BAR_COLUMNS`); no rows when absent."""
        from rerating.data.sources import empty_bars

        if not self.exists:
            return empty_bars()
        sql = f"SELECT date, {', '.join(BAR_COLUMNS)} FROM bars WHERE sid = (SELECT sid FROM symbols WHERE symbol = ?)"
        params: list[object] = [symbol]
        if start is not None:
            sql += " AND date >= ?"
            params.append(pd.Timestamp(start).date())
        if end is not None:
            sql += " AND date <= ?"
            params.append(pd.Timestamp(end).date())
        with self._connect() as con:
            frame = con.execute(sql + " ORDER BY date", params).df()
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        return frame.set_index("date").astype("float64")

    def read_bars_many(self, symbols: Sequence[str]) -> dict[str, pd.DataFrame]:
        """Bars of many symbols in one query (``{symbol: bars}`` as :meth:`read_bars`; symbols
        without rows are left out). One connection for all: opening one costs ~30 ms, so a whole
        market read symbol by symbol would spend most of its time connecting. Rows come back as
        numbers (``sid``, not the symbol text) and are cut into symbols by their runs of ``sid``."""
        if not self.exists or not symbols:
            return {}
        sql = (
            f"SELECT sid, (date - DATE '1970-01-01')::INTEGER AS day, {', '.join(BAR_COLUMNS)} "
            "FROM bars WHERE sid IN (SELECT sid FROM symbols WHERE list_contains(?, symbol)) "
            "ORDER BY sid, date"
        )
        with self._connect() as con:
            # Arrow: 2-3x faster than fetchnumpy's masked arrays for a whole market's rows
            table = con.sql(sql, params=[list(symbols)]).to_arrow_table()
            name_of = dict(con.execute("SELECT sid, symbol FROM symbols").fetchall())
        if table.num_rows == 0:
            return {}
        sid = table.column("sid").to_numpy()
        dates = table.column("day").to_numpy().astype("datetime64[D]").astype("datetime64[ns]")
        # one (rows x columns) block; NULLs (no open, no volume ...) become NaN, as read_bars
        # gives them
        block = np.empty((sid.size, len(BAR_COLUMNS)))
        for k, c in enumerate(BAR_COLUMNS):
            block[:, k] = table.column(c).to_numpy()
        starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
        ends = np.r_[starts[1:], sid.size]
        columns = pd.Index(BAR_COLUMNS)
        out = {}
        for a, b in zip(starts, ends, strict=True):
            index = pd.DatetimeIndex(dates[a:b], name="date")
            # a frame over the block's rows (one float block, no copy): a frame of columns costs
            # ~0.4 ms a listing to build and consolidate, half a whole-market read
            out[str(name_of[int(sid[a])])] = pd.DataFrame(
                block[a:b], index=index, columns=columns, copy=False
            )
        return out

    def read_panel(
        self,
        symbols: Sequence[str] | None = None,
        start: DateLike | None = None,
        end: DateLike | None = None,
        field: str = "close",
    ) -> pd.DataFrame:
        """One aligned wide panel (date x symbol) of ``field``; NaN where a symbol has no row.

        DuckDB streams (sid, date, value) to Arrow, all numbers; numpy scatters the values into a
        symbol-major array by integer codes (sids through a small lookup array, dates through a
        calendar-day table), so no string handling, sort, join or pandas pivot is needed.
        """
        if field not in BAR_COLUMNS:
            raise ValueError(f"field={field!r}; choose one of {list(BAR_COLUMNS)}")
        if not self.exists:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        where, params = ["TRUE"], []
        if symbols is not None:
            where.append("sid IN (SELECT sid FROM symbols WHERE list_contains(?, symbol))")
            params.append(list(symbols))
        if start is not None:
            where.append("date >= ?")
            params.append(pd.Timestamp(start).date())
        if end is not None:
            where.append("date <= ?")
            params.append(pd.Timestamp(end).date())
        with self._connect() as con:
            table = con.sql(
                f"SELECT sid, (date - DATE '1970-01-01')::INTEGER AS day, {field} AS v FROM bars WHERE {' AND '.join(where)}",
                params=params,
            ).to_arrow_table()
            lookup = con.execute("SELECT sid, symbol FROM symbols").fetchnumpy()
        if table.num_rows == 0:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        sid = table.column("sid").combine_chunks().to_numpy()
        # columns in symbol order: sid -> column position through a small lookup array
        present = np.zeros(int(lookup["sid"].max()) + 1, dtype=bool)
        present[sid] = True
        names = np.asarray(lookup["symbol"], dtype=object)
        keep = present[lookup["sid"]]
        order = np.argsort(names[keep])
        col_of = np.full(len(present), -1, dtype=np.int64)
        col_of[np.asarray(lookup["sid"])[keep][order]] = np.arange(int(keep.sum()))
        col = col_of[sid]
        days = table.column("day").combine_chunks().to_numpy().copy()  # days since 1970-01-01
        lo, hi = int(days.min()), int(days.max())
        np.subtract(days, lo, out=days)  # in place: tens of millions of rows
        used = np.zeros(hi - lo + 1, dtype=bool)
        used[days] = True
        row = (np.cumsum(used, dtype=np.int32) - 1)[days]
        values = table.column("v").combine_chunks().to_numpy(zero_copy_only=False).astype("float64", copy=False)
        # symbol-major: each symbol's rows land in one contiguous run (cache-friendly), then a view
        panel = np.full((int(keep.sum()), int(used.sum())), np.nan)
        panel[col, row] = values
        index = pd.DatetimeIndex((np.flatnonzero(used) + lo).astype("datetime64[D]").astype("datetime64[ns]"), name="date")
        frame = pd.DataFrame(panel.T, index=index, columns=[str(n) for n in names[keep][order]], copy=False)
        if symbols is not None:
            frame = frame.reindex(columns=[s for s in symbols if s in frame.columns])
        return frame

    def read_shares(self) -> pd.DataFrame:
        """Every shares row."""
        return self._read_table("shares", SHARES_COLUMNS, ("as_of",))

    def read_eps(self) -> pd.DataFrame:
        """Every EPS row."""
        return self._read_table("eps", EPS_COLUMNS, ("period_end", "report_date"))

    def _read_table(self, name: str, columns: Sequence[str], dates: Sequence[str]) -> pd.DataFrame:
        if not self.exists:
            return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in dates else "object") for c in columns})
        with self._connect() as con:
            frame = con.execute(f"SELECT {', '.join(columns)} FROM {name}").df()
        return frame.astype({c: "datetime64[ns]" for c in dates})

    def info(self) -> StoreInfo:
        """Path, size, schema version, symbol and row counts, date range."""
        if not self.exists:
            return StoreInfo(self.path, False, 0, None, 0, 0, None, None)
        with self._connect() as con:
            version = int(con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0])
            n, rows, first, last = con.execute("SELECT count(*), coalesce(sum(rows), 0), min(first), max(last) FROM symbols").fetchall()[0]
        size = self.path.stat().st_size + (wal.stat().st_size if (wal := self.path.with_name(DB_NAME + ".wal")).exists() else 0)
        return StoreInfo(
            self.path, True, size, version, int(n), int(rows),
            pd.Timestamp(first) if first is not None else None, pd.Timestamp(last) if last is not None else None,
        )


class StoreWriter:
    """Upserts through one open connection (:meth:`Store.writer`)."""

    def __init__(self, con: DuckDBPyConnection) -> None:
        self._con = con

    def upsert_bars(self, bars: pd.DataFrame | Mapping[str, pd.DataFrame], symbol: str | None = None, source: str = "") -> int:
        """As :meth:`Store.upsert_bars`, in one transaction on this connection."""
        long = _stage_bars(bars, symbol, source)
        if not long.empty:
            _write_bars(self._con, long)
        return len(long)

    def replace_bars(self, bars: pd.DataFrame, symbol: str, source: str = "") -> BarsReplaced:
        """As :meth:`Store.replace_bars`, in one transaction on this connection."""
        return _replace_bars(self._con, bars, symbol, source)


def _stage_bars(bars: pd.DataFrame | Mapping[str, pd.DataFrame], symbol: str | None, source: str) -> pd.DataFrame:
    """Long rows to write (symbol, date, bar columns, source, loaded_at); duplicates refused."""
    long = _to_long(bars, symbol)
    if long.empty:
        return long
    dup = long.duplicated(["symbol", "date"])
    if dup.any():
        first = long[dup].iloc[0]
        raise DuplicateDateError(f"bars to store repeat ({first['symbol']}, {first['date'].date()}); one row per symbol and date")
    long["source"] = source
    long["loaded_at"] = pd.Timestamp.now("UTC").tz_localize(None).as_unit("us")
    return long


def _write_bars(con: DuckDBPyConnection, long: pd.DataFrame) -> None:
    """Upsert staged rows in one transaction (rolled back on any error)."""
    import pyarrow as pa

    names = sorted(long["symbol"].unique())
    with _staged_transaction(con, None):
        ids = dict(con.execute("SELECT symbol, sid FROM symbols WHERE list_contains(?, symbol)", [names]).fetchall())
        known = len(ids)
        nxt = con.execute("SELECT coalesce(max(sid), -1) + 1 FROM symbols").fetchall()[0][0]
        for name in names:  # new symbols get the next free ids (we hold the lock)
            if name not in ids:
                ids[name] = nxt
                nxt += 1
        long.insert(0, "sid", long["symbol"].map(ids).astype("int32"))
        # DuckDB scans an Arrow table much faster than a pandas frame with string columns
        con.register("staged", pa.Table.from_pandas(long, preserve_index=False))
        if known:  # replace the (symbol, date) pairs we bring; new symbols need no delete
            _refuse_second_base(con)
            con.execute("DELETE FROM bars USING staged WHERE bars.sid = staged.sid AND bars.date = staged.date")
        con.execute(
            "INSERT INTO bars SELECT sid, date, open, high, low, close, adj_close, volume, source, loaded_at FROM staged"
        )
        con.execute("DELETE FROM symbols WHERE sid IN (SELECT DISTINCT sid FROM staged)")
        # the summary comes from the staged rows when all symbols are new, else from bars
        origin = "bars WHERE sid IN (SELECT DISTINCT sid FROM staged)" if known else "staged"
        con.execute(
            "INSERT INTO symbols SELECT t.sid, n.symbol, t.first, t.last, t.rows, t.source, t.loaded_at FROM "
            "(SELECT sid, min(date) AS first, max(date) AS last, count(*) AS rows, "
            f"arg_max(source, loaded_at) AS source, max(loaded_at) AS loaded_at FROM {origin} GROUP BY sid) t "
            "JOIN (SELECT DISTINCT sid, symbol FROM staged) n USING (sid)"
        )


# relative spread of new/stored adj_close over the shared dates beyond which an upsert would leave
# two bases in one series (prices are stored to ~1e-10 relative; a dividend re-base moves ~1e-3)
_UPSERT_BASE_TOLERANCE = 1e-8


def _refuse_second_base(con: DuckDBPyConnection) -> None:
    """:class:`StoreError` when an upsert's ``adj_close`` (table ``staged``) is on another base than
    the stored rows it keeps: its shared dates' ratio new/stored is not 1 while the symbol has
    stored rows the upsert does not replace (their returns across the seam would be wrong)."""
    rows = con.execute(
        "SELECT st.symbol, min(st.adj_close / b.adj_close), max(st.adj_close / b.adj_close), "
        "count(*), min(st.date), max(st.date) "
        "FROM bars b JOIN staged st ON b.sid = st.sid AND b.date = st.date "
        "WHERE b.adj_close > 0 AND st.adj_close IS NOT NULL GROUP BY st.symbol "
        f"HAVING max(abs(st.adj_close / b.adj_close - 1)) > {_UPSERT_BASE_TOLERANCE} "
        "AND EXISTS (SELECT 1 FROM bars k WHERE k.sid = any_value(st.sid) AND k.date NOT IN "
        "(SELECT date FROM staged s2 WHERE s2.sid = any_value(st.sid)))"
    ).fetchall()
    if rows:
        sym, lo, hi, n, first, last = rows[0]
        raise StoreError(
            f"cannot upsert {sym}: on the {n} date(s) it shares with the store ({first}..{last}) its "
            f"adj_close is {lo:.6g}..{hi:.6g} x the stored one, and the store keeps rows of {sym} "
            "this upsert does not replace, which would then be on another base; nothing was "
            "written. Use Store.replace_bars (what `rerating load` does: it re-bases the kept rows "
            f"or refuses), bring every stored date, or `rerating cache drop {sym}` first"
        )


def _replace_bars(con: DuckDBPyConnection, bars: pd.DataFrame, symbol: str, source: str) -> BarsReplaced:
    """One symbol's load in one transaction (rolled back on any error, so nothing half-done stays).

    1. Stored rows dated within the new data's first..last date are replaced by the new rows;
       those the new data no longer has (a suspension the old file hid) are deleted and counted.
    2. Stored rows outside that range are kept. Where the new data and the store share dates, the
       ratio new/stored of ``adj_close`` on them must be 1 (one base) or one constant (a download
       after a dividend re-bases all history): then the kept rows' ``adj_close`` is multiplied by
       it, so returns across the seam are right. A ratio that varies, or ``adj_close`` on one side
       only, is refused (:class:`StoreError`). With no shared date no check is possible (noted).

    An unchanged listing (a re-load of the same file) is settled by one comparison in DuckDB: when
    the stored rows within the range are exactly the new ones (same dates, every value and the
    source equal, NULL to NULL) and the kept rows need no re-basing, nothing is written: no
    delete, insert or ``symbols`` rewrite, so the store neither changes nor grows and the rows
    keep their ``loaded_at``. Any difference takes the full path above.
    """
    long = _to_long(bars, symbol)
    if long.empty:
        return BarsReplaced(symbol, 0)
    if long["date"].duplicated().any():  # as _stage_bars, for one symbol
        day = long.loc[long["date"].duplicated(), "date"].iloc[0]
        raise DuplicateDateError(f"bars to store repeat ({symbol}, {day.date()}); one row per symbol and date")
    lo, hi = long["date"].min().date(), long["date"].max().date()
    notes: list[str] = []
    deleted = kept = 0
    rebase: tuple[float, str] | None = None
    with _staged_transaction(con, None):
        found = con.execute("SELECT sid FROM symbols WHERE symbol = ?", [symbol]).fetchall()
        sid = found[0][0] if found else con.execute("SELECT coalesce(max(sid), -1) + 1 FROM symbols").fetchall()[0][0]
        con.register("staged", _arrow_staged(long, sid, source))
        same = _unchanged(con, sid, (lo, hi), len(long)) if found else None
        if same is not None:
            # the same rows in range: new/stored is exactly 1 on every shared date, so this only
            # refuses adj_close on one side (as the full path would) or returns None
            if not same[0] or _check_base(con, symbol, (lo, hi), same, long, notes) is None:
                return BarsReplaced(symbol, len(long), 0, same[0], None, tuple(notes), unchanged=True)
        if found:
            gone = [
                r[0] for r in con.execute(
                    "SELECT date FROM bars b WHERE sid = ? AND date BETWEEN ? AND ? "
                    "AND NOT EXISTS (SELECT 1 FROM staged s WHERE s.date = b.date) ORDER BY date",
                    [sid, lo, hi],
                ).fetchall()
            ]
            deleted = len(gone)
            if deleted:
                shown = ", ".join(str(d) for d in gone[:5]) + (", ..." if deleted > 5 else "")
                notes.append(f"{deleted} stored row(s) in {lo}..{hi} are not in the new data and were deleted ({shown})")
            kept, kept_first, kept_last, kept_adj = _kept_rows(con, sid, (lo, hi))
            if kept:
                rebase = _check_base(con, symbol, (lo, hi), (kept, kept_first, kept_last, kept_adj), long, notes)
            con.execute("DELETE FROM bars WHERE sid = ? AND date BETWEEN ? AND ?", [sid, lo, hi])
            if rebase is not None and rebase[1] == "adj_close":
                con.execute("UPDATE bars SET adj_close = adj_close * ? WHERE sid = ?", [rebase[0], sid])
            elif rebase is not None:  # a close-only series: its prices, all on the new base
                con.execute(
                    "UPDATE bars SET open = open * ?, high = high * ?, low = low * ?, close = close * ? "
                    "WHERE sid = ?",
                    [*[rebase[0]] * 4, sid],
                )
            con.execute("DELETE FROM symbols WHERE sid = ?", [sid])
        con.execute(
            "INSERT INTO bars SELECT sid, date, open, high, low, close, adj_close, volume, source, loaded_at FROM staged"
        )
        con.execute(
            "INSERT INTO symbols SELECT ?, ?, min(date), max(date), count(*), arg_max(source, loaded_at), "
            "max(loaded_at) FROM bars WHERE sid = ?",
            [sid, symbol, sid],
        )
    factor = None if rebase is None else rebase[0]
    return BarsReplaced(symbol, len(long), deleted, int(kept), factor, tuple(notes))


def _kept_rows(
    con: DuckDBPyConnection, sid: int, span: tuple[datetime.date, datetime.date]
) -> tuple[int, datetime.date, datetime.date, int]:
    """Stored rows of ``sid`` outside ``span``: their count, first and last date, and how many
    have an ``adj_close``."""
    row = con.execute(
        "SELECT count(*), min(date), max(date), count(adj_close) FROM bars WHERE sid = ? AND (date < ? OR date > ?)",
        [sid, *span],
    ).fetchall()[0]
    return int(row[0]), row[1], row[2], int(row[3])


def _unchanged(
    con: DuckDBPyConnection, sid: int, span: tuple[datetime.date, datetime.date], n: int
) -> tuple[int, datetime.date, datetime.date, int] | None:
    """Whether the stored rows of ``sid`` within ``span`` are exactly the ``n`` staged ones: as many
    rows, and each staged row has a stored row of its date equal in every bar column and the
    source (``IS NOT DISTINCT FROM``: an empty value equals only an empty value).

    Returns
    -------
    tuple or None
        ``None`` when they differ; else the stored rows outside ``span`` as :func:`_kept_rows`
        gives them (count, first and last date, how many have an ``adj_close``).
    """
    same = " AND ".join(f"b.{c} IS NOT DISTINCT FROM s.{c}" for c in (*BAR_COLUMNS, "source"))
    # plain queries, each ~1 ms: one query doing their work through subqueries or FILTER
    # clauses plans slower
    matched = con.execute(
        f"SELECT count(*) FROM staged s JOIN bars b ON b.date = s.date WHERE b.sid = ? AND {same}", [sid]
    ).fetchall()[0][0]
    if matched != n:
        return None
    stored = con.execute("SELECT count(*) FROM bars WHERE sid = ? AND date BETWEEN ? AND ?", [sid, *span]).fetchall()[0][0]
    return _kept_rows(con, sid, span) if stored == n else None


def _arrow_staged(long: pd.DataFrame, sid: int, source: str) -> pa.Table:
    """One symbol's rows as the Arrow table ``staged`` (sid, date, bar columns, source, loaded_at).

    Built from the columns' arrays: ``pyarrow.Table.from_pandas`` of the long frame, with its
    symbol and source repeated on every row, cost ~7 ms a listing, a third of a whole market's
    load (2,000 listings x 10 years: 47 s). Empty values (NaN) become nulls, as there.
    """
    import pyarrow as pa

    n = len(long)
    loaded_at = pd.Timestamp.now("UTC").tz_localize(None).as_unit("us").to_datetime64()
    columns: dict[str, pa.Array] = {
        "sid": pa.array(np.full(n, sid, dtype="int32")),
        "date": pa.array(long["date"].to_numpy(dtype="datetime64[ns]")),
    }
    for col in BAR_COLUMNS:
        columns[col] = pa.array(long[col].to_numpy(dtype="float64"), from_pandas=True)
    columns["source"] = pa.array([source] * n, type=pa.string())
    columns["loaded_at"] = pa.array(np.full(n, loaded_at))
    return pa.table(columns)


def _check_base(
    con: DuckDBPyConnection,
    symbol: str,
    span: tuple[datetime.date, datetime.date],
    kept: tuple[int, datetime.date, datetime.date, int],
    long: pd.DataFrame,
    notes: list[str],
) -> tuple[float, str] | None:
    """The factor, and the column (``adj_close``, or ``close`` for a series without one), that put
    the kept rows on the new data's base (``None``: same base, or nothing to check);
    :class:`StoreError` when none does (see :func:`_replace_bars`)."""
    (lo, hi), (n_kept, first, last, n_adj) = span, kept
    outside = f"the {n_kept} stored row(s) outside {lo}..{hi} ({first}..{last})"
    remedy = (
        f"load the whole history again (bars covering {min(first, lo)}..{max(last, hi)}: a load replaces every "
        f"stored row in its range), or run `rerating cache drop {symbol}` and load it again"
    )
    new_adj = bool(long["adj_close"].notna().any())
    if new_adj != (n_adj > 0):
        have, lack = ("the new data", outside) if new_adj else (outside, "the new data")
        raise StoreError(
            f"cannot store {symbol}: {have} have adj_close but {lack} have none, together a half-adjusted "
            f"series; nothing was written; {remedy}"
        )
    # returns come from adj_close, or from close when a series has none: check that column
    column = "adj_close" if new_adj else "close"
    shared = con.execute(
        f"SELECT s.date::DATE, b.{column}, s.{column} FROM staged s JOIN bars b ON b.sid = s.sid AND b.date = s.date "
        f"WHERE b.{column} IS NOT NULL AND s.{column} IS NOT NULL ORDER BY s.date"
    ).fetchall()
    if not shared:
        notes.append(f"{column} base not checked: {outside} share no date with the new data")
        return None
    dates = [r[0] for r in shared]
    old = np.array([r[1] for r in shared], dtype="float64")
    new = np.array([r[2] for r in shared], dtype="float64")
    ratio = new / old
    # each row's rounding (values written to a few decimals) besides BASE_RTOL; the base itself is
    # judged by the median ratio, which a cheap row's coarse rounding does not decide
    rounding = _half_ulp(new) / new + _half_ulp(old) / old
    row_tol = BASE_RTOL + 2 * rounding
    factor = float(np.median(ratio))
    if abs(factor - 1) <= BASE_RTOL + float(np.median(rounding)) and np.all(np.abs(ratio - 1) <= row_tol):
        return None
    consistent = bool(np.all(np.abs(ratio / factor - 1) <= row_tol))
    if consistent and len(dates) >= MIN_REBASE_DATES:
        why = "a history re-based after a dividend" if new_adj else "prices adjusted for a split since"
        notes.append(
            f"{column} of {outside} re-based by {factor:.8g}: the new data's {column} is the stored one x "
            f"{factor:.8g} on all {len(dates)} shared dates ({dates[0]}..{dates[-1]}), {why}"
        )
        return factor, column
    i, j = int(np.argmin(ratio)), int(np.argmax(ratio))
    what = (
        f"new/stored is {factor:.6g} on only {len(dates)} shared date(s) ({dates[0]}..{dates[-1]}), too few to "
        f"tell a re-based history from a bad print (at least {MIN_REBASE_DATES})"
        if consistent
        else f"new/stored varies from {ratio[i]:.6g} ({dates[i]}) to {ratio[j]:.6g} ({dates[j]}) over the "
        f"{len(dates)} shared dates {dates[0]}..{dates[-1]}"
    )
    raise StoreError(
        f"cannot store {symbol}: its new {column} is not the stored one re-based: {what}, so {outside} cannot be "
        f"put on the new base; nothing was written; {remedy}"
    )


def _half_ulp(values: np.ndarray) -> float:
    """Half a unit in the last decimal place the values were written with (0 past 8 places)."""
    for places in range(9):
        scaled = values * 10.0**places
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-3):
            return 0.5 * 10.0**-places
    return 0.0


@contextlib.contextmanager
def _staged_transaction(con: DuckDBPyConnection, staged: object | None) -> Iterator[None]:
    """One transaction around the block: committed when it ends, rolled back on any error; the
    ``staged`` view (registered here when given, else by the block) is dropped either way."""
    if staged is not None:
        con.register("staged", staged)
    try:
        con.execute("BEGIN TRANSACTION")
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise
    finally:
        with contextlib.suppress(Exception):  # absent when the failure came before it
            con.unregister("staged")


def _to_long(bars: pd.DataFrame | Mapping[str, pd.DataFrame], symbol: str | None) -> pd.DataFrame:
    """Bars in any accepted shape -> long frame symbol, date, BAR_COLUMNS (float64)."""
    if isinstance(bars, Mapping):
        parts = [_to_long(frame, sym) for sym, frame in bars.items()]
        return pd.concat(parts, ignore_index=True) if parts else _to_long(pd.DataFrame(columns=["symbol", "date"]), None)
    frame = bars
    if "date" not in frame.columns:
        frame = frame.reset_index()
        if "date" not in frame.columns:
            raise StoreError("bars need a 'date' index or column")
    if "symbol" not in frame.columns:
        if symbol is None:
            raise StoreError("bars without a 'symbol' column need symbol=")
        frame = frame.assign(symbol=symbol)
    columns: dict[str, Any] = {
        "symbol": frame["symbol"].astype(str),
        "date": pd.to_datetime(frame["date"]).astype("datetime64[ns]"),
    }
    for col in BAR_COLUMNS:  # one frame built at once: a column set at a time cost ~3 ms a listing
        columns[col] = frame[col].astype("float64") if col in frame.columns else np.nan
    out = pd.DataFrame(columns)
    if out["close"].isna().any():
        raise StoreError("bars to store have an empty close; validate them with the files source first")
    return out
