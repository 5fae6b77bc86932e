"""Figures read as written: an amount with a magnitude word is the number written ("HK$4.1
trillion" is 4.1e12, not 4099999999999.9995), a move "to a record HK$1.2 trillion" names a level
like "to HK$1.2 trillion", "Shanghai shares" / "in Shanghai" pick a company's Shanghai listing,
腰斩 / halved is a fall of half, 几乎 (nearly) makes a figure approximate, and "，报124.1港元" after
a move is the close (9988.HK closed at 124.10 on 2025-02-14 in the sample), as "closed 1.8% higher at
21,522" is an index's level (^HSI 2025-02-07 21,133.54 -> 2025-02-10 21,521.98: +1.838%).
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

DATE = "2025-02-14"


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor()


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Tencent's market value is about HK$4.1 trillion.", 4.1e12),
        ("Nvidia lost $0.3 trillion in market value on Monday.", -0.3e12),
        ("阿里巴巴市值增加了1.1万亿港元。", 1.1e12),
        ("Alibaba's market value rose by $12.3 billion on Friday.", 12.3e9),
    ],
)
def test_an_amount_is_the_number_written(ex: Extractor, text: str, amount: float) -> None:
    (claim,) = ex.extract(text, DATE)
    assert claim.value["amount"] == amount  # exactly: the figure a reader sees in the JSON


@pytest.mark.parametrize(
    "text",
    [
        "Xiaomi's market value climbed to a record HK$1.2 trillion on Friday.",
        "Xiaomi's market value climbed to a new high of HK$1.2 trillion on Friday.",
        "Xiaomi's market value climbed to HK$1.2 trillion on Friday.",  # (read right before too)
    ],
)
def test_a_move_to_a_record_names_a_level(ex: Extractor, text: str) -> None:
    (claim,) = ex.extract(text, DATE)
    assert claim.metric == "market_cap_level"  # before: a change of HK$1.2 trillion in a day
    assert claim.value["amount"] == 1.2e12 and claim.value["currency"] == "HKD"


def test_a_change_by_an_amount_is_still_a_change(ex: Extractor) -> None:
    (claim,) = ex.extract("Xiaomi's market value rose by HK$100 billion on Friday.", DATE)
    assert claim.metric == "market_cap_change"


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("SMIC's Shanghai shares rose 20% this week.", [("688981.SS",)]),
        ("SMIC's Shanghai-traded shares rose 20% this week.", [("688981.SS",)]),
        ("SMIC rose 10% in Hong Kong and 8% in Shanghai on Monday.", [("0981.HK",), ("688981.SS",)]),
        # a company based in Shanghai is no listing qualifier
        ("SMIC rose 10% on Monday.", [("0981.HK", "688981.SS")]),
    ],
)
def test_shanghai_shares_are_the_shanghai_listing(ex: Extractor, text: str, symbols: list) -> None:  # type: ignore[type-arg]
    assert [c.symbols for c in ex.extract(text, DATE)] == symbols


@pytest.mark.parametrize(
    ("text", "amount", "comparator"),
    [
        ("阿里巴巴股价腰斩。", -50.0, "eq"),
        ("阿里巴巴股价几乎腰斩。", -50.0, "approx"),
        ("Alibaba's stock price has halved since its 2020 peak.", -50.0, "eq"),
        ("阿里巴巴股价较1月低点几乎翻倍。", 100.0, "approx"),  # before: eq
        ("Alibaba's stock has nearly doubled from its January low.", 100.0, "approx"),  # (unchanged)
    ],
)
def test_halved_and_nearly(ex: Extractor, text: str, amount: float, comparator: str) -> None:
    (claim,) = ex.extract(text, DATE)
    assert claim.metric == "price_return"
    assert (claim.value["amount"], claim.value["unit"], claim.comparator) == (amount, "pct", comparator)


@pytest.mark.parametrize("text", ["阿里巴巴港股周五收涨6.3%，报124.1港元。", "阿里巴巴週五收漲6.3%，報124.1元。"])
def test_bao_after_a_move_is_the_close(text: str) -> None:
    market = Market.from_sample()
    ex = Extractor(market.securities)
    claims = ex.extract(text, DATE)
    assert [c.metric for c in claims] == ["price_return", "close_price"]  # before: no price
    price = claims[1]
    assert price.symbols == ("9988.HK",) and price.value["currency"] == "HKD"
    verdict = verify_claims([price], market)[0]
    assert verdict.status == "supported"
    assert verdict.checks[0].computed == pytest.approx(124.10)


@pytest.mark.parametrize(
    "text",
    [
        "The Hang Seng Index closed 1.8% higher at 21,522 on Monday.",
        "The Hang Seng Index rose 1.8% at 21,521.98 on Monday.",
        "The Hang Seng Index closed at 21,522 on Monday, up 1.8%.",  # (read right before too)
    ],
)
def test_a_level_after_a_move_higher_at(text: str) -> None:
    market = Market.from_sample()
    ex = Extractor(market.securities)
    claims = ex.extract(text, DATE)
    assert sorted(c.metric for c in claims) == ["index_level", "index_return"]  # before: no level
    verdicts = verify_claims(claims, market)
    assert [v.status for v in verdicts] == ["supported", "supported"]
    level = next(v for v in verdicts if v.claim.metric == "index_level")
    assert level.checks[0].computed == pytest.approx(21521.98)


@pytest.mark.parametrize("text", ["The index fell 2% at 10:30 a.m.", "Alibaba closed 3% higher at 124.1 on Friday."])
def test_no_level_from_a_time_or_a_stock_price_without_currency(ex: Extractor, text: str) -> None:
    assert [c.metric for c in ex.extract(text, DATE)] in ([], ["price_return"])
