"""Factor-return files (Fama-French, Carhart or the user's own) for the event study's factor models.

Two layouts are read:

* a plain table (CSV or Parquet) with a ``date`` column (or the date in the first column) and one
  numeric column per factor;
* the layout of Kenneth French's data library CSVs: a few lines of description, a header whose first
  field is empty, dates as ``YYYYMMDD`` in the first column, values in percent, and a copyright line
  after the data. Monthly files also carry a second, annual table; only the first table is read.

Values are returned as decimal returns (``units="percent"`` divides by 100). A file whose values
look like percent while ``units="decimal"`` is refused (and the reverse), each file judged on its
own, because a factor model fitted on returns 100 times too large gives betas 100 times too small,
silently.

Each file's frequency (daily, weekly, monthly, annual) is read from its dates, so that a daily
event study can refuse a monthly file by name (:func:`require_daily`) instead of failing later on
its values or its missing dates.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from rerating.errors import DataFormatError, DuplicateDateError

FactorUnits = Literal["decimal", "percent"]
Frequency = Literal["daily", "weekly", "monthly", "annual", "unknown"]

# median |factor return|: decimal ~0.005 daily, ~0.03 monthly; percent ~0.4 daily, ~3 monthly
_PERCENT_LOOKING = 0.1
# below this, values read as percent are decimals already (percent: ~0.4 daily, ~3 monthly)
_DECIMAL_LOOKING = 0.05
_FRENCH_MISSING = (-99.99, -999.0)
_COMPACT_DATE = re.compile(r"^\s*(\d{8}|\d{6})\s*$")
# median days between dates -> frequency (daily data skips weekends and holidays: 1 to 4 days)
_SPACING: tuple[tuple[Frequency, int, int], ...] = (
    ("daily", 0, 5),
    ("weekly", 6, 8),
    ("monthly", 25, 35),
    ("annual", 360, 370),
)
_DAILY_ADVICE = (
    "a daily event study needs daily factor returns (from Kenneth French's library, the daily "
    "file, e.g. F-F_Research_Data_Factors_daily.CSV)"
)


@dataclass(frozen=True)
class FactorSource:
    """One factor file as read: its name, its frequency and its first date as written there."""

    name: str
    frequency: Frequency
    first_date: str


@dataclass(frozen=True)
class FactorData:
    """Factor returns by date (decimal), and the risk-free column when one was named.

    ``factors``: ``date x factor`` (DatetimeIndex named ``date``, sorted, unique);
    ``risk_free``: per-period risk-free return by date, or ``None``;
    ``frequency``: ``"daily"``, ``"weekly"``, ``"monthly"``, ``"annual"`` or ``"unknown"`` (too
    few or irregular dates), also in ``factors.attrs["frequency"]`` (and ``risk_free.attrs``) for
    code that is handed the frame alone;
    ``sources``: the files read, each with its own frequency and first date as written.

    ``factors`` and ``risk_free`` are copies: editing them leaves the result as it was.
    """

    _factors: pd.DataFrame
    _risk_free: pd.Series | None
    frequency: Frequency = "unknown"
    sources: tuple[FactorSource, ...] = ()

    @property
    def factors(self) -> pd.DataFrame:
        """Factor returns, ``date x factor`` (decimal), ``attrs["frequency"]`` set (a copy)."""
        return self._factors.copy()

    @property
    def risk_free(self) -> pd.Series | None:
        """Per-period risk-free return by date (decimal), or ``None`` (a copy)."""
        return None if self._risk_free is None else self._risk_free.copy()

    def to_frame(self) -> pd.DataFrame:
        """Factors and the risk-free column side by side (a copy)."""
        if self._risk_free is None:
            return self._factors.copy()
        return self._factors.assign(**{str(self._risk_free.name): self._risk_free})

    def summary(self) -> str:
        """One line: columns, rows and date range."""
        idx = self._factors.index
        rf = f", risk-free {self._risk_free.name}" if self._risk_free is not None else ""
        span = f"{idx[0].date()} .. {idx[-1].date()}" if len(idx) else "no rows"
        return f"{len(self._factors.columns)} factors ({', '.join(self._factors.columns)}){rf}; {len(idx)} dates, {span}"


def read_factors(
    path: str | Path | Sequence[str | Path],
    *,
    units: FactorUnits = "decimal",
    columns: list[str] | None = None,
    risk_free: str | None = None,
) -> FactorData:
    """Read factor-return files for ``EventStudy(model="factor" | "capm")``.

    Parameters
    ----------
    path : str or Path, or a sequence of them
        CSV (plain table or Kenneth French's layout) or Parquet files. Several files are joined
        on their dates (e.g. French's three factors and his momentum file for Carhart's model);
        a date missing from one file leaves its columns NaN there, so an event that needs that
        date is dropped with the reason, never fitted on a filled value.
    units : {"decimal", "percent"}
        Units of the values in the files (French's files are in percent).
    columns : list of str, optional
        Factor columns to keep, in this order; default every column but ``risk_free`` (which may
        be the only column, for the CAPM).
    risk_free : str, optional
        Column holding the per-period risk-free return (French's ``RF``); returned apart.

    Returns
    -------
    FactorData
        With ``frequency`` read from the dates (``YYYYMM`` dates: monthly; otherwise the median
        spacing: up to 5 days daily, 6-8 weekly, 25-35 monthly, 360-370 annual, else unknown).
        Check it with :func:`require_daily` before a daily event study.

    Raises
    ------
    DataFormatError
        Unreadable file, no date column, a bad date, a line with more fields than the header,
        a column with no name, non-numeric values, unknown column names, a column in two files,
        files of different frequencies, or a file whose values look like percent while
        ``units="decimal"`` (or like decimals while ``units="percent"``).
    DuplicateDateError
        A date appears twice in one file.
    """
    if units not in ("decimal", "percent"):
        raise DataFormatError(f"units={units!r}; use 'decimal' or 'percent'")
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(x) for x in path]
    if not paths:
        raise DataFormatError("no factor file given")
    frames: list[pd.DataFrame] = []
    sources: list[FactorSource] = []
    for p in paths:
        if not p.is_file():
            raise DataFormatError(f"factor file {p} does not exist")
        raw, french, lines = _read_table(p)
        if raw.empty:
            raise DataFormatError(
                f"factor file {p} has a header but no rows; add one row of factor returns per date"
            )
        dated, source = _with_date_index(raw, p, lines)
        one = _numeric(dated, p)
        if french:  # the library's missing-value codes
            one = one.mask(one.isin(_FRENCH_MISSING))
        seen = {c for f in frames for c in f.columns}
        twice = [c for c in one.columns if c in seen]
        if twice:
            raise DataFormatError(
                f"columns {twice} of {p.name} are also in an earlier factor file; keep each "
                "factor in one file"
            )
        frames.append(one)
        sources.append(source)
    frequency = _one_frequency(sources)
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, axis=1, join="outer").sort_index()
    names = ", ".join(p.name for p in paths)
    if risk_free is not None and risk_free not in frame.columns:
        raise DataFormatError(
            f"risk-free column {risk_free!r} is not in {names} (columns: {list(frame.columns)})"
        )
    wanted = list(columns) if columns else [c for c in frame.columns if c != risk_free]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataFormatError(
            f"factor columns {missing} are not in {names} (columns: {list(frame.columns)})"
        )
    if not wanted and risk_free is None:
        raise DataFormatError(f"{names} has no factor column")
    keep = wanted + ([risk_free] if risk_free is not None and risk_free not in wanted else [])
    _check_units(paths, frames, units, wanted, keep)
    values = frame[keep] / 100.0 if units == "percent" else frame[keep]
    rf = values[risk_free].rename(risk_free) if risk_free is not None else None
    factors = values[wanted]
    # the engine is handed the frames alone: let them carry the frequency
    factors.attrs["frequency"] = frequency
    if rf is not None:
        rf.attrs["frequency"] = frequency
    return FactorData(factors, rf, frequency, tuple(sources))


def require_daily(factors: FactorData | pd.DataFrame | pd.Series, what: str = "factors") -> None:
    """Raise unless ``factors`` are daily (or their frequency cannot be told).

    Parameters
    ----------
    factors : FactorData, DataFrame or Series
        What :func:`read_factors` returned, or one of its frames (``frequency`` is read from
        ``attrs["frequency"]``, else from the median spacing of a DatetimeIndex).
    what : str
        How the message names the input, e.g. ``"--factors"`` or ``"risk_free"``.

    Raises
    ------
    DataFormatError
        The factors are monthly (or weekly, annual); the message names the file and a date as
        written there, e.g. ``F-F_Research_Data_Factors.CSV holds monthly factors (dates like
        192607)``.
    """
    if isinstance(factors, FactorData):
        wrong = [s for s in factors.sources if s.frequency not in ("daily", "unknown")]
        if wrong:
            s = wrong[0]
            raise DataFormatError(
                f"{what}: {s.name} holds {s.frequency} factors (dates like {s.first_date}); "
                f"{_DAILY_ADVICE}"
            )
        if factors.sources:
            return
        factors = factors._factors  # built by hand: judge its dates
    idx = factors.index
    freq = factors.attrs.get("frequency")
    if freq is None:
        freq = _spacing_frequency(idx) if isinstance(idx, pd.DatetimeIndex) else "unknown"
    if freq in ("daily", "unknown"):
        return
    like = ", ".join(str(pd.Timestamp(d).date()) for d in idx[:2])
    raise DataFormatError(f"{what} hold {freq} values (dates like {like}); {_DAILY_ADVICE}")


def _spacing_frequency(index: pd.DatetimeIndex) -> Frequency:
    """The frequency that the median spacing of sorted, unique dates suggests."""
    if len(index) < 2:
        return "unknown"
    days = float((index[1:] - index[:-1]).median() / pd.Timedelta(days=1))
    return next((f for f, lo, hi in _SPACING if lo <= days <= hi), "unknown")


def _one_frequency(sources: list[FactorSource]) -> Frequency:
    """The frequency common to the files; files of two frequencies cannot be joined on dates."""
    known = [s for s in sources if s.frequency != "unknown"]
    other = next((s for s in known if s.frequency != known[0].frequency), None)
    if other is not None:
        a = known[0]
        raise DataFormatError(
            f"{a.name} holds {a.frequency} factors (dates like {a.first_date}) but {other.name} "
            f"holds {other.frequency} ones (dates like {other.first_date}); joined on dates, one "
            "file's columns would be missing on most dates: give files of one frequency (for a "
            "daily event study, the daily files)"
        )
    return known[0].frequency if known else "unknown"


def _typical(frame: pd.DataFrame) -> float | None:
    """Median |value| of the frame, or None when it holds no number."""
    values = frame.to_numpy(dtype=float)
    return float(np.nanmedian(np.abs(values))) if np.isfinite(values).any() else None


def _check_units(
    paths: list[Path],
    frames: list[pd.DataFrame],
    units: FactorUnits,
    wanted: list[str],
    keep: list[str],
) -> None:
    """Refuse a file whose values look like the other unit, each file judged on its own.

    A joined set is judged file by file: French's factors in percent and a momentum file in
    decimals are not averaged into one median that passes.
    """
    looks: list[tuple[str, float, bool]] = []  # file, median |value|, has a factor column
    for p, one in zip(paths, frames, strict=True):
        mine = [c for c in wanted if c in one.columns]
        # a risk-free-only file is judged on that column (decimal check only, as below)
        typical = _typical(one[mine or [c for c in keep if c in one.columns]])
        if typical is not None:
            looks.append((p.name, typical, bool(mine)))
    as_percent = [n for n, t, _ in looks if t > _PERCENT_LOOKING]
    as_decimal = [n for n, t, _ in looks if t < _DECIMAL_LOOKING]
    if units == "percent":
        # French's daily risk-free in percent (~0.02) looks like a decimal: judge factors only
        wrong = [(n, t) for n, t, has_factor in looks if t < _DECIMAL_LOOKING and has_factor]
        if not wrong:
            return
        name, typical = wrong[0]
        what = (
            f"the factor values in {name} look like decimals already (median |value| "
            f"{typical:.3g}), not percent"
        )
        if as_percent:
            raise DataFormatError(_mixed_units(what, name, as_percent[0], "percent", "decimals"))
        # / 100 would make betas 100 times too large
        raise DataFormatError(f"{what}; read them with units='decimal' (--factor-units decimal)")
    wrong = [(n, t) for n, t, _ in looks if t > _PERCENT_LOOKING]
    if not wrong:
        return
    name, typical = wrong[0]
    what = f"the factor values in {name} look like percent (median |value| {typical:.2f})"
    if as_decimal:
        raise DataFormatError(_mixed_units(what, name, as_decimal[0], "decimals", "percent"))
    raise DataFormatError(
        f"{what}; read them with units='percent' (--factor-units percent), as Kenneth French's files need"
    )


def _mixed_units(what: str, name: str, other: str, other_looks: str, name_looks: str) -> str:
    return (
        f"{what}, while those in {other} look like {other_looks}; one unit (--factor-units) "
        f"applies to every file, so convert {name} to {other_looks} (or {other} to {name_looks}) "
        "and read them together with that unit"
    )


def _read_table(p: Path) -> tuple[pd.DataFrame, bool, list[int] | None]:
    """The file as a table, whether it is in French's layout, and each row's line in the file."""
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            table = pd.read_parquet(p)
            # a frame saved with its dates as the index: make them the first column
            if isinstance(table.index, pd.DatetimeIndex):
                table = table.reset_index()
            return table, False, None
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataFormatError(f"cannot read factor file {p}: {exc}") from exc
    return _parse_csv(text, p)


def _parse_csv(text: str, p: Path) -> tuple[pd.DataFrame, bool, list[int] | None]:
    """A plain CSV, or the first table of a French-library CSV (header = line before the first date)."""
    lines = text.splitlines()
    first_field = [line.split(",", 1)[0] for line in lines]
    data_start = next((i for i, f in enumerate(first_field) if _COMPACT_DATE.match(f)), None)
    # plain: no compact dates, or a named header line right above them
    if data_start is None or (data_start == 1 and first_field[0].strip() != ""):
        numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
        out, rows = _read_block(numbered, p, text_first=False)
        return out, False, rows
    # the header: the last line above the dates that is not blank
    header = next((i for i in range(data_start - 1, -1, -1) if lines[i].strip()), None)
    if header is None:
        raise DataFormatError(f"factor file {p} has dates but no header line before them")
    end = data_start
    while end < len(lines) and _COMPACT_DATE.match(first_field[end]):
        end += 1
    # the table ends at the first line without a date; if dates go on after it, it is a bad date
    # in the table (read as the end, it would drop the rest silently)
    if end + 1 < len(lines) and lines[end].strip() and _COMPACT_DATE.match(first_field[end + 1]):
        raise DataFormatError(
            f"line {end + 1} of {p.name} has {first_field[end].strip()!r} where a date is "
            "expected; write it as the other dates are (YYYYMMDD, or YYYYMM in a monthly file)"
        )
    numbered = [(header + 1, lines[header]), *((i + 1, lines[i]) for i in range(data_start, end))]
    out, rows = _read_block(numbered, p, text_first=True)
    out.columns = ["date", *[str(c).strip() for c in out.columns[1:]]]
    return out, True, rows


def _read_block(
    numbered: list[tuple[int, str]], p: Path, *, text_first: bool
) -> tuple[pd.DataFrame, list[int] | None]:
    """One table from its (line number, line) pairs, header first; and each row's line number."""
    if not numbered:
        raise DataFormatError(
            f"factor file {p} is empty; it needs a header line and one line per date"
        )
    header_no, header = numbered[0]
    names = next(csv.reader([header]))
    for no, line in numbered[1:]:
        n = len(next(csv.reader([line]), []))
        if n > len(names):  # pandas would shift the columns (the dates into the index)
            raise DataFormatError(
                f"line {no} of {p.name} has {n} fields but its header (line {header_no}) has "
                f"{len(names)}: a trailing comma? Remove it from the data lines, or add one to "
                "the header line too"
            )
    try:
        out = pd.read_csv(
            io.StringIO("\n".join(line for _, line in numbered)),
            index_col=False,
            dtype={0: str} if text_first else None,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFormatError(f"cannot read factor file {p}: {exc}") from exc
    # a trailing comma on every line (a spreadsheet's export): an empty column without a name
    while len(names) > 1 and not names[-1].strip() and out.iloc[:, len(names) - 1].isna().all():
        names.pop()
        out = out.iloc[:, : len(names)]
    unnamed = [i for i, name in enumerate(names) if i > 0 and not name.strip()]
    if unnamed:
        raise DataFormatError(
            f"column {unnamed[0] + 1} of {p.name} has no name in its header (line {header_no}); "
            "name it, or delete the column if it holds no factor"
        )
    # blank lines were left out above, so row k is the (k + 1)-th line after the header
    rows = [no for no, _ in numbered[1:]]
    return out, rows if len(rows) == len(out) else None


def _with_date_index(
    raw: pd.DataFrame, p: Path, lines: list[int] | None = None
) -> tuple[pd.DataFrame, FactorSource]:
    """The factor columns by date, and the file's frequency and first date as written."""
    if raw.shape[1] < 2:
        raise DataFormatError(
            f"factor file {p} needs a date column and at least one factor column "
            f"(columns: {list(raw.columns)})"
        )
    cols = [str(c).strip() for c in raw.columns]
    raw = raw.set_axis(cols, axis=1)
    date_col = next((c for c in cols if c.lower() == "date"), cols[0])
    text = raw[date_col].astype(str).str.strip()
    compact = text.str.fullmatch(r"\d{8}")
    monthly = bool(text.str.fullmatch(r"\d{6}").all()) and len(text) > 0
    fmt = "%Y%m%d" if bool(compact.all()) else "%Y%m" if monthly else "ISO8601"
    try:
        dates = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. two UTC offsets
        raise DataFormatError(
            f"column {date_col!r} of {p.name} is not dates of one kind (they mix time zones or "
            "formats); write every date as YYYY-MM-DD (ISO 8601) or YYYYMMDD"
        ) from exc
    bad = np.flatnonzero(dates.isna().to_numpy())
    if len(bad):
        i = int(bad[0])
        where = f"line {lines[i]}" if lines is not None else f"row {i + 1}"
        value = "no date" if pd.isna(raw[date_col].iloc[i]) else repr(text.iloc[i])
        raise DataFormatError(
            f"column {date_col!r} of {p.name} is not dates: {where} has {value}; write every "
            "date as YYYY-MM-DD (ISO 8601) or YYYYMMDD (YYYYMM in a monthly file)"
        )
    if monthly:  # French's monthly files: YYYYMM, dated at month end
        dates = dates + pd.offsets.MonthEnd(0)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    out = raw.drop(columns=date_col).set_axis(pd.DatetimeIndex(dates.dt.normalize(), name="date"))
    dup = out.index.duplicated()
    if dup.any():
        raise DuplicateDateError(
            f"factor file {p.name} has duplicate dates, e.g. {out.index[dup][0].date()}; keep one row per date"
        )
    out = out.sort_index()
    frequency: Frequency = "monthly" if monthly else _spacing_frequency(pd.DatetimeIndex(out.index))
    return out, FactorSource(p.name, frequency, text.iloc[0] if len(text) else "")


def _numeric(frame: pd.DataFrame, p: Path) -> pd.DataFrame:
    out = {}
    for c in frame.columns:
        col = pd.to_numeric(frame[c], errors="coerce")
        bad = col.isna() & frame[c].notna()
        if bad.any():
            raise DataFormatError(
                f"column {c!r} of {p.name} has a non-numeric value {frame[c][bad].iloc[0]!r} "
                f"on {frame.index[bad][0].date()}; factor values must be numbers"
            )
        out[c] = col.astype(float)
    return pd.DataFrame(out, index=frame.index)
