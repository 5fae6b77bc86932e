"""CLI commands of the claims layer: ``claims`` (extract) and ``check`` (extract and verify).

Exit codes: 0 success (also when no claim is found); 2 unreadable article (missing, empty, binary,
unsupported language) or other bad input; 3 the article's date is unknown and a claim needs it
(pass ``--date``). Warnings (scripts removed from HTML, mixed scripts, implausible figures) go to
stderr and do not change the exit code.
"""

from __future__ import annotations

import json
from typing import Any

import click

from rerating.cli._output import format_option, render_frame


def _read(article: str, date: str | None) -> Any:
    from rerating.claims import read_article

    art = read_article(article, date=date)
    for w in art.warnings:
        click.echo(f"warning: {w}", err=True)
    return art


def _extract(art: Any) -> list[Any]:
    import warnings

    from rerating.claims import extract_claims

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        claims = extract_claims(art.text, art.date)
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    for c in claims:
        for note in c.notes:
            if note.startswith("implausible"):
                click.echo(f"warning: {c.entity}: {note}", err=True)
    return claims


def _write_json(payload: Any, output: str | None) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        click.echo(text)


@click.command("claims")
@click.argument("article", type=str)
@click.option(
    "--date", "date", default=None, help="Publication date (YYYY-MM-DD) when the article has none."
)
@format_option
def claims_cmd(article: str, date: str | None, fmt: str, output: str | None) -> None:
    """Extract the quantitative market claims of ARTICLE (a .txt/.md/.html file, or - for stdin).

    JSON is a list of claim objects (schema in docs/CLAIMS.md); table and CSV flatten them.

    \b
    Examples:
      rerating claims article.md
      rerating claims article.html --format json
      echo "英伟达周一大跌17%。" | rerating claims - --date 2025-01-28
    """
    from rerating.claims import claims_frame

    art = _read(article, date)
    claims = _extract(art)
    if fmt == "json":
        _write_json([c.to_dict() for c in claims], output)
        return
    if not claims:
        click.echo("no market claims found", err=True)
    frame = claims_frame(claims)
    if fmt == "table":
        frame = frame[
            ["entity", "symbols", "metric", "window", "comparator", "amount", "unit", "currency"]
        ]
    render_frame(frame, fmt, output, title=f"claims in {art.title or article}")


@click.command("check")
@click.argument("article", type=str)
@click.option(
    "--date", "date", default=None, help="Publication date (YYYY-MM-DD) when the article has none."
)
@format_option
@click.pass_context
def check_cmd(
    ctx: click.Context, article: str, date: str | None, fmt: str, output: str | None
) -> None:
    """Extract the market claims of ARTICLE and check each one against the data.

    Each claim gets supported / contradicted / unverifiable, with the figure computed, the dates and
    closes used, and the tolerance applied (rules in docs/CLAIMS.md).

    \b
    Examples:
      rerating --sample check article.md
      rerating --sample check article.md --format json
    """
    from rerating.claims.verify import verdicts_frame, verify_claims

    art = _read(article, date)
    claims = _extract(art)
    market = ctx.obj.market()
    verdicts = verify_claims(claims, market)
    if fmt == "json":
        _write_json([v.to_dict() for v in verdicts], output)
        return
    if not verdicts:
        click.echo("no market claims found", err=True)
    frame = verdicts_frame(verdicts)
    if fmt == "table":  # the terminal gets the columns a reader needs; CSV/Parquet get all
        frame = frame[
            [
                "entity",
                "stated",
                "symbol",
                "listing_status",
                "computed",
                "start_date",
                "end_date",
                "accepted",
                "benchmark",
                "excess",
            ]
        ]
        frame = frame.rename(columns={"listing_status": "verdict", "excess": "vs_benchmark"})
    render_frame(frame, fmt, output, title=f"claims checked in {art.title or article}")


def register(group: click.Group) -> None:
    """Add this module's commands to the root group."""
    group.add_command(claims_cmd)
    group.add_command(check_cmd)
