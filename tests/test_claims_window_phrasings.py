"""Window phrasings that name a window's end or anchor in words the other forms did not cover.

Figures worked by hand from the sample CSVs (src/rerating/data/sample), article date 2025-02-14
(a Friday):

- "in the 20 sessions to / ended / ending Feb. 13": 20 sessions of 9988.HK ending 2025-02-13,
  from the 2025-01-13 close 78.1 to the 2025-02-13 close 116.7: 116.7 / 78.1 - 1 = +49.42%
  (read to the article date it was 2025-01-14..2025-02-14, +55.22%, contradicted).
- "the week ended Feb. 7", "截至2月7日当周": the calendar week Monday 2025-02-03 .. Friday
  2025-02-07, from the close before it (0700.HK 402.0) to the Friday close 428.2: +6.52%.
- "in the five trading days after the DeepSeek-R1 release": the event window that
  "发布后5个交易日" gets, five NVDA sessions from the close before the release (2025-01-17,
  137.71) to 2025-01-27 (118.42): -14.01%.
- The end of a month: 0700.HK closed 402.0 on 2025-01-28 (Hong Kong's last session of January),
  9988.HK 83.65 on Friday 2024-11-29, NVDA 120.07 on 2025-01-31.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

DATE = "2025-02-14"
DOC = Path(__file__).resolve().parents[1] / "docs" / "CLAIMS.md"


def _one(ex: Extractor, market: Market, text: str, date: str = DATE):  # type: ignore[no-untyped-def]
    claims = ex.extract(text, date)
    assert len(claims) == 1, claims
    (verdict,) = verify_claims(claims, market)
    return claims[0], verdict


def _check(verdict, symbol: str):  # type: ignore[no-untyped-def]
    return next(c for c in verdict.checks if c.symbol == symbol)


# -- 1. "in the 20 sessions to / ended / ending Feb. 13" ends the sessions on that day ------------
@pytest.mark.parametrize(
    "text",
    [
        "Alibaba's Hong Kong shares rose 49.4% in the 20 sessions to Feb. 13.",
        "Alibaba's Hong Kong shares rose 49.4% in the 20 sessions ended Feb. 13.",
        "Alibaba's Hong Kong shares rose 49.4% in the 20 sessions ending Feb. 13.",
        "Alibaba's Hong Kong shares rose 49.4% in the 20 trading days to Feb. 13.",
        "In the 20 sessions ended Feb. 13, Alibaba's Hong Kong shares rose 49.4%.",
    ],
)
def test_sessions_to_a_date_end_on_that_date(ex: Extractor, market: Market, text: str) -> None:
    claim, verdict = _one(ex, market, text)
    assert dict(claim.window) == {"type": "sessions", "n": 20, "end": "2025-02-13"}
    assert verdict.status == "supported"
    chk = _check(verdict, "9988.HK")
    assert chk.start_date == "2025-01-13" and chk.end_date == "2025-02-13"
    assert chk.computed == pytest.approx(116.7 / 78.1 * 100 - 100, abs=1e-6)


def test_sessions_through_a_date_unchanged(ex: Extractor, market: Market) -> None:
    # already right before the fix: "through Feb. 13" and 截至2月13日
    for text in (
        "Alibaba's Hong Kong shares rose 49.4% in the 20 sessions through Feb. 13.",
        "截至2月13日，阿里巴巴港股20个交易日上涨49.4%。",
    ):
        claim, verdict = _one(ex, market, text)
        assert dict(claim.window) == {"type": "sessions", "n": 20, "end": "2025-02-13"}
        assert verdict.status == "supported"


# -- 2. "the week ended Feb. 7", "截至2月7日当周": Monday of that week to the day named ----------
WEEK_0207 = {"type": "week", "start": "2025-02-03", "end": "2025-02-07"}


@pytest.mark.parametrize(
    "text",
    [
        "Tencent rose 6.5% in the week ended Feb. 7.",
        "Tencent rose 6.5% for the week ending Feb. 7.",
        "Tencent rose 6.5% in the week to Feb. 7.",
        "In the week ended Feb. 7, Tencent rose 6.5%.",
        "Tencent rose 6.5% in the week to Friday, Feb. 7.",
        "截至2月7日当周，腾讯上涨6.5%。",
        "腾讯截至2月7日当周上涨6.5%。",
        "腾讯截至2月7日的一周上涨6.5%。",
        "腾讯截至2月7日一周内上涨6.5%。",  # 内: within that week, still that week
        "腾讯2月7日止一周内上涨6.5%。",
    ],
)
def test_week_ended_a_date_is_that_calendar_week(ex: Extractor, market: Market, text: str) -> None:
    claim, verdict = _one(ex, market, text)
    assert dict(claim.window) == WEEK_0207
    assert verdict.status == "supported"
    chk = _check(verdict, "0700.HK")
    assert chk.start_close == pytest.approx(402.0) and chk.end_close == pytest.approx(428.2)
    assert chk.end_date == "2025-02-07"
    assert chk.computed == pytest.approx(428.2 / 402.0 * 100 - 100, abs=1e-6)


def test_week_ended_a_weekday_and_week_of_a_day(ex: Extractor, market: Market) -> None:
    # on Saturday 2025-02-08 "Friday" is 02-07; "2月5日当周" is the week of Wednesday 02-05, to
    # its Sunday 02-09 (the same two closes: 402.0 -> 428.2)
    claim, verdict = _one(ex, market, "Tencent rose 6.5% in the week ended Friday.", "2025-02-08")
    assert dict(claim.window) == WEEK_0207
    assert verdict.status == "supported"
    claim, verdict = _one(ex, market, "腾讯2月5日当周上涨6.5%。")
    assert dict(claim.window) == {"type": "week", "start": "2025-02-03", "end": "2025-02-09"}
    assert verdict.status == "supported"
    assert _check(verdict, "0700.HK").computed == pytest.approx(428.2 / 402.0 * 100 - 100, abs=1e-6)
    # "the week of Feb. 5" is that day's whole calendar week, as 2月5日当周
    for text in ("Tencent rose 6.5% in the week of Feb. 5.", "Tencent rose 6.5% in the week of Feb. 3."):
        claim, verdict = _one(ex, market, text)
        assert dict(claim.window) == {"type": "week", "start": "2025-02-03", "end": "2025-02-09"}
        assert verdict.status == "supported"
    # a week not over at the article date runs to it
    (claim,) = ex.extract("Tencent rose 6.5% in the week of Feb. 10.", "2025-02-12")
    assert dict(claim.window) == {"type": "week", "start": "2025-02-10", "end": "2025-02-12"}


def test_week_forms_read_right_before_unchanged(ex: Extractor) -> None:
    # "for the week" alone is the week of the last day named; "this week" the article's week
    (claim,) = ex.extract("Tencent rose 6.5% for the week.", DATE)
    assert dict(claim.window) == {"type": "week", "start": "2025-02-10", "end": "2025-02-14"}
    (claim,) = ex.extract("Tencent rose 6.5% this week.", DATE)
    assert dict(claim.window) == {"type": "week", "start": "2025-02-10", "end": "2025-02-14"}
    (claim,) = ex.extract("Tencent rose 1.9% on Feb. 7.", DATE)
    assert dict(claim.window) == {"type": "day", "date": "2025-02-07"}


# -- 3. "in the five trading days after the DeepSeek-R1 release": the event window ---------------
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 14% in the five trading days after the DeepSeek-R1 release.",
        "Nvidia fell 14% in the five sessions after the DeepSeek-R1 release.",
        "Nvidia fell 14% in the 5 sessions after the DeepSeek-R1 release.",
        "Nvidia fell 14% in the first five sessions following the release of DeepSeek-R1.",
        "英伟达在DeepSeek-R1发布后5个交易日下跌14%。",
    ],
)
def test_sessions_after_an_event_are_event_anchored(ex: Extractor, market: Market, text: str) -> None:
    claim, verdict = _one(ex, market, text)
    assert dict(claim.window) == {"type": "since_event", "event": "deepseek-r1", "span": "5s"}
    assert verdict.status == "supported"
    chk = _check(verdict, "NVDA")
    assert chk.start_date == "2025-01-17" and chk.end_date == "2025-01-27"
    assert chk.computed == pytest.approx(118.42 / 137.71 * 100 - 100, abs=1e-6)


# -- 4. "since its Jan. 6 peak", "from its Jan. 6 record close": from that day to the article date --
# NVDA closed 149.43 on 2025-01-06 (its record then) and 128.99 on 2025-01-28:
# 128.99 / 149.43 - 1 = -13.68%. Before, "since its" and "record close" left a one-day window
# on 2025-01-06 (+3.43% that day), which contradicted a true claim.
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia has fallen 13.7% since its Jan. 6 peak.",
        "Nvidia has fallen 13.7% since the Jan. 6 record high.",
        "Nvidia has fallen 13.7% from its Jan. 6 record close.",
        "Nvidia has fallen 13.7% from its Jan. 6 peak.",  # (read right before too)
        "Nvidia has fallen 13.7% since Jan. 6.",  # (read right before too)
        "Nvidia has fallen 13.7% from its record high on Jan. 6.",
        "Nvidia has fallen 13.7% since its peak on Jan. 6.",
    ],
)
def test_since_a_dated_peak_runs_to_the_article_date(ex: Extractor, market: Market, text: str) -> None:
    claim, verdict = _one(ex, market, text, "2025-01-28")
    assert claim.window == {"type": "range", "start": "2025-01-06", "end": "2025-01-28"}
    assert verdict.status == "supported"
    assert _check(verdict, "NVDA").computed == pytest.approx(100 * (128.99 / 149.43 - 1), abs=0.01)


def test_a_dated_record_close_dates_the_price_and_starts_the_move(ex: Extractor, market: Market) -> None:
    """"down 13.7% from their record close of $149.43 on Jan. 6": the move runs from Jan. 6 to the
    article date (before, it was read as Jan. 6's own move, +3.43%); the price is Jan. 6's close."""
    claims = ex.extract("Nvidia shares are down 13.7% from their record close of $149.43 on Jan. 6.", "2025-01-28")
    move, price = claims
    assert move.window == {"type": "range", "start": "2025-01-06", "end": "2025-01-28"}
    assert price.metric == "close_price" and price.window == {"type": "day", "date": "2025-01-06"}
    verdicts = verify_claims(claims, market)
    assert [v.status for v in verdicts] == ["supported", "supported"]
    assert _check(verdicts[1], "NVDA").computed == pytest.approx(149.43)


# -- 5. a weekday beside a date is that date ----------------------------------------------------
# NVDA 2025-01-24 142.62 -> 2025-01-27 118.42: -16.97%. Written on 2025-02-15, "Monday" alone is
# 2025-02-10; before, "on Monday, Jan. 27" took that Monday and contradicted a true claim.
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 17% on Monday, Jan. 27.",
        "Nvidia fell 17% on Monday, January 27, 2025.",
        "Nvidia fell 17% on Monday (Jan. 27).",
        "英伟达1月27日（周一）下跌17%。",
        "英伟达周一（1月27日）下跌17%。",
        "On Monday, Jan. 27, Nvidia fell 17%.",  # (read right before too)
    ],
)
def test_a_weekday_beside_a_date_is_that_date(ex: Extractor, market: Market, text: str) -> None:
    claim, verdict = _one(ex, market, text, "2025-02-15")
    assert claim.window == {"type": "day", "date": "2025-01-27"}
    assert verdict.status == "supported"
    assert _check(verdict, "NVDA").computed == pytest.approx(100 * (118.42 / 142.62 - 1), abs=0.01)


def test_a_weekday_alone_is_still_the_last_one(ex: Extractor) -> None:
    claims = ex.extract("Nvidia fell 17% on Monday and rose 9% on Tuesday.", "2025-02-15")
    assert [c.window["date"] for c in claims] == ["2025-02-10", "2025-02-11"]


# -- 5b. "Since DeepSeek's R1 model was released on Jan. 20, ...": the event's window -------------
# HSTECH 2025-01-20 4,595.20 (the close before R1 reached Hong Kong) -> 2025-02-14 5,526.22: +20.26%.
# Before, "on Jan. 20" dated the figure after the comma: the index's move on Jan. 20 alone.
def test_a_date_inside_a_since_phrase_is_the_events(ex: Extractor, market: Market) -> None:
    text = "Since DeepSeek's R1 model was released on Jan. 20, the Hang Seng Tech index has risen about 20%."
    claim, verdict = _one(ex, market, text, "2025-02-14")
    assert claim.window == {"type": "since_event", "event": "deepseek-r1", "end": "2025-02-14"}
    assert verdict.status == "supported"
    assert _check(verdict, "HSTECH").computed == pytest.approx(100 * (5526.22 / 4595.20 - 1), abs=0.01)


def test_since_an_uncatalogued_happening_on_a_date_runs_from_that_date(ex: Extractor) -> None:
    (claim,) = ex.extract("Since Apple's results on Jan. 30, Alibaba has risen 20%.", "2025-02-14")
    assert claim.window == {"type": "range", "start": "2025-01-30", "end": "2025-02-14"}
    # "since" for "because", with the figure's own day nearer: that day
    (claim,) = ex.extract(
        "Nvidia fell 17% on Monday, since investors worried about a model released on Jan. 20.", "2025-02-14"
    )
    assert claim.window == {"type": "day", "date": "2025-02-10"}


# -- 5c. "较年初" (against the start of the year) is the year to date ------------------------------
# 9988.HK 2024-12-31 82.85 -> 2025-02-14 124.10: +49.79%. Before, the window was unspecified.
@pytest.mark.parametrize("text", ["阿里巴巴港股较年初上涨49.8%。", "阿里巴巴港股股价与年初相比上涨49.8%。"])
def test_against_the_start_of_the_year_is_year_to_date(ex: Extractor, market: Market, text: str) -> None:
    claim, verdict = _one(ex, market, text, "2025-02-14")
    assert claim.window == {"type": "ytd", "year": 2025, "end": "2025-02-14"}
    assert verdict.status == "supported"
    assert _check(verdict, "9988.HK").computed == pytest.approx(100 * (124.10 / 82.85 - 1), abs=0.01)


# -- 5d. "over the past month", "近一个月", "一年内": calendar months or years back ------------------
@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Over the past month, Alibaba's Hong Kong shares rose 40%.", "2025-01-14"),
        ("Alibaba's Hong Kong shares have risen 40% in the past three months.", "2024-11-14"),
        ("Alibaba's Hong Kong shares rose 40% over the last year.", "2024-02-14"),
        ("过去一个月，阿里巴巴港股上涨40%。", "2025-01-14"),
        ("阿里巴巴港股近半年上涨40%。", "2024-08-14"),
        ("阿里巴巴港股一年内上涨40%。", "2024-02-14"),  # before: 年内, the year to date
        ("阿里巴巴港股三个月内上涨40%。", "2024-11-14"),
    ],
)
def test_months_back_from_the_article_date(ex: Extractor, text: str, start: str) -> None:
    (claim,) = ex.extract(text, DATE)
    assert claim.window == {"type": "range", "start": start, "end": DATE}


def test_months_back_checked_on_the_data(ex: Extractor, market: Market) -> None:
    # 9988.HK 2025-01-14 close 79.95 -> 2025-02-14 124.10: +55.22%
    claim, verdict = _one(ex, market, "过去一个月，阿里巴巴港股上涨55.2%。")
    assert verdict.status == "supported"
    assert _check(verdict, "9988.HK").computed == pytest.approx(100 * (124.10 / 79.95 - 1), abs=0.01)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("阿里巴巴港股年内上涨50%。", {"type": "ytd", "year": 2025, "end": DATE}),
        ("Alibaba's Hong Kong shares rose 5% last month.", {"type": "month", "month": "2025-01"}),
    ],
)
def test_year_to_date_and_last_month_unchanged(ex: Extractor, text: str, window: dict) -> None:  # type: ignore[type-arg]
    (claim,) = ex.extract(text, DATE)
    assert claim.window == window


# -- 5e. "去年" / "last year" is the calendar year before; "较去年底" the year to date ----------------
@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("阿里巴巴港股去年上涨10%。", {"type": "year", "year": 2024}),
        ("Alibaba's Hong Kong shares rose 10% last year.", {"type": "year", "year": 2024}),
        ("阿里巴巴港股较去年底上涨49.8%。", {"type": "ytd", "year": 2025, "end": DATE}),
        ("阿里巴巴港股自去年底以来上涨49.8%。", {"type": "ytd", "year": 2025, "end": DATE}),
        ("Alibaba's Hong Kong shares have risen 49.8% since the end of last year.",
         {"type": "ytd", "year": 2025, "end": DATE}),
        # not a calendar year: since some time in it, or the same period a year before
        ("Alibaba's Hong Kong shares have risen 50% since last year.", {"type": "unspecified"}),
        ("阿里巴巴港股去年同期上涨10%。", {"type": "unspecified"}),
    ],
)
def test_last_year(ex: Extractor, text: str, window: dict) -> None:  # type: ignore[type-arg]
    (claim,) = ex.extract(text, DATE)
    assert claim.window == window


# -- 5f. "发布当天" (the day of the release): the event's first session ------------------------------
@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("阿里巴巴在Qwen2.5-Max发布当天上涨6.7%。", "qwen2-5-max"),  # before: no window
        ("R1发布当日，英伟达上涨0.5%。", "deepseek-r1"),
        ("R1发布后5个交易日内，英伟达下跌15%。", "deepseek-r1"),  # (unchanged: 5s)
    ],
)
def test_the_day_of_a_release_is_its_first_session(ex: Extractor, text: str, event: str) -> None:
    (claim,) = ex.extract(text, DATE)
    span = "5s" if "5个交易日" in text else "1s"
    assert claim.window == {"type": "since_event", "event": event, "span": span}


# -- 6. "从1月的17倍升至22倍": the month dates the figure the move started from, not where it went --
@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("恒生科技指数的市盈率已从1月的17倍升至22倍。", "x"),
        ("The Hang Seng Tech index's P/E rose to 22 times from 17 times in January.", "x"),
        ("阿里巴巴股价从1月的80港元涨至120港元。", "price"),
    ],
)
def test_a_starting_figures_date_is_its_own(ex: Extractor, text: str, unit: str) -> None:
    claims = ex.extract(text, DATE)
    by_amount = {c.value["amount"]: c.window for c in claims if c.value["unit"] == unit}
    assert len(by_amount) == 2
    start, end = sorted(by_amount)
    assert by_amount[start] == {"type": "month", "month": "2025-01"}
    assert by_amount[end] == {"type": "unspecified"}  # before, January too


def test_a_date_of_the_whole_move_still_dates_both(ex: Extractor) -> None:
    claims = ex.extract("阿里巴巴1月股价从80港元涨至120港元。", DATE)
    assert [c.window for c in claims] == [{"type": "month", "month": "2025-01"}]
    assert [c.value["amount"] for c in claims] == [120.0]


def test_docs_list_the_new_forms() -> None:
    text = DOC.read_text(encoding="utf-8")
    for form in ("20 sessions to Feb. 13", "the week ended Feb. 7", "截至2月7日当周",
                 "five trading days after the DeepSeek-R1 release"):
        assert form in text, form


# -- the end of a month or a year: its last session on the listing's calendar -------------------
@pytest.mark.parametrize(
    ("text", "symbol", "day"),
    [
        # Hong Kong shut for Lunar New Year from 2025-01-29: January's last session is the 28th
        ("腾讯1月底收于402港元。", "0700.HK", "2025-01-28"),
        ("Tencent closed at HK$402 at the end of January.", "0700.HK", "2025-01-28"),
        # 2024-11-30 was a Saturday
        ("阿里巴巴2024年11月末收于83.65港元。", "9988.HK", "2024-11-29"),
        ("Nvidia's shares closed at $120.07 at the end of January.", "NVDA", "2025-01-31"),
    ],
)
def test_the_end_of_a_month_is_its_last_session(
    ex: Extractor, market: Market, text: str, symbol: str, day: str
) -> None:
    # before: no window ("1月底" was refused as a month, "at the end of January" not read)
    claim, verdict = _one(ex, market, text)
    assert dict(claim.window) == {"type": "day", "date": day}
    chk = _check(verdict, symbol)
    assert chk.end_date == day and verdict.status == "supported"
    # Hong Kong's 2025-01-28 is a half-day row with a close only (docs/DATA.md): the check says so
    placeholder = "half-day placeholder row: no open/high/low/volume, close unverified"
    assert chk.note == (f"2025-01-28: {placeholder}" if day == "2025-01-28" else "")


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("阿里巴巴去年底市值为2万亿港元。", {"type": "day", "date": "2024-12-31"}),
        ("阿里巴巴去年年底市值为2万亿港元。", {"type": "day", "date": "2024-12-31"}),
        # (before: the calendar year 2024, a whole year for a level at its end)
        ("At the end of last year, Alibaba's market value was $200 billion.", {"type": "day", "date": "2024-12-31"}),
        # as of a month's end: the end of the year to date
        ("截至1月底，阿里巴巴年内上涨20%。", {"type": "ytd", "year": 2025, "end": "2025-01-31"}),
        ("As of the end of January, Alibaba was up 20% this year.", {"type": "ytd", "year": 2025, "end": "2025-01-31"}),
        # since a month's end: a range from it to the article date
        ("阿里巴巴自1月底以来上涨20%。", {"type": "range", "start": "2025-01-31", "end": DATE}),
        ("阿里巴巴较1月底上涨20%。", {"type": "range", "start": "2025-01-31", "end": DATE}),
        # since last year's end is the year to date, as before
        ("阿里巴巴较去年底上涨49.8%。", {"type": "ytd", "year": 2025, "end": DATE}),
    ],
)
def test_the_end_of_last_year_and_as_of_a_months_end(ex: Extractor, text: str, window: dict) -> None:
    (claim,) = ex.extract(text, DATE)
    assert dict(claim.window) == window


@pytest.mark.parametrize(
    "text",
    [
        "2月底阿里巴巴将公布业绩，预计收入增长8%。",  # an end not reached at the article date
        "阿里巴巴的期末现金为100亿元。",
    ],
)
def test_an_end_not_yet_reached_is_no_window(ex: Extractor, text: str) -> None:
    assert all(c.window.get("date") != "2025-02-28" for c in ex.extract(text, DATE))


@pytest.mark.parametrize(
    ("text", "symbol"),
    [("春节后首周，腾讯上涨6.5%。", "0700.HK"), ("春节假期后第一周，腾讯控股上涨6.5%。", "0700.HK")],
)
def test_the_first_week_after_lunar_new_year(
    ex: Extractor, market: Market, text: str, symbol: str
) -> None:
    # before: no window. The calendar week of Hong Kong's first session after the holiday
    # (2025-02-03): from the close before it (2025-01-28, 402.0) to 2025-02-07 (428.2), +6.52%
    claim, verdict = _one(ex, market, text)
    assert dict(claim.window) == {"type": "week", "start": "2025-02-03", "end": "2025-02-09"}
    chk = _check(verdict, symbol)
    assert chk.computed == pytest.approx(100 * (428.2 / 402.0 - 1), abs=1e-3)
    assert verdict.status == "supported"
