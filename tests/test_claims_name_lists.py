"""Which names a figure belongs to when names are joined by a comma or "and" but are not one list:
a name said again ("跑赢恒指，恒指上涨3%": one claim, not the same claim twice), and what a name
"topped" ("Nvidia topped Microsoft and Apple rose 3%": Apple's 3%, not Microsoft's); and a subject
carried to the next sentence ("该股", "the stock") keeps the listing its claims were narrowed to; a
comparison in a clause with no subject of its own ("腾讯本周上涨6.5%，跑赢恒指2个百分点") is the
previous clause's subject's; and a listed subsidiary named after its parent ("Tencent Music",
"阿里健康", "京东物流") is its own listing, not the parent's; and a ticker in parentheses after one
name ("腾讯控股(00700.HK)和阿里巴巴") names no market for the next.

Dates worked by hand: the article date 2025-01-28 is a Tuesday, so "Monday" / "周一" is 2025-01-27.
From the sample's raw closes (src/rerating/data/sample): ^HSI 2025-01-24 20,066.19 -> 2025-01-27
20,197.77, +0.656%, so "恒指周一上涨3%" is contradicted there and "上涨0.7%" supported. On Tuesday
2025-01-28 9988.HK went 87.25 -> 88.35 (+1.261%) and BABA 89.99 -> 96.03 (+6.712%): "阿里巴巴港股
... 该股周二又涨6.7%" is the Hong Kong listing's claim, contradicted (BABA's move supported it before).
The week of 2025-02-03..07 (Hong Kong's last session before it 2025-01-28): 0700.HK 402.0 -> 428.2,
+6.517%; ^HSI 20,225.11 -> 21,133.54, +4.492%; the gap +2.026 points.
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

DATE = "2025-01-28"
MON = {"type": "day", "date": "2025-01-27"}


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor()


def _pairs(ex: Extractor, text: str) -> list[tuple[tuple[str, ...], float]]:
    return [(c.symbols, c.value["amount"]) for c in ex.extract(text, DATE)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the index named as what Alibaba beat, then again as the subject of its own move
        ("阿里巴巴周一跑赢恒指，恒指上涨3%。", [(("^HSI",), 3.0)]),
        ("腾讯周一跑赢恒指，恒指上涨0.7%。", [(("^HSI",), 0.7)]),
        # a real list still gives each of its names the figure
        ("微软、苹果周一上涨3%。", [(("MSFT",), 3.0), (("AAPL",), 3.0)]),
        ("阿里巴巴、腾讯周一分别上涨3%和5%。", [(("9988.HK", "BABA"), 3.0), (("0700.HK", "TCEHY"), 5.0)]),
    ],
)
def test_a_name_said_again_is_not_a_list(ex: Extractor, text: str, expected: list) -> None:  # type: ignore[type-arg]
    got = _pairs(ex, text)
    assert [(tuple(sorted(s)), v) for s, v in got] == [(tuple(sorted(s)), v) for s, v in expected]


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        # no clause break between the last name and its figure: the last name starts a clause
        ("Nvidia topped Microsoft and Apple rose 3% on Monday.", ("AAPL",)),
        ("英伟达超越微软，苹果周一上涨3%。", ("AAPL",)),
        # a clause break: every name after the verb is its object; the figure is the comparer's
        ("Nvidia topped Microsoft and Apple in market value, rising 3% on Monday.", ("NVDA",)),
        ("英伟达超越微软和苹果，周一上涨3%。", ("NVDA",)),
        # one object (unchanged): the comparer's figure
        ("Nvidia overtook Apple, rising 3% on Monday.", ("NVDA",)),
    ],
)
def test_what_a_name_topped_takes_no_figure(ex: Extractor, text: str, symbols: tuple[str, ...]) -> None:
    claims = ex.extract(text, DATE)
    assert [c.symbols for c in claims] == [symbols]
    assert claims[0].value["amount"] == 3.0 and claims[0].window == MON


def test_the_repeated_index_is_checked_once() -> None:
    """The verdicts hold one row for the index's move, checked against the sample."""
    market = Market.from_sample()
    ex = Extractor(market.securities)
    verdicts = verify_claims(ex.extract("阿里巴巴周一跑赢恒指，恒指上涨3%。恒指周一上涨0.7%。", DATE), market)
    hsi = [v for v in verdicts if v.claim.symbols == ("^HSI",)]
    assert [v.claim.value["amount"] for v in hsi] == [3.0, 0.7]
    assert [v.status for v in hsi] == ["contradicted", "supported"]
    assert hsi[1].checks[0].computed == pytest.approx(100 * (20197.77 / 20066.19 - 1), abs=0.01)


@pytest.mark.parametrize(
    ("text", "second"),
    [
        ("阿里巴巴港股周一上涨3%。该股周二又涨6.7%。", ("9988.HK",)),
        ("阿里巴巴周一在港股上涨3%。该股周二又涨6.7%。", ("9988.HK",)),
        ("Alibaba's Hong Kong shares rose 3% on Monday. The stock gained another 6.7% on Tuesday.",
         ("9988.HK",)),
        # the sentence names its own market: that one
        ("阿里巴巴港股周一上涨3%。其美股周二涨6.7%。", ("BABA",)),
        # no market named before: every listing, as before
        ("阿里巴巴周一上涨3%。该股周二又涨6.7%。", ("9988.HK", "BABA")),
        # the two markets each had a claim: the stock is no one listing
        ("阿里巴巴港股周一上涨3%，美股上涨5%。该股周二又涨6.7%。", ("9988.HK", "BABA")),
    ],
)
def test_a_carried_subject_keeps_its_listing(ex: Extractor, text: str, second: tuple[str, ...]) -> None:
    claims = ex.extract(text, "2025-01-29")
    last = claims[-1]
    assert last.value["amount"] == 6.7 and last.window == {"type": "day", "date": "2025-01-28"}
    assert sorted(last.symbols) == sorted(second)


def test_the_carried_listing_is_the_one_checked() -> None:
    market = Market.from_sample()
    ex = Extractor(market.securities)
    verdicts = verify_claims(ex.extract("阿里巴巴港股周一上涨3%。该股周二又涨6.7%。", "2025-01-29"), market)
    assert [c.symbol for c in verdicts[1].checks] == ["9988.HK"]
    assert verdicts[1].status == "contradicted"
    assert verdicts[1].checks[0].computed == pytest.approx(100 * (88.35 / 87.25 - 1), abs=0.01)
    # and the same claim of the company as a whole is BABA's +6.71%
    (whole,) = verify_claims(ex.extract("阿里巴巴周二上涨6.7%。", "2025-01-29"), market)
    assert whole.status == "supported"
    assert {c.symbol: c.computed for c in whole.checks}["BABA"] == pytest.approx(100 * (96.03 / 89.99 - 1), abs=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "腾讯控股股价本周累计上涨6.5%，跑赢恒指2个百分点。",
        "腾讯本周上涨6.5%，并跑赢恒指约2个百分点。",
        "Tencent rose 6.5% this week, outperforming the Hang Seng Index by 2 percentage points.",
    ],
)
def test_a_comparison_without_its_own_subject_is_the_clause_befores(text: str) -> None:
    market = Market.from_sample()
    ex = Extractor(market.securities)
    claims = ex.extract(text, "2025-02-07")
    assert [c.metric for c in claims] == ["price_return", "relative_return"]
    rel = claims[1]
    assert rel.symbols == ("0700.HK",) and rel.value["amount"] == 2.0
    assert rel.window == {"type": "week", "start": "2025-02-03", "end": "2025-02-07"}
    verdict = verify_claims([rel], market)[0]
    assert verdict.status == "supported"
    gap = 100 * (428.2 / 402.0 - 1) - 100 * (21133.54 / 20225.11 - 1)
    assert verdict.checks[0].computed == pytest.approx(gap, abs=0.01)


def test_a_subjectless_comparison_after_an_index_names_no_one(ex: Extractor) -> None:
    """The clause before is the index's own move: an index beating the market is no claim."""
    claims = ex.extract("腾讯本周上涨7%，恒指上涨4%，跑赢大盘3个百分点。", "2025-02-07")
    assert [c.metric for c in claims] == ["price_return", "index_return"]


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("Shares of Tencent Music slumped 5% on Monday.", ("1698.HK", "TME")),
        ("腾讯音乐股价周一下跌5%。", ("1698.HK", "TME")),
        ("Tencent Music's U.S. shares fell 5% on Monday.", ("TME",)),
        ("Alibaba Health rose 5% on Monday.", ("0241.HK",)),
        ("阿里健康周一上涨5%。", ("0241.HK",)),
        ("JD Logistics rose 5% on Monday.", ("2618.HK",)),
        ("京东健康周一上涨5%。", ("6618.HK",)),
        # the parents are unchanged
        ("Tencent rose 5% on Monday.", ("0700.HK", "TCEHY")),
        ("京东周一上涨5%。", ("9618.HK", "JD")),
        # an index named after an exchange is not that exchange's composite
        ("纳斯达克中国金龙指数周五收涨3.2%。", ("^HXC",)),
        ("The Nasdaq Golden Dragon China index rose 3.2% on Friday.", ("^HXC",)),
        ("纳指周五收涨3.2%。", ("^IXIC",)),
    ],
)
def test_a_listed_subsidiary_is_not_its_parent(ex: Extractor, text: str, symbols: tuple[str, ...]) -> None:
    (claim,) = ex.extract(text, "2025-02-14")
    assert sorted(claim.symbols) == sorted(symbols)


def test_a_subsidiary_without_data_is_unverifiable_not_the_parents_move() -> None:
    market = Market.from_sample()
    ex = Extractor(market.securities)
    (verdict,) = verify_claims(ex.extract("Shares of Tencent Music slumped 5% on Monday.", "2025-02-14"), market)
    assert verdict.status == "unverifiable"
    assert {c.symbol for c in verdict.checks} == {"1698.HK", "TME"}
    assert "rerating load 1698.HK" in verdict.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "and the" joins a list: before, the Hang Seng was left out and both figures went to HSTECH
        ("The Hang Seng and the Hang Seng Tech index rose 2% and 3%, respectively, on Monday.",
         [("^HSI", 2.0), ("HSTECH", 3.0)]),
        ("The S&P 500, the Nasdaq and the Dow fell 1.5%, 3.1% and 0.7%, respectively, on Monday.",
         [("^GSPC", -1.5), ("^IXIC", -3.1), ("^DJI", -0.7)]),
        # a sentence of two clauses is no list
        ("Nvidia fell 17% and the Nasdaq fell 3% on Monday.", [("NVDA", -17.0), ("^IXIC", -3.0)]),
    ],
)
def test_a_list_may_repeat_its_article(ex: Extractor, text: str, expected: list) -> None:  # type: ignore[type-arg]
    got = [(c.symbols[0], c.value["amount"]) for c in ex.extract(text, "2025-02-14")]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Hong Kong stock names carry a share-class marker (-W weighted voting rights, -SW also a
        # secondary listing): it neither breaks a list (before, all three figures went to 蔚来)
        # nor leaves the market open (the name is the Hong Kong listing's)
        ("理想汽车-W、小鹏汽车-W和蔚来-SW周一分别上涨5%、8%和3%。",
         [(("2015.HK",), 5.0), (("9868.HK",), 8.0), (("9866.HK",), 3.0)]),
        ("美团-W周一跌2%，京东集团-SW涨1%。", [(("3690.HK",), -2.0), (("9618.HK",), 1.0)]),
        # without the marker, every listing (unchanged)
        ("理想汽车、小鹏汽车和蔚来周一分别上涨5%、8%和3%。",
         [(("2015.HK", "LI"), 5.0), (("9868.HK", "XPEV"), 8.0), (("9866.HK", "NIO"), 3.0)]),
        # 科指: the Hong Kong press's short name of the Hang Seng TECH Index
        ("恒生指数周一收跌1.2%，科指跌2.5%。", [(("^HSI",), -1.2), (("HSTECH",), -2.5)]),
    ],
)
def test_hong_kong_stock_names(ex: Extractor, text: str, expected: list) -> None:  # type: ignore[type-arg]
    assert _pairs(ex, text) == expected


def test_a_stock_word_before_the_figure_carries_the_subject_past_later_names(ex: Extractor) -> None:
    """"The stock closed up 6.3%, while the Hang Seng Index gained 3.7%": the index is the second
    figure's subject; before, the first figure had none and was lost."""
    text = "Alibaba's Hong Kong-listed shares surged as much as 9% on Friday. The stock closed up 6.3%, while the Hang Seng Index gained 3.7%."
    got = [(c.symbols, c.value["amount"], c.window) for c in ex.extract(text, "2025-02-14")]
    fri = {"type": "day", "date": "2025-02-14"}
    assert got == [
        (("9988.HK",), 9.0, {"type": "intraday", "date": "2025-02-14"}),
        (("9988.HK",), 6.3, fri),
        (("^HSI",), 3.7, fri),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an index the lexicon does not know heads the figure's clause: the figure is not the
        # earlier name's (before: the Hang Seng Index's 2.4%, Alibaba's 1%)
        ("The Hang Seng Index rose 1.8% on Monday, while the tech index gained 2.4%.", [(("^HSI",), 1.8)]),
        ("Alibaba's Hong Kong shares rose 5% on Monday, while the benchmark index gained 1%.",
         [(("9988.HK",), 5.0)]),
        # a known index there is that index's (unchanged)
        ("The Hang Seng Index rose 1.8% on Monday, while the Hang Seng Tech index gained 2.4%.",
         [(("^HSI",), 1.8), (("HSTECH",), 2.4)]),
    ],
)
def test_an_unknown_english_index_takes_its_own_figure(ex: Extractor, text: str, expected: list) -> None:  # type: ignore[type-arg]
    assert _pairs(ex, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Tencent (+3%) and Alibaba (+5%) led gains on Monday.",
        "腾讯（+3%）和阿里巴巴（+5%）周一领涨。",
        "周一涨幅居前的有腾讯（涨3%）、阿里巴巴（涨5%）。",
    ],
)
def test_a_figure_in_parentheses_is_the_name_before_it(ex: Extractor, text: str) -> None:
    """Before, the list "Tencent ... and Alibaba" was joined across "(+3%)" and Tencent got 5% too."""
    got = [(c.symbols[0], c.value["amount"]) for c in ex.extract(text, "2025-02-14")]
    assert got == [("0700.HK", 3.0), ("9988.HK", 5.0)]


def test_a_ticker_in_parentheses_still_joins_a_list(ex: Extractor) -> None:
    got = _pairs(ex, "Alibaba (NYSE: BABA) and Nvidia rose 3% and 5%, respectively, on Monday.")
    assert got == [(("BABA",), 3.0), (("NVDA",), 5.0)]


@pytest.mark.parametrize(
    "text",
    [
        "腾讯控股(00700.HK)和阿里巴巴周一分别上涨3%和5%。",
        "腾讯控股（00700.HK）与阿里巴巴周一均上涨3%。",
    ],
)
def test_a_ticker_in_parentheses_names_no_market_for_the_next_name(ex: Extractor, text: str) -> None:
    # before: the ".HK" of Tencent's ticker, a few characters before 阿里巴巴, narrowed it to
    # 9988.HK; "港股阿里巴巴" and "阿里巴巴(港股)" still do
    claims = ex.extract(text, DATE)
    assert [(c.entity, c.symbols) for c in claims] == [
        ("腾讯控股", ("0700.HK",)),
        ("阿里巴巴", ("9988.HK", "BABA")),
    ]
    (hk,) = ex.extract("港股阿里巴巴周一上涨5%。", DATE)
    (hk2,) = ex.extract("阿里巴巴(港股)周一上涨5%。", DATE)
    assert hk.symbols == hk2.symbols == ("9988.HK",)
