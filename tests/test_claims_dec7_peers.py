"""Closed on 2026-12-07: a company joined to unnamed others ("Apple and its peers fell 3%",
"Nvidia and other chipmakers") is a claim about the company, with a note that the others are not
checked; a combined figure of them ("lost a combined $1 trillion") is a group claim.

Worked by hand from the sample's raw closes (the same files as ../shared/market): 2025-02-04 is a
Tuesday, so "Monday" is 2025-02-03. AAPL closed 236.00 on 2025-01-31 and 228.01 on 2025-02-03:
228.01 / 236.00 - 1 = -3.386%.
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor
from rerating.claims.extract import UNNAMED_PEERS_NOTE
from rerating.claims.verify import verify_claims
from rerating.data.market import Market


# -- 2. a company and unnamed others: the figure is checked on the company ------------------------
@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("Apple and its peers fell 3.4% on Monday.", ("AAPL",)),
        ("Apple and other tech stocks fell 3.4% on Monday.", ("AAPL",)),
        ("Apple, along with its rivals, fell 3.4% on Monday.", ("AAPL",)),
        ("Nvidia and other chipmakers fell 2.8% on Monday.", ("NVDA",)),
        ("苹果及其同行周一下跌3.4%。", ("AAPL",)),
    ],
)
def test_a_company_and_its_unnamed_peers_is_the_company_with_a_note(
    ex: Extractor, text: str, symbols: tuple[str, ...]
) -> None:
    (c,) = ex.extract(text, "2025-02-04")
    assert c.symbols == symbols and c.metric == "price_return"
    assert dict(c.window) == {"type": "day", "date": "2025-02-03"}
    assert UNNAMED_PEERS_NOTE in c.notes


def test_apple_and_its_peers_is_checked_on_apple(ex: Extractor, market: Market) -> None:
    claims = ex.extract("Apple and its peers fell 3.4% on Monday.", "2025-02-04")
    (v,) = verify_claims(claims, market)
    (chk,) = v.checks
    assert v.status == "supported"
    assert chk.computed == pytest.approx((228.01 / 236.00 - 1) * 100, abs=1e-3)


def test_a_combined_figure_with_unnamed_peers_is_a_group_claim(ex: Extractor, market: Market) -> None:
    # the $1 trillion is Nvidia's and the others' together, not Nvidia's alone
    text = "Nvidia and other chipmakers lost a combined $1 trillion in market value on Monday."
    (c,) = ex.extract(text, "2025-02-04")
    assert c.symbols == () and c.entity == "Nvidia and other chipmakers"
    assert "combined figure of Nvidia and other chipmakers (NVDA)" in c.notes
    (v,) = verify_claims([c], market)
    assert v.status == "unverifiable"


@pytest.mark.parametrize(
    "text", ["Apple and other fruit rose 5% on Monday.", "Apple and pear prices together rose 5%."]
)
def test_a_word_with_others_that_are_not_stocks_is_no_company(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-02-04") == []
