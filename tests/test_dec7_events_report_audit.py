"""Audit of user events files and custom reports (2026-12-07): each test failed before its fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rerating.cli import main


def _lede(out: Path) -> str:
    html = (out / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<p class="lede">([^<]*)</p>', html)
    assert found is not None
    return found.group(1)


def test_custom_question_counts_the_listings_studied_not_those_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # qwen3 (2025-04-29): DELL has no bars in the sample; ^GSPC ends 2025-05-16, before the
    # [0:19] window of BABA, NVDA and CEG ends; VST's returns end 2025-04-30. Only 9988.HK is
    # studied: 5 of the 6 listings given are dropped (each named in the Dropped table).
    out = tmp_path / "r"
    code = main(
        ["--sample", "report", "--events", "qwen3", "--symbols", "BABA,9988.HK,NVDA,VST,DELL,CEG",
         "--out", str(out), "--format", "csv"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert _lede(out) == (
        "Did qwen3 move 1 listing abnormally against its market? (5 of the 6 listings given "
        "were dropped: see Dropped events and listings.)"
    )


def test_custom_question_says_when_no_listing_could_be_studied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    code = main(
        ["--sample", "report", "--events", "qwen3", "--symbols", "NVDA,BABA", "--out", str(out),
         "--format", "csv"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert _lede(out) == (
        "Did qwen3 move 2 listings abnormally against their markets? None could be studied: "
        "both were dropped (see Dropped events and listings)."
    )


def test_custom_question_counts_an_index_left_out_as_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    code = main(
        ["--sample", "report", "--events", "deepseek-r1", "--symbols", "BABA,NVDA,^HSI",
         "--out", str(out), "--format", "csv"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert _lede(out) == (
        "Did deepseek-r1 move 2 listings abnormally against their markets? (1 of the 3 listings "
        "given was dropped: see Dropped events and listings.)"
    )
