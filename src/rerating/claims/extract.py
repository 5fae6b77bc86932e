"""Rule-based extraction of quantitative market claims from Chinese and English news text.

A claim is a number with a market unit (per cent, money, points, a multiple, shares, a price)
bound to a subject the security master (or a group pattern) recognises, in a context that makes it
a market move or level: a direction verb (涨, fell), a market-value word (市值, market value), a
closing-price phrase (收于, closed at) or a valuation word (市盈率, P/E). Numbers in contexts that
name something else (costs, model sizes, benchmark scores, capex, downloads, price targets,
forecasts) are left alone.

The pipeline per sentence: normalise (simplified, half-width; same offsets) -> find values ->
find entities and windows -> bind each value to its subject (lists paired by 分别 / respectively,
a subject carried from the previous sentence) -> metric, sign and comparator -> :class:`Claim`.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from rerating.claims import dates as D
from rerating.claims.lexicon import UNNAMED_PEERS_RE, Entry, Lexicon
from rerating.claims.model import (
    EXTREME_IN_PERIOD,
    MOMENT_IN_SESSION,
    RANGE_FROM_PREVIOUS_CLOSE,
    WRITTEN_BEFORE_US_OPEN,
    Claim,
)
from rerating.claims.relative import (
    NOT_MOVES_RE,
    Comparison,
    back_reference,
    find_comparisons,
    is_compared_move,
)
from rerating.claims.text import is_traditional, normalise, sentences
from rerating.claims.windows import (
    TRIGGERS,
    WINDOW_RULES,
    Anchored,
    PerCalendar,
    Window,
    event_window,
)
from rerating.errors import ArticleDateError, RerateError

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MON_EARLY = (
    r"(?P<emon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MAG = {
    "万": 1e4,
    "亿": 1e8,
    "百亿": 1e10,
    "千亿": 1e11,
    "万亿": 1e12,
    "兆": 1e12,
    "trillion": 1e12,
    "tn": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
}
_CUR = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "美元": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "hk$": "HKD",
    "hkd": "HKD",
    "港元": "HKD",
    "港币": "HKD",
    "hong kong dollars": "HKD",
    "hk dollars": "HKD",
    "rmb": "CNY",
    "cny": "CNY",
    "¥": "CNY",
    "元": "CNY",
    "人民币": "CNY",
    "元人民币": "CNY",
    "yuan": "CNY",
}
_FRACTIONS = {"half": 2, "一半": 2, "third": 3, "三分之一": 3, "quarter": 4, "四分之一": 4,
              "fifth": 5, "五分之一": 5, "tenth": 10}
_MAGS = r"万亿|千亿|百亿|亿|万|兆"
_EN_MAGS = r"trillion|billion|million|bn|tn|mn"
# A range's first number never ends a name: "the release of R1 to 60%" is 60%, not 1% to 60%.
_VALUE_RE = re.compile(
    rf"(?P<btw>\bbetween\s+)?(?<![A-Za-z\d.,])(?P<r1>{_NUM})\s*%?\s*(?(btw)and|(?:至|到|-|~|–|—|to))\s*(?P<r2>{_NUM})\s*"
    r"(?:%|percent\b|per\s*cent\b)"
    rf"|(?P<pct>{_NUM})\s*(?:%|percent\b|per\s*cent\b)(?!\s*个百分点)"
    r"|百分之(?P<cnpct>[零一二两三四五六七八九十百点]+)"
    r"|(?P<cheng>[一二两三四五六七八九]|\d)成(?![交本员立为功长熟绩])"
    r"|(?P<double>翻倍|翻了一倍|翻番|doubled)"
    r"|(?P<halved>腰斩|\bhalved\b)"
    # a share of a value in words: "lost a third of their value", "half its market value",
    # "市值蒸发三分之一" (only of a value: "a third of analysts" is no move)
    r"|\b(?:a|one)[\s-](?P<frac>third|quarter|fifth|tenth)(?=\s+of\s+(?:its|their|the)\s+(?:market\s+)?(?:value|worth|capitali[sz]ation)\b)"
    r"|\b(?P<fhalf>half)(?=\s+(?:of\s+)?(?:its|their)\s+(?:market\s+)?(?:value|worth|capitali[sz]ation)\b)"
    r"|(?<=跌去|蒸发|缩水|损失|跌掉)了?(?:近|约|逾|超过)?(?P<cnfrac>三分之一|四分之一|五分之一|一半)"
    rf"|(?P<cur1>US\$|HK\$|\$|RMB|HKD|USD|CNY|¥)\s*(?P<m1>{_NUM})\s*(?P<mag1>{_EN_MAGS}|{_MAGS}|m\b)?"
    rf"|(?P<m2>{_NUM})\s*(?P<mag2>{_MAGS}|{_EN_MAGS})?\s*(?P<cur2>美元|港元|港币|元人民币|人民币|元|"
    r"(?:US |U\.S\. |Hong Kong |HK )?dollars|yuan)"
    r"|(?P<cnm>[上近约超逾])(?P<mag3>万亿|千亿|百亿)(?P<cur3>美元|港元|港币|元|人民币)"
    r"|(?P<cnnum>[一二两三四五六七八九十百千]+)(?P<mag5>万亿|亿)(?P<cur5>美元|港元|港币|元|人民币)"
    rf"|(?P<sh>{_NUM})\s*(?P<shmag>万|亿|million|billion)?\s*(?:股(?![价票市])|手|shares\b)"
    rf"|(?P<m4>{_NUM})\s*(?P<mag4>{_EN_MAGS})\b"
    rf"|(?P<pts>{_NUM})\s*(?P<ptsmag>万)?\s*(?:点|points?\b|pts\b)"
    rf"|(?P<mult>{_NUM})\s*(?:倍|x\b|times\b)"
    # A number ends at a space, a clause's comma or a full stop ("to 19,341.83, and"), not inside
    # a longer one (",3" / ".8": a digit follows).
    rf"|(?:收于|收报|报收|收在)\s*(?P<bare>{_NUM})(?!\d|[,.]\d|\s*(?:%|点|美元|港元|港币|元|倍|亿|万))"
    rf"|(?:closed at|ended at|settled at|finished at)\s+(?P<bare2>{_NUM})(?!\d|[,.]\d|\s*(?:%|points|percent|billion|million))"
    # A level without a unit after a crossing or a move to it ("rose above 22,000", "fell 89
    # points to 6,012", "跌破20000"): an index's, when the subject is an index. Years are not levels.
    r"|(?:\b(?:above|below|past|through|to)|突破|跌破|站上|站稳|失守|重回|升至|涨至|跌至|降至|回落至|反弹至"
    r"|(?<=点)至"  # "跌612点至19341.83": the level a points move ends at
    r"|\b(?:higher|lower)\s+at|(?<=%)\s+at)"  # "closed 1.4% higher at 20,217", "up 1.4% at 20,217"
    r"\s*(?!(?:19|20)\d{2}(?!\d|[,.]\d))(?P<lvl>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{4,}(?:\.\d+)?)"
    r"(?!\d|[,.]\d|\s*(?:%|percent|per\s*cent|points?\b|pts\b|点|年|亿|万|倍|x\b|times\b|shares\b|股|手"
    r"|美元|港元|港币|元|人民币|yuan|dollars|trillion|billion|million|bn\b|tn\b|mn\b|m\b))",
    re.IGNORECASE,
)

_UP = (
    r"涨|升|增|攀|飙|反弹|走高|拉升|扬|翻倍|翻番|\brose\b|\brise[sn]?\b|\brising\b|\bgain(?:ed|s)?\b|\bjump(?:ed|s)?\b"
    r"|\bclimb(?:ed|s)?\b|\bsurg(?:ed|es|e)\b|\bsoar(?:ed|s)?\b|\brall(?:ied|y|ies)\b|\badvanced?\b|\badd(?:ed|ing|s)\b"
    r"|\bgaining\b|\bjumping\b|\bclimbing\b|\bsurging\b|\bsoaring\b|\brallying\b|\badvancing\b"
    r"|\bup\b|\bhigher\b|\bincreas(?:ed?|es)\b|\brebound(?:ed)?\b|\bspiked?\b|\bpopped\b|\bdoubled\b"
    r"|\brecoup(?:ed|ing|s)?\b|\bregain(?:ed|ing|s)?\b|\brecover(?:ed|ing|s)?\b"
    r"|\bgr(?:ew|own|ows?|owing)\s+(?=by\b|\$|US\$|HK\$|\d)|\bswell(?:ed|s)?\b"
)
_DOWN = (
    r"跌|降|挫|蒸发|缩水|减少|下滑|回落|跳水|走低|损失|抹去|闪崩|回调|下探|缩减|腰斩|\bhalved\b|\bfell\b|\bfall(?:s|ing)?\b"
    r"|\bfallen\b|\bslip(?:ped|s)?\b|\bwip(?:e|es|ing)\b|\bdrop(?:ped|s)?\b|\blost\b|\blos(?:e|es|ing)\b|\bslid(?:e|es)?\b|\btumbled?\b|\bplunged?\b|\bsank\b"
    r"|\bsink(?:s)?\b|\bdeclined?\b|\bshed\b|\bdown\b|\blower\b|\bwiped\b|\beras(?:ed?|es|ing)\b|\bslump(?:ed)?\b"
    r"|\bretreated\b|\bdipped\b|\bcrashed\b|\bplummeted\b|\bdecreased?\b|\bshaved\b|\bsell-?off\b|\bloss(?:es)?\b"
    r"|\bshedding\b|\bdropping\b|\bsliding\b|\btumbling\b|\bplunging\b|\bslumping\b|\bsinking\b|\bdeclining\b"
    r"|\bshr(?:ank|unk|inks?|inking)\b"
    r"|\bg(?:ave|ive|ives|iving|iven)\s+back\b|\bpared\b"
)
_UP_RE = re.compile(_UP, re.IGNORECASE)
_DIR_RE = re.compile(f"(?P<up>{_UP})|(?P<down>{_DOWN})", re.IGNORECASE)
_GT_LEFT = re.compile(
    r"(?:超过|超|逾|多于|高于|突破|站上|站稳|重回|至少|不止|不低于|more than|over|above|upwards of|at least"
    r"|in excess of|exceed(?:ed|ing)?|topp?(?:ed|ing)?|surpass(?:ed|ing)?|greater than"
    r"|(?:[a-z]+ed|rose|went|ran)\s+past)\s*(?:了)?\s*"
    r"(?:US\$|HK\$|\$)?$",
    re.IGNORECASE,
)
_APPROX_LEFT = re.compile(
    r"(?:近|将近|接近|约|大约|约为|约合|近乎|几乎|差不多|nearly|almost|about|around|roughly"
    r"|approximately|close to|some|an estimated|estimated|~)\s*(?:了)?\s*(?:US\$|HK\$|\$)?$",
    re.IGNORECASE,
)
_LT_LEFT = re.compile(
    r"(?:不到|不足|低于|少于|未超过|未及|跌破|失守|less than|under|below|fewer than|shy of|short of)\s*"
    r"(?:US\$|HK\$|\$)?$",
    re.IGNORECASE,
)
_GT_TAIL = re.compile(r"^\s*(?:以上|多|有余|or more|plus)", re.IGNORECASE)
_APPROX_TAIL = re.compile(r"^\s*(?:左右|上下)", re.IGNORECASE)

_MCAP_RE = re.compile(
    r"市值|market (?:value|cap)|market capitali[sz]ation|value\b|valuation", re.IGNORECASE
)
# "a $593 billion loss in market value", "a HK$335 billion gain in its market value"
_MCAP_NOUN_TAIL_RE = re.compile(
    r"\s*(?:(?:loss|drop|decline|fall|slide|plunge|slump|wipeout|gain|rise|increase|jump|surge"
    r"|rebound|swing)(?:e?s)?\s+)?(?:(?:in|of)\s+(?:(?:its|their|the\s+company['’]s)\s+)?"
    # "added HK$335 billion to its market value" (to a market value named as the subject's own)
    r"|to\s+(?:its|their|the\s+company['’]s)\s+)market\s+(?:value|cap(?:itali[sz]ation)?)\b",
    re.IGNORECASE,
)
_OWN_MCAP_RE = re.compile(
    r"(?:['’]s?|\s*\([^()]*\)['’]s?)\s*(?:combined\s+|total\s+)?market\s+(?:value|cap(?:itali[sz]ation)?)\b",
    re.IGNORECASE,
)
_WIPE_RE = re.compile(r"蒸发|抹去|\bwip(?:ed?|es|ing)\b|\beras(?:ed?|es|ing)\b|\boff\b", re.IGNORECASE)
_VOLUME_RE = re.compile(r"成交量|成交额|成交|换手|volume|turnover|traded", re.IGNORECASE)
_PRICE_RE = re.compile(
    r"股价|收于|收报|报收|收在|每股|报(?=\s*\d)|报\s*$|closed at|ended at|settled at|per share|a share"
    r"|share price|trading at|traded at|price of",
    re.IGNORECASE,
)
_LEVEL_RE = re.compile(
    r"收于|收报|报收|收在|站上|站稳|报(?=\s*\d)|closed at|ended at|settled at|finished at|at\s*$"
    r"|收盘|level|突破|跌破|失守|reclaimed|topped|hit",
    re.IGNORECASE,
)
_MULTIPLE_RE = re.compile(
    r"市盈率|市净率|市销率|P/?E\b|price[- /]to[- /]earnings|price/earnings|earnings|估值"
    r"|valuation|multiple|PE\b|forward|trailing",
    re.IGNORECASE,
)
_RETURN_WORD_RE = re.compile(r"涨幅|跌幅|回报|收益率?|return", re.IGNORECASE)
# Context that makes a number something other than a market move (checked left of the number,
# within its clause).
_NEG_RE = re.compile(
    r"目标价|目标股价|price target|target price|\btarget|参数|parameter|训练|training|成本|\bcosts?\b|费用"
    r"|下载|download|用户|\busers?\b|营收|收入|revenue|\bsales\b|销售|利润|净利|profit|\bEPS\b|capex"
    r"|资本开支|资本支出|投资(?![者人])|invest(?!ors)|spending|支出|份额|market share|准确率|accuracy"
    r"|得分|分数|\bscores?d?\b|benchmark|基准|MMLU|AIME|token|速度|\bspeed|性能|performance|出货|shipment"
    r"|销量|持股|stake|占比|权重|weighting|预计|预期|预测|forecast|\bexpect|projected|guidance|有望|可能|\bcould\b"
    r"|\bwould\b|\bmay\b|\bmight\b|\bwill\b|将(?=[涨跌上下升增])|potential|upside|隐含|\bimpl(?:ied|ying|ies)\b"
    r"|上调|下调|评级|\brating"
    r"|GDP|通胀|inflation|利率|\byields?\b|收益率|关税|tariff|融资|funding|raised|募资|估值(?!.*市值)|定价|售价"
    r"|\bpriced\b|订阅|subscription|补贴|工资|salary|薪|罚款|\bfine[ds]?\b|市场规模|market size|渗透率"
    r"|penetration|增速|growth rate|同比|按年|按季|按月|year[- ]on[- ]year|year[- ]over[- ]year|环比|quarter"
    r"|季度|毛利|margin|净资产|现金|cash|share of|回购|buyback|repurchase",
    re.IGNORECASE,
)
# After a figure: a change against an earlier period is a company's result ("up 8% from a year
# earlier"), unless the clause names the stock ("shares are up 70% from a year ago").
_RESULT_TAIL_RE = re.compile(
    r"^[^，,；;。]{0,12}?(?:from|than|over|versus|vs\.?)\s+(?:a|the|one)\s+(?:year|quarter)\s+(?:earlier|ago|before)"
    r"|^[^，,；;。]{0,12}?(?:from|than|over)\s+(?:the\s+)?(?:previous|prior|preceding|same)\s+(?:year|quarter|period)"
    r"|^\s*(?:year|quarter)[- ](?:on|over)[- ](?:year|quarter)|^\s*(?:y/y|yoy|q/q)\b",
    re.IGNORECASE,
)
# Company results named between a subject and its figure: "Alibaba said quarterly revenue reached
# 280.2 billion yuan, up 8%", "阿里巴巴季度收入2801.5亿元，按年增长8%".
_RESULT_NOUN_RE = re.compile(
    r"收入|营收|营业额|净利|利润|revenues?|\bsales\b|profits?|earnings|net income|EPS\b",
    re.IGNORECASE,
)
_STOCK_WORD_RE = re.compile(
    r"股价|股票|股份|市值|港股|美股|A股|该股|个股|shares?\b|stocks?\b|ADRs?\b|market (?:value|cap)",
    re.IGNORECASE,
)
_CARRY_RE = re.compile(
    r"该股|其股价|其市值|股价|市值|该公司|这只股票|其美股|其港股|其A股|其ADR|其H股|the stock|its shares|its market"
    r"|shares|the company|\bits\s+(?:American\s+depositary\s+|U\.?S\.?[- ]listed\s+)?(?:ADRs?|ADS|receipts)\b",
    re.IGNORECASE,
)
# Between a subject and the company it is compared with ("Nvidia topped Microsoft", "英伟达市值超越苹果").
_OBJECT_GAP_RE = re.compile(
    r"\s*(?:['’]s)?\s*(?:市值|market (?:value|cap))?\s*(?:已|再次|一度)?\s*(?:topped|overtook|overtaking|overtakes"
    r"|surpass(?:ed|es|ing)?|passed|beat|eclipsed|outpaced|outperformed|outstripped|超越|超过|反超|赶超|跑赢"
    r"|取代)\s*(?:了)?\s*",
    re.IGNORECASE,
)
# What may open a clause that has no subject of its own before its verb ("，跑赢恒指", "，并跑赢")
_SUBJECTLESS_RE = re.compile(r"\s*(?:并且?|且|还|同时|也|均|大幅|明显|显著|and|also)?\s*", re.IGNORECASE)
_CONNECT_RE = re.compile(
    r"^\s*(?:、|,|，|和|与|及|以及|跟|同|and|&|, and|/|或"
    r"|,?\s*(?:together|along)\s+with\s*,?|,?\s*as\s+well\s+as\s*,?)"
    r"(?:\s+the(?=\s))?\s*$",  # "the Hang Seng and the Hang Seng Tech index"
    re.IGNORECASE,
)
# Figures of one list: joined by a connector, each may bring its own verb ("rose 1% and fell 17%").
_VALUE_CONNECT_RE = re.compile(
    rf"^\s*(?:、|,|，|和|与|及|以及|and|, and)\s*(?:(?:{_UP}|{_DOWN})\s*(?:了)?\s*)?$", re.IGNORECASE
)
# A figure for several companies together is one group claim, not one per company.
_COMBINED_RE = re.compile(
    r"\bcombined\b|\btogether\b|\bin total\b|\bcollectively\b|\baltogether\b|合计|共计|总计|合共|一共"
    r"|共(?=[同计]?[蒸损失增跌涨减缩抹])",
    re.IGNORECASE,
)
_RESPECTIVELY_RE = re.compile(r"分别|各自|respectively", re.IGNORECASE)
# A comma ends a clause unless it separates thousands (1,300 / 22,620).
_CLAUSE_RE = re.compile(r"[，；;：:]|,(?!\d{3}(?!\d))")
_QUAL = (
    (
        re.compile(
            r"美股|美国上市|在美上市|纽约|ADR|ADS|美国存托|U\.?S\.?[- ]?(?:listed|shares|stock|listing|trading)"
            r"|American deposit|New York|NYSE",
            re.IGNORECASE,
        ),
        "XNYS",
    ),
    (
        # (a Hong Kong stock name's share-class marker after its Chinese name: 理想汽车-W, 蔚来-SW)
        re.compile(
            r"港股|香港|H股|港交所|Hong Kong|HK[- ]listed|\bHK\b(?!\$)"
            r"|(?<=[\u4e00-\u9fff])[-－](?:SW|W|S|B)(?![A-Za-z])",
            re.IGNORECASE,
        ),
        "XHKG",
    ),
    (
        re.compile(
            r"A股|沪市|深市|科创板|创业板|上交所|深交所|Shanghai[- ](?:listed|traded)|Shanghai\s+(?:shares|stock)"
            r"|\bin\s+Shanghai\b|Shenzhen|A-share",
            re.IGNORECASE,
        ),
        "XSHG",
    ),
)
_CROSS_RE = re.compile(
    r"(?:跌破|突破|站上|站稳|重回|失守|回到|\bbelow|\babove|\btopp?(?:ed|ing)?|surpass(?:ed|ing)?"
    r"|\bcrossed|back above|back below|(?:[a-z]+ed|rose|went|ran)\s+past)\s*(?:了)?\s*(?:US\$|HK\$|\$)?$",
    re.IGNORECASE,
)
# A move *to* a figure names where it ended, a level ("市值跌至2.9万亿美元", "fell to about $2.9
# trillion"), not the size of the move.
_TO_LEVEL_RE = re.compile(
    r"(?:至|到|(?<!\bup )\bto)\s*(?:了)?\s*(?:a\s+(?:new\s+)?(?:record|all-time\s+high|high)(?:\s+of)?\s*)?"
    r"(?:近|约|大约|接近|about|around|roughly|nearly|almost"
    r"|approximately|some|an estimated)?\s*(?:US\$|HK\$|\$)?$",
    re.IGNORECASE,
)
_FROM_RE = re.compile(
    r"(?:从|由|\bfrom)\s*(?:[^，,。\d]{0,8})?(?:约|近|about|around|roughly)?\s*(?:US\$|HK\$|\$)?$",
    re.IGNORECASE,
)
_ASOF_RE = re.compile(
    r"(?:截至|截止到?|as of|through)\s*(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]"
    rf"|(?:as of|through)\s+{_MON_EARLY}\.?\s+(?P<ed>\d{{1,2}})"
    # "as of Friday's close", "截至上周五收盘": that weekday (the last one on or before the article)
    r"|\bas of\s+(?P<elast>last\s+)?(?P<ewd>Monday|Tuesday|Wednesday|Thursday|Friday)(?:['’]s)?\s+close\b"
    r"|(?:截至|截止到?)\s*(?P<zlast>上)?(?:周|星期)(?P<zwd>[一二三四五])收盘"
    # "截至1月底", "as of the end of January": the month's last day
    r"|(?:截至|截止到?)\s*(?:(?P<zey>\d{4})年)?(?P<zemo>\d{1,2})月(?:底|末)"
    r"|\b(?:as of|through|by)\s+the\s+end\s+of\s+(?P<eemon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?"
    r"|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b",
    re.IGNORECASE,
)
# A high or low inside a session, not its close-to-close move: 盘中, 一度, intraday, at one point,
# and "as much as" / "as high as" / "as low as" written before the figure ("down as much as 13%").
_INTRADAY_RE = re.compile(
    r"(?P<pre>(?:\bby\s+)?\bas\s+(?:much|high|low)\s+as\b)"
    r"|盘中|(?<![\d个天一二三四五六七八九十])日内|一度|早盘|午盘|午间|早市|午市|\bintraday\b"
    r"|\bat one (?:point|stage)\b"
    r"|\bin early trading\b|\bearlier in the session\b",
    re.IGNORECASE,
)
# Between a figure and an English marker written after it that is still the figure's ("down 18%
# at one point", "rose 5% in early trading"): no verb, no conjunction ("fell 17% and at one point
# was down 18%": the marker is the next figure's).
_MARK_AFTER_GAP_RE = re.compile(r"[^,;:]{0,24}")
_MARK_GAP_BREAK_RE = re.compile(
    rf"\b(?:and|but|then|before|after|while|when|until|to|clos\w*|end\w*|finish\w*|settl\w*)\b|{_UP}|{_DOWN}",
    re.IGNORECASE,
)


# Trading outside the regular session: daily bars cannot check it (the figure is kept, unverifiable).
_OFF_SESSION_RE = re.compile(
    r"(?<!美股开)盘前|(?<!收)盘后|暗盘|夜盘|(?<!美股)开市前|\bpre-?market\b|\bafter[- ]hours?\b|\bextended[- ]hours\b"
    r"|\bextended trading\b|\b(?:before|after) the (?:opening |closing )?bell\b|\bovernight trading\b"
    r"|\b(?:before|ahead of) the (?:market )?open\b|\bbefore (?:the )?markets? open(?:s|ed)?\b",
    re.IGNORECASE,
)
# A moment of the session, not its extreme ("早盘涨3%", "午盘涨6.2%"); with an extreme marker
# in the clause ("早盘一度涨5%") the figure is the extreme.
_MOMENT_RE = re.compile(r"早盘|午盘|午间|早市|午市")
_EXTREME_RE = re.compile(
    r"盘中|(?<![\d个天一二三四五六七八九十])日内|一度|最高|最低|\bas\s+(?:much|high|low)\s+as\b"
    r"|\bintraday\b|\bat one (?:point|stage)\b",
    re.IGNORECASE,
)
OFF_SESSION_NOTE = "outside the regular session (pre-market, after-hours or grey market)"
# Before New York opens ("up 40% year to date before the U.S. open", "美股开盘前"): outside the
# session of a New York listing only; a Hong Kong close of that day is already in.
_US_PRE_OPEN_RE = re.compile(
    r"\b(?:before|ahead of)\s+(?:the\s+)?(?:U\.?S\.?|New York|Wall Street|American)\s+"
    r"(?:(?:stock\s+)?markets?\s+|(?:trading\s+)?session\s+)?open(?:s|ed|ing)?\b|美股(?:开盘|开市)前",
    re.IGNORECASE,
)
US_PRE_OPEN_NOTE = "outside the regular session (before the U.S. open)"
# "Apple and its peers fell 3%": checked on the named company; the others cannot be.
UNNAMED_PEERS_NOTE = "checked for the named company only: the others in the figure are unnamed"


# The note on every relative_return claim, after "against <comparator> (<its listings>)".
RELATIVE_NOTE = (
    "the subject's return minus the comparator's over the same window, each on its own calendar "
    "from the close before the window, in percentage points"
)
# "Hong Kong tech beat the Nasdaq": the sector as reporters name it, read as its index (not
# "Hong Kong tech stocks", a group of companies).
_HK_TECH_RE = re.compile(
    r"\bHong\s+Kong\s+tech(?:nology)?(?:\s+(?:index|sector))?\b(?!\s*(?:stocks|shares|companies|firms"
    r"|giants|names|megacaps|heavyweights|groups?)\b)",
    re.IGNORECASE,
)
HK_TECH_NOTE = "'Hong Kong tech' read as the Hang Seng TECH Index (HSTECH)"
CARRIED_NOTE = "subject carried from an earlier sentence"
# A comparison whose subject is a pronoun opening its sentence ("They outperformed the Hang Seng
# Index by 8 points"): the verb and its index comparator say a stock is meant, so the previous
# sentence's subject is carried (a single move needs a stock word: _CARRY_RE).
# The whole text before the verb is then the reference, with at most a few words of time or
# degree: "They", "Its shares have", "其股价本周"; not "Power shares" nor "It was a day when
# shares in Hong Kong", whose subject is unnamed (no claim).
_REL_CARRY_RE = re.compile(
    r"\s*(?:(?:but|and|so|yet|still|meanwhile|overall)\s*,?\s+)?"
    r"(?:they|it|(?:its|their|the\s+(?:company|group)['’]s)\s+(?:[\w.-]+\s+){0,2}?"
    r"(?:shares|stocks?|ADRs?|ADSs?)|the\s+(?:stock|shares|company)|this\s+stock)\b"
    r"(?:(?!\b(?:shares|stocks?|names|companies|firms|index|market|sector|when|which|that|who|was|were"
    r"|is|are|be)\b)[^,;:，；：])*"
    r"|\s*(?:(?:而|但|同时|此外|另外)\s*，?\s*)?(?:其(?:股价|美股|港股|A股|ADR|H股)?|该股|该公司(?:股价)?"
    r"|这只股票|公司股价|股价)(?:(?!股|指|板块|公司|企业|市场)[^，,；;：:]){0,12}",
    re.IGNORECASE,
)


_URL_RE = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+", re.IGNORECASE)


@dataclass
class _Value:
    start: int
    end: int
    unit: str  # pct | money | points | x | shares | price
    amount: float
    currency: str | None = None
    low: float | None = None
    high: float | None = None
    forced_cmp: str | None = None
    direction: str | None = None
    resolution: float = 1.0  # one unit of the last digit stated ("143.62亿" -> 1e6)
    notes: list[str] = field(default_factory=list)


class Extractor:
    """Holds the compiled lexicon (security master + catalog) and extracts claims from texts.

    Parameters
    ----------
    securities : SecurityMaster, optional
        Defaults to :func:`rerating.data.securities.load_securities`.
    catalog : EventCatalog, optional
        Events an article may anchor a window on ("R1发布一周后"). Defaults to the bundled catalog
        when it can be loaded; without one, event-anchored windows are not recognised.
    """

    def __init__(self, securities: Any = None, catalog: Any = None) -> None:
        if securities is None:
            from rerating.data.securities import load_securities

            securities = load_securities()
        if catalog is None:
            catalog = _default_catalog(securities)
        self.securities = securities
        self.catalog = catalog
        self.lexicon = Lexicon(securities, catalog)
        self._listings: dict[str, Any] = {}  # symbol -> listing, as the master answers

    def _sec(self, symbol: str) -> Any:
        """The master's listing for ``symbol``, looked up once (each lookup normalises the
        symbol again: 5-6% of the extractor's time on the development set)."""
        sec = self._listings.get(symbol)
        if sec is None:
            sec = self._listings[symbol] = self.securities.get(symbol)
        return sec

    # ------------------------------------------------------------------------------------------
    def extract(self, text: str, article_date: Any = None) -> list[Claim]:
        """Claims in ``text`` (see :func:`extract_claims`)."""
        ref = None
        if article_date is not None:
            from rerating.claims.article import parse_date

            ref = parse_date(article_date, "article_date")
        norm = normalise(text)
        claims: list[Claim] = []
        state = _State(traditional=is_traditional(text, norm))
        for s, e in _join_list_items(norm, sentences(norm)):
            line = norm.rfind("\n", 0, s) + 1
            item = bool(_ITEM_RE.match(norm, line))
            if item and line != state.item_line:
                # A list item or table row is dated by the list's caption (or the sentence
                # before the list), not by the item before it.
                state.carry = state.lead
            state.item_line = line if item else None
            row = _markdown_row(norm, s, e) if item else None
            if row is not None:
                claims.extend(self._table_row(text, s, e, *row, ref, state))
            else:
                claims.extend(self._sentence(text, norm, s, e, ref, state))
            if not item:
                state.lead = state.carry
                state.caption = norm[s:e]
        return claims

    def _table_row(
        self,
        text: str,
        s0: int,
        e0: int,
        header: list[str],
        cells: list[str],
        ref: pd.Timestamp | None,
        state: _State,
    ) -> list[Claim]:
        """The claims of a Markdown table row: each figure read with its column's header, as the
        sentence "name (other cells) header: figure" ("| 阿里巴巴 | 20.3% |" under "| 公司 | 周涨幅 |"
        is "阿里巴巴 周涨幅: 20.3%"; under "Change since Jan. 20", "+40.2%" is a move since Jan. 20;
        the colon keeps "Jan. 20: -12.1%" from reading as a range from 20 to 12.1%).
        An unsigned figure under a change ("涨跌幅", "change", "return") or a date ("Jan. 27",
        "年初至今") is a rise, as tables write it. Each column starts from the window the row had
        (the caption's), not the column's before it; a caption that names one market ("港股...")
        picks the rows' listings there. The claims keep the row as their sentence."""
        figures = [j for j, cell in enumerate(cells) if _values(cell)]
        words = [cell for j, cell in enumerate(cells) if j not in figures and cell]
        if not figures or not words:
            return []
        name = words[0] + (f" ({', '.join(words[1:])})" if len(words) > 1 else "")
        # one market named in the caption ("港股科技股周涨幅：") is the rows' listings' market
        markets = {cal: m.group(0) for rx, cal in _QUAL for m in rx.finditer(state.caption)}
        if len(markets) == 1:
            name = f"{next(iter(markets.values()))} {name}"
        carry, out = state.carry, []
        for j in figures:
            cell = cells[j]
            if re.match(r"\d", cell) and (
                _CHANGE_HEADER_RE.search(header[j]) or self._windows(header[j], ref, state)
            ):
                cell = "+" + cell  # an unsigned change in a table (or a move on a date) is a rise
            sent = f"{name} {header[j]}: {cell}"
            state.carry = carry
            for claim in self._sentence(sent, sent, 0, len(sent), ref, state):
                out.append(replace(claim, sentence=text[s0:e0], span=(s0, e0)))
        return out

    # ------------------------------------------------------------------------------------------
    def _sentence(
        self, text: str, norm: str, s0: int, e0: int, ref: pd.Timestamp | None, state: _State
    ) -> list[Claim]:
        # A link is not prose: "https://example.com/9988.HK/涨5%" names no subject and no figure.
        sent = _URL_RE.sub(lambda m: " " * len(m.group(0)), norm[s0:e0])
        values = _values(sent)
        windows = self._windows(sent, ref, state)
        ents, state.rejected = self.lexicon.entities_and_rejected(sent)
        # The window a sentence without its own date takes: the one the last market claim used
        # (a wire story dates its first claim only), or the date of a sentence with no figures
        # ("美股科技股周一遭遇重挫。"); a sentence whose figures are not market claims (capex
        # "this year") hands on nothing.
        prev_windows = [state.carry] if state.carry is not None else []
        relative = self._relative_claims(text, sent, s0, e0, ents, windows, prev_windows, ref, state)
        if relative:
            # The gap's figure ("by 30 points", "5个百分点") is the comparison's, no move's
            taken = [(a, b) for a, b, _ in relative]
            values = [v for v in values if not any(a < v.end and v.start < b for a, b in taken)]
            if not values:
                if state.used is not None:
                    state.carry, state.used = state.used, None
                return [c for _, _, c in relative]
        if not values:
            if ref is not None and _US_PRE_OPEN_RE.search(sent):
                days = [w.build(None).get("date") for w in windows if w.is_day]
                if all(d == D.iso(ref) for d in days):
                    # "Analyst note, Monday, February 24, 2025, before the U.S. open.": what the
                    # article says runs to the New York close before that day
                    state.before_us_open = D.iso(ref)
            if windows:
                state.carry = windows[-1]
            elif re.search(r"[:：]\s*$", sent):
                state.carry = None  # an undated caption ("Key moments:") dates nothing after it
            if ents:
                state.set_subject([ents[-1]], text, s0)
            return []
        if not ents and state.subject is None:
            return []
        clauses = [0] + [m.end() for m in _CLAUSE_RE.finditer(sent) if not _from_level_after(sent, m, values)]
        clauses.append(len(sent) + 1)
        respectively = bool(_RESPECTIVELY_RE.search(sent))
        groups = _value_groups(sent, values)
        heads, chain_ends = _gapped_chains(sent, groups, ents, windows)
        out: list[Claim] = []
        used_subject: list[tuple[int, int, Entry]] | None = None
        carried_used = False
        # each name's listings as its claims here narrowed them (None: two different ways)
        narrowed: dict[str, tuple[str, ...] | None] = {}
        for gi, group in enumerate(groups):
            first = group[0]
            subject, carried = self._subject(sent, ents, first.start, state)
            if subject is None:
                continue
            if not carried and _peers_lead(sent, values, subject[-1][1], first.start):
                continue  # "Nvidia fell 3% and its peers fell 5%": the 5% is not Nvidia's
            if carried and not _CARRY_RE.search(sent):
                continue
            # "Nvidia and other chipmakers fell 3%": the figure is Nvidia's too, with unnamed others
            peers = None if carried else UNNAMED_PEERS_RE.match(sent, subject[-1][1])
            if peers is not None and peers.end() > group[0].start:
                peers = None
            # (after the unnamed others: "Apple, together with its suppliers, fell 3%" is Apple's)
            combined = (
                not carried
                and (len(subject) > 1 or peers is not None)
                and bool(
                    _COMBINED_RE.search(
                        sent,
                        subject[0][0] if peers is None else peers.end(),
                        _next_boundary(sent, group[-1].end),
                    )
                )
            )
            if combined:
                # "lost a combined $1 trillion": one figure for the group, no single listing's
                pairs = [(subject[0], v) for v in group]
            elif respectively and len(subject) > 1 and len(group) == len(subject):
                pairs = list(zip(subject, group, strict=True))
            elif len(group) == 1 or len(subject) == 1:
                pairs = [(ent, v) for v in group for ent in subject]
            else:
                pairs = [(subject[min(i, len(subject) - 1)], v) for i, v in enumerate(group)]
            for ent, v in pairs:
                surface = (
                    state.surface(subject.index(ent))
                    if carried
                    else text[s0 + ent[0] : s0 + ent[1]]
                )
                claim = self._claim(
                    text,
                    sent,
                    s0,
                    e0,
                    clauses,
                    ent,
                    v,
                    surface,
                    windows,
                    prev_windows,
                    ref,
                    carried,
                    group,
                    values,
                    heads[gi],
                    chain_ends[gi],
                    state,
                )
                if claim is not None and combined:
                    names = [text[s0 + a : s0 + b] for a, b, _ in subject]
                    listed = [sym for _, _, e in subject for sym in e.symbols]
                    last, others = subject[-1][1], ""
                    if peers is not None:  # "Nvidia and other chipmakers lost a combined $1 trillion"
                        last = len(sent[: peers.end()].rstrip(" ,，"))
                        others = text[s0 + subject[-1][1] : s0 + last].strip(" ,，")
                        others = (" " if others.isascii() else "") + others
                    claim = replace(
                        claim,
                        entity=text[s0 + subject[0][0] : s0 + last],
                        symbols=(),
                        notes=(
                            *claim.notes,
                            f"combined figure of {', '.join(names)}{others} ({' '.join(listed)})",
                        ),
                    )
                elif claim is not None and peers is not None:
                    claim = replace(claim, notes=(*claim.notes, UNNAMED_PEERS_NOTE))
                if claim is not None:
                    out.append(claim)
                    used_subject, carried_used = subject, carried
                    key = ent[2].surface_key
                    mine = claim.symbols if set(claim.symbols) < set(ent[2].symbols) else None
                    narrowed[key] = mine if narrowed.get(key, mine) == mine else None
        if state.used is not None:
            state.carry, state.used = state.used, None
        if used_subject is not None:
            if not carried_used:
                state.set_subject(used_subject, text, s0, narrowed)
        elif ents:
            state.set_subject([ents[-1]], text, s0)
        return [*out, *(c for _, _, c in relative)]

    # ------------------------------------------------------------------------------------------
    def _relative_claims(
        self,
        text: str,
        sent: str,
        s0: int,
        e0: int,
        ents: list[tuple[int, int, Entry]],
        windows: list[Window],
        prev_windows: list[Window],
        ref: pd.Timestamp | None,
        state: _State,
    ) -> list[tuple[int, int, Claim]]:
        """``relative_return`` claims of the sentence ("Alibaba outperformed the Hang Seng Index
        by 5 percentage points this week"), each with its figure's span.

        A list of subjects ("Alibaba and Tencent outperformed ...") gives one claim per subject,
        sharing the gap, as a list shares a move's figure; "They outperformed ..." / 其股价 takes
        the previous sentence's subject (noted); "the broader market" / 大盘 is each listing's
        default benchmark (noted).
        """
        out: list[tuple[int, int, Claim]] = []
        if not ents and state.subject is None:
            return out
        clauses = [0] + [m.end() for m in _CLAUSE_RE.finditer(sent)] + [len(sent) + 1]
        for c in find_comparisons(sent, ents):
            found = self._relative_subject(sent, ents, c, state)
            if found is None:
                continue
            subject, note, carried = found
            cs = max(x for x in clauses if x <= c.start)
            ce = min(x for x in clauses if x > c.start) - 1
            first = cs if carried else min(cs, subject[0][0])
            if NOT_MOVES_RE.search(sent, first, ce + 1) or NOT_MOVES_RE.search(
                _lead_clause(sent, first)
            ):
                continue  # a gap of market shares or growth rates ("在市场份额上，"), not of returns
            made = 0
            for i, ent in enumerate(subject):
                claim = self._relative_claim(
                    text, sent, s0, e0, c, ent, note, carried, cs, ce, windows, prev_windows,
                    ref, state, state.surface(i) if carried else text[s0 + ent[0] : s0 + ent[1]],
                )  # fmt: skip
                if claim is not None:
                    out.append((c.start, c.end, claim))
                    made += 1
            if made and not carried:
                state.set_subject(subject, text, s0)
        return out

    def _relative_claim(
        self,
        text: str,
        sent: str,
        s0: int,
        e0: int,
        c: Comparison,
        ent: tuple[int, int, Entry],
        note: str | None,
        carried: bool,
        cs: int,
        ce: int,
        windows: list[Window],
        prev_windows: list[Window],
        ref: pd.Timestamp | None,
        state: _State,
        surface: str,
    ) -> Claim | None:
        """One subject's ``relative_return`` claim of the comparison ``c``; None when the market
        is the comparator and no listing of the subject has a default benchmark (an index)."""
        v = _Value(c.start, c.end, "pct", c.amount, resolution=c.resolution)
        # a carried subject takes its listing qualifier from this sentence (其港股), as a move's
        symbols = self._symbols(ent[2], sent, (cs, cs, ent[2]) if carried else ent, v, cs)
        if carried:
            symbols = _carried_listings(ent[2], symbols, state)
        notes = [] if note is None else [note]
        if carried:
            notes.append(CARRIED_NOTE)
        vs_name = text[s0 + c.versus[0] : s0 + c.versus[1]]
        if c.market:
            # The market has no series of its own: each listing against its default benchmark
            # (9988.HK -> ^HSI, BABA -> ^GSPC); an index has none, so it gives no claim.
            symbols = [x for x in symbols if self._sec(x).benchmark]
            if not symbols:
                return None
            benches = list(dict.fromkeys(self._sec(x).benchmark for x in symbols))
            versus_symbols = tuple(benches)
            for x in symbols:
                b = self._sec(x).benchmark
                notes.append(
                    f"'{vs_name}' read as {x}'s default benchmark, "
                    f"{self._sec(b).name} ({b})"
                )
        else:
            versus = c.versus[2]
            versus_symbols = tuple(versus.symbols)
            if len(symbols) > 1:
                # "Alibaba outperformed the Hang Seng Index": the listing on the comparator's market
                same = [x for x in symbols if self._sec(x).calendar in versus.calendars]
                symbols = same or symbols
        window, chosen = self._pick_window(
            sent, windows, prev_windows, v, cs, ce, _calendar_hint(symbols, self.securities), ref
        )
        if chosen is not None and chosen.carries:
            state.used = chosen
        if window.get("base") == "previous_close":
            window = {k: x for k, x in window.items() if k != "base"}
            notes.append(RANGE_FROM_PREVIOUS_CLOSE)
        listed = [*symbols, *versus_symbols]
        if (
            state.before_us_open is not None
            and state.before_us_open == window.get("end", window.get("date"))
            and any(self._sec(x).calendar == "XNYS" for x in listed)
        ):
            notes.append(f"{WRITTEN_BEFORE_US_OPEN} {state.before_us_open}")
        amount, cmp = c.amount, c.comparator
        if not c.up:  # underperformed by 16 points: -16; "by more than 16": lt -16
            amount, cmp = -amount, {"gt": "lt", "lt": "gt"}.get(cmp, cmp)
        notes.append(f"against {vs_name} ({' '.join(versus_symbols)}): {RELATIVE_NOTE}")
        return Claim(
            sentence=text[s0:e0],
            span=(s0, e0),
            entity=surface,
            symbols=tuple(symbols),
            metric="relative_return",
            window=window,
            value={
                "amount": float(amount),
                "unit": "pct",
                "currency": None,
                "resolution": float(c.resolution),
                "text": text[s0 + c.start : s0 + c.end],
            },
            comparator=cmp,
            notes=tuple(notes),
            versus=versus_symbols,
            versus_entity=vs_name,
            article_date=None if ref is None else D.iso(ref),
        )

    def _relative_subject(
        self, sent: str, ents: list[tuple[int, int, Entry]], c: Comparison, state: _State
    ) -> tuple[list[tuple[int, int, Entry]], str | None, bool] | None:
        """The subjects of a comparison, a note, and whether they were carried.

        The name before the verb, in the same clause (a participle, "..., outperforming the index
        by 5 points", reaches one clause back), with the names listed before it ("Alibaba and
        Tencent"); "Hong Kong tech" alone is read as the Hang Seng TECH Index, with a note; with no
        name before the verb in the sentence, a pronoun opening it ("They") or a stock word (其股价,
        its shares) takes the previous sentence's subject. None: no subject.
        """
        breaks = [m.end() for m in _CLAUSE_RE.finditer(sent, 0, c.verb_start)]
        keep = 2 if c.participle else 1
        lo = breaks[-keep] if len(breaks) >= keep else 0
        before = [t for t in ents if lo <= t[0] and t[1] <= c.verb_start]
        if not before and keep == 1 and breaks and _SUBJECTLESS_RE.fullmatch(sent, lo, c.verb_start):
            # a clause that opens with the verb continues the one before: "腾讯本周上涨7%，跑赢
            # 恒指3个百分点" (as a participle does: "..., outperforming the index")
            lo = breaks[-2] if len(breaks) >= 2 else 0
            before = [t for t in ents if lo <= t[0] and t[1] <= c.verb_start]
        hits = list(_HK_TECH_RE.finditer(sent, lo, c.verb_start))
        m = hits[-1] if hits else None
        if m is not None and (not before or before[-1][1] <= m.start()):
            try:
                sec = self._sec("HSTECH")
            except (KeyError, RerateError):
                return None
            entry = Entry(m.group(0).casefold(), (sec.symbol,), "index", (sec.calendar,))
            return [(m.start(), m.end(), entry)], HK_TECH_NOTE, False
        if not before:
            lead = sent[: c.verb_start]
            if (
                state.subject is not None
                and not any(t[1] <= c.verb_start for t in ents)
                and _REL_CARRY_RE.fullmatch(lead)
            ):
                return state.subject, None, True
            return None
        if c.verb_start - before[-1][1] > 60:
            return None
        group = [before[-1]]
        i = len(before) - 2
        while i >= 0 and _CONNECT_RE.match(_strip_qual(sent[before[i][1] : group[0][0]])):
            group.insert(0, before[i])  # "Alibaba and Tencent outperformed": both, as for a move
            i -= 1
        return group, None, False

    # ------------------------------------------------------------------------------------------
    def _subject(
        self, sent: str, ents: list[tuple[int, int, Entry]], pos: int, state: _State
    ) -> tuple[list[tuple[int, int, Entry]] | None, bool]:
        before = [t for t in ents if t[1] <= pos]
        ref = back_reference(sent[before[-1][1] : pos]) if before else None
        if ref == "former" and len(before) >= 2:
            return [before[-2]], False  # "阿里巴巴跑赢恒指，前者上涨5%": the first of the two
        if ref is None and len(before) >= 2 and is_compared_move(
            sent, before[-2][1], before[-1][:2], pos
        ):
            # "阿里巴巴周五跑赢恒指大涨14.6%": the comparator is the verb's object; the move after
            # it is the subject's (as "跑赢大盘涨6.2%", where no name stands between)
            before.pop()
        while (
            ref is None
            and len(before) >= 2
            and _OBJECT_GAP_RE.fullmatch(sent, before[-2][1], before[-1][0])
        ):
            # "Nvidia topped Microsoft ... with a market cap of": Microsoft is the object; not
            # "跑赢恒指，后者上涨3%" or "beat Microsoft, which rose 3%", which are Microsoft's
            before.pop()
        if before and any(before[-1][1] <= a and b <= pos for a, b in state.rejected):
            # "..., while Apple bucked the trend, rising 3.2%": the figure is the word's, whose
            # name was not taken for the company; it is not an earlier name's.
            return None, False
        if before and _unknown_name_leads(sent, before[-1][1], pos):
            # "沪指收涨1.27%，北证50涨3%": the figure is an index's the lexicon does not know,
            # not the earlier name's
            return None, False
        if before:
            group = [before[-1]]
            i = len(before) - 2
            while (
                i >= 0
                and _CONNECT_RE.match(_strip_qual(sent[before[i][1] : group[0][0]]))
                # "跑赢恒指，恒指上涨3%": a name said again starts a clause, it is not a list
                and _named(before[i][2]) not in {_named(e) for _, _, e in group}
            ):
                group.insert(0, before[i])
                i -= 1
            if len(group) > 1 and i >= 0 and _OBJECT_GAP_RE.fullmatch(sent, before[i][1], group[0][0]):
                # The list starts with what a name "topped" / "超越": with a clause break before
                # the figure, the list is all objects and the figure the comparer's ("Nvidia
                # topped Microsoft and Apple in market value, rising 3%"); without, the last
                # names start a clause of their own ("Nvidia topped Microsoft and Apple rose 3%").
                if _CLAUSE_RE.search(sent, group[-1][1], pos):
                    return [before[i]], False
                return group[1:], False
            return group, False
        clause_end = _next_boundary(sent, pos)
        after = [t for t in ents if t[0] >= pos and t[1] <= clause_end]
        if after:
            return [after[0]], False
        if state.subject is not None and (not ents or _CARRY_RE.search(sent, 0, pos)):
            # "The stock closed up 6.3%, while the Hang Seng Index gained 3.7%": the names after
            # the figure's clause are other subjects; the stock word before it is the last one's
            return state.subject, True
        return None, False

    # ------------------------------------------------------------------------------------------
    def _claim(
        self,
        text: str,
        sent: str,
        s0: int,
        e0: int,
        clauses: list[int],
        ent: tuple[int, int, Entry],
        v: _Value,
        surface: str,
        windows: list[Window],
        prev_windows: list[Window],
        ref: pd.Timestamp | None,
        carried: bool,
        group: list[_Value],
        values: list[_Value],
        head: tuple[_Value, tuple[int, int, Entry]] | None = None,
        chain_end: _Value | None = None,
        state: _State | None = None,
    ) -> Claim | None:
        entry = ent[2]
        cs = max(c for c in clauses if c <= v.start)
        ce = min(c for c in clauses if c > v.start) - 1
        # Left context: from the clause start (or the subject, when it sits in the same clause)
        # to the first value of the list this value belongs to.
        lstart = cs
        if not carried and ent[1] > cs and ent[1] <= group[0].start:
            lstart = ent[0]
        left = sent[lstart : group[0].start]
        left_full = sent[cs : group[0].start]
        if head is not None:
            # "Nvidia fell 17%, Broadcom 17.4%": the verb (and the rest of the context) of the
            # list's first figure is left out of the later ones.
            hv, hent = head
            hcs = max(c for c in clauses if c <= hv.start)
            hl = hent[0] if hcs < hent[1] <= hv.start else hcs
            left, left_full = sent[hl : hv.start], sent[hcs : hv.start]
        tail = sent[v.end : min(ce, v.end + 16)]
        if _NEG_RE.search(left_full):
            return None
        clause = sent[cs:ce]
        if not _STOCK_WORD_RE.search(clause) and (
            _RESULT_TAIL_RE.search(sent[v.end : ce + 1])
            or (not carried and ent[1] <= cs and _result_before(sent, ent[1], cs))
        ):
            # "revenue reached 280.2 billion yuan, up 8% from a year earlier": a result's growth
            return None
        if _FROM_RE.search(left) and any(
            w.start > v.end and w.start < ce and w.unit == v.unit for w in values
        ):
            return (
                None  # "从9倍升至14倍": the starting level is context, the claim is the end level
            )
        if (
            _FROM_VALUE_BEFORE_RE.search(sent, 0, v.start)
            and any(u.end <= v.start and u.unit == v.unit for u in values)
            and not any(_figure_dated_by(sent, w, values) == v.start for w in windows)
        ):
            # "fell to $2.9 trillion on Monday, from $3.5 trillion": a starting level without a
            # date of its own is context (the sentence's date is the end level's)
            return None
        direction = v.direction or _direction(left, tail)
        k = next(i for i, w in enumerate(group) if w is v)
        if k and not v.direction:
            # "rose 1% and fell 17%": a figure of a list takes the verb written just before it
            own = _DIR_RE.search(sent[group[k - 1].end : v.start])
            if own is not None:
                direction = "up" if own.group("up") else "down"
        if (
            direction is None
            and not carried
            and ent[1] <= v.start
            and re.fullmatch(r"\s*(?:or|即|或)?\s*", left)
        ):
            # "rose 289 points, or 0.7%": the verb sits in the clause before.
            direction = _direction(sent[ent[1] : v.start], "")
        metric, unit = self._metric(entry, v, left_full, tail, direction, sent, ent, cs)
        if metric is None:
            return None
        comparator = v.forced_cmp or _comparator(
            sent[max(0, v.start - 24) : v.start], tail, direction
        )
        amount, low, high = v.amount, v.low, v.high
        if not math.isfinite(amount):
            warnings.warn(
                f"ignored the figure {text[s0 + v.start : s0 + v.end][:24]!r}: too large to be a number",
                UserWarning,
                stacklevel=2,
            )
            return None
        signed = metric in ("price_return", "market_cap_change", "index_return")
        if signed and direction == "down":
            amount, low, high = (
                -amount,
                (None if high is None else -high),
                (None if low is None else -low),
            )
            if comparator in ("gt", "lt"):
                comparator = "lt" if comparator == "gt" else "gt"
        if low is not None:
            comparator = "approx"
        symbols = self._symbols(entry, sent, (cs, cs, entry) if carried else ent, v, cs)
        if carried and state is not None:
            symbols = _carried_listings(entry, symbols, state)
        if not carried and not entry.ticker and ent[1] <= group[0].start:
            # "Alibaba's U.S. and Hong Kong shares rose 9% and 12%", "阿里巴巴美股与港股分别上涨
            # 9%和12%": the k-th figure is the k-th market's; one figure is both markets'
            cals = _listing_list(sent[ent[1] : group[0].start])
            if len(cals) > 1 and len(group) in (1, len(cals)):
                want = set(cals) if len(group) == 1 else {cals[k]}
                home = self._symbols(replace(entry, ticker=True), sent, ent, v, cs)  # home first
                picked = [x for x in home if _market(x, self.securities) in want]
                if len(group) == 1 and {_market(x, self.securities) for x in picked} != want:
                    picked = []  # a market the company is not listed in: keep the usual reading
                symbols = picked or symbols
        if unit in ("price", "money") and v.currency == "CNY" and sent[v.start : v.end].endswith("元"):
            # A bare 元 is the listing's own dollar: Hong Kong press quote HK prices and values in
            # 元 ("收報138.5元", "成交額逾400億元"); so does any text for a price of a company with
            # no yuan-quoted listing.
            ccys = {self._sec(x).currency for x in symbols}
            trad = state is not None and state.traditional
            if "HKD" in ccys and (trad or (unit == "price" and "CNY" not in ccys)):
                v = replace(v, currency="HKD")
        if len(symbols) > 1 and (
            (unit == "price" and v.currency)
            or (metric == "market_cap_change" and _picks_listing(sent, v))
        ):
            # A traded price in HK$ is the Hong Kong listing's, in US$ the ADR's; so is a change
            # of market value in HK$ or "US$" among a company's exchange listings (an OTC ADR is
            # no second listing; "$", 美元 and 人民币 are how media state any company's value).
            secs = [self._sec(s) for s in symbols]
            same = [
                x.symbol
                for x in secs
                if x.currency == v.currency
                and (unit == "price" or not any(y.exchange.startswith("OTC") for y in secs))
            ]
            symbols = same or symbols
        cal_hint = _calendar_hint(symbols, self.securities)
        intraday = _intraday_marked(sent, values, group, cs, ce)
        # "从1月的17倍升至22倍", "to 22 times from 17 times in January": January is the 17's
        dated = [w for w in windows if _figure_dated_by(sent, w, values) in (None, v.start)]
        window, chosen = self._pick_window(
            sent, dated, prev_windows, v, cs, ce, cal_hint, ref, chain_end, intraday
        )
        if chosen is not None and state is not None:
            if chosen.per_calendar and window.get("date"):
                # "春节后首个交易日，沪指跌0.65%。港股当日...": the phrase is resolved on the
                # calendar of the market it was said of; later sentences carry that date.
                day = str(window["date"])
                chosen = Window(
                    chosen.start, chosen.end, lambda _cal: {"type": "day", "date": day}, True
                )
                state.last_day = window["date"]
            if chosen.carries:  # "全周累升857点" dates no later sentence
                state.used = chosen
        notes = list(v.notes)
        if window.get("base") == "previous_close":
            window = {k: x for k, x in window.items() if k != "base"}
            notes.append(RANGE_FROM_PREVIOUS_CLOSE)
        if (
            window.get("type") == "intraday"
            and _MOMENT_RE.search(sent, cs, ce + 1)
            and not _EXTREME_RE.search(sent, cs, ce + 1)
        ):
            notes.append(MOMENT_IN_SESSION)
        if intraday and chosen is not None and window.get("type") == "unspecified":
            # "年内一度跌超5%", "has fallen as much as 20% this year": a high or low inside a
            # period, which its closes at both ends do not give
            notes.append(EXTREME_IN_PERIOD)
        lead = _figureless_lead(sent, values, cs)
        if _OFF_SESSION_RE.search(sent, cs, ce + 1) or _OFF_SESSION_RE.search(lead):
            notes.append(OFF_SESSION_NOTE)
        elif (
            _US_PRE_OPEN_RE.search(sent, cs, ce + 1) or _US_PRE_OPEN_RE.search(lead)
        ) and any(self._sec(x).calendar == "XNYS" for x in symbols):
            notes.append(US_PRE_OPEN_NOTE)
        elif (
            state is not None
            and state.before_us_open is not None
            and state.before_us_open == window.get("end", window.get("date"))
            and any(self._sec(x).calendar == "XNYS" for x in symbols)
        ):
            notes.append(f"{WRITTEN_BEFORE_US_OPEN} {state.before_us_open}")
        if carried:
            notes.append(CARRIED_NOTE)
        if unit == "pct" and amount <= -100:
            notes.append(f"implausible: a fall of {amount}% (a price cannot fall 100% or more)")
        if unit == "pct" and abs(amount) > 1000:
            notes.append(f"implausible: a move of {amount}% in one claim")
        if unit == "money" and abs(amount) > 1e14:
            notes.append(f"implausible: {amount:.3g} exceeds any listed company's value")
        value: dict[str, Any] = {
            "amount": float(amount),
            "unit": unit,
            "currency": v.currency if unit in ("money", "price") else None,
            "resolution": float(v.resolution),
            "text": text[s0 + v.start : s0 + v.end],
        }
        if low is not None:
            value["low"], value["high"] = float(low), float(high)  # type: ignore[arg-type]
        return Claim(
            sentence=text[s0:e0],
            span=(s0, e0),
            entity=surface,
            symbols=tuple(symbols),
            metric=metric,
            window=window,
            value=value,
            comparator=comparator,
            notes=tuple(notes),
            article_date=None if ref is None else D.iso(ref),
        )

    def _metric(
        self,
        entry: Entry,
        v: _Value,
        left: str,
        tail: str,
        direction: str | None,
        sent: str,
        ent: tuple[int, int, Entry],
        cs: int,
    ) -> tuple[str | None, str]:
        mcap = bool(_MCAP_RE.search(left)) or bool(
            re.match(
                r"^\s*(?:的)?(?:市值|in market value|of market value"
                r"|in market cap|off)",
                tail,
                re.I,
            )
        )
        if not mcap and v.unit == "pct":
            # "lost 17% (a fifth) of its market value", as 市值蒸发17%
            mcap = bool(_MCAP_NOUN_TAIL_RE.match(sent, v.end, _next_boundary(sent, v.end)))
        if not mcap and v.unit == "money":
            after = sent[v.end : _next_boundary(sent, v.end)]
            mcap = bool(_MCAP_NOUN_TAIL_RE.match(after)) or (
                # "added HK$335 billion to Alibaba's market value": the company after the figure
                ent[0] >= v.end
                and bool(re.fullmatch(r"\s*(?:to|from|off|of)\s*", sent[v.end : ent[0]], re.I))
                and bool(_OWN_MCAP_RE.match(sent, ent[1]))
            )
        is_index = entry.kind == "index"
        if v.unit == "pct":
            if direction is None and not _RETURN_WORD_RE.search(left):
                return None, "pct"
            if _VOLUME_RE.search(left):
                return "volume", "pct"
            if mcap:
                return "market_cap_change", "pct"
            return ("index_return" if is_index else "price_return"), "pct"
        cross = bool(_CROSS_RE.search(left))
        if v.unit == "money":
            if mcap or (_WIPE_RE.search(left + tail) and direction == "down"):
                if (
                    cross
                    or direction is None
                    or _TO_LEVEL_RE.search(left)
                    or re.search(r"达到|达|为|reach|hit|at\s*$", left[-6:], re.I)
                    # "fell to $2.9 trillion from $3.5 trillion": where the move started
                    or _FROM_VALUE_BEFORE_RE.search(left)
                ):
                    return "market_cap_level", "money"
                return "market_cap_change", "money"
            if _VOLUME_RE.search(left):
                return "volume", "money"
            # "surged 14.6% to HK$138.50": a move of a stock *to* a price names where it closed
            moved_to = direction is not None and bool(_TO_LEVEL_RE.search(left))
            if (_PRICE_RE.search(left) or moved_to) and abs(v.amount) < 1e6:
                return "close_price", "price"
            return None, "money"
        if v.unit == "price":
            return ("index_level", "points") if is_index else ("close_price", "price")
        if v.unit == "level":
            return ("index_level", "points") if is_index else (None, v.unit)
        if v.unit == "points":
            if not is_index:
                return None, "points"
            if (
                direction is not None
                and not cross
                and not _TO_LEVEL_RE.search(left)  # "跌89点至6012点": the level it fell to
                and not re.search(
                    r"收于|收报|报收|closed at|ended at|finished at|at\s*$", left[-12:], re.I
                )
            ):
                return "index_return", "points"
            if (
                cross
                or _LEVEL_RE.search(left)
                or _TO_LEVEL_RE.search(left)
                or re.search(r"指数.{0,4}$|报\s*$", left)
            ):
                return "index_level", "points"
            return None, "points"
        if v.unit == "x":
            if _MULTIPLE_RE.search(left) or _MULTIPLE_RE.search(tail):
                return "valuation_multiple", "x"
            return None, "x"
        if v.unit == "shares":
            if _VOLUME_RE.search(left) or _VOLUME_RE.search(tail):
                return "volume", "shares"
            return None, "shares"
        return None, v.unit

    def _symbols(
        self, entry: Entry, sent: str, ent: tuple[int, int, Entry], v: _Value, cs: int
    ) -> list[str]:
        # Home listing first: Hong Kong, then Shanghai/Shenzhen, then US (ADRs).
        order = {"XHKG": 0, "XSHG": 1, "XNYS": 2}
        symbols = sorted(entry.symbols, key=lambda s: order.get(self._sec(s).calendar, 3))
        if len(symbols) <= 1 or entry.ticker:  # listings named by their tickers are the ones meant
            return symbols
        # The market named nearest the number wins ("港股收涨8.4%，美股盘前涨逾7%"), else one
        # named next to the entity ("阿里巴巴美股 ..., 市值增加 ...").
        for near in (
            # within the figure's clause: "港股收涨逾14%，美股涨约5.7%" gives 14% to Hong Kong
            sent[
                max(cs, ent[1] if ent[1] <= v.start else cs) : min(
                    v.end + 14, _next_boundary(sent, v.end)
                )
            ],
            sent[_near_start(sent, ent[0]) : min(len(sent), ent[1] + 8)],
            # a subject after its figure: the rest of its clause ("added HK$335 billion to
            # Alibaba's market value in Hong Kong")
            sent[ent[1] : _next_boundary(sent, ent[1])] if ent[0] >= v.end else "",
            # a market set at the head of the sentence, before any name or figure: "In Hong
            # Kong, Alibaba rose 6.3% and Tencent 7.4%", "港股方面，阿里巴巴涨6.3%"
            _lead_clause(sent, min(ent[0], v.start)),
        ):
            best: tuple[int, str] | None = None
            for rx, cal in _QUAL:
                for m in rx.finditer(near):
                    if best is None or m.start() > best[0]:
                        best = (m.start(), cal)
            if best is not None:
                cal = best[1]
                if cal == "XSHG":
                    picked = [s for s in symbols if s.endswith((".SS", ".SZ"))]
                else:
                    picked = [s for s in symbols if self._sec(s).calendar == cal]
                if picked:
                    return picked
        return symbols

    # ------------------------------------------------------------------------------------------
    def _pick_window(
        self,
        sent: str,
        windows: list[Window],
        prev: list[Window],
        v: _Value,
        cs: int,
        ce: int,
        cal: str | None,
        ref: pd.Timestamp | None,
        chain_end: _Value | None = None,
        intraday: bool = False,
    ) -> tuple[dict[str, Any], Window | None]:
        chosen: Window | None = None
        in_clause = [w for w in windows if w.end > cs and w.start < ce]
        if in_clause:
            chosen = min(in_clause, key=lambda w: min(abs(w.end - v.start), abs(w.start - v.end)))
        else:
            before = [w for w in windows if w.end <= v.start]
            trailing = _trailing_window(sent, windows, v)
            if trailing is None and chain_end is not None:
                # "Nvidia fell 17%, Broadcom 17.4% and TSMC 13.3% on Monday": the list's date
                trailing = _trailing_window(sent, windows, chain_end)
            if before:
                chosen = before[-1]
            elif trailing is not None:
                chosen = trailing
            elif prev:
                chosen = prev[-1]
        win = chosen.build(cal) if chosen is not None else {"type": "unspecified"}
        # "截至2月14日收盘 ... 近20个交易日": the window ends on the stated date, not the article's.
        asof = _ASOF_RE.search(sent)
        if (
            asof
            and "end" in win
            and win.get("type") in ("sessions", "days", "ytd", "since_event", "range", "from_extreme")
        ):
            try:
                win = {**win, "end": _asof_date(asof, ref)}
            except Exception:  # noqa: BLE001 - an unparseable "as of" leaves the window alone
                pass
        if intraday:
            # 盘中 / intraday / as much as is a session's high or low: on the day named or carried
            # from an earlier sentence; with no date in the article so far, the article's own day
            # (a same-day market report); under another window (年内, this week) no one session
            # (the caller notes why).
            if win.get("type") == "day":
                win = {"type": "intraday", "date": win["date"]}
            elif chosen is None:
                win = {"type": "intraday", "date": D.iso(D.need(ref, "intraday"))}
            else:
                win = {"type": "unspecified"}
        return win, chosen

    # ------------------------------------------------------------------------------------------
    def _windows(self, sent: str, ref: pd.Timestamp | None, state: _State) -> list[Window]:
        found: list[Window] = []
        taken: list[tuple[int, int]] = []

        def add(
            m_start: int,
            m_end: int,
            build: Callable[[str | None], dict[str, Any]],
            is_day: bool = False,
            anchor: Any = None,
            carries: bool = True,
            per_calendar: bool = False,
        ) -> None:
            if any(s < m_end and m_start < e for s, e in taken):
                return
            taken.append((m_start, m_end))
            found.append(Window(m_start, m_end, build, is_day, anchor, carries, per_calendar))

        # Event anchors first (they contain numbers that look like dates or sessions).
        for es, ee, eid in self.lexicon.find_events(sent):
            w = event_window(sent, es, ee, eid, ref)
            if w is not None:
                add(w[0], w[1], w[2])
        # Rules run in order (an earlier rule wins an overlap); a rule runs only when one of its
        # trigger substrings occurs, which skips most of them on most sentences.
        folded = sent.casefold()
        for (rx, maker), triggers in zip(WINDOW_RULES, TRIGGERS, strict=True):
            for t in triggers:  # (a loop, not any() over a generator: twice as fast here)
                if t in folded:
                    break
            else:
                continue
            for m in rx.finditer(sent):
                try:
                    built = maker(m, ref, state)
                except ArticleDateError:
                    raise
                except ValueError:  # "2月30日": no such day, so no window from it
                    continue
                if built is None:
                    continue
                if isinstance(built, Anchored):
                    add(m.start(), m.end(), _unresolved, built.is_day, built.anchor, built.carries)
                    continue
                if isinstance(built, PerCalendar):
                    add(m.start(), m.end(), built.build, per_calendar=True)
                    continue
                build, is_day = built
                add(m.start(), m.end(), build, is_day)
        found.sort(key=lambda w: w.start)
        found = _since_event_takes_its_date(sent, _dates_over_weekdays(sent, found))
        # Windows relative to the last day named ("当日", "a day earlier", "全周") resolve in text
        # order: a day named earlier in the same sentence counts.
        kept: list[Window] = []
        for w in found:
            if w.anchor is not None:
                built_anchor = w.anchor(state.last_day)
                if built_anchor is None:
                    continue
                w.build, w.anchor = built_anchor, None
            kept.append(w)
            if w.is_day:
                try:
                    day = w.build(None)
                except Exception:  # noqa: BLE001 - calendar-dependent days are resolved later
                    continue
                if day.get("type") == "day":
                    state.last_day = day["date"]
        return kept


@dataclass
class _State:
    """What a sentence hands to the next: its subject (as written), the window its last claim
    used, the last day named."""

    subject: list[tuple[int, int, Entry]] | None = None
    subject_surface: list[str] = field(default_factory=list)
    carry: Window | None = None  # the window a sentence without a date takes
    used: Window | None = None  # the window the current sentence's last claim used
    lead: Window | None = None  # the carried window before a list's items
    caption: str = ""  # the last sentence before a list's items (a table's caption)
    item_line: int | None = None  # start of the list item / table row being read
    last_day: str | None = None
    traditional: bool = False  # the article is in traditional characters (Hong Kong, Taiwan)
    before_us_open: str | None = None  # the article's date, when it says it was written before the U.S. open
    rejected: list[tuple[int, int]] = field(default_factory=list)  # this sentence's word-names
    # the listings the subject's claims were narrowed to ("阿里巴巴港股": 9988.HK), by name
    narrowed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def set_subject(
        self,
        subject: list[tuple[int, int, Entry]],
        text: str,
        s0: int,
        narrowed: dict[str, tuple[str, ...] | None] | None = None,
    ) -> None:
        self.subject = subject
        self.subject_surface = [text[s0 + a : s0 + b] for a, b, _ in subject]
        self.narrowed = {k: v for k, v in (narrowed or {}).items() if v}

    def surface(self, i: int) -> str:
        return self.subject_surface[i] if i < len(self.subject_surface) else ""


_FROM_BEFORE_RE = re.compile(r"(?:从|自|由|较|較)\s*$")
_OF_AFTER_RE = re.compile(r"\s*(?:时的|時的|的)\s*")
_FROM_VALUE_BEFORE_RE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_IN_BEFORE_RE = re.compile(r"\s+(?:(?:in|on|at|as of)\s+)?$", re.IGNORECASE)  # (or in the window)


_FROM_LEVEL_RE = re.compile(r"\s*(?:(?:up|down)\s+)?from\s+", re.IGNORECASE)


def _from_level_after(sent: str, mark: re.Match[str], values: list[_Value]) -> bool:
    """Whether the comma ``mark`` only sets off where a level came from ("rose to 12 times, up from
    8 times in January", "fell to $2.9 trillion on Monday, from $3.5 trillion on Friday"): a
    multiple after a multiple, or a sum after a sum, the same measure's starting level. The clause
    then runs on, so the starting level takes the metric and the subject of the level before, as
    it does without the comma."""
    lead = _FROM_LEVEL_RE.match(sent, mark.end())
    if mark.group(0) != "," or lead is None:
        return False
    after = next((v for v in values if v.start == lead.end()), None)
    before = [v for v in values if v.end <= mark.start() + 1]
    return (
        after is not None
        and bool(before)
        and before[-1].unit == after.unit
        and after.unit in ("x", "money")
    )


def _figure_dated_by(sent: str, w: Window, values: list[_Value]) -> int | None:
    """The start of the figure that ``w`` dates alone, as where a move started from ("从1月的17倍
    升至22倍", "rose to 22 times from 17 times in January": January is the 17's, not the 22's), or
    None when it dates the sentence."""
    if _FROM_BEFORE_RE.search(sent, 0, w.start):
        of = _OF_AFTER_RE.match(sent, w.end)
        if of is not None:
            return next((v.start for v in values if v.start == of.end()), None)
    lead = _IN_BEFORE_RE.search(sent, 0, w.start)
    if lead is not None and (lead.end() > lead.start() + 1 or re.match(r"(?:in|on|at)\s", sent[w.start :])):
        for v in values:
            # (a sum of money's text runs on to the space after it: "HK$80 in January")
            if len(sent[: v.end].rstrip()) == lead.start() and _FROM_VALUE_BEFORE_RE.search(sent, 0, v.start):
                return v.start
    return None


_WEEKDAY_TEXT_RE = re.compile(
    r"(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"|(?:周|星期|礼拜|禮拜)[一二三四五六日天1-7]",
    re.IGNORECASE,
)
_APPOSITION_RE = re.compile(r"[\s,，(（]*")


def _dates_over_weekdays(sent: str, found: list[Window]) -> list[Window]:
    """A weekday and a date side by side ("on Monday, Jan. 27", "1月27日（周一）") are one day: the
    date's, which stays right when the article was written weeks later (the weekday alone is read
    as the last such day before the article date). The two become one window over both."""
    out: list[Window] = []
    for w in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.anchor is None
            and w.anchor is None
            and prev.is_day
            and w.is_day
            and _APPOSITION_RE.fullmatch(sent, prev.end, w.start)
        ):
            weekday = [x for x in (prev, w) if _WEEKDAY_TEXT_RE.fullmatch(sent, x.start, x.end)]
            if len(weekday) == 1:
                date = w if weekday[0] is prev else prev
                out[-1] = replace(date, start=prev.start, end=w.end)
                continue
        out.append(w)
    return out


def _since_event_takes_its_date(sent: str, found: list[Window]) -> list[Window]:
    """"Since DeepSeek's R1 model was released on Jan. 20, ...": the date in the phrase is the
    event's, not a day of its own for the figures after it; one window over both."""
    out: list[Window] = []
    for w in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and w.is_day
            and w.anchor is None
            and prev.anchor is None
            and not _CLAUSE_RE.search(sent, prev.end, w.start)
            and w.start - prev.end <= 40
        ):
            try:
                kind = prev.build(None).get("type")
            except Exception:  # noqa: BLE001 - calendar-dependent windows are resolved later
                kind = None
            if kind == "since_event":
                out[-1] = replace(prev, end=w.end)
                continue
        out.append(w)
    return out


def _scaled(number: float, magnitude: float) -> float:
    """``number * magnitude`` without binary noise: "HK$4.1 trillion" is 4.1e12, not
    4099999999999.9995 (what is written has far fewer than 12 significant digits)."""
    return float(f"{number * magnitude:.12g}")


def _carried_listings(entry: Entry, symbols: list[str], state: _State) -> list[str]:
    """A carried subject's listings: those its earlier claims were narrowed to ("阿里巴巴港股周一
    上涨3%。该股周二又涨5%。": still the Hong Kong listing), unless this sentence names a market of
    its own (``symbols`` then a part of the company's listings: "其美股")."""
    if set(symbols) != set(entry.symbols):
        return symbols
    return list(state.narrowed.get(entry.surface_key, symbols))


def _named(entry: Entry) -> tuple[str, ...]:
    """What a name stands for: its listings, or the name itself when it has none."""
    return entry.symbols or (entry.surface_key,)


def _result_before(sent: str, start: int, clause_start: int) -> bool:
    """A company result stated with its figure in an earlier clause of ``sent[start:clause_start]``
    ("revenue reached 280.2 billion yuan, | up 8%"); "whose revenue beat estimates, | rose 8%"
    states none."""
    last = None
    for m in _RESULT_NOUN_RE.finditer(sent, start, clause_start):
        last = m
    return last is not None and bool(re.search(r"\d", sent[last.end() : clause_start]))


def _intraday_marked(
    sent: str, values: list[_Value], group: list[_Value], cs: int, ce: int
) -> bool:
    """Whether an intraday marker of the figure's clause is this figure's (or its list's).

    A marker belongs to one figure of the clause, not to all of them ("closed down 17% after
    falling as much as 18%": the 17% is the close): "as much as" to the figure it precedes; an
    English marker written right after a figure ("down 18% at one point") to that figure; any
    other to the next figure, else the one before ("盘中一度跌超13%", "一度大涨13%后收涨8%").
    """
    inside = [w for w in values if cs <= w.start and w.end <= ce + 1]
    for m in _INTRADAY_RE.finditer(sent, cs, ce + 1):
        after = [w for w in inside if w.start >= m.end()]
        before = [w for w in inside if w.end <= m.start()]
        target: _Value | None = None
        if m.group("pre"):
            target = after[0] if after else None
        elif (
            before
            and m.group(0)[0].isascii()
            and _MARK_AFTER_GAP_RE.fullmatch(sent, before[-1].end, m.start())
            and not _MARK_GAP_BREAK_RE.search(sent, before[-1].end, m.start())
        ):
            target = before[-1]
        elif after:
            target = after[0]
        elif before:
            target = before[-1]
        if target is not None and any(target is w for w in group):
            return True
    return False


def _unresolved(_cal: str | None) -> dict[str, Any]:
    raise AssertionError("an anchored window is resolved before it is built")


def _asof_date(m: re.Match[str], ref: pd.Timestamp | None) -> str:
    if m.group("ewd") or m.group("zwd"):
        base = D.need(ref, m.group(0))
        if m.group("zwd"):
            wd = D.WEEKDAYS_ZH[m.group("zwd")]
            if m.group("zlast"):
                return D.iso(D.previous_week_day(base, wd))
            return D.iso(D.weekday_before(base, wd, strictly=False))
        wd = D.WEEKDAYS_EN[m.group("ewd").casefold()]
        return D.iso(D.weekday_before(base, wd, strictly=bool(m.group("elast"))))
    if m.group("mo"):
        y = int(m.group("y")) if m.group("y") else None
        return D.month_day(int(m.group("mo")), int(m.group("d")), y, ref)
    if m.group("zemo") or m.group("eemon"):
        base = D.need(ref, m.group(0))
        mo = int(m.group("zemo")) if m.group("zemo") else D.MONTHS[m.group("eemon").casefold()]
        return D.iso(D.month_end(mo, int(m.group("zey")) if m.group("zey") else None, base))
    return D.month_day(D.MONTHS[m.group("emon").casefold()], int(m.group("ed")), None, ref)


# What may sit between a figure and a date set off by commas after it: "17% and 13%,
# respectively, on Monday", "612 points, or 3.1%, on Monday".
_TRAILING_GAP_RE = re.compile(
    r"(?:[\s,，]|\brespectively\b|分别|\bor\b|\band\b|\bon\b|\bin\b|\bfor\b|\bduring\b|[-\d.,]+\s*"
    rf"(?:%|percent\b|points?\b)|{_UP}|{_DOWN})*",
    re.IGNORECASE,
)


def _trailing_window(sent: str, windows: list[Window], v: _Value) -> Window | None:
    """A date written after the figure in its own comma-set clause, with nothing else between."""
    after = [w for w in windows if w.start >= v.end]
    if not after:
        return None
    w = after[0]
    if not _TRAILING_GAP_RE.fullmatch(sent, v.end, w.start):
        return None
    rest = sent[w.end : _next_boundary(sent, w.end)]
    return w if re.fullmatch(r"[\s.。!?！？]*", rest) else None


# Between the figures of a list whose later items leave out the verb: a connector, one name and
# what may follow a name ("Nvidia fell 17%, Broadcom 17.4% and TSMC 13.3%"; "英伟达跌17%，博通17.4%").
_GAP_PRE_RE = re.compile(
    r"\s*(?:[,，、;；]\s*(?:(?:and|while|whereas|和|与|及|以及|而)\s+)?"
    r"|(?:and|&|while|whereas)\s+|(?:和|与|及|以及|而)\s*)",
    re.IGNORECASE,
)
# (a comma may stand for the verb left out: "Tencent rose 3% and Alibaba, 5%")
_GAP_POST_RE = re.compile(r"\s*(?:shares|stock|股价|股票)?\s*,?\s*", re.IGNORECASE)


# A list item after a semicolon that leaves its verb out: a name, maybe a comma, and a per-cent
# figure ("; Alibaba, 5%", "；阿里巴巴5%", "; and Baidu, 2%.")
_VERBLESS_ITEM_RE = re.compile(
    r"(?:and\s+|以及|和|及)?[^\s\d,，;；%][^\d,，;；%]{0,40}?[,，]?\s*[-+−]?\d[\d.,]*\s*%\s*[;；。.]?",
    re.IGNORECASE,
)


def _join_list_items(norm: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with each verbless list item after a semicolon joined to the sentence before it:
    "Tencent rose 3%; Alibaba, 5%; and Baidu, 2%." is one sentence, so that the items take the
    first figure's verb and date (a semicolon otherwise ends a sentence)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and norm[out[-1][1] - 1] in ";；" and _VERBLESS_ITEM_RE.fullmatch(norm, s, e):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _gapped_chains(
    sent: str,
    groups: list[list[_Value]],
    ents: list[tuple[int, int, Entry]],
    windows: list[Window],
) -> tuple[list[tuple[_Value, tuple[int, int, Entry]] | None], list[_Value | None]]:
    """For each value group: the first figure (and its subject) of the list it continues without a
    verb, and the last figure of that list; None for groups outside such a list. An item may
    bring its own date ("Nvidia rose 3% on Tuesday, Apple 2% on Wednesday"; "苹果周三2%")."""
    heads: list[tuple[_Value, tuple[int, int, Entry]] | None] = [None] * len(groups)
    ends: list[_Value | None] = [None] * len(groups)
    start = 0
    for i in range(1, len(groups) + 1):
        if i < len(groups):
            a, b = groups[i - 1][-1].end, groups[i][0].start
            inside = [t for t in ents if a <= t[0] and t[1] <= b]
            if inside:
                a = _skip_date(sent, windows, a, inside[0][0])
            if (
                len(inside) == 1
                and groups[i][0].unit == groups[start][0].unit
                and _GAP_PRE_RE.fullmatch(sent, a, inside[0][0])
                and _GAP_POST_RE.fullmatch(
                    _strip_qual(_without_dates(sent, windows, inside[0][1], b))
                )
            ):
                continue
        if i - 1 > start:
            first = groups[start][0]
            before = [t for t in ents if t[1] <= first.start]
            if before:
                for j in range(start, i):
                    ends[j] = groups[i - 1][-1]
                    if j > start:
                        heads[j] = (first, before[-1])
        start = i
    return heads, ends


def _skip_date(sent: str, windows: list[Window], a: int, b: int) -> int:
    """``a`` moved past a date written right after it ("3% on Tuesday, ..."), when the date ends
    before ``b``; else ``a``."""
    for w in windows:
        gap = sent[a : w.start]
        if a <= w.start and w.end <= b and re.fullmatch(r"\s*(?:on|in|during)?\s*", gap):
            return w.end
    return a


def _without_dates(sent: str, windows: list[Window], a: int, b: int) -> str:
    """``sent[a:b]`` with the dates inside it cut out ("苹果周三2%": the gap is "")."""
    cut = [w for w in windows if a <= w.start and w.end <= b]
    parts, pos = [], a
    for w in cut:
        parts.append(sent[pos : w.start])
        pos = w.end
    return "".join(parts) + sent[pos:b]


def _picks_listing(sent: str, v: _Value) -> bool:
    """A money figure in a currency that names one market: HK$ / 港元 / 港币, or "US$" written out."""
    return v.unit == "money" and (
        v.currency == "HKD" or (v.currency == "USD" and "US$" in sent[v.start : v.end].upper())
    )


def _figureless_lead(sent: str, values: list[_Value], cs: int) -> str:
    """The sentence's opening clause ("Before the U.S. open on Monday,", "In premarket trading,")
    when it holds no figure and the figure's clause, starting at ``cs``, comes right after it and
    states no close ("周一开盘前，阿里巴巴宣布回购，股价收涨5%": the open dates the announcement);
    else an empty string."""
    m = _CLAUSE_RE.search(sent)
    if (
        m is None
        or m.end() != cs
        or any(w.start < m.start() for w in values)
        or _CLOSE_WORD_RE.search(sent, cs, _next_boundary(sent, cs))
    ):
        return ""
    return sent[: m.start()]


_CLOSE_WORD_RE = re.compile(
    r"收盘|收涨|收跌|收报|收于|收升|收低|收高|clos(?:ed|ing)|ended|finished|settled",
    re.IGNORECASE,
)


def _lead_clause(sent: str, limit: int) -> str:
    """The sentence's short opening clause ("In Hong Kong,", "港股方面，") when it ends before
    ``limit`` and holds no figure; else an empty string."""
    m = _CLAUSE_RE.search(sent)
    if m is None or m.end() > limit or m.start() > 30 or re.search(r"\d", sent[: m.start()]):
        return ""
    return sent[: m.start()]


# Two markets of one company written as a list before its figures: "U.S. and Hong Kong shares",
# "ADRs and Hong Kong shares", "美股与港股", "港股和美股".
_QUAL_WORD = (
    r"(?:美股|美国|ADRs?|ADSs?|U\.?S\.?(?:[- ]listed)?|New York(?:[- ]listed)?|NYSE(?:[- ]listed)?"
    r"|港股|香港|H股|Hong Kong(?:[- ]listed)?|HK(?:[- ]listed)?|A股|A-shares?|Shanghai(?:[- ]listed)?)"
)
_QUAL_LIST_RE = re.compile(
    rf"(?<![A-Za-z]){_QUAL_WORD}(?:\s*(?:shares|stocks?|listings?))?"
    rf"(?:\s*(?:,\s*(?:and\s+)?|\band\b|&|与|和|及|、)\s*{_QUAL_WORD}(?![A-Za-z]))+",
    re.IGNORECASE,
)


def _listing_list(gap: str) -> list[str]:
    """The calendars of a list of markets in ``gap``, in order ("U.S. and Hong Kong shares" ->
    XNYS, XHKG); empty unless they are distinct."""
    m = _QUAL_LIST_RE.search(gap)
    if m is None:
        return []
    cals: list[str] = []
    for w in re.finditer(_QUAL_WORD, m.group(0), re.IGNORECASE):
        word = w.group(0).casefold()
        if word.startswith(("港", "香", "h", "hk")):
            cals.append("XHKG")
        elif word.startswith(("a股", "a-", "shanghai")):
            cals.append("XSHG")
        else:
            cals.append("XNYS")
    return cals if len(set(cals)) == len(cals) else []


def _market(symbol: str, securities: Any) -> str:
    """The market of a listing as :func:`_listing_list` names it (Shenzhen counts as XSHG)."""
    return "XSHG" if symbol.endswith((".SS", ".SZ")) else str(securities.get(symbol).calendar)


# Unnamed companies as the subject of a later figure: "..., and its peers fell 5%", "while
# other chipmakers lost 6%", "，同行则下跌5%".
_PEERS_SUBJECT_RE = re.compile(
    r"\b(?:its|their)\s+(?:[A-Za-z][\w-]*\s+){0,2}?(?:peers|rivals|competitors|counterparts)\b"
    r"|\bother\s+(?:[A-Za-z][\w-]*\s+){0,2}?(?:peers|rivals|competitors|[a-z]*makers|stocks|names"
    r"|companies|firms)\b|\b(?:peers|rivals|competitors)\s+(?:fell|rose|lost|gained|dropped|were|slid"
    r"|climbed|jumped|declined|added|shed)\b|同行|同业|竞争对手|其他(?:[\u4e00-\u9fff]{0,4}?)(?:公司|企业|厂商|巨头)",
    re.IGNORECASE,
)


def _peers_lead(sent: str, values: list[_Value], subject_end: int, pos: int) -> bool:
    """Whether unnamed companies are the subject of the figure at ``pos``: they stand after an
    earlier figure of the subject, between it and this one."""
    earlier = [w.end for w in values if subject_end <= w.start and w.end <= pos]
    return bool(earlier) and _PEERS_SUBJECT_RE.search(sent, max(earlier), pos) is not None


def _near_start(sent: str, start: int) -> int:
    """Where the text next to a name begins, a few characters before it, but not before a
    parenthesis closed there: "腾讯控股(00700.HK)和阿里巴巴" names no market for 阿里巴巴 (the
    ticker in the parentheses is Tencent's)."""
    lo = max(0, start - 6)
    closed = max(sent.rfind(")", lo, start), sent.rfind("）", lo, start))
    return lo if closed < 0 else closed + 1


def _strip_qual(gap: str) -> str:
    # "Alibaba (NYSE: BABA) and Nvidia": a ticker in parentheses does not break a list; nor does
    # a Hong Kong stock name's share-class marker ("小鹏汽车-W和蔚来-SW": weighted voting rights,
    # a secondary listing, a biotech)
    # (but a figure in parentheses is the name's before it: "Tencent (+3%) and Alibaba (+5%)")
    return re.sub(
        r"美股|港股|A股|ADR|的|['’]s\b|^[-－](?:SW|W|S|B)(?![A-Za-z])"
        r"|[(（](?![^()（）]*(?:%|％|涨|跌|\bup\b|\bdown\b))[^()（）]*[)）]",
        "",
        gap,
        flags=re.IGNORECASE,
    )


# A name the lexicon does not know opening a clause, before its figure: an index ("北证50",
# "深证成指", "中证1000", "恒生综指") followed by a verb or a figure.
_NAME_HAN = r"(?:(?![收涨跌升降报增减约达为至于在])[\u4e00-\u9fff])"
_UNKNOWN_NAME_RE = re.compile(
    rf"\s*(?:{_NAME_HAN}{{1,6}}(?:指数|成指|综指|科指|指)|{_NAME_HAN}{{2,6}}\d{{2,4}}(?![\d.]))"
    r"(?:指数)?\s*(?=收|涨|跌|升|降|上涨|下跌|大涨|大跌|微涨|微跌|报)"
)


def _unknown_name_leads(sent: str, subject_end: int, pos: int) -> bool:
    """Whether the clause of the figure at ``pos`` opens with an unknown index name, and the
    subject found before it lies in an earlier clause."""
    cs = max((m.end() for m in _CLAUSE_RE.finditer(sent, 0, pos)), default=0)
    return subject_end <= cs and bool(
        _UNKNOWN_NAME_RE.match(sent, cs) or _UNKNOWN_EN_INDEX_RE.match(sent, cs, pos)
    )


# "..., while the tech index gained 2.4%": an index the lexicon does not know, as the subject
# of the figure's clause
_UNKNOWN_EN_INDEX_RE = re.compile(
    r"\s*(?:while|and|but|whereas)?\s*the\s+(?:[A-Za-z-]+\s+){0,3}?(?:index|gauge|benchmark)\b",
    re.IGNORECASE,
)


def _next_boundary(sent: str, pos: int) -> int:
    m = _CLAUSE_RE.search(sent, pos)
    return m.start() if m else len(sent)


def _direction(left: str, tail: str) -> str | None:
    last = None
    for m in _DIR_RE.finditer(left):
        last = m
    if last is not None:
        return "up" if last.group("up") else "down"
    first = _DIR_RE.search(tail[:12])
    if first:
        return "up" if first.group("up") else "down"
    return None


def _comparator(left: str, tail: str, direction: str | None) -> str:
    left = left.rstrip()
    if _APPROX_LEFT.search(left) or _APPROX_TAIL.search(tail):
        return "approx"
    if _LT_LEFT.search(left):
        return "lt"
    if _GT_LEFT.search(left) or _GT_TAIL.search(tail):
        return "gt"
    return "eq"


def _calendar_hint(symbols: list[str], securities: Any) -> str | None:
    cals = [securities.get(s).calendar for s in symbols]
    for pref in ("XHKG", "XSHG", "XNYS"):
        if pref in cals:
            return pref
    return None


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _res(number: str, mag: float = 1.0) -> float:
    """One unit of the last stated digit: "6.7" -> 0.1, "143.62" x 1e8 -> 1e6, "589" x 1e9 -> 1e9."""
    number = number.replace(",", "")
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    return 10.0**-decimals * mag


def _values(sent: str) -> list[_Value]:
    out: list[_Value] = []
    for m in _VALUE_RE.finditer(sent):
        g = m.groupdict()
        s, e = m.start(), m.end()
        if g["r1"] is not None:
            lo, hi = sorted((_num(g["r1"]), _num(g["r2"])))
            out.append(
                _Value(
                    s,
                    e,
                    "pct",
                    (lo + hi) / 2,
                    low=lo,
                    high=hi,
                    resolution=min(_res(g["r1"]), _res(g["r2"])),
                )
            )
        elif g["pct"] is not None:
            val = _Value(s, e, "pct", _num(g["pct"]), resolution=_res(g["pct"]))
            sign = _SIGN_RE.search(sent, max(0, s - 3), s)
            if sign is not None:
                # "| NVDA | -12.4% |", "- Nvidia -17% on Jan. 27": a signed figure is its move
                val.start, val.direction = sign.start("sign"), "down" if sign.group("sign") in "-−–" else "up"
            out.append(val)
        elif g["cnpct"] is not None:
            n = D.small_number(g["cnpct"])
            if n is not None:
                out.append(_Value(s, e, "pct", n))
        elif g["cheng"] is not None:
            n = D.small_number(g["cheng"])
            if n is not None:
                out.append(_Value(s, e, "pct", n * 10, resolution=10.0))
        elif g["double"] is not None:
            out.append(_Value(s, e, "pct", 100.0, direction="up", resolution=10.0))
        elif g["halved"] is not None:
            # "股价腰斩" ("cut at the waist"): lost half its value, said of any fall near 50%
            out.append(_Value(s, e, "pct", 50.0, direction="down", resolution=10.0))
        elif g["frac"] is not None or g["fhalf"] is not None or g["cnfrac"] is not None:
            # a rounded share (what "a third" says of a fall of 31% or 35%); the verb gives the
            # direction
            word = (g["frac"] or g["fhalf"] or g["cnfrac"]).casefold()
            out.append(_Value(s, e, "pct", 100.0 / _FRACTIONS[word], resolution=10.0))
        elif g["m1"] is not None:
            mag = _MAG.get((g["mag1"] or "").casefold(), 1.0)
            out.append(
                _Value(
                    s,
                    e,
                    "money",
                    _scaled(_num(g["m1"]), mag),
                    _CUR[g["cur1"].casefold()],
                    resolution=_res(g["m1"], mag),
                )
            )
        elif g["m2"] is not None:
            mag = _MAG.get((g["mag2"] or "").casefold(), 1.0)
            out.append(
                _Value(
                    s,
                    e,
                    "money",
                    _scaled(_num(g["m2"]), mag),
                    _CUR[g["cur2"].casefold()],
                    resolution=_res(g["m2"], mag),
                )
            )
        elif g["mag3"] is not None:
            cmp = {"上": "gt", "超": "gt", "逾": "gt", "近": "approx", "约": "approx"}[g["cnm"]]
            if cmp == "gt" and re.search(r"(?:约|大约|近)\s*$", sent[:s]):
                cmp = "approx"
            out.append(
                _Value(
                    s,
                    e,
                    "money",
                    _MAG[g["mag3"]],
                    _CUR[g["cur3"]],
                    forced_cmp=cmp,
                    resolution=_MAG[g["mag3"]],
                )
            )
        elif g["cnnum"] is not None:
            n = D.small_number(g["cnnum"])
            if n is not None:
                zeros = len(str(int(n))) - len(str(int(n)).rstrip("0"))
                out.append(
                    _Value(
                        s,
                        e,
                        "money",
                        n * _MAG[g["mag5"]],
                        _CUR[g["cur5"]],
                        resolution=_MAG[g["mag5"]] * 10.0**zeros,
                    )
                )
        elif g["m4"] is not None:
            mag = _MAG[g["mag4"].casefold()]
            out.append(
                _Value(s, e, "money", _num(g["m4"]) * mag, None, resolution=_res(g["m4"], mag))
            )
        elif g["pts"] is not None:
            mag = 1e4 if g["ptsmag"] else 1.0  # "2.26万点" is 22,600 points
            out.append(
                _Value(s, e, "points", round(_num(g["pts"]) * mag, 6), resolution=_res(g["pts"], mag))
            )
        elif g["mult"] is not None:
            out.append(_Value(s, e, "x", _num(g["mult"]), resolution=_res(g["mult"])))
        elif g["sh"] is not None:
            mag = {"万": 1e4, "亿": 1e8, "million": 1e6, "billion": 1e9}.get(
                (g["shmag"] or "").casefold(), 1.0
            )
            out.append(_Value(s, e, "shares", _num(g["sh"]) * mag, resolution=_res(g["sh"], mag)))
        elif g["lvl"] is not None:
            s = m.start("lvl")
            out.append(_Value(s, e, "level", _num(g["lvl"]), resolution=_res(g["lvl"])))
        elif g["bare"] is not None or g["bare2"] is not None:
            num = g["bare"] or g["bare2"]
            out.append(_Value(s, e, "price", _num(num), resolution=_res(num)))
    return out


# A Markdown or plain-text list item or table row: "- ...", "* ...", "1. ...", "| ... |".
_ITEM_RE = re.compile(r"[ \t]*(?:[-*•+]\s|\d{1,2}[.)]\s|\|)")
_TABLE_RULE_RE = re.compile(r"[ \t]*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?[ \t]*")
# a column of moves whose sign the figures carry ("+40.2%", "-3.2%"; "20.3%" is a rise)
# (or over a period: "年初至今", "YTD", "Since Jan. 20")
_CHANGE_HEADER_RE = re.compile(
    r"涨跌幅|涨跌|漲跌|年初至今|今年以来|以来|\bchange\b|\breturns?\b|\bperformance\b|\bmove\b"
    r"|\bYTD\b|year[- ]to[- ]date|\bsince\b",
    re.I,
)


def _row_cells(line: str) -> list[str]:
    """The cells of a Markdown table line ("| a | b |" -> ["a", "b"])."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def _markdown_row(norm: str, s: int, e: int) -> tuple[list[str], list[str]] | None:
    """``(header cells, row cells)`` when the sentence ``norm[s:e]`` is a whole body row of a
    Markdown table (a header line, then a rule line "|---|---|", then rows of as many cells);
    None for anything else (a header, a rule, a row cut into sentences, a list of bars)."""
    line_start = norm.rfind("\n", 0, s) + 1
    line_end = norm.find("\n", e)
    line_end = len(norm) if line_end < 0 else line_end
    line = norm[line_start:line_end]
    if norm[line_start:s].strip() or norm[e:line_end].strip() or not line.lstrip().startswith("|"):
        return None
    # the table's lines above this one: the header is the first, the rule the second
    above: list[str] = []
    end = line_start - 1
    while end > 0:
        start = norm.rfind("\n", 0, end) + 1
        prev = norm[start:end]
        if not prev.lstrip().startswith("|"):
            break
        above.append(prev)
        end = start - 1
    if len(above) < 2:
        return None
    header, rule = above[-1], above[-2]
    if not _TABLE_RULE_RE.fullmatch(rule) or _TABLE_RULE_RE.fullmatch(line):
        return None
    head, cells = _row_cells(header), _row_cells(line)
    return (head, cells) if len(head) == len(cells) else None


# A sign written on a figure (a table cell, a bullet): after a space, a bar or an opening
# parenthesis, never after a digit or a letter ("3-5%" is a range, "Covid-19" a name).
_SIGN_RE = re.compile(r"(?:^|(?<=[\s|(（:：]))(?P<sign>[-+−–])\s?$")


def _value_groups(sent: str, values: list[_Value]) -> list[list[_Value]]:
    """Values of one unit joined only by list connectors form one list (5%、3%和2%)."""
    groups: list[list[_Value]] = []
    for v in values:
        if (
            groups
            and groups[-1][-1].unit == v.unit
            and groups[-1][-1].low is None
            and v.low is None
            and _VALUE_CONNECT_RE.match(sent[groups[-1][-1].end : v.start])
        ):
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


def _default_catalog(securities: Any) -> Any:
    from rerating.events.catalog import load_catalog

    try:
        return load_catalog(securities=securities)
    except (RerateError, OSError) as exc:
        # Extraction still works; only windows anchored on an event ("R1发布一周后") are lost.
        warnings.warn(
            f"event catalog not loaded ({exc}); event-anchored windows are not recognised",
            UserWarning,
            stacklevel=3,
        )
        return None


_DEFAULT: dict[str, Extractor] = {}


def default_extractor() -> Extractor:
    """The extractor over the bundled security master and catalog, built once per process."""
    if "x" not in _DEFAULT:
        _DEFAULT["x"] = Extractor()
    return _DEFAULT["x"]


def extract_claims(
    text: str, article_date: Any = None, securities: Any = None, catalog: Any = None
) -> list[Claim]:
    """Extract the quantitative market claims of a Chinese or English text.

    Parameters
    ----------
    text : str
        Article body (plain text; see :func:`rerating.claims.read_article` for files).
    article_date : date-like, optional
        Publication date; needed only when the text uses relative dates ("上周五", "last Monday",
        "20日涨幅" ending today).
    securities : SecurityMaster, optional
        Names to resolve; the bundled security master by default.
    catalog : EventCatalog, optional
        Events to anchor windows on; the bundled catalog by default.

    Returns
    -------
    list of Claim
        In text order.

    Raises
    ------
    ArticleDateError
        A claim's window is relative to the article and ``article_date`` is None.
    """
    if securities is None and catalog is None:
        return default_extractor().extract(text, article_date)
    # Reuse the compiled lexicon for the same objects (the report passes market.securities).
    key = (id(securities), id(catalog))
    hit = _BY_OBJECTS.get(key)
    if (
        hit is None
        or hit.securities is not securities
        or (catalog is not None and hit.catalog is not catalog)
    ):
        hit = Extractor(securities, catalog)
        _BY_OBJECTS.clear()  # keep one: a process rarely switches masters
        _BY_OBJECTS[key] = hit
    return hit.extract(text, article_date)


_BY_OBJECTS: dict[tuple[int, int], Extractor] = {}
