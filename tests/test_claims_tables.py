"""Markdown tables: each figure of a body row is read with its column's header, so a column
"周涨幅" (weekly gain), "年初至今" (year to date), "Since Jan. 20" or "Jan. 27" gives the figure its
direction and window, and the caption before the table still dates the columns without one.

Worked by hand from the sample's closes (src/rerating/data/sample): with the article dated
2025-02-14, "上周" is the week of 2025-02-03..09; 0700.HK closed 402.0 on 2025-01-28 (Hong Kong's
last session before that week) and 428.2 on 2025-02-07: +6.517%, so "6.5%" is supported.
"""

from __future__ import annotations

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

DATE = "2025-02-14"
TABLES = (
    "上周港股科技股表现：\n\n"
    "| 公司 | 周涨幅 | 年初至今 |\n|---|---|---|\n| 阿里巴巴 | 20.3% | 45.1% |\n| 英伟达 | -3.2% | -10.5% |\n\n"
    "Moves of the week:\n\n"
    "| Company | Jan. 27 | Since Jan. 20 |\n|:--|--:|--:|\n| Nvidia | -17.0% | -12.1% |\n| Alibaba | 1.2% | 40.2% |\n"
)
WEEK = {"type": "week", "start": "2025-02-03", "end": "2025-02-09"}
YTD = {"type": "ytd", "year": 2025, "end": DATE}
JAN27 = {"type": "day", "date": "2025-01-27"}
SINCE = {"type": "range", "start": "2025-01-20", "end": DATE}


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor()


def test_each_figure_takes_its_columns_header(ex: Extractor) -> None:
    # before: the Chinese rows gave nothing (a figure without a verb), the English ones only the
    # signed figures, undated
    got = [(c.entity, c.window, c.value["amount"]) for c in ex.extract(TABLES, DATE)]
    assert got == [
        ("阿里巴巴", WEEK, 20.3),  # 周涨幅 names no week: the caption's (上周)
        ("阿里巴巴", YTD, 45.1),
        ("英伟达", WEEK, -3.2),
        ("英伟达", YTD, -10.5),
        ("Nvidia", JAN27, -17.0),
        ("Nvidia", SINCE, -12.1),
        ("Alibaba", JAN27, 1.2),  # unsigned under a date: a rise
        ("Alibaba", SINCE, 40.2),
    ]


def test_a_row_keeps_its_text_as_the_claims_sentence(ex: Extractor) -> None:
    claims = ex.extract(TABLES, DATE)
    row = "| 阿里巴巴 | 20.3% | 45.1% |"
    start = TABLES.index(row)
    assert {(c.sentence, c.span) for c in claims[:2]} == {(row, (start, start + len(row)))}


def test_a_column_without_a_change_or_a_date_gives_no_move(ex: Extractor) -> None:
    text = "| Company | Weight | Change |\n|---|---|---|\n| Alibaba | 12% | +3.0% |\n"
    (claim,) = ex.extract(text, DATE)  # the index weight is no move
    assert claim.value["amount"] == 3.0


@pytest.mark.parametrize(
    "text",
    [
        "| 公司 | 周涨幅 |\n| 阿里巴巴 | 20.3% |\n",  # no rule line: not a Markdown table
        "| 公司 | 周涨幅 |\n|---|---|\n",  # a header alone
    ],
)
def test_bars_that_are_not_a_table_body_are_read_as_before(ex: Extractor, text: str) -> None:
    assert ex.extract(text, DATE) == []


def test_a_table_figure_is_checked_like_prose() -> None:
    text = "上周港股科技股表现：\n\n| 公司 | 周涨幅 |\n|---|---|\n| 腾讯控股 | 6.5% |\n"
    market = Market.from_sample()
    (verdict,) = verify_claims(Extractor(market.securities).extract(text, DATE), market)
    hk = next(k for k in verdict.checks if k.symbol == "0700.HK")
    assert (hk.start_date, hk.end_date) == ("2025-01-28", "2025-02-07")
    assert hk.computed == pytest.approx(100 * (428.2 / 402.0 - 1), abs=1e-3)
    assert verdict.status == "supported"


def test_a_market_named_in_the_caption_or_the_header_picks_the_listing(ex: Extractor) -> None:
    text = (
        "上周港股科技股表现：\n\n| 公司 | 周涨幅 |\n|---|---|\n| 阿里巴巴 | 20.3% |\n\n"
        "China ADRs and Hong Kong shares last week:\n\n| Company | Change |\n|---|---|\n| Alibaba | +5% |\n\n"
        "| 公司 | 港股周涨幅 | 美股周涨幅 |\n|---|---|---|\n| 阿里巴巴 | 20.3% | 18.1% |\n"
    )
    # before: every listing of the company, whatever the caption said
    assert [(c.symbols, c.value["amount"]) for c in ex.extract(text, DATE)] == [
        (("9988.HK",), 20.3),  # 港股 in the caption
        (("9988.HK", "BABA"), 5.0),  # two markets in the caption: no one listing
        (("9988.HK",), 20.3),  # the column's own market
        (("BABA",), 18.1),
    ]
