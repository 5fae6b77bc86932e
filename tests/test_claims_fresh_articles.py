"""Regressions from the fresh-articles claims audit: six realistic articles (Chinese, Hong Kong
traditional Chinese, English wire, blog and Markdown table; fixtures in
tests/fixtures/claims_fresh/) and one sentence-level test per fix:

1. a sentence without a date takes the window the last market claim used (not the last window
   of any sentence: a capex sentence's "this year" is not carried);
2. a company's revenue growth (按年增长8%, "up 8% from a year earlier") is not a price move;
3. a Hong Kong stock code in parentheses selects that listing, 元 in Hong Kong text is HK$, and a
   price in another currency than a listing's is not checked on that listing;
4. pre-market / after-hours figures are unverifiable (daily bars hold the regular session);
5. 全周 / "for the week" is the week of the day named;
6. an intraday figure without its own date takes the carried day;
7. a figure is not bound across a name that is also a word, and "Apple bucked the trend,
   rising 3.2%" names Apple;
8. "adding $390 billion in market value" is a change, not a level;
9. a Chinese article's window ending on its (Beijing) date ends on the New York close before;
10. signed figures in tables and bullets, "its ADR ... a day earlier", "Philadelphia chip index",
    "gave back 4.1%".

Closes from the bundled sample (src/rerating/data/sample). Dates: 2025-01-28 is a Tuesday
(Monday 2025-01-27); 2025-02-17 a Monday (last Friday 2025-02-14); 2025-02-22 a Saturday (Friday
2025-02-21, Thursday 2025-02-20); 2025-02-24 a Monday (Friday 2025-02-21).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rerating.claims import Claim, Extractor, read_article
from rerating.claims.verify import Verdict, verify_claims
from rerating.data.market import Market

FIXTURES = Path(__file__).parent / "fixtures" / "claims_fresh"
MON = {"type": "day", "date": "2025-01-27"}


def check(ex: Extractor, market: Market, text: str, date: str) -> list[Verdict]:
    return verify_claims(ex.extract(text, date), market)


def find(items: list[Any], symbol: str, amount: float, metric: str | None = None) -> Any:
    """The claim (or verdict) on ``symbol`` stating ``amount``."""
    hits = []
    for it in items:
        c: Claim = it.claim if isinstance(it, Verdict) else it
        if (
            symbol in c.symbols
            and c.value["amount"] == pytest.approx(amount)
            and (metric is None or c.metric == metric)
        ):
            hits.append(it)
    assert len(hits) == 1, [(getattr(h, "claim", h)) for h in hits] or f"no claim {symbol} {amount}"
    return hits[0]


def listing(v: Verdict, symbol: str) -> Any:
    return next(k for k in v.checks if k.symbol == symbol)


# -- 1. the carried window is the one the last market claim used ----------------------------------
def test_a_wire_story_dates_its_first_claim_only(ex: Extractor, market: Market) -> None:
    text = "Nvidia fell 17% on Monday. Broadcom lost 17.4%. Microsoft fell 2.1%."
    claims = ex.extract(text, "2025-01-28")
    assert [c.window for c in claims] == [MON, MON, MON]
    verdicts = verify_claims(claims, market)
    assert [v.status for v in verdicts] == ["supported"] * 3


def test_a_window_of_a_sentence_without_market_claims_is_not_carried(
    ex: Extractor, market: Market
) -> None:
    text = (
        "Nvidia fell 17% on Monday. Meta expects capital spending of $60 billion to $65 billion "
        "this year. Shares of Alibaba in Hong Kong rose 2.9%."
    )
    (v,) = [v for v in check(ex, market, text, "2025-01-27") if "9988.HK" in v.claim.symbols]
    assert v.claim.window == MON  # not ytd from the capex sentence
    assert v.status == "supported"
    assert listing(v, "9988.HK").computed == pytest.approx(2.9499, abs=1e-3)


def test_a_sentence_with_a_date_and_no_figures_dates_the_next(ex: Extractor) -> None:
    claims = ex.extract("美股科技股周一遭遇重挫。截至收盘，英伟达暴跌16.97%。", "2025-01-28")
    assert [c.window for c in claims] == [MON]


# -- 2. revenue growth is not a price move --------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "業績方面，阿里巴巴截至去年12月底止季度收入2801.5億元人民幣，按年增長8%，雲智能集團收入增長13%；",
        "Alibaba said quarterly revenue reached 280.2 billion yuan, up 8% from a year earlier.",
        "Alibaba said quarterly revenue reached 280.2 billion yuan, up 8% year over year, on Friday.",
    ],
)
def test_revenue_growth_is_not_a_claim(ex: Extractor, text: str) -> None:
    assert ex.extract(text, "2025-02-22") == []


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Alibaba shares are up 70% from a year ago.", 70.0),
        ("Nvidia, whose revenue beat estimates, rose 8% on Friday.", 8.0),
        ("阿里巴巴业绩公布后周五大涨14.6%。", 14.6),
    ],
)
def test_stock_moves_near_results_are_still_claims(ex: Extractor, text: str, amount: float) -> None:
    (c,) = ex.extract(text, "2025-02-22")
    assert (c.metric, c.value["amount"]) == ("price_return", amount)


# -- 3. Hong Kong stock codes, 元 in Hong Kong text, the currency of a price -------------------------
def test_hong_kong_code_selects_the_listing_and_yuan_is_hkd(ex: Extractor, market: Market) -> None:
    verdicts = check(ex, market, "阿里巴巴（09988）周五升5.7%，收報143.75元。", "2025-02-22")
    assert [v.claim.symbols for v in verdicts] == [("9988.HK",), ("9988.HK",)]
    ret, close = verdicts
    assert close.claim.value["currency"] == "HKD"
    # 143.75 and +5.7% are the ADR's figures (BABA), not 9988.HK's (138.50, +14.56%)
    assert (ret.status, close.status) == ("contradicted", "contradicted")
    assert listing(close, "9988.HK").computed == pytest.approx(138.5)


def test_hong_kong_code_and_price_supported(ex: Extractor, market: Market) -> None:
    verdicts = check(ex, market, "騰訊（00700）周五升6.2%，收報517元。", "2025-02-22")
    assert [v.claim.symbols for v in verdicts] == [("0700.HK",), ("0700.HK",)]
    assert [v.status for v in verdicts] == ["supported", "supported"]
    assert verdicts[1].claim.value["currency"] == "HKD"


def test_a_price_in_another_currency_is_not_checked_on_that_listing(
    ex: Extractor, market: Market
) -> None:
    # a yuan price of a company quoted in HK$ and US$: 9988.HK's close (138.50 HK$) may not
    # "support" it
    (v,) = check(ex, market, "阿里巴巴周五收报138.5元人民币。", "2025-02-22")
    assert v.claim.value["currency"] == "CNY"
    assert v.status == "unverifiable"
    k = listing(v, "9988.HK")
    assert k.status == "unverifiable" and "CNY" in k.note and "HKD" in k.note


# -- 4. pre-market and after-hours figures --------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("英伟达周一盘前一度跌超11%。", "2025-01-28"),
        ("Nvidia had been down 13% in premarket trading on Monday.", "2025-01-28"),
        ("阿里巴巴美國預託證券（ADR）周四升8.1%，周五盤前再漲逾5%。", "2025-02-22"),
    ],
)
def test_off_session_figures_are_unverifiable(
    ex: Extractor, market: Market, text: str, date: str
) -> None:
    v = check(ex, market, text, date)[-1]
    assert v.status == "unverifiable"
    assert "daily bars hold the regular session only" in v.reason


def test_an_after_close_announcement_is_not_after_hours_trading(
    ex: Extractor, market: Market
) -> None:
    (v,) = check(ex, market, "周一收盘后，英伟达下跌17%。", "2025-01-28")
    assert v.status == "supported"


# -- 5. the whole week ----------------------------------------------------------------------------
def test_whole_week_is_the_week_of_the_day_named(ex: Extractor, market: Market) -> None:
    text = "恒生指數周五升901點或3.99%，收報23477點，全週累升857點。"
    v = find(check(ex, market, text, "2025-02-22"), "^HSI", 857.0, "index_return")
    assert v.claim.window == {"type": "week", "start": "2025-02-17", "end": "2025-02-22"}
    assert v.status == "supported"
    k = listing(v, "^HSI")
    assert (k.start_date, k.end_date) == ("2025-02-14", "2025-02-21")
    assert k.computed == pytest.approx(857.59, abs=0.01)


def test_for_the_week_in_english(ex: Extractor) -> None:
    (c,) = ex.extract("The Hang Seng Index fell 1% on Friday.", "2025-02-24")
    claims = ex.extract(
        "The Hang Seng Index rose 4% on Friday and gained 3.8% for the week.", "2025-02-24"
    )
    assert claims[-1].window == {"type": "week", "start": "2025-02-17", "end": "2025-02-23"}
    assert c.window == {"type": "day", "date": "2025-02-21"}


# -- 6. intraday without its own date --------------------------------------------------------------
def test_intraday_takes_the_carried_day(ex: Extractor) -> None:
    claims = ex.extract("腾讯上周五涨7.4%。市场情绪回暖。其中腾讯盘中一度涨超7.5%。", "2025-02-17")
    assert claims[-1].window == {"type": "intraday", "date": "2025-02-14"}


def test_intraday_under_a_period_window_is_not_one_session(ex: Extractor) -> None:
    claims = ex.extract("英伟达年内下跌10%。其股价盘中一度跌超5%。", "2025-01-28")
    assert claims[-1].window == {"type": "unspecified"}


# -- 7. a name that is also a word ----------------------------------------------------------------
def test_a_move_after_a_comma_names_the_company(ex: Extractor, market: Market) -> None:
    text = "Microsoft fell 3.5% and Alphabet lost 4.2% on Monday, while Apple bucked the trend, rising 3.2%."
    verdicts = check(ex, market, text, "2025-01-28")
    assert [(v.claim.symbols[0], v.claim.value["amount"]) for v in verdicts] == [
        ("MSFT", -3.5),
        ("GOOGL", -4.2),
        ("AAPL", 3.2),
    ]
    assert [v.status for v in verdicts] == ["contradicted", "supported", "supported"]


def test_a_figure_is_not_bound_across_a_rejected_word_name(ex: Extractor) -> None:
    claims = ex.extract(
        "Microsoft fell 2.1% on Monday, while apple prices at the market rose 3%.", "2025-01-28"
    )
    assert [(c.symbols, c.value["amount"]) for c in claims] == [(("MSFT",), -2.1)]


# -- 8. a participle gives a market-value change ---------------------------------------------------
def test_adding_market_value_is_a_change(ex: Extractor, market: Market) -> None:
    text = (
        "As of Friday's close, Nvidia had recovered 13.5% from its Jan. 27 low, adding roughly "
        "$390 billion in market value."
    )
    verdicts = check(ex, market, text, "2025-02-24")
    mc = find(verdicts, "NVDA", 390e9)
    assert mc.claim.metric == "market_cap_change"
    assert mc.claim.window == {"type": "range", "start": "2025-01-27", "end": "2025-02-21"}
    assert mc.status == "supported"
    assert find(verdicts, "NVDA", 13.5).status == "supported"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Nvidia fell 17% on Monday, shedding $593 billion in market value.", -593e9),
        ("Tencent rose 4% on Monday, gaining HK$170 billion in market value.", 170e9),
    ],
)
def test_participles_give_the_direction(ex: Extractor, text: str, amount: float) -> None:
    claims = ex.extract(text, "2025-01-28")
    assert any(
        c.metric == "market_cap_change" and c.value["amount"] == pytest.approx(amount)
        for c in claims
    )


# -- 9. a Beijing-dated window end for a New York listing -----------------------------------------
def test_beijing_article_ytd_ends_on_the_last_new_york_close(ex: Extractor, market: Market) -> None:
    (v,) = check(ex, market, "分析人士指出，英伟达年内累计跌幅已超过10%。", "2025-01-28")
    assert v.claim.window == {"type": "ytd", "year": 2025, "end": "2025-01-28"}
    k = listing(v, "NVDA")
    assert (k.start_date, k.end_date) == ("2024-12-31", "2025-01-27")
    assert k.computed == pytest.approx(-11.82, abs=0.01)
    assert v.status == "supported"
    assert "Beijing" in k.note


def test_english_and_hong_kong_windows_keep_the_article_date(ex: Extractor, market: Market) -> None:
    (v,) = check(ex, market, "Nvidia is down more than 10% this year.", "2025-01-28")
    assert listing(v, "NVDA").end_date == "2025-01-28"
    (v,) = check(ex, market, "恒生科技指数年内累计上涨超25%。", "2025-02-17")
    assert listing(v, "HSTECH").end_date == "2025-02-17"


# -- 10. tables, bullets, "its ADR", index aliases, "gave back" ---------------------------------
def test_signed_figures_in_a_table_take_the_caption_window(ex: Extractor, market: Market) -> None:
    text = (
        "Here is how the main names moved from the Jan. 24 close to the Feb. 28 close:\n\n"
        "| Company | Listing | Move |\n|---|---|---|\n| Nvidia | NVDA | -12.4% |\n"
        "| Tencent | 0700.HK | +22.5% |\n"
    )
    verdicts = check(ex, market, text, "2025-02-28")
    assert [(v.claim.symbols, v.claim.value["amount"]) for v in verdicts] == [
        (("NVDA",), -12.4),
        (("0700.HK",), 22.5),
    ]
    win = {"type": "range", "start": "2025-01-24", "end": "2025-02-28"}
    assert all(v.claim.window == win for v in verdicts)
    assert [v.status for v in verdicts] == ["supported", "supported"]


def test_signed_figure_in_a_bullet(ex: Extractor) -> None:
    (c,) = ex.extract("- Nvidia -17% on Jan. 27.", "2025-02-28")
    assert (c.symbols, c.value["amount"], c.window) == (("NVDA",), -17.0, MON)


def test_a_range_is_not_a_sign(ex: Extractor) -> None:
    (c,) = ex.extract("Nvidia rose 3-5% on Monday.", "2025-01-28")
    assert (c.value["low"], c.value["high"]) == (3.0, 5.0)


def test_its_adr_a_day_earlier(ex: Extractor, market: Market) -> None:
    text = (
        "- Alibaba's Hong Kong shares jumped 14.6% on Feb. 21 after quarterly results; "
        "its ADR rose 8.1% a day earlier."
    )
    verdicts = check(ex, market, text, "2025-02-28")
    adr = find(verdicts, "BABA", 8.1)
    assert adr.claim.symbols == ("BABA",)
    assert adr.claim.window == {"type": "day", "date": "2025-02-20"}
    assert adr.status == "supported"


def test_compared_with_the_day_before_is_not_a_date(ex: Extractor) -> None:
    c = find(
        ex.extract("恒生科技指数周五收报5600点，较前一日下跌2%。", "2025-03-08"), "HSTECH", -2.0
    )
    assert c.window == {"type": "day", "date": "2025-03-07"}


@pytest.mark.parametrize("name", ["Philadelphia SE Semiconductor index", "Philadelphia chip index"])
def test_philadelphia_index_aliases(ex: Extractor, name: str) -> None:
    (c,) = ex.extract(f"The {name} fell 9.2% on Monday.", "2025-01-28")
    assert c.symbols == ("^SOX",)


def test_gave_back_is_a_fall(ex: Extractor, market: Market) -> None:
    (v,) = check(ex, market, "Nvidia gave back 4.1% last Friday.", "2025-02-24")
    assert v.claim.value["amount"] == -4.1
    assert v.status == "supported"


# -- the six articles ---------------------------------------------------------------------------
def article(ex: Extractor, market: Market, name: str) -> list[Verdict]:
    a = read_article(FIXTURES / name)
    return verify_claims(ex.extract(a.text, a.date), market)


def test_article_a1_cls(ex: Extractor, market: Market) -> None:
    vs = article(ex, market, "a1_zh_cls_0128.md")
    assert all(v.claim.window.get("type") != "unspecified" for v in vs)
    # carried "周一": the Nasdaq, the S&P 500 (stated wrong), power stocks, Apple and Meta
    assert find(vs, "^IXIC", -612.0).status == "supported"
    assert find(vs, "^IXIC", 19341.83, "index_level").status == "supported"
    assert find(vs, "^GSPC", -2.5).status == "contradicted"
    for sym, amount in (("CEG", -20.0), ("VST", -28.0), ("AAPL", 3.2), ("META", 1.9)):
        assert find(vs, sym, amount).status == "supported", sym
    assert find(vs, "NVDA", -11.0).status == "unverifiable"  # 盘前
    ytd = find(vs, "NVDA", -10.0)
    assert ytd.status == "supported" and listing(ytd, "NVDA").end_date == "2025-01-27"


def test_article_a2_stcn(ex: Extractor, market: Market) -> None:
    vs = article(ex, market, "a2_zh_stcn_0217.md")
    intraday = find(vs, "0700.HK", 8.0)
    assert intraday.claim.window == {"type": "intraday", "date": "2025-02-14"}
    assert find(vs, "1810.HK", 20.0).status == "contradicted"
    assert find(vs, "3896.HK", 31.0).status == "supported"


def test_article_a3_hong_kong(ex: Extractor, market: Market) -> None:
    vs = article(ex, market, "a3_zht_hk_0222.md")
    ret = find(vs, "9988.HK", 14.6)
    assert ret.claim.symbols == ("9988.HK",) and ret.status == "supported"
    close = find(vs, "9988.HK", 138.5)
    assert close.claim.value["currency"] == "HKD" and close.claim.symbols == ("9988.HK",)
    assert find(vs, "^HSI", 857.0).status == "supported"
    assert find(vs, "3690.HK", -3.0).status == "contradicted"  # carried 周五; stated wrong
    assert find(vs, "BABA", 8.1).claim.symbols == ("BABA",)
    assert find(vs, "BABA", 5.0).status == "unverifiable"  # 盤前
    # revenue growth (按年增長8%) and the cloud unit's 13% are not claims
    assert not any(v.claim.value["amount"] in (8.0, 13.0) for v in vs)


def test_article_a4_wire(ex: Extractor, market: Market) -> None:
    vs = article(ex, market, "a4_en_wire_0127.md")
    unverifiable = [v for v in vs if v.status == "unverifiable"]
    # left unverifiable: the premarket figure and the Dow (no ^DJI in the sample)
    assert {v.claim.symbols[0] for v in unverifiable} == {"NVDA", "^DJI"}
    assert find(vs, "^SOX", -9.2).status == "supported"
    assert find(vs, "MSFT", -3.5).status == "contradicted"
    assert find(vs, "GOOGL", -4.2).status == "supported"
    assert find(vs, "AAPL", 3.2).status == "supported"
    alibaba = find(vs, "9988.HK", 2.9)
    assert alibaba.claim.window == MON and alibaba.status == "supported"


def test_article_a5_blog(ex: Extractor, market: Market) -> None:
    vs = article(ex, market, "a5_en_blog_0224.md")
    assert find(vs, "NVDA", 13.5).status == "supported"
    mc = find(vs, "NVDA", 390e9)
    assert mc.claim.metric == "market_cap_change" and mc.status == "supported"
    assert find(vs, "NVDA", -4.1).status == "supported"


def test_article_a6_table(ex: Extractor, market: Market) -> None:
    vs = article(ex, market, "a6_en_table_0228.md")
    for sym, amount, status in (
        ("NVDA", -12.4, "supported"),
        ("AVGO", -18.5, "supported"),
        ("9988.HK", 49.4, "contradicted"),  # stated wrong: +50.44%
        ("0700.HK", 22.5, "supported"),
        ("HSTECH", 19.5, "supported"),
        ("BABA", 8.1, "supported"),
        ("MSFT", -8.0, "contradicted"),
    ):
        assert find(vs, sym, amount).status == status, sym
    # "topped 23,000 ... for the first time since 2022" under an undated caption: no day
    assert find(vs, "^HSI", 23000.0).status == "unverifiable"


def test_the_week_to_friday_is_the_week_not_friday(market) -> None:  # type: ignore[no-untyped-def]
    from rerating.claims import extract_claims, verify_claims

    (claim,) = extract_claims("Nvidia fell 3.2% on the week to Friday.", article_date="2025-02-22")
    assert claim.window["type"] == "week"  # was the day 2025-02-21 alone
    (verdict,) = verify_claims([claim], market)
    k = verdict.checks[0]
    # NVDA closes: 2025-02-14 138.85 -> 2025-02-21 134.43
    assert (k.start_date, k.end_date) == ("2025-02-14", "2025-02-21")
    assert k.computed == pytest.approx(100 * (134.43 / 138.85 - 1))
    assert verdict.status == "supported"
