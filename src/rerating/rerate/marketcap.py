"""Market-capitalisation change of a listing, a company across its listings, or a basket.

Conventions (docs/MEASURES.md):

- Price: the raw ``close`` of the last session on or before each date, on the listing's own
  calendar (so on 2025-01-29 BABA has that day's New York close while 9988.HK has 2025-01-28's).
- Shares: one figure for both ends, the latest on or before the end date (``market.shares``), so the
  change is the price effect on a fixed share count; its as-of date and source are reported.
  Shares are counted in the listing's own units (ADS for BABA); a company's ordinary shares are
  ``listing shares x shares_per_unit`` (8 ordinary shares per BABA ADS).
- Currency: each value is converted with the FX rate as of its own date (``market.fx_rate``, last
  rate on or before), so a USD change includes the currency move; the rates are reported.
- A company's value is the sum over its share classes (``Security.share_class``: A shares on a
  mainland exchange are a class of their own; an ADR and its Hong Kong or US ordinary shares are
  one class) of the class's shares x the price of one listing of that class (``price_listing``; by
  default the one quoted in the target currency, else the first with data). SMIC = A shares x
  688981.SS's price + Hong Kong shares x 0981.HK's price, never one class's count at the other's
  price. Within a class the other listings' implied values are reported beside it, not added.
- A basket is a sum over its members; a member without shares data raises MissingSharesError unless
  ``partial=True``, which leaves it out and lists it in ``left_out``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from rerating._typing import DateLike
from rerating.data.market import currency_code
from rerating.errors import DateRangeError, MissingDataError, MissingSharesError, UnknownSymbolError
from rerating.rerate.windows import range_return

if TYPE_CHECKING:
    from rerating.data.market import Market


@dataclass(frozen=True)
class ListingValue:
    """One listing's (or its company's implied) market value at two dates.

    ``shares`` is in listing units; ``value = close / shares_per_unit * ordinary_shares * fx`` for a
    company row, ``close * shares * fx`` for a listing row (the same number when the shares figure
    is the listing's own).
    """

    symbol: str
    company: str
    role: str  # "listing", "basket member", "company (priced)", "company (implied)"
    price_currency: str
    currency: str
    start_date: pd.Timestamp
    end_date: pd.Timestamp
    start_close: float
    end_close: float
    shares: float
    shares_per_unit: float
    ordinary_shares: float
    shares_as_of: pd.Timestamp
    shares_source: str
    fx_start: float
    fx_end: float
    start_value: float
    end_value: float
    counted: bool
    note: str = ""

    @property
    def change(self) -> float:
        """``end_value - start_value``, in ``currency``."""
        return self.end_value - self.start_value

    @property
    def pct_change(self) -> float:
        """``end_value / start_value - 1`` (a fraction, not percent)."""
        return self.end_value / self.start_value - 1.0

    def as_dict(self) -> dict[str, Any]:
        """Every field by name, plus ``change`` and ``pct_change``."""
        out = asdict(self)
        out["change"] = self.change
        out["pct_change"] = self.pct_change
        return out


@dataclass(frozen=True)
class MarketCapChange:
    """Market value of a target at two dates, in one currency.

    Attributes
    ----------
    target : str
        The listing symbol, company id, or ``"basket"``.
    kind : str
        ``"listing"``, ``"company"`` or ``"basket"``.
    start, end : pd.Timestamp
        Dates asked for (each listing uses its last session on or before them).
    currency : str
    start_value, end_value, change, pct_change : float
        Totals over the counted rows.
    price_listing : str
        For a company, the listing whose price gave the total, or one per share class joined by
        ", " (A and H shares: "688981.SS, 0981.HK"); empty otherwise.
    listings : tuple of ListingValue
        Every row: counted members, and for a company each listing's implied value.
    left_out : tuple of (symbol, reason)
        Members left out (only with ``partial=True``).
    notes : tuple of str
        Assumptions in words (shares as-of and source, FX rates, dates moved to sessions).
    """

    target: str
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    currency: str
    start_value: float
    end_value: float
    price_listing: str
    listings: tuple[ListingValue, ...] = field(repr=False)
    left_out: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def change(self) -> float:
        """``end_value - start_value`` over the counted rows, in ``currency``."""
        return self.end_value - self.start_value

    @property
    def pct_change(self) -> float:
        """``end_value / start_value - 1`` over the counted rows (a fraction, not percent)."""
        return self.end_value / self.start_value - 1.0

    def to_frame(self) -> pd.DataFrame:
        """One row per listing row (counted or implied), plus a ``total`` row.

        ``pct`` is the change in percent (``100 * pct_change``) and stands in for ``pct_change``,
        which the frame does not carry (as :func:`~rerating.rerate.windows.returns_frame` adds
        ``pct`` beside ``value``; a single ``WindowReturn.to_frame()`` has no ``pct``). The
        ``total`` row leaves the per-listing columns (price currency, dates, closes, shares, FX)
        empty.
        """
        rows = [r.as_dict() for r in self.listings]
        rows.append(
            {
                "symbol": "total",
                "company": self.target,
                "role": self.kind,
                "currency": self.currency,
                "start_value": self.start_value,
                "end_value": self.end_value,
                "change": self.change,
                "pct_change": self.pct_change,
                "counted": True,
                "note": f"priced from {self.price_listing}" if self.price_listing else "",
            }
        )
        cols = [
            "symbol",
            "company",
            "role",
            "price_currency",
            "currency",
            "start_date",
            "end_date",
            "start_close",
            "end_close",
            "shares",
            "shares_per_unit",
            "ordinary_shares",
            "shares_as_of",
            "shares_source",
            "fx_start",
            "fx_end",
            "start_value",
            "end_value",
            "change",
            "pct",
            "counted",
            "note",
        ]
        frame = pd.DataFrame(rows)
        frame["pct"] = 100.0 * frame["pct_change"]
        return frame.reindex(columns=cols)

    def as_dict(self) -> dict[str, Any]:
        """The totals, ``left_out``, ``notes`` and every listing row (each as a dict)."""
        return {
            "target": self.target,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "currency": self.currency,
            "start_value": self.start_value,
            "end_value": self.end_value,
            "change": self.change,
            "pct_change": self.pct_change,
            "price_listing": self.price_listing,
            "left_out": list(self.left_out),
            "notes": list(self.notes),
            "listings": [r.as_dict() for r in self.listings],
        }

    def summary(self) -> str:
        """Totals in billions and the change, then the notes and what was left out, a line each."""
        head = (
            f"{self.target} ({self.kind}) market value {self.start_value / 1e9:,.1f}bn -> "
            f"{self.end_value / 1e9:,.1f}bn {self.currency}: {self.change / 1e9:+,.1f}bn "
            f"({self.pct_change:+.2%})"
        )
        lines = [head, *self.notes]
        if self.left_out:
            lines.append("left out: " + "; ".join(f"{s} ({r})" for s, r in self.left_out))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --- gathering from a Market ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Shares:
    shares: float
    as_of: pd.Timestamp
    source: str
    note: str  # set when the figure is dated after ``on`` (``lookahead``)
    row_symbol: str = ""  # the listing whose shares row gave the figure


def _shares(market: Market, symbol: str, on: pd.Timestamp, lookahead: int = 0) -> _Shares:
    fig = market.shares(symbol, on, lookahead=lookahead)
    return _Shares(
        shares=float(fig.shares),
        as_of=pd.Timestamp(fig.as_of),
        source=str(fig.source),
        note=str(fig.note),
        row_symbol=str(fig.row_symbol or fig.symbol),
    )


def _fx(market: Market, base: str, quote: str, on: pd.Timestamp) -> float:
    if base.upper() == quote.upper():
        return 1.0
    return float(market.fx_rate(base, quote, on))


def _value_row(
    market: Market,
    sec: Any,
    start: pd.Timestamp,
    end: pd.Timestamp,
    currency: str,
    shares: _Shares,
    ordinary: float,
    role: str,
    counted: bool,
) -> ListingValue:
    # closes on/before each date, on the listing's calendar; never filled
    win = range_return(market, sec.symbol, start, end)
    spu = float(sec.shares_per_unit)
    fx0 = _fx(market, sec.currency, currency, win.start_date)
    fx1 = _fx(market, sec.currency, currency, win.end_date)
    v0 = win.start_close / spu * ordinary * fx0
    v1 = win.end_close / spu * ordinary * fx1
    return ListingValue(
        symbol=sec.symbol,
        company=str(sec.company),
        role=role,
        price_currency=sec.currency,
        currency=currency,
        start_date=win.start_date,
        end_date=win.end_date,
        start_close=win.start_close,
        end_close=win.end_close,
        shares=ordinary / spu,
        shares_per_unit=spu,
        ordinary_shares=ordinary,
        shares_as_of=shares.as_of,
        shares_source=shares.source,
        fx_start=fx0,
        fx_end=fx1,
        start_value=v0,
        end_value=v1,
        counted=counted,
        note=win.note,
    )


def _shares_note(symbol: str, s: _Shares, spu: float) -> str:
    units = "ADS" if spu != 1 else "shares"
    row = f"; the row of {s.row_symbol}" if s.row_symbol and s.row_symbol != symbol else ""
    text = (
        f"{symbol}: {s.shares:,.0f} {units} as of {s.as_of.date() if pd.notna(s.as_of) else '?'}"
        f" ({s.source or 'source not given'}{row})"
    )
    return f"{text}; {s.note}" if s.note else text


def _fx_note(row: ListingValue) -> str:
    if row.price_currency.upper() == row.currency.upper():
        return ""
    return (
        f"{row.symbol}: {row.currency} per {row.price_currency} {row.fx_start:.6g} on "
        f"{row.start_date.date()}, {row.fx_end:.6g} on {row.end_date.date()}"
    )


def _listing_value(
    market: Market,
    sec: Any,
    start: pd.Timestamp,
    end: pd.Timestamp,
    currency: str,
    role: str,
    lookahead: int = 0,
) -> tuple[ListingValue, list[str]]:
    s = _shares(market, sec.symbol, end, lookahead)
    spu = float(sec.shares_per_unit)
    row = _value_row(market, sec, start, end, currency, s, s.shares * spu, role, True)
    notes = [
        _shares_note(sec.symbol, s, spu),
        _fx_note(row),
        row.note and f"{sec.symbol}: {row.note}",
    ]
    return row, [n for n in notes if n]


def _class_label(secs: list[Any]) -> str:
    symbols = "/".join(s.symbol for s in secs)
    return f"A shares ({symbols})" if secs[0].share_class != "ordinary" else f"shares of {symbols}"


def _company(
    market: Market,
    company: str,
    listings: list[Any],
    start: pd.Timestamp,
    end: pd.Timestamp,
    currency: str,
    price_listing: str | None,
    lookahead: int = 0,
) -> tuple[list[ListingValue], str, list[str]]:
    symbols = [s.symbol for s in listings]
    chosen_asked = None
    if price_listing is not None:
        chosen_asked = market.securities.get(price_listing).symbol
        if chosen_asked not in symbols:
            raise UnknownSymbolError(
                f"price_listing {price_listing!r} is not a listing of {company} "
                f"({', '.join(symbols)}); choose one of them"
            )
    classes: dict[str, list[Any]] = {}
    for sec in listings:  # share classes that do not convert into each other (A vs H shares)
        classes.setdefault(sec.share_class, []).append(sec)
    # a listing with no bars in the data (an ADR the sample leaves out) is left out, not an error,
    # while another listing of its class can price the class
    no_bars = set(market.missing_bars(symbols))
    several = len(classes) > 1
    rows: list[ListingValue] = []
    chosen_all: list[str] = []
    notes: list[str] = []
    if several:
        notes.append(
            f"{company}: {len(classes)} share classes that do not convert into each other ("
            + "; ".join(_class_label(c) for c in classes.values())
            + "); its value is the sum over them of each class's shares x the price of a listing "
            "of that class"
        )
    for members in classes.values():
        label = _class_label(members)
        shares: _Shares | None = None
        for sec in members:  # the class's shares from the first listing with a figure
            try:
                shares = _shares(market, sec.symbol, end, lookahead)
            except MissingSharesError:
                continue
            ordinary = shares.shares * float(sec.shares_per_unit)
            break
        if shares is None:
            what = f"{label} of {company}" if several else f"any listing of {company}"
            raise MissingSharesError(
                f"no shares-outstanding figure on or before {end.date()} for {what} "
                f"({', '.join(s.symbol for s in members)}); add a row to shares.csv, or allow a "
                "later figure with lookahead=DAYS (--lookahead DAYS)"
                + (
                    "; a company's value counts every class of its shares (or value one "
                    "listing: pass its symbol instead of the company)"
                    if several
                    else ""
                )
            )
        gone = {s.symbol for s in members} & no_bars
        if gone and len(gone) < len(members) and chosen_asked not in gone:
            members = [s for s in members if s.symbol not in gone]
        elif gone and several:
            raise MissingDataError(
                f"no bars for {', '.join(sorted(gone))} ({label} of {company}) in {market.origin}; "
                "a company's value counts every class of its shares: load them, or value one "
                "listing (pass its symbol instead of the company)"
            )
        else:
            gone = set()
        in_class = [s.symbol for s in members]
        if chosen_asked is not None and chosen_asked in in_class:
            chosen = chosen_asked
        else:
            same = [s for s in members if s.currency.upper() == currency.upper()]
            chosen = (same or members)[0].symbol
        chosen_all.append(chosen)
        for sec in members:
            role = "company (priced)" if sec.symbol == chosen else "company (implied)"
            rows.append(
                _value_row(
                    market, sec, start, end, currency, shares, ordinary, role, sec.symbol == chosen
                )
            )
        row_sec = market.securities.get(shares.row_symbol or members[0].symbol)
        row_spu = float(row_sec.shares_per_unit)
        row_shares = _Shares(
            shares=ordinary / row_spu,
            as_of=shares.as_of,
            source=shares.source,
            note=shares.note,
            row_symbol=row_sec.symbol,
        )
        whose = f"{company} {label}" if several else company
        notes.append(
            f"{whose}: {ordinary:,.0f} ordinary shares from "
            f"{_shares_note(row_sec.symbol, row_shares, row_spu)}"
        )
        if len(members) > 1 or not several:
            notes.append(
                f"{whose} total priced from {chosen} (the other listings' implied values are "
                "shown beside it, not added)"
            )
        else:
            notes.append(f"{whose} priced from {chosen}")
        if gone:
            notes.append(
                f"{company}: {', '.join(sorted(gone))} left out: no bars in {market.origin}"
            )
    notes += [n for r in rows for n in (_fx_note(r), r.note and f"{r.symbol}: {r.note}") if n]
    return rows, ", ".join(chosen_all), notes


def market_cap_change(
    market: Market,
    target: str | Sequence[str],
    start: DateLike,
    end: DateLike,
    currency: str = "USD",
    *,
    partial: bool = False,
    price_listing: str | None = None,
    lookahead: int = 0,
) -> MarketCapChange:
    """Change in market value of a listing, a company (all its listings) or a basket of listings.

    Parameters
    ----------
    market : Market
    target : str or sequence of str
        A listing symbol (``"NVDA"``), a company id of the security master (``"alibaba"``: BABA and
        9988.HK are one company), or a list of symbols (a basket, e.g. the largest US tech stocks).
    start, end : date-like
        Each listing's close is its last session on or before these dates.
    currency : str
        Currency of the values (``"USD"``, ``"HKD"``, ``"CNY"`` (``"RMB"`` is read as CNY), or
        ``"local"`` for a listing's own).
    partial : bool
        For a basket, leave out members without shares data (listed in ``left_out``) instead of
        raising MissingSharesError.
    price_listing : str, optional
        For a company, the listing whose price values its share class (default: the one quoted in
        ``currency``); a company with several classes (A and H shares) sums them.
    lookahead : int
        Days after ``end`` within which a later shares figure may be used when none is dated on or
        before ``end`` (named in ``notes``). Default 0: never a later filing.

    Returns
    -------
    MarketCapChange

    Raises
    ------
    MissingSharesError
        No shares figure on or before ``end`` (or within ``lookahead`` days after) for the
        listing or any listing of the company, or for a basket member unless ``partial``.
    MissingFXError
        No FX rate as of a close's date between its currency and ``currency``.
    DateRangeError
        ``end`` before ``start``, a negative ``lookahead``, a basket in several currencies with
        ``currency="local"``, or a window the closes do not cover.
    UnknownSymbolError
        ``target`` is neither a listing nor a company id, the basket is empty, or
        ``price_listing`` is not a listing of the company.
    MissingDataError
        No bars for a listing, or no close on a start or end session.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if int(lookahead) < 0:
        raise DateRangeError(f"lookahead={lookahead} is negative; pass a number of days >= 0")
    if e < s:
        raise DateRangeError(f"end {e.date()} is before start {s.date()}; swap them")
    ccy = currency_code(currency)
    rows: list[ListingValue] = []
    when = (
        f"latest on or before the end date, else the first up to {lookahead} days after it"
        if lookahead
        else "latest on or before the end date"
    )
    notes: list[str] = [
        f"shares: one figure for both dates ({when}), so the change is the price effect; values "
        "converted at each date's FX rate"
    ]
    left_out: list[tuple[str, str]] = []
    chosen = ""
    if isinstance(target, str):
        sec = None
        try:
            sec = market.securities.get(target)
        except UnknownSymbolError as as_symbol:
            try:
                listings = market.securities.listings(target)
            except UnknownSymbolError as as_company:  # say both: a mistyped ticker is the likelier
                raise UnknownSymbolError(
                    f"{target!r} is neither a listing nor a company: {as_symbol.args[0]}; "
                    f"{as_company.args[0]}"
                ) from None
            if not listings:
                raise
        if sec is not None:
            kind, name = "listing", sec.symbol
            out_ccy = sec.currency if ccy == "LOCAL" else ccy
            row, n = _listing_value(market, sec, s, e, out_ccy, "listing", lookahead)
            rows.append(row)
            notes += n
        else:
            kind, name = "company", target.lower()
            out_ccy = listings[0].currency if ccy == "LOCAL" else ccy
            currencies = {sec.currency for sec in listings}
            if ccy == "LOCAL" and len(currencies) > 1:  # no one local currency: say which is used
                listed = ", ".join(f"{sec.currency} ({sec.symbol})" for sec in listings)
                notes.append(
                    f"local currency: {name} is listed in {listed}; values are in {out_ccy}, its "
                    f"first listing's; pass a currency to choose another (e.g. --currency "
                    f"{sorted(currencies - {out_ccy})[0]})"
                )
            rows, chosen, n = _company(
                market, name, listings, s, e, out_ccy, price_listing, lookahead
            )
            notes += n
    else:
        kind, name = "basket", "basket"
        members = [market.securities.get(t) for t in target]
        if not members:
            raise UnknownSymbolError("the basket is empty; give at least one symbol")
        if ccy == "LOCAL" and len({m.currency for m in members}) > 1:
            raise DateRangeError("a basket in several currencies needs one --currency, e.g. USD")
        out_ccy = members[0].currency if ccy == "LOCAL" else ccy
        companies = [m.company for m in members]
        dup = sorted({c for c in companies if companies.count(c) > 1})
        if dup:
            notes.append(
                f"warning: several listings of {', '.join(dup)} in the basket count the "
                "company more than once; use one listing per company"
            )
        missing: list[tuple[str, str]] = []
        for sec in members:
            try:
                row, n = _listing_value(market, sec, s, e, out_ccy, "basket member", lookahead)
            except MissingSharesError as exc:
                missing.append((sec.symbol, str(exc.args[0] if exc.args else exc)))
                left_out.append((sec.symbol, "no shares-outstanding figure"))
                continue
            rows.append(row)
            notes += n
        if missing and not partial:  # every member that lacks one, so that one fix does for all
            (sym, why), more = missing[0], missing[1:]
            them = "them" if more else "it"
            raise MissingSharesError(
                f"basket member {sym} has no shares-outstanding figure on or before {e.date()} "
                f"({why})"
                + "".join(f"; nor has basket member {s2} ({w2})" for s2, w2 in more)
                + f"; drop {them} or pass partial=True (--partial) to leave {them} out"
            )
        if not rows:
            raise MissingSharesError(
                "no basket member has shares data; left out: "
                + ", ".join(sym for sym, _ in left_out)
            )
    counted = [r for r in rows if r.counted]
    return MarketCapChange(
        target=name,
        kind=kind,
        start=s,
        end=e,
        currency=out_ccy,
        start_value=float(sum(r.start_value for r in counted)),
        end_value=float(sum(r.end_value for r in counted)),
        price_listing=chosen,
        listings=tuple(rows),
        left_out=tuple(left_out),
        notes=tuple(notes),
    )
