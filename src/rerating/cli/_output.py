"""Render a DataFrame as a terminal table, CSV, JSON or Parquet (data on stdout, notes on stderr)."""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "csv", "json", "parquet")
# a terminal table longer than this shows its first rows (rich lays out ~1,000 rows a second)
TABLE_MAX_ROWS = 1000


def format_option(func: Any) -> Any:
    """The ``--format`` and ``--output`` options every data command takes.

    The command receives the format it writes in: with ``-o FILE.csv`` (``.json``, ``.parquet``)
    and ``--format`` left at ``table``, ``fmt`` is already ``csv`` (see :func:`output_format`), so a
    command that shapes its frame for the terminal when ``fmt == "table"`` (fewer columns,
    percentages as text) writes the file with the columns and numbers of ``--format csv``.
    """

    @functools.wraps(func)
    def with_format(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("output"):
            kwargs["fmt"] = output_format(kwargs.get("fmt", "table"), kwargs["output"])
        return func(*args, **kwargs)

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
        )(with_format)
    )


def _cell(value: Any) -> str:
    import pandas as pd

    if value is pd.NaT:
        return ""
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        return f"{value:,.4f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, pd.Timestamp):  # not reached for frame columns (see _datetime_text)
        return value.isoformat()
    return "" if value is None else str(value)


def _json_value(value: Any, date_only: bool = False) -> Any:
    """A JSON-ready Python value: plain doubles, ISO dates, null for NaN/NaT/NA/None."""
    import math

    import numpy as np
    import pandas as pd

    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        value = float(str(value))  # a float32's shortest decimal, not its float64 expansion
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp | np.datetime64):
        ts = pd.Timestamp(value)
        if ts is pd.NaT:
            return None
        return ts.strftime("%Y-%m-%d") if date_only and ts.tzinfo is None else ts.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v) for v in value]
    if isinstance(value, str):
        return value
    return str(value)


def _datetime_text(column: pd.Series) -> list[Any] | None:
    """A datetime column's values as ISO 8601 text (None for NaT); None if ``column`` holds none.

    A column whose timestamps are all tz-naive midnights is a date column (``YYYY-MM-DD``); any
    other timestamp keeps its time and offset (``2025-01-28T08:00:00+00:00``). Shared by the CSV
    and JSON writers so the two never disagree about a column. Values that are not timestamps (in
    an object column) are returned as they are.
    """
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":  # tz-naive datetime64
        valid = column.dropna()
        if bool((valid == valid.dt.normalize()).all()):
            text = column.dt.strftime("%Y-%m-%d")
            return [None if pd.isna(t) else t for t in text.tolist()]
        return [None if v is pd.NaT else v.isoformat() for v in column.tolist()]
    if not (isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_object_dtype(dtype)):
        return None
    values = column.tolist()
    stamps = [v for v in values if isinstance(v, pd.Timestamp) and v is not pd.NaT]
    if not stamps and not isinstance(dtype, pd.DatetimeTZDtype):
        return None
    date_only = bool(stamps) and all(v.tzinfo is None and v == v.normalize() for v in stamps)
    out: list[Any] = []
    for v in values:
        if v is pd.NaT:
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.strftime("%Y-%m-%d") if date_only else v.isoformat())
        else:
            out.append(v)
    return out


def _json_column(column: pd.Series) -> list[Any]:
    """A column's values for JSON. A column of tz-naive midnights is a date column (``YYYY-MM-DD``)."""
    import math

    import numpy as np

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize == 8:
        return [v if math.isfinite(v) else None for v in column.tolist()]
    if (
        isinstance(dtype, np.dtype) and dtype.kind == "f"
    ):  # float32, float16: keep their own scalars
        return [_json_value(v) for v in column.to_numpy()]
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return list(column.tolist())
    text = _datetime_text(column)
    if text is not None:
        return [v if v is None or isinstance(v, str) else _json_value(v) for v in text]
    return [_json_value(v) for v in column.tolist()]


def to_csv(frame: pd.DataFrame) -> str:
    """CSV with the JSON writer's rules for time: date columns (tz-naive midnights) as
    ``YYYY-MM-DD``, timestamp columns as ISO 8601 with their time and offset."""
    import pandas as pd

    text_columns = {}
    for i in range(frame.shape[1]):
        text = _datetime_text(frame.iloc[:, i])
        if text is not None:
            text_columns[i] = pd.Series(text, index=frame.index, dtype=object)
    if text_columns:
        frame = frame.copy()
        for i, text in text_columns.items():
            frame.isetitem(i, text)
    return frame.to_csv(index=False)


def to_json(frame: pd.DataFrame) -> str:
    """Records JSON: date columns as ``YYYY-MM-DD`` (times in ISO 8601), floats as shortest
    round-trip doubles, NaN/NaT as ``null``; strict JSON (no ``NaN`` constants), UTF-8 kept as is."""
    import json

    names = [str(c) for c in frame.columns]
    columns = [_json_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    records = (
        [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        if columns
        else [{} for _ in range(len(frame))]
    )
    return json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False)


def render_frame(
    frame: pd.DataFrame,
    fmt: str = "table",
    output: str | None = None,
    title: str | None = None,
    index: bool = False,
) -> None:
    """Write ``frame`` in ``fmt`` to ``output`` (a path) or stdout.

    A file named ``.csv``, ``.json`` or ``.parquet`` gets that format when ``--format`` is left at
    ``table``, and may not be given another one; a file that cannot be written (its folder does
    not exist, no permission) is a one-line error, not a traceback.
    """
    if index:
        frame = frame.reset_index()
    if not output:
        _write_output(frame, fmt, None, title)
        return
    fmt = output_format(fmt, output)
    try:
        _write_output(frame, fmt, output, title)
    except OSError as exc:  # a missing folder, no permission, a full disk
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc


# the formats a file's extension names (a ".txt" file takes the table)
EXTENSION_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet", ".txt": "table"}


def output_format(fmt: str, output: str) -> str:
    """The format to write ``output`` in: ``fmt``, or the one its extension names when ``fmt`` is
    the default ``table``; a file whose extension names another format than an explicit ``fmt``
    is refused (``-o x.csv --format json`` would write JSON into a .csv file)."""
    from pathlib import Path

    named = EXTENSION_FORMATS.get(Path(output).suffix.lower())
    if named is None or named == fmt:
        return fmt
    if fmt == "table":
        return named
    raise click.UsageError(
        f"--format {fmt} does not match the file name {output} ({named}); name the file "
        f"*.{'txt' if fmt == 'table' else fmt} or pass --format {named}"
    )


def _write_output(frame: pd.DataFrame, fmt: str, output: str | None, title: str | None) -> None:
    import pandas as pd

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
        columns = []
        for i in range(frame.shape[1]):
            stamps = _datetime_text(frame.iloc[:, i])
            columns.append(frame.iloc[:, i].tolist() if stamps is None else stamps)
        for row in zip(*columns, strict=True):
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
        text = to_csv(frame)
    elif fmt == "json":
        text = to_json(frame)
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
