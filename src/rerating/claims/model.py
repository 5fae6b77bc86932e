"""The typed records of the claims layer: an article, a claim extracted from it, a verdict on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, get_args

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
    "relative_return",
]
Comparator = Literal["eq", "approx", "gt", "lt"]
Unit = Literal["pct", "money", "price", "points", "x", "shares"]

METRICS: tuple[str, ...] = get_args(Metric)
COMPARATORS: tuple[str, ...] = get_args(Comparator)

# The note (followed by the date) on a claim of an article that says it was written before the
# U.S. open ("Analyst note, Monday, February 24, 2025, before the U.S. open."): verification ends
# a window running to that date on the New York close before it.
WRITTEN_BEFORE_US_OPEN = "the article was written before the U.S. open on"
# The note on a claim of a high or low inside a period ("年内一度跌超5%", "has fallen as much as
# 20% this year"), whose window is then unspecified: verification gives it as the reason.
EXTREME_IN_PERIOD = (
    "a high or low inside the period (一度, 盘中, as much as, at one point), not its move from "
    "start to end: not checked from daily closes"
)
# The note on a Chinese "1月20日至2月14日" period: both days are inside it, as mainland vendors'
# 区间涨跌幅 (Wind, Choice) measure it, so verification starts from the close before the first day.
RANGE_FROM_PREVIOUS_CLOSE = (
    "a period from its first day (X日至Y日, 区间涨跌幅): measured from the close before that day"
)
# The note on a figure at one moment of a session ("早盘涨3%", "午盘涨6.2%", "午间"): not an
# extreme; verification contradicts it only when the session never traded there.
MOMENT_IN_SESSION = (
    "a figure at one moment of the session (早盘, 午盘, 午间): daily bars give only the open, "
    "high, low and close"
)


class ReadOnlyDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes: a claim's ``window`` and ``value``.

    Reads, ``dict(...)``, ``{**d}``, equality with a plain dict, JSON, pickling and
    :func:`dataclasses.asdict` work as on a dict (a ``MappingProxyType`` neither pickles nor
    deep-copies); an edit raises ``TypeError``, so what :meth:`Claim.to_dict`, the frames and
    :meth:`Verdict.summary` show is what extraction found. ``dataclasses.replace`` makes a changed
    claim.
    """

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(
            "a claim's window and value are read-only; copy one (dict(claim.window)) or make a "
            "changed claim with dataclasses.replace(claim, window={...})"
        )

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", tuple(self.warnings))


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
        Normalised window, e.g. ``{"type": "sessions", "n": 20, "end": "2025-02-13"}``
        (read-only: a :class:`ReadOnlyDict` copy of what was passed).
    value : dict
        ``{"amount": signed float, "unit": ..., "currency": ...}``; ranges add ``low`` and ``high``
        (read-only, as ``window``).
    comparator : str
        ``eq``, ``approx``, ``gt`` or ``lt``, taken on the signed amount.
    notes : tuple of str
        Caveats (an implausible figure, an entity carried from the previous sentence).
    versus : tuple of str
        A ``relative_return`` claim's comparator: the listings of the index or company the
        subject is compared with (``("^HSI",)``); empty for every other metric.
    versus_entity : str
        The comparator as written ("the Hang Seng Index" -> ``"Hang Seng Index"``); empty for
        every other metric.
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
    versus: tuple[str, ...] = field(default=())
    versus_entity: str = ""
    article_date: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Frozen through and through: a copy the caller cannot reach, so an edit of the dict
        # passed in (or of the field) cannot change what to_dict(), the frames or a verdict show.
        object.__setattr__(self, "window", _read_only(self.window, "window"))
        object.__setattr__(self, "value", _read_only(self.value, "value"))
        object.__setattr__(self, "span", tuple(self.span))
        object.__setattr__(self, "symbols", tuple(self.symbols))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "versus", tuple(self.versus))

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
            # only a comparison has a comparator: the other claims keep their documented keys
            **(
                {"versus": {"entity": self.versus_entity, "symbols": list(self.versus)}}
                if self.metric == "relative_return"
                else {}
            ),
        }


def _read_only(mapping: Any, name: str) -> ReadOnlyDict:
    if isinstance(mapping, ReadOnlyDict):
        return mapping
    try:
        return ReadOnlyDict(mapping)
    except (TypeError, ValueError):
        raise TypeError(
            f"Claim {name} must be a mapping such as {{'type': 'day', 'date': '2025-01-27'}}; "
            f"got {type(mapping).__name__}"
        ) from None


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
