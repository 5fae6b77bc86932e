"""Claims: the Beijing reading of rolling windows, and a move after a comparison's comparator.

1. A Chinese article dated D (Beijing) that counts back from D (近5个交易日, 近7天, 过去5天) was
   written before New York's session of D closed: for a New York listing the count ends on the
   session before, as ytd / range / week windows already did. Hong Kong listings and English
   sentences keep D.
2. "阿里巴巴周五跑赢恒指大涨14.6%": the move after the comparator is the subject's (the 14.6% was
   given to 恒指, the nearest name); "beat the Nasdaq, which rose 3%" and "跑赢恒指，后者上涨3%" stay
   the comparator's.

Oracles: the bundled sample CSVs read with pandas (closes by date, sessions as CSV rows), no
rerating measure code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import rerating
from rerating.claims import extract_claims
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

SAMPLE = Path(rerating.__file__).parent / "data" / "sample"
BEIJING_NOTE = "window end read as Beijing time"


def closes(stem: str) -> pd.Series:
    """The raw closes of a sample CSV, indexed by ISO date."""
    df = pd.read_csv(SAMPLE / f"{stem}.csv", usecols=["date", "close"], dtype={"date": str})
    return df.dropna().set_index("date")["close"]


def pct(a: float, b: float) -> float:
    return 100.0 * (b / a - 1.0)


def last_sessions(stem: str, end: str, n: int) -> tuple[str, str]:
    """(start, end) dates of the return over the last ``n`` sessions (rows) to ``end``."""
    c = closes(stem).loc[:end]
    return str(c.index[-1 - n]), str(c.index[-1])


def calendar_days(stem: str, end: str, n: int) -> tuple[str, str]:
    """(start, end) dates of the return over ``n`` calendar days to ``end``: from the last close
    on or before the day before the period."""
    c = closes(stem)
    before = (pd.Timestamp(end) - pd.Timedelta(days=n)).strftime("%Y-%m-%d")
    return str(c.loc[:before].index[-1]), str(c.loc[:end].index[-1])


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def check(market: Market, text: str, date: str):
    claims = extract_claims(text, date)
    assert len(claims) == 1, claims
    v = verify_claims(claims, market)[0]
    return v, {k.symbol: k for k in v.checks}


# ---- 1. rolling windows read in Beijing time ----------------------------------------------------


def test_sessions_count_of_a_new_york_listing_ends_on_the_session_before(market: Market) -> None:
    """近5个交易日 on Tue 2025-01-28 (Beijing): the five NVDA sessions to Mon 01-27 (01-20 was a
    holiday): 137.71 (01-17) -> 118.42 (01-27) = -14.01%. Before, 01-21 -> 01-28: -8.41%."""
    v, by = check(market, "英伟达近5个交易日下跌14%。", "2025-01-28")
    start, end = last_sessions("NVDA", "2025-01-27", 5)
    assert (start, end) == ("2025-01-17", "2025-01-27")
    k = by["NVDA"]
    assert (k.start_date, k.end_date) == (start, end)
    c = closes("NVDA")
    assert k.computed == pytest.approx(pct(c[start], c[end]))
    assert k.computed == pytest.approx(pct(137.71, 118.42))
    assert v.status == "supported"
    assert BEIJING_NOTE in (k.note or "")


@pytest.mark.parametrize(
    ("text", "date", "n", "end"),
    [
        # 过去5天 on 01-28: 5 calendar days to 01-27, from the 01-22 close (-19.48%)
        ("英伟达过去5天下跌19%。", "2025-01-28", 5, "2025-01-27"),
        # 近7天 on Wed 02-12: 7 days to Tue 02-11, from the close of Tue 02-04
        ("英伟达近7天上涨2%。", "2025-02-12", 7, "2025-02-11"),
    ],
)
def test_calendar_days_of_a_new_york_listing_end_on_the_day_before(
    market: Market, text: str, date: str, n: int, end: str
) -> None:
    _, by = check(market, text, date)
    k = by["NVDA"]
    start, last = calendar_days("NVDA", end, n)
    assert (k.start_date, k.end_date) == (start, last)
    c = closes("NVDA")
    assert k.computed == pytest.approx(pct(c[start], c[last]))
    assert BEIJING_NOTE in (k.note or "")


def test_days_figure_is_supported_on_the_beijing_reading(market: Market) -> None:
    """过去5天 to 01-27: 01-22 close -> 01-27 close is -19.48% (stated 19%: [-20.05, -18.45]); on
    the article date (01-23 -> 01-28) it was -12.38%, contradicted."""
    v, by = check(market, "英伟达过去5天下跌19%。", "2025-01-28")
    c = closes("NVDA")
    assert by["NVDA"].computed == pytest.approx(pct(c["2025-01-22"], c["2025-01-27"]))
    assert v.status == "supported"


def test_comparison_over_a_rolling_window_ends_both_new_york_series_on_the_session_before(
    market: Market,
) -> None:
    """NVDA 01-17 -> 01-27 -14.01%, ^IXIC 19,630.2 -> 19,341.83 -1.47%: a gap of -12.54 points."""
    v, by = check(market, "英伟达近5个交易日跑输纳指12.5个百分点。", "2025-01-28")
    assert v.claim.metric == "relative_return"
    n, ix = closes("NVDA"), closes("IXIC")
    s, e = last_sessions("NVDA", "2025-01-27", 5)
    gap = pct(n[s], n[e]) - pct(ix[s], ix[e])
    k = by["NVDA"]
    assert (k.start_date, k.end_date) == (s, e)
    assert k.computed == pytest.approx(gap)
    assert v.status == "supported"


def test_hong_kong_listing_keeps_the_article_date(market: Market) -> None:
    """0700.HK's five sessions to Wed 2025-02-12 itself: a Hong Kong close of that day is known."""
    _, by = check(market, "腾讯控股近5个交易日上涨5%。", "2025-02-12")
    k = by["0700.HK"]
    start, end = last_sessions("0700.HK", "2025-02-12", 5)
    assert (k.start_date, k.end_date) == (start, end) == (start, "2025-02-12")
    c = closes("0700.HK")
    assert k.computed == pytest.approx(pct(c[start], c[end]))
    assert BEIJING_NOTE not in (k.note or "")


def test_english_sentence_keeps_the_article_date(market: Market) -> None:
    """NVDA's five sessions to 01-28 itself: 01-21 close -> 01-28 close, -8.41%."""
    v, by = check(market, "Nvidia fell 8% in the past five sessions.", "2025-01-28")
    k = by["NVDA"]
    start, end = last_sessions("NVDA", "2025-01-28", 5)
    assert (k.start_date, k.end_date) == (start, end) == ("2025-01-21", "2025-01-28")
    c = closes("NVDA")
    assert k.computed == pytest.approx(pct(c[start], c[end]))
    assert v.status == "supported"
    assert BEIJING_NOTE not in (k.note or "")


def test_rolling_window_ending_before_the_article_date_is_kept(market: Market) -> None:
    """截至1月24日 moves the end off the article date: nothing to read in Beijing time."""
    _, by = check(market, "截至1月24日，英伟达近5个交易日上涨1%。", "2025-01-28")
    k = by["NVDA"]
    assert k.end_date == "2025-01-24"
    assert BEIJING_NOTE not in (k.note or "")


# ---- 2. a move after the comparator ----------------------------------------------------------------


def test_move_after_the_comparator_is_the_subjects(market: Market) -> None:
    """9988.HK 2025-02-20 close -> 02-21 close: +14.56% (stated 14.6: [14.5, 14.75]). Before, the
    14.6% was ^HSI's (+3.99% that day), contradicted."""
    v, by = check(market, "阿里巴巴周五跑赢恒指大涨14.6%。", "2025-02-22")
    assert (v.claim.entity, v.claim.metric) == ("阿里巴巴", "price_return")
    c = closes("9988.HK")
    assert by["9988.HK"].computed == pytest.approx(pct(c["2025-02-20"], c["2025-02-21"]))
    assert v.status == "supported"


def test_fall_after_a_lagged_comparator_is_the_subjects(market: Market) -> None:
    """NVDA 2025-01-24 -> 01-27: 142.62 -> 118.42, -16.97% (stated -17)."""
    v, by = check(market, "英伟达周一落后纳指下跌17%。", "2025-01-28")
    assert v.claim.entity == "英伟达"
    assert by["NVDA"].computed == pytest.approx(pct(142.62, 118.42))
    assert v.status == "supported"


@pytest.mark.parametrize(
    ("text", "entity", "symbols"),
    [
        # the subject's move
        ("阿里巴巴跑赢恒指大涨14.6%。", "阿里巴巴", ("9988.HK", "BABA")),
        ("阿里巴巴周五跑赢恒指，大涨14.6%。", "阿里巴巴", ("9988.HK", "BABA")),
        ("Alibaba beat the Hang Seng Index and rose by 5% on Friday.", "Alibaba", ("9988.HK", "BABA")),
        ("阿里巴巴跑赢恒指，前者上涨5%。", "阿里巴巴", ("9988.HK", "BABA")),
        # the comparator's move: a relative clause, the latter
        ("Alibaba beat the Nasdaq, which rose 3%.", "Nasdaq", ("^IXIC",)),
        ("Nvidia beat Microsoft, which rose 3%.", "Microsoft", ("MSFT",)),
        ("阿里巴巴跑赢恒指，后者上涨3%。", "恒指", ("^HSI",)),
        ("Alibaba beat the Nasdaq as the index rose 3%.", "Nasdaq", ("^IXIC",)),
        # the object of a size comparison, as before
        ("Nvidia topped Microsoft, with a market cap of $3.5 trillion.", "Nvidia", ("NVDA",)),
    ],
)
def test_whose_figure_after_a_comparison(text: str, entity: str, symbols: tuple[str, ...]) -> None:
    claims = extract_claims(text, "2025-02-22")
    assert [(c.entity, c.symbols) for c in claims] == [(entity, symbols)]


def test_gap_after_the_comparator_stays_a_comparison() -> None:
    claims = extract_claims("阿里巴巴周五跑赢恒指8个百分点。", "2025-02-22")
    assert [(c.entity, c.metric, c.value["amount"]) for c in claims] == [
        ("阿里巴巴", "relative_return", 8.0)
    ]


def test_comparators_own_figure_in_a_later_clause_stays_its() -> None:
    claims = extract_claims("阿里巴巴周五跑赢恒指大涨14.6%，恒指涨3.99%。", "2025-02-22")
    assert [(c.entity, c.value["amount"]) for c in claims] == [("阿里巴巴", 14.6), ("恒指", 3.99)]
