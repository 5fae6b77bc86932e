"""Tickers and exchange names in claims: "(NASDAQ: NVDA)" names the listing, not the Nasdaq index.

Newswires write a company's listing as its exchange, a colon and its ticker ("(NYSE: BABA)",
"(HKEX: 700)"); an article may also use the ticker alone as the subject ("NVDA fell 17%"). The
expected figures are read from the bundled sample CSVs with the csv module (NVDA closed at 142.62
on 2025-01-24 and 118.42 on 2025-01-27: -16.97%), sharing no code with the measures checked.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from rerating.claims import Extractor
from rerating.claims.text import sentences
from rerating.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"


def close(stem: str, day: str) -> float:
    with open(SAMPLE / f"{stem}.csv", encoding="utf-8") as fh:
        return next(float(r["close"]) for r in csv.DictReader(fh) if r["date"] == day)


def found(ex: Extractor, text: str) -> list[tuple[str, tuple[str, ...], str, float]]:
    return [
        (c.entity, c.symbols, c.metric, c.value["amount"]) for c in ex.extract(text, "2025-01-28")
    ]


@pytest.mark.parametrize(
    ("text", "entity", "symbols"),
    [
        ("Nvidia Corp. (NASDAQ: NVDA) dropped 17% on Monday.", "Nvidia", ("NVDA",)),
        ("英伟达(NASDAQ: NVDA)周一下跌17%。", "英伟达", ("NVDA",)),
        ("Alibaba Group (NYSE: BABA) gained 1% on Monday.", "Alibaba Group", ("BABA",)),
        ("Tencent Holdings (HKEX: 700) gained 1% on Monday.", "Tencent Holdings", ("0700.HK",)),
        ("阿里巴巴（09988.HK）周一上涨3%。", "阿里巴巴", ("9988.HK",)),
        # both listings named: both are checked
        ("Alibaba (NYSE: BABA; HKEX: 9988) gained 3% on Monday.", "Alibaba", ("9988.HK", "BABA")),
    ],
)
def test_exchange_and_ticker_name_the_listing(
    ex: Extractor, text: str, entity: str, symbols: tuple[str, ...]
) -> None:
    assert [(c.entity, c.symbols, c.metric) for c in ex.extract(text, "2025-01-28")] == [
        (entity, symbols, "price_return")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Shares of Nvidia, which is listed on the Nasdaq, dropped 17% on Monday.",
        "Nvidia, which trades on the Nasdaq, dropped 17% on Monday.",
        "Nasdaq-listed Nvidia dropped 17% on Monday.",
        "在纳斯达克上市的英伟达周一下跌17%。",
    ],
)
def test_exchange_where_a_company_trades_is_not_the_subject(ex: Extractor, text: str) -> None:
    (claim,) = ex.extract(text, "2025-01-28")
    assert claim.symbols == ("NVDA",) and claim.metric == "price_return"
    assert claim.window == {"type": "day", "date": "2025-01-27"}


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("The Nasdaq dropped 3% on Monday.", -3.0),
        ("纳斯达克指数周一下跌3%。", -3.0),
        ("The Nasdaq Composite slid 3.1% on Monday, led by Nvidia.", -3.1),
    ],
)
def test_index_claims_still_name_the_index(ex: Extractor, text: str, amount: float) -> None:
    assert [(c.symbols, c.metric, c.value["amount"]) for c in ex.extract(text, "2025-01-28")] == [
        (("^IXIC",), "index_return", amount)
    ]


def test_tickers_in_parentheses_keep_a_list_together(ex: Extractor) -> None:
    text = (
        "Alibaba (NYSE: BABA) and Nvidia (NASDAQ: NVDA) fell 1% and 17% respectively on January 27."
    )
    assert found(ex, text) == [
        ("Alibaba", ("BABA",), "price_return", -1.0),
        ("Nvidia", ("NVDA",), "price_return", -17.0),
    ]


def test_semicolon_inside_parentheses_does_not_end_the_sentence() -> None:
    text = "Alibaba (NYSE: BABA; HKEX: 9988) gained 3%. Tencent gained 1%."
    assert [text[s:e] for s, e in sentences(text)] == [
        "Alibaba (NYSE: BABA; HKEX: 9988) gained 3%.",
        "Tencent gained 1%.",
    ]


@pytest.mark.parametrize(
    ("text", "symbol", "amount"),
    [
        ("NVDA dropped 17% on January 27.", "NVDA", -17.0),
        ("BABA gained 6.7% on January 28.", "BABA", 6.7),
        ("9988.HK gained 3% on January 27.", "9988.HK", 3.0),
        ("NVDA周一下跌17%。", "NVDA", -17.0),
        ("0700.HK周一上涨1%。", "0700.HK", 1.0),
    ],
)
def test_ticker_as_subject(ex: Extractor, text: str, symbol: str, amount: float) -> None:
    assert found(ex, text) == [(symbol, (symbol,), "price_return", amount)]


@pytest.mark.parametrize(
    "text",
    [
        "The AI and IT units of the US firm, led by its CEO, rose 5% on Monday.",
        "nvda dropped 17% on Monday.",  # not written as a ticker
    ],
)
def test_words_that_are_not_tickers(ex: Extractor, text: str) -> None:
    assert ex.lexicon.entities(text) == []
    assert ex.extract(text, "2025-01-28") == []


def test_check_supports_nvidia_named_with_its_exchange(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Nvidia Corp. (NASDAQ: NVDA) dropped 17% on Monday."
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["--sample", "check", "-", "--date", "2025-01-28", "--format", "json"]) == 0
    (verdict,) = json.loads(capsys.readouterr().out)
    assert verdict["status"] == "supported" and verdict["symbols"] == ["NVDA"]
    (check,) = verdict["checks"]
    want = 100 * (close("NVDA", "2025-01-27") / close("NVDA", "2025-01-24") - 1)  # -16.97
    assert check["symbol"] == "NVDA" and check["computed"] == pytest.approx(want)


def test_claims_finds_a_ticker_subject(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b"BABA gained 6.7% on January 28."))
    )
    assert main(["claims", "-", "--date", "2025-02-14", "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert "no market claims found" not in cap.err
    (claim,) = json.loads(cap.out)
    assert claim["symbols"] == ["BABA"] and claim["window"] == {"type": "day", "date": "2025-01-28"}
