"""Regressions of the 2026-12-07 claims changes (comparisons, carried subjects, "发布R1至今", "the
week to the 7th"), found by a regression check on real articles and on sentences written in their
patterns. Each case here was a claim, subject or window the code before the changes got right (or
left alone) and the new code got wrong.

Hand figures, from the sample's raw closes (the same files as ../shared/market):
- 2025-01-27 (Monday): NVDA 142.62 -> 118.42, -16.968%; ^GSPC 6,101.24 -> 6,012.28, -1.458%;
  the gap -15.510 points.
- 2025-02-21 (Friday): 0700.HK 486.80 -> 517.00, +6.204%; ^HSI 22,576.98 -> 23,477.92, +3.991%;
  the gap +2.213 points.
So "英伟达周一落后大盘下跌17%" is NVDA's -17% (supported), not a gap of -17 points against the
S&P 500 (which -15.51 would contradict); "Tencent ... climbed by 6.2% on Friday" is Tencent's
+6.2% (supported), not a gap of 6.2 points (+2.21 would contradict it).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"


def _ret(symbol: str, before: str, end: str) -> float:
    """Per-cent return from the last close on or before ``before`` to the last on or before ``end``,
    read straight from the sample CSV."""
    c = pd.read_csv(SAMPLE / f"{symbol.lstrip('^')}.csv", parse_dates=["date"], index_col="date")
    s = c["close"].dropna()
    return float(100.0 * (s[s.index <= end].iloc[-1] / s[s.index <= before].iloc[-1] - 1.0))


def _relative(ex: Extractor, text: str, date: str) -> list:  # type: ignore[type-arg]
    return [c for c in ex.extract(text, date) if c.metric == "relative_return"]


# -- 1. a move's own verb after the comparator: the figure is the move, not the gap --------------
@pytest.mark.parametrize(
    ("text", "date", "entity", "symbol", "amount", "day", "before"),
    [
        ("英伟达周一落后大盘下跌17%。", "2025-01-28", "英伟达", "NVDA", -17.0, "2025-01-27", "2025-01-24"),
        ("Tencent outperformed the broader market and climbed by 6.2% on Friday.", "2025-02-21",
         "Tencent", "0700.HK", 6.2, "2025-02-21", "2025-02-20"),
        ("腾讯控股周五跑赢大盘涨6.2%。", "2025-02-22", "腾讯控股", "0700.HK", 6.2, "2025-02-21",
         "2025-02-20"),
    ],
)
def test_a_move_after_the_comparator_is_a_move(
    ex: Extractor, market: Market, text: str, date: str, entity: str, symbol: str, amount: float,
    day: str, before: str,
) -> None:
    claims = ex.extract(text, date)
    assert [c.metric for c in claims] == ["price_return"]
    (claim,) = claims
    assert claim.entity == entity and claim.value["amount"] == amount
    assert dict(claim.window) == {"type": "day", "date": day}
    (verdict,) = verify_claims([claim], market)
    check = next(k for k in verdict.checks if k.symbol == symbol)
    assert check.computed == pytest.approx(_ret(symbol, before, day), abs=1e-9)
    assert check.status == "supported"


@pytest.mark.parametrize(
    "text",
    [
        "Alibaba beat the Hang Seng Index and rose by 5% on Friday.",
        "阿里巴巴港股领先恒指上涨14.6%。",
        "阿里巴巴周五跑赢恒指大涨14.6%。",
    ],
)
def test_no_gap_from_a_move(ex: Extractor, text: str) -> None:
    assert _relative(ex, text, "2025-02-22") == []


def test_a_gap_with_a_gain_as_a_noun_is_still_a_gap(ex: Extractor) -> None:
    # 涨幅 / "gain" name the move compared, not a move of its own
    for text in ("阿里巴巴港股本周跑赢恒指涨幅8个百分点。",
                 "Alibaba beat the Hang Seng Index's gain by 8 points this week."):
        (claim,) = _relative(ex, text, "2025-02-21")
        assert claim.symbols == ("9988.HK",) and claim.value["amount"] == 8.0


# -- 2. a gap of sizes, valuations or products is no comparison of returns ----------------------
@pytest.mark.parametrize(
    "text",
    [
        "腾讯控股市值领先阿里巴巴约30%。",
        "Nvidia's market value outpaced Microsoft's by 10%.",
        "Alibaba's valuation lags Tencent by about 30%.",
        "AMD's MI300 chip beat Nvidia's H100 by 30% in inference benchmarks.",
        "AMD's MI300 outperformed Nvidia's H100 by 30% on inference speed.",
    ],
)
def test_not_a_comparison_of_returns(ex: Extractor, text: str) -> None:
    assert _relative(ex, text, "2025-02-21") == []


def test_the_comparators_shares_are_the_comparator(ex: Extractor) -> None:
    (claim,) = _relative(ex, "Alibaba's stock has beaten Tencent's shares by 27 points since R1.",
                         "2025-02-21")
    assert claim.entity == "Alibaba" and set(claim.versus) == {"0700.HK", "TCEHY"}


# -- 3. a subject carried into a comparison only from a reference to it ----------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 17% on Monday. Power shares underperformed the S&P 500 by 10 points.",
        "Nvidia fell 17% on Monday. It was a day when shares in New York lagged the S&P 500 by 2 "
        "points.",
        "英伟达周一大跌17%。电力股股价跑输标普500指数10个百分点。",
    ],
)
def test_an_unnamed_subject_is_not_the_one_before(ex: Extractor, text: str) -> None:
    assert all(c.entity != "英伟达" and c.entity != "Nvidia" for c in _relative(ex, text, "2025-01-28"))


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia fell 17% on Monday. It underperformed the S&P 500 by 16 points.",
        "Nvidia fell 17% on Monday. Its shares have underperformed the S&P 500 by 16 points.",
        "Nvidia fell 17% on Monday. The stock underperformed the S&P 500 by 16 points.",
        "英伟达周一大跌17%。其股价当日跑输标普500指数16个百分点。",
    ],
)
def test_a_reference_carries_the_subject(ex: Extractor, market: Market, text: str) -> None:
    (claim,) = _relative(ex, text, "2025-01-28")
    assert claim.symbols == ("NVDA",) and claim.versus == ("^GSPC",)
    (verdict,) = verify_claims([claim], market)
    gap = _ret("NVDA", "2025-01-24", "2025-01-27") - _ret("^GSPC", "2025-01-24", "2025-01-27")
    assert verdict.checks[0].computed == pytest.approx(gap, abs=1e-9)  # -15.510
    assert verdict.status == "supported"


# -- 4. windows: 至今 after a bare model name, an ordinal of a run ---------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "DeepSeek的R1至今仍是下载量最高的开源模型，英伟达股价下跌10%。",
        "DeepSeek-R1迄今已被数千家企业接入，阿里巴巴港股累计上涨64%。",
    ],
)
def test_still_is_no_since(ex: Extractor, text: str) -> None:
    (claim,) = ex.extract(text, "2025-02-21")
    assert claim.window["type"] == "unspecified"


@pytest.mark.parametrize(
    "text",
    [
        "发布R1至今，阿里巴巴港股上涨64%。",
        "自推出R1迄今，阿里巴巴港股上涨64%。",
        "DeepSeek发布R1至今已有一个月，阿里巴巴港股上涨64%。",
        "R1发布至今，阿里巴巴港股上涨64%。",
    ],
)
def test_a_release_to_now_is_since(ex: Extractor, text: str) -> None:
    (claim,) = ex.extract(text, "2025-02-21")
    assert dict(claim.window) == {"type": "since_event", "event": "deepseek-r1", "end": "2025-02-21"}


def test_an_ordinal_of_a_run_is_no_day_of_the_month(ex: Extractor) -> None:
    (claim,) = ex.extract("Nvidia rose 3% in the week to the 5th straight weekly gain.", "2025-02-21")
    assert claim.window["type"] == "unspecified"
    (claim,) = ex.extract("The Hang Seng Index rose 4% in the week to the 7th.", "2025-02-10")
    assert dict(claim.window) == {"type": "week", "start": "2025-02-03", "end": "2025-02-07"}
