"""Names the extractor recognises: listings (from the security master), groups, and catalog events.

Matching runs on normalised text (simplified Chinese, half-width), so 輝達 and 辉达 hit the same
entry. Chinese names of two characters are checked against jieba's segmentation (with the security
master's names added to its dictionary) so a name glued inside another word is not taken for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rerating.claims.text import normalise

# Subjects that are not one listing: the claim is kept, with no symbols, and verifies as
# "unverifiable (ambiguous entity)".
_GROUP_ZH = (
    r"(?:美股|美国|中国|中概|港股|A股|全球|硅谷)?(?:主要|大型|头部)?"
    r"(?:科技|AI|人工智能|芯片|半导体|互联网|算力)(?:七巨头|巨头们|巨头|公司|股|龙头|板块)"
    r"|(?:美股|美国|科技)?七巨头|中概股|中概互联网"
)
_GROUP_EN = (
    r"\b(?:the\s+)?(?:Magnificent\s+Seven|Mag\s*7|"
    r"(?:U\.?S\.?|American|Chinese|China|Hong\s+Kong|global|Big)\s+(?:tech(?:nology)?|AI|chip|internet)"
    r"\s+(?:giants|stocks|shares|companies|megacaps|names|heavyweights)|Big\s+Tech|megacaps)\b"
)


@dataclass(frozen=True)
class Entry:
    """One recognised name."""

    surface_key: str
    symbols: tuple[str, ...]
    kind: str  # "index" | "stock" | "group" | ...
    calendars: tuple[str, ...]


class Lexicon:
    """Compiled matchers for entities and events, built once per security master and catalog."""

    def __init__(self, securities: Any, catalog: Any = None) -> None:
        self.securities = securities
        table = securities.alias_table()
        by_alias: dict[str, list[str]] = {}
        for alias, symbol in zip(table["alias"], table["symbol"], strict=True):
            key = _key(alias)
            if len(key) < 2 or key.isdigit():
                continue
            by_alias.setdefault(key, [])
            if symbol not in by_alias[key]:
                by_alias[key].append(symbol)
        self.entries: dict[str, Entry] = {}
        self._cased: set[str] = set()
        for key, symbols in by_alias.items():
            secs = [securities.get(s) for s in symbols]
            kinds = {s.kind for s in secs}
            # An FX pair is not a subject of market claims; skip to avoid "港元" hits.
            if kinds == {"fx"}:
                continue
            # The same company's other listings come along (阿里 -> 9988.HK and BABA).
            full: list[str] = []
            for s in secs:
                try:
                    same = [x.symbol for x in securities.listings(s.company)]
                except Exception:  # noqa: BLE001 - a company id with one listing
                    same = [s.symbol]
                for sym in [s.symbol, *same]:
                    if sym not in full and securities.get(sym).kind not in ("fx",):
                        full.append(sym)
            kind = "index" if kinds == {"index"} else ("etf" if kinds == {"etf"} else "stock")
            cals = tuple(dict.fromkeys(securities.get(s).calendar for s in full))
            self.entries[key] = Entry(key, tuple(full), kind, cals)
        latin = sorted((k for k in self.entries if k.isascii()), key=len, reverse=True)
        han = sorted((k for k in self.entries if not k.isascii()), key=len, reverse=True)
        # Short or all-capital Latin names (Arm, Dow, JD, ZTE) are matched with their case.
        for k in latin:
            raw = [a for a in table["alias"] if _key(a) == k]
            if len(k) <= 4 or any(a.isupper() for a in raw):
                self._cased.add(k)
        # One trie-shaped alternation per script: Python's re tries alternatives one by one, so
        # factoring common prefixes is what keeps this fast with hundreds of names.
        self._entity_re = re.compile(
            f"{trie_pattern(han)}|(?<![A-Za-z0-9&])(?:{trie_pattern(latin)})(?![A-Za-z0-9])", re.IGNORECASE
        )
        self._alias_forms: dict[str, set[str]] = {}
        for a in table["alias"]:
            self._alias_forms.setdefault(_key(a), set()).add(normalise(str(a)).strip())
        self._group_re = re.compile(f"{_GROUP_ZH}|{_GROUP_EN}", re.IGNORECASE)
        self._short_han = {k for k in han if len(k) <= 2}
        self._jieba: Any = None
        self.events: dict[str, str] = {}
        if catalog is not None:
            for ev in catalog.events:
                for form in _event_forms(ev):
                    self.events.setdefault(form, ev.id)
        self._event_re = (
            re.compile(rf"(?<![A-Za-z0-9])(?:{trie_pattern(list(self.events))})(?![A-Za-z0-9])", re.IGNORECASE)
            if self.events
            else None
        )

    # -- entities -----------------------------------------------------------------------------
    def entities(self, norm: str) -> list[tuple[int, int, Entry]]:
        """``(start, end, entry)`` of listing and group names in a normalised sentence, in order."""
        out: list[tuple[int, int, Entry]] = []
        for m in self._entity_re.finditer(norm):
            key = _key(m.group(0))
            entry = self.entries.get(key)
            if entry is None:
                continue
            if key in self._cased and m.group(0).strip() not in self._alias_forms.get(key, ()):
                continue
            if key in self._short_han and not self._on_word_boundary(norm, m.start(), m.end()):
                continue
            out.append((m.start(), m.end(), entry))
        for m in self._group_re.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e, _ in out):
                continue
            out.append((m.start(), m.end(), Entry(m.group(0), (), "group", ())))
        out.sort(key=lambda t: t[0])
        return out

    def _on_word_boundary(self, norm: str, start: int, end: int) -> bool:
        if self._jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            for key in self.entries:
                if not key.isascii():
                    tok.add_word(key, freq=200000)
            self._jieba = tok
        # Segment a short neighbourhood only: jieba is the slow step.
        lo, hi = max(0, start - 6), min(len(norm), end + 6)
        pos = lo
        bounds = {lo}
        for word in self._jieba.cut(norm[lo:hi], HMM=False):
            pos += len(word)
            bounds.add(pos)
        return start in bounds and end in bounds

    # -- events -------------------------------------------------------------------------------
    def find_events(self, norm: str) -> list[tuple[int, int, str]]:
        """``(start, end, event_id)`` of catalog events named in a normalised sentence."""
        if self._event_re is None:
            return []
        return [(m.start(), m.end(), self.events[_key(m.group(0))]) for m in self._event_re.finditer(norm)]


def trie_pattern(words: list[str]) -> str:
    """A regex matching any of ``words`` (longest first at each branch), factored as a prefix trie."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    pat = build(trie)
    return pat or "(?!)"


def _key(name: Any) -> str:
    return normalise(str(name)).strip().casefold()


def _event_forms(ev: Any) -> set[str]:
    """Ways an article names an event: its id, with spaces or hyphens, and a model's short name."""
    forms: set[str] = set()
    eid = ev.id.casefold()
    parts = eid.split("-")
    forms.update({eid, eid.replace("-", " "), eid.replace("-", "")})
    # Version numbers are hyphenated in ids: qwen2-5-max is Qwen2.5-Max, kimi-k1-5 is Kimi k1.5.
    dotted = re.sub(r"(?<=\d)-(?=\d(?!\d{3}))", ".", eid)
    if dotted != eid:
        forms.update({dotted, dotted.replace("-", " "), dotted.replace("-", "")})
        eid = dotted
        parts = eid.split("-")
    if len(parts) >= 2:
        tail = "-".join(parts[1:])
        # "r1", "v3", "qwen2.5-max" keep; plain words ("launch") do not name an event alone.
        if re.match(r"[a-z]+\d", tail) and not re.fullmatch(r"\d+b", tail):
            forms.update({tail, tail.replace("-", " ")})
    if re.search(r"\d", parts[0]) and len(parts[0]) >= 4:
        forms.update({eid.replace("-", " "), eid})
    return {_key(f) for f in forms if len(f) >= 2}
