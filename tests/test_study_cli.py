"""``rerating study`` on the bundled sample: exit codes, output formats, a bad-input case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rerating.cli import main

EVENTS = """event_id,symbol,timestamp,group
deepseek-r1,9988.HK,2025-01-20T08:00:00+08:00,china
deepseek-r1,0700.hk,2025-01-20T08:00:00+08:00,china
deepseek-r1,NVDA,2025-01-20T08:00:00+08:00,us
deepseek-r1,MSFT,2025-01-20T08:00:00+08:00,us
"""


@pytest.fixture()
def events_csv(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    return path


def test_study_caar_json_on_the_sample(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--sample",
            "study",
            "--events",
            str(events_csv),
            "--estimation",
            "-120:-11",
            "--window",
            "0:0",
            "--window",
            "5:20",
            "--format",
            "json",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    rows = json.loads(out.out)
    keys = {(r["group"], r["window"]) for r in rows}
    assert keys == {(g, w) for g in ("all", "china", "us") for w in ("[0:0]", "[5:20]")}
    china = next(r for r in rows if r["group"] == "china" and r["window"] == "[5:20]")
    assert china["n"] == 2 and china["caar"] > 0.1
    assert "overlap in calendar time" in out.err  # one event date for every listing


def test_study_tests_csv_with_one_benchmark(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--sample",
            "study",
            "--events",
            str(events_csv),
            "--estimation",
            "-120:-11",
            "--benchmark",
            "^GSPC",
            "--tests",
            "bmp,adj_bmp,grank",
            "--what",
            "tests",
            "--format",
            "csv",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    lines = out.out.strip().splitlines()
    assert lines[0] == "group,window,test,statistic,pvalue,n,valid_under_clustering"
    assert {ln.split(",")[2] for ln in lines[1:]} == {"bmp", "adj_bmp", "grank"}


def test_study_dropped_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ev.csv"
    path.write_text(
        "event_id,symbol,date\nearly,NVDA,2024-07-01\nok,NVDA,2025-01-27\n", encoding="utf-8"
    )
    code = main(
        [
            "--sample",
            "study",
            "--events",
            str(path),
            "--estimation",
            "-120:-11",
            "--what",
            "dropped",
            "--format",
            "csv",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    # the sample's ^GSPC starts 2024-08-19: NVDA's default benchmark is missing around the early event
    assert "early,NVDA,2024-07-01,missing benchmark data in the event window" in out.out
    assert "1 of 2 events dropped" in out.err


def test_study_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "--help"]) == 0
    assert "rerating --sample study --events" in capsys.readouterr().out


def test_study_bad_window_is_a_one_line_error(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--sample", "study", "--events", str(events_csv), "--window", "0-5"])
    err = capsys.readouterr().err
    assert code != 0
    assert "START:END" in err and "Traceback" not in err


def test_study_overlapping_windows_error(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--sample", "study", "--events", str(events_csv), "--estimation", "-120:0"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err.startswith("error: estimation_window (-120, 0) overlaps")
        and len(err.strip().splitlines()) == 1
    )


def test_study_events_file_without_symbol_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,ticker,date\n1,NVDA,2025-01-27\n", encoding="utf-8")
    code = main(["--sample", "study", "--events", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "no 'symbol' column" in err


def test_study_summary_text(events_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--sample",
            "study",
            "--events",
            str(events_csv),
            "--estimation",
            "-120:-11",
            "--model",
            "market_adjusted",
            "--what",
            "summary",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Event study") and "market_adjusted" in out and "grank" in out
