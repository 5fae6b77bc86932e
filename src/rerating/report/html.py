"""Render a report as one self-contained HTML file.

Everything is inline: CSS in a ``<style>`` element, charts as ``data:image/png;base64`` images.
There is no script and no reference to any other file or host, so the page renders the same
offline, from an e-mail attachment or from a CI artefact. All text is escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

# Section ids in page order; the tests check that each one is present.
SECTION_IDS = (
    "question",
    "charts",
    "summary",
    "caar",
    "tests",
    "dropped",
    "parameters",
    "timeline",
    "claims",
    "provenance",
)

# Link text of each section in the page's navigation (ids are lower case, labels are not).
NAV_LABELS = {
    "charts": "Charts",
    "summary": "Returns",
    "caar": "CAAR",
    "tests": "Tests",
    "dropped": "Dropped",
    "parameters": "Parameters",
    "timeline": "Timeline",
    "claims": "Claims",
    "provenance": "Provenance",
}

# The terms a reader meets in the report, in plain words (docs/GLOSSARY.md and docs/STUDY.md
# hold the full definitions). Shown folded under the headline table.
GLOSSARY = (
    (
        "AR",
        "Abnormal return: a listing's return on one session minus its normal return, the return "
        "its benchmark predicts through the market model fitted on the estimation window.",
    ),
    ("CAR", "Cumulative abnormal return: one listing's ARs added up over an event window."),
    (
        "CAAR",
        "Cumulative average abnormal return: the mean CAR of a group's listings over a window.",
    ),
    (
        "BHAR",
        "Buy-and-hold abnormal return: the return compounded over the window minus the normal "
        "return compounded over it (the skewness-adjusted t test uses BHARs).",
    ),
    (
        "[a:b]",
        "An event window: sessions a to b counted from day 0, both included, on each listing's "
        "own exchange. [0:0] is day 0 alone, [0:4] day 0 and the next four sessions, [-1:1] the "
        "session before to the session after. The parameters write the windows [a, b].",
    ),
    (
        "day 0",
        "For each listing, the first session of its own exchange that closes after the news "
        "became known (news with a date but no hour counts from the end of its local day). Hong "
        "Kong closes (08:00 UTC) before New York opens, so New York news reaches Hong Kong a "
        "session later and the two markets can have different day 0 dates; the parameters and "
        "the timeline give each.",
    ),
    (
        "r̄",
        "The mean correlation of a group's CARs in a window: each pair's correlation of model "
        "residuals over the estimation window, times the share of the window's dates the two "
        "windows have in common (for a Hong Kong and a New York listing, their correlation one "
        "session apart is added).",
    ),
    (
        "design effect",
        "1 + (N - 1) r̄ for N listings: how many times larger the variance of their average "
        "abnormal return is than if they moved independently (N = 18, r̄ = 0.05 gives 1.85). The "
        "CAAR's standard error and the adjusted Patell and BMP tests allow for it.",
    ),
    (
        "p-value",
        "If the event had no effect, the chance of an estimate at least this far from zero "
        "(two-sided). <0.001 (or <0.0001) means smaller than the precision shown.",
    ),
    (
        "q-value",
        "A listing's p-value adjusted for testing many listings at once (Benjamini-Hochberg). "
        "Keeping the listings with q at most 0.10 keeps the expected share of false discoveries "
        "among them, the false discovery rate, at 10% or less; p < 0.10 for each would flag about "
        "one quiet listing in ten.",
    ),
    (
        "valid under clustering",
        "When event windows overlap in calendar time (one news date for every listing), "
        "abnormal returns move together and tests that treat listings as independent find "
        "effects too often. The tests that stay valid: the adjusted Patell and BMP tests "
        "(through the design effect), and the Brown-Warner CDA, Corrado, Corrado-Zivney and "
        "GRANK tests where the overlapping events share day 0. The tests table flags the tests "
        "that are not valid (see its caption).",
    ),
)

CSS = """
:root { --ink:#1b1f24; --muted:#5b6470; --rule:#d7dce2; --bg:#ffffff; --band:#f5f7f9;
        --up:#0a7d32; --down:#b3261e; --warn:#8a5a00; --warnbg:#fff6e0; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 14px/1.45 "Noto Sans", "Noto Sans CJK SC", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 34px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.lede { font-size: 16px; color: var(--muted); margin: 4px 0 12px; }
nav { font-size: 13px; margin: 10px 0 0; }
nav a { color: #0b5cad; margin-right: 12px; text-decoration: none; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 12.5px; width: auto; }
th, td { padding: 3px 9px; border-bottom: 1px solid var(--rule); vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 260px; max-width: 560px; font-size: 11.5px; color: #39424c; }
th { text-align: left; background: var(--band); font-weight: 600; white-space: normal;
     vertical-align: bottom; min-width: 48px; max-width: 130px; }
td.name { white-space: normal; min-width: 140px; max-width: 300px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.up { color: var(--up); } td.down { color: var(--down); }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.table-wrap { overflow-x: auto; }
.note { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
.warning { background: var(--warnbg); color: var(--warn); border-left: 4px solid #e0a100;
           padding: 8px 12px; margin: 10px 0; font-size: 13px; }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; }
dl.params { display: grid; grid-template-columns: max-content auto; gap: 3px 16px; font-size: 13px; }
dl.params dt { font-weight: 600; } dl.params dd { margin: 0; }
.provenance { font-size: 12.5px; color: #333; }
code { font-size: 12px; background: var(--band); padding: 0 3px; border-radius: 3px; }
details.glossary { margin: 14px 0 4px; font-size: 13px; }
details.glossary summary { cursor: pointer; color: #0b5cad; }
details.glossary dl.params { margin: 8px 0 0; max-width: 980px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


@dataclass(frozen=True)
class Chart:
    """A chart of the report: its PNG bytes, the file it was written to, and a caption."""

    key: str
    title: str
    png: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A frame to show, and how to format its columns.

    ``percent`` columns hold fractions and are shown as percentages with a sign, except the
    ``unsigned`` ones (a standard error has no direction); ``signed`` columns are coloured
    green/red by sign; other numbers are shown with ``digits`` decimals.
    """

    frame: pd.DataFrame
    percent: tuple[str, ...] = ()
    digits: Mapping[str, int] = field(default_factory=dict)
    signed: tuple[str, ...] = ()
    unsigned: tuple[str, ...] = ()
    caption: str = ""
    wrap: tuple[str, ...] = ("note", "notes", "reason", "source", "sentence", "detail", "symbols")
    split_by: str | None = None  # one sub-table per value of this column (e.g. "group")
    empty: str = ""  # what is empty and why, shown instead of a table with no rows


@dataclass(frozen=True)
class ReportContent:
    """Everything the HTML page shows, already computed."""

    title: str
    question: str
    summary: Table
    key_moves: Table | None
    caar: Table
    tests: Table
    dropped: Table
    coverage: Table
    timeline: Table
    parameters: Sequence[tuple[str, str]]
    charts: Sequence[Chart]
    warnings: Sequence[str] = ()
    clustering_warning: str | None = None
    claims: Table | None = None
    claims_source: str | None = None
    provenance_markdown: str = ""
    notes: Sequence[str] = ()
    generated: str = ""
    overview: Table | None = None  # per-group headline figures, shown first
    quality: Table | None = None  # known data issues inside the study's dates
    differences: Table | None = None  # CAAR of one group minus another's, tested
    movers: Table | None = None  # listings whose CAR moved, false discovery rate controlled
    movers_fdr: float = 0.10


def esc(value: object) -> str:
    """Escape any value for HTML text or an attribute."""
    return html.escape("" if value is None else str(value), quote=True)


_PVALUE_NAMES = frozenset(
    ("p", "q", "pvalue", "qvalue", "p-value", "q-value", "p_value", "q_value")
)
# a "statistic (p-value)" cell of the tests table, e.g. "-3.60 (0.000)"
_STAT_P = re.compile(r"^(?P<stat>[-+]?\d[\d,]*\.\d+) \((?P<p>\d\.\d+)\)$")


def is_pvalue_column(column: object) -> bool:
    """Whether a column holds p- or q-values, by its name: ``pvalue``, ``qvalue``, ``p (CDA)``,
    ``p [0:4]`` ... (a ``p`` or ``q`` followed by a space or a bracket)."""
    name = str(column).strip().lower()
    return name in _PVALUE_NAMES or re.match(r"^[pq](value)?\s*[(\[ ]", name) is not None


def format_pvalue(p: float, digits: int = 4) -> str:
    """``p`` with ``digits`` decimals, ``<0.0001`` (at 4 digits) where it would print as zero."""
    text = f"{p:.{digits}f}"
    if float(text) == 0 and p >= 0:
        return "<" + f"{10.0**-digits:.{digits}f}"
    return text


def _small_p_in_brackets(text: str) -> str:
    """``-3.60 (0.000)`` -> ``-3.60 (<0.001)``; any other text is returned as is."""
    m = _STAT_P.match(text)
    if m is None or float(m["p"]) != 0:
        return text
    digits = len(m["p"].split(".")[1])
    return f"{m['stat']} ({format_pvalue(0.0, digits)})"


def _stat_p_columns(frame: pd.DataFrame) -> set[str]:
    """Columns whose every non-empty cell is a ``statistic (p-value)`` string (the tests table)."""
    out = set()
    for col in frame.columns:
        values = [v for v in frame[col] if not (v is None or v is pd.NA or v != v)]  # non-missing
        cells = [v for v in values if v != ""]
        if cells and all(isinstance(v, str) and _STAT_P.match(v) for v in cells):
            out.add(col)
    return out


def _format_cell(value: object, column: str, table: Table) -> tuple[str, str]:
    """Return (text, css class) for one cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "", "num"
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        ts = pd.Timestamp(value)
        text = (
            ts.strftime("%Y-%m-%d")
            if ts == ts.normalize()
            else ts.strftime("%Y-%m-%d %H:%M %Z").strip()
        )
        return text, ""
    if isinstance(value, bool):
        return ("yes" if value else "no"), ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        cls = "num"
        number = float(value)
        if is_pvalue_column(column) and column not in table.percent and 0 <= number <= 1:
            return format_pvalue(number, table.digits.get(column, 4)), cls
        if column in table.unsigned:
            return f"{100 * number:.2f}%" if column in table.percent else f"{number:,.4f}", cls
        if column in table.signed or column in table.percent:
            cls += " up" if number > 0 else (" down" if number < 0 else "")
        if column in table.percent:
            return f"{100 * number:+.2f}%", cls
        if column in table.digits:
            return f"{number:,.{table.digits[column]}f}", cls
        if float(number).is_integer() and abs(number) < 1e15:
            return f"{int(number):,}", cls
        return f"{number:,.4f}", cls
    return str(value), ""


def render_table(table: Table, *, empty: str = "Nothing to show.") -> str:
    """Render a :class:`Table` as an escaped HTML table (or a note when it has no rows).

    The note is the table's own ``empty`` text (what is empty and why), else ``empty``.
    """
    frame = table.frame
    empty = table.empty or empty
    if table.split_by is not None and table.split_by in frame.columns and not frame.empty:
        parts = [f'<p class="note">{esc(table.caption)}</p>'] if table.caption else []
        for value, part in frame.groupby(table.split_by, sort=False):
            # the same formats, one sub-table per value, no caption of its own
            sub = replace(table, frame=part.drop(columns=table.split_by), caption="", split_by=None)
            parts += [f"<h3>{esc(value)}</h3>", render_table(sub, empty=empty)]
        return "\n".join(parts)
    parts = []
    if table.caption:
        parts.append(f'<p class="note">{esc(table.caption)}</p>')
    if frame.empty:
        parts.append(f'<p class="note">{esc(empty)}</p>')
        return "\n".join(parts)
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    stat_p = _stat_p_columns(frame)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(frame.columns, record, strict=True):
            text, cls = _format_cell(value.item() if hasattr(value, "item") else value, col, table)
            if col in stat_p:
                text = _small_p_in_brackets(text)
            if col in table.wrap:
                cls = f"{cls} wrap".strip()
            elif col in ("name", "title_en", "title_zh", "what"):
                cls = f"{cls} name".strip()
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    parts.append(
        '<div class="table-wrap"><table><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "\n".join(rows)
        + "</tbody></table></div>"
    )
    return "\n".join(parts)


def _inline_markdown(text: str) -> str:
    """Escape, then turn `code` spans into <code> (the only inline markup we honour)."""
    out = esc(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def render_markdown(text: str) -> str:
    """A small, safe subset of Markdown: headings, bullet lists (with continuation lines), paragraphs."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(f"<p>{_inline_markdown(' '.join(para))}</p>")
            para.clear()
        if items:
            blocks.append(
                "<ul>" + "".join(f"<li>{_inline_markdown(i)}</li>" for i in items) + "</ul>"
            )
            items.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
        elif line.startswith("#"):
            flush()
            blocks.append(f"<h3>{_inline_markdown(line.lstrip('#').strip())}</h3>")
        elif line.lstrip().startswith("- "):
            if para:
                flush()
            items.append(line.lstrip()[2:])
        elif items and raw.startswith(" "):
            items[-1] += " " + line.strip()
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return "\n".join(blocks)


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    caption = f"{chart.title}. {chart.caption}".strip() if chart.caption else chart.title
    return (
        f'<figure id="chart-{esc(chart.key)}"><img src="data:image/png;base64,{data}" '
        f'alt="{esc(chart.title)}" data-file="{esc(chart.filename)}">'
        f"<figcaption>{esc(caption)} (also written as {esc(chart.filename)})</figcaption></figure>"
    )


def render_glossary() -> str:
    """The glossary of the report's terms, folded (a ``<details>`` element, no script)."""
    items = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in GLOSSARY)
    return (
        '<details class="glossary" id="glossary"><summary>Glossary: AR, CAR, CAAR, BHAR, '
        "windows, day 0, r̄, design effect, p- and q-values, clustering</summary>"
        f'<dl class="params">{items}</dl></details>'
    )


def _section(sid: str, heading: str, body: Iterable[str]) -> str:
    return f'<section id="{sid}"><h2>{esc(heading)}</h2>\n' + "\n".join(body) + "\n</section>"


def render_html(content: ReportContent) -> str:
    """Return the complete HTML document for ``content``.

    The page has one section per id in :data:`SECTION_IDS` (the claims section says when no
    article was given).
    """
    nav = " ".join(
        f'<a href="#{sid}">{esc(NAV_LABELS.get(sid, sid.capitalize()))}</a>'
        for sid in SECTION_IDS
        if sid != "question"
    )
    nav += ' <a href="#glossary">Glossary</a>'
    sections = []
    sections.append(
        '<section id="question">'
        f"<h1>{esc(content.title)}</h1>"
        f'<p class="lede">{esc(content.question)}</p>'
        + f"<nav>{nav}</nav>"
        # the headline figures first: what a reader (and the README's screenshot) sees at once
        + (
            "<h2>At a glance, by group</h2>" + render_table(content.overview)
            if content.overview is not None
            else ""
        )
        + "".join(f'<p class="note">{esc(n)}</p>' for n in content.notes)
        + render_glossary()
        + "</section>"
    )
    sections.append(
        _section(
            "charts",
            "Charts",
            [_figure(c) for c in content.charts]
            or ['<p class="note">No chart could be drawn.</p>'],
        )
    )
    summary_body = [render_table(content.summary, empty="No listing could be measured.")]
    if content.key_moves is not None:
        summary_body += ["<h3>Key moves</h3>", render_table(content.key_moves)]
    sections.append(_section("summary", "Window returns and market-cap moves", summary_body))
    caar_body = [render_table(content.caar)]
    if content.differences is not None:
        caar_body += ["<h3>Differences between groups</h3>", render_table(content.differences)]
    if content.movers is not None:
        caar_body += [
            f"<h3>Listings that moved (false discovery rate {content.movers_fdr:.0%})</h3>",
            render_table(
                content.movers,
                empty=f"No listing's CAR is significant at a {content.movers_fdr:.0%} false "
                "discovery rate in any window.",
            ),
        ]
    sections.append(_section("caar", "Cumulative average abnormal returns", caar_body))
    tests_body = []
    if content.clustering_warning:
        tests_body.append(f'<div class="warning">{esc(content.clustering_warning)}</div>')
    tests_body.append(render_table(content.tests))
    if content.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in content.warnings)
        tests_body.append(
            f"<details><summary>Warnings from the engine ({len(content.warnings)})</summary>"
            f'<ul class="note">{items}</ul></details>'
        )
    sections.append(_section("tests", "Test statistics", tests_body))
    sections.append(
        _section(
            "dropped",
            "Dropped events and listings",
            [render_table(content.dropped, empty="Nothing was dropped.")],
        )
    )
    params = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in content.parameters)
    sections.append(
        _section(
            "parameters",
            "Parameters and data coverage",
            [
                f'<dl class="params">{params}</dl>',
                "<h3>Data coverage</h3>",
                render_table(content.coverage),
            ]
            + (
                [
                    "<h3>Known data issues in the study's dates</h3>",
                    render_table(
                        content.quality, empty="The data layer flagged no issue in these dates."
                    ),
                ]
                if content.quality is not None
                else []
            ),
        )
    )
    sections.append(_section("timeline", "Event timeline", [render_table(content.timeline)]))
    if content.claims is not None:
        claims_body = []
        if content.claims_source:
            claims_body.append(f'<p class="note">Article: {esc(content.claims_source)}</p>')
        claims_body.append(render_table(content.claims, empty="No checkable claim was found."))
    else:
        claims_body = [
            '<p class="note">No article was given (pass --article FILE to check one).</p>'
        ]
    sections.append(_section("claims", "Claims in the article", claims_body))
    sections.append(
        _section(
            "provenance",
            "Provenance of the data",
            [f'<div class="provenance">{render_markdown(content.provenance_markdown)}</div>']
            if content.provenance_markdown
            else ['<p class="note">The data come from the local store; see `rerating cache`.</p>'],
        )
    )
    footer = f"<footer>Generated by rerating {esc(content.generated)}</footer>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No network, no scripts: a CSP makes the browser refuse any accidental external load.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{esc(content.title)}</title><style>{CSS}</style></head>\n<body><main>\n"
        + "\n".join(sections)
        + f"\n{footer}\n</main></body></html>\n"
    )
