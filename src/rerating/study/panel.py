"""Validate and align event-study input once, at the boundary: returns, events, benchmarks, factors.

The output is flat numpy arrays (one row per session of each listing, listings contiguous and dates
ascending) plus the day-0 row of every event, so that the engine and the kernel work on arrays
without re-checking. Each security is counted in its own sessions: relative day ``k`` is the
listing's ``k``-th session after its day 0 in the data.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Protocol

import numpy as np
import pandas as pd

from rerating._typing import NonSessionPolicy
from rerating.errors import (
    DataFormatError,
    DuplicateDateError,
    EventFormatError,
    MissingDataError,
    NonSessionDateError,
)
from rerating.study import _calendars

NS_PER_DAY = 86_400_000_000_000
NO_MARKET_MESSAGE = (
    "this model needs benchmark returns: pass market_returns= (date x benchmark DataFrame or a "
    "Series) and benchmarks= (symbol -> column), or use model='mean_adjusted'"
)
_KEY = 1 << 20  # composite key code * _KEY + day number (days since 1970 < 2^20 until year 4840)


# an event's time of day belongs in its timestamp, whose zone says which session it reaches
_EVENT_TIME_ADVICE = (
    "; give the session date, or put the time with its zone in a 'timestamp' column "
    "(e.g. 2025-02-03T10:00:00+08:00)"
)


def _to_naive_dates(values: pd.Series | pd.Index, what: str, timed: str = "") -> np.ndarray:
    """Session dates as naive ``datetime64[ns]``; ``timed`` is the advice for a time of day."""
    time_of_day = f"{what}: dates carry a time of day; session dates are midnight{timed}"
    dt = getattr(values, "dtype", None)
    if isinstance(dt, np.dtype) and dt.kind == "M":
        # already naive datetimes (the usual case): the same checks on the int64 nanoseconds
        arr = np.asarray(values).astype("datetime64[ns]", copy=False)
        missing = np.isnat(arr)
        if missing.any():
            raise DataFormatError(
                f"{what}: {int(missing.sum())} missing dates; every row needs a date"
            )
        if (arr.view(np.int64) % NS_PER_DAY != 0).any():
            raise DataFormatError(time_of_day)
        return arr
    try:
        # ISO only: a guessed format would read 01/02/2025 as 2 January or 1 February silently
        idx = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601"))
    except (ValueError, TypeError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0].split(". You might")[0]
        raise DataFormatError(
            f"{what}: cannot parse dates ({first_line}); use ISO dates like 2025-01-27"
        ) from exc
    if idx.tz is not None:
        raise DataFormatError(
            f"{what}: dates must be tz-naive session dates, got zone {idx.tz}; "
            "drop the zone (.tz_localize(None)) or pass event timestamps in a 'timestamp' column"
        )
    if idx.hasnans:
        raise DataFormatError(
            f"{what}: {int(idx.isna().sum())} missing dates; every row needs a date"
        )
    if (idx != idx.normalize()).any():
        raise DataFormatError(time_of_day)
    return np.asarray(idx.values, dtype="datetime64[ns]")


def row_windows(values: np.ndarray, first: np.ndarray, length: int) -> np.ndarray:
    """``values[first[:, None] + arange(length)]`` (each window inside ``values``), shape ``(E, length)``.

    Each window is a contiguous slice: copying rows of a strided view costs a fraction of a
    gather by an ``(E x length)`` index array, which need not be built either.
    """
    step = values.strides[0]
    view = np.lib.stride_tricks.as_strided(
        values, shape=(values.shape[0] - length + 1, length), strides=(step, step), writeable=False
    )
    return view[first]


class CalendarOf(Protocol):
    """symbol -> exchange_calendars name, or None when unknown (a mapping or a lazy lookup)."""

    def get(self, symbol: str, default: str | None = None, /) -> str | None: ...


class FlatReturns:
    """Returns of every listing, flat: rows of one symbol contiguous, dates ascending.

    A wide input keeps its (symbol x date) grid: row ``r`` is grid cell ``cells[r]`` (or ``r``
    itself when the grid has no holes) of a ``S x T`` grid over ``date_index``, and the per-row
    arrays (``code``, ``dates``, ``days``, ``key``) are only built if something asks for all of
    them; the ``*_at(rows)`` accessors compute them for the rows a chunk of events needs.
    """

    def __init__(
        self,
        symbols: np.ndarray,
        start: np.ndarray,
        length: np.ndarray,
        code: np.ndarray | None,
        dates: np.ndarray | None,
        days: np.ndarray | None,
        ret: np.ndarray,
        date_index: np.ndarray | None = None,
        date_pos: np.ndarray | None = None,
        *,
        cells: np.ndarray | None = None,
    ) -> None:
        self.symbols = symbols  # (S,) str
        self.start = start  # (S,) first row of each symbol
        self.length = length  # (S,) rows of each symbol
        self.ret = ret  # (n,) float (NaN = missing data; inf kept to be reported)
        # optional: the distinct dates (ascending) and each row's position among them (wide input
        # has them for free); alignment then searches T dates instead of every row's date
        self.date_index = date_index  # (T,) datetime64[ns]
        self._code, self._dates, self._days, self._pos = code, dates, days, date_pos
        self._cells = cells  # (n,) grid cell of each row; None = row r is cell r (or not a grid)
        self._key: np.ndarray | None = None
        self._index_days: np.ndarray | None = None
        self._pos_cache: list[tuple[np.ndarray, np.ndarray]] = []
        self.notes: list[str] = []  # what reading the returns changed, for the results' warnings
        if date_index is not None and (code is None or date_pos is None):
            # a grid is needed to derive what was not given
            if cells is None and ret.size != symbols.size * date_index.size:
                raise ValueError("a wide FlatReturns without cells must be a complete grid")

    @property
    def n_rows(self) -> int:
        return int(self.ret.size)

    @property
    def _grid(self) -> bool:
        return self.date_index is not None and (self._code is None or self._pos is None)

    def _cell_at(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._cells is None else self._cells[rows]

    @property
    def index_days(self) -> np.ndarray:
        """Day numbers (since 1970) of ``date_index``."""
        if self._index_days is None:
            assert self.date_index is not None
            self._index_days = self.date_index.astype(np.int64) // NS_PER_DAY
        return self._index_days

    # --- per-row arrays, built on first use ---------------------------------------------------

    @property
    def code(self) -> np.ndarray:
        """(n,) symbol code of each row."""
        if self._code is None:
            self._code = np.repeat(np.arange(self.symbols.size, dtype=np.int64), self.length)
        return self._code

    @property
    def date_pos(self) -> np.ndarray | None:
        """(n,) position of each row's date in ``date_index`` (None without a date index)."""
        if self._pos is None and self.date_index is not None:
            t = self.date_index.size
            if self._cells is None:
                self._pos = np.broadcast_to(
                    np.arange(t, dtype=np.int64), (self.symbols.size, t)
                ).reshape(-1)
            else:
                self._pos = self._cells % t
        return self._pos

    @property
    def dates(self) -> np.ndarray:
        """(n,) datetime64[ns] date of each row."""
        if self._dates is None:
            assert self.date_index is not None and self.date_pos is not None
            self._dates = self.date_index[self.date_pos]
        return self._dates

    @property
    def days(self) -> np.ndarray:
        """(n,) int64 days since epoch of each row."""
        if self._days is None:
            self._days = (
                self.index_days[self.date_pos]
                if self.date_index is not None and self._dates is None
                else self.dates.astype(np.int64) // NS_PER_DAY
            )
        return self._days

    @property
    def key(self) -> np.ndarray:
        """(n,) ascending ``code * 2^20 + day``: a row's (symbol, date) as one searchable int."""
        if self._key is None:
            self._key = self.code.astype(np.int64, copy=False) * _KEY + self.days
        return self._key

    # --- the same at chosen rows (any shape) ---------------------------------------------------

    def code_at(self, rows: np.ndarray) -> np.ndarray:
        """Symbol code of ``rows``."""
        if self._code is not None or not self._grid:
            return self.code[rows]
        assert self.date_index is not None
        return self._cell_at(rows) // self.date_index.size  # numpy divides by a scalar fast

    def pos_at(self, rows: np.ndarray) -> np.ndarray:
        """Position in ``date_index`` of the date of ``rows`` (a grid input only)."""
        if self._pos is not None:
            return self._pos[rows]
        assert self.date_index is not None
        # a chunk asks for the same rows several times (design, dates, days): keep the last two
        for r, out in self._pos_cache:
            if r is rows:
                return out
        cell = self._cell_at(rows)
        t = self.date_index.size
        # cell - (cell // t) * t = cell % t, twice as fast (no libdivide for %); one buffer
        if isinstance(cell, np.ndarray):
            out = cell // t
            out *= t
            np.subtract(cell, out, out=out)
        else:
            out = cell - (cell // t) * t
        self._pos_cache = [(rows, out), *self._pos_cache[:1]]
        return out

    def dates_at(self, rows: np.ndarray, length: int | None = None) -> np.ndarray:
        """datetime64[ns] date of ``rows``.

        ``length``: ``rows`` (1-D) are the first rows of windows of ``length`` rows, each inside
        one listing; the dates of every window's rows, shape ``(rows.size, length)``.
        """
        if length is not None:
            if self._dates is not None or self.date_index is None:
                return row_windows(self.dates, rows, length)
            p0 = self.window_pos(rows, length)
            if p0 is not None:
                return row_windows(self.date_index, p0, length)
            rows = rows[:, None] + np.arange(length)
        if self._dates is not None or self.date_index is None:
            return self.dates[rows]
        return self.date_index[self.pos_at(rows)]

    def window_pos(self, first: np.ndarray, length: int) -> np.ndarray | None:
        """Position in ``date_index`` of each window's first row, when windows are consecutive dates.

        A window is ``length`` rows from ``first`` inside one listing (the caller's guarantee).
        A listing's rows have ascending, distinct dates, so a window spans consecutive dates of
        ``date_index`` exactly when its last row lies ``length - 1`` positions after its first:
        its values of a date-indexed series are then a slice of that series on the index (see
        :class:`AlignedSeries`). None without a date index or when some window skips a date.
        """
        if self.date_index is None:
            return None
        p0 = self.pos_at(first)
        if self._cells is None and self._pos is None:  # a complete grid: every listing, every date
            return p0
        last = self.pos_at(first + (length - 1))
        return p0 if bool((last - p0 == length - 1).all()) else None

    def days_at(self, rows: np.ndarray) -> np.ndarray:
        """Day number (since 1970) of ``rows``."""
        if self._days is not None or self.date_index is None:
            return self.days[rows]
        return self.index_days[self.pos_at(rows)]

    def find(self, code: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Row of each (symbol code, day number), -1 where that listing has no such row."""
        code = np.asarray(code, dtype=np.int64)
        days = np.asarray(days, dtype=np.int64)
        out = np.full(code.shape, -1, dtype=np.int64)
        if self.n_rows == 0:
            return out
        valid = code >= 0
        if self._grid:
            # grid input: the date's column, then the cell's row (no per-row key array)
            idays = self.index_days
            t = idays.size
            p = np.minimum(np.searchsorted(idays, days), t - 1)
            cell = np.maximum(code, 0) * t + p
            hit = valid & (idays[p] == days)
            if self._cells is None:
                return np.where(hit, cell, -1)
            else:
                r = np.minimum(np.searchsorted(self._cells, cell), self.n_rows - 1)
                hit &= self._cells[r] == cell
                out[hit] = r[hit]
            return out
        key = code * _KEY + days
        pos = np.minimum(np.searchsorted(self.key, key), self.n_rows - 1)
        hit = valid & (self.key[pos] == key)
        out[hit] = pos[hit]
        return out

    def market_at(
        self,
        series: Sequence[AlignedSeries],
        col_of_sym: np.ndarray,
        rows: np.ndarray,
        length: int | None = None,
    ) -> np.ndarray:
        """``series[col_of_sym[symbol]]`` at each row's date (NaN where the series has no entry).

        ``length``: ``rows`` are the first rows of windows of ``length`` rows, each inside one
        listing (see :meth:`AlignedSeries.at`); the result has a trailing axis of ``length``.
        """
        if len(series) == 1:
            return series[0].at(rows, length)
        rows = np.asarray(rows)
        col = col_of_sym[self.code_at(rows)]
        out = np.full(rows.shape if length is None else (*rows.shape, length), np.nan)
        for k, s in enumerate(series):
            sel = col == k
            if sel.any():
                out[sel] = s.at(rows[sel], length)
        return out

    def align(self, values: pd.Series, rows: np.ndarray | None = None) -> np.ndarray:
        """Values of a date-indexed Series at each row's date (NaN where the series has no entry)."""
        if self.date_index is not None:
            # align the distinct dates once, then gather: the same values, T searches not n
            on_index = _align_dates(values, self.date_index)
            if rows is None:
                pos = self.date_pos
                assert pos is not None
                return on_index.take(pos)
            return on_index.take(self.pos_at(rows))
        d = self.dates if rows is None else self.dates[rows]
        return _align_dates(values, d)

    def shift(self, x: np.ndarray, k: int) -> np.ndarray:
        """``x`` of the same symbol ``k`` rows later (``k > 0``) or earlier (``k < 0``); NaN off the edge."""
        n = x.size
        idx = np.arange(n) + k
        pos = np.arange(n) - self.start[self.code]
        ok = (pos + k >= 0) & (pos + k < self.length[self.code])
        return np.where(ok, x[np.clip(idx, 0, n - 1)], np.nan)


def _align_dates(values: pd.Series, d: np.ndarray) -> np.ndarray:
    """Values of a date-indexed Series at dates ``d`` (NaN where the series has no entry)."""
    return _lookup(_prepare_series(values), d)


def _prepare_series(values: pd.Series, what: str = "") -> tuple[np.ndarray, np.ndarray]:
    """A date-indexed Series as (ascending unique dates, values).

    Raises
    ------
    DuplicateDateError
        A date appears twice (after dropping times of day and zones): which of the two values is
        the session's return cannot be told, as for a listing's returns.
    """
    sdates = _to_naive_dates(values.index, "benchmark/factor index")
    try:
        svals = np.asarray(values.to_numpy(dtype=float, na_value=np.nan))
    except (TypeError, ValueError):  # text such as 'n/a' or '1,2%': say which series holds it
        num = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & num.isna()
        name = what or (f"series {values.name!r}" if values.name is not None else "a series")
        first = (
            f" (first: {values[bad].iloc[0]!r} on {values.index[bad.to_numpy()][0]})"
            if bad.any()
            else ""
        )
        raise DataFormatError(
            f"{name} has {int(bad.sum())} non-numeric value(s){first}; returns must be numbers "
            "(NaN = missing)"
        ) from None
    if not (sdates[1:] > sdates[:-1]).all():  # a sorted index (the usual case) skips the sort
        order = np.argsort(sdates, kind="stable")
        sdates, svals = sdates[order], svals[order]
        same = sdates[1:] == sdates[:-1]
        if same.any():
            i = int(np.argmax(same))
            name = what or (f"series {values.name!r}" if values.name is not None else "a series")
            raise DuplicateDateError(
                f"{name} has {int(same.sum())} repeated date(s), e.g. "
                f"{pd.Timestamp(sdates[i]).date()} (values {svals[i]:.6g} and {svals[i + 1]:.6g}); "
                "keep one row per date"
            )
    return sdates, svals


def _lookup(prepared: tuple[np.ndarray, np.ndarray], d: np.ndarray) -> np.ndarray:
    sdates, svals = prepared
    pos = np.searchsorted(sdates, d)
    pos_c = np.minimum(pos, max(sdates.size - 1, 0))
    hit = (pos < sdates.size) & (sdates[pos_c] == d) if sdates.size else np.zeros(d.shape, bool)
    return np.where(hit, svals[pos_c] if sdates.size else np.nan, np.nan)


# median |value| above which a series is taken for percentages or prices, not decimal returns: a
# listing's daily returns have a median size of about 0.01 (0.1 for the wildest small caps), a
# benchmark's or a factor's about 0.005, the risk-free rate's about 0.0002
RETURN_SCALE_LIMIT = 0.2
FACTOR_SCALE_LIMIT = 0.1
# 0.002 a session is 65% a year: above it, a rate given per year (0.3% or more) by mistake
RISK_FREE_SCALE_LIMIT = 0.002


def check_return_scale(values: np.ndarray, what: str, limit: float = RETURN_SCALE_LIMIT) -> None:
    """Raise :class:`DataFormatError` when ``values`` look like percentages or price levels.

    A study fed ``1.5`` for a 1.5% return (or prices) would report CAARs a hundred times too large
    without any error; the median absolute value of a few thousand of the values tells them apart.
    """
    v = np.asarray(values, dtype=float).reshape(-1)
    sample = np.abs(v[:: max(1, v.size // 4096)])
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return
    # np.median's value from one partition: the k-th value, and for an even count the mean with
    # the largest value below it (np.median partitions twice)
    k = sample.size // 2
    part = np.partition(sample, k)
    med = float(part[k]) if sample.size % 2 else float((part[:k].max() + part[k]) / 2)
    if med > limit:
        per_session = (
            "; a risk-free rate is per session (5% a year is about 0.0002 a day), not annual"
            if limit <= RISK_FREE_SCALE_LIMIT
            else ""
        )
        raise DataFormatError(
            f"{what} look like percentages or prices, not decimal returns: their median absolute "
            f"value is {med:.3g}, above {limit:g} (0.01 is a 1% return); divide percentages by "
            f"100, or pass returns (P_t / P_t-1 - 1), not price levels{per_session}"
        )


class AlignedSeries:
    """A date-indexed Series prepared once, read at any rows of a :class:`FlatReturns`.

    Parsing and sorting the series' dates happen here (so bad dates raise at once); on a wide
    input the series is also aligned to the grid's dates, so reading rows is a gather.
    """

    def __init__(
        self, flat: FlatReturns, values: pd.Series, what: str = "", limit: float = FACTOR_SCALE_LIMIT
    ) -> None:
        self.flat = flat
        self._prepared = _prepare_series(values, what)
        if what:  # a name turns on the scale check (see check_return_scale)
            check_return_scale(self._prepared[1], what, limit)
        self._on_index = (
            _lookup(self._prepared, flat.date_index) if flat.date_index is not None else None
        )

    def at(self, rows: np.ndarray, length: int | None = None) -> np.ndarray:
        """Values at each row's date (NaN where the series has no entry), shaped like ``rows``.

        ``length``: ``rows`` (1-D) are the first rows of windows of ``length`` rows, each inside
        one listing; the values at every window's rows, shape ``(rows.size, length)``. Windows of
        consecutive dates (:meth:`FlatReturns.window_pos`) are copied as slices of the series on
        the index, without a position per row.
        """
        if length is not None:
            if self._on_index is not None:
                p0 = self.flat.window_pos(rows, length)
                if p0 is not None:
                    return row_windows(self._on_index, p0, length)
            rows = rows[:, None] + np.arange(length)
        if self._on_index is not None:
            return self._on_index.take(self.flat.pos_at(rows))
        return _lookup(self._prepared, self.flat.dates_at(rows))


def column_labels(frame: pd.DataFrame) -> list[str]:
    """``str()`` of each column label of ``frame``.

    Text labels (the usual columns) are ``str`` already: they are taken as they are instead of
    one ``str()`` call per label.
    """
    index = frame.columns
    if isinstance(index.dtype, pd.StringDtype) and not index.hasnans:
        return index.to_numpy(dtype=object).tolist()  # type: ignore[no-any-return]
    return [str(c) for c in index.tolist()]  # tolist: far faster than iterating


def flatten_returns(
    returns: pd.DataFrame,
    symbols: Collection[str] | None = None,
    labels: list[str] | None = None,
) -> FlatReturns:
    """Turn a long (``symbol, date, ret``) or wide (date x symbol) returns frame into flat arrays.

    Long: each row is a session of that listing; NaN is missing data. Wide: NaN means "not a
    session of that listing" (the cell is left out). ``symbols``: keep only these listings (a wide
    frame's other columns are never copied). ``labels``: ``str()`` of the frame's column labels
    when the caller has them (see :func:`column_labels`).
    """
    if not isinstance(returns, pd.DataFrame):
        raise DataFormatError(
            f"returns must be a pandas DataFrame (long: symbol, date, ret; or wide: date x symbol), "
            f"got {type(returns).__name__}"
        )
    col_names = column_labels(returns) if labels is None else labels
    cols = set(col_names)
    if {"symbol", "date", "ret"} <= cols:
        if symbols is not None:
            returns = returns[returns["symbol"].astype(str).isin(set(symbols))]
        code, symbol_arr = _sorted_codes(returns["symbol"].astype(str))
        dates = _to_naive_dates(returns["date"], "returns['date']")
        ret = pd.to_numeric(returns["ret"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = returns["ret"].notna().to_numpy() & np.isnan(ret)
        if bad.any():
            raise DataFormatError(
                f"returns['ret'] has {int(bad.sum())} non-numeric values "
                f"(first: {returns['ret'][bad].iloc[0]!r}); returns must be numbers (NaN = missing)"
            )
        if code.size == 0:
            raise DataFormatError("returns has no rows; pass at least one symbol with returns")
        spanning = _spanning_rows(returns)
        if spanning.any():  # gap_policy='multi_day': not one session's return
            ret = np.where(spanning, np.nan, ret)
        days = dates.astype(np.int64) // NS_PER_DAY
        key = code * _KEY + days
        if not (key[1:] >= key[:-1]).all():  # already (symbol, date)-sorted input skips the sort
            order = np.argsort(key, kind="stable")
            code, dates, days, ret = code[order], dates[order], days[order], ret[order]
    elif "symbol" in cols or "ret" in cols:
        raise DataFormatError(
            f"a long returns frame needs columns symbol, date, ret; got {sorted(cols)}"
        )
    else:
        all_names = col_names
        names = all_names
        if symbols is None:
            col_pos = np.arange(len(all_names))
        else:
            wanted = symbols if isinstance(symbols, (set, frozenset)) else set(symbols)
            keep = list(map(wanted.__contains__, all_names))
            if all(keep):  # every column an event symbol: no list-to-array conversion
                col_pos = np.arange(len(all_names))
            else:
                col_pos = np.flatnonzero(keep)
                names = list(compress(all_names, keep))
        if not names or returns.index.size == 0:
            raise DataFormatError("returns is empty: pass at least one symbol with returns")
        idx_dates = _to_naive_dates(returns.index, "returns index (wide frame: dates x symbols)")
        if len(set(names)) != len(names):
            raise DataFormatError(
                f"returns has duplicate columns: {sorted(names)[:5]}...; one per symbol"
            )
        name_arr = np.asarray(names, dtype=object)
        if sorted(names) != names:  # sorted (the usual case): no argsort
            col_order = np.argsort(name_arr, kind="stable")
            name_arr, col_pos = name_arr[col_order], col_pos[col_order]
        symbol_arr = name_arr
        try:  # one numeric block: a view of it, then gather only the wanted columns
            vals = returns.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):  # e.g. a text column that is not an event symbol
            wanted = returns.iloc[:, col_pos]
            try:
                vals = wanted.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                _refuse_text_returns(wanted)
                raise
        else:
            if col_pos.size != len(all_names) or (col_pos[1:] < col_pos[:-1]).any():
                vals = vals[:, col_pos]
        if not (idx_dates[1:] >= idx_dates[:-1]).all():
            row_order = np.argsort(idx_dates, kind="stable")
            vals, idx_dates = vals[row_order], idx_dates[row_order]
        # symbol-major layout: each symbol's sessions contiguous and ascending (a view when the
        # frame is one column-major block, the usual case)
        vals = np.ascontiguousarray(vals.T)
        n_s, n_t = vals.shape
        cells = None
        # min() is NaN when a cell is (NaN propagates): one pass without a grid-sized mask
        if not np.isnan(vals.min()):  # a complete grid: row r is cell r, nothing to index
            ret = vals.reshape(-1)
            counts = np.full(n_s, n_t, dtype=np.int64)
            start = np.arange(0, n_s * n_t, n_t, dtype=np.int64)
        else:
            present = ~np.isnan(vals)
            ret = vals[present]
            counts = present.sum(axis=1)
            cells = np.flatnonzero(present)
            start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        if ret.size == 0:
            raise DataFormatError("returns has no rows; pass at least one symbol with returns")
        flat = FlatReturns(
            symbol_arr.astype(object),
            start,
            counts,
            None,
            None,
            None,
            ret,
            idx_dates,
            cells=cells,
        )
        # a wide frame can only repeat a (symbol, date) if its index repeats a date
        if (idx_dates[1:] == idx_dates[:-1]).any():
            _check_duplicates(flat.code, flat.days, flat.dates, symbol_arr)
        return flat
    _check_duplicates(code, days, dates, symbol_arr)
    counts = np.bincount(code, minlength=symbol_arr.size)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = FlatReturns(symbol_arr.astype(object), start, counts, code, dates, days, ret)
    if spanning.any():
        flat.notes.append(
            f"{int(spanning.sum())} return(s) span several sessions (column 'span' > 1, "
            "gap_policy='multi_day') and are taken as missing: an event study needs one "
            "session's return per row (gap_policy='drop' gives the same)"
        )
    return flat


def _spanning_rows(returns: pd.DataFrame) -> np.ndarray:
    """Rows of a long frame whose return spans several sessions (a ``span`` column > 1)."""
    if "span" not in returns.columns:
        return np.zeros(len(returns), dtype=bool)
    span = pd.to_numeric(returns["span"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(span > 1, dtype=bool)


def fill_session_gaps(flat: FlatReturns, calendar_of: CalendarOf) -> FlatReturns:
    """``flat`` with a missing return (NaN) on each session of a listing's calendar that falls
    between its first and last return and has none: a suspension is missing data, not a session
    the listing skipped.

    A wide frame's NaN and a long frame's absent row read as "not a session of this listing" (a
    wide frame that mixes markets has NaN on the other market's sessions). Where the listing's
    calendar is known (``calendars=``, else the security master), its own sessions are counted
    instead: event time runs over a suspension, an event window with one drops the event (the
    ledger says which date has no return) and an estimation window has one observation fewer.
    ``flat.notes`` says what was added; ``flat`` itself is returned when nothing was.
    """
    symbols = flat.symbols.tolist()
    if flat.length.all():  # no Python-level loop over a market's listings
        many = getattr(calendar_of, "get_many", None)
        names = many(symbols) if many is not None else list(map(calendar_of.get, symbols))
    else:  # a listing without rows has no sessions to fill
        names = [
            calendar_of.get(s) if n else None
            for s, n in zip(symbols, flat.length.tolist(), strict=True)
        ]
    by_calendar: dict[str, list[int]] = {}
    if any(names):
        for c, name in enumerate(names):
            if name:
                by_calendar.setdefault(name, []).append(c)
    add_code: list[np.ndarray] = []
    add_days: list[np.ndarray] = []
    for name, members in by_calendar.items():
        codes = np.asarray(members, dtype=np.int64)
        lens = flat.length[codes]
        first = flat.days_at(flat.start[codes])
        last = flat.days_at(flat.start[codes] + lens - 1)
        sess, _, _ = _calendars.sessions_closes(name, pd.Timestamp(int(first.min()) * NS_PER_DAY))
        sdays = sess.astype(np.int64) // NS_PER_DAY
        expected = np.searchsorted(sdays, last, "right") - np.searchsorted(sdays, first, "left")
        # the members' rows, listing by listing (all rows when every listing is a member)
        offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
        rows = np.repeat(flat.start[codes] - offsets, lens) + np.arange(int(lens.sum()))
        rdays = flat.days_at(rows)
        at = np.minimum(np.searchsorted(sdays, rdays), sdays.size - 1)
        on_session = np.add.reduceat((sdays[at] == rdays).astype(np.int64), offsets)
        for j in np.flatnonzero(expected > on_session):
            span = sdays[np.searchsorted(sdays, first[j]) : np.searchsorted(sdays, last[j], "right")]
            own = rdays[offsets[j] : offsets[j] + lens[j]]
            missing = span[~np.isin(span, own)]
            add_code.append(np.full(missing.size, codes[j], dtype=np.int64))
            add_days.append(missing)
    if not add_code:
        return flat
    n_add = sum(a.size for a in add_code)
    code = np.concatenate([flat.code, *add_code])
    days = np.concatenate([flat.days, *add_days])
    ret = np.concatenate([flat.ret, np.full(n_add, np.nan)])
    order = np.argsort(code * _KEY + days, kind="stable")
    code, days, ret = code[order], days[order], ret[order]
    counts = np.bincount(code, minlength=flat.symbols.size)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    dates = (days * NS_PER_DAY).astype("datetime64[ns]")
    out = FlatReturns(flat.symbols, start, counts, code, dates, days, ret)
    listed = []
    for who, gap in zip(add_code, add_days, strict=True):
        shown = ", ".join(str(pd.Timestamp(int(x) * NS_PER_DAY).date()) for x in gap[:3])
        listed.append(f"{flat.symbols[who[0]]} {gap.size} ({shown}{', ...' if gap.size > 3 else ''})")
    out.notes = [
        *flat.notes,
        f"{n_add} session(s) of the listings' own calendars have no return between their first and "
        f"last one and are taken as missing returns (a suspension), not skipped: "
        + "; ".join(listed[:5])
        + (f"; and {len(listed) - 5} more listings" if len(listed) > 5 else "")
        + ". An event window with one drops its event (see the dropped ledger)",
    ]
    return out


def _refuse_text_returns(wide: pd.DataFrame) -> None:
    """Raise :class:`DataFormatError` naming the first cell of ``wide`` that is not a number."""
    for col in wide.columns:
        num = pd.to_numeric(wide[col], errors="coerce")
        bad = wide[col].notna().to_numpy() & num.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise DataFormatError(
                f"returns[{str(col)!r}] has {int(bad.sum())} non-numeric values (first: "
                f"{wide[col].iloc[i]!r} on {wide.index[i]}); returns must be decimal numbers "
                "(0.012 for 1.2%; NaN = missing)"
            )


def _check_duplicates(
    code: np.ndarray, days: np.ndarray, dates: np.ndarray, symbols: np.ndarray
) -> None:
    dup = (code[1:] == code[:-1]) & (days[1:] == days[:-1])
    if dup.any():
        i = int(np.argmax(dup))
        raise DuplicateDateError(
            f"returns have {int(dup.sum())} duplicate (symbol, date) rows, e.g. "
            f"{symbols[code[i]]} {pd.Timestamp(dates[i]).date()}; keep one row per session"
        )


@dataclass(frozen=True)
class EventTable:
    """Validated events, in a canonical order (group, symbol, day 0, event_id) so results ignore
    input order."""

    event_id: np.ndarray  # str
    symbol: np.ndarray  # str
    group: np.ndarray  # str
    date: np.ndarray  # datetime64[ns] or NaT (date events)
    timestamp_ns: np.ndarray  # int64 UTC ns, or iNaT (timestamp events)
    has_groups: bool
    # object: the timestamp as given, None on a date event (whose text ``requested`` builds)
    given_timestamp: np.ndarray = field(repr=False)
    symbol_code: np.ndarray = field(repr=False)  # int64: each event's position in ``symbols``
    symbols: np.ndarray = field(repr=False)  # str: the distinct symbols, ascending

    @functools.cached_property
    def requested(self) -> np.ndarray:
        """str: the date or timestamp as given (for the ledger).

        Built on first use: only dropped events need it, and writing every date as text costs
        more than the rest of reading the events.
        """
        out = self.given_timestamp.copy()
        on_date = self.timestamp_ns == _NAT
        if on_date.any():
            out[on_date] = np.datetime_as_string(self.date[on_date], unit="D")
        return out


_NAT = np.iinfo(np.int64).min


class _EventText:
    """An events column as text: ``values``, ``str(v)`` of each value (``.strip()``-ed if asked)
    as an object array, and on demand ``coded``, their :func:`_sorted_codes`.

    A text column (the usual case) holds ``str`` already: no ``str()`` per value, and an Arrow
    one is read by Arrow (its null count, its values) rather than through pandas' NA machinery.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    @classmethod
    def of(cls, column: pd.Series, strip: bool = False) -> _EventText | None:
        """The text of ``column``; None when a value is missing."""
        dtype = getattr(column, "dtype", None)
        if isinstance(dtype, pd.StringDtype):
            if dtype.storage == "pyarrow":
                import pyarrow as pa

                arr = pa.array(column.array)
                if arr.null_count:
                    return None
                raw = arr.to_numpy(zero_copy_only=False)
            else:
                if column.array.isna().any():
                    return None
                raw = column.to_numpy(dtype=object)
            return cls(np.array([v.strip() for v in raw.tolist()], dtype=object) if strip else raw)
        # other dtypes: plain Python str() over the values, what .astype(str) gives without
        # pandas' string overhead
        raw = np.array(column.tolist(), dtype=object)
        if pd.isna(raw).any():
            return None
        if strip:
            return cls(np.array([str(v).strip() for v in raw], dtype=object))
        return cls(np.array([str(v) for v in raw], dtype=object))

    @functools.cached_property
    def coded(self) -> tuple[np.ndarray, np.ndarray]:
        """(int64 code of each value, the distinct values ascending): built when asked, as the
        ids' codes are only needed where events tie on group, symbol and date."""
        values = self.values
        given = values.tolist()
        if given and all(map(operator.le, given, given[1:])):
            # already ascending (events listed by symbol): codes count the runs, no hashing
            new = np.ones(values.size, dtype=bool)
            np.not_equal(values[1:], values[:-1], out=new[1:])
            return np.cumsum(new, dtype=np.int64) - 1, values[new]
        return _sorted_codes(values)


def _sorted_codes(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` of text: int64 codes (-1 where missing) and the
    distinct values ascending (object array).

    Hashing, then ordering the distinct values only: pandas' own ``sort=True`` pays a generic
    safe-sort of the uniques that costs three times the hashing for a few hundred strings.
    """
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(order.size + 1, dtype=np.int64)
    rank[order] = np.arange(order.size)
    rank[-1] = -1  # a missing value (code -1) keeps its code
    return rank[codes], uniques[order]


def _object_full(n: int, value: object) -> np.ndarray:
    """``np.full(n, value, dtype=object)``: numpy's own makes a new ``str`` per element (14 us for
    500), ``fill`` stores the one object."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _ties_in_order(keys: Sequence[np.ndarray], tied: np.ndarray | None = None) -> np.ndarray | None:
    """None unless the rows are already in ``np.lexsort(keys)`` order (the last key first); then
    which adjacent pairs of rows are equal on every key.

    ``tied``: the pairs equal on more significant keys already checked (None: every pair).
    """
    for k in reversed(keys):
        a, b = k[:-1], k[1:]
        down = a > b
        if tied is not None:
            down &= tied
        if down.any():
            return None
        tied = a == b if tied is None else tied & (a == b)
    return tied


def read_events(events: pd.DataFrame) -> EventTable:
    """Validate an events frame: ``event_id, symbol, date | timestamp [, group]``."""
    if not isinstance(events, pd.DataFrame):
        raise EventFormatError(
            f"events must be a DataFrame with columns event_id, symbol, date|timestamp[, group], "
            f"got {type(events).__name__}"
        )
    cols = set(column_labels(events))
    missing = {"event_id", "symbol"} - cols
    if missing or not ({"date", "timestamp"} & cols):
        # headers such as "Event_ID" or " symbol": the names, whatever their case and spaces
        known = ("event_id", "symbol", "date", "timestamp", "group")
        rename = {c: str(c).strip().lower() for c in events.columns if str(c) not in known}
        rename = {c: name for c, name in rename.items() if name in known}
        targets = [*rename.values(), *(c for c in cols if c in known)]
        if rename and len(set(targets)) == len(targets):
            events = events.rename(columns=rename)
            cols = set(map(str, events.columns))
            missing = {"event_id", "symbol"} - cols
    if missing or not ({"date", "timestamp"} & cols):
        raise EventFormatError(
            f"events need columns event_id, symbol and date or timestamp (optional group); "
            f"got {sorted(cols)}"
        )
    if len(events) == 0:
        raise EventFormatError("events is empty: pass at least one event")
    eid_text = _EventText.of(events["event_id"])
    sym_text = _EventText.of(events["symbol"], strip=True)
    if eid_text is None or sym_text is None:
        raise EventFormatError("events have rows with no event_id or symbol; fill or remove them")
    eid, sym = eid_text.values, sym_text.values
    # integer codes (sorted, so they also order the events below) instead of string keys
    sym_code, symbols = sym_text.coded
    n = len(events)
    if len(set(eid.tolist())) < n:  # distinct ids (the usual case) cannot repeat a pair
        eid_code = eid_text.coded[0]
        pair = eid_code * (int(sym_code.max()) + 1) + sym_code
        dup = pd.Series(pair).duplicated(keep=False).to_numpy()
        if dup.any():
            first = np.flatnonzero(dup)[:3]
            shown = ", ".join(f"({eid[i]}, {sym[i]})" for i in first)
            raise EventFormatError(
                f"duplicate events: {int(dup.sum())} rows share an (event_id, symbol) pair, e.g. "
                f"{shown}; each event of a security must appear once (give repeated events "
                "distinct ids)"
            )
    date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ts = np.full(n, _NAT, dtype=np.int64)
    given_ts = np.full(n, None, dtype=object)
    use_ts = (
        events["timestamp"].notna().to_numpy() if "timestamp" in cols else np.zeros(n, dtype=bool)
    )
    if use_ts.any():
        raw = events["timestamp"][use_ts]
        if isinstance(raw.dtype, pd.DatetimeTZDtype):
            utc = pd.DatetimeIndex(raw.dt.tz_convert("UTC"))
        else:
            # "14:30 UTC" is as zoned as "14:30Z"
            text = raw.astype(str).str.strip().str.replace(r"\s*(?:UTC|GMT)$", "Z", regex=True)
            zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
            if not zoned.all():
                i = int(np.flatnonzero(~zoned.to_numpy())[0])
                raise EventFormatError(
                    f"events timestamp {text.iloc[i]!r} has no time zone; add one "
                    "(e.g. +08:00 or Z) or use a 'date' column for a session date"
                )
            try:
                utc = pd.DatetimeIndex(pd.to_datetime(text, utc=True, format="ISO8601"))
            except (ValueError, TypeError) as exc:
                bad = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce").isna()
                shown = text[bad.to_numpy()].iloc[0] if bad.any() else str(exc).splitlines()[0]
                raise EventFormatError(
                    f"events timestamp {shown!r} cannot be read; use ISO 8601 with a zone, "
                    "e.g. 2025-01-20T08:00:00+08:00"
                ) from exc
        ts[use_ts] = utc.tz_localize(None).values.astype("datetime64[ns]").astype(np.int64)
        given_ts[use_ts] = raw.astype(str).to_numpy()
        if "date" in cols:
            _check_date_agrees(events, use_ts, raw, eid, sym)
    use_d = ~use_ts
    if use_d.any():
        if "date" not in cols:
            i = int(np.flatnonzero(use_d)[0])
            raise EventFormatError(
                f"event ({eid[i]}, {sym[i]}) has neither a date nor a timestamp"
            )
        raw = events["date"] if use_d.all() else events["date"][use_d]
        # naive datetimes (the usual case): NaT on the array, not through pandas' isna
        values = raw.to_numpy() if isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "M" else None
        no_date = np.isnat(values) if values is not None else raw.isna().to_numpy()
        if no_date.any():
            i = int(np.flatnonzero(no_date)[0])
            raise EventFormatError(
                f"event ({eid[use_d][i]}, {sym[use_d][i]}) has neither a date nor a timestamp"
            )
        date[use_d] = _to_naive_dates(
            raw if values is None else values, "events['date']", _EVENT_TIME_ADVICE
        )
    has_groups = "group" in cols
    if has_groups:
        gcol = events["group"]
        if isinstance(gcol.dtype, pd.StringDtype):  # text: missing and "" are the empty groups
            g = gcol.to_numpy(dtype=object)
            empty = bool(gcol.array.isna().any()) or bool((g == "").any())
        else:
            g = gcol.astype(object).where(gcol.notna(), "").astype(str).to_numpy()
            empty = bool((g == "").any())
        if empty:
            raise EventFormatError("events 'group' is empty on some rows; give every event a group")
        if (g == "all").any() and not (g == "all").all():
            raise EventFormatError(
                "events 'group' uses the name 'all', which stands for every event of the study; "
                "rename that group (e.g. 'all_tech')"
            )
    else:
        g = _object_full(n, "all")
    # canonical order: by group, symbol, date/timestamp, then id (input order never matters;
    # a group's events are then one run of rows, which the engine slices without copying)
    when = np.where(use_ts, ts, date.astype(np.int64))
    keys: tuple[np.ndarray, ...] = (when, sym_code)
    if has_groups:
        keys += (_sorted_codes(g)[0],)
    # = lexsort of the strings (sorted codes). Events often come in that order already, and
    # then the ids are compared only where group, symbol and date tie (the ids' codes are
    # built only then)
    tied = _ties_in_order(keys)
    if tied is not None and tied.any():
        tied = _ties_in_order((eid_text.coded[0],), tied)
    order = np.arange(n) if tied is not None else np.lexsort((eid_text.coded[0], *keys))
    return EventTable(
        eid.take(order),
        sym.take(order),
        g.astype(object, copy=False).take(order),
        date.take(order),
        ts.take(order),
        has_groups,
        given_ts.take(order),
        sym_code.take(order),
        symbols,
    )


def _check_date_agrees(
    events: pd.DataFrame, use_ts: np.ndarray, raw: pd.Series, eid: np.ndarray, sym: np.ndarray
) -> None:
    """Refuse a row whose ``date`` is not its ``timestamp``'s own date: one of them is a typo.

    The timestamp's date is its wall-clock date in the zone it is written in, as in the catalog.
    """
    given = events["date"][use_ts]
    both = given.notna().to_numpy()
    if not both.any():
        return
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        local = raw.dt.tz_localize(None).dt.normalize()
    else:
        lead = raw.astype(str).str.strip().str.extract(r"^(\d{4}-?\d{2}-?\d{2})")[0]
        local = pd.to_datetime(lead, format="ISO8601", errors="coerce")
    own = local.to_numpy(dtype="datetime64[ns]")[both]
    day = _to_naive_dates(given[both], "events['date']", _EVENT_TIME_ADVICE)
    off = np.flatnonzero(own != day)
    if off.size:
        i = int(np.flatnonzero(use_ts)[np.flatnonzero(both)[off[0]]])
        raise EventFormatError(
            f"event ({eid[i]}, {sym[i]}): date {pd.Timestamp(day[off[0]]).date()} disagrees with "
            f"timestamp {str(raw.iloc[int(np.flatnonzero(both)[off[0]])]).strip()} "
            f"({off.size} row(s) so); fix one, or leave the date empty (the timestamp sets day 0)"
        )


@dataclass
class DayZero:
    """Day-0 row of each event (-1 where dropped) and the ledger reason of dropped ones."""

    row: np.ndarray
    reason: np.ndarray  # object, "" when kept


def suggest_symbols(d0: DayZero, ev: EventTable, returns: pd.DataFrame) -> None:
    """Add the data's close spellings to the ledger reason of a symbol without returns ("aaa":
    did you mean AAA?), for up to 50 distinct such symbols (a whole market's misses would cost
    more to match than the study)."""
    missing_rows = d0.reason == "symbol has no returns in the data"
    missing = sorted(set(ev.symbol[missing_rows].tolist()))
    if not missing or len(missing) > 50:
        return
    from rerating.errors import close_matches

    names = (
        returns["symbol"].astype(str).unique().tolist()
        if "symbol" in returns.columns
        else [str(c) for c in returns.columns.tolist()]
    )
    for sym in missing:
        hits = [h for h in close_matches(str(sym), names) if h != sym]
        if hits:
            d0.reason[missing_rows & (ev.symbol == sym)] = (
                f"symbol has no returns in the data: did you mean {', '.join(hits)}?"
            )


def locate_day_zero(
    flat: FlatReturns,
    ev: EventTable,
    calendar_of: CalendarOf,
    non_session: NonSessionPolicy,
) -> DayZero:
    """Map each event to the row of its day 0 in its own listing's sessions.

    Timestamps: the first session of the listing's calendar whose close is after the timestamp.
    Dates: the row of that date; a date that is not a session follows ``non_session``
    (next / previous / skip / raise). Sessions come from the listing's calendar when known,
    else from the listing's rows in the data.
    """
    if non_session not in ("next", "previous", "skip", "raise"):
        raise NonSessionDateError(
            f"non_session={non_session!r} is not a policy; valid: next, previous, skip, raise"
        )
    n = ev.event_id.size
    row = np.full(n, -1, dtype=np.int64)
    reason = _object_full(n, "")
    listings = flat.symbols.tolist()
    if listings == ev.symbols.tolist():  # every event symbol has returns: the same codes
        code = ev.symbol_code.copy()
    else:
        position = dict(zip(listings, range(len(listings)), strict=True))
        code = np.fromiter(map(position.get, ev.symbol.tolist(), repeat(-1)), np.int64, n)
    code[(code >= 0) & (flat.length[np.maximum(code, 0)] == 0)] = -1  # a column of NaN only
    reason[code < 0] = "symbol has no returns in the data"
    target = ev.date.copy()

    # timestamps -> session date of the listing's calendar
    is_ts = ev.timestamp_ns != _NAT
    ts_rows = np.flatnonzero(is_ts & (code >= 0))
    ts_cals: list[str] = []  # each timestamp event's calendar, looked up once
    for j, sym in zip(ts_rows, ev.symbol[ts_rows].tolist(), strict=True):
        cal_of = calendar_of.get(sym)
        if cal_of is None:
            raise EventFormatError(
                f"event ({ev.event_id[j]}, {sym}) has a timestamp but the calendar of "
                f"{sym} is unknown; pass calendars={{'{sym}': 'XNYS'}} (an "
                "exchange_calendars name) or a session 'date' instead"
            )
        ts_cals.append(cal_of)
    for name in set(ts_cals):
        sel = ts_rows[[c == name for c in ts_cals]]
        target[sel] = _calendars.first_session_closing_after(name, ev.timestamp_ns[sel])
    past = is_ts & (code >= 0) & np.isnat(target)
    for i in np.flatnonzero(past):  # after the last session the calendar knows
        cal = calendar_of.get(ev.symbol[i])
        reason[i] = (
            f"event outside the calendar: timestamp {ev.requested[i]} is after the last {cal} "
            f"session that exchange_calendars knows ({_calendars.last_session(str(cal)).date()})"
        )
        code[i] = -1

    ok = code >= 0
    days = target.astype(np.int64) // NS_PER_DAY
    found = flat.find(np.where(ok, code, -1), days)
    exact = ok & (found >= 0)
    row[exact] = found[exact]

    inexact = np.flatnonzero(ok & ~exact)
    if inexact.size == 0:  # every day 0 is a row of the data (the usual case)
        return DayZero(row, reason)
    first = np.where(ok, flat.dates_at(flat.start[np.maximum(code, 0)]), np.datetime64("NaT"))
    last = np.where(
        ok,
        flat.dates_at(flat.start[np.maximum(code, 0)] + flat.length[np.maximum(code, 0)] - 1),
        np.datetime64("NaT"),
    )
    for i in inexact:
        s, d = ev.symbol[i], target[i]
        if d < first[i] or d > last[i]:
            reason[i] = (
                f"event outside the data: day 0 {pd.Timestamp(d).date()} is outside "
                f"{s}'s returns {pd.Timestamp(first[i]).date()}..{pd.Timestamp(last[i]).date()}"
            )
            continue
        cal = calendar_of.get(s)
        if cal is not None and bool(_calendars.is_session(cal, np.array([d]))[0]):
            reason[i] = (
                f"missing day 0: {pd.Timestamp(d).date()} is a {cal} session with no return row"
            )
            continue
        if non_session == "raise":
            raise NonSessionDateError(
                f"event ({ev.event_id[i]}, {s}) date {pd.Timestamp(d).date()} is not a session of "
                f"{s} ({cal or 'sessions in the data'}); pass non_session='next', 'previous' or "
                "'skip' (on the command line: --non-session next, previous or skip), or give a "
                "session date"
            )
        if non_session == "skip":
            reason[i] = f"not a session (non_session='skip'): {pd.Timestamp(d).date()}"
            continue
        c = int(code[i])
        lo, hi = int(flat.start[c]), int(flat.start[c] + flat.length[c])
        seg = flat.dates_at(np.arange(lo, hi))
        if cal is not None:
            d2 = _calendars.shift_to_session(cal, np.array([d]), non_session)[0]
            j = np.searchsorted(seg, d2)
            if np.isnat(d2):  # unreachable while the data lie within the calendar; kept safe
                reason[i] = f"event outside the calendar: no {non_session} {cal} session of {pd.Timestamp(d).date()}"
            elif j < seg.size and seg[j] == d2:
                row[i] = lo + j
            else:
                reason[i] = (
                    f"missing day 0: {non_session} session {pd.Timestamp(d2).date()} after "
                    f"non-session {pd.Timestamp(d).date()} has no return row"
                )
        else:
            j = np.searchsorted(seg, d, side="left" if non_session == "next" else "right")
            j = j if non_session == "next" else j - 1
            row[i] = lo + j
    return DayZero(row, reason)


def drop_repeated_day_zero(flat: FlatReturns, ev: EventTable, d0: DayZero) -> DayZero:
    """Keep one event per (listing, day 0); the others go to the ledger.

    Two events of one listing that map to the same day 0 (two news items of one day, two catalog
    events of one date) have the same abnormal returns: counted twice, they would double the
    listing's weight and make the pair's residual correlation 1. The first event in canonical
    order (group, symbol, date, id) is kept, so the choice never depends on the input order; a
    listing's day 0 therefore belongs to one group, which is what comparing two groups assumes.
    """
    kept = np.flatnonzero(d0.row >= 0)
    rows = d0.row[kept]
    # the usual case, nothing repeated: rows ascending (events in canonical order without
    # groups) tell it without a sort
    if (rows[1:] > rows[:-1]).all() or np.unique(rows).size == rows.size:
        return d0
    # kept events are in canonical order: the first of each row's run is the one kept
    order = np.argsort(rows, kind="stable")
    srt = rows[order]
    repeat = np.zeros(srt.size, dtype=bool)
    repeat[1:] = srt[1:] == srt[:-1]
    first_of = np.maximum.accumulate(np.where(repeat, 0, np.arange(srt.size)))
    row, reason = d0.row.copy(), d0.reason.copy()
    for j in np.flatnonzero(repeat):
        i, k = kept[order[j]], kept[order[first_of[j]]]
        where = f", in group {ev.group[k]!r}" if ev.group[i] != ev.group[k] else ""
        reason[i] = (
            f"repeated listing and day 0: {ev.symbol[i]} on "
            f"{pd.Timestamp(flat.dates_at(row[i])).date()} is already event {ev.event_id[k]}"
            f"{where}; a listing's abnormal return on one day 0 counts once"
        )
        row[i] = -1
    return DayZero(row, reason)


class PanelView:
    """The flat panel plus aligned benchmark, factor and risk-free columns (models read it)."""

    def __init__(
        self,
        flat: FlatReturns,
        market: np.ndarray | None,
        risk_free: np.ndarray | None,
        factors: tuple[np.ndarray, tuple[str, ...]] | None,
        foreign_source: pd.DataFrame | None,
        calendar_of: CalendarOf,
    ) -> None:
        self.flat = flat
        self.n_rows = flat.n_rows
        self._market = market
        self._rf = risk_free
        self._factors = factors
        self._foreign_source = foreign_source
        self._calendar_of = calendar_of

    def market(self) -> np.ndarray:
        if self._market is None:
            raise MissingDataError(NO_MARKET_MESSAGE)
        return self._market

    def market_shift(self, k: int) -> np.ndarray:
        return self.flat.shift(self.market(), k)

    def risk_free(self) -> np.ndarray | None:
        return self._rf

    def factors(self) -> tuple[np.ndarray, tuple[str, ...]] | None:
        return self._factors

    def foreign(self, column: str, lag: int) -> np.ndarray:
        src = self._foreign_source
        if src is None or column not in src.columns:
            have = [] if src is None else list(map(str, src.columns))
            raise MissingDataError(
                f"foreign_lag column {column!r} is not in market_returns (columns: {have}); "
                "add that market's returns as a column of market_returns"
            )
        if int((src.columns == column).sum()) > 1:
            raise DataFormatError(
                f"foreign_lag column {column!r} names {int((src.columns == column).sum())} columns "
                f"of market_returns (columns: {list(map(str, src.columns))}); which is the foreign "
                "market cannot be told: give each column its own name"
            )
        fcal = self._calendar_of.get(column)
        if fcal is None:
            raise MissingDataError(
                f"the calendar of foreign market {column!r} is unknown; pass calendars="
                f"{{'{column}': 'XNYS'}}"
            )
        out = np.full(self.n_rows, np.nan)
        series = src[column]
        for c, sym in enumerate(self.flat.symbols):
            lcal = self._calendar_of.get(sym)
            if lcal is None:
                raise MissingDataError(
                    f"the calendar of {sym} is unknown, so the foreign session before its open "
                    f"cannot be found; pass calendars={{'{sym}': 'XHKG'}}"
                )
            lo = int(self.flat.start[c])
            rows = np.arange(lo, lo + int(self.flat.length[c]))
            fdates = _calendars.foreign_session_before_open(lcal, fcal, self.flat.dates[rows], lag)
            tmp = FlatReturns(
                np.array([sym], dtype=object),
                np.array([0]),
                np.array([rows.size]),
                np.zeros(rows.size, dtype=np.int64),
                np.where(np.isnat(fdates), np.datetime64("1970-01-01", "ns"), fdates),
                np.zeros(rows.size, dtype=np.int64),
                np.zeros(rows.size),
            )
            vals = tmp.align(series)
            out[rows] = np.where(np.isnat(fdates), np.nan, vals)
        return out


class NotPointwise(Exception):
    """A model read a column that is not a function of the row's own date (lags, foreign)."""


class RowsPanel:
    """The model columns at chosen rows only (a chunk's windows), for models that read no lags.

    Every column a model reads here is a function of the row's own date (benchmark, risk-free,
    factors), so building the design at the rows equals gathering the full-panel design at them,
    without materialising one value per panel row. Lags, leads and foreign markets raise
    :class:`NotPointwise`: the engine then builds the full-panel :class:`PanelView`.
    """

    def __init__(
        self,
        flat: FlatReturns,
        rows: np.ndarray,
        market: Sequence[AlignedSeries] | None,
        col_of_sym: np.ndarray | None,
        risk_free: AlignedSeries | None,
        factors: tuple[Sequence[AlignedSeries], tuple[str, ...]] | None,
    ) -> None:
        self._flat = flat  # private: a model reading the full panel gets the PanelView path
        self.rows = rows
        self.n_rows = int(rows.size)
        self._market = market
        self._col_of_sym = col_of_sym
        self._rf = risk_free
        self._factors = factors

    def market(self) -> np.ndarray:
        if self._market is None:
            raise MissingDataError(NO_MARKET_MESSAGE)
        assert self._col_of_sym is not None
        return self._flat.market_at(self._market, self._col_of_sym, self.rows)

    def market_shift(self, k: int) -> np.ndarray:
        raise NotPointwise

    def risk_free(self) -> np.ndarray | None:
        return None if self._rf is None else self._rf.at(self.rows)

    def factors(self) -> tuple[np.ndarray, tuple[str, ...]] | None:
        if self._factors is None:
            return None
        cols, names = self._factors
        if not cols:
            return np.empty((self.n_rows, 0)), names
        return np.column_stack([c.at(self.rows) for c in cols]), names

    def foreign(self, column: str, lag: int) -> np.ndarray:
        raise NotPointwise
