"""Valuation through time: trailing P/E, the earnings/multiple split of a return, basket multiples.

Conventions (docs/MEASURES.md):

- Trailing EPS on a date is the sum of the latest four quarterly diluted EPS figures whose
  ``report_date`` is strictly **before** that date (a result published on the day is not assumed to
  be in that day's close). A restated quarter counts once, with its latest figure. Fewer than four
  quarters, or four that are not consecutive (about nine months between the first and last period
  ends), give no P/E and a ``reason``.
- When the EPS currency differs from the price currency (BABA: RMB per ADS, price in USD), the
  trailing EPS is converted at the FX rate as of the price date (last rate on or before it), the
  same rate for all four quarters, so the P/E moves with FX as well as with price and earnings.
- A non-positive trailing EPS has no meaningful P/E: NaN with a reason, never dropped silently.
- The split of a window's log return is exact: ``log(P1/P0) = log(E1/E0) + log(PE1/PE0)`` with E in
  the price currency; ``log(E1/E0)`` itself is ``log`` of the EPS change in its own currency plus
  the FX change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd

from rerating._typing import DateLike
from rerating.errors import DataFormatError, DateRangeError, MissingDataError, ValuationError

if TYPE_CHECKING:
    from rerating.data.market import Market

EPS_COLUMNS = ("period_end", "report_date", "eps_diluted", "currency")
#: four quarter ends are consecutive when the first and last lie this many days apart
_TTM_SPAN_DAYS = (250, 300)


def _check_eps(eps: pd.DataFrame, symbol: str) -> pd.DataFrame:
    missing = [c for c in EPS_COLUMNS if c not in eps.columns]
    if missing:
        raise DataFormatError(
            f"EPS frame of {symbol or 'the listing'} lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(EPS_COLUMNS)} (the layout of eps.csv)"
        )
    out = eps.loc[:, list(EPS_COLUMNS)].copy()
    out["period_end"] = pd.to_datetime(out["period_end"])
    out["report_date"] = pd.to_datetime(out["report_date"])
    out["eps_diluted"] = pd.to_numeric(out["eps_diluted"], errors="coerce")
    bad = out[out["period_end"].isna() | out["report_date"].isna()]
    if not bad.empty:
        raise DataFormatError(
            f"EPS frame of {symbol or 'the listing'}: {len(bad)} row(s) without a period_end or "
            f"report_date (first: row {bad.index[0]}); fix or remove them"
        )
    # a blank eps_diluted is an unknown quarter: kept, and any trailing sum that needs it is NaN
    out["currency"] = out["currency"].astype(str).str.strip().str.upper().replace({"RMB": "CNY"})
    currencies = sorted(set(out["currency"]))
    if len(currencies) != 1:
        raise DataFormatError(
            f"EPS frame of {symbol or 'the listing'} mixes currencies {currencies}; give one currency"
        )
    return out.sort_values(["report_date", "period_end"]).reset_index(drop=True)


def _ttm_states(eps: pd.DataFrame) -> pd.DataFrame:
    """Trailing-four-quarter EPS as known after each report (one row per report date)."""
    rows = []
    for rdate, _ in eps.groupby("report_date", sort=True):
        known = eps[eps["report_date"] <= rdate]
        # a restated quarter: keep the latest report of each period
        latest = known.sort_values("report_date").drop_duplicates("period_end", keep="last")
        last4 = latest.sort_values("period_end").tail(4)
        span = (last4["period_end"].iloc[-1] - last4["period_end"].iloc[0]).days
        reason = ""
        blank = last4[last4["eps_diluted"].isna()]
        if not blank.empty:
            reason = f"EPS of the quarter ending {blank['period_end'].iloc[0].date()} is unknown"
        elif len(last4) < 4:
            reason = f"only {len(last4)} quarter(s) reported"
        elif not _TTM_SPAN_DAYS[0] <= span <= _TTM_SPAN_DAYS[1]:
            reason = f"latest four quarters are not consecutive ({span} days apart)"
        rows.append(
            {
                "report_date": rdate,
                "eps_ttm_local": float(last4["eps_diluted"].sum()) if not reason else np.nan,
                "last_period_end": last4["period_end"].iloc[-1],
                "quarters": len(last4),
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)


def _asof(series: pd.Series, dates: pd.DatetimeIndex) -> np.ndarray:
    s = series.dropna().sort_index()
    pos = s.index.searchsorted(dates, side="right") - 1
    out = np.full(len(dates), np.nan)
    ok = pos >= 0
    out[ok] = s.to_numpy(dtype=float)[pos[ok]]
    return out


@dataclass(frozen=True)
class TrailingPE:
    """Trailing P/E of one listing through time.

    Attributes
    ----------
    symbol, price_currency, eps_currency : str
    frame : pd.DataFrame
        Indexed by date: ``close``, ``eps_ttm_local`` (EPS currency), ``fx`` (price-currency units per
        EPS-currency unit; 1 when equal), ``eps_ttm`` (price currency), ``pe``, ``last_period_end``,
        ``quarters``, ``reason`` (why ``pe`` is NaN, else empty). A copy: editing it leaves the
        result as it was.
    notes : tuple of str
    """

    symbol: str
    price_currency: str
    eps_currency: str
    _frame: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def frame(self) -> pd.DataFrame:
        """The P/E table by date (a copy: editing it leaves the result as it was)."""
        return self._frame.copy()

    @property
    def pe(self) -> pd.Series:
        """The ``pe`` column of ``frame``: P/E by date, NaN where ``reason`` says why (a copy)."""
        return self._frame["pe"].copy()

    def on(self, date: DateLike) -> float:
        """P/E on the last date on or before ``date`` (NaN when it has none)."""
        d = pd.Timestamp(date)
        sub = self._frame.loc[:d]
        if sub.empty:
            raise DateRangeError(
                f"no P/E of {self.symbol} on or before {d.date()}; the closes start "
                f"{self._frame.index[0].date()}"
            )
        return float(sub["pe"].iloc[-1])

    def to_frame(self) -> pd.DataFrame:
        """``frame`` (a copy)."""
        return self._frame.copy()

    def as_dict(self) -> dict[str, Any]:
        """Symbol, currencies, notes and ``pe`` as a date -> value dict."""
        return {"symbol": self.symbol, "price_currency": self.price_currency,
                "eps_currency": self.eps_currency, "notes": self.notes,
                "pe": self._frame["pe"].to_dict()}

    def summary(self) -> str:
        """One line: the first and last P/E in the frame, or why there is none."""
        pe = self._frame["pe"].dropna()
        if pe.empty:
            return f"{self.symbol}: no trailing P/E in range ({self._frame['reason'].iloc[-1]})"
        return (f"{self.symbol}: trailing P/E {pe.iloc[0]:.1f} on {pe.index[0].date()} -> "
                f"{pe.iloc[-1]:.1f} on {pe.index[-1].date()} (EPS {self.eps_currency}, "
                f"price {self.price_currency})")


FXLike: TypeAlias = pd.Series | Callable[[pd.Timestamp], float] | float | None


def trailing_pe(
    closes: pd.Series,
    eps_frame: pd.DataFrame,
    *,
    fx: FXLike = None,
    price_currency: str = "",
    symbol: str = "",
) -> TrailingPE:
    """Trailing-four-quarter diluted P/E on every date of ``closes``.

    Parameters
    ----------
    closes : pd.Series
        Prices indexed by date (NaN rows are kept and give NaN P/E).
    eps_frame : pd.DataFrame
        ``period_end, report_date, eps_diluted, currency`` (one currency), e.g. rows of eps.csv.
    fx : Series, callable or float, optional
        Price-currency units per one EPS-currency unit: a Series by date (looked up as of each
        date), a function of the date, or a constant. Required when the currencies differ.
    price_currency : str
        Currency of ``closes``; when empty it is taken to equal the EPS currency.
    symbol : str
        Name put in the result and in messages; default ``closes.name``.

    Returns
    -------
    TrailingPE

    Raises
    ------
    DataFormatError
        ``eps_frame`` lacks a column, has a row without ``period_end`` or ``report_date``, or
        mixes currencies.
    MissingFXError
        The EPS and price currencies differ and ``fx`` is not given.
    """
    symbol = symbol or str(closes.name or "")
    eps = _check_eps(eps_frame, symbol)
    eps_ccy = str(eps["currency"].iloc[0]).upper()
    price_ccy = (price_currency or eps_ccy).upper()
    dates = pd.DatetimeIndex(closes.index)
    states = _ttm_states(eps)
    # the state in force on a date is that of the last report strictly before it
    pos = pd.DatetimeIndex(states["report_date"]).searchsorted(dates, side="left") - 1
    ok = pos >= 0
    take = np.where(ok, pos, 0)
    eps_local = np.where(ok, states["eps_ttm_local"].to_numpy()[take], np.nan)
    quarters = np.where(ok, states["quarters"].to_numpy()[take], 0)
    last_pe = pd.Series(np.where(ok, states["last_period_end"].to_numpy()[take], np.datetime64("NaT")),
                        index=dates)
    reason = np.where(ok, states["reason"].to_numpy()[take], "no quarter reported before this date")
    notes: list[str] = []
    if eps_ccy == price_ccy:
        rate = np.ones(len(dates))
    else:
        if fx is None:
            from rerating.errors import MissingFXError

            raise MissingFXError(
                f"EPS of {symbol} is in {eps_ccy} but its price is in {price_ccy}: pass fx "
                f"({price_ccy} per {eps_ccy}) to convert, e.g. from the USD{eps_ccy} series"
            )
        if isinstance(fx, pd.Series):
            rate = _asof(fx, dates)
        elif callable(fx):
            rate = np.array([float(fx(d)) for d in dates])
        else:
            rate = np.full(len(dates), float(fx))
        notes.append(f"trailing EPS converted from {eps_ccy} to {price_ccy} at each date's FX rate")
    close = closes.to_numpy(dtype=float)
    eps_ttm = eps_local * rate
    with np.errstate(divide="ignore", invalid="ignore"):
        pe = np.where((eps_ttm > 0) & np.isfinite(close), close / eps_ttm, np.nan)
    reason = np.where((reason == "") & ~(eps_ttm > 0) & np.isfinite(eps_ttm),
                      "trailing EPS not positive", reason)
    reason = np.where((reason == "") & np.isnan(rate), f"no {eps_ccy}->{price_ccy} FX rate", reason)
    reason = np.where((reason == "") & ~np.isfinite(close), "no close", reason)
    frame = pd.DataFrame(
        {
            "close": close,
            "eps_ttm_local": eps_local,
            "fx": rate,
            "eps_ttm": eps_ttm,
            "pe": pe,
            "last_period_end": last_pe.to_numpy(),
            "quarters": quarters.astype(int),
            "reason": reason.astype(str),
        },
        index=dates,
    )
    frame.index.name = "date"
    return TrailingPE(symbol, price_ccy, eps_ccy, frame, tuple(notes))


@dataclass(frozen=True)
class ReturnDecomposition:
    """``log_return = log_eps_change + log_multiple_change`` over a window (exact identity).

    ``log_eps_change`` is in the price currency; it equals ``log_eps_change_local + log_fx_change``.
    """

    symbol: str
    start_date: pd.Timestamp
    end_date: pd.Timestamp
    start_close: float
    end_close: float
    eps_start: float
    eps_end: float
    pe_start: float
    pe_end: float
    log_return: float
    log_eps_change: float
    log_eps_change_local: float
    log_fx_change: float
    log_multiple_change: float

    def as_dict(self) -> dict[str, Any]:
        """Every field by name."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([self.as_dict()])

    def summary(self) -> str:
        """One line: the log return split into EPS (of which FX) and multiple, and the P/Es."""
        return (f"{self.symbol} {self.start_date.date()}..{self.end_date.date()}: log return "
                f"{self.log_return:+.4f} = EPS {self.log_eps_change:+.4f} (of which FX "
                f"{self.log_fx_change:+.4f}) + multiple {self.log_multiple_change:+.4f}; P/E "
                f"{self.pe_start:.1f} -> {self.pe_end:.1f}")


def decompose_return(
    pe: TrailingPE, start: DateLike, end: DateLike
) -> ReturnDecomposition:
    """Split the log return between the rows on/before ``start`` and ``end`` of a P/E history.

    Parameters
    ----------
    pe : TrailingPE
        The P/E history (e.g. from :func:`pe_history`).
    start, end : date-like
        Each end uses the last row with a close on or before it.

    Returns
    -------
    ReturnDecomposition

    Raises
    ------
    DateRangeError
        ``end`` is not after ``start``, or no close on or before ``start``.
    ValuationError
        When either end has no P/E (the reason is given).
    """
    f = pe.frame.dropna(subset=["close"])
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if e <= s:
        raise DateRangeError(f"end {e.date()} must be after start {s.date()}")
    r0, r1 = f.loc[:s], f.loc[:e]
    if r0.empty:
        raise DateRangeError(f"no close of {pe.symbol} on or before {s.date()}; choose a later start")
    a, b = r0.iloc[-1], r1.iloc[-1]
    for row, label in ((a, "start"), (b, "end")):
        if not row["pe"] > 0:
            raise ValuationError(
                f"no trailing P/E of {pe.symbol} at the {label} ({row.name.date()}): {row['reason']}; "
                "choose dates with four reported quarters of positive EPS"
            )
    lr = math.log(b["close"] / a["close"])
    le_local = math.log(b["eps_ttm_local"] / a["eps_ttm_local"])
    lfx = math.log(b["fx"] / a["fx"])
    return ReturnDecomposition(
        symbol=pe.symbol,
        start_date=pd.Timestamp(a.name),
        end_date=pd.Timestamp(b.name),
        start_close=float(a["close"]),
        end_close=float(b["close"]),
        eps_start=float(a["eps_ttm"]),
        eps_end=float(b["eps_ttm"]),
        pe_start=float(a["pe"]),
        pe_end=float(b["pe"]),
        log_return=lr,
        log_eps_change=le_local + lfx,
        log_eps_change_local=le_local,
        log_fx_change=lfx,
        log_multiple_change=math.log(b["pe"] / a["pe"]),
    )


@dataclass(frozen=True)
class MultipleGap:
    """Median trailing P/E of two baskets on a date and the gap between them.

    ``gap = median_a - median_b``; ``ratio = median_a / median_b``. ``members`` lists each member's
    P/E (``basket``, ``symbol``, ``date``, ``pe``, ``used``, ``reason``); members without a P/E are
    left out of the medians and listed there. ``members`` and ``left_out`` are copies: editing them
    leaves the result as it was.
    """

    on: pd.Timestamp
    median_a: float
    median_b: float
    gap: float
    ratio: float
    n_a: int
    n_b: int
    _members: pd.DataFrame = field(repr=False)

    @property
    def members(self) -> pd.DataFrame:
        """Each member's P/E: basket, symbol, date, pe, used, reason (a copy)."""
        return self._members.copy()

    @property
    def left_out(self) -> pd.DataFrame:
        """The rows of ``members`` without a P/E (left out of the medians; a copy)."""
        return self._members[~self._members["used"]]

    def as_dict(self) -> dict[str, Any]:
        """Every field but ``members``, plus ``left_out`` as a list of symbols."""
        out = {k: v for k, v in asdict(self).items() if k != "_members"}
        out["left_out"] = self.left_out["symbol"].tolist()
        return out

    def to_frame(self) -> pd.DataFrame:
        """``members`` (a copy)."""
        return self._members.copy()

    def summary(self) -> str:
        """One line: both medians with their counts, the gap and the ratio."""
        return (f"median trailing P/E on {self.on.date()}: A {self.median_a:.1f} (n={self.n_a}) vs "
                f"B {self.median_b:.1f} (n={self.n_b}); gap {self.gap:+.1f}, ratio {self.ratio:.2f}")


def _pe_frame(basket: pd.DataFrame | Mapping[str, TrailingPE]) -> pd.DataFrame:
    if isinstance(basket, pd.DataFrame):
        return basket
    return pd.DataFrame({k: v.pe for k, v in basket.items()})


def multiple_gap(
    basket_a: pd.DataFrame | Mapping[str, TrailingPE] | Sequence[str],
    basket_b: pd.DataFrame | Mapping[str, TrailingPE] | Sequence[str],
    on: DateLike,
    *,
    market: Market | None = None,
) -> MultipleGap:
    """Median trailing P/E of basket A and basket B on ``on`` (as of: last value on or before).

    Parameters
    ----------
    basket_a, basket_b : DataFrame (date x symbol of P/E), mapping symbol -> TrailingPE, or symbols
        Lists of symbols need ``market`` (their P/E is computed with :func:`pe_history`).
    on : date-like
        Each member's P/E is its last one on or before this date.
    market : Market, optional
        Where the P/E of baskets given as a list or tuple of symbols is computed from.

    Returns
    -------
    MultipleGap

    Raises
    ------
    ValuationError
        Symbols given without ``market``, an empty basket, or a basket none of whose members has
        a P/E on ``on``.
    UnknownSymbolError, MissingDataError
        As in :func:`pe_history`, for baskets given as symbols.
    """
    day = pd.Timestamp(on)
    frames = []
    for label, basket in (("A", basket_a), ("B", basket_b)):
        if isinstance(basket, (list, tuple)):
            if market is None:
                raise ValuationError("baskets given as symbols need market=...; or pass P/E frames")
            basket = {s: pe_history(market, s, day - pd.Timedelta(days=10), day) for s in basket}
        wide = _pe_frame(basket)  # type: ignore[arg-type]
        if wide.shape[1] == 0:
            raise ValuationError(f"basket {label} is empty; give at least one member")
        # each member's own sessions: its last one on or before the date, not the basket's last
        # row (a Hong Kong member has none on a day only New York traded, e.g. Lunar New Year); a
        # frame given as such is taken row by row (its NaN: no P/E on that date)
        own = (
            {str(c): wide[c] for c in wide.columns}
            if isinstance(basket, pd.DataFrame)
            else {str(k): v.pe for k, v in basket.items()}  # type: ignore[union-attr]
        )
        # a TrailingPE says why a date has no P/E (a blank quarter, fewer than four reported)
        why = (
            {}
            if isinstance(basket, pd.DataFrame)
            else {str(k): v._frame["reason"] for k, v in basket.items()}  # type: ignore[union-attr]
        )
        for sym, series in own.items():
            upto = series.loc[:day]
            last_date = upto.index[-1] if not upto.empty else pd.NaT
            val = float(upto.iloc[-1]) if not upto.empty else float("nan")
            used = bool(np.isfinite(val))
            own_reason = str(why[sym].get(last_date, "")) if sym in why and not upto.empty else ""
            reason = "" if used else (own_reason or "no trailing P/E on or before this date")
            frames.append({"basket": label, "symbol": sym, "date": last_date, "pe": val,
                           "used": used, "reason": reason})
    members = pd.DataFrame(frames)
    med = {}
    for label in ("A", "B"):
        vals = members[(members["basket"] == label) & members["used"]]["pe"]
        if vals.empty:
            raise ValuationError(
                f"no member of basket {label} has a trailing P/E on {day.date()}; left out: "
                f"{', '.join(members[members['basket'] == label]['symbol'])}"
            )
        med[label] = float(vals.median())
    return MultipleGap(
        on=day,
        median_a=med["A"],
        median_b=med["B"],
        gap=med["A"] - med["B"],
        ratio=med["A"] / med["B"],
        n_a=int(((members["basket"] == "A") & members["used"]).sum()),
        n_b=int(((members["basket"] == "B") & members["used"]).sum()),
        _members=members,
    )


# --- Market wrappers ------------------------------------------------------------------------------


def pe_history(
    market: Market,
    symbol: str,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> TrailingPE:
    """Trailing P/E of ``symbol`` on each session in ``[start, end]`` from the market's closes and EPS.

    The EPS currency is converted to the listing's price currency with ``market.fx_rate`` as of
    each date.

    Parameters
    ----------
    market : Market
        Where the closes, EPS and FX rates come from.
    symbol : str
        The listing (any spelling the security master knows).
    start, end : date-like, optional
        Range of closes (default: all the data).

    Returns
    -------
    TrailingPE

    Raises
    ------
    UnknownSymbolError
        ``symbol`` is not in the security master.
    MissingDataError
        No EPS rows, no bars, or no closes in ``start..end`` for the listing.
    MissingFXError
        No FX rate from the EPS currency to the price currency as of a close's date.
    DateRangeError
        ``end`` before ``start``, or a date that cannot be read.
    DataFormatError
        The listing's EPS rows are malformed (see :func:`trailing_pe`).
    """
    sec = market.securities.get(symbol)
    eps = market.eps(sec.symbol)
    if eps is None or len(eps) == 0:
        raise MissingDataError(
            f"no EPS rows for {sec.symbol}; the sample has EPS for NVDA MSFT GOOGL META AMZN AAPL BABA "
            "0700.HK, or load your own eps.csv"
        )
    wide = market.closes([sec.symbol], start=start, end=end)
    closes = wide[sec.symbol] if sec.symbol in wide.columns else wide.iloc[:, 0]
    closes = closes.dropna()
    if closes.empty:
        raise MissingDataError(f"no closes of {sec.symbol} between {start} and {end}")
    eps_ccy = str(eps["currency"].iloc[0]).strip().upper()
    eps_ccy = "CNY" if eps_ccy == "RMB" else eps_ccy  # eps.csv writes RMB; the FX series is USDCNY
    fx: FXLike = None
    if eps_ccy != sec.currency.upper():
        fx = pd.Series([market.fx_rate(eps_ccy, sec.currency, d) for d in closes.index],
                       index=closes.index)
    return trailing_pe(closes.rename(sec.symbol), eps, fx=fx, price_currency=sec.currency,
                       symbol=sec.symbol)


def return_decomposition(
    market: Market, symbol: str, start: DateLike, end: DateLike
) -> ReturnDecomposition:
    """:func:`decompose_return` of ``symbol`` between ``start`` and ``end`` from the market's data.

    Parameters
    ----------
    market : Market
        Where the closes, EPS and FX rates come from.
    symbol : str
        The listing (any spelling the security master knows).
    start, end : date-like
        Each end uses the last close on or before it.

    Returns
    -------
    ReturnDecomposition

    Raises
    ------
    UnknownSymbolError, MissingDataError, MissingFXError
        As in :func:`pe_history`.
    DateRangeError
        As in :func:`decompose_return` and :func:`pe_history`; also a ``start`` or ``end`` whose
        session (the last of the listing's calendar on or before it) is outside the data, as in
        :func:`rerating.rerate.windows.range_return`.
    MissingDataError
        Also no bar on the start or end session (closes are never forward-filled).
    ValuationError
        As in :func:`decompose_return`.
    """
    from rerating.rerate.windows import range_return

    # the two closes on the listing's calendar, as `change` finds them: a date past the data or a
    # session without a bar is refused, never answered with the last close the data happen to have
    try:
        range_return(market, symbol, start, end)
    except DateRangeError as exc:  # the same refusal, without `change`'s partial=True way out
        why = str(exc).split(", or pass partial=True")[0].replace(", load more data", " or load more data")
        raise DateRangeError(f"P/E decomposition: {why}") from exc
    return decompose_return(pe_history(market, symbol, pd.Timestamp(start) - pd.Timedelta(days=10), end),
                            start, end)
