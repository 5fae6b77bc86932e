"""Abnormal performance: the window measures against each listing's benchmark, via the engine.

A thin wrapper: it reads daily returns of the listings and of their benchmarks from a ``Market``,
aligns the events to each listing's calendar (:func:`rerating.events.alignment.build_events`) and
runs :class:`rerating.study.EventStudy` (market model, estimation window ``[-250, -11]`` sessions by
default). The statistics, tests and the dropped-events ledger are the engine's.

Conventions (docs/MEASURES.md): returns are simple daily returns of dividend-adjusted closes
(``adjusted=True``) on each listing's own calendar, read over the whole stored history with
``gap_policy="drop"`` as ``rerating study`` reads them: a session without a bar (a suspension) is a
missing return, as is the return of the session after it, which drops an event whose window it
falls in (the ``dropped`` ledger says so) and leaves an estimation window shorter. The benchmark is
the security master's ``benchmark`` column (``^GSPC`` for US listings, ``^HSI`` for Hong Kong,
``000300.SS`` for A-shares) unless ``benchmark`` overrides it. An event window ``(0, N - 1)`` is
the abnormal counterpart of ``event_return(..., sessions=N)``: from the last close before the
event to N sessions after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from rerating._typing import GapPolicy, Window
from rerating.errors import GapError, MissingDataError
from rerating.events.alignment import build_events
from rerating.events.catalog import Event, EventCatalog

if TYPE_CHECKING:
    from rerating.data.market import Market
    from rerating.study import EventStudyResults


def _catalog_for(events: Any, catalog: EventCatalog | None, market: Market) -> tuple[list[str], EventCatalog]:
    if isinstance(events, (str, Event)):
        events = [events]
    given = [e for e in events if isinstance(e, Event)]
    if catalog is None:
        if len(given) == len(events):
            catalog = EventCatalog(given)
        else:
            from rerating.events.catalog import load_catalog

            catalog = load_catalog(securities=market.securities)
            if given:
                catalog = EventCatalog([*catalog.events, *(g for g in given if g.id not in catalog)])
    ids = [e.id if isinstance(e, Event) else str(e) for e in events]
    return ids, catalog


def _read_returns(
    market: Market,
    symbols: Sequence[str],
    benches: Sequence[str],
    gap_policy: GapPolicy,
    adjusted: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The listings' long returns ``symbol, date, ret, span`` and the benchmarks' ``date x symbol``.

    The whole stored history is read. ``"drop"`` and ``"multi_day"`` hand every gap to the engine,
    which takes a NaN return, an absent session of a known calendar and a ``span`` > 1 return
    alike as missing; the benchmarks' multi-session returns are set to NaN here, as their wide
    frame has no ``span``. ``"raise"`` refuses a listing or benchmark with any session lacking a
    one-session return.
    """
    read = "drop" if gap_policy == "raise" else gap_policy
    res = market.returns([*symbols, *benches], gap_policy=read, adjusted=adjusted)
    if gap_policy == "raise":
        gaps = res.dropped.dropna(subset=["date"])
        if len(gaps):
            per = gaps.groupby("symbol", sort=False)["date"].agg(n="size", first="min")
            shown = "; ".join(
                f"{sym} on {n} session(s) from {pd.Timestamp(first).date()}"
                for sym, n, first in per.itertuples()
            )
            raise GapError(
                "gap_policy='raise' refuses any session without a one-session return in the "
                f"stored history, which abnormal_returns reads whole: {shown}; pass "
                "gap_policy='drop' (the default: a missing return in an event window drops that "
                "event, listed in .dropped, and one in an estimation window leaves it shorter), "
                "or reload the data"
            )
    frame = res.frame
    stocks = frame[frame["symbol"].isin(set(symbols))][["symbol", "date", "ret", "span"]]
    bench = frame[frame["symbol"].isin(set(benches))]
    bench_wide = (
        bench.assign(ret=bench["ret"].where(bench["span"] <= 1))
        .pivot(index="date", columns="symbol", values="ret")
        .rename_axis(columns=None)
    )
    return stocks, bench_wide


def abnormal_returns(
    market: Market,
    symbols: str | Sequence[str],
    events: str | Event | Sequence[str | Event],
    *,
    catalog: EventCatalog | None = None,
    event_windows: Sequence[Window] = ((0, 0), (-1, 1), (0, 4)),
    estimation_window: Window = (-250, -11),
    model: str = "market",
    benchmark: str | Mapping[str, str] | None = None,
    groups: Mapping[str, str] | str | None = None,
    tests: str | Sequence[str] = "all",
    min_estimation: int | None = None,
    min_window_share: float = 1.0,
    adjusted: bool = True,
    gap_policy: GapPolicy = "drop",
) -> EventStudyResults:
    """Event study of ``symbols`` around catalog ``events`` against each listing's benchmark.

    Parameters
    ----------
    market : Market
    symbols : str or sequence of str
        Listings (canonicalised through the security master).
    events : event id, Event, or a sequence of them
    catalog : EventCatalog, optional
        Where ids are looked up (the bundled catalog by default).
    event_windows, estimation_window, model, tests, min_estimation, min_window_share
        Passed to :class:`rerating.study.EventStudy`.
    benchmark : str or mapping, optional
        One benchmark symbol for all, or ``symbol -> benchmark``; default each listing's own.
    groups : mapping or str, optional
        Group of each listing for the CAAR: one label for all, or ``symbol -> group``, where a
        listing the mapping leaves out is in group ``"other"`` (see :func:`build_events`).
    adjusted : bool
        Dividend-adjusted closes (``Market.returns``).
    gap_policy : {"drop", "multi_day", "raise"}
        How sessions without a bar are read from each listing's (and benchmark's) whole stored
        history. ``"drop"`` (default, as ``rerating study``) and ``"multi_day"`` give the same
        results: the engine takes the missing session, and the return after it that would span
        several sessions, as missing returns (an event window holding one drops that event, with
        its reason in ``dropped``, unless ``min_window_share`` < 1; an estimation window holding
        one has fewer observations). ``"raise"`` refuses any gap, even far from the windows.

    Returns
    -------
    EventStudyResults
        The engine's results (``car``, ``caar``, ``tests``, ``dropped`` ...).

    Raises
    ------
    GapError
        ``gap_policy="raise"`` and a listing or benchmark has a session without a bar.
    """
    from rerating.study import EventStudy

    secs = [market.securities.get(s) for s in ([symbols] if isinstance(symbols, str) else symbols)]
    syms = list(dict.fromkeys(s.symbol for s in secs))
    if isinstance(benchmark, str):
        bench_of = {s: market.securities.get(benchmark).symbol for s in syms}
    else:
        upper = {k.upper(): v for k, v in (benchmark or {}).items()}
        bench_of = {}
        for sec in secs:
            b = upper.get(sec.symbol.upper()) or sec.benchmark
            if not b:
                raise MissingDataError(
                    f"{sec.symbol} has no default benchmark in the security master; pass "
                    f"benchmark={{'{sec.symbol}': '^GSPC'}} (or --benchmark)"
                )
            bench_of[sec.symbol] = market.securities.get(b).symbol
    ids, cat = _catalog_for(events, catalog, market)
    frame = build_events(ids, syms, cat, market.securities, groups=groups)
    benches = sorted(set(bench_of.values()))
    rets, bench_wide = _read_returns(market, syms, benches, gap_policy, adjusted)
    # each listing's and benchmark's calendar: a session of it without a return is a missing one
    calendars = {sec.symbol: sec.calendar for sec in map(market.securities.get, [*syms, *benches])}
    study = EventStudy(
        rets,
        frame,
        market_returns=bench_wide,
        benchmarks=bench_of,
        model=model,
        estimation_window=estimation_window,
        event_windows=tuple(event_windows),
        min_estimation=min_estimation,
        min_window_share=min_window_share,
        tests=tests,
        calendars=calendars,
    )
    return study.fit()


def abnormal_event_return(
    market: Market,
    symbols: str | Sequence[str],
    event: str | Event,
    sessions: int,
    **kwargs: Any,
) -> EventStudyResults:
    """Abnormal counterpart of ``event_return(..., sessions=N)``: the CAR over ``[0, N - 1]``.

    Parameters
    ----------
    market : Market
        Where the returns come from.
    symbols : str or sequence of str
        The listings.
    event : str or Event
        A catalog event id or an :class:`~rerating.events.catalog.Event`.
    sessions : int
        The window's length in sessions from day 0 (1 = day 0's abnormal return).
    **kwargs
        Passed to :func:`abnormal_returns` (``estimation_window``, ``model``, ``benchmark`` ...).

    Returns
    -------
    EventStudyResults
        Its ``car`` holds each listing's CAR over ``[0, sessions - 1]``.

    Raises
    ------
    WindowError
        ``sessions`` is below 1.
    """
    if int(sessions) < 1:
        from rerating.errors import WindowError

        raise WindowError(f"sessions = {sessions} must be at least 1 (1 = day 0's abnormal return)")
    return abnormal_returns(market, symbols, event, event_windows=((0, int(sessions) - 1),), **kwargs)


__all__ = ["abnormal_event_return", "abnormal_returns"]
