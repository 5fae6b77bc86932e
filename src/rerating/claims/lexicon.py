"""Names the extractor recognises: listings (from the security master), groups, and catalog events.

Matching runs on normalised text (simplified Chinese, half-width), so 輝達 and 辉达 hit the same
entry. Chinese names of two characters are checked against jieba's segmentation (with the security
master's names added to its dictionary) so a name glued inside another word is not taken for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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

# Exchanges, as newswires name them before a ticker: "(NASDAQ: NVDA)", "(NYSE: BABA; HKEX: 9988)".
# The exchange names the listing there, not the index that shares its name (Nasdaq -> ^IXIC).
_EXCHANGES = {
    "us": r"NASDAQ(?:\s*(?:GS|GM|CM))?|Nasdaq|NYSE(?:\s*(?:American|Arca|MKT))?|AMEX|OTC(?:MKTS|QX|\s*Markets)?"
    r"|纳斯达克|纳市|纽交所|纽约证券交易所",
    "hk": r"HKEX|HKSE|SEHK|HKG|HK|港交所|联交所|香港交易所",
    "ss": r"SSE|SHA|SH|上交所|上海证券交易所",
    "sz": r"SZSE|SHE|SZ|深交所|深圳证券交易所",
}
_EXCHANGE_TICKER_RE = re.compile(
    "(?:"
    + "|".join(
        rf"(?<![A-Za-z])(?P<{k}>{v})\s*[:：]\s*(?P<{k}_t>[A-Z0-9^][A-Z0-9.]{{0,9}})"
        for k, v in _EXCHANGES.items()
    )
    + r")(?=\s*(?:[)）;,，；/、]|and\b|\.?\s*$))"
)
# An exchange named as where a company trades ("which trades on the Nasdaq", "Nasdaq-listed",
# "在纳斯达克上市") is not the subject of a move when a company is named too.
_LISTED_ON_RE = re.compile(
    r"\b(?:trades?|traded|trading|listed|lists|listing|quoted|debuted|floated|went public)\s+(?:on|in)\s+"
    r"(?:the\s+)?(?P<a>Nasdaq|NASDAQ|NYSE)"
    r"|\b(?P<b>Nasdaq|NASDAQ|NYSE)[- ](?:listed|traded|quoted)\b"
    r"|(?P<c>纳斯达克|纳市|纽交所)(?:交易所)?(?:上市|挂牌)"
)
# Names that are also ordinary words (Apple, the Oracle of Omaha, 小米 millet, 阿里地区, 百度一下):
# they name the company only in a stock context (below).
_COMMON_WORD_NAMES = frozenset(
    {"apple", "oracle", "amazon", "meta", "arm", "dawning", "montage", "苹果", "小米", "阿里",
     "百度", "快手", "美图", "海光"}
)
_MOVE_VERB = (
    r"(?:[大暴收急重]?(?:涨|跌|升|挫)|上涨|下跌|累计|累涨|累跌|收盘|收于|收报|飙升|反弹|走高|走低|攀升|高开|低开|拉升|跳水|回落|市值"
    r"|\b(?:rose|fell|gained|lost|jumped|dropped|slid|climbed|surged|soared|tumbled|plunged|sank|declined"
    r"|added|shed|rallied|slipped|dipped|advanced|rebounded|slumped|plummeted|retreated|edged|closed|ended"
    r"|finished|opened|traded|topped|overtook|(?:was|is|were|are)\s+(?:up|down|trading)"
    r"|ha[sd]\s+(?:risen|fallen|gained|lost|jumped|dropped|climbed|surged|soared|tumbled|slid|rallied))\b)"
)
_STOCK_AFTER_RE = re.compile(
    r"(?:['’]s)?\s*(?:Inc\.?|Corp\.?|Holdings|Group|集团|公司|控股)?\s*(?:[(（]|shares?\b|stock\b|ADRs?\b"
    r"|market (?:value|cap)|股|市值|港股|美股|A股|的股|的市值)"
    # the subject of a market move: "Apple fell 3%", "苹果周一下跌3%"
    r"|(?:['’]s)?\s*,?\s*(?:(?:(?:on\s+|last\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday)|周[一二三四五六日]"
    r"|上周[一二三四五]|\d{1,2}月\d{1,2}[日号]|今日|昨日|今天|昨天|当日|盘中|早盘|尾盘|一度|also|too"
    r"|也|亦|则|同样|均|都|还|仍|继续|逆势|(?:近|过去)?\d+\s*个?(?:交易日|日|天)(?:内|以来)?|今年以来|年初以来"
    r"|年内|本周|上周|本月|\d{1,2}月份?(?:以来)?)\s*,?\s*)*"
    + _MOVE_VERB
    # a comma: a list ("Apple, Microsoft and Nvidia fell") or an apposition ("Apple, the iPhone
    # maker, rose 3%"); a conjunction makes a list only with a name next to it (_LIST_NEXT_RE)
    + r"|\s*,"
    # a move set off after a comma: "Apple bucked the trend, rising 3.2%", "苹果逆势走强，上涨3.2%"
    + r"|[^,，.。;；!?！？]{0,40}[,，]\s*(?:(?:rising|climbing|gaining|jumping|surging|soaring|adding|falling"
    r"|dropping|losing|sliding|slipping|sinking|tumbling|plunging|shedding|declining|(?:up|down))\s+"
    r"(?:(?:about|around|roughly|nearly|almost|more than|over|some|as much as)\s+)?\d"
    r"|(?:[大暴收]?(?:涨|跌)|上涨|下跌|上升|下挫|飙升)\s*(?:了|约|近|超|逾)?\s*\d)",
    re.IGNORECASE,
)
# Companies joined to a name without being named ("Apple and its peers", "Nvidia and other
# chipmakers", "苹果及其同行"): the figure is the named company's too, but not only its. A known
# group ("and other Chinese tech stocks", 等科技股) is a subject of its own and is not this.
UNNAMED_PEERS_RE = re.compile(
    r"\s*,?\s*(?:and|&|as\s+well\s+as|along\s+with|together\s+with|plus)\s+"
    r"(?:(?:its|their|other|some|several|many|most)\s+(?:[A-Za-z][\w-]*\s+){0,3}?"
    r"(?:peers|rivals|competitors|counterparts|[a-z]*makers|stocks|shares|names|companies|firms|giants"
    r"|players|heavyweights|suppliers)"
    r"|(?:peers|rivals|competitors|counterparts))\b\s*,?"
    r"|\s*(?:及其|和其|与其|以及其|及|和|与|以及)\s*(?:其他|其它)?\s*(?:同行|同业|竞争对手|对手)"
    r"|\s*(?:及|和|与|以及)\s*(?:其他|其它)[\u4e00-\u9fff]{0,4}?(?:公司|企业|厂商|巨头)",
    re.IGNORECASE,
)
# "Dow Inc.", "Nasdaq Inc., the exchange operator": a company named like an index is not the index.
_COMPANY_SUFFIX_RE = re.compile(
    r"\s*(?:Inc\b|Corp\b|Corporation\b|Co\.|Ltd\b|plc\b|Chemical\b|公司|集团)", re.IGNORECASE
)
# One of a list of names: a connector and another name after it ("Apple, Microsoft and Nvidia
# fell", "苹果、微软", "Apple, along with Microsoft,"), or a name and a connector before it ("Nvidia,
# Microsoft and Meta together lost", "微软、英伟达和苹果合计"). A connector alone makes no list:
# "Apple and pear prices".
_LIST_JOIN = (
    r"\s*(?:,?\s*\b(?:together|along)\s+with\b\s*,?|,?\s*\bas\s+well\s+as\b\s*,?"
    r"|,\s*(?:and\b|&)?|、|和|与|及|以及|\band\b|&)\s*"
)
_LIST_NEXT_RE = re.compile(_LIST_JOIN, re.IGNORECASE)
_LIST_PREV_RE = re.compile(rf"[)）]?{_LIST_JOIN}", re.IGNORECASE)
_STOCK_BEFORE_RE = re.compile(r"(?:shares?|stock|stake)\s+(?:of|in)\s+$|持有\s*$", re.IGNORECASE)
# Hong Kong press writes a listing's stock code in parentheses after the name: "阿里巴巴（09988）",
# "騰訊(700)"; mainland press the six-digit A-share code: "中芯国际（688981）" (6... Shanghai,
# 0... / 3... Shenzhen). Only a code right after a name of the same company counts (the code alone
# is no subject).
_HK_CODE_RE = re.compile(
    r"(?<=[(（])\s*(?:(?P<code>\d{3,5})(?:\.HK)?|(?P<a>[036]\d{5})(?:\.S[HSZ])?)\s*(?=[)）])"
)
_HK_CODE_KEY = "\x00hk-code"
# Between a company's name and its ticker in parentheses: "Nvidia Corp. (", "阿里巴巴（".
_BEFORE_PARENS_RE = re.compile(r"[^。！？!?;；()（）\n]{0,40}[(（][^()（）]*")
_AFTER_PARENS_RE = re.compile(r"[^()（）]*?[)）]")


@dataclass(frozen=True)
class Entry:
    """One recognised name."""

    surface_key: str
    symbols: tuple[str, ...]
    kind: str  # "index" | "stock" | "group" | ...
    calendars: tuple[str, ...]
    # Listings named by their symbols (NVDA, "Alibaba (NYSE: BABA)"): these listings only.
    ticker: bool = False


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
            kind = _kind(*kinds)
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
            f"{trie_pattern(han)}|(?<![A-Za-z0-9&])(?:{trie_pattern(latin)})(?![A-Za-z0-9])",
            re.IGNORECASE,
        )
        self._alias_forms: dict[str, set[str]] = {}
        for a in table["alias"]:
            self._alias_forms.setdefault(_key(a), set()).add(normalise(str(a)).strip())
        self._group_re = re.compile(f"{_GROUP_ZH}|{_GROUP_EN}", re.IGNORECASE)
        # Symbols as written in running text ("NVDA fell", "9988.HK rose"): with their case, so
        # "Li" or "mu" in prose is not a ticker; a symbol that is also a name (JD, ARM) stays a name.
        self.tickers: dict[str, Entry] = {}
        for sym in securities.symbols:
            sec = securities.get(sym)
            if sec.kind == "fx":
                continue
            entry = Entry(_key(sym), (sym,), _kind(sec.kind), (sec.calendar,), ticker=True)
            forms = [sym]
            if sym.endswith(".HK") and sym[:-3].isdigit():
                forms.append(f"{int(sym[:-3]):05d}.HK")  # HKEX's five-digit code (09988.HK)
            for form in forms:
                if _key(form) not in self.entries and not form.isdigit():
                    self.tickers[form] = entry
        self._ticker_re = re.compile(
            rf"(?<![A-Za-z0-9&.^])(?:{trie_pattern(list(self.tickers))})(?![A-Za-z0-9])"
        )
        self._short_han = {k for k in han if len(k) <= 2}
        self._jieba: Any = None
        self.events: dict[str, str] = {}
        if catalog is not None:
            for ev in catalog.events:
                for form in _event_forms(ev):
                    self.events.setdefault(form, ev.id)
        self._event_re = (
            re.compile(
                rf"(?<![A-Za-z0-9])(?:{trie_pattern(list(self.events))})(?![A-Za-z0-9])",
                re.IGNORECASE,
            )
            if self.events
            else None
        )

    # -- entities -----------------------------------------------------------------------------
    def entities(self, norm: str) -> list[tuple[int, int, Entry]]:
        """The names of :meth:`entities_and_rejected`, without the rejected words."""
        return self.entities_and_rejected(norm)[0]

    def entities_and_rejected(
        self, norm: str
    ) -> tuple[list[tuple[int, int, Entry]], list[tuple[int, int]]]:
        """``(start, end, entry)`` of listing and group names in a normalised sentence, in order,
        and the spans of names that are also ordinary words and were not taken for the company
        ("while Apple bucked the trend": a figure after it is not bound across it).

        A symbol written as a ticker ("NVDA", "9988.HK", "(HKEX: 9988)") resolves to that listing
        only; in parentheses right after its company's name it narrows the name to that listing
        ("Alibaba (NYSE: BABA)" -> BABA). An exchange named before a ticker or as where a company
        trades ("which trades on the Nasdaq") is not taken for the index of the same name.
        """
        out: list[tuple[int, int, Entry]] = []
        rejected: list[tuple[int, int]] = []
        skip: list[tuple[int, int]] = []  # exchange names that are not subjects
        for m in _EXCHANGE_TICKER_RE.finditer(norm):
            venue = next(k for k in _EXCHANGES if m.group(k) is not None)
            skip.append(m.span(venue))
            sec = self.securities.lookup(_exchange_symbol(venue, m.group(f"{venue}_t")))
            if sec is not None and sec.kind != "fx":
                out.append(
                    (
                        *m.span(f"{venue}_t"),
                        Entry(
                            _key(sec.symbol),
                            (sec.symbol,),
                            _kind(sec.kind),
                            (sec.calendar,),
                            ticker=True,
                        ),
                    )
                )
        for m in self._ticker_re.finditer(norm):
            if not _overlaps(m.start(), m.end(), out):
                out.append((m.start(), m.end(), self.tickers[m.group(0)]))
        if "(" in norm or "（" in norm:
            for m in _HK_CODE_RE.finditer(norm):
                if m.group("a"):
                    a = m.group("a")
                    group, sym = "a", f"{a}.SS" if a.startswith("6") else f"{a}.SZ"
                else:
                    group, sym = "code", f"{int(m.group('code')):04d}.HK"
                sec = self.securities.lookup(sym)
                if sec is not None and sec.kind != "fx" and not _overlaps(*m.span(group), out):
                    code = Entry(_HK_CODE_KEY, (sec.symbol,), _kind(sec.kind), (sec.calendar,), True)
                    out.append((*m.span(group), code))
        for m in self._entity_re.finditer(norm):
            key = _key(m.group(0))
            entry = self.entries.get(key)
            if (
                entry is None
                or _overlaps(m.start(), m.end(), out)
                or _overlaps(m.start(), m.end(), skip)
            ):
                continue
            if (
                key in self._cased
                and m.group(0).strip() not in self._alias_forms.get(key, ())
                and m.group(0).strip() not in entry.symbols  # "ARM" as written is its ticker
            ):
                continue
            if key in self._short_han and not self._on_word_boundary(norm, m.start(), m.end()):
                continue
            if key in _COMMON_WORD_NAMES and not (
                _stock_context(norm, m.start(), m.end())
                or self._in_list(norm, m.start(), m.end(), out)
            ):
                rejected.append((m.start(), m.end()))
                continue
            if entry.kind == "index" and _COMPANY_SUFFIX_RE.match(norm, m.end()):
                continue
            out.append((m.start(), m.end(), entry))
        if any(e.kind in ("stock", "etf") for _, _, e in out):
            listed = [m.span(g) for m in _LISTED_ON_RE.finditer(norm) for g in "abc" if m.group(g)]
            out = [t for t in out if t[2].kind != "index" or not _overlaps(t[0], t[1], listed)]
        for m in self._group_re.finditer(norm):
            if _overlaps(m.start(), m.end(), out):
                continue
            out.append((m.start(), m.end(), Entry(m.group(0), (), "group", ())))
        out.sort(key=lambda t: t[0])
        merged = _merge_parenthesised(norm, out)
        return [t for t in merged if t[2].surface_key != _HK_CODE_KEY], rejected

    def _in_list(
        self, norm: str, start: int, end: int, found: list[tuple[int, int, Entry]]
    ) -> bool:
        """Whether the name at ``norm[start:end]`` is one of a list of names: a name taken before
        it, or any name after it, joined to it by a connector."""
        before = [e for _, e, _ in found if e <= start]
        if before and _LIST_PREV_RE.fullmatch(norm, max(before), start):
            return True
        join = _LIST_NEXT_RE.match(norm, end)
        return join is not None and self._name_at(norm, join.end())

    def _name_at(self, norm: str, pos: int) -> bool:
        """Whether a listing name, a ticker or a group name starts at ``pos``."""
        m = self._entity_re.match(norm, pos)
        if m is not None and m.end() > pos:
            key = _key(m.group(0))
            if key in self.entries and (
                key not in self._cased or m.group(0).strip() in self._alias_forms.get(key, ())
            ):
                return True
        return bool(self._ticker_re.match(norm, pos) or self._group_re.match(norm, pos))

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
        return [
            (m.start(), m.end(), self.events[_key(m.group(0))])
            for m in self._event_re.finditer(norm)
        ]


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


def _kind(*kinds: str) -> str:
    """The entry kind of listings of these security kinds (an ADR counts as a stock)."""
    return "index" if set(kinds) == {"index"} else ("etf" if set(kinds) == {"etf"} else "stock")


# A later item of a list that leaves the verb out ("Nvidia rose 3% on Tuesday, Apple 2% on
# Wednesday", "英伟达周二涨3%，苹果周三2%"): a per-cent figure and a comma before, one after.
_LIST_ITEM_BEFORE_RE = re.compile(
    r"\d\s*(?:%|percent\b)[^。.!?！？;；\d]{0,30}[,，、;；]\s*(?:(?:and|和|及|以及)\s*)?$", re.IGNORECASE
)
_LIST_ITEM_AFTER_RE = re.compile(
    r"\s*(?:(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday)|周[一二三四五六日])?\s*"
    r"\d+(?:\.\d+)?\s*(?:%|percent\b)",
    re.IGNORECASE,
)


def _stock_context(norm: str, start: int, end: int) -> bool:
    """A name that is also a word names the company: shares, a listing or a market move follow it,
    or it is a later item of a list of moves."""
    peers = UNNAMED_PEERS_RE.match(norm, end)
    return bool(
        _STOCK_AFTER_RE.match(norm, end)
        # "Apple and its peers fell 3%": the move after the unnamed companies is Apple's too
        or (peers is not None and _STOCK_AFTER_RE.match(norm, peers.end()))
        or _STOCK_BEFORE_RE.search(norm, max(0, start - 20), start)
        or (
            _LIST_ITEM_AFTER_RE.match(norm, end)
            and _LIST_ITEM_BEFORE_RE.search(norm, max(0, start - 40), start)
        )
    )


def _overlaps(start: int, end: int, spans: list[Any]) -> bool:
    return any(s < end and start < e for s, e, *_ in spans)


def _exchange_symbol(venue: str, code: str) -> str:
    """The security master's form of a code written after an exchange: HKEX 700 -> 0700.HK."""
    if code.isdigit():
        if venue == "hk":
            return f"{int(code):04d}.HK"
        if venue in ("ss", "sz"):
            return f"{int(code):06d}.{venue.upper()}"
    return code


def _merge_parenthesised(
    norm: str, ents: list[tuple[int, int, Entry]]
) -> list[tuple[int, int, Entry]]:
    """Fold "Name (TICKER)" into the name: one subject, narrowed to the listings the tickers name."""
    out: list[tuple[int, int, Entry]] = []
    full: list[frozenset[str]] = []  # each kept entity's listings before narrowing
    narrowed: list[bool] = []
    for s, e, entry in ents:
        if (
            out
            and entry.kind != "group"
            and out[-1][2].kind != "group"
            and set(entry.symbols) <= full[-1]
            and _BEFORE_PARENS_RE.fullmatch(norm, out[-1][1], s)
            and _AFTER_PARENS_RE.match(norm, e)
        ):
            ps, pe, prev = out[-1]
            if entry.ticker:
                syms = (
                    tuple(dict.fromkeys((*prev.symbols, *entry.symbols)))
                    if narrowed[-1]
                    else entry.symbols
                )
                cals = (
                    tuple(dict.fromkeys((*prev.calendars, *entry.calendars)))
                    if narrowed[-1]
                    else entry.calendars
                )
                out[-1] = (ps, pe, replace(prev, symbols=syms, calendars=cals, ticker=True))
                narrowed[-1] = True
            continue
        out.append((s, e, entry))
        full.append(frozenset(entry.symbols))
        narrowed.append(False)
    return out


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
