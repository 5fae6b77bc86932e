"""CLI commands of the data layer: load, prices, returns, marketcap, calendar, session, cache."""

from __future__ import annotations

import re
from typing import Any

import click
import pandas as pd

from rerating.cli._options import ISO_DATE, lookahead_option
from rerating.cli._output import format_option, render_frame
from rerating.errors import DateRangeError

DATE_HELP = "ISO date, e.g. 2025-01-20."


def _note(text: str) -> None:
    click.echo(text, err=True)


def _split_symbols(args: tuple[str, ...]) -> tuple[str, ...]:
    """Symbols given as separate arguments, comma lists, or both (``NVDA AMZN``, ``NVDA,AMZN``)."""
    out = tuple(s.strip() for arg in args for s in arg.split(",") if s.strip())
    if not out:
        raise click.UsageError(
            "no symbols given; pass them separated by spaces or commas (NVDA AMZN)"
        )
    return out


def _sessions_between(calendar: str, lo: pd.Timestamp, hi: pd.Timestamp) -> bool:
    """Whether ``calendar`` has a session in ``[lo, hi]`` (past the calendar's own range: assume so)."""
    from rerating.data import calendars

    if hi < lo:
        return False
    cal = calendars.get_calendar(calendar)
    lo_c, hi_c = max(lo, cal.first_session), min(hi, cal.last_session)
    if hi_c < lo_c:
        return True
    return len(calendars.sessions(calendar, lo_c, hi_c)) > 0


def _range_notes(
    market: Any,
    spans: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
    start: str | None,
    end: str | None,
    what: str,
) -> None:
    """A note on stderr for each symbol whose rows start later or end earlier than the dates asked.

    ``spans`` maps a symbol to the first and last date of its rows in the output. Partial data is
    shown, not refused; the note names the actual range and where the symbol's data start or end.
    """
    from rerating.data import calendars

    lo = calendars.to_day(start, "--from") if start is not None else None
    hi = calendars.to_day(end, "--to") if end is not None else None
    coverage = market.coverage(list(spans)).set_index("symbol")
    for sym, (first, last) in spans.items():
        cal = market.security(sym).calendar
        data_first, data_last = coverage.loc[sym, "first"], coverage.loc[sym, "last"]
        if (
            lo is not None
            and first > lo
            and _sessions_between(cal, lo, first - pd.Timedelta(days=1))
        ):
            _note(
                f"note: {sym}: {what} start {first.date()}, later than the {lo.date()} asked "
                f"(its data start {data_first.date()})"
            )
        if hi is not None and last < hi and _sessions_between(cal, last + pd.Timedelta(days=1), hi):
            _note(
                f"note: {sym}: {what} end {last.date()}, earlier than the {hi.date()} asked "
                f"(its data end {data_last.date()})"
            )


def _spans_long(frame: pd.DataFrame) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """First and last ``date`` per ``symbol`` of a long frame."""
    g = frame.groupby("symbol", sort=False)["date"]
    return {
        str(sym): (pd.Timestamp(lo), pd.Timestamp(hi))
        for sym, lo, hi in zip(g.min().index, g.min(), g.max(), strict=True)
    }


def _spans_wide(frame: pd.DataFrame) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """First and last date with a value per column of a date-indexed wide frame."""
    out = {}
    for col in frame.columns:
        first, last = frame[col].first_valid_index(), frame[col].last_valid_index()
        if first is not None and last is not None:
            out[str(col)] = (pd.Timestamp(first), pd.Timestamp(last))
    return out


def _folder_listings(src: Any, securities: Any, directory: str | None) -> tuple[str, ...]:
    """The symbols of every bars file in the files source's folder (``--all``), each known to the
    security master: all the unknown ones in one error; a note for each file left out as a table."""
    from rerating.errors import MissingDataError, UnknownSymbolError

    files = src.listings()
    for path in src.tables:
        _note(f"note: left out {path.name}: a table of many symbols (its header names a symbol column), not bars")
    if not files:
        raise MissingDataError(
            f"no bars files in {directory}: --all loads each *.csv/*.parquet named after its symbol "
            "(NVDA.csv, GSPC.csv for ^GSPC); see docs/DATA.md"
        )
    unknown = [s for s in files if s not in securities]
    if len(unknown) == 1:  # resolve_many's error for one symbol would not name the file
        name = files[unknown[0]].name
        try:
            securities.resolve(unknown[0])
        except UnknownSymbolError as exc:
            raise UnknownSymbolError(f"{name} in {directory}: {exc}") from None
    securities.resolve_many(list(files), where=f" with a file in {directory}")
    return tuple(files)


@click.command("load")
@click.argument("symbols", nargs=-1)
@click.option(
    "--all",
    "all_files",
    is_flag=True,
    help="Load every bars file in --dir (instead of SYMBOLS): each *.csv/*.parquet but shares.csv, "
    "eps.csv and tables with a symbol column (a securities file). Every symbol is checked "
    "against the security master first.",
)
@click.option(
    "--from", "start", default=None, help="First date to load. " + DATE_HELP,
    type=ISO_DATE,
)
@click.option("--to", "end", default=None, help="Last date to load. " + DATE_HELP, type=ISO_DATE)
@click.option(
    "--source",
    type=click.Choice(["files", "yahoo", "akshare"]),
    default="files",
    show_default=True,
    help="Where the bars come from (yahoo/akshare need `pip install 'rerating[live]'` and a network).",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of per-symbol CSV/Parquet files (for --source files).",
)
@click.option(
    "--non-session",
    type=click.Choice(["raise", "drop"]),
    default="raise",
    show_default=True,
    help="A file row dated on a day that is not a session of the listing's exchange: an error "
    "(raise), or left out with a note (drop). For --source files.",
)
@format_option
@click.pass_obj
def load_cmd(
    obj: Any,
    symbols: tuple[str, ...],
    all_files: bool,
    start: str | None,
    end: str | None,
    source: str,
    directory: str | None,
    non_session: str,
    fmt: str,
    output: str | None,
) -> None:
    """Load daily bars for SYMBOLS (or --all files of --dir) into the store, one transaction per
    symbol. A listing whose stored rows already equal the new ones is left as it is.

    \b
    Example:
      rerating load BABA 9988.HK NVDA --from 2024-06-01 --to 2025-06-30 --dir ../shared/market
      rerating load --all --dir ../shared/market
      rerating load NVDA --source yahoo --from 2025-01-01 --to 2025-03-31
    """
    if all_files:
        if symbols:
            raise click.UsageError(
                f"--all loads every file of --dir; drop it, or the symbols ({' '.join(symbols)})"
            )
        if source != "files" or directory is None:
            raise click.UsageError("--all needs --source files and --dir FOLDER (every bars file in it)")
    elif not any(s.strip(" ,") for s in symbols) and source == "files" and directory is not None:
        raise click.UsageError(
            "no symbols given; pass them separated by spaces or commas (NVDA AMZN), or --all for "
            f"every file in {directory}"
        )
    else:
        symbols = _split_symbols(symbols)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rerating.data.load import load
    from rerating.data.sources import get_source
    from rerating.data.store import Store
    from rerating.errors import LoadFailedError, MissingDataError

    securities = obj.market().securities
    if not all_files:
        securities.resolve_many(symbols)  # fail on typos (all named at once) before any download
    if source == "files":
        if directory is None:
            raise MissingDataError(
                "--source files needs --dir FOLDER (one CSV/Parquet per symbol); see docs/DATA.md"
            )
        src = get_source(
            "files", directory=directory, securities=securities, non_session=non_session
        )
    else:
        src = get_source(source, securities=securities)
    if all_files:
        symbols = _folder_listings(src, securities, directory)
    store = Store(obj.home)
    if obj.securities_file:  # remember the user's listings, so later commands need no --securities
        from rerating.data.securities import load_securities

        store.upsert_securities(load_securities(obj.securities_file, base=False).frame)
    from rich.console import Console

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"loading from {source}", total=len(symbols))

        def advance(sym: str, rows: int) -> None:
            bar.update(task, advance=1, description=f"{sym}: {rows} rows")

        result = load(list(symbols), src, store, securities, start, end, progress=advance)
    render_frame(
        result.frame.drop(columns=["error"]), fmt, output, title=f"loaded into {store.path}"
    )
    for rec in result.notes.itertuples(index=False):
        _note(f"note: {rec.symbol}: {rec.note}")
    left_out = getattr(src, "dropped", None)  # the files source's rows left out by --non-session drop
    if left_out is not None and len(left_out):
        for rec in left_out.itertuples(index=False):
            _note(f"note: {rec.symbol}: left out {pd.Timestamp(rec.date).date()}: {rec.reason}")
    _note(result.summary() + f" into {store.path}")
    if result.failed:
        errs = result.frame.set_index("symbol").loc[result.failed, "error"]
        detail = "; ".join(f"{s}: {e}" for s, e in errs.items())
        raise LoadFailedError(
            f"{len(result.failed)} symbol(s) not loaded (the others are stored): {detail}"
        )


@click.command("prices")
@click.argument("symbols", nargs=-1, required=True)
@click.option("--from", "start", default=None, help="First date. " + DATE_HELP, type=ISO_DATE)
@click.option("--to", "end", default=None, help="Last date. " + DATE_HELP, type=ISO_DATE)
@click.option("--wide", is_flag=True, help="One close column per symbol (date x symbol).")
@click.option("--adjusted", is_flag=True, help="With --wide: dividend-adjusted closes.")
@format_option
@click.pass_obj
def prices_cmd(
    obj: Any,
    symbols: tuple[str, ...],
    start: str | None,
    end: str | None,
    wide: bool,
    adjusted: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Daily bars of SYMBOLS (open high low close adj_close volume), or closes side by side.

    \b
    Example:
      rerating --sample prices BABA 9988.HK --from 2025-01-20 --to 2025-02-13
      rerating --sample prices NVDA ^GSPC --from 2025-01-21 --to 2025-01-31 --wide --format csv
    """
    symbols = _split_symbols(symbols)
    market = obj.market()
    if wide:
        closes = market.closes(list(symbols), start, end, adjusted=adjusted)
        spans = _spans_wide(closes)
        frame = closes.reset_index()
    else:
        parts = []
        for sym in symbols:
            bars = market.bars(sym, start, end).reset_index()
            bars.insert(0, "symbol", market.security(sym).symbol)
            parts.append(bars)
        frame = pd.concat(parts, ignore_index=True)
        spans = _spans_long(frame)
    render_frame(frame, fmt, output)
    _range_notes(market, spans, start, end, "bars")


@click.command("returns")
@click.argument("symbols", nargs=-1, required=True)
@click.option(
    "--from", "start", default=None, help="First session whose return is wanted. " + DATE_HELP,
    type=ISO_DATE,
)
@click.option("--to", "end", default=None, help="Last session. " + DATE_HELP, type=ISO_DATE)
@click.option("--kind", type=click.Choice(["simple", "log"]), default="simple", show_default=True)
@click.option(
    "--gap-policy",
    type=click.Choice(["raise", "drop", "multi_day"]),
    default="raise",
    show_default=True,
    help="What to do where a session has no bar: fail, drop (listed on stderr), or span the gap.",
)
@click.option("--raw", is_flag=True, help="Use raw closes instead of dividend-adjusted ones.")
@click.option("--wide", is_flag=True, help="Date x symbol instead of one row per (symbol, date).")
@format_option
@click.pass_obj
def returns_cmd(
    obj: Any,
    symbols: tuple[str, ...],
    start: str | None,
    end: str | None,
    kind: str,
    gap_policy: str,
    raw: bool,
    wide: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Daily returns of SYMBOLS on each listing's own calendar.

    \b
    Example:
      rerating --sample returns NVDA 9988.HK --from 2025-01-20 --to 2025-02-14 --wide
      rerating --sample returns BABA --gap-policy drop --format json
    """
    symbols = _split_symbols(symbols)
    market = obj.market()
    result = market.returns(
        list(symbols), start, end, kind=kind, gap_policy=gap_policy, adjusted=not raw
    )
    frame = result.wide().reset_index() if wide else result.to_frame()
    render_frame(frame, fmt, output)
    # sessions without a bar are gaps (noted below from the ledger), not the end of the data
    gaps = result.dropped.loc[result.dropped["date"].notna(), ["symbol", "date"]]
    seen = pd.concat([result.frame[["symbol", "date"]], gaps]) if len(gaps) else result.frame
    _range_notes(market, _spans_long(seen), start, end, "returns")
    for rec in result.dropped.itertuples(index=False):
        when = rec.date.date() if pd.notna(rec.date) else "-"
        _note(f"note: {rec.symbol} {when}: {rec.reason}")


@click.command("marketcap")
@click.argument("symbols", nargs=-1, required=True)
@click.option(
    "--on",
    "on",
    required=True,
    help="Date of the market cap (last close on or before it). " + DATE_HELP,
    type=ISO_DATE,
)
@click.option(
    "--currency",
    default=None,
    help="Express in this currency (USD, HKD, CNY; RMB is read as CNY), or 'local' (each listing's own, the default).",
)
@lookahead_option
@format_option
@click.pass_obj
def marketcap_cmd(
    obj: Any,
    symbols: tuple[str, ...],
    on: str,
    currency: str | None,
    lookahead: int,
    fmt: str,
    output: str | None,
) -> None:
    """Market capitalisation of SYMBOLS on a date: close x shares outstanding x FX.

    \b
    Examples:
      rerating --sample marketcap BABA 9988.HK NVDA --on 2025-01-27 --currency USD
      rerating --sample marketcap META --on 2025-01-27 --lookahead 90
    """
    symbols = _split_symbols(symbols)
    market = obj.market()
    frame = pd.concat(
        [market.market_cap(s, on, currency, lookahead=lookahead).to_frame() for s in symbols],
        ignore_index=True,
    )
    render_frame(frame, fmt, output)


@click.command("calendar")
@click.argument("exchange")
@click.option("--from", "start", required=True, help="First date. " + DATE_HELP, type=ISO_DATE)
@click.option("--to", "end", required=True, help="Last date. " + DATE_HELP, type=ISO_DATE)
@format_option
def calendar_cmd(exchange: str, start: str, end: str, fmt: str, output: str | None) -> None:
    """Sessions of EXCHANGE (XNYS, XHKG, XSHG) with open/close times in UTC, half-days and holidays.

    \b
    Example:
      rerating calendar XHKG --from 2025-01-24 --to 2025-02-05
    """
    from rerating.data import calendars

    cal = calendars.get_calendar(exchange)
    days = calendars.sessions(exchange, start, end)
    half = set(calendars.half_days(exchange, start, end))
    rows = [
        {
            "date": d,
            "status": "half-day" if d in half else "session",
            "open_utc": cal.session_open(d).strftime("%H:%M"),
            "close_utc": cal.session_close(d).strftime("%H:%M"),
        }
        for d in days
    ]
    rows += [
        {"date": d, "status": "holiday", "open_utc": "", "close_utc": ""}
        for d in calendars.holidays(exchange, start, end)
    ]
    frame = pd.DataFrame(rows, columns=["date", "status", "open_utc", "close_utc"]).sort_values(
        "date", ignore_index=True
    )
    render_frame(frame, fmt, output, title=f"{cal.name} {start} .. {end}")


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _zoned_time(text: str, what: str) -> pd.Timestamp:
    """A time with a zone, or a bare date (tz-naive midnight); a time of day without a zone is refused."""
    try:
        ts = pd.Timestamp(text.strip())
    except (ValueError, TypeError) as exc:
        raise DateRangeError(
            f"{what} {text!r} is not a time; use ISO 8601 with a zone, e.g. 2025-01-27T14:30Z, or a date "
            "such as 2025-01-27"
        ) from exc
    if ts is pd.NaT:
        raise DateRangeError(f"{what} is empty; pass a time such as 2025-01-27T14:30Z")
    if ts.tzinfo is None and not _BARE_DATE.fullmatch(text.strip()):
        raise DateRangeError(
            f"{what} {text!r} has no time zone; add one: {ts:%Y-%m-%dT%H:%M}-05:00 (New York in winter), "
            f"{ts:%Y-%m-%dT%H:%M}+08:00 (Hong Kong, Shanghai) or {ts:%Y-%m-%dT%H:%M}Z (UTC); "
            "or give a bare date (YYYY-MM-DD) when the hour is unknown"
        )
    return ts


@click.command("session")
@click.option("--exchange", required=True, help="Exchange or calendar: XNYS, XHKG, XSHG.")
@click.option(
    "--after",
    "after",
    required=True,
    help="A time with its zone (ISO 8601: 2025-01-27T14:30Z, 2025-01-27T09:30-05:00), or a bare "
    "date (YYYY-MM-DD: known day, unknown hour: that day if a session, else the next session).",
)
@format_option
def session_cmd(exchange: str, after: str, fmt: str, output: str | None) -> None:
    """The first session of an exchange whose close is after a time (the market's day 0 for news at that time).

    A time must carry its zone (Z or an offset); a bare date means the hour is unknown.

    \b
    Examples:
      rerating session --exchange XHKG --after 2025-01-27T14:30Z
      rerating session --exchange XNYS --after 2025-01-27T15:30-05:00
      rerating session --exchange XSHG --after 2025-01-28
    """
    from rerating.data import calendars

    day = calendars.first_session_after(_zoned_time(after, "--after"), exchange)
    name = calendars.calendar_name(exchange)
    frame = pd.DataFrame(
        [
            {
                "after": after,
                "exchange": name,
                "session": day,
                "close_utc": calendars.session_close(name, day).isoformat(),
            }
        ]
    )
    render_frame(frame, fmt, output)


@click.group("cache")
def cache_group() -> None:
    """The DuckDB store: what it holds (`info`), delete listings (`drop`) or all of it (`clear`).

    \b
    Example:
      rerating --home /tmp/rr cache info
      rerating --home /tmp/rr cache drop NVDA 9988.HK --yes
    """


@cache_group.command("info")
@format_option
@click.pass_obj
def cache_info(obj: Any, fmt: str, output: str | None) -> None:
    """Where the store is, its schema version, symbols, rows and dates.

    \b
    Example:
      rerating cache info --format json
    """
    from rerating.data.store import Store

    render_frame(Store(obj.home).info().to_frame(), fmt, output)


@cache_group.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def cache_clear(obj: Any, yes: bool) -> None:
    """Delete the store (it is rebuilt by the next `rerating load`).

    \b
    Example:
      rerating cache clear --yes
    """
    from rerating.data.store import Store

    store = Store(obj.home)
    if not yes and not click.confirm(f"delete {store.path}?", default=False, err=True):
        _note("nothing deleted")
        return
    store.clear()
    _note(f"cleared {store.path}")


@cache_group.command("drop")
@click.argument("symbols", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@format_option
@click.pass_obj
def cache_drop(obj: Any, symbols: tuple[str, ...], yes: bool, fmt: str, output: str | None) -> None:
    """Delete SYMBOLS from the store (bars, shares, EPS, saved listings).

    All in one transaction: a symbol not in the store is an error, and then nothing is deleted.
    `rerating load` brings a symbol back.

    \b
    Example:
      rerating cache drop NVDA 9988.HK --yes
      rerating cache drop BABA,JD --format csv
    """
    from rerating.data.store import Store

    symbols = _split_symbols(symbols)
    securities = obj.market().securities
    # the master's spelling where it knows the symbol (HSI -> ^HSI, 09988.HK -> 9988.HK), else as
    # typed (the store spells it: nvda -> NVDA)
    names = [sec.symbol if (sec := securities.lookup(s)) is not None else s for s in symbols]
    store = Store(obj.home)
    shared = _shares_siblings_read(store, securities, names)
    if not yes and not click.confirm(
        f"delete {', '.join(names)} from {store.path}?"
        + "".join(f"\n  {line}" for line in shared),
        default=False,
        err=True,
    ):
        _note("nothing deleted")
        return
    dropped = store.drop_symbols(names)
    render_frame(dropped.to_frame(), fmt, output, title=f"dropped from {store.path}")
    _note(dropped.summary())
    for line in shared:
        _note(line)


def _shares_siblings_read(store: Any, securities: Any, names: list[str]) -> list[str]:
    """One line per symbol to drop whose shares-outstanding rows another listing of its company
    and share class that stays in the store reads for its market cap (BABA's rows are 9988.HK's too): dropping
    the symbol takes them away from that listing as well."""
    if not store.exists:
        return []
    held = store.read_shares()
    if held.empty:
        return []
    rows = held["symbol"].value_counts()
    staying = set(store.symbols()) - set(names)
    lines = []
    for name in names:
        sec = securities.lookup(name)
        if sec is None or not sec.company or int(rows.get(name, 0)) == 0:
            continue
        # only listings of the same share class read its rows (not an A listing's H sibling)
        siblings = [
            s.symbol for s in securities.share_class_listings(sec.symbol) if s.symbol in staying
        ]
        if siblings:
            lines.append(
                f"{name}'s {int(rows[name])} shares-outstanding row(s) are also what "
                f"{', '.join(siblings)} (company {sec.company!r}) reads for its market cap; they "
                f"go with {name} (`rerating load {name} --dir FOLDER` with its shares.csv brings "
                "them back)"
            )
    return lines


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    for cmd in (
        load_cmd,
        prices_cmd,
        returns_cmd,
        marketcap_cmd,
        calendar_cmd,
        session_cmd,
        cache_group,
    ):
        group.add_command(cmd)
