"""The data commands, called through rerating.cli.main: exit codes, output, and one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main

HERE = Path(__file__).parent
FIXTURE = str(HERE / "fixtures" / "data" / "securities_fixture.csv")
SAMPLE = str(HERE.parent / "src" / "rerating" / "data" / "sample")
SAMPLE_ARGS = ["--sample", "--securities", FIXTURE]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_prices_csv(capsys):
    code, out, _ = run(capsys, *SAMPLE_ARGS, "prices", "BABA", "9988.hk", "--from", "2025-01-27", "--to", "2025-02-03", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == ["symbol", "date", "open", "high", "low", "close", "adj_close", "volume"]
    assert set(frame["symbol"]) == {"BABA", "9988.HK"}
    assert frame.loc[(frame["symbol"] == "9988.HK") & (frame["date"] == "2025-01-27"), "close"].item() == 87.25


def test_prices_wide_table(capsys):
    code, out, _ = run(capsys, *SAMPLE_ARGS, "prices", "BABA", "9988.HK", "--from", "2025-01-27", "--to", "2025-02-03", "--wide")
    assert code == 0 and "9988.HK" in out and "2025-01-29" in out


def test_returns_json_and_dropped_notes(capsys):
    code, out, err = run(capsys, *SAMPLE_ARGS, "returns", "KWEB", "--from", "2025-01-21", "--to", "2025-01-24", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["date"][:10] for r in rows] == ["2025-01-21", "2025-01-22", "2025-01-23", "2025-01-24"]
    assert "no adj_close" in err


def test_returns_wide_parquet(tmp_path, capsys):
    target = tmp_path / "r.parquet"
    code, _, _ = run(capsys, *SAMPLE_ARGS, "returns", "NVDA", "9988.HK", "--from", "2025-01-20", "--to", "2025-01-31",
                     "--wide", "--format", "parquet", "-o", str(target))
    assert code == 0
    frame = pd.read_parquet(target).set_index("date")
    assert pd.isna(frame.loc["2025-01-20", "NVDA"]) and frame["NVDA"].loc["2025-01-27"] < -0.16


def test_marketcap(capsys):
    code, out, _ = run(capsys, *SAMPLE_ARGS, "marketcap", "BABA", "9988.HK", "--on", "2025-01-27", "--currency", "USD", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out)).set_index("symbol")
    assert frame.loc["BABA", "value"] / frame.loc["9988.HK", "value"] == pytest.approx(1.0, abs=0.01)


def test_calendar_and_session(capsys):
    code, out, _ = run(capsys, "calendar", "XHKG", "--from", "2025-01-27", "--to", "2025-02-03", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert dict(zip(frame["date"], frame["status"], strict=True)) == {
        "2025-01-27": "session", "2025-01-28": "half-day", "2025-01-29": "holiday",
        "2025-01-30": "holiday", "2025-01-31": "holiday", "2025-02-03": "session"}
    code, out, _ = run(capsys, "session", "--exchange", "XHKG", "--after", "2025-01-27T14:30Z", "--format", "json")
    assert code == 0 and json.loads(out)[0]["session"].startswith("2025-01-28")


def test_load_then_read_from_store_then_clear(tmp_path, capsys):
    home = str(tmp_path / "home")
    code, out, err = run(capsys, "--home", home, "--securities", FIXTURE, "load", "BABA", "USDHKD", "--dir", SAMPLE,
                         "--from", "2025-01-01", "--to", "2025-02-28", "--format", "csv")
    assert code == 0, err
    assert "loaded 2 of 2 symbols" in err
    assert list(pd.read_csv(io.StringIO(out))["status"]) == ["ok", "ok"]
    code, out, _ = run(capsys, "--home", home, "--securities", FIXTURE, "prices", "BABA", "--format", "csv")
    assert code == 0 and pd.read_csv(io.StringIO(out))["date"].iloc[-1] == "2025-02-28"
    code, out, _ = run(capsys, "--home", home, "cache", "info", "--format", "json")
    info = {r["field"]: r["value"] for r in json.loads(out)}
    assert info["symbols"] == "2" and info["schema_version"] == "1"
    code, _, err = run(capsys, "--home", home, "cache", "clear", "--yes")
    assert code == 0 and "cleared" in err and not (tmp_path / "home" / "rerating.duckdb").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*SAMPLE_ARGS, "prices", "BABBA"], "unknown symbol 'BABBA' (did you mean BABA"),
        ([*SAMPLE_ARGS, "returns", "NVDA", "--from", "2025-02-01", "--to", "2025-01-01"], "before start"),
        ([*SAMPLE_ARGS, "marketcap", "NVDA", "--on", "2025-01-27", "--currency", "EUR"], "no FX series for currency 'EUR'"),
        ([*SAMPLE_ARGS, "marketcap", "TSLA", "--on", "2025-01-27"], "no shares-outstanding figures for TSLA"),
        (["calendar", "XHKG", "--from", "1990-01-01", "--to", "1990-02-01"], "outside the XHKG calendar"),
        (["calendar", "XHGK", "--from", "2025-01-01", "--to", "2025-02-01"], "unknown exchange or calendar 'XHGK'"),
        (["session", "--exchange", "XHKG", "--after", "not-a-time"], "is not a time"),
        (["--securities", FIXTURE, "load", "BABA"], "--source files needs --dir"),
        (["--securities", FIXTURE, "load", "NOTASYMBOL", "--dir", SAMPLE], "unknown symbol 'NOTASYMBOL'"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err


def test_partial_load_failure_keeps_the_good_symbols(tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "NVDA.csv").write_text(Path(SAMPLE, "NVDA.csv").read_text())
    (folder / "BABA.csv").write_text("date,close\n2025-01-03,10\n2025-01-02,11\n")
    home = str(tmp_path / "home")
    code, _, err = run(capsys, "--home", home, "--securities", FIXTURE, "load", "NVDA", "BABA", "--dir", str(folder))
    assert code != 0 and "1 symbol(s) not loaded" in err and "BABA.csv: line 3" in err
    code, out, _ = run(capsys, "--home", home, "--securities", FIXTURE, "prices", "NVDA", "--format", "csv")
    assert code == 0 and len(pd.read_csv(io.StringIO(out))) > 200


@pytest.mark.parametrize("command", ["load", "prices", "returns", "marketcap", "calendar", "session", "cache"])
def test_help_has_an_example(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "Example" in out and "rerating" in out


def test_user_listings_are_remembered_by_the_store(tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "688256.SS.csv").write_text("date,close\n2025-01-02,600\n2025-01-03,610.5\n2025-01-06,590\n")
    mine = tmp_path / "mine.csv"
    mine.write_text("symbol,name,kind,exchange,calendar,currency,aliases\n688256.SS,Cambricon,stock,XSHG,XSHG,CNY,寒武纪\n")
    home = str(tmp_path / "home")
    code, _, err = run(capsys, "--home", home, "--securities", str(mine), "load", "688256.SH", "--dir", str(folder))
    assert code == 0, err
    # no --securities now: the store supplies the listing
    code, out, err = run(capsys, "--home", home, "returns", "688256.SS", "--raw", "--format", "csv")
    assert code == 0, err
    assert pd.read_csv(io.StringIO(out))["ret"].round(6).tolist() == [round(610.5 / 600 - 1, 6), round(590 / 610.5 - 1, 6)]
