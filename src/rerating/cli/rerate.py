"""CLI commands of the rerate layer: window returns, market-cap changes, P/E, co-movement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click
import pandas as pd

from rerating.cli._options import ISO_DATE, lookahead_option, min_window_share_option, parse_window
from rerating.cli._output import format_option, render_frame

if TYPE_CHECKING:
    from rerating.data.market import Market

_adjusted = click.option(
    "--adjusted",
    is_flag=True,
    default=False,
    help="Use dividend-adjusted closes (adj_close) instead of raw traded closes.",
)
_partial = click.option(
    "--partial",
    is_flag=True,
    default=False,
    help="Cut a window at the data (or leave out basket members without shares) instead of failing; "
    "what was cut or left out is said.",
)
_events_file = click.option(
    "--events",
    "events_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Your own events file(s), added to the bundled catalog.",
)


def _notes(lines: Iterable[str]) -> None:
    for line in lines:
        if line:
            click.echo(f"note: {line}", err=True)


def _split_symbols(args: Iterable[str]) -> list[str]:
    """Symbols given as separate arguments, comma lists, or both (``NVDA AMZN``, ``NVDA,AMZN``)."""
    out = [s.strip() for arg in args for s in arg.split(",") if s.strip()]
    if not out:
        raise click.UsageError(
            "no symbols given; pass them separated by spaces or commas (NVDA AMZN)"
        )
    return out


def _window_table(results: list, fmt: str) -> pd.DataFrame:  # type: ignore[type-arg]
    from rerating.rerate.windows import returns_frame

    frame = returns_frame(results)
    if fmt != "table":
        return frame
    return frame[
        [
            "symbol",
            "start_date",
            "end_date",
            "start_close",
            "end_close",
            "sessions",
            "pct",
            "currency",
            "note",
        ]
    ]


@click.command("window")
@click.argument("symbols", nargs=-1, required=True)
@click.option(
    "--end",
    required=True,
    help="Last day of the window (YYYY-MM-DD); a non-session means the last session before it.",
    type=ISO_DATE,
)
@click.option(
    "--sessions",
    type=int,
    default=20,
    show_default=True,
    help="Number of sessions of each listing's calendar.",
)
@_adjusted
@_partial
@format_option
@click.pass_context
def window_cmd(
    ctx: click.Context,
    symbols: tuple[str, ...],
    end: str,
    sessions: int,
    adjusted: bool,
    partial: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Return over N sessions ending on a date, for each symbol.

    \b
    Example:
      rerating --sample window 9988.HK 0700.HK HSTECH --end 2025-02-13 --sessions 20
    """
    from rerating.rerate.windows import window_return

    market = ctx.obj.market()
    res = [
        window_return(market, s, end, sessions, adjusted=adjusted, partial=partial)
        for s in _split_symbols(symbols)
    ]
    render_frame(_window_table(res, fmt), fmt, output, title=f"{sessions}-session returns to {end}")


@click.command("change")
@click.argument("symbols", nargs=-1, required=True)
@click.option(
    "--from",
    "start",
    required=True,
    help="Start date: the close of the last session on or before it.",
    type=ISO_DATE,
)
@click.option(
    "--to", "end", required=True, help="End date: the close of the last session on or before it.",
    type=ISO_DATE,
)
@_adjusted
@_partial
@format_option
@click.pass_context
def change_cmd(
    ctx: click.Context,
    symbols: tuple[str, ...],
    start: str,
    end: str,
    adjusted: bool,
    partial: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Return between two dates (closes on or before each), for each symbol.

    \b
    Example:
      rerating --sample change NVDA BABA --from 2025-01-24 --to 2025-01-27
    """
    from rerating.rerate.windows import range_return

    market = ctx.obj.market()
    res = [
        range_return(market, s, start, end, adjusted=adjusted, partial=partial)
        for s in _split_symbols(symbols)
    ]
    render_frame(_window_table(res, fmt), fmt, output, title=f"returns {start} -> {end}")


@click.command("event-return")
@click.argument("symbols", nargs=-1, required=True)
@click.option(
    "--event", "event_id", required=True, help="Catalog event id (see `rerating events list`)."
)
@click.option(
    "--sessions", type=int, default=None, help="Sessions from day 0 (1 = day 0's return)."
)
@click.option("--days", type=int, default=None, help="Calendar days after the event's local date.")
@_events_file
@_adjusted
@_partial
@format_option
@click.pass_context
def event_return_cmd(
    ctx: click.Context,
    symbols: tuple[str, ...],
    event_id: str,
    sessions: int | None,
    days: int | None,
    events_files: tuple[str, ...],
    adjusted: bool,
    partial: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Return from the last close before an event to N sessions or N days after it.

    \b
    Examples:
      rerating --sample event-return NVDA 9988.HK --event deepseek-r1 --sessions 5
      rerating --sample event-return BABA --event deepseek-r1 --days 7
    """
    from rerating.events.catalog import load_catalog
    from rerating.rerate.windows import event_return

    market = ctx.obj.market()
    ev = load_catalog(list(events_files) or None, securities=market.securities).get(event_id)
    res = [
        event_return(
            market, s, ev, sessions=sessions, days=days, adjusted=adjusted, partial=partial
        )
        for s in _split_symbols(symbols)
    ]
    span = f"{sessions} sessions" if sessions is not None else f"{days} days"
    render_frame(_window_table(res, fmt), fmt, output, title=f"{ev.id} ({ev.when}): {span}")


@click.command("mcap-change")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--from", "start", required=True, help="Start date (close on or before it).",
    type=ISO_DATE,
)
@click.option("--to", "end", required=True, help="End date (close on or before it).", type=ISO_DATE)
@click.option(
    "--currency",
    default="USD",
    show_default=True,
    help="USD, HKD, CNY (RMB is read as CNY), or 'local' (the listing's own currency).",
)
@click.option(
    "--price-listing", default=None, help="For a company: the listing whose price values it."
)
@lookahead_option
@_partial
@format_option
@click.pass_context
def mcap_change_cmd(
    ctx: click.Context,
    targets: tuple[str, ...],
    start: str,
    end: str,
    currency: str,
    price_listing: str | None,
    lookahead: int,
    partial: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Change in market value of a listing, a company (all listings) or a basket.

    One TARGET is a listing (NVDA) or a company id (alibaba = BABA + 9988.HK); several TARGETs
    (separated by spaces or commas: NVDA AMZN or NVDA,AMZN) are a basket whose values are summed.
    pct is the change in percent. The shares assumption and FX rates go to stderr.

    \b
    Examples:
      rerating --sample mcap-change NVDA --from 2025-01-24 --to 2025-01-27
      rerating --sample mcap-change alibaba --from 2025-01-17 --to 2025-02-14 --currency USD
      rerating --sample mcap-change NVDA AMZN META --from 2025-01-24 --to 2025-01-27 --partial
      rerating --sample mcap-change META --from 2025-01-24 --to 2025-01-27 --lookahead 90
    """
    from rerating.rerate.marketcap import market_cap_change

    market = ctx.obj.market()
    names = _split_symbols(targets)
    target: str | list[str] = names[0] if len(names) == 1 else names
    res = market_cap_change(
        market,
        target,
        start,
        end,
        currency,
        partial=partial,
        price_listing=price_listing,
        lookahead=lookahead,
    )
    frame = res.to_frame()
    if fmt == "table":
        frame = frame[
            [
                "symbol",
                "role",
                "start_date",
                "end_date",
                "start_close",
                "end_close",
                "shares",
                "fx_start",
                "fx_end",
                "start_value",
                "end_value",
                "change",
                "pct",
                "counted",
            ]
        ]
    render_frame(frame, fmt, output, title=res.summary().splitlines()[0])
    _notes(res.notes)
    _notes(f"left out {s}: {r}" for s, r in res.left_out)


@click.command("pe")
@click.argument("symbol")
@click.option("--from", "start", required=True, help="First date.", type=ISO_DATE)
@click.option("--to", "end", required=True, help="Last date.", type=ISO_DATE)
@click.option(
    "--decompose",
    is_flag=True,
    default=False,
    help="Instead of the P/E path, split the window's log return into EPS and multiple.",
)
@format_option
@click.pass_context
def pe_cmd(
    ctx: click.Context,
    symbol: str,
    start: str,
    end: str,
    decompose: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Trailing P/E (four reported quarters of diluted EPS) through time.

    \b
    Examples:
      rerating --sample pe BABA --from 2025-01-02 --to 2025-03-31
      rerating --sample pe BABA --from 2025-01-17 --to 2025-03-03 --decompose
    """
    from rerating.rerate.valuation import pe_history, return_decomposition

    market = ctx.obj.market()
    if decompose:
        d = return_decomposition(market, symbol, start, end)
        render_frame(d.to_frame(), fmt, output, title=d.summary())
        return
    pe = pe_history(market, symbol, start, end)
    render_frame(pe.to_frame().reset_index(), fmt, output, title=pe.summary())
    _notes(pe.notes)


@click.command("comove")
@click.option("--a", "basket_a", required=True, help="Basket A: comma-separated symbols.")
@click.option("--b", "basket_b", required=True, help="Basket B: comma-separated symbols.")
@click.option(
    "--event",
    "event_id",
    required=True,
    help="Catalog event id: the break date is its day 0 on basket A's calendar.",
)
@click.option(
    "--window", type=int, default=20, show_default=True, help="Rolling window (paired returns)."
)
@click.option(
    "--before", type=int, default=60, show_default=True, help="Paired returns before the event."
)
@click.option(
    "--after", type=int, default=60, show_default=True, help="Paired returns from the event on."
)
@click.option(
    "--lag",
    "lag_b",
    type=int,
    default=0,
    show_default=True,
    help="Lag B by this many paired dates (1: Hong Kong today on New York's previous date both traded).",
)
@click.option(
    "--rolling",
    "show_rolling",
    is_flag=True,
    default=False,
    help="Print the rolling beta/correlation path instead of the before/after table.",
)
@_events_file
@format_option
@click.pass_context
def comove_cmd(
    ctx: click.Context,
    basket_a: str,
    basket_b: str,
    event_id: str,
    window: int,
    before: int,
    after: int,
    lag_b: int,
    show_rolling: bool,
    events_files: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Beta and correlation of basket A on basket B before and after an event, with a Chow test.

    \b
    Example:
      rerating --sample comove --a 9988.HK,0700.HK,3690.HK --b NVDA,MSFT,META --event deepseek-r1 --lag 1
    """
    from rerating.events.catalog import load_catalog
    from rerating.rerate.comovement import basket_comovement

    market = ctx.obj.market()
    ev = load_catalog(list(events_files) or None, securities=market.securities).get(event_id)
    a = [s.strip() for s in basket_a.split(",") if s.strip()]
    b = [s.strip() for s in basket_b.split(",") if s.strip()]
    res = basket_comovement(
        market, a, b, ev, window=window, before=before, after=after, lag_b=lag_b
    )
    if show_rolling:
        render_frame(res.rolling.reset_index(), fmt, output, title=res.summary())
    else:
        render_frame(res.to_frame(), fmt, output, title=res.summary())
    _notes([res.note, res.chow.note])
    if len(res.dropped):
        shown = "; ".join(
            f"{r.symbol} {'' if pd.isna(r.date) else pd.Timestamp(r.date).date()} {r.reason}"
            for r in res.dropped.head(5).itertuples()
        )
        more = (
            f" (+{len(res.dropped) - 5} more; use --format json for all)"
            if len(res.dropped) > 5
            else ""
        )
        _notes([f"left out {len(res.dropped)} row(s): {shown}{more}"])


@click.command("abnormal")
@click.argument("symbols", nargs=-1, required=True)
@click.option("--event", "event_id", required=True, help="Catalog event id.")
@click.option(
    "--sessions",
    type=int,
    default=5,
    show_default=True,
    help="Event window [0, N-1]: the abnormal counterpart of event-return --sessions N.",
)
@click.option(
    "--benchmark", default=None, help="One benchmark for all (default: each listing's own)."
)
@click.option(
    "--estimation",
    default="-250:-11",
    show_default=True,
    help="Estimation window START:END in sessions relative to day 0.",
)
@click.option(
    "--min-estimation",
    type=int,
    default=None,
    help="Minimum estimation sessions (default: half the estimation window).",
)
@min_window_share_option
@click.option(
    "--caar", "show_caar", is_flag=True, default=False, help="Print the CAAR table instead."
)
@_events_file
@format_option
@click.pass_context
def abnormal_cmd(
    ctx: click.Context,
    symbols: tuple[str, ...],
    event_id: str,
    sessions: int,
    benchmark: str | None,
    estimation: str,
    min_estimation: int | None,
    min_window_share: float,
    show_caar: bool,
    events_files: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Cumulative abnormal return from an event against each listing's benchmark (market model).

    Returns are read as `rerating study` reads them: a session without a bar (a suspension) is a
    missing return, as is the return of the session after it. One inside the event window drops
    that listing (a note on stderr says why; --min-window-share below 1 keeps it); one inside the
    estimation window leaves it shorter. For the test statistics, groups and other models use
    `rerating study`.

    \b
    Examples:
      rerating --sample abnormal 9988.HK 0700.HK --event deepseek-r1 --sessions 5
      rerating --sample abnormal NVDA AVGO --event deepseek-r1 --sessions 5 --estimation -100:-11
    """
    from rerating.events.catalog import load_catalog
    from rerating.rerate.abnormal import abnormal_event_return

    market = ctx.obj.market()
    cat = load_catalog(list(events_files) or None, securities=market.securities)
    res = abnormal_event_return(
        market,
        _split_symbols(symbols),
        cat.get(event_id),
        sessions,
        catalog=cat,
        benchmark=benchmark,
        min_estimation=min_estimation,
        min_window_share=min_window_share,
        estimation_window=parse_window(estimation, "--estimation"),
        tests="none",
        gap_policy="drop",  # as `rerating study`: a gap is a missing return, never an error
    )  # neither table shows the tests
    frame = res.caar if show_caar else res.car
    render_frame(frame, fmt, output, title=f"{event_id}: CAR over sessions [0, {sessions - 1}]")
    _notes(f"dropped {r.symbol}: {r.reason}" for r in res.dropped.itertuples())
    _notes(res.warnings)


@click.command("pe-gap")
@click.option("--a", "basket_a", required=True, help="Basket A: comma-separated symbols.")
@click.option("--b", "basket_b", required=True, help="Basket B: comma-separated symbols.")
@click.option(
    "--on", "on", required=True, help="Date (P/E as of the last close on or before it).",
    type=ISO_DATE,
)
@format_option
@click.pass_context
def pe_gap_cmd(
    ctx: click.Context, basket_a: str, basket_b: str, on: str, fmt: str, output: str | None
) -> None:
    """Median trailing P/E of two baskets on a date, and the gap between them.

    One row per member (its P/E and whether it counts), with its basket's median and the gap
    (A - B) and ratio (A / B) on every row. Members without a P/E (no EPS data, fewer than four
    reported quarters) are left out and listed on stderr.

    \b
    Example:
      rerating --sample pe-gap --a BABA,0700.HK --b NVDA,MSFT,GOOGL,META,AMZN,AAPL --on 2025-02-14
    """
    from rerating.errors import MissingDataError, ValuationError
    from rerating.rerate.valuation import TrailingPE, multiple_gap, pe_history

    market = ctx.obj.market()
    day = pd.Timestamp(on)
    baskets: list[dict[str, TrailingPE]] = []
    missing: list[str] = []
    for label, text in (("A", basket_a), ("B", basket_b)):
        members: dict[str, TrailingPE] = {}
        why: list[str] = []
        for sym in (s.strip() for s in text.split(",") if s.strip()):
            try:
                pe = pe_history(market, sym, day - pd.Timedelta(days=10), day)
            except MissingDataError as exc:
                why.append(f"{sym}: {exc}")
                continue
            members[pe.symbol] = pe
        if not members and why:  # say why each member has no P/E, not that the basket is empty
            raise ValuationError(f"no member of basket {label} has a trailing P/E: " + "; ".join(why))
        baskets.append(members)
        missing += why
    res = multiple_gap(baskets[0], baskets[1], day)
    frame = res.to_frame()
    # the figures the title carries, on every row, so that CSV / JSON / Parquet hold them too
    frame["basket_median"] = frame["basket"].map({"A": res.median_a, "B": res.median_b})
    frame["gap_a_minus_b"] = res.gap
    frame["ratio_a_over_b"] = res.ratio
    render_frame(frame, fmt, output, title=res.summary())
    if fmt != "table" or output:
        _notes([res.summary()])
    _notes(f"left out {m}" for m in missing)
    _notes(f"left out {r.symbol}: {r.reason}" for r in res.left_out.itertuples())
    _notes(_stale_members(market, frame, day))


def _stale_members(market: Market, members: pd.DataFrame, day: pd.Timestamp) -> list[str]:
    """Notes for members whose P/E is of a close older than their calendar's last session.

    A holiday is not a gap (0700.HK's 2025-01-28 P/E on 2025-01-31, Lunar New Year); sessions of
    the member's own calendar after its row and up to ``day`` are: the data have no bar there (a
    date past the data, a suspension), so the P/E used is older than the market's, as
    ``marketcap --on`` says of its close.
    """
    from rerating.data.calendars import sessions
    from rerating.errors import DateRangeError

    notes = []
    for row in members.dropna(subset=["date"]).itertuples():
        when = pd.Timestamp(row.date)
        if when >= day:
            continue
        cal = market.securities.get(str(row.symbol)).calendar
        try:
            later = sessions(cal, when + pd.Timedelta(days=1), day)
        except (DateRangeError, ValueError):  # a calendar that cannot say
            continue
        if len(later):
            span = f"{later[0].date()}" + (f"..{later[-1].date()}" if len(later) > 1 else "")
            notes.append(
                f"{row.symbol}: P/E of {when.date()}: the data have no bar on {len(later)} later "
                f"{cal} session(s) up to {day.date()} ({span}); load them or choose an earlier --on"
            )
    return notes


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    for cmd in (
        window_cmd,
        change_cmd,
        event_return_cmd,
        mcap_change_cmd,
        pe_cmd,
        pe_gap_cmd,
        comove_cmd,
        abnormal_cmd,
    ):
        group.add_command(cmd)
