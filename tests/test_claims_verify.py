"""Verification against figures worked by hand from the bundled sample CSVs.

The oracle reads the CSVs with the csv module and counts rows (one row per session), so it shares
no code with the Market facade or the re-rating measures it checks.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from rerating.claims import extract_claims, read_article
from rerating.claims.verify import accepted_interval, verdicts_frame, verify_claims
from rerating.data.market import Market

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "rerating" / "data" / "sample"
FIX = Path(__file__).parent / "fixtures" / "claims"


def csv_closes(stem: str) -> list[tuple[str, float]]:
    with open(SAMPLE / f"{stem}.csv", encoding="utf-8") as fh:
        return [(r["date"], float(r["close"])) for r in csv.DictReader(fh) if r["close"]]


def hand_return(stem: str, end: str, n: int) -> float:
    """Percent return over the last ``n`` rows (sessions) up to ``end``."""
    rows = [r for r in csv_closes(stem) if r[0] <= end]
    return 100.0 * (rows[-1][1] / rows[-1 - n][1] - 1.0)


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def test_tolerance_intervals_worked_by_hand() -> None:
    pct = {"unit": "pct", "resolution": 1.0}
    # rounding below, rounding or truncation above: [40 - 0.5, 40 + 1], plus 0.05 either side
    assert accepted_interval({**pct, "amount": 40.0}, "eq") == pytest.approx((39.45, 41.05))
    assert accepted_interval({**pct, "amount": -12.0}, "eq") == pytest.approx((-13.05, -11.45))
    # approx: the larger of r/2, 10% of |x| and one point -> 1.7, plus 0.05
    assert accepted_interval({**pct, "amount": 17.0}, "approx") == pytest.approx((15.25, 18.75))
    lo, hi = accepted_interval({**pct, "amount": -12.0}, "lt")
    assert math.isinf(lo) and hi == pytest.approx(-11.95)
    lo, hi = accepted_interval({**pct, "amount": -12.0}, "gt")
    assert lo == pytest.approx(-12.05) and math.isinf(hi)
    assert accepted_interval(
        {**pct, "amount": -5.0, "low": -6.0, "high": -4.0}, "approx"
    ) == pytest.approx((-6.55, -3.45))
    money = {"unit": "money", "amount": 14_362_000_000.0, "resolution": 1e6}
    assert accepted_interval(money, "eq") == pytest.approx(
        (14_362e6 - 0.5e6 - 143.62e6, 14_362e6 + 1e6 + 143.62e6)
    )


def test_fixture_article_against_hand_figures(market: Market) -> None:
    art = read_article(FIX / "china_tech_rerating.md")
    verdicts = verify_claims(extract_claims(art.text, art.date), market)
    got = {(v.claim.entity, v.claim.metric, v.claim.symbols): v for v in verdicts}
    assert len(verdicts) == 6  # the training-cost sentence gives none

    alibaba_hk = got[("阿里巴巴", "price_return", ("9988.HK",))]
    assert alibaba_hk.status == "supported"
    assert alibaba_hk.checks[0].computed == pytest.approx(hand_return("9988.HK", "2025-02-13", 20))
    assert alibaba_hk.checks[0].start_date == "2025-01-13"

    tencent = got[("腾讯控股", "price_return", ("0700.HK", "TCEHY"))]
    assert tencent.status == "supported"
    by_sym = {k.symbol: k for k in tencent.checks}
    assert by_sym["0700.HK"].computed == pytest.approx(hand_return("0700.HK", "2025-02-13", 20))
    assert by_sym["TCEHY"].status == "unverifiable"  # the ADR has no data in the sample

    hstech = got[("恒生科技指数", "index_return", ("HSTECH",))]
    assert hstech.status == "supported"
    assert hstech.checks[0].computed == pytest.approx(100 * (5235.28 / 4221.92 - 1))

    baba = got[("阿里巴巴", "price_return", ("BABA",))]
    assert baba.status == "contradicted"  # stated: more than 60%
    # written at 18:00 on 02-13 in Beijing: the last New York close it knew was 02-12's
    assert baba.checks[0].computed == pytest.approx(hand_return("BABA", "2025-02-12", 20))

    nvda = got[("英伟达", "price_return", ("NVDA",))]
    assert nvda.status == "supported"
    assert nvda.checks[0].computed == pytest.approx(100 * (118.42 / 142.62 - 1))
    assert (nvda.checks[0].start_close, nvda.checks[0].end_close) == (142.62, 118.42)

    cap = got[("英伟达", "market_cap_change", ("NVDA",))]
    assert cap.status == "supported"
    # shares.csv: NVDA 24.49bn shares (2024-11-15); the change is price effect x shares
    assert cap.checks[0].computed == pytest.approx(24_490_000_000 * (118.42 - 142.62), rel=1e-9)


def test_true_for_one_listing_not_the_other(market: Market) -> None:
    claims = extract_claims("阿里20日涨幅为49%。", "2025-02-13")
    v = verify_claims(claims, market)[0]
    assert v.status == "supported"
    assert {k.symbol: k.status for k in v.checks} == {
        "9988.HK": "supported",
        "BABA": "contradicted",
    }
    assert "not for BABA" in v.reason


def test_unverifiable_cases(market: Market) -> None:
    text = (
        "英伟达股价大跌17%。英伟达的市盈率已降至约30倍。美股七巨头市值1月27日合计蒸发约上万亿美元。"
    )
    vs = verify_claims(extract_claims(text, "2025-02-13"), market)
    assert [v.status for v in vs] == ["unverifiable"] * 3
    assert "no date" in vs[0].reason and "multiples" in vs[1].reason and "group" in vs[2].reason


def test_non_session_day_is_unverifiable(market: Market) -> None:
    v = verify_claims(extract_claims("英伟达1月20日下跌3%。", "2025-02-13"), market)[0]
    assert v.status == "unverifiable" and "not a XNYS session" in v.checks[0].note


def test_verdict_outputs(market: Market) -> None:
    vs = verify_claims(extract_claims("1月27日，英伟达股价下跌17%。", "2025-02-13"), market)
    d = vs[0].to_dict()
    assert d["status"] == "supported" and d["checks"][0]["accepted"][0] < d["checks"][0]["computed"]
    frame = verdicts_frame(vs)
    assert list(frame["symbol"]) == ["NVDA"] and frame["end_date"].iloc[0] == "2025-01-27"
    assert "SUPPORTED" in vs[0].summary()


def test_real_article(shared_articles_dir: Path, market: Market) -> None:
    art = read_article(shared_articles_dir / "2025-02-13-deepseek-china-tech-revaluation.md")
    vs = verify_claims(extract_claims(art.text, art.date), market)
    by = {(v.claim.entity, v.claim.metric, v.claim.value["amount"]): v for v in vs}
    # R1 + one week: NVDA from the 2025-01-17 close (last before day 0 = 2025-01-21) to 2025-01-27
    nv = by[("英伟达", "price_return", -12.0)]
    assert nv.status == "supported"
    assert nv.checks[0].computed == pytest.approx(100 * (118.42 / 137.71 - 1))
    # Qwen2.5-Max on 大年初一 (Beijing 2025-01-29) = the New York session of 2025-01-28
    baba = by[("阿里", "price_return", 6.7)]
    assert baba.status == "supported" and "Beijing" in baba.checks[0].note
    assert baba.checks[0].computed == pytest.approx(100 * (96.03 / 89.99 - 1))
    assert by[("恒生科技指数", "index_return", 24.0)].status == "supported"
    assert by[("美股主要科技公司", "market_cap_change", -1e12)].status == "unverifiable"


def test_levels_volume_and_intraday_against_csv(market: Market) -> None:
    text = (
        "英伟达1月27日收于118.42美元，成交量8.19亿股。英伟达市值1月24日约为3.5万亿美元。"
        "阿里巴巴港股2月13日盘中一度大涨9%。"
    )
    vs = verify_claims(extract_claims(text, "2025-02-14"), market)
    assert [(v.claim.metric, v.status) for v in vs] == [
        ("close_price", "supported"),
        ("volume", "supported"),
        ("market_cap_level", "supported"),
        ("price_return", "supported"),
    ]
    assert vs[0].checks[0].computed == 118.42
    assert vs[1].checks[0].computed == 818_830_900  # NVDA.csv volume on 2025-01-27
    # shares.csv: 24.49bn NVDA shares; NVDA.csv close on 2025-01-24: 142.62
    assert vs[2].checks[0].computed == pytest.approx(24_490_000_000 * 142.62)
    # 9988.HK.csv: high 124.3 on 2025-02-13 against the 2025-02-12 close 113.8
    assert vs[3].checks[0].computed == pytest.approx(100 * (124.3 / 113.8 - 1))


def test_adjusted_return_is_reported(market: Market) -> None:
    v = verify_claims(extract_claims("英伟达1月27日下跌17%。", "2025-02-14"), market)[0]
    k = v.checks[0]
    with open(SAMPLE / "NVDA.csv", encoding="utf-8") as fh:
        adj = {r["date"]: float(r["adj_close"]) for r in csv.DictReader(fh)}
    assert k.computed_adjusted == pytest.approx(100 * (adj["2025-01-27"] / adj["2025-01-24"] - 1))
    assert v.to_dict()["checks"][0]["computed_adjusted"] == k.computed_adjusted


def test_a_return_is_set_against_its_listings_benchmark_over_the_same_closes(market: Market) -> None:
    """``benchmark_computed``: the default benchmark's return between the same two dates' closes
    (from the sample CSVs here), ``excess`` the difference in points; the verdict is unchanged."""
    text = "Nvidia has fallen more than 12% since DeepSeek-R1 came out. 阿里巴巴港股20个交易日上涨55%。"
    nvda, baba = (v.checks[0] for v in verify_claims(extract_claims(text, "2025-02-14"), market))
    gspc, hsi = dict(csv_closes("GSPC")), dict(csv_closes("HSI"))
    assert (nvda.symbol, nvda.benchmark, nvda.start_date) == ("NVDA", "^GSPC", "2025-01-17")
    want = 100 * (gspc[nvda.end_date] / gspc["2025-01-17"] - 1)
    assert nvda.benchmark_computed == pytest.approx(want, rel=1e-12)
    assert nvda.excess == pytest.approx(nvda.computed - want, rel=1e-12)
    # 20 Hong Kong sessions to 2025-02-14 (the Lunar New Year closure counts no session)
    assert (baba.symbol, baba.benchmark, baba.start_date, baba.end_date) == (
        "9988.HK", "^HSI", "2025-01-14", "2025-02-14"
    )
    want = 100 * (hsi["2025-02-14"] / hsi["2025-01-14"] - 1)
    assert baba.benchmark_computed == pytest.approx(want, rel=1e-12)
    assert baba.status == "supported" and baba.excess == pytest.approx(baba.computed - want)
    row = verdicts_frame(verify_claims(extract_claims(text, "2025-02-14"), market)).iloc[1]
    assert (row["benchmark"], row["excess"]) == ("^HSI", pytest.approx(baba.excess))


def test_an_index_or_a_level_has_no_benchmark_comparison(market: Market) -> None:
    text = "The Hang Seng Tech index rose 20% since DeepSeek-R1. Nvidia closed at $118.42 on January 27."
    index, level = (v.checks[0] for v in verify_claims(extract_claims(text, "2025-02-14"), market))
    assert index.symbol == "HSTECH" and index.computed is not None
    assert (index.benchmark, index.benchmark_computed, index.excess) == (None, None, None)
    assert level.symbol == "NVDA" and (level.benchmark, level.excess) == (None, None)
    assert verify_claims(extract_claims(text, "2025-02-14"), market)[0].to_dict()["checks"][0]["excess"] is None
