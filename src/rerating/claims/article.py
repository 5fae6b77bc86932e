"""Read an article (plain text, Markdown with front matter, HTML, or stdin) into an :class:`Article`."""

from __future__ import annotations

import html
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from rerating._typing import DAY_MONTH_FIRST
from rerating.claims.model import Article
from rerating.claims.text import detect_language, looks_binary
from rerating.errors import ArticleDateError, ArticleError

_DATE_META = {
    "article:published_time", "og:published_time", "og:article:published_time", "date", "pubdate",
    "publishdate", "publish_date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.created",
    "sailthru.date", "parsely-pub-date", "datepublished", "article.published", "publication_date",
}
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
          "blockquote", "header", "footer", "ul", "ol", "table", "hr"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}


def read_article(path_or_text: str | os.PathLike[str], date: object = None) -> Article:
    """Read an article and find its date.

    Parameters
    ----------
    path_or_text : str or path-like
        A path to a ``.txt``, ``.md`` or ``.html`` file, ``"-"`` for standard input, or the text itself
        (any string that is not an existing file and holds a line break or no path-like ending).
    date : date-like, optional
        Overrides the date found in the article (the CLI's ``--date``).

    Returns
    -------
    Article
        ``date`` is None when neither the article nor ``date`` gives one; extraction then asks for it
        only if a claim needs it.

    Raises
    ------
    ArticleError
        Missing, empty or binary file; a language other than Chinese or English.
    """
    raw_text, source = _load(path_or_text)
    kind = _kind(raw_text, source)
    warnings: list[str] = []
    if kind == "html":
        body, title, found_date, n_removed = _from_html(raw_text)
        if n_removed:
            warnings.append(f"removed {n_removed} script/style block(s) from the HTML")
    else:
        body, title, found_date = _from_markdown(raw_text)
    if not body.strip():
        raise ArticleError(f"article {source} has no text after removing markup; pass a non-empty article")
    report = detect_language(body)
    warnings.extend(report.warnings)
    when = parse_date(date, "--date") if date is not None else found_date
    return Article(text=body, date=when, language=report.language, title=title, warnings=tuple(warnings))


def parse_date(value: object, what: str = "date") -> pd.Timestamp:
    """Parse an article date (ISO, ``2025年2月13日``, with or without time) to a tz-naive Timestamp.

    A time zone, when given, is dropped after keeping the local wall-clock time.
    """
    if isinstance(value, pd.Timestamp):
        ts = value
    else:
        text = str(value).strip()
        m = re.match(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*(\d{1,2}:\d{2}(?::\d{2})?)?", text)
        if m:
            text = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d} {m.group(4) or ''}".strip()
        if DAY_MONTH_FIRST.match(text):
            raise ArticleDateError(
                f"{what} {value!r} is ambiguous (day-first and month-first readings differ); give "
                "it as YYYY-MM-DD (e.g. --date 2025-02-13)"
            )
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError) as exc:
            raise ArticleDateError(
                f"{what} {value!r} is not a date; give it as YYYY-MM-DD (e.g. --date 2025-02-13)"
            ) from exc
    if ts is pd.NaT or pd.isna(ts):
        raise ArticleDateError(f"{what} {value!r} is not a date; give it as YYYY-MM-DD (e.g. --date 2025-02-13)")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    if not 1990 <= ts.year <= 2100:
        raise ArticleDateError(f"{what} {value!r} is outside 1990..2100; give the publication date as YYYY-MM-DD")
    return ts


def _load(path_or_text: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and path_or_text != "-" and "\n" not in path_or_text
        and len(path_or_text) < 4096 and (Path(path_or_text).exists()
                                          or re.search(r"\.(txt|md|markdown|html?|xhtml)$", path_or_text, re.I))
    ):
        path = Path(path_or_text)
        if path.is_dir():
            raise ArticleError(f"article {str(path)!r} is a directory; pass one file or '-' for stdin")
        if not path.is_file():
            raise ArticleError(f"article file {str(path)!r} does not exist; pass an existing file or '-' for stdin")
        raw = path.read_bytes()
        source = repr(str(path))
    elif path_or_text == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        source = "from stdin"
    else:
        return str(path_or_text), "(text)"
    if not raw.strip():
        raise ArticleError(f"article {source} is empty; pass a text, Markdown or HTML article")
    if looks_binary(raw):
        raise ArticleError(
            f"article {source} is binary, not text; pass a UTF-8 text, Markdown or HTML file"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), source
    except UnicodeDecodeError:
        for enc in ("gb18030", "big5"):
            try:
                return raw.decode(enc), source
            except UnicodeDecodeError:
                continue
    raise ArticleError(f"article {source} is not UTF-8, GB18030 or Big5 text; convert it to UTF-8")


def _kind(text: str, source: str) -> str:
    if re.search(r"\.html?'?$|\.xhtml'?$", source, re.I):
        return "html"
    head = text.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(p|div|body|head|meta|article)[\s>]", head):
        return "html"
    return "markdown"


_FRONT = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*\n", re.S)


def _from_markdown(text: str) -> tuple[str, str, pd.Timestamp | None]:
    title, when = "", None
    m = _FRONT.match(text)
    if m:
        for line in m.group(1).splitlines():
            key, _, val = line.partition(":")
            key, val = key.strip().lower(), val.strip().strip("'\"")
            if key in ("date", "published", "pubdate", "publishdate") and val and when is None:
                when = parse_date(val, f"front-matter {key}")
            elif key == "title":
                title = val
        text = text[m.end():]
    return _strip_markdown(text), title, when


def _strip_markdown(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)          # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)       # links keep their text
    text = re.sub(r"(?m)^\s{0,3}(?:[-=]{3,}|#{1,6}\s*|>\s?)", "", text)  # rules, headings, quotes
    text = re.sub(r"\*\*|__|`", "", text)
    return text.strip()


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.removed = 0
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self.time: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "time" and a.get("datetime") and self.time is None:
            self.time = a["datetime"]
        elif tag == "title":
            self._in_title = True
        if tag in _SKIP:
            self.skip += 1
            if tag in ("script", "style"):
                self.removed += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip:
            self.skip -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(data)


def _from_html(text: str) -> tuple[str, str, pd.Timestamp | None, int]:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    body = html.unescape("".join(parser.parts))
    body = re.sub(r"[ \t\r\f\v]+", " ", body)
    body = re.sub(r"\s*\n\s*", "\n", body).strip()
    when = None
    for key in _DATE_META:
        if key in parser.meta:
            when = parse_date(parser.meta[key], f"HTML meta {key}")
            break
    if when is None and parser.time:
        when = parse_date(parser.time, "HTML <time datetime>")
    title = parser.meta.get("og:title") or parser.title.strip()
    return body, title, when, parser.removed
