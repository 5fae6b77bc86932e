"""Render a DataFrame as a terminal table, CSV, JSON or Parquet (data on stdout, notes on stderr)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "csv", "json", "parquet")
# a terminal table longer than this shows its first rows (rich lays out ~1,000 rows a second)
TABLE_MAX_ROWS = 1000


def format_option(func: Any) -> Any:
    """The ``--format`` option every data command takes."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format. parquet writes binary to stdout unless --output is given.",
    )(
        click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write to this file instead of stdout.",
        )(func)
    )


def _cell(value: Any) -> str:
    import pandas as pd

    if isinstance(value, float):
        if pd.isna(value):
            return ""
        return f"{value:,.4f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return "" if value is None else str(value)


def render_frame(
    frame: pd.DataFrame,
    fmt: str = "table",
    output: str | None = None,
    title: str | None = None,
    index: bool = False,
) -> None:
    """Write ``frame`` in ``fmt`` to ``output`` (a path) or stdout."""
    import pandas as pd

    if index:
        frame = frame.reset_index()
    if fmt == "table":
        from rich.console import Console
        from rich.table import Table

        if output is None and len(frame) > TABLE_MAX_ROWS:
            click.echo(
                f"note: showing the first {TABLE_MAX_ROWS:,} of {len(frame):,} rows; "
                "--format csv (or -o FILE) gives them all",
                err=True,
            )
            frame = frame.head(TABLE_MAX_ROWS)

        table = Table(title=title, show_lines=False)
        for col in frame.columns:
            numeric = pd.api.types.is_numeric_dtype(frame[col])
            table.add_column(str(col), justify="right" if numeric else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                Console(file=fh, width=400).print(table)
        else:
            console = Console()
            # Piped output is never cut to 80 columns: a table row must keep every figure.
            Console(width=None if console.is_terminal else 400).print(table)
        return
    if fmt == "csv":
        text = frame.to_csv(index=False, date_format="%Y-%m-%d")
    elif fmt == "json":
        text = frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2)
    elif fmt == "parquet":
        if output:
            frame.to_parquet(output, index=False)
        else:
            import io

            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            sys.stdout.buffer.write(buf.getvalue())
        return
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text.rstrip("\n"))
