"""The ``Market`` facade: prices, returns, FX, shares and market caps that every higher layer reads.

Usage::

    from rerating.data.market import Market
    m = Market.from_sample()                      # bundled DeepSeek-episode data, offline, in memory
    m = Market.open(home="~/.cache/rerating")     # or the DuckDB store filled by `rerating load`
    m.bars("9988.HK", "2025-01-20", "2025-02-14")           # index date; open high low close adj_close volume
    m.closes(["BABA", "9988.HK"], "2025-01-20", "2025-02-14")  # wide, NaN where a listing had no session
    r = m.returns(["BABA", "NVDA"], "2025-01-02", "2025-02-28", gap_policy="drop")
    r.frame, r.wide(), r.dropped                  # long (symbol, date, ret, span), wide, what was dropped
    m.fx_rate("USD", "HKD", "2025-01-27")         # HKD per 1 USD, as of that date (last value on or before)
    m.market_cap("9988.HK", "2025-01-27", currency="USD").value
    m.quality(["9988.HK", "USDCNY"])              # flagged sample issues (half-day placeholders, ...)

Policies (docs/DATA.md has the details): returns never silently span a missing session
(``gap_policy`` ``raise`` | ``drop`` | ``multi_day``, every drop in ``.dropped``); FX and shares are
looked up as of a date (last value on or before it, at most :data:`MAX_FX_STALENESS` old for FX);
known data issues are kept as published but flagged by :meth:`Market.quality` and named in a
market cap's ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from rerating._typing import DateLike, GapPolicy, PathLike, ReturnKind
from rerating.data import calendars
from rerating.data.securities import Security, SecurityMaster, load_securities
from rerating.data.sources import EPS_COLUMNS
from rerating.errors import (
    DateRangeError,
    GapError,
    MissingDataError,
    MissingFXError,
    MissingSharesError,
    NonSessionDateError,
    UnknownSymbolError,
)

if TYPE_CHECKING:
    from rerating.data.store import Store

MAX_FX_STALENESS = pd.Timedelta(
    days=7
)  # an FX value older than this is not "as of" a date any more
MAX_CLOSE_STALENESS = pd.Timedelta(days=10)  # the close used for a market cap on a non-session date
GAP_POLICIES: tuple[str, ...] = ("raise", "drop", "multi_day")
RETURN_KINDS: tuple[str, ...] = ("simple", "log")
LEDGER_COLUMNS: list[str] = ["symbol", "date", "reason"]
QUALITY_COLUMNS: list[str] = ["symbol", "date", "issue", "detail", "policy"]


CURRENCY_ALIASES: dict[str, str] = {"RMB": "CNY"}  # everyday names of ISO codes (renminbi)


def currency_code(text: str) -> str:
    """The ISO code of a currency as a user writes it: stripped, upper case, ``RMB`` -> ``CNY``
    (``"local"`` stays ``"LOCAL"``)."""
    code = str(text).strip().upper()
    return CURRENCY_ALIASES.get(code, code)


def _sample_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("rerating.data").joinpath("sample")))


def _date(value: DateLike, what: str) -> pd.Timestamp:
    """A day (midnight, naive, ns) from a date-like value; bad input -> DateRangeError."""
    return calendars.to_day(value, what).as_unit("ns")


def _symbol_list(symbols: str | Iterable[str]) -> list[str]:
    items = [symbols] if isinstance(symbols, str) else list(symbols)
    if not items:
        raise UnknownSymbolError(
            "no symbols given; pass one or more tickers such as 'BABA', '9988.HK'"
        )
    return items


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnsResult:
    """Daily returns under an explicit gap policy.

    Attributes
    ----------
    frame
        Long table ``symbol, date, ret, span``: one row per session of each listing's calendar
        in the window (``multi_day``: per session with a bar); ``span`` is the number of sessions
        a return covers (1 unless ``multi_day`` folded a gap in); ``ret`` is NaN only where
        ``drop`` dropped it.
    dropped
        Ledger ``symbol, date, reason`` of every session whose return was not a plain one-day return.

    Both are copies: editing them leaves the result as it was. :meth:`summary` is text;
    :meth:`summary_frame` is its per-symbol table.
    """

    _frame: pd.DataFrame
    _dropped: pd.DataFrame
    kind: str
    gap_policy: str
    adjusted: bool

    @property
    def frame(self) -> pd.DataFrame:
        """The long table ``symbol, date, ret, span`` (a copy)."""
        # shallow: under copy-on-write an edit to it never reaches ours, and it can be large
        return self._frame.copy(deep=False)

    @property
    def dropped(self) -> pd.DataFrame:
        """The ledger ``symbol, date, reason`` (a copy)."""
        return self._dropped.copy()

    def wide(self) -> pd.DataFrame:
        """Date x symbol returns; NaN where a date is not a session of that listing (or was dropped)."""
        order = list(dict.fromkeys(self._frame["symbol"]))
        wide = self._frame.pivot(index="date", columns="symbol", values="ret")
        return wide.reindex(columns=order).rename_axis(columns=None)

    def to_frame(self) -> pd.DataFrame:
        """The long table (a copy)."""
        return self._frame.copy()

    def summary_frame(self) -> pd.DataFrame:
        """The table of :meth:`summary`: one row per symbol.

        Returns
        -------
        pd.DataFrame
            ``symbol, sessions, first, last, mean, std, dropped`` (rows of the ledger), in the
            order the symbols were asked for.
        """
        g = self._frame.groupby("symbol", sort=False)
        out = pd.DataFrame(
            {
                "sessions": g["date"].size(),
                "first": g["date"].min(),
                "last": g["date"].max(),
                "mean": g["ret"].mean(),
                "std": g["ret"].std(),
            }
        )
        counts = (
            self._dropped.groupby("symbol").size()
            if len(self._dropped)
            else pd.Series(dtype="int64")
        )
        out["dropped"] = counts.reindex(out.index).fillna(0).astype("int64")
        return out.reset_index()

    def summary(self) -> str:
        """Text: the kind of returns, the gap policy and counts, then a line per symbol.

        The table is :meth:`summary_frame` (sessions, first, last, mean, std, dropped).
        """
        closes = "adj_close" if self.adjusted else "close"
        head = (
            f"ReturnsResult({self.kind} returns of {closes}, gap_policy={self.gap_policy!r}): "
            f"{len(self._frame)} rows, {len(self._dropped)} dropped"
        )
        return f"{head}\n{self.summary_frame().to_string(index=False)}"

    def __repr__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class SharesFigure:
    """Shares outstanding of a listing, in units of that listing (ADS for BABA), as of a date."""

    symbol: str
    as_of: pd.Timestamp
    shares: float  # units of this listing
    ordinary_shares: float  # the company's ordinary shares the figure stands for
    shares_per_unit: float
    unit_note: str
    source: str
    note: str = ""
    row_symbol: str = ""  # the listing whose shares.csv row gave the figure (0700.HK for TCEHY)

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([asdict(self)])

    def summary(self) -> str:
        """One line: shares in listing units, as-of date, ordinary shares, then ``note``."""
        units = "ADS" if self.shares_per_unit != 1 else "shares"
        text = f"{self.symbol}: {self.shares:,.0f} {units} as of {self.as_of.date()}"
        if self.shares_per_unit != 1:
            text += (
                f" ({self.ordinary_shares:,.0f} ordinary shares, {self.shares_per_unit:g} per unit)"
            )
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class MarketCap:
    """A listing's market capitalisation on a date, with everything used to compute it."""

    symbol: str
    date: pd.Timestamp  # the session whose close was used
    value: float
    currency: str
    close: float
    close_currency: str
    shares: SharesFigure
    fx_rate: float  # units of ``currency`` per unit of ``close_currency``
    fx_pair: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """One row: symbol, date, close, close_currency, shares, shares_as_of, fx_pair, fx_rate, value, currency, notes."""
        return pd.DataFrame(
            [
                {
                    "symbol": self.symbol,
                    "date": self.date,
                    "close": self.close,
                    "close_currency": self.close_currency,
                    "shares": self.shares.shares,
                    "shares_as_of": self.shares.as_of,
                    "fx_pair": self.fx_pair,
                    "fx_rate": self.fx_rate,
                    "value": self.value,
                    "currency": self.currency,
                    "notes": "; ".join(self.notes),
                }
            ]
        )

    def summary(self) -> str:
        """One line: the value in billions, the close, shares and FX rate used, then the notes."""
        text = (
            f"{self.symbol}: market cap {self.value / 1e9:,.1f}bn {self.currency} on "
            f"{self.date.date()} (close {self.close:,.4g} {self.close_currency} x "
            f"{self.shares.shares:,.0f} shares as of {self.shares.as_of.date()}"
        )
        if self.close_currency != self.currency:
            text += f" x {self.fx_pair} {self.fx_rate:.6g}"
        text += ")"
        return "; ".join([text, *self.notes])


# --- back ends ------------------------------------------------------------------------------------


class _Backend(Protocol):
    origin: str

    def bars(self, symbol: str) -> pd.DataFrame | None: ...  # None: no data for this symbol

    def prefetch(
        self, symbols: Sequence[str]
    ) -> None: ...  # read many at once where that is cheaper

    def symbols(self) -> list[str]: ...

    def shares_table(self) -> pd.DataFrame: ...

    def eps_table(self) -> pd.DataFrame: ...

    def clear(self) -> None: ...  # forget the bars read so far


class _FilesBackend:
    """A folder read lazily, each file once, kept in memory."""

    def __init__(self, directory: Path, securities: SecurityMaster) -> None:
        from rerating.data.sources.files import FilesSource

        self.directory = directory
        self.source = FilesSource(directory, securities)
        self.origin = f"files in {directory}"
        self._bars: dict[str, pd.DataFrame] = {}
        self._shares: pd.DataFrame | None = None
        self._eps: pd.DataFrame | None = None
        self._listings: list[str] | None = None

    def bars(self, symbol: str) -> pd.DataFrame | None:
        if symbol not in self._bars:
            if symbol not in self.source.symbols():
                return None
            self._bars[symbol] = self.source.bars(symbol)
        return self._bars[symbol]

    def prefetch(self, symbols: Sequence[str]) -> None:
        """Nothing to batch: each file is read on first use."""

    def clear(self) -> None:
        self._bars.clear()
        self._listings = None

    def symbols(self) -> list[str]:
        # the folder's listings: a table of many symbols kept beside them (securities.csv) is
        # not a series of bars (each file's header is read once)
        if self._listings is None:
            self._listings = list(self.source.listings())
        return self._listings

    def shares_table(self) -> pd.DataFrame:
        if self._shares is None:
            self._shares = self.source.all_shares()
        return self._shares

    def eps_table(self) -> pd.DataFrame:
        if self._eps is None:
            self._eps = self.source.all_eps()
        return self._eps


class _StoreBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.origin = f"the store at {store.path}"
        self._bars: dict[str, pd.DataFrame | None] = {}
        self._shares: pd.DataFrame | None = None
        self._eps: pd.DataFrame | None = None
        self._symbols: list[str] | None = None

    def bars(self, symbol: str) -> pd.DataFrame | None:
        if symbol not in self._bars:
            frame = self.store.read_bars(symbol)
            self._bars[symbol] = None if frame.empty else frame
        return self._bars[symbol]

    def prefetch(self, symbols: Sequence[str]) -> None:
        """Read the symbols not cached yet in one query (None for those without bars)."""
        todo = [s for s in dict.fromkeys(symbols) if s not in self._bars]
        if len(todo) > 1:
            found = self.store.read_bars_many(todo)
            for sym in todo:
                self._bars[sym] = found.get(sym)

    def clear(self) -> None:
        self._bars.clear()

    def symbols(self) -> list[str]:
        if self._symbols is None:
            self._symbols = self.store.symbols()
        return self._symbols

    def shares_table(self) -> pd.DataFrame:
        if self._shares is None:  # read once per Market: each read is a locked connection
            self._shares = self.store.read_shares()
        return self._shares

    def eps_table(self) -> pd.DataFrame:
        if self._eps is None:
            self._eps = self.store.read_eps()
        return self._eps


# --- the facade ------------------------------------------------------------------------------------


class Market:
    """Read-only access to bars, returns, FX, shares and market caps (see the module docstring).

    Build it with :meth:`from_sample`, :meth:`from_files` or :meth:`open`.
    """

    def __init__(self, backend: _Backend, securities: SecurityMaster) -> None:
        self._backend = backend
        self.securities = securities

    def __repr__(self) -> str:
        return f"Market({self._backend.origin}, {len(self.securities)} listings)"

    @property
    def origin(self) -> str:
        """Where the bars come from, in words ("files in DIR", "the store at PATH")."""
        return self._backend.origin

    def _clear_cache(self) -> None:
        """Forget the bars read so far; the next read fetches them again.

        A market keeps every listing's bars it has read (one query for a whole market, then each
        return, close or market cap comes from memory). Once the returns of a study are taken, a
        whole market's bars are only memory: 2,000 listings x 10 years hold ~0.3 GB, which
        ``rerating study`` gives back before its fit (for the commands: not a public method).

        Returns
        -------
        None
        """
        self._backend.clear()

    @property
    def is_sample(self) -> bool:
        """True when this market reads the bundled sample folder."""
        return isinstance(self._backend, _FilesBackend) and (
            self._backend.directory.resolve() == _sample_dir().resolve()
        )

    # construction

    @staticmethod
    def _master(securities: SecurityMaster | PathLike | None) -> SecurityMaster:
        if isinstance(securities, SecurityMaster):
            return securities
        return load_securities(securities)

    @classmethod
    def from_files(
        cls, directory: PathLike, securities: SecurityMaster | PathLike | None = None
    ) -> Market:
        """A market over a folder of per-symbol files (the ``files`` source layout), read lazily.

        Parameters
        ----------
        directory : str or Path
            Folder of per-symbol bar files (CSV or Parquet), with ``shares.csv`` and ``eps.csv``
            beside them when market caps or P/E are wanted.
        securities : SecurityMaster, str or Path, optional
            The security master, or a CSV whose rows extend the bundled one (default: the
            bundled master).

        Returns
        -------
        Market

        Raises
        ------
        MissingDataError
            ``directory`` does not exist, or the ``securities`` file does not.
        DataFormatError
            The ``securities`` table is malformed.
        """
        master = cls._master(securities)
        return cls(_FilesBackend(Path(directory), master), master)

    @classmethod
    def from_sample(cls, securities: SecurityMaster | PathLike | None = None) -> Market:
        """The bundled sample (real daily data, 2024-06 .. 2025-06, DeepSeek-episode universe), offline.

        Parameters
        ----------
        securities : SecurityMaster, str or Path, optional
            As in :meth:`from_files`.

        Returns
        -------
        Market

        Raises
        ------
        MissingDataError, DataFormatError
            As in :meth:`from_files`, for ``securities``.
        """
        return cls.from_files(_sample_dir(), securities)

    @classmethod
    def open(
        cls,
        home: PathLike | None = None,
        sample: bool = False,
        securities: SecurityMaster | PathLike | None = None,
    ) -> Market:
        """The store at ``resolve_home(home)`` (filled by ``rerating load``), or the sample when ``sample``.

        Parameters
        ----------
        home : str or Path, optional
            Cache directory holding the store; default ``$RERATING_HOME`` or ``~/.cache/rerating``.
        sample : bool
            Read the bundled sample instead (:meth:`from_sample`); ``home`` is then not used.
        securities : SecurityMaster, str or Path, optional
            A :class:`SecurityMaster` (used as is), or a CSV path extending the bundled master
            and, for the store, the listings saved in it by ``rerating --securities FILE load``.

        Returns
        -------
        Market

        Raises
        ------
        StoreError
            The store is locked, unreadable or of another schema version.
        MissingDataError, DataFormatError
            The ``securities`` file does not exist or is malformed.
        """
        if sample:
            return cls.from_sample(securities)
        from rerating.data.store import Store

        store = Store(home)
        if isinstance(securities, SecurityMaster):
            master = securities
        else:  # bundled < listings saved in the store < the file passed now
            master = load_securities().extend(store.read_securities())
            if securities is not None:
                master = master.extend(load_securities(securities, base=False).frame)
        return cls(_StoreBackend(store), master)

    # bars and closes

    def security(self, symbol: str) -> Security:
        """The listing of ``symbol`` in the security master.

        Parameters
        ----------
        symbol : str
            Any spelling the security master knows (``"baba"``, ``"9988.hk"``, an alias).

        Returns
        -------
        Security

        Raises
        ------
        UnknownSymbolError
            Not in the security master (close matches are suggested).
        """
        return self.securities.get(symbol)

    def missing_bars(self, symbols: str | Iterable[str]) -> list[str]:
        """The canonical symbols of ``symbols`` that have no bars at all in the data.

        Parameters
        ----------
        symbols : str or iterable of str
            One symbol or several (read at once from a store).

        Returns
        -------
        list of str
            Canonical symbols, each once, in the order given.

        Raises
        ------
        UnknownSymbolError
            A symbol is not in the security master, or none is given.
        """
        names = self._prefetch(_symbol_list(symbols))
        return [s for s in names if self._backend.bars(s) is None]

    def _prefetch(self, symbols: list[str]) -> list[str]:
        """Read the bars of ``symbols`` at once where the back end can; return their canonical forms."""
        names = list(dict.fromkeys(self.security(s).symbol for s in symbols))
        self._backend.prefetch(names)
        return names

    def _full_bars(self, symbol: str) -> tuple[Security, pd.DataFrame]:
        sec = self.security(symbol)
        frame = self._backend.bars(sec.symbol)
        if frame is None:
            have = sorted(self._backend.symbols())
            hint = (
                f"the sample holds {len(have)} series ({', '.join(have[:10])}, ...; "
                "PROVENANCE.md in the sample folder lists them); for others, fill a store: "
                f"`rerating load {sec.symbol} --from ... --to ...`"
                if self.is_sample
                else f"load them with `rerating load {sec.symbol} --from ... --to ...` or use --sample"
            )
            raise MissingDataError(f"no bars for {sec.symbol} in {self._backend.origin}; {hint}")
        return sec, frame

    def bars(
        self, symbol: str, start: DateLike | None = None, end: DateLike | None = None
    ) -> pd.DataFrame:
        """Daily bars of ``symbol``: index ``date``, columns open high low close adj_close volume.

        Parameters
        ----------
        symbol : str
            The listing (any spelling the security master knows).
        start, end : date-like, optional
            Inclusive range of dates; default the whole data.

        Returns
        -------
        pd.DataFrame
            A copy of the rows in ``start..end``.

        Raises
        ------
        UnknownSymbolError
            Not in the security master.
        MissingDataError
            No bars at all, or none in ``start..end``.
        DateRangeError
            ``end`` before ``start``, or a date that cannot be read.
        """
        sec, frame = self._full_bars(symbol)
        lo = _date(start, "start") if start is not None else frame.index[0]
        hi = _date(end, "end") if end is not None else frame.index[-1]
        if hi < lo:
            raise DateRangeError(f"end {hi.date()} is before start {lo.date()}; swap them")
        out = frame.loc[lo:hi]
        if out.empty:
            raise MissingDataError(
                f"no bars for {sec.symbol} in {lo.date()}..{hi.date()}; {self._backend.origin} covers "
                f"{frame.index[0].date()}..{frame.index[-1].date()}"
            )
        return out.copy()

    def closes(
        self,
        symbols: str | Iterable[str],
        start: DateLike | None = None,
        end: DateLike | None = None,
        adjusted: bool = False,
    ) -> pd.DataFrame:
        """Wide closes (date x symbol; raw, or dividend-adjusted with ``adjusted=True``); NaN where no row.

        Parameters
        ----------
        symbols : str or iterable of str
            One symbol or several; columns are their canonical forms.
        start, end : date-like, optional
            Inclusive range of dates; default the whole data.
        adjusted : bool
            ``adj_close`` instead of ``close``.

        Returns
        -------
        pd.DataFrame
            Index ``date`` (every date any of the listings has a row), one column per listing.

        Raises
        ------
        UnknownSymbolError
            A symbol is not in the security master, or none is given.
        MissingDataError
            A listing has no bars in ``start..end``, or no adjusted closes there with
            ``adjusted=True``.
        DateRangeError
            ``end`` before ``start``, or a date that cannot be read.
        """
        columns = {}
        wanted = _symbol_list(symbols)
        self._prefetch(wanted)
        for sym in wanted:
            bars = self.bars(sym, start, end)
            sec = self.security(sym)
            col = "adj_close" if adjusted else "close"
            if adjusted and bars["adj_close"].isna().all():
                raise MissingDataError(
                    f"{sec.symbol} has no adjusted closes in this range (unadjusted data); use "
                    "adjusted=False (on the command line, leave out --adjusted): raw closes"
                )
            columns[sec.symbol] = bars[col]
        return pd.DataFrame(columns).rename_axis("date")

    # returns

    def returns(
        self,
        symbols: str | Iterable[str],
        start: DateLike | None = None,
        end: DateLike | None = None,
        kind: ReturnKind = "simple",
        gap_policy: GapPolicy = "raise",
        adjusted: bool = True,
    ) -> ReturnsResult:
        """Daily returns on each listing's own calendar, with an explicit policy for missing sessions.

        Parameters
        ----------
        symbols
            One symbol or several.
        start, end
            Sessions whose return is wanted (inclusive); the close before ``start`` is used for the
            first return. Default: the whole data.
        kind
            ``"simple"`` (P_t / P_{t-1} - 1) or ``"log"`` (ln P_t / P_{t-1}).
        gap_policy
            What to do where a session of the listing's calendar has no bar inside the data's range:
            ``"raise"`` (:class:`GapError`), ``"drop"`` (a row with NaN for the missing session and for
            the session after it, both in the ledger), ``"multi_day"`` (the return after the gap spans
            it: ``span`` > 1; the missing sessions are in the ledger).
        adjusted
            Use ``adj_close`` (dividends included). A series with no adjusted closes at all (KWEB, FXI,
            FX) falls back to ``close``, and the ledger says so (a row with no date).

        Returns
        -------
        ReturnsResult

        Raises
        ------
        UnknownSymbolError
            A symbol is not in the security master, or none is given.
        MissingDataError
            A listing has no bars, fewer than two prices, or no session with a return in
            ``start..end``.
        GapError
            A session without a bar under ``gap_policy="raise"``, or an unknown ``gap_policy``.
        NonSessionDateError
            A listing has prices on dates that are not sessions of its calendar.
        DateRangeError
            ``end`` before ``start``, or a date that cannot be read.
        ValueError
            An unknown ``kind``.
        """
        if kind not in RETURN_KINDS:
            raise ValueError(f"kind={kind!r}; choose one of {list(RETURN_KINDS)}")
        if gap_policy not in GAP_POLICIES:
            raise GapError(f"gap_policy={gap_policy!r} is not one of {list(GAP_POLICIES)}")
        lo = _date(start, "start") if start is not None else None
        hi = _date(end, "end") if end is not None else None
        if lo is not None and hi is not None and hi < lo:
            raise DateRangeError(f"end {hi.date()} is before start {lo.date()}; swap them")
        parts, ledgers = [], []
        seen: set[str] = set()
        wanted = _symbol_list(symbols)
        self._prefetch(wanted)
        for sym in wanted:
            sec, bars = self._full_bars(sym)
            if sec.symbol in seen:
                continue
            seen.add(sec.symbol)
            part, ledger = _listing_returns(
                sec, bars, lo, hi, kind, gap_policy, adjusted, self._backend.origin
            )
            parts.append(part)
            if ledger is not None:
                ledgers.append(ledger)
        # one frame from the listings' arrays (a frame per listing costs more than its returns)
        frame = pd.DataFrame(
            {
                "symbol": np.repeat(
                    np.array([p[0] for p in parts], dtype=object), [p[1].size for p in parts]
                ),
                "date": np.concatenate([p[1] for p in parts]),
                "ret": np.concatenate([p[2] for p in parts]),
                "span": np.concatenate([p[3] for p in parts]),
            }
        )
        ledger = pd.concat(ledgers, ignore_index=True) if ledgers else _empty_ledger()
        return ReturnsResult(
            _frame=frame, _dropped=ledger, kind=kind, gap_policy=gap_policy, adjusted=adjusted
        )

    # FX

    def _usd_rate(self, currency: str, on: pd.Timestamp) -> tuple[float, pd.Timestamp | None, str]:
        """Units of ``currency`` per USD as of ``on``: (rate, date of the value used, series)."""
        if currency == "USD":
            return 1.0, None, ""
        series = f"USD{currency}"
        frame = (
            self._backend.bars(series)
            if series in self.securities or series in self._backend.symbols()
            else None
        )
        if frame is None:
            have = sorted(s[3:] for s in self._backend.symbols() if re.fullmatch(r"USD[A-Z]{3}", s))
            raise MissingFXError(
                f"no FX series for currency {currency!r} (needs {series}) in {self._backend.origin}; "
                f"currencies with a series: {['USD', *have]}; load {series} or pick one of those"
            )
        closes = frame["close"]
        pos = closes.index.searchsorted(on, side="right") - 1
        if pos < 0:
            raise MissingFXError(
                f"{series} starts {closes.index[0].date()}, after {on.date()}; no rate as of that date"
            )
        used = closes.index[pos]
        if on - used > MAX_FX_STALENESS:
            raise MissingFXError(
                f"{series} has no value within {MAX_FX_STALENESS.days} days before {on.date()} (last: "
                f"{used.date()}); load more recent FX data"
            )
        return float(closes.iloc[pos]), used, series

    def fx_rate(self, base: str, quote: str, on: DateLike) -> float:
        """Units of ``quote`` per 1 ``base`` as of ``on`` (the last value on or before it); cross rates via USD.

        Parameters
        ----------
        base, quote : str
            ISO currency codes (``"USD"``, ``"HKD"``, ``"CNY"``), any case; ``"RMB"`` is read as ``"CNY"``.
        on : date-like
            The rate is the last value of each ``USDxxx`` series on or before this date.

        Returns
        -------
        float
            1.0 when ``base`` and ``quote`` are the same.

        Raises
        ------
        MissingFXError
            A currency has no ``USDxxx`` series, or no value within 7 days before ``on``.
        DateRangeError
            ``on`` cannot be read as a date.
        """
        return self._fx(base, quote, _date(on, "on"))[0]

    def _fx(
        self, base: str, quote: str, on: pd.Timestamp
    ) -> tuple[float, list[tuple[str, pd.Timestamp]]]:
        base, quote = currency_code(base), currency_code(quote)
        if base == quote:
            return 1.0, []
        rb, db, sb = self._usd_rate(base, on)
        rq, dq, sq = self._usd_rate(quote, on)
        used = [(s, d) for s, d in ((sb, db), (sq, dq)) if d is not None]
        return rq / rb, used

    # shares, market cap, EPS

    def shares(self, symbol: str, on: DateLike, lookahead: int = 0) -> SharesFigure:
        """Shares outstanding of ``symbol`` in units of the listing, as of ``on``.

        Rows of every listing of the same company and share class count (BABA's and 9988.HK's rows
        describe the same ordinary shares; :attr:`~rerating.data.securities.Security.share_class`):
        an A-share listing (calendar XSHG) reads its own rows only, never its company's H / Hong
        Kong shares (688981.SS: SMIC's A shares, not 0981.HK's). A row whose ``unit_note`` says ADS
        is converted to ordinary shares with that listing's ``shares_per_unit``. At one ``as_of`` the largest ordinary figure wins
        (class subtotals and the company's lower "outstanding" count are smaller). The figure is
        then divided by this listing's ``shares_per_unit`` (BABA: ordinary / 8).

        Parameters
        ----------
        symbol : str
            The listing (any spelling the security master knows).
        on : date-like
            The figure is the latest dated on or before this date.
        lookahead : int
            Days after ``on`` within which a later figure may be used when none is on or before
            ``on`` (noted in the result). Default 0: strictly as of.

        Returns
        -------
        SharesFigure

        Raises
        ------
        UnknownSymbolError
            Not in the security master.
        MissingSharesError
            No figure for any listing of the company's share class, or none on or before ``on`` (nor within
            ``lookahead`` days after it); the message names the ``lookahead`` that would do. Also for
            an index or an FX series (``kind`` index or fx), which has no shares.
        DateRangeError
            ``on`` cannot be read as a date.
        """
        sec = self.security(symbol)
        day = _date(on, "on")
        if sec.kind in ("index", "fx"):  # not a share class: "add rows to shares.csv" would mislead
            what = "an index" if sec.kind == "index" else "an FX series"
            raise MissingSharesError(
                f"{sec.symbol} ({sec.name}) is {what}, not a listing of shares: it has no shares "
                "outstanding and no market cap; ask for the market caps of its members (stocks, "
                "ADRs, ETFs)"
            )
        table = self._backend.shares_table()
        members = {s.symbol: s for s in self.securities.share_class_listings(sec.symbol)}
        rows = table[table["symbol"].isin(list(members))]
        if rows.empty:
            others = [
                s.symbol for s in self.securities.listings(sec.company) if s.symbol not in members
            ]
            apart = (
                f" ({', '.join(others)} trade another class of its shares, whose rows do not count)"
                if others
                else ""
            )
            raise MissingSharesError(
                f"no shares-outstanding figures for {sec.symbol} (company {sec.company!r}{apart}) in "
                f"{self._backend.origin}; add rows to shares.csv (symbol,as_of,shares,unit_note,source)"
            )
        is_ads = rows["unit_note"].str.contains(r"\bADS", regex=True, na=False).to_numpy()
        ratio = rows["symbol"].map(lambda s: members[s].shares_per_unit).to_numpy(dtype="float64")
        ordinary = np.where(
            is_ads,
            rows["shares"].to_numpy(dtype="float64") * ratio,
            rows["shares"].to_numpy(dtype="float64"),
        )
        cand = rows.assign(ordinary=ordinary, is_ads=is_ads)
        note = ""
        before = cand[cand["as_of"] <= day]
        if before.empty:
            after = cand[
                (cand["as_of"] > day) & (cand["as_of"] <= day + pd.Timedelta(days=lookahead))
            ]
            if after.empty:
                first = cand["as_of"].min()
                raise MissingSharesError(
                    f"no shares figure for {sec.symbol} on or before {day.date()}; the earliest is "
                    f"{first.date()} (pass lookahead={(first - day).days}, or --lookahead "
                    f"{(first - day).days} on the command line, to use it)"
                )
            pick_date = after["as_of"].min()
            note = f"shares as of {pick_date.date()}, after {day.date()} (lookahead)"
        else:
            pick_date = before["as_of"].max()
        same = cand[cand["as_of"] == pick_date]
        pool = same[~same["is_ads"]] if (~same["is_ads"]).any() else same
        best = pool.loc[pool["ordinary"].idxmax()]
        ordinary_total = float(best["ordinary"])
        return SharesFigure(
            symbol=sec.symbol,
            as_of=pd.Timestamp(pick_date),
            shares=ordinary_total / sec.shares_per_unit,
            ordinary_shares=ordinary_total,
            shares_per_unit=sec.shares_per_unit,
            unit_note=str(best["unit_note"]),
            source=str(best["source"]),
            note=note,
            row_symbol=str(best["symbol"]),
        )

    def market_cap(
        self, symbol: str, on: DateLike, currency: str | None = None, lookahead: int = 0
    ) -> MarketCap:
        """Market capitalisation of ``symbol`` on ``on`` in its own currency or ``currency``
        (``"local"``, like None, means the listing's own currency).

        Uses the last close on or before ``on`` (at most 10 days earlier), the shares figure as of
        that session (see :meth:`shares`) and the FX rate as of that session.

        Parameters
        ----------
        symbol : str
            The listing (any spelling the security master knows).
        on : date-like
            The date; a non-session uses the last close before it (said in ``notes``).
        currency : str, optional
            Currency of the value; None or ``"local"``: the listing's own; ``"RMB"`` means ``"CNY"``.
        lookahead : int
            As in :meth:`shares`.

        Returns
        -------
        MarketCap
            With the close, shares figure and FX rate used, and known data issues in ``notes``.

        Raises
        ------
        UnknownSymbolError
            Not in the security master.
        MissingDataError
            No bars, or no close within 10 days on or before ``on``.
        MissingSharesError
            As in :meth:`shares`.
        MissingFXError
            No FX rate between the listing's currency and ``currency`` as of the close's session.
        DateRangeError
            ``on`` cannot be read as a date.
        """
        sec, bars = self._full_bars(symbol)
        day = _date(on, "on")
        pos = bars.index.searchsorted(day, side="right") - 1
        if pos < 0 or day - bars.index[pos] > MAX_CLOSE_STALENESS:
            raise MissingDataError(
                f"no close for {sec.symbol} on or shortly before {day.date()}; data covers "
                f"{bars.index[0].date()}..{bars.index[-1].date()}"
            )
        session = bars.index[pos]
        close = float(bars["close"].iloc[pos])
        figure = self.shares(sec.symbol, session, lookahead=lookahead)
        wanted = currency_code(currency or "local")
        target = sec.currency if wanted == "LOCAL" else wanted
        rate, used = self._fx(sec.currency, target, session)
        notes: list[str] = []
        if session != day:
            # sessions of the listing's calendar after the close used: a gap in the data, not
            # a holiday (say so; the close is then older than the market's last one)
            try:
                later = calendars.sessions(sec.calendar, session + pd.Timedelta(days=1), day)
            except (DateRangeError, ValueError):  # a calendar that cannot say: the plain note
                later = pd.DatetimeIndex([])
            if len(later):
                span = f"{later[0].date()}" + (f"..{later[-1].date()}" if len(later) > 1 else "")
                notes.append(
                    f"close of {session.date()}: the data have no bar on {len(later)} later "
                    f"{sec.calendar} session(s) up to {day.date()} ({span}); the last bar on or "
                    "before that date is used"
                )
            else:
                notes.append(f"close of {session.date()} (last session on or before {day.date()})")
        if figure.note:
            notes.append(figure.note)
        flags = self.quality([sec.symbol, *(s for s, _ in used)])
        for series, when in [(sec.symbol, session), *used]:
            hit = flags[(flags["symbol"] == series) & (flags["date"] == when)]
            notes.extend(f"{series} {when.date()}: {d}" for d in hit["detail"])
        return MarketCap(
            symbol=sec.symbol,
            date=session,
            value=close * figure.shares * rate,
            currency=target,
            close=close,
            close_currency=sec.currency,
            shares=figure,
            fx_rate=rate,
            fx_pair=f"{sec.currency}{target}",
            notes=tuple(notes),
        )

    def eps(self, symbol: str) -> pd.DataFrame:
        """Quarterly diluted EPS of ``symbol``: period_end, report_date, eps_diluted, currency, source.

        ``eps_diluted`` is NaN where the figure is unknown. Use only rows with ``report_date``
        before a date when computing a trailing ratio on it.

        Parameters
        ----------
        symbol : str
            The listing (any spelling the security master knows).

        Returns
        -------
        pd.DataFrame
            One row per reported figure, sorted by ``period_end``.

        Raises
        ------
        UnknownSymbolError
            Not in the security master.
        MissingDataError
            No EPS rows for the listing.
        """
        sec = self.security(symbol)
        table = self._backend.eps_table()
        rows = table[table["symbol"] == sec.symbol]
        if rows.empty:
            raise MissingDataError(
                f"no EPS rows for {sec.symbol} in {self._backend.origin}; add them to eps.csv "
                f"({','.join(EPS_COLUMNS)})"
            )
        return rows[list(EPS_COLUMNS[1:])].sort_values("period_end").reset_index(drop=True)

    def coverage(self, symbols: str | Iterable[str] | None = None) -> pd.DataFrame:
        """symbol, first, last, rows for each symbol with data (or each of ``symbols``).

        Parameters
        ----------
        symbols : str or iterable of str, optional
            Listings to report (canonical forms); default every symbol with data.

        Returns
        -------
        pd.DataFrame
            Columns ``symbol, first, last, rows``; a listing without bars has ``rows`` 0 and
            ``first``/``last`` NaT.

        Raises
        ------
        UnknownSymbolError
            A symbol is not in the security master, or an empty ``symbols`` is given.
        """
        names = (
            self._backend.symbols()
            if symbols is None
            else [self.security(s).symbol for s in _symbol_list(symbols)]
        )
        rows = []
        for sym in names:
            frame = self._backend.bars(sym)
            if frame is None:
                rows.append({"symbol": sym, "first": pd.NaT, "last": pd.NaT, "rows": 0})
            else:
                rows.append(
                    {
                        "symbol": sym,
                        "first": frame.index[0],
                        "last": frame.index[-1],
                        "rows": len(frame),
                    }
                )
        return pd.DataFrame(rows, columns=["symbol", "first", "last", "rows"])

    def quality(self, symbols: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Known-issue flags: symbol, date, issue, detail, policy (see docs/DATA.md).

        Issues: ``half_day_placeholder`` (a half-day row with a close but no open/high/low/volume in
        a series that otherwise has them), ``off_tick_grid`` (a stock close off its exchange's tick
        grid), ``fx_carried_forward`` (an FX value repeated from the previous observation in a run
        of three or more), ``volume_outlier`` (volume over 5x or under 1/5 of the median of the 11
        sessions around it). Flagged values are kept as published; the flag travels into market-cap
        notes.

        Parameters
        ----------
        symbols : str or iterable of str, optional
            Series to check; default every symbol with data. Symbols unknown to the security
            master or without bars are skipped.

        Returns
        -------
        pd.DataFrame
            Columns ``symbol, date, issue, detail, policy``; no rows when nothing is flagged.

        Raises
        ------
        UnknownSymbolError
            An empty ``symbols`` is given.
        """
        names = self._backend.symbols() if symbols is None else list(_symbol_list(symbols))
        out = []
        for sym in names:
            try:
                sec, bars = self._full_bars(sym)
            except (MissingDataError, UnknownSymbolError):
                continue
            out.append(_quality_flags(sec, bars))
        if not out:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in QUALITY_COLUMNS})
        frame = pd.concat(out, ignore_index=True)
        return frame.astype({"date": "datetime64[ns]"})


# --- pure helpers ----------------------------------------------------------------------------------


def _empty_ledger() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Series(dtype="str"),
            "date": pd.Series(dtype="datetime64[ns]"),
            "reason": pd.Series(dtype="str"),
        }
    )


def _listing_returns(
    sec: Security,
    bars: pd.DataFrame,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    kind: str,
    gap_policy: str,
    adjusted: bool,
    origin: str,
) -> tuple[tuple[str, np.ndarray, np.ndarray, np.ndarray], pd.DataFrame | None]:
    """Returns of one listing on its own calendar (see :meth:`Market.returns`) as ``(symbol,
    dates, returns, spans)`` arrays, and its ledger (None when empty: an empty frame per listing
    costs more than the returns)."""
    ledger: list[dict[str, object]] = []
    # numpy arrays throughout: pandas' per-call overhead was most of a listing's cost (~0.7 ms)
    price = bars["adj_close" if adjusted else "close"].to_numpy(dtype="float64")
    if adjusted and np.isnan(price).all():
        price = bars["close"].to_numpy(dtype="float64")
        ledger.append(
            {
                "symbol": sec.symbol,
                "date": pd.NaT,
                "reason": "no adj_close in the series: returns use close (dividends excluded)",
            }
        )
    priced = ~np.isnan(price)
    days = bars.index.to_numpy(dtype="datetime64[ns]")[priced]
    price = price[priced]
    if price.size < 2:
        raise MissingDataError(
            f"{sec.symbol} has fewer than two prices in {origin}; no return can be computed"
        )
    if sec.kind == "fx":
        sess = days  # FX series have no exchange sessions: each observation follows the last
        at = np.arange(days.size)
    else:
        sess = calendars.sessions(sec.calendar, days[0], days[-1]).to_numpy()
        at = np.minimum(np.searchsorted(sess, days), sess.size - 1)
        stray = sess[at] != days
        if stray.any():
            raise NonSessionDateError(
                f"{sec.symbol} has prices on {int(stray.sum())} non-session date(s) of {sec.calendar} "
                f"(first {pd.Timestamp(days[np.argmax(stray)]).date()}) in {origin}; reload the data"
            )
    p = np.full(sess.size, np.nan)
    p[at] = price
    has = ~np.isnan(p)
    n = sess.size
    pos = np.arange(n)
    last = np.maximum.accumulate(np.where(has, pos, -1))  # last position with a price, up to i
    prev = np.empty(n, dtype=np.int64)
    prev[0] = -1
    prev[1:] = last[:-1]
    span = pos - prev
    valid = has & (prev >= 0)
    ret = np.full(n, np.nan)
    safe_prev = np.where(prev >= 0, prev, 0)
    ratio = p / p[safe_prev]
    ret[valid] = np.log(ratio[valid]) if kind == "log" else ratio[valid] - 1.0
    window = pos >= 1
    if lo is not None:
        window &= sess >= lo.to_datetime64()
    if hi is not None:
        window &= sess <= hi.to_datetime64()
    if not window.any():
        raise MissingDataError(
            f"no {sec.symbol} sessions with a return in {lo.date() if lo is not None else '...'}.."
            f"{hi.date() if hi is not None else '...'}; data covers "
            f"{pd.Timestamp(days[0]).date()}..{pd.Timestamp(days[-1]).date()}"
        )
    missing = window & ~has
    spanning = window & has & (span > 1)
    # the first position at or after i with a price (n: none); a missing session is folded into
    # the return of that position, so a gap just before ``start`` belongs to the window's first return
    next_bar = np.minimum.accumulate(np.where(has, pos, n)[::-1])[::-1]
    gap = missing | (~has & (next_bar < n) & window[np.minimum(next_bar, n - 1)])

    def dates(i: int | np.integer) -> pd.Timestamp:  # a session as a Timestamp (the ledger)
        return pd.Timestamp(sess[i])

    if gap_policy == "raise" and gap.any():
        gaps = pd.DatetimeIndex(sess[gap])
        shown = ", ".join(str(d.date()) for d in gaps[:5]) + (" ..." if len(gaps) > 5 else "")
        raise GapError(
            f"{sec.symbol} has no bar for {len(gaps)} {sec.calendar} session(s) ({shown}), so a return "
            "would span several sessions; pass gap_policy='drop' (NaN, listed in .dropped) or "
            "'multi_day' (returns across the gap), on the command line --gap-policy drop or "
            "multi_day, or reload the data"
        )
    if gap_policy == "drop":
        keep = window
        ret = np.where(spanning, np.nan, ret)
        out_span = np.where(has, np.minimum(span, 1), 1)
        for i in np.flatnonzero(missing):
            ledger.append(
                {"symbol": sec.symbol, "date": dates(i), "reason": "no bar for this session"}
            )
        for i in np.flatnonzero(spanning):
            ledger.append(
                {
                    "symbol": sec.symbol,
                    "date": dates(i),
                    "reason": f"return would span {span[i]} sessions (previous bar {dates(prev[i]).date()}): dropped",
                }
            )
    else:  # multi_day (or raise with nothing to raise about)
        keep = window & has
        out_span = span
        for i in np.flatnonzero(gap):  # also the sessions folded into the window's first return
            into = (
                f"folded into the multi-session return of {dates(next_bar[i]).date()}"
                if next_bar[i] < n
                else "after the last bar"
            )
            ledger.append(
                {
                    "symbol": sec.symbol,
                    "date": dates(i),
                    "reason": f"no bar for this session; {into}",
                }
            )
    part = (sec.symbol, sess[keep], ret[keep], out_span[keep].astype("int64"))
    if not ledger:
        return part, None
    return part, pd.DataFrame(ledger, columns=LEDGER_COLUMNS).astype({"date": "datetime64[ns]"})


# HKEX spread table: (upper price bound, tick) for prices up to that bound
_HK_TICKS: tuple[tuple[float, float], ...] = (
    (0.25, 0.001),
    (0.5, 0.005),
    (10, 0.01),
    (20, 0.02),
    (100, 0.05),
    (200, 0.1),
    (500, 0.2),
    (1000, 0.5),
    (2000, 1.0),
    (5000, 2.0),
    (float("inf"), 5.0),
)


def tick_size(price: np.ndarray, calendar: str) -> np.ndarray:
    """Minimum price increment of a listing's exchange at ``price`` (US: 0.01 from $1; HK: the spread table)."""
    price = np.asarray(price, dtype="float64")
    if calendar == "XHKG":
        bounds = np.array([b for b, _ in _HK_TICKS])
        ticks = np.array([t for _, t in _HK_TICKS])
        return ticks[np.searchsorted(bounds, price, side="left")]
    return np.where(price >= 1.0, 0.01, 0.0001)


def _quality_flags(sec: Security, bars: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    close = bars["close"].to_numpy(dtype="float64")
    dates = bars.index
    if sec.kind == "fx":
        same = np.r_[False, close[1:] == close[:-1]]
        # a run of >= 3 equal values: every repeat after the first is a carried-forward value
        run_id = np.cumsum(~same)
        run_len = pd.Series(run_id).map(pd.Series(run_id).value_counts()).to_numpy()
        for i in np.flatnonzero(same & (run_len >= 3)):
            rows.append(
                {
                    "symbol": sec.symbol,
                    "date": dates[i],
                    "issue": "fx_carried_forward",
                    "detail": f"{sec.symbol} {close[i]} repeats the previous value (carried forward, not a quote)",
                    "policy": "used as published for as-of lookups; flagged",
                }
            )
    else:
        ohlv = bars[["open", "high", "low", "volume"]]
        if ohlv.notna().any().any():
            empty = ohlv.isna().all(axis=1).to_numpy()
            half = calendars.half_days(sec.calendar, dates[0], dates[-1])
            # only where the neighbouring rows are full bars: a close-only stretch is not a placeholder
            full = ~empty
            nb = np.r_[False, full[:-1]] & np.r_[full[1:], False]
            for i in np.flatnonzero(empty & nb & dates.isin(half)):
                rows.append(
                    {
                        "symbol": sec.symbol,
                        "date": dates[i],
                        "issue": "half_day_placeholder",
                        "detail": "half-day placeholder row: no open/high/low/volume, close unverified",
                        "policy": "close kept (no gap created); flagged",
                    }
                )
        if sec.kind in ("stock", "adr", "etf"):
            tick = tick_size(close, sec.calendar)
            steps = close / tick
            off = np.abs(steps - np.round(steps)) > 1e-6 * np.maximum(1.0, steps)
            for i in np.flatnonzero(off):
                rows.append(
                    {
                        "symbol": sec.symbol,
                        "date": dates[i],
                        "issue": "off_tick_grid",
                        "detail": f"close {close[i]} is off the {tick[i]:g} tick grid",
                        "policy": "kept as published; flagged",
                    }
                )
        vol = bars["volume"]
        if vol.notna().sum() >= 20:
            # against the median of the 11 sessions around it, so busy regimes are not flagged
            local = vol.rolling(11, center=True, min_periods=6).median().to_numpy(dtype="float64")
            v = vol.to_numpy(dtype="float64")
            with np.errstate(invalid="ignore", divide="ignore"):
                factor = v / local
            odd = np.isfinite(factor) & (v > 0) & ((factor > 5) | (factor < 1 / 5))
            for i in np.flatnonzero(odd):
                rows.append(
                    {
                        "symbol": sec.symbol,
                        "date": dates[i],
                        "issue": "volume_outlier",
                        "detail": f"volume {v[i]:,.0f} is {factor[i]:.2f}x the median of the 11 sessions around it",
                        "policy": "kept as published; flagged (volumes are not used in returns)",
                    }
                )
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)


def as_list(symbols: str | Sequence[str]) -> list[str]:
    """``symbols`` as a list (a single string becomes a one-element list)."""
    return _symbol_list(symbols)
