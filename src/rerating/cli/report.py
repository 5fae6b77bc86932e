"""CLI commands of the report layer: ``rerating report``."""

from __future__ import annotations

import click
import pandas as pd

from rerating.cli._output import format_option, render_frame


def _split(values: tuple[str, ...]) -> list[str]:
    """Accept ``--symbols A,B --symbols C`` and ``--symbols "A B"`` alike."""
    return [v for raw in values for v in raw.replace(",", " ").split() if v]


@click.command("report")
@click.option("--preset", default=None, help="A named study: deepseek-2025.")
@click.option(
    "--events",
    "events",
    multiple=True,
    help="Catalog event ids (comma-separated or repeated; the first is the primary event) or an "
    "events file (.toml/.csv, the catalog's schema) whose every event is studied.",
)
@click.option(
    "--symbols", multiple=True, help="Listings of a custom study (comma-separated or repeated)."
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for report.html and the PNG charts (created if absent).",
)
@click.option(
    "--article",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="An article (Markdown, HTML or text) whose market claims are checked in the report.",
)
@click.option(
    "--article-date",
    "article_date",
    default=None,
    metavar="YYYY-MM-DD",
    help="Publication date of the --article when it gives none (like `check --date`).",
)
@click.option(
    "--sample",
    is_flag=True,
    default=False,
    help="Read the bundled sample (the same as the global --sample; `make demo` passes it here).",
)
@format_option
@click.pass_obj
def report_cmd(
    obj: object,
    preset: str | None,
    events: tuple[str, ...],
    symbols: tuple[str, ...],
    out_dir: str,
    article: str | None,
    article_date: str | None,
    sample: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Write a self-contained HTML report (plus PNG charts) of an event study.

    Prints a per-group summary table (median window returns, CAAR and its p-value) and the path
    of the report. Works offline on the bundled sample.

    \b
    Examples:
      rerating --sample report --preset deepseek-2025 --out out/deepseek-2025
      rerating --sample report --preset deepseek-2025 --out out/ds --article article.md
      rerating --sample report --events deepseek-r1 --symbols BABA,9988.HK,NVDA --out out/custom
    """
    from rerating.report import build_report

    if sample:
        obj.sample = True  # type: ignore[attr-defined]
    result = build_report(
        obj.market(),  # type: ignore[attr-defined]
        preset=preset,
        events=_split(events) or None,
        symbols=_split(symbols) or None,
        out_dir=out_dir,
        article=article,
        article_date=article_date,
    )
    frame = result.group_frame
    if fmt == "table":  # a short, readable terminal table; csv/json/parquet keep the numbers
        frame = _terminal_table(frame)
    render_frame(frame, fmt, output, title="Re-rating by group: median returns; CAAR (p-value)")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"report: {result.html_path}", err=fmt != "table" and output is None)


def _terminal_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Percentages as text, and each CAAR with its p-value in one cell."""
    out = pd.DataFrame({"group": frame["group"], "n": frame["listings"]})
    for col in frame.columns:
        if col in ("group", "listings") or col.startswith("p ["):
            continue
        if col.startswith("CAAR "):
            window = col.removeprefix("CAAR ")
            out[col.replace(" ", "")] = [
                f"{c:+.2%} ({p:.2f})" if pd.notna(c) else ""
                for c, p in zip(frame[col], frame[f"p {window}"], strict=True)
            ]
        else:
            out[col.replace(" sessions to ", "s to ")] = [
                f"{v:+.2%}" if pd.notna(v) else "" for v in frame[col]
            ]
    return out


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    group.add_command(report_cmd)
