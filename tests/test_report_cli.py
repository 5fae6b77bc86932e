"""``rerating report``: the README's main job, its output, and one-line errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rerating.cli import main
from rerating.study import window_label


def test_report_preset_prints_summary_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "deepseek"
    code = main(["--sample", "report", "--preset", "deepseek-2025", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "report.html").is_file()
    caar = "CAAR" + window_label((0, 19))
    for name in ("China tech in Hong Kong", "China ADRs", "US AI and megacaps", caar):
        assert name in captured.out
    assert f"report: {out / 'report.html'}" in captured.out


def test_report_json_keeps_stdout_machine_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--sample", "report", "--events", "deepseek-r1", "--symbols", "BABA,9988.HK", "--symbols", "NVDA",
         "--out", str(tmp_path), "--format", "json"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = json.loads(captured.out)
    assert {r["group"] for r in rows} == {"United States vs ^GSPC", "Hong Kong vs ^HSI"}
    assert "report:" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--preset", "deepseek-2024"],
            "unknown report preset 'deepseek-2024' (did you mean deepseek-2025?)",
        ),
        (["--events", "deepseek-r9", "--symbols", "BABA"], "unknown event id 'deepseek-r9'"),
        (["--events", "deepseek-r1", "--symbols", "NOPE"], "NOPE"),
        (["--events", "deepseek-r1"], "--events needs --symbols"),
        ([], "nothing to report on"),
        (["--preset", "deepseek-2025", "--symbols", "BABA"], "not both"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--sample", "report", *argv, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x" / "report.html").exists()


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    assert "rerating --sample report --preset deepseek-2025 --out" in out
    assert "--article" in out and "--format" in out


def test_make_demo_spelling_with_sample_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Makefile runs `rerating report --preset deepseek-2025 --sample --out DIR`."""
    code = main(["report", "--preset", "deepseek-2025", "--sample", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (tmp_path / "report.html").is_file()
