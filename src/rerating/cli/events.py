"""CLI commands of the events layer: ``rerating events list`` and ``rerating events show ID``."""

from __future__ import annotations

import click

from rerating.cli._options import ISO_DATE
from rerating.cli._output import format_option, render_frame


def _catalog(ctx: click.Context, extra: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from rerating.events.catalog import load_catalog

    return load_catalog(list(extra) or None, securities=ctx.obj.market().securities)


_events_option = click.option(
    "--events",
    "extra",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Your own events file (.toml with the catalog's schema, or .csv with the same columns); "
    "repeatable.",
)


@click.group("events")
def events_group() -> None:
    """The catalog of AI-industry events (bundled, plus your own files).

    \b
    Examples:
      rerating --sample events list --kind model_release --from 2025-01-01 --to 2025-02-28
      rerating --sample events show deepseek-r1
    """


@events_group.command("list")
@click.option("--kind", default=None, help="Only events of this kind (model_release, product, ...).")
@click.option(
    "--from", "start", default=None, help="First local date (YYYY-MM-DD), inclusive.",
    type=ISO_DATE,
)
@click.option(
    "--to", "end", default=None, help="Last local date (YYYY-MM-DD), inclusive.",
    type=ISO_DATE,
)
@_events_option
@format_option
@click.pass_context
def list_events(
    ctx: click.Context, kind: str | None, start: str | None, end: str | None,
    extra: tuple[str, ...], fmt: str, output: str | None,
) -> None:
    """List events with their local date, kind, title and listings.

    \b
    Example:
      rerating --sample events list --kind model_release --from 2025-01-01 --to 2025-01-31
    """
    cat = _catalog(ctx, extra)
    if kind is not None and kind.lower() not in cat.kinds:
        from rerating.errors import did_you_mean

        raise click.BadParameter(
            f"no catalog event has kind {kind!r}{did_you_mean(kind.lower(), cat.kinds)}; kinds: "
            f"{', '.join(cat.kinds)}",
            param_hint="--kind",
        )
    cat = cat.filter(kind=kind, start=start, end=end)
    frame = cat.to_frame()
    if fmt == "table":
        frame = frame[["id", "local_date", "time_known", "tz", "kind", "title_en", "title_zh", "symbols"]]
    render_frame(frame, fmt, output, title=f"{len(cat)} events")


@events_group.command("show")
@click.argument("event_id")
@_events_option
@format_option
@click.pass_context
def show_event(
    ctx: click.Context, event_id: str, extra: tuple[str, ...], fmt: str, output: str | None
) -> None:
    """Show one event and its day 0 in New York, Hong Kong and Shanghai.

    Day 0 is the first session whose close is after the event; a date-only event counts from
    the end of its local day.

    \b
    Example:
      rerating --sample events show deepseek-r1
    """
    from rerating.events.alignment import day_zero_table

    ev = _catalog(ctx, extra).get(event_id)
    table = day_zero_table(ev)
    if fmt == "table":
        click.echo(f"{ev.id}: {ev.title_en}" + (f" / {ev.title_zh}" if ev.title_zh else ""))
        click.echo(f"  when: {ev.when}; kind: {ev.kind}")
        if ev.organisations:
            click.echo(f"  organisations: {', '.join(ev.organisations)}")
        if ev.symbols:
            click.echo(f"  listings: {', '.join(ev.symbols)}")
        for src in ev.sources:
            click.echo(f"  source: {src}")
        if ev.notes:
            click.echo(f"  notes: {ev.notes}")
    frame = table.assign(event_id=ev.id, event_timestamp=ev.timestamp)
    frame = frame[["event_id", "calendar", "place", "last_close_before", "day_zero",
                   "day_zero_close_utc", "event_timestamp"]]
    render_frame(frame, fmt, output, title="day 0 (first session closing after the event)")


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    group.add_command(events_group)

