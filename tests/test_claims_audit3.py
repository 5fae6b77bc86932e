"""Regressions from the third claims audit: calendar-year windows, verbs left out of a list
("Nvidia fell 17%, Broadcom 17.4% ..."), index crossings written without "points", market-value
changes phrased as a noun ("a $593 billion loss in market value") and the level a move ends at
("fell 89 points to 6,012").

Dates worked by hand: 2025-01-28 is a Tuesday (so "Monday" is 2025-01-27); 2025-02-15 is a
Saturday (Friday is 2025-02-14). The sample data start in June 2024, so the whole of 2024 cannot
be checked on them.
"""

from __future__ import annotations

import pytest

from rerating.claims import Claim, Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

MON = {"type": "day", "date": "2025-01-27"}
FRI = {"type": "day", "date": "2025-02-14"}


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def brief(claims: list[Claim]) -> list[tuple[tuple[str, ...], str, str, float]]:
    return [(c.symbols, c.metric, c.comparator, c.value["amount"]) for c in claims]


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
