"""Where a level came from: "rose to 12 times, up from 8 times in January" and "fell to $2.9
trillion on Monday, from $3.5 trillion on Friday" are two levels of one measure, each with its own
date. The starting level is a level (not a change of that size), it takes the measure and the
subject of the level before it even after a comma, and a date after it is its own, not the end
level's. A starting level without a date of its own is context: the sentence's date is the end
level's, so it gives no claim.

Also: a share of a value in words ("lost nearly a third of their value", 市值蒸发三分之一), a market
value named after a per-cent figure ("lost 17% of its market value") or after a sum ("added HK$335
billion to its market value"), and a comma for the verb left out of a list ("Tencent rose 3% and
Alibaba, 5%"), also after a semicolon ("Tencent rose 3%; Alibaba, 5%").
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor

DATE = "2025-02-12"  # a Wednesday: "on Monday" is Feb. 10, "on Friday" Feb. 7


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor()


def _read(ex: Extractor, text: str) -> list[tuple[str, dict, float]]:
    return [(c.metric, c.window, c.value["amount"]) for c in ex.extract(text, DATE)]


@pytest.mark.parametrize(
    "text",
    [
        "Alibaba's forward P/E rose to 12 times, up from 8 times in January.",
        "Alibaba's forward P/E rose to 12 times, from 8 times in January.",
        "Alibaba's forward P/E is 12 times, up from 8 times in January.",
        "Alibaba's forward P/E rose to 12 times from 8 times in January.",  # (read right before too)
    ],
)
def test_a_starting_multiple_after_a_comma_is_the_same_measures(ex: Extractor, text: str) -> None:
    # before: the clause after the comma named no multiple, and the 8 times was lost
    assert _read(ex, text) == [
        ("valuation_multiple", {"type": "unspecified"}, 12.0),
        ("valuation_multiple", {"type": "month", "month": "2025-01"}, 8.0),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia's market value fell to $2.9 trillion on Monday, from $3.5 trillion on Friday.",
        "Nvidia's market value fell to $2.9 trillion on Monday from $3.5 trillion on Friday.",
    ],
)
def test_a_starting_market_value_is_a_level_on_its_own_date(ex: Extractor, text: str) -> None:
    # before: no claim for the $3.5 trillion after the comma, and without it a *fall* of $3.5
    # trillion on Friday
    assert _read(ex, text) == [
        ("market_cap_level", {"type": "day", "date": "2025-02-10"}, 2.9e12),
        ("market_cap_level", {"type": "day", "date": "2025-02-07"}, 3.5e12),
    ]


def test_the_date_after_a_starting_price_is_not_the_end_prices(ex: Extractor) -> None:
    # "HK$80 in January": before, January dated the HK$120 (a sum of money's text ran on to the
    # space after it, so "in January" was not seen to follow it)
    (claim,) = ex.extract("Alibaba rose to HK$120 from HK$80 in January.", DATE)
    assert claim.metric == "close_price" and claim.value["amount"] == 120.0
    assert claim.window == {"type": "unspecified"}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "Nvidia lost $593 billion in market value on Monday, from $3.5 trillion.",
            [("market_cap_change", {"type": "day", "date": "2025-02-10"}, -593e9)],
        ),
        (
            "Alibaba's forward P/E rose to 22 times from 17 times.",
            [("valuation_multiple", {"type": "unspecified"}, 22.0)],
        ),
    ],
)
def test_an_undated_starting_level_is_context(
    ex: Extractor, text: str, want: list[tuple[str, dict, float]]
) -> None:
    # the $3.5 trillion was Nvidia's value before Monday, not on it
    assert _read(ex, text) == want


# --- shares of a value in words, market value named after a figure, a comma for the verb ---------


@pytest.mark.parametrize(
    ("text", "metric", "amount", "comparator"),
    [
        ("Chinese tech stocks lost nearly a third of their value.", "price_return", -100 / 3, "approx"),
        ("Alibaba shares have lost half their value since 2021.", "price_return", -50.0, "eq"),
        ("Alibaba lost a fifth of its market value in January.", "market_cap_change", -20.0, "eq"),
        ("阿里巴巴市值蒸发三分之一。", "market_cap_change", -100 / 3, "eq"),
        ("阿里巴巴股价1月跌去近三分之一。", "price_return", -100 / 3, "eq"),
    ],
)
def test_a_share_of_a_value_in_words_is_a_percentage(
    ex: Extractor, text: str, metric: str, amount: float, comparator: str
) -> None:
    # before: no figure at all
    (claim,) = ex.extract(text, DATE)
    assert (claim.metric, claim.value["amount"], claim.comparator) == (metric, amount, comparator)
    assert claim.value["resolution"] == 10.0  # a rounded share: "a third" of a 31% or 35% fall


@pytest.mark.parametrize(
    "text",
    [
        "A third of analysts expect Alibaba to rise.",
        "Half of the fund's assets are in Alibaba.",
        "Nvidia fell a third of a percent.",
    ],
)
def test_a_share_of_something_else_is_no_figure(ex: Extractor, text: str) -> None:
    assert ex.extract(text, DATE) == []


@pytest.mark.parametrize(
    ("text", "metric", "amount"),
    [
        # before: price returns; 市值蒸发17% was already a change of market value
        ("Nvidia lost 17% of its market value on Monday.", "market_cap_change", -17.0),
        ("Nvidia lost 17% of its value on Monday.", "price_return", -17.0),
        # before: no claim ("to Alibaba's market value" was read, "to its" was not)
        ("Alibaba added HK$335 billion to its market value on Monday.", "market_cap_change", 335e9),
        ("The rally added HK$335 billion to Alibaba's market value on Monday.", "market_cap_change", 335e9),
    ],
)
def test_a_market_value_named_after_the_figure(
    ex: Extractor, text: str, metric: str, amount: float
) -> None:
    (claim,) = ex.extract(text, DATE)
    assert (claim.metric, claim.value["amount"]) == (metric, amount)
    assert claim.window == {"type": "day", "date": "2025-02-10"}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Tencent rose 3% and Alibaba, 5%.", [("Tencent", 3.0), ("Alibaba", 5.0)]),
        (
            "Nvidia fell 17%, Broadcom, 17.4%, and TSMC, 13%.",
            [("Nvidia", -17.0), ("Broadcom", -17.4), ("TSMC", -13.0)],
        ),
    ],
)
def test_a_comma_after_a_name_stands_for_the_verb_left_out(
    ex: Extractor, text: str, want: list[tuple[str, float]]
) -> None:
    # before: the figures after "Alibaba," and "Broadcom," were lost
    got = ex.extract(text, DATE)
    assert [(c.entity, c.value["amount"]) for c in got] == want
    assert {c.metric for c in got} == {"price_return"}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Tencent rose 3%; Alibaba, 5%.", [("Tencent", 3.0), ("Alibaba", 5.0)]),
        (
            "Tencent rose 3% on Monday; Alibaba, 5%; and Baidu, 2%.",
            [("Tencent", 3.0), ("Alibaba", 5.0), ("Baidu", 2.0)],
        ),
        ("腾讯周一上涨3%；阿里巴巴5%；百度2%。", [("腾讯", 3.0), ("阿里巴巴", 5.0), ("百度", 2.0)]),
        # a clause of its own after the semicolon is read as before
        ("Nvidia fell 17%; Alibaba rose 5%.", [("Nvidia", -17.0), ("Alibaba", 5.0)]),
        ("Nvidia fell 17%; analysts expect a rebound of 10%.", [("Nvidia", -17.0)]),
    ],
)
def test_a_list_item_after_a_semicolon_takes_the_first_figures_verb(
    ex: Extractor, text: str, want: list[tuple[str, float]]
) -> None:
    # before: a semicolon ended the sentence, and "Alibaba, 5%." alone has no verb
    got = ex.extract(text, DATE)
    assert [(c.entity, c.value["amount"]) for c in got] == want
    assert len({str(c.window) for c in got}) == 1  # one date for the whole list
