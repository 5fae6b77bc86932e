"""Lists of companies whose last name is also a word (Meta, Apple, 苹果) before a combined figure
("together", 合计, 共计); a conjunction that makes no list ("Apple and pear prices"); the forms that
docs/CLAIMS.md lists as a sessions window; and spans of months ("2025年1月至2月").

Dates worked by hand: 2025-01-28 is a Tuesday, so "Monday" is 2025-01-27. A span of months runs
from the first day of its first month to the last day of its last, or to the article date when
that month is not over: "2025年1月至2月" on 2025-01-28 is 2025-01-01..2025-01-28 (February 2025 has
not begun); "2024年12月至2025年1月" on 2025-02-10 is 2024-12-01..2025-01-31 (January has 31 days);
"1-2月" on 2025-03-20 is 2025-01-01..2025-02-28 (2025 is not a leap year). 2025-01-01 is a Hong
Kong holiday, so the range from it starts on the last session before, 2024-12-31.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

MON = {"type": "day", "date": "2025-01-27"}
DOC = Path(__file__).resolve().parents[1] / "docs" / "CLAIMS.md"


# -- 1. a list ending in a common-word name before "together" is one group claim ------------------
@pytest.mark.parametrize(
    ("text", "listings", "window"),
    [
        (
            "Nvidia, Microsoft and Meta together lost $700 billion in market value on Monday.",
            "NVDA MSFT META",
            MON,
        ),
        (
            "Nvidia, Microsoft and Apple together lost $700 billion in market value on Monday.",
            "NVDA MSFT AAPL",
            MON,
        ),
        (
            "Meta and Apple together lost $700 billion in market value on Monday.",
            "META AAPL",
            MON,
        ),
        ("英伟达、微软和Meta合计蒸发7000亿美元市值。", "NVDA MSFT META", {"type": "unspecified"}),
        ("微软、英伟达和苹果共计蒸发7000亿美元市值。", "MSFT NVDA AAPL", {"type": "unspecified"}),
    ],
)
def test_list_ending_in_common_word_name_is_one_group_claim(
    ex: Extractor, market: Market, text: str, listings: str, window: dict[str, str]
) -> None:
    (c,) = ex.extract(text, "2025-01-28")
    assert c.symbols == () and c.metric == "market_cap_change" and c.value["amount"] == -7e11
    assert dict(c.window) == window
    assert any(n.startswith("combined figure of") and n.endswith(f"({listings})") for n in c.notes)
    (v,) = verify_claims([c], market)
    assert v.status == "unverifiable" and "combined" in v.reason


# -- 1b. "together with", "along with", "as well as" join names as "and" does ---------------------
@pytest.mark.parametrize(
    ("text", "listings"),
    [
        ("Apple along with Microsoft fell 3% on Monday.", ["AAPL", "MSFT"]),
        ("Nvidia, along with Broadcom, fell 17% on Monday.", ["NVDA", "AVGO"]),
        ("Nvidia as well as Broadcom fell 17% on Monday.", ["NVDA", "AVGO"]),
        # a connector with no name after it joins nothing
        ("Apple, together with its suppliers, fell 3% on Monday.", ["AAPL"]),
    ],
)
def test_connector_phrases_join_a_list_of_names(ex: Extractor, text: str, listings: list[str]) -> None:
    claims = ex.extract(text, "2025-01-28")
    assert [c.symbols for c in claims] == [(s,) for s in listings]
    assert all(dict(c.window) == MON for c in claims)


def test_together_with_is_one_combined_figure(ex: Extractor) -> None:
    (c,) = ex.extract("Apple together with Microsoft lost $200 billion in market value on Monday.", "2025-01-28")
    assert c.symbols == () and c.metric == "market_cap_change" and c.value["amount"] == -2e11
    assert any(n.startswith("combined figure of") and n.endswith("(AAPL MSFT)") for n in c.notes)


# -- 2. a conjunction makes a list only with a name next to it ------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Apple and pear prices together rose 5% on Monday.",
        "Apple and pear prices rose 5% at the market on Monday.",
        "苹果和香蕉价格合计上涨5%。",
    ],
)
def test_common_word_joined_to_a_non_name_is_not_a_company(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-01-28") == []


# Guards of the same rule that the old code passed too: a common word after a word that is not a
# company, directly before "together", is no list item; a comma after a name (an apposition) still
# makes a stock context.
def test_common_word_before_together_after_a_non_name_is_not_a_company(ex: Extractor) -> None:
    assert ex.extract("Pear and apple together rose 5% at the market on Monday.", "2025-01-28") == []


def test_apposition_after_common_word_name_still_names_the_company(ex: Extractor) -> None:
    (c,) = ex.extract("Apple, the iPhone maker, rose 3% on Monday.", "2025-01-28")
    assert c.symbols == ("AAPL",) and dict(c.window) == MON and c.value["amount"] == 3.0


# -- 3. docs/CLAIMS.md's sessions row lists the forms that are read so ----------------------------
def _sentence(form: str) -> str:
    if form.isascii():
        return f"Nvidia rose 5% in {form}."
    if form.endswith(("涨幅", "跌幅")):
        return f"英伟达{form}达到5%。"
    return f"英伟达{form}上涨5%。"


def test_sessions_row_of_the_docs_matches_the_reading(ex: Extractor) -> None:
    (row,) = [line for line in DOC.read_text(encoding="utf-8").splitlines()
              if '`{"type": "sessions", "n": 20' in line]  # fmt: skip
    forms = [f.strip() for f in row.split("|")[1].split(",")]
    assert "20日" not in forms and "20个交易日" in forms and "20日涨幅" in forms
    for form in forms:
        (c,) = ex.extract(_sentence(form), "2025-02-21")
        assert dict(c.window) == {"type": "sessions", "n": 20, "end": "2025-02-21"}, form
    # the bare form the row names as left unspecified is so
    assert "英伟达20日下跌5%" in row and "`unspecified`" in row
    (c,) = ex.extract("英伟达20日下跌5%。", "2025-02-21")
    assert dict(c.window) == {"type": "unspecified"}


# -- 4. a span of months is a range, cut at the article date ---------------------------------------
@pytest.mark.parametrize(
    ("text", "date", "window"),
    [
        (
            "恒生指数从2025年1月至2月上涨5%。",
            "2025-01-28",
            {"type": "range", "start": "2025-01-01", "end": "2025-01-28"},
        ),
        (
            "恒生指数2024年12月至2025年1月上涨5%。",
            "2025-02-10",
            {"type": "range", "start": "2024-12-01", "end": "2025-01-31"},
        ),
        (
            "恒生指数1-2月上涨5%。",
            "2025-03-20",
            {"type": "range", "start": "2025-01-01", "end": "2025-02-28"},
        ),
        # a period still to come is a forecast's: neither a range nor its last month alone
        ("恒生指数2025年2月至3月上涨5%。", "2025-01-28", {"type": "unspecified"}),
        # the English forms read the same way
        (
            "The Hang Seng Index rose 5% from January to February.",
            "2025-03-20",
            {"type": "range", "start": "2025-01-01", "end": "2025-02-28"},
        ),
        (
            "The Hang Seng Index rose 5% between December and January.",
            "2025-02-10",
            {"type": "range", "start": "2024-12-01", "end": "2025-01-31"},
        ),
        (
            "The Hang Seng Index rose 5% from January 2025 to February.",
            "2025-01-28",
            {"type": "range", "start": "2025-01-01", "end": "2025-01-28"},
        ),
        # days are a range of days (another rule)
        (
            "The Hang Seng Index rose 5% from Jan. 20 to Feb. 14.",
            "2025-03-20",
            {"type": "range", "start": "2025-01-20", "end": "2025-02-14"},
        ),
    ],
)
def test_span_of_months_is_a_range(ex: Extractor, text: str, date: str, window: dict[str, str]) -> None:
    (c,) = ex.extract(text, date)
    assert c.symbols == ("^HSI",) and dict(c.window) == window


def test_lower_case_may_to_june_is_no_span_of_months(ex: Extractor) -> None:
    claims = ex.extract("The Hang Seng Index could rise 5% as views move from may to june.", "2025-03-20")
    assert not any(dict(c.window).get("type") == "range" for c in claims), claims


def test_span_of_months_not_over_is_checked_to_the_article_date(
    ex: Extractor, market: Market
) -> None:
    (v,) = verify_claims(ex.extract("恒生指数从2025年1月至2月上涨5%。", "2025-01-28"), market)
    (chk,) = v.checks
    assert (chk.symbol, chk.start_date, chk.end_date) == ("^HSI", "2024-12-31", "2025-01-28")


# -- 5. a range of days never ends before it starts ------------------------------------------------
@pytest.mark.parametrize(
    ("text", "date", "start", "end"),
    [
        # a period that would end after the article date is last year's, both days of it
        ("恒生指数1月20日至2月14日上涨5%。", "2025-01-28", "2024-01-20", "2024-02-14"),
        ("The Hang Seng Index rose 5% from Jan. 20 to Feb. 14.", "2025-01-28", "2024-01-20", "2024-02-14"),
        ("恒生指数1月20日至2月14日上涨5%。", "2025-02-20", "2025-01-20", "2025-02-14"),
        # across the turn of the year, with or without the first day's year
        ("恒生指数12月20日至1月14日上涨5%。", "2025-01-20", "2024-12-20", "2025-01-14"),
        ("恒生指数2024年12月20日至1月14日上涨5%。", "2025-03-20", "2024-12-20", "2025-01-14"),
        ("The Hang Seng Index rose 5% from Dec. 20 to Jan. 14.", "2025-01-28", "2024-12-20", "2025-01-14"),
    ],
)
def test_range_of_days_takes_one_year_for_both_ends(
    ex: Extractor, text: str, date: str, start: str, end: str
) -> None:
    (c,) = ex.extract(text, date)
    assert (c.window["start"], c.window["end"]) == (start, end)
