"""Regressions from the second and third claims audits: moves *to* a market value, month windows
that ran past the article date, lists (paired verbs, "between", combined figures), listing
qualifiers, dates after a comma, common-word names and names of companies that look like
indices; then calendar-year windows, verbs left out of a list ("Nvidia fell 17%, Broadcom
17.4% ..."), index crossings written without "points", market-value changes phrased as a noun ("a
$593 billion loss in market value") and the level a move ends at ("fell 89 points to 6,012").

Dates worked by hand: 2025-01-28 is a Tuesday (so "Monday" is 2025-01-27); 2025-02-15 is a
Saturday (Friday is 2025-02-14); 2025-02-22 is a Saturday (Friday is 2025-02-21). The sample data
start in June 2024, so the whole of 2024 cannot be checked on them.
"""

from __future__ import annotations

import pytest

from rerating.claims import Claim, Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

MON = {"type": "day", "date": "2025-01-27"}
FRI = {"type": "day", "date": "2025-02-14"}


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


# --- a third audit round: years, verb-less lists, bare index levels, more market-value phrasings ---


# -- 1. a calendar year ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia rose 171% in 2024.",
        "英伟达2024年上涨171%。",
        "Nvidia gained 171% during 2024.",
        "英伟达2024年全年上涨171%。",
    ],
)
def test_a_past_year_is_the_calendar_year(ex: Extractor, market: Market, text: str) -> None:
    (claim,) = ex.extract(text, "2025-02-01")
    assert brief([claim]) == [(("NVDA",), "price_return", "eq", 171.0)]
    assert claim.window == {"type": "year", "year": 2024}
    # The sample data begin in June 2024: the check says why it cannot be made.
    (verdict,) = verify_claims([claim], market)
    assert verdict.status == "unverifiable"
    assert "2023-12-29" in verdict.reason


def test_the_current_year_ends_on_the_article_date(ex: Extractor, market: Market) -> None:
    (claim,) = ex.extract("Nvidia fell 3% in 2025.", "2025-02-01")
    assert claim.window == {"type": "year", "year": 2025, "end": "2025-02-01"}
    (verdict,) = verify_claims([claim], market)
    (check,) = verdict.checks
    # last close of 2024 to the last close on or before the article date (a Saturday)
    assert (check.start_date, check.end_date) == ("2024-12-31", "2025-01-31")


@pytest.mark.parametrize(
    "text",
    [
        "英伟达股价暴跌17%，创下2020年3月以来最大单日跌幅。",  # a month, not the year
        "阿里巴巴港股收涨14.6%，创下2022年以来最大单日涨幅。",  # since 2022: not the year 2022
        "Nvidia rose 3% in 2026.",  # a year after the article: no window from it
    ],
)
def test_other_year_phrases_give_no_year_window(ex: Extractor, text: str) -> None:
    for claim in ex.extract(text, "2025-02-01"):
        assert claim.window.get("type") != "year"


# -- 2. a list whose later items leave out the verb -----------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 17%, Broadcom 17.4% and TSMC 13.3% on Monday.",
        "英伟达周一跌17%，博通17.4%，台积电13.3%。",
    ],
)
def test_a_verb_left_out_of_a_list_is_the_first_figures(ex: Extractor, text: str) -> None:
    claims = ex.extract(text, "2025-01-28")
    assert brief(claims) == [
        (("NVDA",), "price_return", "eq", -17.0),
        (("AVGO",), "price_return", "eq", -17.4),
        (("TSM",), "price_return", "eq", -13.3),
    ]
    assert all(c.window == MON for c in claims)


@pytest.mark.parametrize(
    "text",
    [
        "In Hong Kong, Alibaba rose 6.3% and Tencent 7.4% on Friday.",
        "港股方面，阿里巴巴周五涨6.3%，腾讯7.4%。",
    ],
)
def test_a_market_named_at_the_head_of_the_sentence(ex: Extractor, text: str) -> None:
    claims = ex.extract(text, "2025-02-15")
    assert brief(claims) == [
        (("9988.HK",), "price_return", "eq", 6.3),
        (("0700.HK",), "price_return", "eq", 7.4),
    ]
    assert all(c.window == FRI for c in claims)


@pytest.mark.parametrize(
    "text",
    [
        "Meta's capex rose 40%, Microsoft's 30%.",  # not a market move, so neither is the second
        "Nvidia fell 17% on Monday; Broadcom 17.4% is its weight in the index.",
    ],
)
def test_a_left_out_verb_is_not_invented(ex: Extractor, text: str) -> None:
    assert [c for c in ex.extract(text, "2025-01-28") if c.symbols != ("NVDA",)] == []


# -- 3. an index crossing a level written without "points" ---------------------------------------
@pytest.mark.parametrize(
    ("text", "cmp", "amount"),
    [
        ("The Hang Seng Index rose above 22,000 on Friday.", "gt", 22000.0),
        ("The Hang Seng Index fell below 20,000 on Friday.", "lt", 20000.0),
        ("The Hang Seng Index closed above 22,000 on Friday.", "gt", 22000.0),
        ("恒生指数周五跌破20000。", "lt", 20000.0),
    ],
)
def test_index_crossing_without_points(ex: Extractor, text: str, cmp: str, amount: float) -> None:
    (claim,) = ex.extract(text, "2025-02-15")
    assert brief([claim]) == [(("^HSI",), "index_level", cmp, amount)]
    assert claim.value["unit"] == "points"
    assert claim.window == FRI


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia rose above 20,000 on Friday.",  # a bare number is a level of an index only
        "The Hang Seng Index rose 20% from 2024 to 2025.",  # a year is not a level
    ],
)
def test_bare_numbers_that_are_not_index_levels(ex: Extractor, text: str) -> None:
    assert [c for c in ex.extract(text, "2025-02-15") if c.metric == "index_level"] == []


# -- 4. market-value changes phrased with a noun or with the company after the figure -------------
def test_value_added_to_a_company_named_after_the_figure(ex: Extractor) -> None:
    text = "The rally added about HK$335 billion to Alibaba's market value in Hong Kong on Friday."
    (claim,) = ex.extract(text, "2025-02-15")
    assert brief([claim]) == [(("9988.HK",), "market_cap_change", "approx", 335e9)]
    assert (claim.value["currency"], claim.window) == ("HKD", FRI)


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia suffered a $593 billion loss in market value on Monday.",
        "Nvidia lost $593 billion of market value on Monday.",
    ],
)
def test_a_loss_in_market_value(ex: Extractor, market: Market, text: str) -> None:
    (claim,) = ex.extract(text, "2025-01-28")
    assert brief([claim]) == [(("NVDA",), "market_cap_change", "eq", -593e9)]
    assert (claim.value["currency"], claim.window) == ("USD", MON)
    # NVDA's close fell from 142.62 to 118.42 on 2025-01-27: about $593 billion on ~24.5bn shares
    (verdict,) = verify_claims([claim], market)
    assert verdict.status == "supported"


def test_money_added_to_something_else_is_not_market_value(ex: Extractor) -> None:
    assert (
        ex.extract("The deal added $2 billion to Alibaba's revenue on Friday.", "2025-02-15") == []
    )


# -- 5. the level a move ends at ------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["The S&P 500 fell 89 points to 6,012 on Monday.", "标普500指数周一跌89点至6012点。"]
)
def test_points_move_to_a_level(ex: Extractor, text: str) -> None:
    claims = ex.extract(text, "2025-01-28")
    assert brief(claims) == [
        (("^GSPC",), "index_return", "eq", -89.0),
        (("^GSPC",), "index_level", "eq", 6012.0),
    ]
    assert all(c.window == MON for c in claims)


@pytest.mark.parametrize(
    "text", ["Alibaba surged 14.6% to HK$138.50 on Friday.", "阿里巴巴周五大涨14.6%至138.5港元。"]
)
def test_percent_move_to_a_price(ex: Extractor, text: str) -> None:
    claims = ex.extract(text, "2025-02-15")
    assert [c.metric for c in claims] == ["price_return", "close_price"]
    close = claims[1]
    assert close.symbols == ("9988.HK",)
    assert (close.value["amount"], close.value["currency"], close.window) == (138.5, "HKD", FRI)


def test_a_figure_moved_to_in_revenue_is_not_a_price(ex: Extractor) -> None:
    assert ex.extract("Nvidia's revenue rose 20% to $39.3 billion.", "2025-02-15") == []


def test_money_is_stated_in_billions_with_its_currency(ex: Extractor, market: Market) -> None:
    from rerating.claims.verify import verdicts_frame

    text = "Nvidia shares fell 17% on Monday, erasing about $590 billion of market value."
    frame = verdicts_frame(verify_claims(ex.extract(text, "2025-01-28"), market))
    assert frame["stated"].tolist() == ["eq -17 pct", "approx -590 bn USD"]  # not "-5.9e+11 money"


# -- fourth audit: a market value's currency picks the listing; list items with their own date;
# windows over whole years ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("Alibaba's market value rose by about HK$335 billion on Friday.", ("9988.HK",)),
        ("阿里巴巴市值周五增加3350亿港元。", ("9988.HK",)),
        ("Alibaba's market value rose by about US$43 billion on Friday.", ("BABA",)),
        # 人民币 and a bare "$" name no market; an OTC ADR is no second listing to choose from
        ("阿里巴巴市值周五增加3350亿人民币。", ("9988.HK", "BABA")),
        ("Alibaba's market value rose by about $43 billion on Friday.", ("9988.HK", "BABA")),
        ("Tencent's market value rose by about HK$300 billion on Friday.", ("0700.HK", "TCEHY")),
    ],
)
def test_currency_of_a_market_value_change_picks_the_listing(
    ex: Extractor, text: str, symbols: tuple[str, ...]
) -> None:
    (c,) = ex.extract(text, "2025-02-15")
    assert c.metric == "market_cap_change"
    assert c.window == FRI
    assert c.symbols == symbols


# 2025-01-30 is a Thursday: Tuesday is 2025-01-28, Wednesday 2025-01-29.
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia rose 3% on Tuesday, Apple 2% on Wednesday.",
        "Nvidia rose 3% on Tuesday, Broadcom 2% on Wednesday.",
        "英伟达周二涨3%，苹果周三2%。",
    ],
)
def test_list_item_with_its_own_date(ex: Extractor, text: str) -> None:
    a, b = ex.extract(text, "2025-01-30")
    assert a.symbols == ("NVDA",) and a.value["amount"] == 3.0
    assert a.window == {"type": "day", "date": "2025-01-28"}
    assert b.symbols in (("AAPL",), ("AVGO",)) and b.value["amount"] == 2.0
    assert b.metric == "price_return"
    assert b.window == {"type": "day", "date": "2025-01-29"}


SINCE_2024 = {"type": "range", "start": "2024-01-01", "end": "2025-02-15"}


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("Nvidia rose 3% from 2024 to 2025.", SINCE_2024),
        (
            "Nvidia rose 150% from 2023 to 2024.",
            {"type": "range", "start": "2023-01-01", "end": "2024-12-31"},
        ),
        ("英伟达2024年以来上涨50%。", SINCE_2024),
        ("英伟达自2024年初以来上涨50%。", SINCE_2024),
        ("英伟达2024年至2025年上涨50%。", SINCE_2024),
        ("Nvidia has risen 50% since the start of 2024.", SINCE_2024),
        # a record's reference point is not a window
        ("阿里巴巴股价创2021年以来新高，涨5%。", {"type": "unspecified"}),
        (
            "Alibaba's market value topped $300 billion for the first time since 2021.",
            {"type": "unspecified"},
        ),
    ],
)
def test_windows_over_whole_years(ex: Extractor, text: str, window: dict[str, str]) -> None:
    (c,) = ex.extract(text, "2025-02-15")
    assert c.window == window
