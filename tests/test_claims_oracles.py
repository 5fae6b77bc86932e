"""Claims: tolerances, windows, figures and verdicts pinned by hand (a mutation audit's findings).

Each test kills at least one code change (mutant) that the other claims, report, README and CLI
tests let through (the audit's ids in brackets). Oracles: the bundled sample CSVs read with the
csv module, shares.csv figures and hand arithmetic -- no rerating measure code.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rerating
from rerating.claims import extract_claims
from rerating.claims.verify import accepted_interval, verify_claims
from rerating.data.market import Market

SAMPLE = Path(rerating.__file__).parent / "data" / "sample"


def col(stem: str, name: str = "close") -> dict[str, float]:
    with open(SAMPLE / f"{stem}.csv", encoding="utf-8") as fh:
        return {r["date"]: float(r[name]) for r in csv.DictReader(fh) if r[name]}


def pct(a: float, b: float) -> float:
    return 100.0 * (b / a - 1.0)


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def one(text: str, date: str | None):
    claims = extract_claims(text, date)
    assert len(claims) == 1, claims
    return claims[0]


def check(market: Market, text: str, date: str):
    """The verdict of a one-claim sentence and its only listing check."""
    (v,) = verify_claims([one(text, date)], market)
    assert len(v.checks) == 1, v.checks
    return v, v.checks[0]


# ---- verify.py: tolerances ----------------------------------------------------------------------


def test_data_tolerance_of_prices_points_and_approx_percent() -> None:
    # [V3] price: r = 0.01 -> [x - 0.005, x + 0.01], plus half a tick (0.005) either side
    price = accepted_interval({"unit": "price", "amount": 118.45, "resolution": 0.01}, "eq")
    assert price == pytest.approx((118.44, 118.465))
    # [V4] index level: r = 1 -> [x - 0.5, x + 1], plus 0.5 points either side
    pts = accepted_interval({"unit": "points", "amount": 20200.0, "resolution": 1.0}, "eq")
    assert pts == pytest.approx((20199.0, 20201.5))
    # [V5] no resolution stated: a percentage is read as stated to one point
    assert accepted_interval({"unit": "pct", "amount": 40.0}, "eq") == pytest.approx((39.45, 41.05))
    # [V10] approx 3.6%: one percentage point beats 10% of 3.6 (0.36) and r/2 (0.05)
    assert accepted_interval(
        {"unit": "pct", "amount": 3.6, "resolution": 0.1}, "approx"
    ) == pytest.approx((2.55, 4.65))


def test_tolerances_decide_verdicts(market: Market) -> None:
    # [V3] NVDA closed at 118.42 on 2025-01-27: "118.45" is three ticks off
    v, k = check(market, "Nvidia closed at $118.45 on Monday.", "2025-01-28")
    assert (v.status, k.computed) == ("contradicted", col("NVDA")["2025-01-27"]) == ("contradicted", 118.42)
    # [V4] the HSI closed at 20197.77 on 2025-01-27: "20200点" is 2.2 points off
    v, k = check(market, "恒生指数周一收于20200点。", "2025-01-28")
    assert (v.status, k.computed) == ("contradicted", 20197.77)
    # [V10] 9988.HK rose 2.95% on 2025-01-27 (84.75 -> 87.25): "约3.6%" holds within one point
    hk = col("9988.HK")
    v, k = check(market, "阿里巴巴港股周一上涨约3.6%。", "2025-01-28")
    assert v.status == "supported"
    assert k.computed == pytest.approx(pct(hk["2025-01-24"], hk["2025-01-27"]))


def test_accepted_interval_is_closed(market: Market) -> None:
    """[V14] The HSI closed at exactly 17641.00 on 2024-08-22; "17642点" accepts [17641, 17643.5]."""
    v, k = check(market, "恒生指数8月22日收于17642点。", "2024-08-23")
    assert (k.computed, k.accepted) == (17641.0, (17641.0, 17643.5))
    assert v.status == "supported"


# ---- verify.py: figures ---------------------------------------------------------------------------


def test_points_move_is_end_close_minus_start_close(market: Market) -> None:
    """[V20] The HSI rose 20066.19 -> 20197.77 on 2025-01-27: +131.58 points."""
    hsi = col("HSI")
    v, k = check(market, "恒生指数周一上涨131点。", "2025-01-28")
    assert k.computed == pytest.approx(hsi["2025-01-27"] - hsi["2025-01-24"]) == pytest.approx(131.58)
    assert v.status == "supported"


def test_market_value_figures_are_in_the_stated_currency(market: Market) -> None:
    """[V21, V22] 9988.HK: 19,054,532,284 shares (shares.csv), 84.75 -> 87.25 HKD on 2025-01-24..27
    at 7.7883 / 7.7860 HKD per USD; 0700.HK: 9.225 bn shares x 395.6 HKD / 7.7860 on 2025-01-27."""
    fx, hk, tx = col("USDHKD"), col("9988.HK"), col("0700.HK")
    usd_change = 19_054_532_284 * (hk["2025-01-27"] / fx["2025-01-27"] - hk["2025-01-24"] / fx["2025-01-24"])
    v, k = check(market, "阿里巴巴港股周一市值增加62亿美元。", "2025-01-28")
    assert k.currency == "USD"
    assert k.computed == pytest.approx(usd_change, rel=1e-9)  # 6.179 bn USD, not 47.6 bn HKD
    assert v.status == "supported"
    v, k = check(market, "腾讯控股港股市值周一达到4700亿美元。", "2025-01-28")
    assert k.currency == "USD"
    assert k.computed == pytest.approx(9_225_000_000 * tx["2025-01-27"] / fx["2025-01-27"], rel=1e-9)
    assert v.status == "supported"  # 468.7 bn USD


def test_dividend_adjusted_return_is_reported_beside_the_raw_one(market: Market) -> None:
    """[V19] 9988.HK went ex-dividend on 2025-06-11: raw -0.34%, adjusted -0.23%."""
    raw, adj = col("9988.HK"), col("9988.HK", "adj_close")
    _, k = check(market, "阿里巴巴港股6月11日下跌1%。", "2025-06-12")
    assert k.computed == pytest.approx(pct(raw["2025-06-10"], raw["2025-06-11"]))
    assert k.computed_adjusted == pytest.approx(pct(adj["2025-06-10"], adj["2025-06-11"]))
    assert k.computed_adjusted - k.computed == pytest.approx(0.1102, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "date", "start", "end"),
    [
        # [V23] 7 calendar days to Wed 2025-02-12 in Beijing, so to New York's Tue 02-11 (02-12's
        # session closes the next morning in Beijing): from the close of Tue 2025-02-04
        ("英伟达近7天上涨1%。", "2025-02-12", "2025-02-04", "2025-02-11"),
        # [V25] last week (Mon 01-27 .. Sun 02-02): from the close of Fri 01-24
        ("英伟达上周下跌16%。", "2025-02-04", "2025-01-24", "2025-01-31"),
        # [V26] April 2025 (April 1 is a session): from the close of 03-31
        ("英伟达4月份上涨0.5%。", "2025-05-10", "2025-03-31", "2025-04-30"),
        # [V30] since R1 (day 0 2025-01-21 on XHKG) to the article date, not a day later
        ("Since the release of DeepSeek-R1, the Hang Seng Tech index has climbed about 20%.",
         "2025-02-12", "2025-01-20", "2025-02-12"),
    ],
)
def test_window_start_and_end_sessions(market: Market, text: str, date: str, start: str, end: str) -> None:
    _, k = check(market, text, date)
    assert (k.start_date, k.end_date) == (start, end)
    closes = col(k.symbol.lstrip("^"))
    assert k.computed == pytest.approx(pct(closes[start], closes[end]))


def test_intraday_fall_below_a_level_is_checked_on_the_low(market: Market) -> None:
    """[V36] The HSI's 2025-01-27 range was 20118.02..20296.94: it did dip below 20150."""
    v, k = check(market, "恒生指数周一盘中一度跌破20150点。", "2025-01-28")
    assert k.computed == col("HSI", "low")["2025-01-27"] == 20118.02
    assert v.status == "supported"


def test_beijing_reading_is_tried_for_new_york_listings_only(market: Market) -> None:
    """[V18] 9988.HK rose 1.26% on 2025-01-28 (2.95% the session before): a Hong Kong session is
    not shifted to the previous day."""
    v, k = check(market, "1月28日，阿里巴巴港股上涨3%。", "2025-02-10")
    assert (v.status, k.end_date) == ("contradicted", "2025-01-28")
    assert "Beijing" not in k.note


def test_beijing_reading_only_for_the_session_that_closed_that_beijing_day(market: Market) -> None:
    """[V17] NVDA fell 3.67% on Fri 2025-01-31 and 2.84% on Mon 2025-02-03 (New York)."""
    v, k = check(market, "2月3日，英伟达股价下跌3.7%。", "2025-02-03")
    assert v.status == "contradicted"
    assert k.end_date == "2025-02-03"


# ---- windows.py / dates.py --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date", "window"),
    [
        # [W1, W17] 2025-01-27 is a Monday: "on Monday" is that day, "last Monday" the one before
        ("Nvidia fell 17% on Monday.", "2025-01-27", {"type": "day", "date": "2025-01-27"}),
        ("Nvidia fell 17% last Monday.", "2025-01-27", {"type": "day", "date": "2025-01-20"}),
        # [W3] a December date in a January article is last year's
        ("英伟达12月31日下跌3%。", "2025-01-03", {"type": "day", "date": "2024-12-31"}),
        # [W4] "28日" in an article dated the 27th: the code allows one day ahead (time zones)
        ("28日，英伟达股价下跌3%。", "2025-01-27", {"type": "day", "date": "2025-01-28"}),
        # [W5] 前天: two days before
        ("英伟达前天下跌17%。", "2025-01-29", {"type": "day", "date": "2025-01-27"}),
        # [W6] N weeks are 7N calendar days; [W7] N天 are calendar days, not sessions
        ("英伟达过去两周下跌10%。", "2025-02-12", {"type": "days", "n": 14, "end": "2025-02-12"}),
        ("英伟达近20天下跌10%。", "2025-02-12", {"type": "days", "n": 20, "end": "2025-02-12"}),
        # [W8] 去年大年初一: Lunar New Year of the year before; [W9] 除夕: the day before LNY
        ("去年大年初一，阿里巴巴港股上涨1%。", "2025-02-13", {"type": "day", "date": "2024-02-10"}),
        ("除夕，阿里巴巴港股上涨1%。", "2025-02-13", {"type": "day", "date": "2025-01-28"}),
        # [W10] 上周 ends on the Sunday before the article's week; [W11, W22] 过去一周 / 近一周: 7 days
        ("英伟达上周下跌16%。", "2025-02-04", {"type": "week", "start": "2025-01-27", "end": "2025-02-02"}),
        ("英伟达过去一周下跌16%。", "2025-02-04", {"type": "days", "n": 7, "end": "2025-02-04"}),
        ("英伟达近一周下跌16%。", "2025-02-04", {"type": "days", "n": 7, "end": "2025-02-04"}),
        # [W12] a month after the article's month is last year's; [W21] 上个月
        ("英伟达12月份下跌3%。", "2025-02-10", {"type": "month", "month": "2024-12"}),
        ("英伟达上个月下跌10%。", "2025-03-10", {"type": "month", "month": "2025-02"}),
        # [W20] a range across two months ends in the second
        ("英伟达1月27日至2月3日下跌10%。", "2025-02-10",
         {"type": "range", "start": "2025-01-27", "end": "2025-02-03"}),
        # [W15] the article's own year since its start is ytd (docs/CLAIMS.md)
        ("阿里巴巴2025年以来上涨50%。", "2025-03-10", {"type": "ytd", "year": 2025, "end": "2025-03-10"}),
    ],
)
def test_relative_and_calendar_windows(text: str, date: str, window: dict) -> None:
    assert one(text, date).window == window


def test_yearless_date_after_the_article_is_last_years() -> None:
    """[W23] An article of 2025-01-31 writing 2月3日 (no year)."""
    assert one("英伟达2月3日下跌3%。", "2025-01-31").window == {"type": "day", "date": "2024-02-03"}


# ---- extract.py: numbers, signs, comparators, listings ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "date", "expect"),
    [
        # [E3] the resolution carries the magnitude: "$0.6 trillion" is stated to 0.1 trillion
        ("Nvidia lost $0.6 trillion in market value on Monday.", "2025-01-28",
         {"metric": "market_cap_change", "amount": -6e11, "resolution": 1e11, "comparator": "eq"}),
        # [E11] 五千亿: stated to 1000亿 (1e11)
        ("英伟达市值周一蒸发五千亿美元。", "2025-01-28",
         {"metric": "market_cap_change", "amount": -5e11, "resolution": 1e11, "comparator": "eq"}),
        # [E9] 近万亿 is approximate; [E29] so is 约万亿; [E10] 大约上万亿 too
        ("英伟达市值周一蒸发近万亿美元。", "2025-01-28", {"amount": -1e12, "comparator": "approx"}),
        ("英伟达市值周一蒸发约万亿美元。", "2025-01-28", {"amount": -1e12, "comparator": "approx"}),
        ("英伟达市值周一蒸发大约上万亿美元。", "2025-01-28", {"amount": -1e12, "comparator": "approx"}),
        # [E4] a range is stated to its finer figure (17.5 -> 0.1)
        ("英伟达周一下跌16%至17.5%。", "2025-01-28",
         {"amount": -16.75, "low": -17.5, "high": -16.0, "resolution": 0.1, "comparator": "approx"}),
        # [E8] 翻倍 is +100%
        ("阿里巴巴港股今年以来股价翻倍。", "2025-03-10", {"metric": "price_return", "amount": 100.0}),
        # [E13] 万股 is 1e4 shares
        ("英伟达周一成交量达81883万股。", "2025-01-28",
         {"metric": "volume", "amount": 818_830_000.0, "resolution": 1e4}),
        # [E14] the verb nearest the figure gives the sign
        ("英伟达周一下跌后反弹3%。", "2025-01-28", {"amount": 3.0}),
        # [E15] 左右 is approx; [E16] 以上 is more than (signed: lt -15)
        ("英伟达周一下跌17%左右。", "2025-01-28", {"amount": -17.0, "comparator": "approx"}),
        ("英伟达周一下跌15%以上。", "2025-01-28", {"amount": -15.0, "comparator": "lt"}),
        # [E19] A股 picks the Shenzhen A share
        ("比亚迪A股周一上涨3%。", "2025-02-04", {"symbols": ("002594.SZ",)}),
        # [E20] the market named nearest before the figure wins
        ("Alibaba's US-listed shares were flat while its Hong Kong shares rose 5% on Monday.",
         "2025-01-28", {"symbols": ("9988.HK",), "amount": 5.0}),
        # [E23] "从A升至B": the starting level is no claim, the end level is
        ("阿里巴巴市值从2000亿美元升至3000亿美元。", "2025-02-14",
         {"metric": "market_cap_level", "amount": 3e11, "comparator": "eq"}),
    ],
)
def test_extracted_figures(text: str, date: str, expect: dict) -> None:
    c = one(text, date)
    got = {
        "metric": c.metric, "comparator": c.comparator, "symbols": c.symbols, **c.value,
    }  # fmt: skip
    assert {k: got.get(k) for k in expect} == expect


@pytest.mark.parametrize(
    "text",
    [
        "阿里巴巴目标价升至160港元。",
        "高盛周五将阿里巴巴目标价定为160港元，股价收于130港元。",
        # the upside a target implies is not a move of the price
        "高盛周五给予阿里巴巴目标价160港元，隐含25%的上涨空间。",
        "Goldman set a $160 target on Alibaba, implying 25% upside.",
    ],
)
def test_price_targets_are_not_price_claims(text: str) -> None:
    """[E22] A target price is no traded price."""
    assert all(c.value["amount"] != 160.0 for c in extract_claims(text, "2025-02-14"))


def test_magnitude_and_approximation_decide_verdicts(market: Market) -> None:
    """NVDA lost 592.7 bn USD of market value on 2025-01-27 and traded 818,830,900 shares."""
    for text in (
        "Nvidia lost $0.6 trillion in market value on Monday.",  # [E3] accepts [-706, -544] bn
        "英伟达市值周一蒸发五千亿美元。",  # [E11] accepts [-605, -445] bn
        "英伟达市值周一蒸发近万亿美元。",  # [E9] approx: [-1510, -490] bn
        "英伟达周一成交量达81883万股。",  # [E13]
    ):
        v, _ = check(market, text, "2025-01-28")
        assert v.status == "supported", text
