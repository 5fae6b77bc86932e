"""Option values shared by several commands."""

from __future__ import annotations

import datetime as dt

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

min_window_share_option = click.option(
    "--min-window-share",
    type=click.FloatRange(min=0.0, max=1.0, min_open=True),
    default=1.0,
    show_default=True,
    help="Share of each event window's sessions that need a return (a suspended session and the "
    "one after it have none): 0.8 keeps a listing suspended for a day or two of a 20-session "
    "window, its CAR over the sessions it has; 1 drops any event with a missing return.",
)


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD (or YYYYMMDD); the text is passed on unchanged.

    Day-first and month-first forms are refused: ``03/02/2025`` is 3 February in Hong Kong and
    2 March in New York, and a guess would move a window without any sign in the output.
    """

    name = "date"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        if value is None or not isinstance(value, str):
            return value
        text = value.strip()
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            self.fail(
                f"{value!r} is not a date YYYY-MM-DD, e.g. 2025-01-27 (forms such as 03/02/2025 are "
                "refused: day-first and month-first readings differ)",
                param,
                ctx,
            )
        return text


ISO_DATE = IsoDate()
