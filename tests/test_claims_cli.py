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
    assert set(first) == {"sentence", "span", "entity", "symbols", "metric", "window", "value", "comparator", "notes"}
    assert first["symbols"] == ["9988.HK"]
    assert first["window"] == {"type": "sessions", "n": 20, "end": "2025-02-13"}
    assert (first["value"]["amount"], first["comparator"]) == (50.0, "approx")


def test_claims_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", ARTICLE]) == 0
    assert "NVDA" in capsys.readouterr().out
    assert main(["claims", ARTICLE, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("entity,symbols,metric,window") and len(lines) == 7


def test_claims_from_stdin_with_date(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
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
def test_bad_input_one_line(name: str, code: int, words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", str(FIX / name)]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and words in err and len(err.splitlines()) == 1


def test_bad_date_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", str(FIX / "no_date.txt"), "--date", "next week"]) == 3
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_absurd_number_warns(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
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
    assert [v["status"] for v in out] == ["supported", "supported", "supported", "contradicted", "supported",
                                          "supported"]
    assert out[3]["checks"][0]["symbol"] == "BABA" and out[3]["checks"][0]["computed"] > 40
    assert main(["--sample", "check", ARTICLE]) == 0
    assert "contradicted" in capsys.readouterr().out


def test_number_too_large_warns(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "英伟达周一下跌" + "9" * 400 + "%。"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["claims", "-", "--date", "2025-01-28", "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out) == [] and "too large" in cap.err


def test_check_json_is_strict_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sample", "check", ARTICLE, "--format", "json"]) == 0
    out = capsys.readouterr().out
    json.loads(out, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
