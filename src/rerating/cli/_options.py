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
