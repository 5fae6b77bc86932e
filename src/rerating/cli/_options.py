"""Option values shared by several commands."""

from __future__ import annotations

import click


def parse_window(text: str, what: str) -> tuple[int, int]:
    """``"START:END"`` in sessions relative to day 0 -> ``(START, END)``; ``what`` names the option."""
    try:
        a, b = (int(x) for x in text.split(":"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not START:END in sessions, e.g. -250:-11 or 0:5", param_hint=what
        ) from None
    return a, b


lookahead_option = click.option(
    "--lookahead",
    "lookahead",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="DAYS",
    help="When no shares figure is dated on or before the date, use the first one up to DAYS days "
    "later (said in the notes). 0: strictly as of the date.",
)
