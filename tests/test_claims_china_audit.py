"""Regressions for a Hong Kong / mainland China audit of the claims layer (each test fails before
the fix):

1. 五一节后 / 国庆节后首个交易日 is the first session after that holiday, not after Lunar New Year;
   a bare 节后 is the long holiday (春节, 五一, 国庆) whose first session is at most a week before
   the article, else no window;
2. 春节后首个交易日 resolved for the market it was said of is the date later sentences carry
   (港股当日 is the A-share day, 2025-02-05, not Hong Kong's first session 2025-02-03);
3. 早盘 / 午盘 / 午间 figures are a moment of the session, not its extreme: unverifiable, unless
   outside the session's low-high range (contradicted); 一度 stays an extreme;
4. 全周累升 is one figure's window and dates no later sentence; 单日 / 單日 is one session;
5. a figure after an index name the lexicon does not know (北证50) is not the previous index's;
6. a six-digit A-share code in brackets picks the A listing: 中芯国际（688981） -> 688981.SS;
7. a Chinese "1月20日至2月14日" period is measured as 区间涨跌幅: from the close before the first day.

Figures come from the bundled sample CSVs (src/rerating/data/sample), read here with the csv
module (no code shared with the Market facade). 2025-02-05 is the first Shanghai session after
Lunar New Year (Hong Kong: 2025-02-03); 2025-05-06 the first Shanghai session after 五一 (closed
05-01..05-05); 2025-02-21 a Friday; 2025-01-20 a Monday (previous session 01-17).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rerating.claims import Claim, Extractor
from rerating.claims.verify import Verdict, verify_claims
from rerating.data.market import Market

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"


def closes(stem: str, start: str, end: str) -> dict[str, dict[str, float]]:
    """Sessions of a sample CSV between two dates: {date: {"low", "high", "close"}}."""
    with open(SAMPLE / f"{stem}.csv", encoding="utf-8") as fh:
        return {
            r["date"]: {k: float(r[k]) for k in ("low", "high", "close") if r[k]}
            for r in csv.DictReader(fh)
            if start <= r["date"] <= end and r["close"]
        }


def pct(a: float, b: float) -> float:
    return 100.0 * (b / a - 1.0)


def claims_and_verdicts(
    ex: Extractor, market: Market, text: str, date: str
) -> list[tuple[Claim, Verdict]]:
    claims = ex.extract(text, date)
    return list(zip(claims, verify_claims(claims, market), strict=True))


def find(pairs: list[tuple[Claim, Verdict]], symbol: str, amount: float) -> tuple[Claim, Verdict]:
    got = [(c, v) for c, v in pairs if symbol in c.symbols and c.value["amount"] == amount]
    assert len(got) == 1, [(c.entity, c.symbols, c.value["amount"]) for c, _ in pairs]
    return got[0]


# ---- 1. which holiday ----------------------------------------------------------------------------


def test_labour_day_first_session_is_after_may_day_not_lunar_new_year(
    ex: Extractor, market: Market
) -> None:
    sh = closes("000001.SS", "2025-04-30", "2025-05-06")
    assert list(sh) == ["2025-04-30", "2025-05-06"]  # closed 05-01..05-05
    assert round(pct(sh["2025-04-30"]["close"], sh["2025-05-06"]["close"]), 2) == 1.13
    c, v = find(claims_and_verdicts(ex, market, "五一节后首个交易日，沪指收涨1.13%。", "2025-05-06"),
                "000001.SS", 1.13)
    assert dict(c.window) == {"type": "day", "date": "2025-05-06"}
    assert v.status == "supported"


@pytest.mark.parametrize(
    ("text", "date", "window"),
    [
        # National Day: Shanghai closed 2024-10-01..10-07
        ("国庆节后首个交易日，沪指大涨4%。", "2024-10-09", {"type": "day", "date": "2024-10-08"}),
        ("国庆长假后首个交易日，沪指大涨4%。", "2024-10-08", {"type": "day", "date": "2024-10-08"}),
        # a bare 节后: the long holiday whose first session is the latest, a week or less before
        ("节后首个交易日，沪指收涨1.13%。", "2025-05-07", {"type": "day", "date": "2025-05-06"}),
        ("节后首个交易日，沪指跌0.65%。", "2025-02-07", {"type": "day", "date": "2025-02-05"}),
        # a bare 节后 a month after any long holiday known here (端午 may be meant): no window
        ("节后首个交易日，沪指跌0.65%。", "2025-06-05", {"type": "unspecified"}),
        # a festival without a date table here
        ("端午节后首个交易日，沪指跌0.65%。", "2025-06-05", {"type": "unspecified"}),
    ],
)
def test_other_holidays(ex: Extractor, text: str, date: str, window: dict) -> None:
    (c,) = ex.extract(text, date)
    assert dict(c.window) == window


# ---- 2. the resolved date is what later sentences carry -------------------------------------------


def test_spring_festival_day_carried_into_hong_kong_is_the_a_share_day(
    ex: Extractor, market: Market
) -> None:
    hsi = closes("HSI", "2025-02-04", "2025-02-05")
    assert hsi["2025-02-05"]["close"] == 20597.09
    assert round(pct(hsi["2025-02-04"]["close"], hsi["2025-02-05"]["close"]), 2) == -0.93
    pairs = claims_and_verdicts(
        ex,
        market,
        "春节后首个交易日，A股三大指数集体下跌，沪指跌0.65%。"
        "港股当日同样走弱，恒生指数收跌0.93%，报20597.09点。",
        "2025-02-05",
    )
    a, _ = find(pairs, "000001.SS", -0.65)
    assert dict(a.window) == {"type": "day", "date": "2025-02-05"}
    for amount in (-0.93, 20597.09):
        c, v = find(pairs, "^HSI", amount)
        assert dict(c.window) == {"type": "day", "date": "2025-02-05"}
        assert v.status == "supported"


# ---- 3. a moment of the session ------------------------------------------------------------------


def test_morning_and_midday_figures_are_moments_not_extremes(ex: Extractor, market: Market) -> None:
    hh = closes("1347.HK", "2025-02-20", "2025-02-21")
    lo = pct(hh["2025-02-20"]["close"], hh["2025-02-21"]["low"])
    hi = pct(hh["2025-02-20"]["close"], hh["2025-02-21"]["high"])
    assert lo < 3 < hi and not 2.5 <= hi <= 3.05  # inside the range; not the high (old reading)
    c, v = find(claims_and_verdicts(ex, market, "华虹半导体早盘涨3%。", "2025-02-21"), "1347.HK", 3.0)
    assert v.status == "unverifiable"
    assert "one moment of the session" in v.reason
    ali = closes("9988.HK", "2025-02-12", "2025-02-13")
    ali_hi = pct(ali["2025-02-12"]["close"], ali["2025-02-13"]["high"])
    ali_lo = pct(ali["2025-02-12"]["close"], ali["2025-02-13"]["low"])
    assert ali_lo < 6.2 < ali_hi and ali_hi > 6.25
    _, v = find(claims_and_verdicts(ex, market, "阿里巴巴午盘涨6.2%。", "2025-02-13"), "9988.HK", 6.2)
    assert v.status == "unverifiable"
    # outside the session's range: it never traded there
    assert ali_hi < 29
    _, v = find(claims_and_verdicts(ex, market, "阿里巴巴港股午间涨30%。", "2025-02-13"), "9988.HK", 30.0)
    assert v.status == "contradicted"
    # 一度 stays the session's extreme
    c, v = find(claims_and_verdicts(ex, market, "华虹半导体早盘一度涨3%。", "2025-02-21"), "1347.HK", 3.0)
    assert dict(c.window) == {"type": "intraday", "date": "2025-02-21"}
    assert v.status == "contradicted"


# ---- 4. a week stated for one figure -------------------------------------------------------------


def test_week_window_does_not_carry_to_the_stocks_that_follow(ex: Extractor, market: Market) -> None:
    text = (
        "恒指收市升901點或3.99%，全周累升857點。阿里巴巴（09988）急升14.6%，市值單日增加約3354億元。"
        "騰訊（00700）升6.2%，中芯國際（00981）升7.9%，華虹半導體升9.2%。"
    )
    pairs = claims_and_verdicts(ex, market, text, "2025-02-21")
    c, v = find(pairs, "^HSI", 857.0)
    assert c.window["type"] == "week" and v.status == "supported"
    for stem, amount in (("0700.HK", 6.2), ("0981.HK", 7.9), ("1347.HK", 9.2)):
        day = closes(stem, "2025-02-20", "2025-02-21")
        assert round(pct(day["2025-02-20"]["close"], day["2025-02-21"]["close"]), 1) == amount
        c, v = find(pairs, stem, amount)
        assert dict(c.window) == {"type": "day", "date": "2025-02-21"}, stem
        assert v.status == "supported", stem
    mcap = [c for c, _ in pairs if c.metric == "market_cap_change"]
    assert [dict(c.window) for c in mcap] == [{"type": "day", "date": "2025-02-21"}]
    assert all(c.window["type"] != "week" for c, _ in pairs if "^HSI" not in c.symbols)


# ---- 5. unknown index names ----------------------------------------------------------------------


def test_figure_after_an_unknown_index_name_is_not_the_previous_index(ex: Extractor) -> None:
    claims = ex.extract("沪指收涨1.27%，创业板指涨2.8%，北证50涨3%，中证1000指数涨2.1%。", "2025-02-06")
    got = sorted((c.symbols, c.value["amount"]) for c in claims)
    assert got == [(("000001.SS",), 1.27), (("399006.SZ",), 2.8)]


def test_hang_seng_tech_short_alias(ex: Extractor) -> None:
    (c,) = ex.extract("恒生科指涨2.6%。", "2025-02-06")
    assert c.symbols == ("HSTECH",)


# ---- 6. A-share codes in brackets ----------------------------------------------------------------


def test_a_share_code_in_brackets_picks_the_a_listing(ex: Extractor, market: Market) -> None:
    pairs = claims_and_verdicts(
        ex, market, "2月5日，中芯国际（688981）收涨3.2%，华虹公司（688347）涨4.1%。", "2025-02-06"
    )
    assert [c.symbols for c, _ in pairs] == [("688981.SS",), ("688347.SS",)]
    assert [v.status for _, v in pairs] == ["unverifiable", "unverifiable"]  # not in the sample


# ---- 7. X日至Y日 as 区间涨跌幅 -------------------------------------------------------------------


def test_chinese_date_range_counts_from_the_close_before_its_first_day(
    ex: Extractor, market: Market
) -> None:
    ali = closes("9988.HK", "2025-01-17", "2025-02-14")
    assert (ali["2025-01-17"]["close"], ali["2025-01-20"]["close"], ali["2025-02-14"]["close"]) == (
        80.75, 84.55, 124.1,
    )  # fmt: skip
    assert round(pct(80.75, 124.1), 1) == 53.7
    c, v = find(
        claims_and_verdicts(ex, market, "1月20日至2月14日，阿里巴巴港股区间累计上涨53.7%。", "2025-02-15"),
        "9988.HK",
        53.7,
    )
    assert dict(c.window) == {"type": "range", "start": "2025-01-20", "end": "2025-02-14"}
    assert v.status == "supported"
    (k,) = v.checks
    assert (k.start_date, k.start_close, k.end_close) == ("2025-01-17", 80.75, 124.1)
