"""A blind journalist audit of 2026-12-07 (about forty new sentences, English and Chinese): the
problems it confirmed and that were plainly bugs.

Figures worked by hand from the sample's raw closes (the same files as ../shared/market), each the
last close before the window to its last close:
- week 2025-02-10..2025-02-14: BABA 103.51 (2025-02-07) -> 124.73, +20.50%; 9988.HK 100.00 ->
  124.10, +24.10%.
- 0700.HK from the 2025-02-14 close (474.80) to the 2025-02-21 close (517.00): +8.888%.
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

WEEK = {"type": "week", "start": "2025-02-10", "end": "2025-02-14"}


# -- 1. two markets of one company listed before a list of figures: the k-th figure, k-th market --
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alibaba's ADRs and Hong Kong shares rose 20% and 24% this week.",
         [(("BABA",), 20.0), (("9988.HK",), 24.0)]),
        ("Alibaba's U.S. and Hong Kong shares rose 20% and 24%, respectively, this week.",
         [(("BABA",), 20.0), (("9988.HK",), 24.0)]),
        ("Alibaba's Hong Kong shares and ADRs rose 24% and 20% this week.",
         [(("9988.HK",), 24.0), (("BABA",), 20.0)]),
        ("阿里巴巴美股与港股本周分别上涨20%和24%。", [(("BABA",), 20.0), (("9988.HK",), 24.0)]),
        # one figure for both markets is both listings' (home listing first)
        ("Alibaba's U.S. and Hong Kong shares rose 20% this week.", [(("9988.HK", "BABA"), 20.0)]),
    ],
)
def test_a_list_of_markets_pairs_with_the_list_of_figures(
    ex: Extractor, text: str, expected: list[tuple[tuple[str, ...], float]]
) -> None:
    claims = ex.extract(text, "2025-02-14")
    assert [(c.symbols, c.value["amount"]) for c in claims] == expected
    assert all(dict(c.window) == WEEK for c in claims)


def test_the_adr_figure_is_checked_on_the_adr(ex: Extractor, market: Market) -> None:
    claims = ex.extract("Alibaba's ADRs and Hong Kong shares rose 20% and 24% this week.", "2025-02-14")
    verdicts = verify_claims(claims, market)
    assert [v.status for v in verdicts] == ["supported", "supported"]
    assert verdicts[0].checks[0].computed == pytest.approx((124.73 / 103.51 - 1) * 100, abs=1e-3)
    assert verdicts[1].checks[0].computed == pytest.approx((124.10 / 100.00 - 1) * 100, abs=1e-3)


# -- 2. a later figure whose subject is unnamed companies is no one's ------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 3% on Feb. 3 and its peers fell 5%.",
        "Nvidia fell 3% on Feb. 3, while other chipmakers lost 6%.",
        "英伟达2月3日下跌3%，同行则下跌5%。",
    ],
)
def test_a_figure_of_unnamed_peers_after_the_company_is_not_the_company(ex: Extractor, text: str) -> None:
    claims = ex.extract(text, "2025-02-14")
    assert [(c.symbols, c.value["amount"]) for c in claims] == [(("NVDA",), -3.0)]


def test_a_second_figure_of_the_company_itself_still_counts(ex: Extractor) -> None:
    claims = ex.extract("Nvidia fell 3% on Feb. 3 and 2% on Feb. 4.", "2025-02-14")
    assert [c.value["amount"] for c in claims] == [-3.0, -2.0]


# -- 3. "from their Feb. 14 close to the Feb. 21 close" ends on Feb. 21, not the article date ------
def test_from_their_close_to_a_close_is_that_range(ex: Extractor, market: Market) -> None:
    text = "Tencent's Hong Kong shares rose 9% from their Feb. 14 close to the Feb. 21 close."
    (c,) = ex.extract(text, "2025-02-24")
    assert dict(c.window) == {"type": "range", "start": "2025-02-14", "end": "2025-02-21"}
    (v,) = verify_claims([c], market)
    assert v.status == "supported"
    assert v.checks[0].computed == pytest.approx((517.0 / 474.8 - 1) * 100, abs=1e-3)


# -- 4. a model name's digit is not the low end of a range -----------------------------------------
def test_a_name_ending_in_a_digit_starts_no_range(ex: Extractor) -> None:
    text = "Alibaba's shares extended their gain since the release of R1 to 60%."
    claims = ex.extract(text, "2025-02-14")
    assert [(c.value["amount"], c.value.get("low")) for c in claims] == [(60.0, None)]
    assert all(c.comparator == "eq" for c in claims)
