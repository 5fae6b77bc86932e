"""CLI commands of the study layer: ``rerating study``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from rerating.cli._options import ISO_DATE, min_window_share_option, parse_window
from rerating.cli._output import format_option, output_format, render_frame

if TYPE_CHECKING:
    import pandas as pd

    from rerating.data.factors import FactorData
    from rerating.data.securities import SecurityMaster
    from rerating.study.models import NormalReturnModel

WHAT = (
    "caar", "car", "movers", "tests", "dropped", "ar", "aar", "params", "clustering", "compare",
    "summary",
)
MODEL_CHOICES = (
    "mean_adjusted",
    "market_adjusted",
    "market",
    "capm",
    "factor",
    "scholes_williams",
    "dimson",
)
FOREIGN_MODELS = ("market", "capm", "factor", "dimson")


@click.command("study")
@click.option(
    "--events",
    "events_file",
    default=None,
    type=click.Path(dir_okay=False, exists=True),
    help="CSV with columns event_id, symbol, date or timestamp (ISO 8601 with zone), optional group. "
    "Or use --event.",
)
@click.option(
    "--event",
    "event_ids",
    multiple=True,
    help="A catalog event id instead of --events (see `rerating events list`); repeatable.",
)
@click.option(
    "--kind",
    "kinds",
    default=None,
    help="Every catalog event of this kind (comma-separated: model_release,product ...), "
    "with --from/--to; adds to --event.",
)
@click.option(
    "--from",
    "events_from",
    default=None,
    help="Catalog events from this local date (YYYY-MM-DD), inclusive; with --kind or alone.",
    type=ISO_DATE,
)
@click.option(
    "--to",
    "events_to",
    default=None,
    help="Catalog events up to this local date (YYYY-MM-DD), inclusive.",
    type=ISO_DATE,
)
@click.option(
    "--symbols",
    "symbols_text",
    default=None,
    help="With --event: comma-separated listings (default: the --group listings, else each "
    "event's own listings).",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    help="With --event: NAME=SYM,SYM,... puts those listings in group NAME; repeatable. "
    "--symbols listings in no --group are in group 'other'.",
)
@click.option(
    "--catalog",
    "catalog_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="With --event: your own catalog file(s) (.toml or .csv), added to the bundled one.",
)
@click.option(
    "--estimation",
    default="-250:-11",
    show_default=True,
    help="Estimation window START:END in sessions relative to day 0.",
)
@click.option(
    "--window",
    "windows",
    multiple=True,
    default=("0:0", "-1:1"),
    show_default=True,
    help="Event window START:END (repeat for several).",
)
@click.option(
    "--model",
    default="market",
    show_default=True,
    type=click.Choice(MODEL_CHOICES),
    help="Normal-return model. capm needs --factors with --risk-free; factor needs --factors.",
)
@click.option(
    "--factors",
    "factors_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Factor returns: CSV/Parquet with a date column and one column per factor, or a CSV "
    "from Kenneth French's data library as downloaded (dates YYYYMMDD, use --factor-units percent). "
    "Repeat to join files on their dates (e.g. the 3 factors and momentum for Carhart).",
)
@click.option(
    "--factor-units",
    type=click.Choice(["decimal", "percent"]),
    default="decimal",
    show_default=True,
    help="Units of the values in --factors.",
)
@click.option(
    "--factor-columns",
    default=None,
    help="Comma-separated factor columns of --factors to use (default: all but --risk-free), "
    "e.g. Mkt-RF,SMB,HML.",
)
@click.option(
    "--risk-free",
    "risk_free_col",
    default=None,
    help="Column of --factors with the per-session risk-free return (e.g. RF): capm needs it; "
    "with factor the model is fitted on excess returns.",
)
@click.option(
    "--foreign",
    default=None,
    help="Lagged foreign market regressor SYMBOL:LAG for market, capm, factor or dimson, e.g. "
    "^GSPC:1 (the New York session before each Hong Kong session's open).",
)
@click.option("--lags", type=int, default=None, help="dimson: lags of the benchmark (default 1).")
@click.option("--leads", type=int, default=None, help="dimson: leads of the benchmark (default 1).")
@click.option(
    "--benchmark",
    default=None,
    help="One benchmark for every listing (e.g. ^GSPC); default: each listing's own from the security master.",
)
@click.option(
    "--tests",
    default="all",
    show_default=True,
    help="Comma-separated test names, or all / parametric / nonparametric / none.",
)
@click.option(
    "--non-session",
    default="next",
    show_default=True,
    type=click.Choice(["next", "previous", "skip", "raise"]),
    help="What an event date that is not a session of the listing becomes.",
)
@click.option(
    "--lead-lag",
    "lead_lag",
    default="markets",
    show_default=True,
    type=click.Choice(["markets", "all", "none"]),
    help="Which pairs of listings add their residuals' correlation one session apart to r̄ and "
    "the portfolio tests: markets = listings of different exchanges (Hong Kong trades on New "
    "York's news a session later); all = every pair (thin trading); none = same date only.",
)
@click.option(
    "--min-estimation",
    type=int,
    default=None,
    help="Minimum usable estimation sessions (default: half the estimation window).",
)
@min_window_share_option
@click.option(
    "--what",
    default="caar",
    show_default=True,
    type=click.Choice(WHAT),
    help="Which result to print. aar: average and cumulative AR per event day and group, with a "
    "95% band. movers: the listings whose CAR moved significantly, false discovery rate --fdr. "
    "compare: see --compare. summary: text, --format csv or json (not parquet: several tables), or "
    "with -o FILE.html an HTML page.",
)
@click.option(
    "--fdr",
    type=float,
    default=0.05,
    show_default=True,
    help="--what movers: the false discovery rate across each window's listings.",
)
@click.option(
    "--fdr-method",
    type=click.Choice(["bh", "by"]),
    default="bh",
    show_default=True,
    help="--what movers: bh = Benjamini-Hochberg (independent or positively dependent tests); "
    "by = Benjamini-Yekutieli (any dependence, more conservative).",
)
@click.option(
    "--compare",
    "compare_pairs",
    multiple=True,
    metavar="A,B",
    help="Test CAAR(A) - CAAR(B) for two groups in every window (implies --what compare; "
    "repeatable). --what compare alone compares the study's two groups.",
)
@format_option
@click.pass_context
def study_cmd(
    ctx: click.Context,
    events_file: str | None,
    event_ids: tuple[str, ...],
    kinds: str | None,
    events_from: str | None,
    events_to: str | None,
    symbols_text: str | None,
    groups: tuple[str, ...],
    catalog_files: tuple[str, ...],
    estimation: str,
    windows: tuple[str, ...],
    model: str,
    factors_files: tuple[str, ...],
    factor_units: str,
    factor_columns: str | None,
    risk_free_col: str | None,
    foreign: str | None,
    lags: int | None,
    leads: int | None,
    benchmark: str | None,
    tests: str,
    non_session: str,
    lead_lag: str,
    min_estimation: int | None,
    min_window_share: float,
    what: str,
    fdr: float,
    fdr_method: str,
    compare_pairs: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Run an event study: abnormal returns, CAR/CAAR and test statistics.

    Each listing is measured in its own sessions against its own benchmark. Events that cannot be
    measured are listed with the reason (--what dropped); warnings go to stderr.

    \b
    Examples:
      rerating --sample study --events events.csv --estimation -120:-11 --window 0:0 --window 0:5
      rerating --sample study --event deepseek-r1 --group china=9988.HK,0700.HK --group us=NVDA,MSFT
      rerating --sample study --event deepseek-r1 --group china=9988.HK,0700.HK --group us=NVDA,MSFT --compare china,us
      rerating --sample study --event deepseek-r1 --estimation -120:-11 --window 0:4 --what tests
      rerating --sample study --event deepseek-r1 --estimation -100:-11 --window 0:4 --what movers --fdr 0.1
      rerating --sample study --kind model_release --from 2025-01-01 --to 2025-03-31 --symbols 9988.HK,NVDA --what movers
      rerating --sample study --events events.csv --benchmark ^HSI --what tests --format csv
      rerating study --events events.csv --model factor --factors ff.csv --factor-units percent --risk-free RF
      rerating --sample study --events events.csv --model market --foreign ^GSPC:1
    """
    import pandas as pd

    from rerating.errors import EventFormatError
    from rerating.study import EventStudy

    if compare_pairs and what not in ("caar", "compare"):
        raise click.UsageError(f"--compare prints the comparison; leave out --what {what}")
    pairs: list[tuple[str, str]] = [_pair(text) for text in compare_pairs]
    if pairs:
        what = "compare"
    est = parse_window(estimation, "--estimation")
    wins = tuple(parse_window(w, "--window") for w in windows)
    foreign_lag = _foreign(foreign, model)
    factor_data = _factor_data(model, factors_files, factor_units, factor_columns, risk_free_col)
    market = ctx.obj.market()
    master = market.securities
    if foreign_lag is not None:  # the foreign market's canonical symbol: a column of market_returns
        foreign_lag = (master.get(foreign_lag[0]).symbol, foreign_lag[1])
    the_model = _model(model, foreign_lag, lags, leads)
    by_filter = kinds is not None or events_from is not None or events_to is not None
    if events_file is None and not event_ids and not by_filter:
        raise click.UsageError(
            "give the events: --events FILE, --event ID (a catalog event) or --kind/--from/--to "
            "(catalog events by kind and date)"
        )
    if events_file is not None and (event_ids or by_filter):
        raise click.UsageError(
            "give either --events FILE or catalog events (--event ID, --kind, --from, --to), not both"
        )
    if what == "summary" and fmt == "parquet":
        raise click.UsageError(
            "--what summary holds several tables, which one Parquet file cannot; use --format "
            "json, csv or table (or -o FILE.html); for a Parquet table use --what caar, tests, "
            "car or clustering"
        )
    if events_file is None:
        selection = (kinds, events_from, events_to) if by_filter else None
        events = _catalog_events(event_ids, symbols_text, groups, catalog_files, master, selection)
    else:
        if symbols_text is not None or groups or catalog_files:
            raise click.UsageError("--symbols, --group and --catalog go with --event, not --events")
        from rerating.data.sources.files import read_csv_table

        if events_file.lower().endswith(".toml"):  # the catalog's layout, not one row per listing
            raise EventFormatError(
                f"events file {events_file} is TOML: --events reads a CSV with columns event_id, "
                f"symbol, date or timestamp; study a catalog file's events with --event ID "
                f"--catalog {events_file}"
            )
        # as text, each row checked against the header (a trailing comma would shift the columns)
        events, _ = read_csv_table(events_file, "event_id,symbol,date (or timestamp)[,group]")
        events = events.mask(events.apply(lambda col: col.str.strip() == ""))  # empty cell: missing
        # headers such as "Event_ID" or " Symbol " (as the Python API's read_events takes them)
        known = {"event_id", "symbol", "date", "timestamp", "group"}
        named = {c: str(c).strip().lower() for c in events.columns}
        if len(set(named.values())) == len(named) and set(named.values()) & known:
            events = events.rename(columns={c: n for c, n in named.items() if n in known})
        if "symbol" not in events.columns and {"id", "symbols"} <= set(events.columns):
            raise EventFormatError(
                f"events file {events_file} is a catalog events file (columns id, symbols, ...); "
                f"study its events with --event ID --catalog {events_file} (--symbols or --group "
                "for the listings), or write one row per event and listing with columns event_id, "
                "symbol, date or timestamp"
            )
        if "symbol" not in events.columns:
            raise EventFormatError(
                f"events file {events_file} has no 'symbol' column (columns: {list(events.columns)}); "
                "it needs comma-separated columns event_id, symbol, date or timestamp"
            )
        if events.empty:
            raise EventFormatError(
                f"events file {events_file} has a header but no events; add one row per event "
                "(e.g. deepseek-r1,NVDA,2025-01-27)"
            )
    given = [str(s) for s in events["symbol"].astype(str).str.strip().unique()]
    # every unknown symbol in one error: a market's events file is fixed in one go
    where = f" in events file {events_file}" if events_file is not None else ""
    secs = {
        s: master.get(c) for s, c in zip(given, master.resolve_many(given, where), strict=True)
    }
    events = events.assign(
        symbol=events["symbol"].astype(str).str.strip().map(lambda s: secs[s].symbol)
    )
    # the engine's own checks of the events (duplicates, dates, timestamps) before the returns
    # are read: a whole market takes seconds and gigabytes to read
    from rerating.study.panel import read_events

    read_events(events)
    symbols = sorted({sec.symbol for sec in secs.values()})
    if benchmark is not None:
        bench_sym = master.get(benchmark).symbol
        bench_of = {s: bench_sym for s in symbols}
    else:
        no_default = sorted(sec.symbol for sec in secs.values() if not sec.benchmark)
        if no_default and the_model.needs_market:
            raise click.UsageError(
                f"{', '.join(no_default)} has no default benchmark (an index?); pass --benchmark "
                "SYMBOL or leave it out of the events"
            )
        bench_of = {
            sec.symbol: master.get(sec.benchmark).symbol for sec in secs.values() if sec.benchmark
        }
    market_syms = set(bench_of.values())
    if foreign_lag is not None:
        market_syms.add(foreign_lag[0])
    calendars = {s: master.get(s).calendar for s in set(symbols) | market_syms}
    # a listing without any bars loses its events (the ledger says so), not the whole study;
    # when none has bars, or a benchmark has none, reading the returns below says what to load
    no_bars = market.missing_bars(symbols)
    if no_bars and len(no_bars) < len(symbols):
        click.echo(
            f"note: no bars for {_some(no_bars)} in {market.origin}: "
            f"{'its' if len(no_bars) == 1 else 'their'} events are dropped (--what dropped); "
            "load them with `rerating load SYMBOL --from ... --to ...`",
            err=True,
        )
        symbols = [s for s in symbols if s not in no_bars]
    needed = sorted(set(symbols) | market_syms)
    frame = market.returns(needed, gap_policy="drop").frame
    stock_rets = frame[frame["symbol"].isin(symbols)][["symbol", "date", "ret"]]
    bench_rets = (
        frame[frame["symbol"].isin(market_syms)]
        .pivot(index="date", columns="symbol", values="ret")
        .rename_axis(columns=None)
    )
    # the fit needs only these two: the whole market's returns frame and bars (0.44 GB of a
    # 1.9 GB peak for 2,000 listings x 10 years) are let go before it
    del frame
    market._clear_cache()
    uses_market = the_model.needs_market or foreign_lag is not None
    results = EventStudy(
        stock_rets,
        events,
        market_returns=bench_rets if uses_market else None,
        benchmarks=bench_of if uses_market else None,
        model=the_model,
        factors=factor_data.factors if factor_data is not None and model == "factor" else None,
        risk_free=factor_data.risk_free if factor_data is not None else None,
        estimation_window=est,
        event_windows=wins,
        min_estimation=min_estimation,
        min_window_share=min_window_share,
        tests=tests,
        non_session=non_session,  # type: ignore[arg-type]
        calendars=calendars,
        lead_lag=lead_lag,  # type: ignore[arg-type]
    ).fit()
    for w in results.warnings:  # the ledger is --what dropped here, not results.dropped
        click.echo(f"note: {w.replace('see results.dropped', 'see --what dropped')}", err=True)
    _note_moved_dates(events, results.car, non_session)
    if what == "summary":
        summary = results.summary()
        if output and output.lower().endswith((".html", ".htm")):
            text = (
                '<!doctype html>\n<html><head><meta charset="utf-8"><title>Event study</title></head>'
                f"<body>\n{summary.as_html()}\n</body></html>\n"
            )
        else:
            if output:  # a file named .csv / .json takes that format
                fmt = output_format(fmt, output)
            if fmt == "parquet":
                raise click.UsageError(
                    "the summary is text, HTML, CSV or JSON; for a Parquet table use --what caar, "
                    "tests, car or clustering"
                )
            text = {"csv": summary.as_csv, "json": summary.as_json}.get(fmt, summary.as_text)()
        if output:
            try:
                with open(output, "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
        else:
            click.echo(text)
        return
    if what == "compare":
        if not pairs:
            found = sorted(set(results.car["group"]) - {"all"})
            gone = sorted(set(results.dropped["group"]) - set(found) - {"all"})
            if len(found) < 2 and gone:
                raise click.UsageError(
                    f"--what compare needs two groups with events; every event of "
                    f"{', '.join(map(repr, gone))} was dropped (--what dropped says why)"
                )
            if len(found) != 2:
                raise click.UsageError(
                    f"--what compare needs --compare A,B when the study has {len(found)} groups "
                    f"({', '.join(found) or 'none'})"
                )
            pairs = [(found[0], found[1])]
        out = pd.concat([results.compare(a, b) for a, b in pairs], ignore_index=True)
    elif what == "movers":
        out = results.movers(fdr=fdr, method=fdr_method)  # type: ignore[arg-type]
        if out.empty:
            click.echo(
                f"note: no listing's CAR is significant at a false discovery rate of {fdr:g} "
                f"({fdr_method.upper()}); --what car lists every CAR with its q-value",
                err=True,
            )
    elif what == "aar":
        labels = ["all", *sorted(set(results.car["group"]) - {"all"})]
        out = pd.concat([results.aar_path(g).assign(group=g) for g in labels], ignore_index=True)
        out = out[["group", *[c for c in out.columns if c != "group"]]]
    else:
        out = getattr(results, what)
    if what in ("car", "movers"):  # the column is there when no row is, as documented
        out = (
            _with_other_events(out, catalog_files, master)
            if not out.empty
            else out.assign(other_events=pd.Series(dtype=object))
        )
    render_frame(out, fmt=fmt, output=output, title=f"event study: {what}")


def _with_other_events(
    frame: pd.DataFrame, catalog_files: tuple[str, ...], master: SecurityMaster
) -> pd.DataFrame:
    """``frame`` (car or movers) with an ``other_events`` column: catalog news of the same company
    inside each row's window (:func:`rerating.events.confounding.other_events`), and a note."""
    from rerating.events.catalog import load_catalog
    from rerating.events.confounding import other_events

    found = other_events(frame, load_catalog(list(catalog_files) or None, securities=master), master)
    hit = found != ""
    if hit.any():
        pairs = frame.loc[hit, ["event_id", "symbol"]].drop_duplicates()
        click.echo(
            f"note: {len(pairs)} (event, listing) pair(s) have other catalog news of the same "
            "company inside a window (column other_events): their CAR carries that news too",
            err=True,
        )
    return frame.assign(other_events=found)


def _some(names: list[str], shown: int = 10) -> str:
    """``A, B, C`` for a few names, ``A, ..., J and 90 more`` for many (a note stays one line)."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _pair(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise click.BadParameter(f"{text!r} is not two group names A,B, e.g. china,us", param_hint="--compare")
    return parts[0], parts[1]


def _catalog_events(
    event_ids: tuple[str, ...],
    symbols: str | None,
    groups: tuple[str, ...],
    catalog_files: tuple[str, ...],
    master: SecurityMaster,
    selection: tuple[str | None, str | None, str | None] | None = None,
) -> pd.DataFrame:
    """The study's events from the catalog: one row per (event, listing), day 0 per listing.

    ``selection``: (kinds, from, to) of ``--kind``/``--from``/``--to``; the catalog events it
    matches are added to ``event_ids`` (in date order; an event named twice counts once).
    """
    import pandas as pd

    from rerating.events.alignment import UNMAPPED_GROUP, build_events
    from rerating.events.catalog import load_catalog

    group_of: dict[str, str] = {}
    for spec in groups:
        name, sep, members = spec.partition("=")
        listed = [m.strip() for m in members.split(",") if m.strip()]
        if not sep or not name.strip() or not listed:
            raise click.BadParameter(
                f"{spec!r} is not NAME=SYM,SYM,..., e.g. china=9988.HK,0700.HK", param_hint="--group"
            )
        for sym in listed:
            canon = master.get(sym).symbol
            if group_of.setdefault(canon, name.strip()) != name.strip():
                raise click.BadParameter(
                    f"{canon} is in two groups ({group_of[canon]!r} and {name.strip()!r})",
                    param_hint="--group",
                )
    if symbols is not None:
        chosen: list[str] | None = [t.strip() for t in symbols.split(",") if t.strip()]
    else:
        chosen = list(group_of) or None
    catalog = load_catalog(list(catalog_files) or None, securities=master)
    selected = _select_events(catalog, selection) if selection is not None else []
    ids = list(dict.fromkeys([*event_ids, *selected]))
    if chosen is not None:
        frame = build_events(ids, chosen, catalog, master, groups=group_of or None)
        if group_of:
            left = list(dict.fromkeys(frame.loc[~frame["symbol"].isin(group_of), "symbol"]))
            if left:
                click.echo(
                    f"note: {', '.join(left)} {'is' if len(left) == 1 else 'are'} in no --group: "
                    f"in group '{UNMAPPED_GROUP}' (name {'it' if len(left) == 1 else 'them'} "
                    "with --group NAME=SYM,...)",
                    err=True,
                )
        return frame
    # each event's own listings, less the indices it names for context (they have no benchmark)
    frames = []
    index_only = []
    for eid in ids:
        own = [s for s in catalog.get(eid).symbols if master.get(s).kind != "index"]
        if own:
            frames.append(build_events(eid, own, catalog, master))
        elif eid in event_ids:
            raise click.UsageError(f"catalog event {eid} names no stock listing; pass --symbols")
        else:  # picked by --kind/--from/--to: it has nothing to study without --symbols
            index_only.append(eid)
    if index_only:
        click.echo(
            f"note: {len(index_only)} selected catalog event(s) name only indices and are left "
            f"out ({', '.join(index_only)}); pass --symbols to study listings of your own on them",
            err=True,
        )
    if not frames:
        raise click.UsageError(
            "the selected catalog events name no stock listing; pass --symbols SYM,SYM"
        )
    return pd.concat(frames, ignore_index=True)


def _select_events(catalog, selection) -> list[str]:  # type: ignore[no-untyped-def]
    """Ids of the catalog events of ``selection`` = (kinds, from, to), in date order."""
    import datetime as dt

    kinds_text, start, end = selection
    kinds = None
    if kinds_text is not None:
        kinds = [k.strip().lower() for k in kinds_text.split(",") if k.strip()]
        known = sorted({e.kind.lower() for e in catalog.events})
        unknown = [k for k in kinds if k not in known]
        if not kinds or unknown:
            raise click.BadParameter(
                f"no catalog event has kind {', '.join(unknown) or repr(kinds_text)}; kinds: "
                f"{', '.join(known)}",
                param_hint="--kind",
            )
    for text, hint in ((start, "--from"), (end, "--to")):
        if text is not None:
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                raise click.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint=hint) from None
    chosen = catalog.filter(kind=kinds, start=start, end=end)
    events = sorted(chosen.events, key=lambda e: (e.local_date, e.id))
    if not events:
        raise click.UsageError(
            f"no catalog event matches --kind {kinds_text or 'any'} --from {start or '...'} --to "
            f"{end or '...'}; see `rerating events list`"
        )
    return [e.id for e in events]


def _foreign(text: str | None, model: str) -> tuple[str, int] | None:
    if text is None:
        return None
    if model not in FOREIGN_MODELS:
        raise click.BadParameter(
            f"--model {model} takes no foreign regressor; use one of {', '.join(FOREIGN_MODELS)}",
            param_hint="--foreign",
        )
    sym, sep, lag = text.rpartition(":")
    if not sep or not sym or not lag.strip().isdigit() or int(lag) < 1:
        raise click.BadParameter(
            f"{text!r} is not SYMBOL:LAG with LAG >= 1, e.g. ^GSPC:1", param_hint="--foreign"
        )
    return sym.strip(), int(lag)


def _model(
    model: str, foreign_lag: tuple[str, int] | None, lags: int | None, leads: int | None
) -> NormalReturnModel:
    """The model instance: registry defaults plus the options this model takes."""
    from rerating.study.models import MODELS

    if model != "dimson" and (lags is not None or leads is not None):
        raise click.BadParameter(
            f"--lags/--leads apply to --model dimson only, not {model}", param_hint="--lags"
        )
    kwargs: dict[str, object] = {}
    if foreign_lag is not None:
        kwargs["foreign_lag"] = foreign_lag
    if lags is not None:
        kwargs["lags"] = lags
    if leads is not None:
        kwargs["leads"] = leads
    return MODELS[model](**kwargs)


def _note_moved_dates(events: pd.DataFrame, car: pd.DataFrame, policy: str) -> None:
    """Say on stderr which event dates were not sessions of their listing's exchange (a holiday,
    a weekend) and the session day 0 became, which the output shows only as ``day0``."""
    import pandas as pd

    if "date" not in events.columns or car.empty:
        return
    given = events[["event_id", "symbol", "date"]].dropna()
    if "timestamp" in events.columns:  # a row's timestamp, when it has one, sets its day 0
        given = given[events.loc[given.index, "timestamp"].isna()]
    day0 = car.drop_duplicates(["event_id", "symbol"])[["event_id", "symbol", "day0"]]
    both = given.astype({"event_id": str, "symbol": str}).merge(day0, on=["event_id", "symbol"])
    if both.empty:
        return
    asked = pd.to_datetime(both["date"], errors="coerce", format="mixed").dt.normalize()
    moved = both[asked.notna() & (asked != pd.to_datetime(both["day0"]))]
    if moved.empty:
        return
    shown = "; ".join(
        f"({r.event_id}, {r.symbol}) {pd.Timestamp(r.date).date()} -> {pd.Timestamp(r.day0).date()}"
        for r in moved.head(3).itertuples()
    )
    more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
    click.echo(
        f"note: {len(moved)} event date(s) are not sessions of the listing's exchange; day 0 is "
        f"the {policy} session (--non-session {policy}): {shown}{more}",
        err=True,
    )


def _factor_data(
    model: str,
    paths: tuple[str, ...],
    units: str,
    columns: str | None,
    risk_free: str | None,
) -> FactorData | None:
    """Read --factors (or check that the model does not need it)."""
    if not paths:
        if model in ("capm", "factor"):
            need = "--factors FILE --risk-free COLUMN" if model == "capm" else "--factors FILE"
            raise click.UsageError(f"--model {model} needs {need}")
        if columns is not None or risk_free is not None:
            raise click.UsageError("--factor-columns and --risk-free read columns of --factors FILE; pass it")
        return None
    if model == "capm" and risk_free is None:
        raise click.UsageError("--model capm needs --risk-free COLUMN (a column of --factors)")
    if model not in ("capm", "factor"):
        raise click.UsageError(f"--factors is used by --model capm or factor, not {model}")
    from rerating.data.factors import read_factors, require_daily

    names = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    data = read_factors(list(paths), units=units, columns=names, risk_free=risk_free)  # type: ignore[arg-type]
    require_daily(data, "--factors")  # a monthly file would drop every event, for a misleading reason
    rf_like = [str(c) for c in data.factors.columns if str(c).strip().upper() == "RF"]
    if risk_free is None and names is None and rf_like:
        # French's files carry the risk-free rate beside the factors: as a regressor it would
        # silently fit raw returns on it, not the excess returns the factor model means
        others = ",".join(str(c) for c in data.factors.columns if str(c) not in rf_like)
        raise click.UsageError(
            f"--factors has a risk-free column {rf_like[0]!r}; pass --risk-free {rf_like[0]} to fit "
            f"excess returns, or --factor-columns {others} to choose the factors"
        )
    return data


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    group.add_command(study_cmd)
