"""Comparisons of two moves ("Alibaba outperformed the Hang Seng Index by 5 percentage points this
week", "恒生科技指数年初至今跑输纳斯达克指数3个百分点") are ``relative_return`` claims, checked as the
subject's return minus the comparator's; "发布R1至今" is anchored at the R1 release.

Expected figures are computed here with pandas from the sample's CSVs (not with the package's
helpers): each return runs from the last close on or before the day before the window (for the R1
release, 2025-01-20, its local day) to the last close on or before its end. By hand, from the
closes:
- week to Fri 2025-02-21: 9988.HK 124.10 (02-14) -> 138.50, +11.6035%; ^HSI 22,620.33 -> 23,477.92,
  +3.7912%; difference +7.8123. 0700.HK 474.80 -> 517.00, +8.8880%; difference +5.0967.
- since R1 to 2025-02-21: HSTECH 4,595.2 (01-20) -> 5,859.3, +27.5091%; ^IXIC 19,630.2 (01-17, the
  last New York close before 01-20's end) -> 19,524.01, -0.5410%; difference +28.0501. 9988.HK
  84.55 -> 138.50, +63.8084%.
- year to date, Chinese article of 2025-02-21: HSTECH 4,468.11 (2024-12-31) -> 5,859.3, +31.1360%;
  ^IXIC 19,310.79 -> 19,962.36 (02-20: the New York close a Beijing article of 02-21 knows),
  +3.3741%; difference +27.7619.
- 2025-01-27: NVDA 142.62 -> 118.42, -16.9682%; ^GSPC 6,101.24 -> 6,012.28, -1.4581%; difference
  -15.5101; ^IXIC 19,954.30 -> 19,341.83, -3.0694%; difference -13.8988.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.cli import main
from rerating.data.market import Market

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
DATE = "2025-02-21"  # a Friday
WEEK = {"type": "week", "start": "2025-02-17", "end": DATE}
SINCE_R1 = {"type": "since_event", "event": "deepseek-r1", "end": DATE}


def _ret(symbol: str, before: str, end: str) -> float:
    """Per-cent return of ``symbol`` from its last close on or before ``before`` to its last close
    on or before ``end``, read straight from the sample CSV."""
    closes = pd.read_csv(SAMPLE / f"{symbol.lstrip('^')}.csv", parse_dates=["date"], index_col="date")
    c = closes["close"].dropna()
    return float(100.0 * (c[c.index <= end].iloc[-1] / c[c.index <= before].iloc[-1] - 1.0))


def _diff(a: str, b: str, before: str, end: str, b_end: str | None = None) -> float:
    return _ret(a, before, end) - _ret(b, before, b_end or end)


def _relative(ex: Extractor, text: str, date: str = DATE) -> list:  # type: ignore[type-arg]
    return [c for c in ex.extract(text, date) if c.metric == "relative_return"]


# -- 1. the forms of the brief and more: subject, comparator, signed gap, window ------------------
@pytest.mark.parametrize(
    ("text", "entity", "symbols", "versus", "amount", "comparator", "window"),
    [
        ("Alibaba outperformed the Hang Seng Index by 5 percentage points this week.",
         "Alibaba", ("9988.HK",), ("^HSI",), 5.0, "eq", WEEK),
        ("Hong Kong tech beat the Nasdaq by 30 points since the R1 release.",
         "Hong Kong tech", ("HSTECH",), ("^IXIC",), 30.0, "eq", SINCE_R1),
        ("Nvidia underperformed the S&P 500 by 16 points on Jan. 27.",
         "Nvidia", ("NVDA",), ("^GSPC",), -16.0, "eq", {"type": "day", "date": "2025-01-27"}),
        ("阿里巴巴本周跑赢恒生指数5个百分点。", "阿里巴巴", ("9988.HK",), ("^HSI",), 5.0, "eq", WEEK),
        ("恒生科技指数年初至今跑输纳斯达克指数3个百分点。", "恒生科技指数", ("HSTECH",), ("^IXIC",),
         -3.0, "eq", {"type": "ytd", "year": 2025, "end": DATE}),
        # a participle after the subject's own move; "about" is approx
        ("Alibaba's Hong Kong shares rose 8% this week, outperforming the Hang Seng Index by about "
         "8 percentage points.", "Alibaba", ("9988.HK",), ("^HSI",), 8.0, "approx", WEEK),
        # "lagged by more than 13": below -13
        ("Nvidia lagged the Nasdaq by more than 13 points on Jan. 27.", "Nvidia", ("NVDA",),
         ("^IXIC",), -13.0, "lt", {"type": "day", "date": "2025-01-27"}),
        ("腾讯本周比恒指多涨5个百分点。", "腾讯", ("0700.HK",), ("^HSI",), 5.0, "eq", WEEK),
        ("发布R1至今，阿里巴巴港股跑赢恒指46个百分点。", "阿里巴巴", ("9988.HK",), ("^HSI",), 46.0, "eq",
         SINCE_R1),
        # a company of two listings against a US index: its New York line
        ("Alibaba beat the S&P 500 by 17 percentage points this week.", "Alibaba", ("BABA",),
         ("^GSPC",), 17.0, "eq", WEEK),
    ],
)
def test_a_comparison_is_a_relative_claim(
    ex: Extractor,
    text: str,
    entity: str,
    symbols: tuple[str, ...],
    versus: tuple[str, ...],
    amount: float,
    comparator: str,
    window: dict[str, object],
) -> None:
    (claim,) = _relative(ex, text)
    assert (claim.entity, claim.symbols, claim.versus) == (entity, symbols, versus)
    assert (claim.value["amount"], claim.value["unit"], claim.comparator) == (amount, "pct", comparator)
    assert dict(claim.window) == window
    # the gap's figure is no move of its own ("by 30 points" is not an index's points move)
    assert [c.metric for c in ex.extract(text, DATE) if c.value["text"] == claim.value["text"]] == [
        "relative_return"
    ]


# -- 2. verification: return(A) - return(B), each on its own calendar, both in the evidence ------
@pytest.mark.parametrize(
    ("text", "a", "b", "before", "b_end", "status"),
    [
        # 7.8123 is outside "5" ([4.45, 6.05]): a journalist's figure the data contradict
        ("Alibaba outperformed the Hang Seng Index by 5 percentage points this week.",
         "9988.HK", "^HSI", "2025-02-16", None, "contradicted"),
        ("Alibaba outperformed the Hang Seng Index by 8 percentage points this week.",
         "9988.HK", "^HSI", "2025-02-16", None, "supported"),
        ("阿里巴巴本周跑赢恒生指数5个百分点。", "9988.HK", "^HSI", "2025-02-16", None, "contradicted"),
        ("腾讯本周比恒指多涨5个百分点。", "0700.HK", "^HSI", "2025-02-16", None, "supported"),
        # since R1: ^IXIC from 2025-01-17 (01-20 is no New York session); 28.05 is not "30"
        ("Hong Kong tech beat the Nasdaq by 30 points since the R1 release.",
         "HSTECH", "^IXIC", "2025-01-20", None, "contradicted"),
        ("Hong Kong tech beat the Nasdaq by 28 points since the R1 release.",
         "HSTECH", "^IXIC", "2025-01-20", None, "supported"),
        # Chinese article: the Nasdaq's year to date ends on the New York close of 02-20
        ("恒生科技指数年初至今跑输纳斯达克指数3个百分点。", "HSTECH", "^IXIC", "2024-12-31", "2025-02-20",
         "contradicted"),
        ("Nvidia underperformed the S&P 500 by 16 points on Jan. 27.",
         "NVDA", "^GSPC", "2025-01-24", None, "supported"),
        ("Nvidia lagged the Nasdaq by more than 13 points on Jan. 27.",
         "NVDA", "^IXIC", "2025-01-24", None, "supported"),
        ("发布R1至今，阿里巴巴港股跑赢恒指46个百分点。", "9988.HK", "^HSI", "2025-01-20", None, "supported"),
    ],
)
def test_the_gap_is_the_difference_of_the_two_returns(
    ex: Extractor, market: Market, text: str, a: str, b: str, before: str, b_end: str | None,
    status: str,
) -> None:
    end = "2025-01-27" if "Jan. 27" in text else DATE
    (verdict,) = verify_claims(_relative(ex, text), market)
    (check,) = verdict.checks
    assert check.symbol == a and check.benchmark == b
    assert check.computed == pytest.approx(_diff(a, b, before, end, b_end), abs=1e-6)
    assert check.benchmark_computed == pytest.approx(_ret(b, before, b_end or end), abs=1e-6)
    assert check.excess == pytest.approx(check.computed)
    assert verdict.status == status
    # both returns are in the evidence
    assert f"{a} {_ret(a, before, end):+.4g}%" in check.note
    assert f"{b} {_ret(b, before, b_end or end):+.4g}%" in check.note


def test_the_tolerance_is_that_of_a_per_cent_claim(ex: Extractor, market: Market) -> None:
    # "by 16 points" under: -16 stated to 1 accepts [-16 - 1 - 0.05, -16 + 0.5 + 0.05]
    (verdict,) = verify_claims(
        _relative(ex, "Nvidia underperformed the S&P 500 by 16 points on Jan. 27."), market
    )
    assert verdict.checks[0].accepted == pytest.approx((-17.05, -15.45))
    # -15.5101 (hand figure above) is inside; "by 15 points" ([-16.05, -14.45]) too; "by 14" not
    for n, status in (("15", "supported"), ("14", "contradicted")):
        text = f"Nvidia underperformed the S&P 500 by {n} points on Jan. 27."
        assert verify_claims(_relative(ex, text), market)[0].status == status


# -- 3. not comparisons of two series: no claim (each beside a comparison that is one) -----------
CONTROL = "Alibaba outperformed the Hang Seng Index by 8 percentage points this week."


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia beat estimates by 5%.",
        "Alibaba outperformed expectations.",
        "Nvidia beat analysts' forecasts by 3 cents.",
        "Tencent beat consensus by 12% this quarter.",
        # a direction without a figure: no figure to check (docs/CLAIMS.md)
        "Alibaba outperformed the Hang Seng Index this week.",
        "阿里巴巴本周跑赢同业5个百分点。",
        "恒生科技指数今年以来跑赢全球主要股指。",
        # a gap of market shares or growth rates, not of returns
        "在AI芯片市场份额上，英伟达本周领先AMD 50个百分点。",
        "Nvidia's revenue growth beat Microsoft by 5 percentage points this year.",
        # money is no gap of returns
        "Nvidia topped Microsoft by $100 billion in market value this week.",
    ],
)
def test_not_a_comparison_of_two_series(ex: Extractor, text: str) -> None:
    claims = _relative(ex, f"{text} {CONTROL}")
    assert [(c.entity, c.versus) for c in claims] == [("Alibaba", ("^HSI",))]


def test_a_group_subject_is_kept_and_not_checked(ex: Extractor, market: Market) -> None:
    (claim,) = _relative(ex, "Hong Kong tech stocks beat the Nasdaq by 30 points this year.")
    assert claim.symbols == () and claim.versus == ("^IXIC",)
    assert verify_claims([claim], market)[0].status == "unverifiable"


def test_the_json_names_the_comparator(ex: Extractor) -> None:
    (claim,) = _relative(ex, "Nvidia underperformed the S&P 500 by 16 points on Jan. 27.")
    assert claim.to_dict()["versus"] == {"entity": "S&P 500", "symbols": ["^GSPC"]}
    assert any(n.startswith("against S&P 500 (^GSPC)") for n in claim.notes)


# -- 4. 发布R1至今 / 自DeepSeek发布R1以来: anchored at the release -----------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "发布R1至今，阿里巴巴港股上涨60%。",
        "自DeepSeek发布R1以来，阿里巴巴港股上涨60%。",
        "DeepSeek发布R1迄今，阿里巴巴港股上涨60%。",
        "DeepSeek推出R1至今，阿里巴巴港股累计上涨60%。",
    ],
)
def test_since_the_r1_release_in_chinese(ex: Extractor, market: Market, text: str) -> None:
    (claim,) = ex.extract(text, DATE)
    assert claim.symbols == ("9988.HK",) and dict(claim.window) == SINCE_R1
    (verdict,) = verify_claims([claim], market)
    # 84.55 (2025-01-20) -> 138.50: +63.81%, above "60%" ([59.45, 61.05])
    assert verdict.checks[0].computed == pytest.approx(_ret("9988.HK", "2025-01-20", DATE), abs=1e-6)
    assert verdict.status == "contradicted"


# -- 5. the CLI ------------------------------------------------------------------------------------
def test_check_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "relative.md"
    article.write_text(
        "---\ndate: 2025-02-21\n---\n\n"
        "Nvidia underperformed the S&P 500 by 16 points on Jan. 27. "
        "恒生科技指数年初至今跑输纳斯达克指数3个百分点。\n",
        encoding="utf-8",
    )
    assert main(["--sample", "check", str(article), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(v["metric"], v["status"]) for v in out] == [
        ("relative_return", "supported"),
        ("relative_return", "contradicted"),
    ]
    assert out[0]["versus"]["symbols"] == ["^GSPC"]
    assert out[0]["checks"][0]["computed"] == pytest.approx(
        _diff("NVDA", "^GSPC", "2025-01-24", "2025-01-27"), abs=1e-6
    )
    assert out[1]["checks"][0]["computed"] == pytest.approx(
        _diff("HSTECH", "^IXIC", "2024-12-31", DATE, "2025-02-20"), abs=1e-6
    )
    assert main(["--sample", "check", str(article)]) == 0
    table = capsys.readouterr().out
    assert "^GSPC" in table and "-15.51" in table
