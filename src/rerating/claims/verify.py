"""Check extracted claims against market data: supported, contradicted or unverifiable.

Every figure is computed with the re-rating measures (:mod:`rerating.rerate.windows`,
:mod:`rerating.rerate.marketcap`) on each listing the claim's entity resolves to, from raw closes
(split-adjusted, not dividend-adjusted) on the listing's own calendar. The rules below are written
out in docs/CLAIMS.md.

Tolerance. A stated figure ``x`` with last stated digit ``r`` ("6.7%": r = 0.1; "143.62亿": r = 1e6)
stands for the interval ``[x - r/2, x + r/2)``; a data tolerance ``d`` is added on both sides
(0.05 percentage points for returns, 1% of the figure for market values, half a tick for prices,
0.5 points for index levels, 0.5% for volumes). ``approx`` widens the half-width to the largest of
r/2, 10% of |x| and (for returns) one percentage point. ``gt`` / ``lt`` compare the signed figure
strictly, allowing only ``d``. A stated range (4%至6%) accepts ``[low - r/2 - d, high + r/2 + d]``.
A comparison (``relative_return``, "outperformed the Hang Seng Index by 5 points") is the
subject's return minus the comparator's, each computed as a change claim's, with the tolerance of
a per-cent figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from rerating.claims.model import (
    EXTREME_IN_PERIOD,
    MOMENT_IN_SESSION,
    RANGE_FROM_PREVIOUS_CLOSE,
    WRITTEN_BEFORE_US_OPEN,
    Claim,
)
from rerating.errors import RerateError

if TYPE_CHECKING:
    from rerating.data.market import Market

SUPPORTED, CONTRADICTED, UNVERIFIABLE = "supported", "contradicted", "unverifiable"
_SPAN_DAYS = {"w": 7, "m": 30, "d": 1}


@dataclass(frozen=True)
class ListingCheck:
    """The figure computed for one listing, and whether it agrees with the claim.

    ``computed`` is in the claim's unit: percentage points for returns, currency units for money,
    the traded price, index points, shares. ``accepted`` is the interval the claim allows for it.
    """

    symbol: str
    status: str
    computed: float | None = None
    start_date: str | None = None
    end_date: str | None = None
    start_close: float | None = None
    end_close: float | None = None
    currency: str | None = None
    calendar: str | None = None
    accepted: tuple[float, float] | None = None
    adjusted: bool = False
    computed_adjusted: float | None = None  # the same return from dividend-adjusted closes
    benchmark: str | None = None  # the listing's default benchmark (a return claim's "market")
    benchmark_computed: float | None = None  # its return over the same closes' dates, in pct
    excess: float | None = None  # computed - benchmark_computed: the market-adjusted move, points
    note: str = ""

    def __post_init__(self) -> None:
        if self.accepted is not None:  # a list passed in would stay editable
            object.__setattr__(self, "accepted", tuple(self.accepted))

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "status": self.status,
            "computed": self.computed,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "start_close": self.start_close,
            "end_close": self.end_close,
            "currency": self.currency,
            "calendar": self.calendar,
            # open ends are null: JSON has no infinity
            "accepted": [x if math.isfinite(x) else None for x in self.accepted]
            if self.accepted
            else None,
            "adjusted": self.adjusted,
            "computed_adjusted": self.computed_adjusted,
            "benchmark": self.benchmark,
            "benchmark_computed": self.benchmark_computed,
            "excess": self.excess,
            "note": self.note,
        }


@dataclass(frozen=True)
class Verdict:
    """A claim with the outcome of checking it on each of its listings.

    ``status`` is ``supported`` when at least one listing supports the claim (``reason`` then names
    any listing where it fails), ``contradicted`` when every checkable listing contradicts it, and
    ``unverifiable`` when no listing could be checked (no data, no window, a group subject).
    """

    claim: Claim
    status: str
    checks: tuple[ListingCheck, ...] = field(default=())
    tolerance: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", tuple(self.checks))  # a list passed in would stay editable

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (docs/CLAIMS.md): the claim's fields plus the verdict."""
        return {
            **self.claim.to_dict(),
            "status": self.status,
            "reason": self.reason,
            "tolerance": self.tolerance,
            "checks": [c.to_dict() for c in self.checks],
        }

    def summary(self) -> str:
        c = self.claim
        lines = [
            f"{self.status.upper()}: {c.entity} {c.metric} {c.comparator} {c.value['amount']:g} "
            f"{_display_unit(c.value['unit'], c.metric)} ({self.reason})"
        ]
        for k in self.checks:
            got = "n/a" if k.computed is None else f"{k.computed:,.4g}"
            lines.append(
                f"  {k.symbol}: {k.status}, computed {got} {k.start_date or ''}..{k.end_date or ''} "
                f"{k.note}".rstrip()
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> pd.DataFrame:
        """One row per listing checked (the columns of :func:`verdicts_frame`)."""
        return verdicts_frame([self])


VERDICT_COLUMNS: tuple[str, ...] = (
    # the claim (one value per claim, repeated on each of its listing rows)
    "claim", "sentence", "entity", "symbols", "metric", "window", "comparator", "amount", "unit",
    "value_currency", "stated", "tolerance", "status", "reason", "notes",
    # the listing checked (JSON: one object of "checks")
    "symbol", "listing_status", "computed", "computed_adjusted", "adjusted", "start_date", "end_date",
    "start_close", "end_close", "currency", "calendar", "accepted", "benchmark", "benchmark_computed",
    "excess", "listing_note",
)  # fmt: skip


def verdicts_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    """One row per (claim, listing checked) for tables, CSV and Parquet.

    Columns (:data:`VERDICT_COLUMNS`) carry the JSON field names, with the window flattened to
    text: the claim's ``status`` and ``reason`` are the verdict on the whole claim; ``symbol``,
    ``listing_status``, ``computed`` ... ``listing_note`` are the check of that row's listing (the
    ``checks`` objects of the JSON, whose ``status`` and ``note`` become ``listing_status`` and
    ``listing_note``). A claim with no listing checked (a group subject, no window) has one row
    with an empty ``symbol`` and ``listing_status`` equal to its ``status``.
    """
    from rerating.claims.model import window_text

    def num(x: float | None) -> float:
        return float("nan") if x is None else float(x)

    rows = []
    for i, v in enumerate(verdicts):
        c = v.claim
        claim = {
            "claim": i, "sentence": c.sentence, "entity": c.entity, "symbols": " ".join(c.symbols),
            "metric": c.metric, "window": window_text(c.window), "comparator": c.comparator,
            "amount": float(c.value["amount"]), "unit": c.value["unit"],
            "value_currency": c.value.get("currency") or "",
            "stated": f"{c.comparator} {stated_figure(c.value, c.metric)}",
            "tolerance": v.tolerance, "status": v.status, "reason": v.reason, "notes": "; ".join(c.notes),
        }  # fmt: skip
        for k in v.checks or (ListingCheck(symbol="", status=v.status),):
            rows.append({
                **claim, "symbol": k.symbol, "listing_status": k.status, "computed": num(k.computed),
                "computed_adjusted": num(k.computed_adjusted), "adjusted": bool(k.adjusted),
                "start_date": k.start_date or "", "end_date": k.end_date or "",
                "start_close": num(k.start_close), "end_close": num(k.end_close),
                "currency": k.currency or "", "calendar": k.calendar or "",
                "accepted": "" if k.accepted is None else f"[{k.accepted[0]:.6g}, {k.accepted[1]:.6g}]",
                "benchmark": k.benchmark or "", "benchmark_computed": num(k.benchmark_computed),
                "excess": num(k.excess), "listing_note": k.note,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


# ---- tolerance -----------------------------------------------------------------------------------


def stated_figure(value: dict[str, Any], metric: str | None = None) -> str:
    """A claim's figure for readers: ``-590 bn USD`` for money (not ``-5.9e+11 money``), else the
    amount and its unit (``-17 pct``, ``22000 points``); a ``relative_return`` gap is in
    percentage points, ``8 pts`` (its ``value.unit`` stays ``pct``, the JSON contract's)."""
    amount, unit = float(value["amount"]), value["unit"]
    if unit == "money":
        return f"{amount / 1e9:,.4g} bn {value.get('currency') or ''}".strip()
    return f"{amount:g} {_display_unit(unit, metric)}"


def _display_unit(unit: str, metric: str | None) -> str:
    # a gap of two returns is percentage points, not a per-cent move of one series
    return "pts" if metric == "relative_return" and unit == "pct" else unit


def data_tolerance(unit: str, amount: float) -> float:
    """The data tolerance ``d`` for a figure of this unit (see the module docstring)."""
    return {
        "pct": 0.05,
        "money": 0.01 * abs(amount),
        "price": 0.005,
        "points": 0.5,
        "shares": 0.005 * abs(amount),
        "x": 0.5,
    }.get(unit, 0.0)


def accepted_interval(value: dict[str, Any], comparator: str) -> tuple[float, float]:
    """The closed interval of computed figures that support a stated value (signed)."""
    x = float(value["amount"])
    unit = value["unit"]
    r = float(value.get("resolution") or (1.0 if unit == "pct" else 0.0))
    d = data_tolerance(unit, x)
    inf = float("inf")
    if value.get("low") is not None:
        return float(value["low"]) - r / 2 - d, float(value["high"]) + r / 2 + d
    if comparator == "gt":
        return x - d, inf
    if comparator == "lt":
        return -inf, x + d
    half = r / 2
    if comparator == "approx":
        half = max(half, 0.10 * abs(x), 1.0 if unit == "pct" else 0.0)
        return x - half - d, x + half + d
    # Reporters round or truncate toward zero ("20.77%" is reported as "20%"), so an exact figure
    # also covers up to one resolution unit further from zero.
    if x > 0:
        return x - half - d, x + r + d
    if x < 0:
        return x - r - d, x + half + d
    return x - half - d, x + half + d


def tolerance_text(value: dict[str, Any], comparator: str, metric: str | None = None) -> str:
    """The tolerance for readers: ``eq -17 pct (stated to 1) accepts [-18.05, -16.45]``; a
    ``relative_return`` gap reads ``pts`` (percentage points)."""
    lo, hi = accepted_interval(value, comparator)
    r = value.get("resolution")
    return (
        f"{comparator} {value['amount']:g} {_display_unit(value['unit'], metric)} (stated to "
        f"{r:g}) accepts [{lo:.6g}, {hi:.6g}]"
    )


# ---- verification ----------------------------------------------------------------------------------


def verify_claims(claims: list[Claim], market: Market, catalog: Any = None) -> list[Verdict]:
    """Check each claim against ``market``.

    Parameters
    ----------
    claims : list of Claim
        From :func:`rerating.claims.extract_claims`.
    market : Market
        The data facade (``Market.from_sample()`` offline).
    catalog : EventCatalog, optional
        Resolves event-anchored windows; the bundled catalog by default.

    Returns
    -------
    list of Verdict
        One per claim, in order.
    """
    if catalog is None and any(c.window.get("type") == "since_event" for c in claims):
        from rerating.events.catalog import load_catalog

        catalog = load_catalog(securities=market.securities)
    return [_verify(c, market, catalog) for c in claims]


def _verify(claim: Claim, market: Market, catalog: Any) -> Verdict:
    tol = tolerance_text(claim.value, claim.comparator, claim.metric)
    combined = [n for n in claim.notes if n.startswith("combined figure of ")]
    if not claim.symbols and combined:
        return Verdict(
            claim,
            UNVERIFIABLE,
            (),
            tol,
            f"a {combined[0]}: a figure summed over companies is not checked; "
            "state each company's figure to check it",
        )
    if not claim.symbols:
        return Verdict(
            claim,
            UNVERIFIABLE,
            (),
            tol,
            f"the subject {claim.entity!r} is a group, not a listing; name the companies to check it",
        )
    if claim.metric == "valuation_multiple":
        return Verdict(
            claim,
            UNVERIFIABLE,
            (),
            tol,
            "valuation multiples are not checked (forward estimates are not in the data)",
        )
    if any(n.startswith("outside the regular session") for n in claim.notes):
        return Verdict(
            claim,
            UNVERIFIABLE,
            (),
            tol,
            "a pre-market / after-hours figure: daily bars hold the regular session only",
        )
    if claim.window.get("type") == "unspecified":
        return Verdict(
            claim,
            UNVERIFIABLE,
            (),
            tol,
            EXTREME_IN_PERIOD
            if EXTREME_IN_PERIOD in claim.notes
            else "the claim states no date or window to check it on",
        )
    if claim.window.get("type") == "from_extreme" and not claim.window.get("period_start"):
        return Verdict(
            claim,
            UNVERIFIABLE,
            (),
            tol,
            f"a move from a {claim.window.get('extreme')} of no stated period (a peak, a record) is "
            "not checked: the data need not hold the whole history; a period ('its January "
            "low', '年内高点') makes it checkable",
        )
    lo, hi = accepted_interval(claim.value, claim.comparator)
    if claim.metric == "relative_return":
        return _verdict(
            claim, tol, [_relative(claim, sym, market, catalog, lo, hi) for sym in claim.symbols]
        )
    checks = []
    pre_open = _written_before_us_open(claim)
    for sym in claim.symbols:
        if pre_open is not None and market.securities.get(sym).calendar == "XNYS":
            if claim.window.get("type") in ("day", "intraday"):
                checks.append(
                    ListingCheck(
                        symbol=sym,
                        status=UNVERIFIABLE,
                        note=f"{claim.article_date} is the article's day, written before the U.S. "
                        "open: a figure of that New York session was a pre-market one, and daily "
                        "bars hold the regular session only",
                    )
                )
                continue
            earlier = _end_before(claim, claim.article_date, rolling=True)
            if earlier is not None:
                # The article knows the New York closes before its day's session only.
                checks.append(
                    _noted(
                        _judge(earlier, sym, market, catalog, lo, hi),
                        f"window end read as the close before the U.S. open: {pre_open}; "
                        f"its last New York close was that of {earlier.window['end']} or before",
                    )
                )
                continue
        beijing_end = _beijing_end(claim, market, sym)
        if beijing_end is not None:
            # The same reading for a window's end, always (not as a retry): a Chinese article
            # dated D in Beijing knows New York closes up to the session of D - 1 only.
            checks.append(
                _noted(
                    _judge(beijing_end, sym, market, catalog, lo, hi),
                    f"window end read as Beijing time: on {claim.article_date} in Beijing the "
                    f"last New York close was that of {beijing_end.window['end']} or before",
                )
            )
            continue
        k = _judge(claim, sym, market, catalog, lo, hi)
        if k.status == CONTRADICTED and _beijing_reading(claim, market, sym):
            # A Chinese article dates a New York session by the Beijing day it closes on
            # (大年初一 1/29 -> the NY session of 1/28): try that reading and say so.
            alt = _judge(_shift_day(claim, market, sym), sym, market, catalog, lo, hi)
            if alt.status == SUPPORTED:
                k = _noted(
                    alt,
                    f"date read as Beijing time: the New York session of {alt.end_date} closed on "
                    f"{claim.window['date']} in Beijing",
                )
        checks.append(k)
    return _verdict(claim, tol, checks)


def _verdict(claim: Claim, tol: str, checks: list[ListingCheck]) -> Verdict:
    """The verdict on a claim from its listings' checks (supported when one listing supports it)."""
    good = [k.symbol for k in checks if k.status == SUPPORTED]
    bad = [k.symbol for k in checks if k.status == CONTRADICTED]
    if good:
        reason = f"holds for {', '.join(good)}"
        if bad:
            reason += f"; not for {', '.join(bad)}"
        return Verdict(claim, SUPPORTED, tuple(checks), tol, reason)
    if bad:
        return Verdict(claim, CONTRADICTED, tuple(checks), tol, f"fails for {', '.join(bad)}")
    why = "; ".join(f"{k.symbol}: {k.note}" for k in checks)
    return Verdict(claim, UNVERIFIABLE, tuple(checks), tol, why or "no listing could be checked")


def _as_of(claim: Claim, sym: str, market: Market) -> tuple[Claim | None, str]:
    """The claim as ``sym``'s own figure is computed: its window ending a day earlier when the
    article knew only the New York close before (written before the U.S. open, or a Chinese
    article's Beijing date), with the note saying so; None when that figure is a pre-market
    one (a day of a New York listing in an article written before the U.S. open)."""
    pre_open = _written_before_us_open(claim)
    if pre_open is not None and market.securities.get(sym).calendar == "XNYS":
        if claim.window.get("type") in ("day", "intraday"):
            return None, f"{sym}: {claim.article_date} is the article's day, written before the U.S. open"
        earlier = _end_before(claim, claim.article_date, rolling=True)
        if earlier is not None:
            return earlier, f"{sym} window end read as the close before the U.S. open"
    beijing_end = _beijing_end(claim, market, sym)
    if beijing_end is not None:
        return beijing_end, f"{sym} window end read as Beijing time ({beijing_end.window['end']})"
    return claim, ""


def _relative(
    claim: Claim, sym: str, market: Market, catalog: Any, lo: float, hi: float
) -> ListingCheck:
    """A comparison ("outperformed the Hang Seng Index by 5 percentage points") on the subject's
    listing ``sym``: its return minus the comparator's over the claim's window, each computed as
    a change claim's is (from the close before the window, on its own calendar, with its own
    Beijing or pre-open end), in percentage points. ``benchmark`` is the comparator,
    ``benchmark_computed`` its return, ``excess`` the difference (= ``computed``).

    A Chinese sentence's day that contradicts it for a New York listing is retried as the Beijing
    date of the New York session before, as a single move's day is: each New York series moves
    to that session, a Hong Kong or Shanghai one keeps the day.
    """
    if claim.window.get("type") == "intraday":
        return ListingCheck(
            symbol=sym, status=UNVERIFIABLE, note="an intraday comparison is not checked"
        )
    sec = market.securities.get(sym)
    # The listing's own default benchmark when it is a comparator ("the broader market" lists
    # each listing's), else the comparator's listing on the subject's market, else its first
    # ("Alibaba beat Tencent")
    versus = (
        sec.benchmark
        if sec.benchmark in claim.versus
        else next(
            (v for v in claim.versus if market.securities.get(v).calendar == sec.calendar),
            claim.versus[0],
        )
    )
    k = _relative_check(claim, sym, versus, market, catalog, lo, hi, beijing=False)
    if k.status == CONTRADICTED and _beijing_reading(claim, market, sym):
        alt = _relative_check(claim, sym, versus, market, catalog, lo, hi, beijing=True)
        if alt.status == SUPPORTED:
            k = _noted(
                alt,
                f"date read as Beijing time: the New York session of {alt.end_date} closed on "
                f"{claim.window['date']} in Beijing",
            )
    return k


def _relative_check(
    claim: Claim,
    sym: str,
    versus: str,
    market: Market,
    catalog: Any,
    lo: float,
    hi: float,
    beijing: bool,
) -> ListingCheck:
    """:func:`_relative` on one reading of the day: ``beijing`` moves each New York series' day
    to the session before (the one that closed on that Beijing date)."""
    moves, notes = [], []
    for s in (sym, versus):
        own, note = _as_of(claim, s, market)
        if own is None:
            return ListingCheck(symbol=sym, status=UNVERIFIABLE, benchmark=versus, note=note)
        if beijing and market.securities.get(s).calendar == "XNYS":
            own = _shift_day(own, market, s)
        win = dict(own.window)
        if win.get("type") == "range" and RANGE_FROM_PREVIOUS_CLOSE in own.notes:
            win["base"] = "previous_close"
        try:
            wr = _window_return(win, s, market, catalog)
            if win.get("type") == "from_extreme":
                note = _join(note, _extreme_note(win, wr.start_date))
        except RerateError as exc:
            return ListingCheck(
                symbol=sym, status=UNVERIFIABLE, benchmark=versus, note=str(exc).splitlines()[0]
            )
        moves.append(wr)
        notes.append(note)
    a, b = moves
    ret_a, ret_b = 100.0 * float(a.value), 100.0 * float(b.value)
    diff = ret_a - ret_b
    evidence = "; ".join(
        f"{s} {r:+.4g}% ({_d(w.start_date)} close {float(w.start_close):,.6g} -> {_d(w.end_date)} "
        f"close {float(w.end_close):,.6g})"
        for s, r, w in ((sym, ret_a, a), (versus, ret_b, b))
    )
    return ListingCheck(
        symbol=sym,
        status=SUPPORTED if lo <= diff <= hi else CONTRADICTED,
        computed=diff,
        **_window_fields(a),
        accepted=(lo, hi),
        benchmark=versus,
        benchmark_computed=ret_b,
        excess=diff,
        note=_join(f"{evidence}: difference {diff:+.4g} percentage points", *notes, a.note),
    )


def _judge(
    claim: Claim, sym: str, market: Market, catalog: Any, lo: float, hi: float
) -> ListingCheck:
    try:
        k = _check_listing(claim, sym, market, catalog)
    except RerateError as exc:
        return ListingCheck(symbol=sym, status=UNVERIFIABLE, note=str(exc).splitlines()[0])
    if k.status != UNVERIFIABLE and k.computed is not None:
        ok = lo <= k.computed <= hi
        note = k.note
        if k.computed_adjusted is not None and (lo <= k.computed_adjusted <= hi) != ok:
            note = _join(
                note,
                f"with dividend-adjusted closes the figure is {k.computed_adjusted:.4g}, which would "
                f"{'support' if not ok else 'contradict'} it",
            )
        k = ListingCheck(
            **{
                **k.__dict__,
                "status": SUPPORTED if ok else CONTRADICTED,
                "accepted": (lo, hi),
                "note": note,
            }
        )
    return k


def _beijing_reading(claim: Claim, market: Market, sym: str) -> bool:
    """Whether the day may be the Beijing date of a New York session's close: a Chinese sentence,
    a New York listing, and a New York session on the calendar day before (its 16:00 close is
    04:00-05:00 the next morning in Beijing; a Monday in Beijing closes no New York session)."""
    from rerating.data.calendars import is_session

    return (
        claim.window.get("type") == "day"
        and market.securities.get(sym).calendar == "XNYS"
        and any("\u4e00" <= ch <= "\u9fff" for ch in claim.sentence)
        and is_session("XNYS", pd.Timestamp(claim.window["date"]) - pd.Timedelta(days=1))
    )


# Periods "so far" (年内, 本周, 本月, 自...以来): their end is the time of writing.
_ENDED_WINDOWS = ("ytd", "range", "week", "month", "year", "since_event", "from_extreme")
# Counts back from the time of writing (近5个交易日, 近7天, 过去5天): in Beijing they end there too.
_ROLLING_WINDOWS = ("days", "sessions")


def _beijing_end(claim: Claim, market: Market, sym: str) -> Claim | None:
    """The claim with its window ending a day earlier, when a Chinese sentence's window runs to
    the article's (Beijing) date for a New York listing: that day's New York session closes the
    next morning in Beijing, after the article. None when the reading does not apply.

    A count back from that date (近5个交易日, 近7天) moves with its end: the last N sessions (days)
    the article could know are those to the New York close of the day before.
    """
    if (
        market.securities.get(sym).calendar != "XNYS"
        or not any("\u4e00" <= ch <= "\u9fff" for ch in claim.sentence)
    ):
        return None
    return _end_before(claim, claim.article_date, rolling=True)


def _written_before_us_open(claim: Claim) -> str | None:
    """The claim's note saying its article was written before the U.S. open, or None."""
    return next((n for n in claim.notes if n.startswith(WRITTEN_BEFORE_US_OPEN)), None)


def _end_before(claim: Claim, day: str | None, rolling: bool = False) -> Claim | None:
    """The claim with its window, which runs to ``day``, ending the day before (its last close
    is then the one before ``day``); None when the window does not end on ``day``, or would
    end on its own start (an empty window would contradict any figure).

    Parameters
    ----------
    claim : Claim
        The claim whose window may end on ``day``.
    day : str or None
        The date the window must end on (the article's), ISO.
    rolling : bool
        Also move a ``days`` or ``sessions`` count (the Beijing and pre-open readings); the
        count keeps its length, so it starts a day earlier too.
    """
    win = claim.window
    types = _ENDED_WINDOWS + _ROLLING_WINDOWS if rolling else _ENDED_WINDOWS
    if day is None or win.get("type") not in types or win.get("end") != day:
        return None
    end = pd.Timestamp(win["end"]) - pd.Timedelta(days=1)
    if win.get("type") == "range" and pd.Timestamp(win["start"]) - pd.Timedelta(
        days=1 if RANGE_FROM_PREVIOUS_CLOSE in claim.notes else 0
    ) >= end:  # never an empty window
        return None
    return replace(claim, window={**win, "end": _d(end)})


def _shift_day(claim: Claim, market: Market, sym: str) -> Claim:
    """The claim on the New York session that closed on its (Beijing) date: the day before."""
    day = pd.Timestamp(claim.window["date"]) - pd.Timedelta(days=1)
    return replace(claim, window={**claim.window, "date": _d(day)})


def _check_listing(claim: Claim, sym: str, market: Market, catalog: Any) -> ListingCheck:
    sec = market.securities.get(sym)
    unit = claim.value["unit"]
    metric = claim.metric
    win = claim.window
    if win.get("type") == "range" and RANGE_FROM_PREVIOUS_CLOSE in claim.notes:
        win = {**win, "base": "previous_close"}
    stated_ccy = claim.value.get("currency")
    if unit == "price" and stated_ccy and stated_ccy != sec.currency:
        # "收報143.75元" on a Hong Kong listing is not checked against the ADR's US$ price: a
        # price in one currency says nothing about a line quoted in another.
        return ListingCheck(
            symbol=sec.symbol,
            status=UNVERIFIABLE,
            currency=sec.currency,
            calendar=sec.calendar,
            note=f"the price is stated in {stated_ccy}; {sec.symbol} trades in {sec.currency}",
        )
    if win.get("type") == "intraday":
        return _intraday(claim, sec, market)
    if metric in ("price_return", "index_return", "market_cap_change"):
        wr = _window_return(win, sec.symbol, market, catalog)
        if win.get("type") == "from_extreme":
            wr = replace(wr, note=_join(wr.note, _extreme_note(win, wr.start_date)))
        base = ListingCheck(
            symbol=sec.symbol,
            status="",
            **_window_fields(wr),
            note=wr.note,
        )
        if unit == "pct":
            note = base.note
            if metric == "market_cap_change":
                note = _join(
                    note, "market-value change taken as the price return (fixed share count)"
                )
            try:  # reported beside the raw figure: dividends inside the window show up here
                adj = 100.0 * float(
                    _window_return(win, sec.symbol, market, catalog, adjusted=True).value
                )
            except RerateError:
                adj = None
            computed = 100.0 * float(wr.value)
            bench = _market_move(sec, wr, market)
            return ListingCheck(
                **{
                    **base.__dict__,
                    "computed": computed,
                    "note": note,
                    "computed_adjusted": adj,
                    "benchmark": None if bench is None else sec.benchmark,
                    "benchmark_computed": bench,
                    "excess": None if bench is None else computed - bench,
                }
            )
        if unit == "points":
            return ListingCheck(
                **{**base.__dict__, "computed": float(wr.end_close - wr.start_close)}
            )
        if unit == "money" and metric == "market_cap_change":
            from rerating.rerate.marketcap import market_cap_change

            ccy = claim.value.get("currency") or sec.currency
            mc = market_cap_change(market, sec.symbol, wr.start_date, wr.end_date, currency=ccy)
            return ListingCheck(
                **{
                    **base.__dict__,
                    "computed": float(mc.change),
                    "currency": ccy,
                    "note": _join(base.note, "; ".join(mc.notes)),
                }
            )
        return ListingCheck(
            symbol=sec.symbol, status=UNVERIFIABLE, note=f"{metric} in {unit} is not checked"
        )
    day = _end_day(win)
    if day is None:
        return ListingCheck(
            symbol=sec.symbol,
            status=UNVERIFIABLE,
            note=f"a {metric} needs a date; the window is {win.get('type')}",
        )
    if metric == "market_cap_level":
        ccy = claim.value.get("currency") or sec.currency
        cap = market.market_cap(sec.symbol, day, currency=ccy)
        return ListingCheck(
            symbol=sec.symbol,
            status="",
            computed=float(cap.value),
            end_date=_d(cap.date),
            end_close=float(cap.close),
            currency=ccy,
            calendar=sec.calendar,
            note="; ".join(cap.notes),
        )
    if metric in ("close_price", "index_level", "volume"):
        from rerating.rerate.windows import flag_notes

        bars = market.bars(sec.symbol, day, day)
        if bars.empty:
            raise _no_row(sec.symbol, day, sec.calendar)
        col = "volume" if metric == "volume" else "close"
        if metric == "volume" and unit != "shares":
            return ListingCheck(
                symbol=sec.symbol, status=UNVERIFIABLE, note="only share volumes are checked"
            )
        val = bars[col].iloc[-1]
        if pd.isna(val):
            return ListingCheck(
                symbol=sec.symbol, status=UNVERIFIABLE, note=f"{col} is blank on {_d(day)}"
            )
        return ListingCheck(
            symbol=sec.symbol,
            status="",
            computed=float(val),
            end_date=_d(day),
            end_close=float(bars["close"].iloc[-1]),
            currency=sec.currency,
            calendar=sec.calendar,
            note="; ".join(flag_notes(market, sec.symbol, [day])),
        )
    return ListingCheck(symbol=sec.symbol, status=UNVERIFIABLE, note=f"{metric} is not checked")


def _market_move(sec: Any, wr: Any, market: Market) -> float | None:
    """The listing's default benchmark's return (pct) between the closes of ``wr``'s dates, so
    that a return claim's move can be read against its market (None: no benchmark, an index, or
    no benchmark closes on those dates)."""
    from rerating.rerate.windows import range_return

    if not sec.benchmark or sec.kind == "index" or sec.benchmark == sec.symbol:
        return None
    try:
        bench = range_return(market, sec.benchmark, wr.start_date, wr.end_date)
    except RerateError:
        return None
    if bench.start_date != wr.start_date or bench.end_date != wr.end_date:
        return None  # the benchmark lacks a close the listing has: not the same move
    return 100.0 * float(bench.value)


def _window_return(
    win: dict[str, Any], sym: str, market: Market, catalog: Any, adjusted: bool = False
) -> Any:
    from rerating.rerate.windows import event_return, range_return, window_return

    t = win["type"]
    if t == "day":
        from rerating.data.calendars import is_session

        day = pd.Timestamp(win["date"])
        cal = market.securities.get(sym).calendar
        if not is_session(cal, day):
            from rerating.errors import NonSessionDateError

            raise NonSessionDateError(
                f"{day.date()} is not a {cal} session, so {sym} has no move that day"
            )
        return window_return(market, sym, day, 1, adjusted=adjusted)
    if t == "sessions":
        return window_return(market, sym, win["end"], int(win["n"]), adjusted=adjusted)
    if t == "range":
        start = pd.Timestamp(win["start"])
        if win.get("base") == "previous_close":
            # "1月20日至2月14日" (区间涨跌幅): the first day's move is inside the period
            start -= pd.Timedelta(days=1)
        return range_return(market, sym, start, win["end"], adjusted=adjusted)
    if t == "days":
        end = pd.Timestamp(win["end"])
        return range_return(
            market, sym, end - pd.Timedelta(days=int(win["n"])), end, adjusted=adjusted
        )
    if t == "ytd":
        return range_return(
            market, sym, f"{int(win['year']) - 1}-12-31", win["end"], adjusted=adjusted
        )
    if t == "week":
        return range_return(
            market,
            sym,
            pd.Timestamp(win["start"]) - pd.Timedelta(days=1),
            win["end"],
            adjusted=adjusted,
        )
    if t == "month":
        first = pd.Timestamp(f"{win['month']}-01")
        end = first + pd.offsets.MonthEnd(0)
        if win.get("end"):  # a month not over at the article date runs to that date only
            end = min(end, pd.Timestamp(win["end"]))
        return range_return(market, sym, first - pd.Timedelta(days=1), end, adjusted=adjusted)
    if t == "year":
        end = pd.Timestamp(f"{int(win['year'])}-12-31")
        if win.get("end"):  # a year not over at the article date runs to that date only
            end = min(end, pd.Timestamp(win["end"]))
        return range_return(
            market, sym, f"{int(win['year']) - 1}-12-31", end, adjusted=adjusted
        )
    if t == "from_extreme":
        day = _extreme_day(win, sym, market)
        return range_return(market, sym, day, win["end"], adjusted=adjusted)
    if t == "since_event":
        event = catalog.get(win["event"])
        if "span" in win:
            span = str(win["span"])
            n, kind = int(span[:-1]), span[-1]
            if kind == "s":
                return event_return(market, sym, event, sessions=n, adjusted=adjusted)
            return event_return(market, sym, event, days=n * _SPAN_DAYS[kind], adjusted=adjusted)
        days = (pd.Timestamp(win["end"]) - pd.Timestamp(event.local_date)).days
        return event_return(market, sym, event, days=max(days, 0), adjusted=adjusted)
    from rerating.errors import WindowError

    raise WindowError(
        f"window type {t!r} is not checked; valid: day, sessions, range, days, ytd, week, "
        "month, year, since_event, from_extreme, intraday"
    )


def _extreme_period(win: dict[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Where a ``from_extreme`` window's low or high is looked for: its period, cut at the
    window's end (an "as of" date, a Beijing or pre-open end, comes before the period's end)."""
    lo = pd.Timestamp(win["period_start"])
    hi = min(pd.Timestamp(win["period_end"]), pd.Timestamp(win["end"]))
    if hi < lo:
        from rerating.errors import WindowError

        raise WindowError(
            f"the {win['extreme']} is looked for from {_d(lo)}, after the window's end {win['end']}"
        )
    return lo, hi


def _extreme_day(win: dict[str, Any], sym: str, market: Market) -> pd.Timestamp:
    """The session of the lowest (``extreme="low"``) or highest raw close of ``sym`` in the
    window's period. Intraday lows and highs are not used: a daily close is what the data check
    elsewhere, and a figure from an intraday low is the larger one (the note says so)."""
    from rerating.data.calendars import sessions
    from rerating.errors import MissingDataError

    lo, hi = _extreme_period(win)
    sec = market.securities.get(sym)
    closes = market.bars(sym, lo, hi)["close"].dropna()
    if closes.empty:
        raise MissingDataError(f"no {sym} close in {_d(lo)}..{_d(hi)} to find its {win['extreme']}")
    first = market.bars(sym).index[0]
    open_days = sessions(sec.calendar, lo, hi)
    if len(open_days) and first > open_days[0]:
        raise MissingDataError(
            f"the {win['extreme']} of {sym} in {_d(lo)}..{_d(hi)} is not known: its data start on "
            f"{_d(first)}; load earlier data to check it"
        )
    return pd.Timestamp(closes.idxmin() if win["extreme"] == "low" else closes.idxmax())


def _extreme_note(win: dict[str, Any], day: Any) -> str:
    lo, hi = _extreme_period(win)
    which = "lowest" if win["extreme"] == "low" else "highest"
    return (
        f"the {win['extreme']} read as the {which} close in {_d(lo)}..{_d(hi)}, on {_d(day)} "
        f"(intraday {win['extreme']}s are not used)"
    )


def _intraday(claim: Claim, sec: Any, market: Market) -> ListingCheck:
    """盘中 / intraday: the session's high (a rise, a level crossed upwards) or low against the claim."""
    day = pd.Timestamp(claim.window["date"])
    bars = market.bars(sec.symbol, day - pd.Timedelta(days=10), day)
    if bars.empty or bars.index[-1] != day:
        raise _no_row(sec.symbol, day, sec.calendar)
    if MOMENT_IN_SESSION in claim.notes:
        return _moment(claim, sec, bars, day)
    amount = float(claim.value["amount"])
    up = (
        amount >= 0
        if claim.metric in ("price_return", "index_return")
        else claim.comparator != "lt"
    )
    col = "high" if up else "low"
    extreme = bars[col].iloc[-1]
    if pd.isna(extreme):
        return ListingCheck(
            symbol=sec.symbol,
            status=UNVERIFIABLE,
            note=f"no intraday {col} for {sec.symbol} on {_d(day)} (close-only series)",
        )
    if claim.metric in ("price_return", "index_return") and claim.value["unit"] == "pct":
        if len(bars) < 2:
            raise _no_row(sec.symbol, day, sec.calendar)
        prev = float(bars["close"].iloc[-2])
        return ListingCheck(
            symbol=sec.symbol,
            status="",
            computed=100.0 * (float(extreme) / prev - 1.0),
            start_date=_d(bars.index[-2]),
            end_date=_d(day),
            start_close=prev,
            end_close=float(extreme),
            currency=sec.currency,
            calendar=sec.calendar,
            note=f"intraday {col} against the previous close",
        )
    if claim.metric in ("close_price", "index_level"):
        return ListingCheck(
            symbol=sec.symbol,
            status="",
            computed=float(extreme),
            end_date=_d(day),
            currency=sec.currency,
            calendar=sec.calendar,
            note=f"intraday {col}",
        )
    return ListingCheck(
        symbol=sec.symbol, status=UNVERIFIABLE, note=f"intraday {claim.metric} is not checked"
    )


def _moment(claim: Claim, sec: Any, bars: pd.DataFrame, day: pd.Timestamp) -> ListingCheck:
    """早盘 / 午盘 / 午间: a figure at one moment of the session. Daily bars do not give it; only a
    figure outside the session's range (low to high, as a return from the previous close for a
    per-cent move) is contradicted: the listing never traded there."""
    low, high = bars["low"].iloc[-1], bars["high"].iloc[-1]
    pct = claim.metric in ("price_return", "index_return") and claim.value["unit"] == "pct"
    level = claim.metric in ("close_price", "index_level")
    if sec.calendar == "XNYS":
        # 午盘 at noon in Beijing is night in New York: which session is meant is not clear
        return ListingCheck(
            symbol=sec.symbol,
            status=UNVERIFIABLE,
            note=f"{MOMENT_IN_SESSION}; on a New York listing the session meant is not clear",
        )
    if pd.isna(low) or pd.isna(high) or not (pct or level) or (pct and len(bars) < 2):
        return ListingCheck(symbol=sec.symbol, status=UNVERIFIABLE, note=MOMENT_IN_SESSION)
    prev = float(bars["close"].iloc[-2]) if pct else None
    lo_v, hi_v = (
        (100.0 * (float(low) / prev - 1.0), 100.0 * (float(high) / prev - 1.0))
        if prev is not None
        else (float(low), float(high))
    )
    a_lo, a_hi = accepted_interval(claim.value, claim.comparator)
    if a_lo <= hi_v and lo_v <= a_hi:
        return ListingCheck(
            symbol=sec.symbol,
            status=UNVERIFIABLE,
            note=f"{MOMENT_IN_SESSION}; the session traded between {lo_v:.4g} and {hi_v:.4g}",
        )
    nearest = hi_v if a_lo > hi_v else lo_v
    return ListingCheck(
        symbol=sec.symbol,
        status=CONTRADICTED,
        computed=nearest,
        start_date=_d(bars.index[-2]) if prev is not None else None,
        end_date=_d(day),
        start_close=prev,
        end_close=float(high if nearest == hi_v else low),
        currency=sec.currency,
        calendar=sec.calendar,
        note=f"a figure at one moment of the session outside its range ({lo_v:.4g} to "
        f"{hi_v:.4g}): the listing never traded there",
    )


def _end_day(win: dict[str, Any]) -> pd.Timestamp | None:
    t = win.get("type")
    if t in ("day", "intraday"):
        return pd.Timestamp(win["date"])
    if t in ("sessions", "ytd", "range", "days", "week", "month", "year") and win.get("end"):
        return pd.Timestamp(win["end"])
    if t == "year":
        return pd.Timestamp(f"{int(win['year'])}-12-31")
    return None


def _no_row(sym: str, day: pd.Timestamp, cal: str) -> RerateError:
    from rerating.errors import MissingDataError

    return MissingDataError(
        f"no {sym} row on {_d(day)} ({cal}); check the date or the data coverage"
    )


def _window_fields(w: Any) -> dict[str, Any]:
    """A :class:`ListingCheck`'s fields from a window return: its dates, closes, currency and
    calendar (what every window-based check shows as its evidence)."""
    return {
        "start_date": _d(w.start_date),
        "end_date": _d(w.end_date),
        "start_close": float(w.start_close),
        "end_close": float(w.end_close),
        "currency": w.currency,
        "calendar": w.calendar,
    }


def _d(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _noted(check: ListingCheck, text: str) -> ListingCheck:
    """``check`` with ``text`` added to its note (how the window was read)."""
    return ListingCheck(**{**check.__dict__, "note": _join(check.note, text)})


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
