"""Regressions from the second claims audit: moves *to* a market value, month windows that ran past
the article date, lists (paired verbs, "between", combined figures), listing qualifiers, dates
after a comma, common-word names and names of companies that look like indices.

Dates worked by hand: 2025-01-28 is a Tuesday (so "Monday" is 2025-01-27); 2025-02-15 is a
Saturday (Friday is 2025-02-14); 2025-02-22 is a Saturday (Friday is 2025-02-21).
"""

from __future__ import annotations

import pytest

from rerating.claims import Claim, Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

MON = {"type": "day", "date": "2025-01-27"}


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def brief(claims: list[Claim]) -> list[tuple[tuple[str, ...], str, str, float]]:
    return [(c.symbols, c.metric, c.comparator, c.value["amount"]) for c in claims]


# -- 1. a market value moving *to* a figure is a level; recouping value is a change -----------------
@pytest.mark.parametrize(
    ("text", "date", "symbol", "cmp", "amount"),
    [
        (
            "Nvidia's market value slid to roughly $2.9 trillion on Monday.",
            "2025-01-28",
            "NVDA",
            "approx",
            2.9e12,
        ),
        (
            "Nvidia's market value dropped to $2.9 trillion on Monday.",
            "2025-01-28",
            "NVDA",
            "eq",
            2.9e12,
        ),
        ("英伟达市值周一跌至2.9万亿美元。", "2025-01-28", "NVDA", "eq", 2.9e12),
        ("腾讯市值周五升至4.38万亿港元。", "2025-02-15", "0700.HK", "eq", 4.38e12),
        (
            "Tencent's market value rose to HK$4.38 trillion on Friday.",
            "2025-02-15",
            "0700.HK",
            "eq",
            4.38e12,
        ),
        (
            "Tencent's market value climbed past HK$4 trillion on Friday.",
            "2025-02-15",
            "0700.HK",
            "gt",
            4e12,
        ),
    ],
)
def test_move_to_a_market_value_is_a_level(
    ex: Extractor, text: str, date: str, symbol: str, cmp: str, amount: float
) -> None:
    (c,) = ex.extract(text, date)
    assert c.metric == "market_cap_level"
    assert symbol in c.symbols
    assert (c.comparator, c.value["amount"]) == (cmp, amount)


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia bounced back on Tuesday, recouping roughly $260 billion in market value.",
        "Nvidia regained about $260 billion of market value on Tuesday.",
    ],
)
def test_recouped_market_value_is_a_rise(ex: Extractor, text: str) -> None:
    (c,) = [c for c in ex.extract(text, "2025-01-29") if c.value["unit"] == "money"]
    assert (c.metric, c.comparator, c.value["amount"]) == ("market_cap_change", "approx", 2.6e11)
    assert c.window == {"type": "day", "date": "2025-01-28"}


def test_level_after_fall_is_supported(ex: Extractor, market: Market) -> None:
    (v,) = verify_claims(ex.extract("英伟达市值周一跌至约2.9万亿美元。", "2025-01-28"), market)
    assert v.status == "supported"


# -- 2. a month window never ends after the article date ------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "So far this month, Alibaba's Hong Kong shares have added about 19%.",
        "Alibaba's Hong Kong shares are up about 19% month to date.",
        "阿里巴巴港股本月以来上涨约19%。",
    ],
)
def test_month_to_date_is_a_range_to_the_article_date(ex: Extractor, text: str) -> None:
    (c,) = ex.extract(text, "2025-02-10")
    assert c.window == {"type": "range", "start": "2025-02-01", "end": "2025-02-10"}


@pytest.mark.parametrize(
    "text",
    [
        "In February, Alibaba's Hong Kong shares have gained 19%.",
        "阿里巴巴港股本月上涨约19%。",
        "This month Alibaba's Hong Kong shares gained about 19%.",
    ],
)
def test_current_month_ends_on_the_article_date(ex: Extractor, market: Market, text: str) -> None:
    (c,) = ex.extract(text, "2025-02-10")
    assert c.window == {"type": "month", "month": "2025-02", "end": "2025-02-10"}
    (v,) = verify_claims([c], market)
    assert v.checks[0].end_date is not None and v.checks[0].end_date <= "2025-02-10"
    assert v.status == "supported"


def test_a_past_month_is_the_whole_month(ex: Extractor) -> None:
    (c,) = ex.extract("恒生科技指数2月累计上涨17.9%。", "2025-03-03")
    assert c.window == {"type": "month", "month": "2025-02"}


# -- 3. lists -----------------------------------------------------------------------------------------
def test_paired_list_with_a_verb_per_figure(ex: Extractor) -> None:
    text = "On Monday, Alibaba (NYSE: BABA) and Nvidia (NASDAQ: NVDA) gained 1% and lost 17%, respectively."
    cs = ex.extract(text, "2025-01-28")
    assert brief(cs) == [
        (("BABA",), "price_return", "eq", 1.0),
        (("NVDA",), "price_return", "eq", -17.0),
    ]
    assert all(c.window == MON for c in cs)


def test_possessive_names_form_a_list(ex: Extractor) -> None:
    cs = ex.extract(
        "On Feb. 14, Alibaba's and Tencent's Hong Kong shares rose 6.3% and 7.4%, respectively.",
        "2025-02-15",
    )
    assert brief(cs) == [
        (("9988.HK",), "price_return", "eq", 6.3),
        (("0700.HK",), "price_return", "eq", 7.4),
    ]


def test_between_two_figures_is_one_range_each(ex: Extractor) -> None:
    cs = ex.extract(
        "Shares of Nvidia, Broadcom and TSMC slid between 13% and 18% on Monday.", "2025-01-28"
    )
    assert [c.symbols for c in cs] == [("NVDA",), ("AVGO",), ("TSM",)]
    assert all(
        (c.value["low"], c.value["high"], c.comparator) == (-18.0, -13.0, "approx") for c in cs
    )


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia, Broadcom and TSMC shed a combined $1 trillion in market value on Monday.",
        "英伟达、博通和台积电周一市值合计蒸发约1万亿美元。",
    ],
)
def test_combined_figure_is_one_group_claim(ex: Extractor, market: Market, text: str) -> None:
    (c,) = ex.extract(text, "2025-01-28")
    assert c.symbols == () and c.metric == "market_cap_change" and c.value["amount"] == -1e12
    assert any("NVDA AVGO TSM" in n for n in c.notes)
    (v,) = verify_claims([c], market)
    assert v.status == "unverifiable" and "combined" in v.reason


# -- 4. a listing qualifier of the next clause stays there ----------------------------------------
def test_qualifier_from_next_clause_is_not_taken(ex: Extractor, market: Market) -> None:
    cs = ex.extract("阿里巴巴港股周五收涨逾14%，美股涨幅约5.7%。", "2025-02-22")
    assert brief(cs) == [
        (("9988.HK",), "price_return", "gt", 14.0),
        (("BABA",), "price_return", "approx", 5.7),
    ]
    assert [v.status for v in verify_claims(cs, market)] == ["supported", "supported"]


def test_us_shares_qualifier(ex: Extractor) -> None:
    cs = ex.extract(
        "Alibaba's Hong Kong shares gained more than 14% on Friday, while its U.S. shares rose about 5.7%.",
        "2025-02-22",
    )
    assert [c.symbols for c in cs] == [("9988.HK",), ("BABA",)]


# -- 5. a date set off by commas after the figures ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("Shares of Broadcom and TSMC slid 17% and 13%, respectively, on Monday.", 2),
        ("The Nasdaq Composite shed 612 points, or 3.1%, on Monday.", 2),
    ],
)
def test_trailing_date_after_a_comma(ex: Extractor, text: str, n: int) -> None:
    cs = ex.extract(text, "2025-01-28")
    assert len(cs) == n and all(c.window == MON for c in cs)


def test_a_later_clause_with_more_than_a_date_is_not_borrowed(ex: Extractor) -> None:
    (c,) = ex.extract("Nvidia fell 17%, its worst day since March 2020.", "2025-01-28")
    assert c.window == {"type": "unspecified"}


# -- 6. names that are ordinary words ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Apple prices at the local orchard stalls rose 10% on Monday.",
        "因为霜冻，烟台苹果收购价周一上涨10%。",
        "受降温影响，小米价格周一上涨5%。",
        "Shares of Berkshire, led by the Oracle of Omaha, rose 2% on Monday.",
        "百度一下就能查到，这个网站访问量周一上涨20%。",
        "阿里地区周一气温升高10%。",
        "详情见https://example.com/9988.HK/涨5%",
    ],
)
def test_common_words_are_not_companies(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-01-28") == []


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("Apple fell 3% on Monday.", "AAPL"),
        ("苹果周一下跌3%。", "AAPL"),
        ("小米周一上涨5%。", "1810.HK"),
        ("Oracle shares sank 14% on Monday.", "ORCL"),
        ("阿里20日涨幅为49%。", "9988.HK"),
        ("受此影响，苹果股价上涨3.2%，Meta也收涨1.9%。", "AAPL"),
    ],
)
def test_common_word_names_in_a_stock_context(ex: Extractor, text: str, symbol: str) -> None:
    cs = ex.extract(text, "2025-01-28")
    assert cs and symbol in cs[0].symbols


# -- 7. companies named like an index, and the object of "topped" ---------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Dow Inc. shares fell 3% on Monday.",
        "Shares of Nasdaq Inc., the exchange operator, fell 1% on Monday.",
    ],
)
def test_company_named_like_an_index_is_not_the_index(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-01-28") == []


def test_object_of_topped_is_not_the_subject(ex: Extractor) -> None:
    (c,) = ex.extract(
        "Nvidia topped Microsoft on Tuesday with a market cap of $3.32 trillion.", "2024-06-19"
    )
    assert (c.symbols, c.metric, c.value["amount"]) == (("NVDA",), "market_cap_level", 3.32e12)


# -- 8. an upper-case ticker that is also a name; index levels in 万点 ----------------------------
def test_upper_case_ticker_of_a_cased_name(ex: Extractor) -> None:
    (c,) = ex.extract("Shares of ARM lost 10% on Monday.", "2025-01-28")
    assert (c.symbols, c.value["amount"]) == (("ARM",), -10.0)
    assert ex.extract("The robot's arm moved 10% faster on Monday.", "2025-01-28") == []


@pytest.mark.parametrize(
    ("text", "cmp", "amount"),
    [("恒生指数周五收于2.26万点。", "eq", 22600.0), ("恒生指数周五站上2.2万点。", "gt", 22000.0)],
)
def test_index_level_in_wan_points(ex: Extractor, text: str, cmp: str, amount: float) -> None:
    (c,) = ex.extract(text, "2025-02-15")
    assert (c.metric, c.comparator, c.value["amount"]) == ("index_level", cmp, amount)
