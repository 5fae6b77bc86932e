"""The ``files`` source: a folder with one CSV or Parquet file of daily bars per symbol.

Layout (documented in docs/DATA.md): columns ``date,open,high,low,close,adj_close,volume``; only
``date`` and ``close`` are required, an empty cell means unknown. ISO dates, ascending, unique,
each a session of the listing's calendar. File names are the symbols with Yahoo's caret dropped
(``GSPC.csv`` holds ``^GSPC``); the folder may also hold ``shares.csv`` and ``eps.csv``.

Every problem is reported with the file and the line (CSV: the line number in the file, header =
line 1; Parquet: the row number): malformed rows (more or fewer fields than the header, as with
Excel's trailing comma; an unclosed quote; text not in UTF-8), duplicate or unsorted dates, zero,
negative or infinite prices, an ``adj_close`` empty on some rows only (a half-adjusted series),
dates that are not sessions (``non_session="raise"``, the default; ``"drop"`` drops them and
records each in :attr:`FilesSource.dropped`), files with no rows. A Parquet file may keep its dates in a datetime
index (``df.to_parquet()``). A trailing comma on every line, the header's included, makes an empty
unnamed column, which is dropped. ``shares.csv`` and ``eps.csv`` are read with the same checks, and
``eps.csv`` holds one row per (symbol, period_end, report_date).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from rerating._typing import DateLike, PathLike
from rerating.data.securities import SecurityMaster, normalize_symbol
from rerating.data.sources import BAR_COLUMNS, EPS_COLUMNS, SHARES_COLUMNS
from rerating.errors import (
    BadPriceError,
    DataFormatError,
    DuplicateDateError,
    MissingDataError,
    MissingSharesError,
    NonSessionDateError,
    UnknownSymbolError,
    UnsortedDataError,
    did_you_mean,
)

SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".pq")
SIDE_FILES: frozenset[str] = frozenset({"shares", "eps"})
# Common spellings of the bar columns in exported files.
COLUMN_ALIASES: dict[str, str] = {"adj close": "adj_close", "adjclose": "adj_close", "adjusted_close": "adj_close"}
PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close")


def _locate(rows: np.ndarray, is_csv: bool) -> list[str]:
    """'line N' (CSV, header = line 1) or 'row N' (Parquet, first row = 1) for row positions."""
    return [f"line {int(r) + 2}" if is_csv else f"row {int(r) + 1}" for r in rows]


def _is_date_index(index: pd.Index) -> bool:
    """A datetime index named ``date`` (any case) or unnamed: the dates of a ``df.to_parquet()`` file."""
    name = index.name
    return isinstance(index, pd.DatetimeIndex) and (name is None or str(name).strip().lower() == "date")


def _is_blank(fields: list[str]) -> bool:
    """An empty or whitespace-only line (what ``read_csv(skip_blank_lines=True)`` leaves out)."""
    return len(fields) <= 1 and not "".join(fields).strip()


def _named_width(header: list[str]) -> int:
    """How many header fields are left once empty names at the end (trailing commas) are cut."""
    named = len(header)
    while named and not header[named - 1].strip():
        named -= 1
    return named


def _check_widths(path: Path, records: list[tuple[int, list[str]]]) -> None:
    """Refuse a row with more or fewer fields than the header (header = ``records[0]``)."""
    header = records[0][1]
    width, named = len(header), _named_width(header)
    for line, fields in records[1:]:
        if _is_blank(fields):
            continue
        n = len(fields)
        if n > width:
            plural = "s" if n - width > 1 else ""
            if all(not f.strip() for f in fields[width:]):
                fix = f" (a trailing comma?); remove the extra field{plural}"
            else:
                fix = f"; quote cells that contain a comma, or remove the extra field{plural}"
            raise DataFormatError(f"{path}: malformed CSV: line {line} has {n} fields, the header has {width}{fix}")
        if n < named:
            raise DataFormatError(
                f"{path}: malformed CSV: line {line} has {n} fields, the header has {named}; give every row "
                "one cell per header column (an empty cell for unknown)"
            )
        extra = [j for j in range(named, n) if fields[j].strip()]
        if extra:
            raise DataFormatError(
                f"{path}: malformed CSV: line {line}: column {extra[0] + 1} holds {fields[extra[0]]!r} but has no "
                "name in the header; name the column, or remove the value"
            )


def read_csv_table(path: PathLike, expected: str, *, skip_blank_lines: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a UTF-8 CSV as text (an empty cell is ``""``); what pandas would misread is an error.

    pandas reads a row with one field more than the header (Excel's trailing comma) by moving
    the first column into the index, or by dropping the last field; an unclosed quote or another
    encoding raise its own exceptions. Here each is a :class:`DataFormatError` naming the file and
    line, and so is a row with fewer fields than the header. Columns the header leaves unnamed
    at its end (a trailing comma on every line, header included) are dropped when all their
    cells are empty.

    Parameters
    ----------
    path
        The file.
    expected
        The header the file should have, for the message about an empty file (``date,close,...``).
    skip_blank_lines
        Leave out empty lines (``False``: they are rows of empty cells, for callers that report them).

    Returns
    -------
    frame
        One text column per named header column.
    lines
        The line of the file (header = line 1) where each row of ``frame`` starts.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read ({exc}); check the path and its permissions") from exc
    try:
        text = data.decode("utf-8-sig")  # a BOM (Excel's "CSV UTF-8") is not part of the header
    except UnicodeDecodeError as exc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            what = "the file is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8"
        else:
            line = exc.object[: exc.start].count(b"\n") + 1
            what = f"line {line}: byte 0x{exc.object[exc.start]:02x} is not UTF-8 (GBK, GB18030 or Latin-1 text?)"
        raise DataFormatError(f"{path}: {what}; save the file as UTF-8 CSV (Excel: \"CSV UTF-8\")") from None
    if "\x00" in text:  # UTF-16 without a BOM decodes as UTF-8 with a NUL in every other byte
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataFormatError(
            f"{path}: line {line}: NUL bytes (UTF-16 text?); save the file as UTF-8 CSV (Excel: \"CSV UTF-8\")"
        )
    # csv gives each record's first line, which pandas does not; it also keeps the fields pandas
    # would shift or drop (index_col=False below drops a trailing one)
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    start = 1
    for fields in reader:
        if records or not _is_blank(fields):  # pandas skips blank lines before the header
            records.append((start, fields))
        start = reader.line_num + 1
    if not records:
        raise DataFormatError(f"{path}: the file is empty; expected a header row {expected} and data rows")
    if not skip_blank_lines and records[0][0] > 1:  # pandas would take the blank line for the header
        raise DataFormatError(f"{path}: line 1 is blank; delete the blank lines above the header row {expected}")
    try:
        with warnings.catch_warnings():
            # "Length of header ... does not match": the rows' widths are checked below
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=skip_blank_lines, index_col=False
            )
    except pd.errors.EmptyDataError as exc:
        raise DataFormatError(f"{path}: the file is empty; expected a header row {expected} and data rows") from exc
    except pd.errors.ParserError as exc:
        if "EOF inside string" in str(exc):
            # the open quote swallows the rest of the file into the last record
            raise DataFormatError(
                f"{path}: malformed CSV: line {records[-1][0]}: a quoted cell (\"...) is never closed, so the rest "
                "of the file reads as one cell; add the closing quote"
            ) from None
        _check_widths(path, records)
        raise DataFormatError(f"{path}: malformed CSV ({str(exc).strip()}); each row needs one value per header column") from exc
    _check_widths(path, records)
    # unnamed trailing columns (a trailing comma on every line): empty everywhere, checked above
    frame = frame.iloc[:, : _named_width(records[0][1])]
    rows = [line for line, fields in records[1:] if not (skip_blank_lines and _is_blank(fields))]
    lines = np.array(rows) if len(rows) == len(frame) else np.arange(len(frame)) + 2
    return frame, lines


def _read_raw(path: Path) -> tuple[pd.DataFrame, bool]:
    if path.suffix.lower() == ".csv":
        # blank lines stay rows, so parse_bars names them
        frame, _ = read_csv_table(path, "date,close,...", skip_blank_lines=False)
        return frame, True
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on a bad parquet
        raise DataFormatError(f"{path}: cannot read ({exc}); expected CSV or Parquet with columns date,close,...") from exc
    return frame, False


def parse_bars(
    frame: pd.DataFrame,
    where: str,
    *,
    is_csv: bool = True,
    calendar: str | None = None,
    non_session: Literal["raise", "drop"] = "raise",
    symbol: str = "",
    dropped: list[dict[str, object]] | None = None,
) -> pd.DataFrame:
    """Validate a raw bars table (strings or numbers) and return it in the canonical layout.

    Parameters
    ----------
    frame
        Columns ``date`` and ``close`` and any of ``open high low adj_close volume``.
    where
        The file name used in error messages.
    is_csv
        Whether row positions are reported as CSV lines (header = line 1) or rows.
    calendar
        When given, every date must be a session of it (see ``non_session``).
    non_session
        ``"raise"``: a non-session date is an error; ``"drop"``: the row is dropped and recorded
        in ``dropped`` (symbol, date, reason).

    Returns
    -------
    pd.DataFrame
        Index ``date`` (tz-naive), float64 columns :data:`BAR_COLUMNS`.
    """
    cols = {c: COLUMN_ALIASES.get(str(c).strip().lower(), str(c).strip().lower()) for c in frame.columns}
    frame = frame.rename(columns=cols)
    if "date" not in frame.columns and _is_date_index(frame.index):
        # df.to_parquet() keeps the dates in the index (named date, or unnamed)
        frame = frame.rename_axis("date").reset_index()
    twice = frame.columns[frame.columns.duplicated()]
    if len(twice):  # "Close" and "close", or "Adj Close" and "adj_close": one column, named twice
        named = [str(c) for c, to in cols.items() if to == twice[0]]
        raise DataFormatError(
            f"{where}: the header names column {twice[0]!r} more than once ({', '.join(map(repr, named))}); "
            "keep one such column"
        )
    unknown = [c for c in frame.columns if c not in ("date", *BAR_COLUMNS)]
    # pandas names a repeated header "close.1": say the header repeats it
    repeated = [
        base
        for c in unknown
        if (base := re.sub(r"\.\d+$", "", c)) != c
        and COLUMN_ALIASES.get(base, base) in ("date", *BAR_COLUMNS)
    ]
    if repeated:
        raise DataFormatError(
            f"{where}: the header names column {repeated[0]!r} more than once; keep one such column"
        )
    if unknown:
        raise DataFormatError(f"{where}: unknown column(s) {unknown}; valid: date,{','.join(BAR_COLUMNS)}")
    for col in ("date", "close"):
        if col not in frame.columns:
            raise DataFormatError(f"{where}: no {col!r} column; the header needs at least date,close")
    if len(frame) == 0:
        raise DataFormatError(f"{where}: the file has a header but no rows; delete it or add bars")

    raw_dates = frame["date"]
    if pd.api.types.is_datetime64_any_dtype(raw_dates):
        dates = pd.DatetimeIndex(raw_dates)
        if dates.tz is not None:
            dates = dates.tz_localize(None)
        missing = np.flatnonzero(dates.isna())
        if len(missing):
            raise DataFormatError(f"{where}: {_locate(missing[:1], is_csv)[0]}: no date; every bar needs one")
    else:
        text = raw_dates.astype(str).str.strip()
        # a zone on a session date ("2024-06-03T00:00:00-05:00", "...Z") is refused below: a
        # daily bar is dated by its session, in no zone (and offsets that differ from row to row
        # cannot be parsed together)
        zoned = np.flatnonzero(text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).to_numpy())
        if len(zoned):
            i = zoned[0]
            raise DataFormatError(
                f"{where}: {_locate(zoned[:1], is_csv)[0]}: date {text.iloc[i]!r} carries a time "
                "zone; daily bars take the session date only (YYYY-MM-DD)"
            )
        dates = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", errors="coerce"))
        bad = np.flatnonzero(dates.isna())
        if len(bad):
            i = bad[0]
            row = frame.iloc[i]
            what = "a blank line" if all(str(v).strip() == "" for v in row) else f"date {text.iloc[i]!r} is not an ISO date (YYYY-MM-DD)"
            raise DataFormatError(f"{where}: {_locate(bad[:1], is_csv)[0]}: {what}")
    dates = dates.as_unit("ns")
    off_midnight = np.flatnonzero(dates != dates.normalize())
    if len(off_midnight):
        i = off_midnight[0]
        raise DataFormatError(f"{where}: {_locate(off_midnight[:1], is_csv)[0]}: date {dates[i]} has a time of day; daily bars take a date only")

    out: dict[str, np.ndarray] = {}
    for col in BAR_COLUMNS:
        if col not in frame.columns:
            out[col] = np.full(len(frame), np.nan)
            continue
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw):  # pandas counts true/false as numbers (1.0 / 0.0)
            raise DataFormatError(f"{where}: column {col} holds true/false values; it needs numbers")
        if pd.api.types.is_numeric_dtype(raw):
            values = raw.to_numpy(dtype="float64", na_value=np.nan)
        else:
            text = raw.astype(str).str.strip()
            values = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            bad = np.flatnonzero(np.isnan(values) & (text != "").to_numpy() & ~text.str.lower().isin(["nan", "na", "null"]).to_numpy())
            if len(bad):
                i = bad[0]
                raise DataFormatError(f"{where}: {_locate(bad[:1], is_csv)[0]}: {col} {text.iloc[i]!r} is not a number")
        out[col] = values
    close_missing = np.flatnonzero(np.isnan(out["close"]))
    if len(close_missing):
        raise DataFormatError(
            f"{where}: {_locate(close_missing[:1], is_csv)[0]}: close is empty; every row needs a close "
            "(delete rows with no trade)"
        )
    adj_missing = np.flatnonzero(np.isnan(out["adj_close"]))
    if 0 < len(adj_missing) < len(frame):
        # a half-adjusted series: returns would stop (or jump) where adj_close stops
        i = adj_missing[0]
        raise DataFormatError(
            f"{where}: adj_close is empty on {len(adj_missing)} row(s), first {dates[i].date()} "
            f"({_locate(adj_missing[:1], is_csv)[0]}): fill it, or drop the adj_close column to use close"
        )
    for col in (*PRICE_COLUMNS, "volume"):
        v = out[col]
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(np.isinf(v) | ((v <= 0) if col != "volume" else (v < 0)))
        if len(bad):
            i = bad[0]
            valid = "a positive finite price" if col != "volume" else "a volume >= 0"
            raise BadPriceError(f"{where}: {_locate(bad[:1], is_csv)[0]}: {col} = {float(v[i])!r} on {dates[i].date()}; expected {valid}")

    order = dates.asi8
    dup = pd.Index(order).duplicated(keep=False)
    if dup.any():
        pos = np.flatnonzero(dup)
        first = pos[order[pos] == order[pos[0]]]
        lines = ", ".join(_locate(first, is_csv))
        raise DuplicateDateError(f"{where}: date {dates[pos[0]].date()} appears more than once ({lines}); keep one row per date")
    back = np.flatnonzero(np.diff(order) < 0)
    if len(back):
        i = back[0] + 1
        raise UnsortedDataError(
            f"{where}: {_locate(np.array([i]), is_csv)[0]}: date {dates[i].date()} comes after {dates[i - 1].date()}; "
            "sort the rows by date ascending"
        )

    result = pd.DataFrame(out, index=pd.DatetimeIndex(dates, name="date"))
    if calendar is not None:
        from rerating.data import calendars

        cal = calendars.get_calendar(calendar)
        lo, hi = dates[0], dates[-1]
        calendars.sessions(calendar, lo, hi)  # raises DateRangeError outside the calendar
        is_sess = dates.isin(pd.DatetimeIndex(cal.sessions_in_range(lo, hi)).as_unit("ns"))
        off = np.flatnonzero(~is_sess)
        if len(off):
            if non_session == "raise":
                i = off[0]
                raise NonSessionDateError(
                    f"{where}: {_locate(off[:1], is_csv)[0]}: {dates[i].date()} is not a {cal.name} session "
                    f"({len(off)} such row(s)); remove them, or leave them out with a note: rerating load "
                    "--non-session drop (Python: FilesSource(..., non_session='drop'))"
                )
            if dropped is not None:
                dropped.extend(
                    {"symbol": symbol, "date": dates[i], "reason": f"not a {cal.name} session ({where})"} for i in off
                )
            result = result.iloc[np.flatnonzero(is_sess)]
    return result


def _check_table(
    frame: pd.DataFrame,
    where: str,
    lines: np.ndarray,
    columns: tuple[str, ...],
    dates: tuple[str, ...],
    numbers: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFormatError(f"{where}: missing column(s) {missing}; expected {','.join(columns)}")
    frame = frame[list(columns)].copy()
    for col in dates:
        parsed = pd.to_datetime(frame[col].str.strip(), format="ISO8601", errors="coerce")
        bad = np.flatnonzero(parsed.isna())
        if len(bad):
            raise DataFormatError(f"{where}: line {lines[bad[0]]}: {col} {frame[col].iloc[bad[0]]!r} is not an ISO date")
        frame[col] = parsed.astype("datetime64[ns]")
    for col in numbers:
        text = frame[col].str.strip()
        parsed = pd.to_numeric(text.where(text != "", None), errors="coerce")
        # an empty cell is "unknown" where the column allows it (eps.csv marks NOT FOUND rows so)
        bad = np.flatnonzero(parsed.isna() & ((text != "") | (col not in optional)))
        if len(bad):
            raise DataFormatError(f"{where}: line {lines[bad[0]]}: {col} {frame[col].iloc[bad[0]]!r} is not a number")
        frame[col] = parsed.astype("float64")
    return frame


def read_shares_file(path: PathLike) -> pd.DataFrame:
    """Validate a ``shares.csv`` (symbol, as_of, shares, unit_note, source); shares must be positive.

    Several rows may share a symbol and ``as_of`` (share classes: META's total, class A and
    class B; BABA's ordinary shares and ADSs); the store keys them by the figure too.
    """
    path = Path(path)
    frame, lines = read_csv_table(path, ",".join(SHARES_COLUMNS))
    frame = _check_table(frame, str(path), lines, SHARES_COLUMNS, ("as_of",), ("shares",))
    bad = np.flatnonzero(~(frame["shares"] > 0))
    if len(bad):
        raise BadPriceError(f"{path}: line {lines[bad[0]]}: shares {frame['shares'].iloc[bad[0]]} must be positive")
    frame["symbol"] = frame["symbol"].map(normalize_symbol)
    return frame.reset_index(drop=True)


def read_eps_file(path: PathLike) -> pd.DataFrame:
    """Validate an ``eps.csv`` (symbol, period_end, report_date, eps_diluted, currency, source).

    A (symbol, period_end, report_date) appears once: a restated figure is a row with a later
    ``report_date``.
    """
    path = Path(path)
    frame, lines = read_csv_table(path, ",".join(EPS_COLUMNS))
    frame = _check_table(
        frame, str(path), lines, EPS_COLUMNS, ("period_end", "report_date"), ("eps_diluted",), optional=("eps_diluted",)
    )
    # RMB is the everyday name of CNY; one currency code keeps FX lookups working
    frame["currency"] = frame["currency"].str.strip().str.upper().replace({"RMB": "CNY"})
    late = np.flatnonzero(frame["report_date"] < frame["period_end"])
    if len(late):
        raise DataFormatError(f"{path}: line {lines[late[0]]}: report_date is before period_end")
    frame["symbol"] = frame["symbol"].map(normalize_symbol)
    key = ["symbol", "period_end", "report_date"]
    dup = np.flatnonzero(frame.duplicated(key, keep=False).to_numpy())
    if len(dup):
        # two figures for one report would leave the store (and the P/E) with whichever came last
        first = frame.iloc[dup[0]]
        same = dup[(frame.iloc[dup][key] == first[key]).all(axis=1).to_numpy()]
        eps = frame["eps_diluted"].to_numpy()
        rows = ", ".join(f"line {lines[i]}: {'empty' if np.isnan(eps[i]) else f'{eps[i]:g}'}" for i in same)
        raise DuplicateDateError(
            f"{path}: {first['symbol']} period_end {first['period_end'].date()} report_date "
            f"{first['report_date'].date()} appears more than once ({rows}); keep one row (a restated figure "
            "takes the report_date it was published on)"
        )
    return frame.reset_index(drop=True)


def _names_symbol(path: Path) -> bool:
    """Whether the header of a CSV file (its first non-blank line) or the schema of a Parquet file
    names a ``symbol`` column. An unreadable file is not judged here: its load says what is wrong."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = next((row for row in csv.reader(handle) if not _is_blank(row)), [])
        else:
            import pyarrow.parquet as pq

            header = list(pq.read_schema(path).names)
    except (OSError, ValueError, csv.Error):  # UnicodeDecodeError and ArrowInvalid are ValueErrors
        return False
    return any(str(name).strip().lower() == "symbol" for name in header)


class FilesSource:
    """Bars from a local folder (see the module docstring for the layout).

    Parameters
    ----------
    directory
        The folder.
    securities
        The security master: maps file names to symbols (``GSPC`` -> ``^GSPC``) and gives each
        listing's calendar for the session check. Without it, file stems are the symbols and no
        session check is made.
    non_session
        ``"raise"`` (default) or ``"drop"`` (recorded in :attr:`dropped`).
    """

    name = "files"

    def __init__(
        self,
        directory: PathLike,
        securities: SecurityMaster | None = None,
        non_session: Literal["raise", "drop"] = "raise",
    ) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise MissingDataError(f"data folder {str(self.directory)!r} does not exist; pass --dir with a folder of CSV/Parquet files")
        if non_session not in ("raise", "drop"):
            raise ValueError(f"non_session={non_session!r}; choose 'raise' or 'drop'")
        self.securities = securities
        self.non_session = non_session
        self._dropped: list[dict[str, object]] = []
        self._tables: list[Path] = []
        self._files: dict[str, Path] = {}
        # symbols with more than one file (MSFT.csv and MSFT.parquet): an error only when asked for
        self._clashes: dict[str, list[Path]] = {}
        for path in sorted(self.directory.iterdir()):
            if path.suffix.lower() not in SUFFIXES or path.stem.lower() in SIDE_FILES:
                continue
            symbol = self._symbol_for_stem(path.stem)
            if symbol in self._files:
                self._clashes.setdefault(symbol, [self._files[symbol]]).append(path)
                continue
            self._files[symbol] = path

    def _symbol_for_stem(self, stem: str) -> str:
        if self.securities is not None:
            # lookup, not resolve: a folder of listings the master does not know is no error,
            # and needs no search for close spellings of each file name
            sec = self.securities.lookup(stem)
            if sec is not None:
                return sec.symbol
        return normalize_symbol(stem)

    def __repr__(self) -> str:
        return f"FilesSource({str(self.directory)!r}, {len(self._files)} symbols)"

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows dropped under ``non_session='drop'``: symbol, date, reason."""
        return pd.DataFrame(self._dropped, columns=["symbol", "date", "reason"])

    def symbols(self) -> list[str]:
        """Symbols that have a file, sorted."""
        return sorted(self._files)

    def listings(self) -> dict[str, Path]:
        """The folder's bars files: symbol -> file, sorted by symbol (what ``rerating load --all``
        loads).

        :meth:`symbols` less the files that hold a table of many symbols rather than one
        listing's bars: a CSV or Parquet file whose header names a ``symbol`` column (a security
        master extension such as ``securities.csv``, a shares or EPS table under another name; a
        bars file cannot have one). Those are in :attr:`tables`. ``shares.csv`` and ``eps.csv``
        are never listings; nor are files of other types (``PROVENANCE.md``). Only each file's
        header (a Parquet file's schema) is read; every other file is a listing, checked in full
        when loaded. A symbol with several files (``MSFT.csv`` and ``MSFT.parquet``) is listed
        with its first, and its load reports the clash.
        """
        tables = {path for path in self._files.values() if _names_symbol(path)}
        self._tables = sorted(tables)
        return {sym: path for sym, path in sorted(self._files.items()) if path not in tables}

    @property
    def tables(self) -> list[Path]:
        """Files :meth:`listings` left out as tables of many symbols (a ``symbol`` column)."""
        return list(self._tables)

    def path(self, symbol: str) -> Path:
        """The file holding ``symbol``; :class:`UnknownSymbolError` (with close names) when none does,
        :class:`DataFormatError` when several do (``MSFT.csv`` and ``MSFT.parquet``)."""
        key = self._symbol_for_stem(symbol)
        if key not in self._files:
            raise UnknownSymbolError(
                f"no file for {symbol!r} in {self.directory}{did_you_mean(key, self._files)}; "
                f"expected {key.lstrip('^')}.csv or .parquet"
            )
        if key in self._clashes:
            names = ", ".join(p.name for p in self._clashes[key])
            raise DataFormatError(f"{self.directory}: symbol {key} has several files ({names}); keep one file per symbol")
        return self._files[key]

    def _calendar(self, symbol: str) -> str | None:
        if self.securities is None or symbol not in self.securities:
            return None
        sec = self.securities.get(symbol)
        return None if sec.kind == "fx" else sec.calendar  # FX are looked up as-of, not as sessions

    def bars(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
        """Validated bars of ``symbol``, optionally cut to ``start..end`` (inclusive).

        Raises
        ------
        UnknownSymbolError, DataFormatError, DuplicateDateError, UnsortedDataError, BadPriceError,
        NonSessionDateError, MissingDataError (no rows in ``start..end``).
        """
        path = self.path(symbol)
        key = self._symbol_for_stem(symbol)
        raw, is_csv = _read_raw(path)
        frame = parse_bars(
            raw, str(path), is_csv=is_csv, calendar=self._calendar(key), non_session=self.non_session,
            symbol=key, dropped=self._dropped,
        )
        if start is not None or end is not None:
            lo = pd.Timestamp(start) if start is not None else frame.index[0]
            hi = pd.Timestamp(end) if end is not None else frame.index[-1]
            frame = frame.loc[lo:hi]
            if frame.empty:
                raise MissingDataError(
                    f"{path} has no bars in {lo.date()}..{hi.date()}; it covers "
                    f"{raw['date'].iloc[0]}..{raw['date'].iloc[-1]}"
                )
        return frame

    def _side(self, stem: str) -> Path | None:
        path = self.directory / f"{stem}.csv"
        return path if path.is_file() else None

    def all_shares(self) -> pd.DataFrame:
        """Every row of the folder's ``shares.csv`` (validated); no rows when the file is absent."""
        path = self._side("shares")
        if path is None:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in SHARES_COLUMNS})
        return read_shares_file(path)

    def all_eps(self) -> pd.DataFrame:
        """Every row of the folder's ``eps.csv`` (validated); no rows when the file is absent."""
        path = self._side("eps")
        if path is None:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in EPS_COLUMNS})
        return read_eps_file(path)

    def shares(self, symbol: str) -> pd.DataFrame:
        """Rows of ``shares.csv`` for ``symbol``; :class:`MissingSharesError` when there are none."""
        key = self._symbol_for_stem(symbol)
        table = self.all_shares()
        rows = table[table["symbol"] == key]
        if rows.empty:
            raise MissingSharesError(f"no shares-outstanding rows for {key} in {self.directory / 'shares.csv'}")
        return rows.reset_index(drop=True)
