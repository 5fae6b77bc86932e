"""Factor-return files (Fama-French, Carhart or the user's own) for the event study's factor models.

Two layouts are read:

* a plain table (CSV or Parquet) with a ``date`` column (or the date in the first column) and one
  numeric column per factor;
* the layout of Kenneth French's data library CSVs: a few lines of description, a header whose first
  field is empty, dates as ``YYYYMMDD`` in the first column, values in percent, and a copyright line
  after the data. Monthly files also carry a second, annual table; only the first table is read.

Values are returned as decimal returns (``units="percent"`` divides by 100). A table whose values
look like percent while ``units="decimal"`` is refused, because a factor model fitted on returns
100 times too large gives betas 100 times too small, silently.
"""

from __future__ import annotations

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

# median |factor return|: decimal ~0.005 daily, ~0.03 monthly; percent ~0.4 daily, ~3 monthly
_PERCENT_LOOKING = 0.1
# below this, values read as percent are decimals already (percent: ~0.4 daily, ~3 monthly)
_DECIMAL_LOOKING = 0.05
_FRENCH_MISSING = (-99.99, -999.0)
_COMPACT_DATE = re.compile(r"^\s*(\d{8}|\d{6})\s*$")


@dataclass(frozen=True)
class FactorData:
    """Factor returns by date (decimal), and the risk-free column when one was named.

    ``factors``: ``date x factor`` (DatetimeIndex named ``date``, sorted, unique);
    ``risk_free``: per-period risk-free return by date, or ``None``.
    """

    factors: pd.DataFrame
    risk_free: pd.Series | None

    def to_frame(self) -> pd.DataFrame:
        """Factors and the risk-free column side by side."""
        if self.risk_free is None:
            return self.factors.copy()
        return self.factors.assign(**{str(self.risk_free.name): self.risk_free})

    def summary(self) -> str:
        """One line: columns, rows and date range."""
        idx = self.factors.index
        rf = f", risk-free {self.risk_free.name}" if self.risk_free is not None else ""
        span = f"{idx[0].date()} .. {idx[-1].date()}" if len(idx) else "no rows"
        return f"{len(self.factors.columns)} factors ({', '.join(self.factors.columns)}){rf}; {len(idx)} dates, {span}"


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

    Raises
    ------
    DataFormatError
        Unreadable file, no date column, non-numeric values, unknown column names, a column in
        two files, or values that look like percent while ``units="decimal"``.
    DuplicateDateError
        A date appears twice in one file.
    """
    if units not in ("decimal", "percent"):
        raise DataFormatError(f"units={units!r}; use 'decimal' or 'percent'")
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(x) for x in path]
    if not paths:
        raise DataFormatError("no factor file given")
    frames: list[pd.DataFrame] = []
    for p in paths:
        if not p.is_file():
            raise DataFormatError(f"factor file {p} does not exist")
        raw, french = _read_table(p)
        one = _numeric(_with_date_index(raw, p), p)
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
    values = frame[keep]
    if units == "percent":
        checked = values[wanted].to_numpy() if wanted else np.empty(0)
        typical = np.nanmedian(np.abs(checked)) if np.isfinite(checked).any() else np.inf
        if typical < _DECIMAL_LOOKING:  # / 100 would make betas 100 times too large
            raise DataFormatError(
                f"the factor values in {names} look like decimals already (median |value| "
                f"{typical:.3g}), not percent; read them with units='decimal' (--factor-units "
                "decimal)"
            )
        values = values / 100.0
    else:
        checked = values[wanted or keep].to_numpy()  # a risk-free-only file: check that column
        typical = np.nanmedian(np.abs(checked)) if np.isfinite(checked).any() else 0.0
        if typical > _PERCENT_LOOKING:
            raise DataFormatError(
                f"the factor values in {names} look like percent (median |value| {typical:.2f}); "
                "read them with units='percent' (--factor-units percent), as Kenneth French's files need"
            )
    rf = values[risk_free].rename(risk_free) if risk_free is not None else None
    return FactorData(values[wanted], rf)


def _read_table(p: Path) -> tuple[pd.DataFrame, bool]:
    """The file as a table, and whether it is in French's layout."""
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            table = pd.read_parquet(p)
            # a frame saved with its dates as the index: make them the first column
            if isinstance(table.index, pd.DatetimeIndex):
                table = table.reset_index()
            return table, False
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataFormatError(f"cannot read factor file {p}: {exc}") from exc
    return _parse_csv(text, p)


def _parse_csv(text: str, p: Path) -> tuple[pd.DataFrame, bool]:
    """A plain CSV, or the first table of a French-library CSV (header = line before the first date)."""
    lines = text.splitlines()
    first_field = [line.split(",", 1)[0] for line in lines]
    data_start = next((i for i, f in enumerate(first_field) if _COMPACT_DATE.match(f)), None)
    try:
        # plain: no compact dates, or a named header line right above them
        if data_start is None or (data_start == 1 and first_field[0].strip() != ""):
            return pd.read_csv(io.StringIO(text)), False
        if data_start == 0:
            raise DataFormatError(f"factor file {p} has dates but no header line before them")
        end = data_start
        while end < len(lines) and _COMPACT_DATE.match(first_field[end]):
            end += 1
        block = "\n".join([lines[data_start - 1], *lines[data_start:end]])
        out = pd.read_csv(io.StringIO(block), dtype={0: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFormatError(f"cannot read factor file {p}: {exc}") from exc
    out.columns = ["date", *[str(c).strip() for c in out.columns[1:]]]
    return out, True


def _with_date_index(raw: pd.DataFrame, p: Path) -> pd.DataFrame:
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
    monthly = text.str.fullmatch(r"\d{6}")
    try:
        if bool(compact.all()):
            dates = pd.to_datetime(text, format="%Y%m%d")
        elif bool(monthly.all()):  # French's monthly files: YYYYMM, dated at month end
            dates = pd.to_datetime(text, format="%Y%m") + pd.offsets.MonthEnd(0)
        else:
            dates = pd.to_datetime(text, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise DataFormatError(
            f"column {date_col!r} of {p.name} is not dates (ISO 8601 or YYYYMMDD): {exc}"
        ) from exc
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    out = raw.drop(columns=date_col).set_axis(pd.DatetimeIndex(dates.dt.normalize(), name="date"))
    dup = out.index.duplicated()
    if dup.any():
        raise DuplicateDateError(
            f"factor file {p.name} has duplicate dates, e.g. {out.index[dup][0].date()}; keep one row per date"
        )
    return out.sort_index()


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
