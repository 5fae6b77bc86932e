"""Comparisons, second round: "the broader market" / 大盘 as the comparator (the subject listing's
default benchmark), a subject carried from the sentence before ("They outperformed ...", 其股价),
a list of subjects (one claim each, sharing the gap, as a list shares a move's figure), a Chinese
day of a New York comparison read as the Beijing date of the session before, and the gap shown
as ``pts`` in the tables (``value.unit`` stays ``pct``).

Expected figures are computed here with pandas from the sample's CSVs (not with the package's
helpers): each return runs from the last close on or before the day before the window to the last
close on or before its end. By hand, from the closes:
- week to Fri 2025-02-21 (from the 02-14 close): 9988.HK 124.10 -> 138.50, +11.6035%; ^HSI
  22,620.33 -> 23,477.92, +3.7912%; difference +7.8123. BABA 124.73 -> 143.75, +15.2489%; ^GSPC
  6,114.63 -> 6,013.13, -1.6600%; difference +16.9089. NVDA 138.85 -> 134.43, -3.1833%; difference
  with ^GSPC -1.5233. 0700.HK 474.80 -> 517.00, +8.8880%; difference with ^HSI +5.0967.
- the same week in a Chinese sentence: New York series end on the 02-20 close (the last one a
  Beijing article of 02-21 knows): NVDA -> 140.11, +0.9075%; ^GSPC -> 6,117.52, +0.0473%;
  difference +0.8602. BABA -> 135.97, +9.0115%; difference with ^GSPC +8.9642.
- 2025-01-28 (a Chinese article of that day): NVDA 118.42 -> 128.99, +8.9259%; ^IXIC 19,341.83 ->
  19,733.59, +2.0255%; difference +6.9004. The New York session of 01-27 (it closed on 01-28 in
  Beijing): NVDA 142.62 -> 118.42, -16.9682%; ^IXIC 19,954.30 -> 19,341.83, -3.0694%; difference
  -13.8988. ^HSI on 01-28 (Hong Kong keeps the day): 20,197.77 -> 20,225.11, +0.1354%; NVDA 01-27
  minus it: -17.1036.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verdicts_frame, verify_claims
from rerating.cli import main
from rerating.data.market import Market

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
DATE = "2025-02-21"  # a Friday
WEEK = {"type": "week", "start": "2025-02-17", "end": DATE}
CARRIED = "subject carried from an earlier sentence"


def _ret(symbol: str, before: str, end: str) -> float:
    """Per-cent return of ``symbol`` from its last close on or before ``before`` to its last close
    on or before ``end``, read straight from the sample CSV."""
    closes = pd.read_csv(SAMPLE / f"{symbol.lstrip('^')}.csv", parse_dates=["date"], index_col="date")
    c = closes["close"].dropna()
    return float(100.0 * (c[c.index <= end].iloc[-1] / c[c.index <= before].iloc[-1] - 1.0))


def _week(a: str, b: str, end: str = DATE) -> float:
    return _ret(a, "2025-02-16", end) - _ret(b, "2025-02-16", end)


def _relative(ex: Extractor, text: str, date: str = DATE) -> list:  # type: ignore[type-arg]
    return [c for c in ex.extract(text, date) if c.metric == "relative_return"]


def test_hand_figures() -> None:
    # the closes in the module docstring, so a changed CSV shows here first
    assert _week("9988.HK", "^HSI") == pytest.approx(7.8123, abs=1e-4)
    assert _week("BABA", "^GSPC") == pytest.approx(16.9089, abs=1e-4)
    assert _week("NVDA", "^GSPC") == pytest.approx(-1.5233, abs=1e-4)
    assert _week("0700.HK", "^HSI") == pytest.approx(5.0967, abs=1e-4)
    assert _week("NVDA", "^GSPC", "2025-02-20") == pytest.approx(0.8602, abs=1e-4)
    assert _week("BABA", "^GSPC", "2025-02-20") == pytest.approx(8.9642, abs=1e-4)
    day27 = _ret("NVDA", "2025-01-26", "2025-01-27") - _ret("^IXIC", "2025-01-26", "2025-01-27")
    assert day27 == pytest.approx(-13.8988, abs=1e-4)


# -- 1. the broader market / 大盘 / 大市: each listing's default benchmark -------------------------
@pytest.mark.parametrize(
    ("text", "symbols", "versus"),
    [
        ("Alibaba outperformed the broader market by 8 percentage points this week.",
         ("9988.HK", "BABA"), ("^HSI", "^GSPC")),
        ("阿里巴巴本周跑赢大盘8个百分点。", ("9988.HK", "BABA"), ("^HSI", "^GSPC")),
        ("阿里巴巴港股本周跑赢大市8个百分点。", ("9988.HK",), ("^HSI",)),
        ("Nvidia beat the market by 5% this week.", ("NVDA",), ("^GSPC",)),
        ("英伟达本周比大盘少涨1.5个百分点。", ("NVDA",), ("^GSPC",)),
        # a mainland listing's benchmark is the CSI 300
        ("中芯国际A股本周跑赢大盘5个百分点。", ("688981.SS",), ("000300.SS",)),
    ],
)
def test_the_market_is_the_default_benchmark(
    ex: Extractor, text: str, symbols: tuple[str, ...], versus: tuple[str, ...]
) -> None:
    (claim,) = _relative(ex, text)
    assert claim.symbols == symbols and claim.versus == versus
    # a note per listing saying which index was assumed
    assert [n for n in claim.notes if "default benchmark" in n] == [
        f"'{claim.versus_entity}' read as {s}'s default benchmark, "
        f"{ex.securities.get(b).name} ({b})"
        for s, b in zip(symbols, versus, strict=True)
    ]


def test_the_market_is_checked_against_each_listings_benchmark(
    ex: Extractor, market: Market
) -> None:
    (claim,) = _relative(ex, "Alibaba outperformed the broader market by 8 percentage points this week.")
    (verdict,) = verify_claims([claim], market)
    hk, us = verdict.checks
    assert (hk.symbol, hk.benchmark, us.symbol, us.benchmark) == ("9988.HK", "^HSI", "BABA", "^GSPC")
    # +7.8123 is inside "8" ([7.45, 9.05]); BABA's +16.9089 is not
    assert hk.computed == pytest.approx(_week("9988.HK", "^HSI"), abs=1e-6)
    assert us.computed == pytest.approx(_week("BABA", "^GSPC"), abs=1e-6)
    assert (hk.status, us.status, verdict.status) == ("supported", "contradicted", "supported")


@pytest.mark.parametrize(
    ("text", "amount", "end"),
    [
        # -1.5233 is inside [-1.65, -1.40]
        ("Nvidia lagged the broader market by 1.5 percentage points this week.", -1.5, DATE),
        # a Chinese week ends both New York series on 02-20: +0.8602, inside [0.80, 1.05]
        ("英伟达本周跑赢大盘0.9个百分点。", 0.9, "2025-02-20"),
    ],
)
def test_a_new_york_listing_against_the_market(
    ex: Extractor, market: Market, text: str, amount: float, end: str
) -> None:
    (claim,) = _relative(ex, text)
    assert claim.value["amount"] == amount and claim.versus == ("^GSPC",)
    (verdict,) = verify_claims([claim], market)
    assert verdict.checks[0].computed == pytest.approx(_week("NVDA", "^GSPC", end), abs=1e-6)
    assert verdict.status == "supported"


CONTROL = "Alibaba outperformed the Hang Seng Index by 8 percentage points this week."


@pytest.mark.parametrize(
    "text",
    [
        "恒生科技指数今年以来跑赢全球主要股指。",
        "恒生科技指数今年以来跑赢全球主要股指5个百分点。",
        # an index has no default benchmark of its own
        "恒生科技指数今年以来跑赢大盘5个百分点。",
        # large caps (a group), market expectations and market share are no market series
        "阿里巴巴本周跑赢大盘股5个百分点。",
        "Nvidia beat market expectations by 5%.",
        "Nvidia beat the market share of AMD by 5 points.",
        # a direction alone states no figure
        "Alibaba outperformed the broader market this week.",
    ],
)
def test_not_a_comparison_with_the_market(ex: Extractor, text: str) -> None:
    claims = _relative(ex, f"{text} {CONTROL}")
    assert [(c.entity, c.versus) for c in claims] == [("Alibaba", ("^HSI",))]


# -- 2. a subject carried from the sentence before ---------------------------------------------
@pytest.mark.parametrize(
    ("text", "entity", "symbols", "versus", "expected"),
    [
        ("Alibaba's shares jumped this week. They outperformed the Hang Seng Index by 8 percentage "
         "points.", "Alibaba", ("9988.HK",), "^HSI", ("9988.HK", "^HSI")),
        ("阿里巴巴股价本周大涨。其股价本周跑赢恒指8个百分点。", "阿里巴巴", ("9988.HK",), "^HSI",
         ("9988.HK", "^HSI")),
        # the listing qualifier of the carrying sentence picks the listing (其美股), as for a move
        ("阿里巴巴股价本周大涨。其美股本周跑赢标普500指数9个百分点。", "阿里巴巴", ("BABA",), "^GSPC",
         ("BABA", "^GSPC", "2025-02-20")),
        # the window is carried too ("this week" of the sentence before)
        ("Alibaba's shares jumped this week. Its shares beat the broader market by 17 points.",
         "Alibaba", ("9988.HK", "BABA"), "^GSPC", ("BABA", "^GSPC")),
    ],
)
def test_a_carried_subject(
    ex: Extractor,
    market: Market,
    text: str,
    entity: str,
    symbols: tuple[str, ...],
    versus: str,
    expected: tuple[str, ...],
) -> None:
    (claim,) = _relative(ex, text)
    assert (claim.entity, claim.symbols) == (entity, symbols)
    assert dict(claim.window) == WEEK and CARRIED in claim.notes
    (verdict,) = verify_claims([claim], market)
    check = next(k for k in verdict.checks if k.symbol == expected[0])
    assert check.benchmark == versus
    assert check.computed == pytest.approx(_week(*expected), abs=1e-6)
    assert check.status == "supported"


@pytest.mark.parametrize(
    "text",
    [
        # no subject before to carry
        "They outperformed the Hang Seng Index by 8 percentage points this week.",
        # a name of its own before the verb is the subject, not the carried one
        "Alibaba's shares jumped this week. Tencent outperformed the Hang Seng Index by 5 points.",
    ],
)
def test_no_carry(ex: Extractor, text: str) -> None:
    claims = _relative(ex, text)
    assert all(CARRIED not in c.notes for c in claims)
    assert [c.entity for c in claims] == ([] if text.startswith("They") else ["Tencent"])


# -- 3. a list of subjects: one claim each, sharing the gap ------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Alibaba and Tencent outperformed the Hang Seng Index by 5 points this week.",
        "阿里巴巴和腾讯本周跑赢恒指5个百分点。",
        "阿里巴巴、腾讯本周跑赢恒生指数5个百分点。",
    ],
)
def test_a_list_of_subjects(ex: Extractor, market: Market, text: str) -> None:
    claims = _relative(ex, text)
    assert [c.symbols for c in claims] == [("9988.HK",), ("0700.HK",)]
    assert all(c.value["amount"] == 5.0 and c.versus == ("^HSI",) for c in claims)
    baba, tencent = verify_claims(claims, market)
    # 9988.HK +7.8123 is outside "5" ([4.45, 6.05]); 0700.HK +5.0967 is inside
    assert baba.checks[0].computed == pytest.approx(_week("9988.HK", "^HSI"), abs=1e-6)
    assert tencent.checks[0].computed == pytest.approx(_week("0700.HK", "^HSI"), abs=1e-6)
    assert (baba.status, tencent.status) == ("contradicted", "supported")


# -- 4. a Chinese day of a New York comparison: the Beijing date of the session before -----------
def test_beijing_date_of_a_new_york_comparison(ex: Extractor, market: Market) -> None:
    (claim,) = _relative(ex, "英伟达1月28日跑输纳斯达克指数14个百分点。", "2025-01-28")
    (verdict,) = verify_claims([claim], market)
    (k,) = verdict.checks
    # the 01-28 session gives +6.9004 (contradicted); the 01-27 session, closed on 01-28 in
    # Beijing, gives -13.8988, inside "-14" ([-15.05, -13.45])
    assert k.computed == pytest.approx(
        _ret("NVDA", "2025-01-26", "2025-01-27") - _ret("^IXIC", "2025-01-26", "2025-01-27"),
        abs=1e-6,
    )
    assert (k.status, k.end_date) == ("supported", "2025-01-27")
    assert "date read as Beijing time" in k.note


def test_beijing_date_moves_new_york_only(ex: Extractor, market: Market) -> None:
    (claim,) = _relative(ex, "英伟达1月28日跑输恒指17个百分点。", "2025-01-28")
    (k,) = verify_claims([claim], market)[0].checks
    # NVDA's 01-27 session minus ^HSI on 01-28 (Hong Kong keeps the day): -17.1036
    hsi = _ret("^HSI", "2025-01-27", "2025-01-28")
    assert k.benchmark_computed == pytest.approx(hsi, abs=1e-6)
    assert k.computed == pytest.approx(_ret("NVDA", "2025-01-26", "2025-01-27") - hsi, abs=1e-6)
    assert k.status == "supported"


def test_an_english_day_is_not_read_as_beijing_time(ex: Extractor, market: Market) -> None:
    (claim,) = _relative(ex, "Nvidia underperformed the Nasdaq by 14 points on Jan. 28.", "2025-01-28")
    (k,) = verify_claims([claim], market)[0].checks
    # the 01-28 session only: +6.9004
    assert k.computed == pytest.approx(
        _ret("NVDA", "2025-01-27", "2025-01-28") - _ret("^IXIC", "2025-01-27", "2025-01-28"),
        abs=1e-6,
    )
    assert k.status == "contradicted"


# -- the gap reads "pts" in the tables; value.unit stays "pct" (the JSON contract) -------------
def test_a_gap_reads_points(
    ex: Extractor, market: Market, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"{CONTROL} Alibaba rose 11.6% this week."
    verdicts = verify_claims(ex.extract(text, DATE), market)
    frame = verdicts_frame(verdicts)
    stated = dict(zip(frame["metric"], frame["stated"], strict=False))
    assert stated == {"relative_return": "eq 8 pts", "price_return": "eq 11.6 pct"}
    assert set(frame["unit"]) == {"pct"}
    rel = next(v for v in verdicts if v.claim.metric == "relative_return")
    assert rel.tolerance.startswith("eq 8 pts (stated to 1)")
    assert rel.to_dict()["value"]["unit"] == "pct"
    assert "eq 8 pts" in rel.summary()
    article = tmp_path / "a.md"
    article.write_text(CONTROL, encoding="utf-8")
    assert main(["--sample", "check", str(article), "--date", DATE, "--format", "json"]) == 0
    (obj,) = json.loads(capsys.readouterr().out)
    assert obj["value"]["unit"] == "pct" and obj["tolerance"].startswith("eq 8 pts")
    assert main(["--sample", "check", str(article), "--date", DATE]) == 0
    assert "eq 8 pts" in capsys.readouterr().out
