"""``rerating claims`` and ``rerating check``: outputs, help, and bad input (one line, exit code)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from rerating.cli import main

FIX = Path(__file__).parent / "fixtures" / "claims"
ARTICLE = str(FIX / "china_tech_rerating.md")


def test_claims_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", ARTICLE, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 6
    first = out[0]
    assert set(first) == {
        "sentence",
        "span",
        "entity",
        "symbols",
        "metric",
        "window",
        "value",
        "comparator",
        "notes",
    }
    assert first["symbols"] == ["9988.HK"]
    assert first["window"] == {"type": "sessions", "n": 20, "end": "2025-02-13"}
    assert (first["value"]["amount"], first["comparator"]) == (50.0, "approx")


def test_claims_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", ARTICLE]) == 0
    assert "NVDA" in capsys.readouterr().out
    assert main(["claims", ARTICLE, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("entity,symbols,metric,window") and len(lines) == 7


def test_claims_from_stdin_with_date(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("英伟达周一大跌17%。".encode())))
    assert main(["claims", "-", "--date", "2025-01-28", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["window"] == {"type": "day", "date": "2025-01-27"}


def test_html_with_scripts_warns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", str(FIX / "english_note.html"), "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert "removed 2 script/style block(s)" in cap.err
    assert [c["value"]["amount"] for c in json.loads(cap.out)] == [-17.0, -593e9]


@pytest.mark.parametrize(
    "name, code, words",
    [
        ("empty.txt", 2, "empty"),
        ("binary.bin", 2, "binary"),
        ("russian.txt", 2, "language"),
        ("missing.md", 2, "does not exist"),
        ("no_date.txt", 3, "--date"),
    ],
)
def test_bad_input_one_line(
    name: str, code: int, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["claims", str(FIX / name)]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and words in err and len(err.splitlines()) == 1


def test_bad_date_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", str(FIX / "no_date.txt"), "--date", "next week"]) == 3
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_absurd_number_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("英伟达周一下跌250%。".encode())))
    assert main(["claims", "-", "--date", "2025-01-28", "--format", "csv"]) == 0
    assert "implausible" in capsys.readouterr().err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("claims", "check"):
        assert main([cmd, "--help"]) == 0
        out = capsys.readouterr().out
        assert "Examples:" in out and "rerating" in out


def test_check_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sample", "check", ARTICLE, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [v["status"] for v in out] == [
        "supported",
        "supported",
        "supported",
        "contradicted",
        "supported",
        "supported",
    ]
    assert out[3]["checks"][0]["symbol"] == "BABA" and out[3]["checks"][0]["computed"] > 40
    assert main(["--sample", "check", ARTICLE]) == 0
    assert "contradicted" in capsys.readouterr().out


def test_number_too_large_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "英伟达周一下跌" + "9" * 400 + "%。"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["claims", "-", "--date", "2025-01-28", "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out) == [] and "too large" in cap.err


def test_check_json_is_strict_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sample", "check", ARTICLE, "--format", "json"]) == 0
    out = capsys.readouterr().out
    json.loads(out, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))


TENCENT = '---\ndate: "2025-02-13"\n---\n\n过去20个交易日，腾讯股价累计上涨20%。美股科技巨头周四集体下跌2%。\n'


def _tencent_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_check_csv_has_every_field_and_separate_notes(tmp_path: Path) -> None:
    """0700.HK rose 20.77% over the 20 sessions to 2025-02-13 (366.00 -> 442.00); TCEHY has no data."""
    article = tmp_path / "tencent.md"
    article.write_text(TENCENT, encoding="utf-8")
    out = tmp_path / "check.csv"
    assert main(["--sample", "check", str(article), "--format", "csv", "--output", str(out)]) == 0
    rows = _tencent_rows(out)
    for col in (
        "sentence",
        "window",
        "comparator",
        "tolerance",
        "computed_adjusted",
        "reason",
        "listing_note",
        "start_date",
        "end_date",
    ):
        assert col in rows[0], col
    assert "note" not in rows[0] and "start" not in rows[0]
    hk, otc, group = rows
    assert (hk["symbol"], otc["symbol"], group["symbol"]) == ("0700.HK", "TCEHY", "")
    assert hk["sentence"] == "过去20个交易日，腾讯股价累计上涨20%。"
    assert hk["window"] == "sessions(n=20,end=2025-02-13)" and hk["comparator"] == "eq"
    assert hk["tolerance"] == "eq 20 pct (stated to 1) accepts [19.45, 21.05]"
    assert float(hk["computed_adjusted"]) == pytest.approx(100 * (442.0 / 366.0 - 1), abs=1e-3)
    # the claim's verdict and reason on both rows; each listing's own status and note
    assert hk["reason"] == otc["reason"] == "holds for 0700.HK"
    assert (hk["listing_status"], hk["listing_note"]) == ("supported", "")
    assert otc["listing_status"] == "unverifiable" and otc["listing_note"].startswith(
        "no bars for TCEHY"
    )
    assert group["listing_note"] == "" and "is a group, not a listing" in group["reason"]


def test_check_parquet_has_the_csv_columns(tmp_path: Path) -> None:
    import pandas as pd

    article = tmp_path / "tencent.md"
    article.write_text(TENCENT, encoding="utf-8")
    assert (
        main(
            [
                "--sample",
                "check",
                str(article),
                "--format",
                "csv",
                "--output",
                str(tmp_path / "c.csv"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--sample",
                "check",
                str(article),
                "--format",
                "parquet",
                "--output",
                str(tmp_path / "c.pq"),
            ]
        )
        == 0
    )
    frame = pd.read_parquet(tmp_path / "c.pq")
    assert list(frame.columns) == list(_tencent_rows(tmp_path / "c.csv")[0])
    assert list(frame["listing_status"]) == ["supported", "unverifiable", "unverifiable"]
    assert frame["listing_note"].iloc[0] == "" and frame["reason"].iloc[0] == "holds for 0700.HK"


def test_claims_csv_offsets_are_char_start_and_char_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "tencent.md"
    article.write_text(TENCENT, encoding="utf-8")
    assert main(["claims", str(article), "--format", "csv"]) == 0
    import csv

    first = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (
        "char_start" in first
        and "char_end" in first
        and "start" not in first
        and "end" not in first
    )
    assert main(["claims", str(article), "--format", "json"]) == 0
    span = json.loads(capsys.readouterr().out)[0]["span"]
    assert [int(first["char_start"]), int(first["char_end"])] == span == [0, 21]
