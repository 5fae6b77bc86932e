"""Comparisons of two moves: "Alibaba outperformed the Hang Seng Index by 5 percentage points",
"恒生科技指数年初至今跑输纳斯达克指数3个百分点".

A comparison is found here as text positions: the verb (its direction), the comparator named right
after it and the figure of the gap. :class:`rerating.claims.extract.Extractor` binds the subject,
the listings and the window, and makes the ``relative_return`` claim; the comparator must be a
listing or an index the lexicon knows, so "beat estimates by 5%" or "beat analysts' forecasts by 3
cents" are never claims. "The broader market" / 大盘 / 大市 is the comparator too: the extractor
reads it as the subject listing's default benchmark (the security master's ``benchmark``). A
comparison without a figure ("outperformed the index") is not one either: the model holds stated
figures only (docs/CLAIMS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"

# The verb, then the comparator's name right after it ("beat the Nasdaq", "跑输纳斯达克指数").
_VERB_RE = re.compile(
    r"\b(?:(?P<up>outperform(?:ed|s|ing)?|beat(?:s|ing|en)?|outpac(?:ed|es|ing)|outstripp?(?:ed|ing|s)?"
    r"|outdid|outdoes|outran|outrun(?:s|ning)?)"
    r"|(?P<down>underperform(?:ed|s|ing)?|lag(?:s|ged|ging)?(?:\s+behind)?|trail(?:ed|ing|s)?"
    r"|f(?:ell|alls?|alling|allen)\s+behind))\b\s*(?:the\s+)?(?:(?:broader|benchmark|wider)\s+)?"
    r"|(?:(?P<zup>跑赢了?|领先了?|优于|强于)|(?P<zdown>跑输了?|落后了?于?|逊于|弱于))\s*",
    re.IGNORECASE,
)
# "the broader market", "大盘", "大市": no series of its own, read as the subject's default
# benchmark; not "market share / value" nor 大盘股 (large caps, a group) or 大市值.
_MARKET_RE = re.compile(
    r"(?:the\s+)?(?:(?:broader|broad|wider|overall|general)\s+)?(?:stock\s+)?market\b"
    r"(?!\s*(?:share|value|cap|capitali[sz]ation|expectations?|estimates?|consensus)\b)"
    r"|大盘(?!股|蓝筹)|大市(?!值|场)",
    re.IGNORECASE,
)
# "A比B多涨5个百分点", "A较恒指少跌3个百分点": the comparator sits between 比 / 较 and the verb.
_ZH_THAN_RE = re.compile(r"(?:比|较|相比|相较)\s*")
_ZH_THAN_VERB_RE = re.compile(
    r"\s*(?:同期)?\s*(?:(?P<up>多涨|少跌|高出|跑赢|领先)|(?P<down>多跌|少涨|低了?|跑输|落后))\s*(?:了)?\s*"
)
# After the comparator: a short gap (a window, "Index", "同期"), then the figure of the gap.
_EN_FIGURE_RE = re.compile(
    r"(?P<gap>[^,;:%，；。]{0,40}?)\bby\s+(?P<cmp>about|around|roughly|nearly|almost|some|an estimated"
    r"|approximately|more than|over|at least|upwards of|less than|under)?\s*"
    rf"(?P<num>{_NUM})\s*(?P<unit>percentage[- ]points?|percent(?:age)?[- ]points?|pct\.?[- ]?(?:pts?|points?)"
    r"|ppts?\b|pp\b|points?\b|pts?\b|%|percent\b|per\s*cent\b)",
    re.IGNORECASE,
)
_ZH_FIGURE_RE = re.compile(
    r"(?P<gap>[^，,；;。%\d]{0,12}?)(?P<cmp>大约|约|近|接近|超过|超|逾|多达|达到|达|不到|不足)?\s*"
    rf"(?P<num>{_NUM})\s*(?P<unit>个?百分点|个?pct|%|个点)",
    re.IGNORECASE,
)
# A move's own verb between the comparator and the figure: the figure is the subject's (or the
# comparator's) move, not the gap ("beat the Hang Seng Index and rose by 5%", "跑赢大盘涨6.2%",
# "落后大盘下跌17%"); 涨幅 / 跌幅 (the gain as a noun) and 多涨 / 少跌 do not count.
_MOVE_IN_GAP_RE = re.compile(
    # (verb forms only: "the Hang Seng Index's gain by 8 points" is the gap of two gains)
    r"\b(?:r(?:ose|ising|isen)|f(?:ell|alling|allen)|gain(?:ed|ing)|climb(?:ed|ing)|jump(?:ed|ing)"
    r"|surg(?:ed|ing)|soar(?:ed|ing)|rall(?:ied|ying)|advanc(?:ed|ing)|drop(?:ped|ping)"
    r"|sl(?:id|iding)|slump(?:ed|ing)|tumbl(?:ed|ing)|plung(?:ed|ing)|declin(?:ed|ing)|los(?:t|ing)"
    r"|add(?:ed|ing)|shed(?:ding)?|sank|sinking|(?:was|were|is|are|ended|closed|finished)\s+(?:up|down))\b"
    r"|(?<![多少])[涨漲跌升降挫飙飆扬揚](?![幅])",
    re.IGNORECASE,
)
# The comparator's possession right after it: its stock or its move is the comparator ("beat
# Tencent's shares by 5 points", "跑赢腾讯的涨幅"), anything else is not ("Nvidia's H100").
_OTHER_THING_RE = re.compile(
    r"\s*(?:['’]s|的)\s*(?!(?:own\s+)?(?:(?:Hong\s+Kong|U\.?S\.?|New\s+York|A|H)[- ]?(?:listed\s+)?)?"
    r"(?:shares?|stocks?|ADRs?|ADSs?|listings?|gains?|returns?|rise|advance|moves?|rally|decline|fall|losses|"
    r"by\b|this\b|so\b|since\b|over\b|in\s+(?:the|20\d\d)\b|year|week|month|on\b)"
    r"|股价|涨幅|跌幅|升幅|表现|走势|港股|美股|A股|同期|年内|今年|本周|上周|本月)\S",
    re.IGNORECASE,
)
# A clause about something other than the two series' moves: "在市场份额上，英伟达领先AMD 50个百分点",
# "Nvidia's revenue growth beat Microsoft's by 5 points".
NOT_MOVES_RE = re.compile(
    r"份额|market share|收入|营收|利润|毛利|净利|revenue|sales|profit|margin|earnings|增速|growth"
    r"|预期|预测|estimates?|expectations?|forecasts?|consensus|得分|分数|scores?|benchmark tests?"
    r"|准确率|accuracy|渗透率|占比|市占率"
    # a gap of sizes or valuations ("市值领先阿里巴巴约30%", "valuation lags Tencent by 30%"), of
    # products' test results ("beat Nvidia's H100 by 30% in inference benchmarks"), not of returns
    r"|市值|估值|市盈率|市净率|market\s+(?:value|cap)|valuations?|P/E\b|price[- ]to[- ]earnings"
    r"|benchmarks|速度|性能|\bspeeds?\b",
    re.IGNORECASE,
)
_APPROX = {"about", "around", "roughly", "nearly", "almost", "some", "an estimated", "approximately",
           "大约", "约", "近", "接近"}  # fmt: skip
_GT = {"more than", "over", "at least", "upwards of", "超过", "超", "逾", "多达"}
_LT = {"less than", "under", "不到", "不足"}


@dataclass(frozen=True)
class Comparison:
    """A comparison found in a normalised sentence (positions index that sentence).

    Attributes
    ----------
    verb_start : int
        Where the comparison starts (the verb, or 比 / 较): the subject is named before it.
    versus : tuple
        The comparator's ``(start, end, entry)`` as the lexicon found it.
    start, end : int
        The figure's span ("5 percentage points", "3个百分点").
    up : bool
        True for outperformed / beat / 跑赢, False for underperformed / lagged / 跑输.
    amount : float
        The stated gap, unsigned, in percentage points.
    resolution : float
        One unit of its last stated digit.
    comparator : str
        ``eq``, ``approx``, ``gt`` or ``lt`` on the unsigned gap ("by more than 5 points": gt).
    participle : bool
        The verb is a participle ("..., outperforming the index by 5 points"): the subject may
        stand in an earlier clause.
    market : bool
        The comparator is "the broader market" / 大盘 (``versus[2]`` is None): the subject's
        default benchmark is meant.
    """

    verb_start: int
    versus: tuple[int, int, Any]
    start: int
    end: int
    up: bool
    amount: float
    resolution: float
    comparator: str
    participle: bool
    market: bool = False


def find_comparisons(sent: str, ents: list[tuple[int, int, Any]]) -> list[Comparison]:
    """The comparisons of ``sent`` whose comparator is one of ``ents`` (a listing or an index;
    a group is no comparator: "跑赢全球主要股指" names no series to compute) or the market
    ("the broader market", 大盘: ``market`` set, no entry)."""
    by_start = {a: (a, b, e) for a, b, e in ents if e.symbols}
    out: list[Comparison] = []
    for m in _VERB_RE.finditer(sent):
        versus = by_start.get(m.end()) or _market_at(sent, m.end(m.lastindex or 0))
        if versus is None:
            continue
        zh = m.group("zup") is not None or m.group("zdown") is not None
        fig = (_ZH_FIGURE_RE if zh else _EN_FIGURE_RE).match(sent, versus[1])
        if fig is None or _names_other(fig.group("gap"), ents, versus[1], fig.start("num")):
            continue
        if _OTHER_THING_RE.match(fig.group("gap")):
            continue  # "beat Nvidia's H100 by 30%": a thing of the comparator's, not its stock
        if _MOVE_IN_GAP_RE.search(fig.group("gap")):
            continue  # "跑赢大盘涨6.2%": the 6.2% is a move, read as one
        up = m.group("up") is not None or m.group("zup") is not None
        verb = m.group("up") or m.group("down") or ""
        out.append(_comparison(m.start(), versus, fig, up, verb.casefold().endswith("ing")))
    for m in _ZH_THAN_RE.finditer(sent):
        versus = by_start.get(m.end()) or _market_at(sent, m.end())
        if versus is None:
            continue
        verb = _ZH_THAN_VERB_RE.match(sent, versus[1])
        if verb is None:
            continue
        fig = _ZH_FIGURE_RE.match(sent, verb.end())
        if fig is None or fig.group("gap").strip():
            continue
        out.append(_comparison(m.start(), versus, fig, verb.group("up") is not None, False))
    return sorted(out, key=lambda c: c.start)


# Words that point the figure's clause back at the name just before it, or the one before that:
# "beat the Nasdaq, which rose 3%", "跑赢恒指，后者上涨3%" (the latter), "，前者上涨5%" (the former).
_LATTER_RE = re.compile(
    r"(?:^|[，,；;:：])\s*(?:后者|後者|(?:the\s+latter|which|who|whose)\b)", re.IGNORECASE
)
_FORMER_RE = re.compile(r"(?:^|[，,；;:：])\s*(?:前者|(?:the\s+former)\b)", re.IGNORECASE)
# A figure's clause that opens with a reference of its own is not the subject's move: a relative
# clause, the latter / former, another referent ("as the index rose", "而恒指", "其", "it").
_OWN_REFERENT_RE = re.compile(
    r"\b(?:which|who|whose|that|where|while|whereas|as|when|the\s+(?:latter|former)|it|its|their)\b"
    r"|后者|前者|而|则|其|该指数|指数",
    re.IGNORECASE,
)


def back_reference(between: str) -> str | None:
    """``"latter"`` when the text between the last name and a figure opens a clause pointing back
    at that name ("..., which rose 3%", "，后者上涨3%"), ``"former"`` for the name before it
    ("，前者上涨5%"), else None."""
    if _FORMER_RE.search(between):
        return "former"
    if _LATTER_RE.search(between):
        return "latter"
    return None


def is_compared_move(sent: str, subject_end: int, versus: tuple[int, int], pos: int) -> bool:
    """Whether the name at ``versus`` is the comparator of a comparison verb right after the
    subject (ending at ``subject_end``) and the figure at ``pos`` is the subject's own move:
    "阿里巴巴周五跑赢恒指大涨14.6%", "Alibaba beat the Hang Seng Index and rose by 5%", "阿里巴巴跑赢恒指，
    大涨14.6%" (a move's verb after the comparator, in its clause or a clause with no subject of
    its own). Not "beat the Nasdaq, which rose 3%" nor "跑赢恒指，后者上涨3%": those clauses name
    the comparator again.

    Parameters
    ----------
    sent : str
        The normalised sentence.
    subject_end : int
        End of the name before the verb.
    versus : tuple of int
        ``(start, end)`` of the name after the verb.
    pos : int
        Start of the figure.
    """
    lead = sent[subject_end : versus[0]]
    verb = next((m for m in _VERB_RE.finditer(lead) if m.end() == len(lead)), None)
    # a few words of time or degree before the verb ("周五", "on Friday"), no clause break or figure
    if verb is None or verb.start() > 24 or re.search(r"[，,；;：:。]|\d\s*%", lead[: verb.start()]):
        return False
    gap = sent[versus[1] : pos]
    return (
        len(gap) <= 40
        and _MOVE_IN_GAP_RE.search(gap) is not None
        and not _OWN_REFERENT_RE.search(gap)
        and not re.search(r"\d\s*%", gap)  # a figure between: the comparator's own, perhaps
        and len(re.findall(r"[，,；;：:]", gap)) <= 1
    )


def _market_at(sent: str, pos: int) -> tuple[int, int, Any] | None:
    """``(start, end, None)`` when the market ("the broader market", 大盘) is named at ``pos``
    (after any spaces), else None."""
    while pos < len(sent) and sent[pos].isspace():
        pos += 1
    m = _MARKET_RE.match(sent, pos)
    return None if m is None else (m.start(), m.end(), None)


def _names_other(gap: str, ents: list[tuple[int, int, Any]], a: int, b: int) -> bool:
    # "beat the Nasdaq, while Alibaba rose by 5%": a figure past another name is not the gap's
    return any(a <= s and e <= b for s, e, _ in ents) or bool(re.search(r"\d\s*%", gap))


def _comparison(
    start: int, versus: tuple[int, int, Any], fig: re.Match[str], up: bool, participle: bool
) -> Comparison:
    num = fig.group("num").replace(",", "")
    decimals = len(num.split(".", 1)[1]) if "." in num else 0
    word = (fig.group("cmp") or "").casefold()
    cmp = "approx" if word in _APPROX else "gt" if word in _GT else "lt" if word in _LT else "eq"
    return Comparison(
        verb_start=start,
        versus=versus,
        start=fig.start("num"),
        end=fig.end(),
        up=up,
        amount=float(num),
        resolution=10.0**-decimals,
        comparator=cmp,
        participle=participle,
        market=versus[2] is None,
    )
