"""The typed records of the claims layer: an article, a claim extracted from it, a verdict on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import pandas as pd

Metric = Literal[
    "price_return",
    "market_cap_change",
    "index_return",
    "valuation_multiple",
    "volume",
    "close_price",
    "market_cap_level",
    "index_level",
]
Comparator = Literal["eq", "approx", "gt", "lt"]
Unit = Literal["pct", "money", "price", "points", "x", "shares"]

METRICS: tuple[str, ...] = get_args(Metric)
COMPARATORS: tuple[str, ...] = get_args(Comparator)


@dataclass(frozen=True)
class Article:
    """An article ready for extraction.

    Attributes
    ----------
    text : str
        The body as plain text (front matter and markup removed). Claim spans index into it.
    date : pandas.Timestamp or None
        Publication time (tz-naive, local to the publisher) or None when it cannot be determined.
    language : str
        ``"zh"`` or ``"en"`` (the dominant supported script).
    title : str
        The title, or an empty string.
    warnings : tuple of str
        Things noticed while reading (mixed scripts, removed scripts) that did not stop it.
    """

    text: str
    date: pd.Timestamp | None
    language: str
    title: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """One quantitative market claim found in an article.

    Attributes
    ----------
    sentence : str
        The sentence holding the claim, as written.
    span : tuple of int
        ``[start, end)`` character offsets of that sentence in the article text.
    entity : str
        The surface form naming the subject (``"阿里"``, ``"Nvidia"``), possibly carried over from
        an earlier sentence.
    symbols : tuple of str
        The listings the entity resolves to (``("9988.HK", "BABA")``); empty when the subject is a
        group the security master cannot resolve ("US tech giants").
    metric : str
        One of :data:`METRICS`.
    window : dict
        Normalised window, e.g. ``{"type": "sessions", "n": 20, "end": "2025-02-13"}``.
    value : dict
        ``{"amount": signed float, "unit": ..., "currency": ...}``; ranges add ``low`` and ``high``.
    comparator : str
        ``eq``, ``approx``, ``gt`` or ``lt``, taken on the signed amount.
    notes : tuple of str
        Caveats (an implausible figure, an entity carried from the previous sentence).
    article_date : str or None
        The article's date (``YYYY-MM-DD``) the window was resolved against; not part of the JSON.
        Verification reads a window ending on it in a Chinese sentence as a Beijing date.
    """

    sentence: str
    span: tuple[int, int]
    entity: str
    symbols: tuple[str, ...]
    metric: str
    window: dict[str, Any]
    value: dict[str, Any]
    comparator: str
    notes: tuple[str, ...] = field(default=())
    article_date: str | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (documented in docs/CLAIMS.md)."""
        return {
            "sentence": self.sentence,
            "span": [int(self.span[0]), int(self.span[1])],
            "entity": self.entity,
            "symbols": list(self.symbols),
            "metric": self.metric,
            "window": dict(self.window),
            "value": dict(self.value),
            "comparator": self.comparator,
            "notes": list(self.notes),
        }


CLAIM_COLUMNS: tuple[str, ...] = (
    "entity", "symbols", "metric", "window", "comparator", "amount", "unit", "currency",
    "char_start", "char_end", "sentence", "notes",
)  # fmt: skip


def claims_frame(claims: list[Claim]) -> pd.DataFrame:
    """One row per claim, with the window and value flattened to text for tables and CSV.

    ``char_start`` / ``char_end`` are the JSON ``span``: character offsets of the sentence in the
    article text (not dates); ``notes`` joins the claim's notes with "; ".
    """
    rows = []
    for c in claims:
        rows.append(
            {
                "entity": c.entity,
                "symbols": " ".join(c.symbols),
                "metric": c.metric,
                "window": window_text(c.window),
                "comparator": c.comparator,
                "amount": float(c.value["amount"]),
                "unit": c.value["unit"],
                "currency": c.value.get("currency") or "",
                "char_start": int(c.span[0]),
                "char_end": int(c.span[1]),
                "sentence": c.sentence,
                "notes": "; ".join(c.notes),
            }
        )
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def window_text(window: dict[str, Any]) -> str:
    """A compact one-line rendering of a normalised window."""
    kind = window.get("type", "")
    rest = ",".join(f"{k}={v}" for k, v in window.items() if k != "type")
    return f"{kind}({rest})" if rest else str(kind)
