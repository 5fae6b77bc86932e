"""CLI commands of the study layer: ``rerating study``."""

from __future__ import annotations

import click

from rerating.cli._output import format_option, render_frame

WHAT = ("caar", "car", "tests", "dropped", "ar", "params", "clustering", "summary")


def _window(text: str, what: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in text.split(":"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not START:END in sessions, e.g. -250:-11 or 0:5", param_hint=what
        ) from None
    return a, b


@click.command("study")
@click.option(
    "--events",
    "events_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="CSV with columns event_id, symbol, date or timestamp (ISO 8601 with zone), optional group.",
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
    type=click.Choice(["mean_adjusted", "market_adjusted", "market", "scholes_williams", "dimson"]),
    help="Normal-return model (capm and factor models need data only the library API takes).",
)
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
    "--min-estimation",
    type=int,
    default=None,
    help="Minimum usable estimation sessions (default: half the estimation window).",
)
@click.option(
    "--what",
    default="caar",
    show_default=True,
    type=click.Choice(WHAT),
    help="Which result to print.",
)
@format_option
@click.pass_context
def study_cmd(
    ctx: click.Context,
    events_file: str,
    estimation: str,
    windows: tuple[str, ...],
    model: str,
    benchmark: str | None,
    tests: str,
    non_session: str,
    min_estimation: int | None,
    what: str,
    fmt: str,
    output: str | None,
) -> None:
    """Run an event study: abnormal returns, CAR/CAAR and test statistics.

    Each listing is measured in its own sessions against its own benchmark. Events that cannot be
    measured are listed with the reason (--what dropped); warnings go to stderr.

    \b
    Examples:
      rerating --sample study --events events.csv --estimation -120:-11 --window 0:0 --window 0:5
      rerating --sample study --events events.csv --benchmark ^HSI --what tests --format csv
    """
    import pandas as pd

    from rerating.errors import EventFormatError
    from rerating.study import EventStudy

    est = _window(estimation, "--estimation")
    wins = tuple(_window(w, "--window") for w in windows)
    try:
        events = pd.read_csv(events_file, dtype={"event_id": str, "symbol": str, "group": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise EventFormatError(f"cannot read events file {events_file}: {exc}") from exc
    if "symbol" not in events.columns:
        raise EventFormatError(
            f"events file {events_file} has no 'symbol' column (columns: {list(events.columns)}); "
            "it needs event_id, symbol, date or timestamp"
        )
    market = ctx.obj.market()
    master = market.securities
    secs = {s: master.get(s) for s in events["symbol"].astype(str).str.strip().unique()}
    events = events.assign(
        symbol=events["symbol"].astype(str).str.strip().map(lambda s: secs[s].symbol)
    )
    symbols = sorted({sec.symbol for sec in secs.values()})
    if benchmark is not None:
        bench_sym = master.get(benchmark).symbol
        bench_of = {s: bench_sym for s in symbols}
    else:
        bench_of = {sec.symbol: master.get(sec.benchmark).symbol for sec in secs.values()}
    calendars = {s: master.get(s).calendar for s in set(symbols) | set(bench_of.values())}
    needed = sorted(set(symbols) | set(bench_of.values()))
    frame = market.returns(needed, gap_policy="drop").frame
    stock_rets = frame[frame["symbol"].isin(symbols)][["symbol", "date", "ret"]]
    bench_rets = (
        frame[frame["symbol"].isin(set(bench_of.values()))]
        .pivot(index="date", columns="symbol", values="ret")
        .rename_axis(columns=None)
    )
    results = EventStudy(
        stock_rets,
        events,
        market_returns=bench_rets if model != "mean_adjusted" else None,
        benchmarks=bench_of if model != "mean_adjusted" else None,
        model=model,
        estimation_window=est,
        event_windows=wins,
        min_estimation=min_estimation,
        tests=tests,
        non_session=non_session,  # type: ignore[arg-type]
        calendars=calendars,
    ).fit()
    for w in results.warnings:
        click.echo(f"note: {w}", err=True)
    if what == "summary":
        text = results.summary().as_csv() if fmt == "csv" else results.summary().as_text()
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            click.echo(text)
        return
    out = getattr(results, what)
    render_frame(out, fmt=fmt, output=output, title=f"event study: {what}")


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    group.add_command(study_cmd)
