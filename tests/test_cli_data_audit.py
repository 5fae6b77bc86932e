"""Regressions from the CLI audit: zone-less times, ranges past the data, and the JSON writer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.cli import main
from rerating.cli._output import to_json


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# 3. session refuses a time without a zone, like `study --events`


@pytest.mark.parametrize("after", ["2025-01-27T20:30", "2025-01-27 20:30:00", "2025-01-27T00:00"])
def test_session_refuses_a_time_without_zone(capsys, after):
    code, out, err = _run(capsys, "session", "--exchange", "XNYS", "--after", after)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "has no time zone" in err and "-05:00" in err and "Z (UTC)" in err


@pytest.mark.parametrize(
    "after, exchange, session",
    [
        ("2025-01-27T20:30-05:00", "XNYS", "2025-01-28"),  # 01:30 UTC on the 28th: after NY's close
        ("2025-01-27T20:30Z", "XNYS", "2025-01-27"),
        ("2025-01-28", "XSHG", "2025-02-05"),  # a bare date: that day if a session, else the next
    ],
)
def test_session_with_a_zone_or_a_bare_date(capsys, after, exchange, session):
    code, out, err = _run(
        capsys, "session", "--exchange", exchange, "--after", after, "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)[0]["session"] == session


# 4. a range past the data is shown, with a note naming the actual range


def test_prices_past_the_end_of_the_data_say_so(capsys):
    code, out, err = _run(
        capsys,
        "--sample",
        "prices",
        "NVDA",
        "--from",
        "2025-06-25",
        "--to",
        "2025-08-01",
        "--format",
        "csv",
    )
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("NVDA,2025-06-30")
    assert "NVDA: bars end 2025-06-30, earlier than the 2025-08-01 asked" in err


def test_returns_before_the_start_of_the_data_say_so(capsys):
    code, out, err = _run(
        capsys,
        "--sample",
        "returns",
        "^GSPC",
        "NVDA",
        "--from",
        "2024-08-01",
        "--to",
        "2024-08-22",
        "--format",
        "csv",
    )
    assert code == 0
    assert (
        "^GSPC: returns start 2024-08-20, later than the 2024-08-01 asked (its data start 2024-08-19)"
        in err
    )
    assert "NVDA" not in err  # NVDA's data cover the range


def test_wide_prices_and_no_note_inside_the_data(capsys):
    code, _, err = _run(
        capsys,
        "--sample",
        "prices",
        "NVDA",
        "^GSPC",
        "--from",
        "2024-08-01",
        "--to",
        "2024-08-22",
        "--wide",
        "--format",
        "csv",
    )
    assert code == 0 and "^GSPC: bars start 2024-08-19" in err and "NVDA" not in err
    # a weekend after the last bar is not "less than asked"
    code, _, err = _run(
        capsys,
        "--sample",
        "prices",
        "NVDA",
        "--from",
        "2025-06-02",
        "--to",
        "2025-06-29",
        "--format",
        "csv",
    )
    assert code == 0 and err == ""


# 6. JSON: ISO dates, plain doubles, strict


def test_to_json_dates_floats_and_missing_values():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-28", None]),
            "stamp": pd.to_datetime(["2025-01-28 14:30", "2025-01-29 00:00"]),
            "utc": pd.to_datetime(["2025-01-28 14:30Z", "2025-01-29 00:00Z"], utc=True),
            "value": [202740223501.76, np.nan],
            "f32": np.array([0.1, np.inf], dtype="float32"),
            "n": np.array([3, 4], dtype="int64"),
            "ok": [True, False],
            "obj": [{"amount": -17.0, "unit": "pct"}, None],
            "text": ["輝達", pd.Timestamp("2025-01-28")],
        }
    )
    text = to_json(frame)
    rows = json.loads(
        text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}")
    )
    assert rows[0] == {
        "date": "2025-01-28",
        "stamp": "2025-01-28T14:30:00",
        "utc": "2025-01-28T14:30:00+00:00",
        "value": 202740223501.76,
        "f32": 0.1,
        "n": 3,
        "ok": True,
        "obj": {"amount": -17.0, "unit": "pct"},
        "text": "輝達",
    }
    assert rows[1]["date"] is None and rows[1]["value"] is None and rows[1]["f32"] is None
    assert rows[1]["obj"] is None and rows[1]["text"] == "2025-01-28"
    assert "202740223501.76," in text and "0.10000000149" not in text
    assert to_json(frame.iloc[:0]) == "[]"


def test_cli_json_dates_are_iso_dates(capsys):
    code, out, _ = _run(
        capsys,
        "--sample",
        "prices",
        "9988.HK",
        "--from",
        "2025-01-27",
        "--to",
        "2025-01-28",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["date"] for r in rows] == ["2025-01-27", "2025-01-28"]
    assert rows[0]["close"] == 87.25


# 5. comma lists are accepted wherever SYMBOLS are


def test_data_commands_take_comma_lists(capsys):
    args = ["--from", "2025-01-27", "--to", "2025-01-28", "--format", "csv"]
    code, comma, err = _run(capsys, "--sample", "prices", "BABA,9988.HK", *args)
    assert code == 0, err
    code, spaced, _ = _run(capsys, "--sample", "prices", "BABA", "9988.HK", *args)
    assert code == 0 and comma == spaced and "9988.HK" in comma
    code, _, err = _run(capsys, "--sample", "prices", ",", *args)
    assert code == 2 and "no symbols given" in err


# second audit: messages that named the wrong thing


SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"


@pytest.fixture()
def gap_home(tmp_path, capsys, hk_gap_folder):
    """A store whose 9988.HK lacks 2025-02-05..07 (three XHKG sessions), loaded with `rerating load`."""
    home = tmp_path / "home"
    code, _, err = _run(capsys, "--home", str(home), "load", "9988.HK", "--dir", str(hk_gap_folder))
    assert code == 0, err
    return str(home)


def test_returns_gap_before_from_counts_its_sessions(capsys, gap_home):
    args = ["--home", gap_home, "returns", "9988.HK", "--from", "2025-02-10", "--to", "2025-02-12"]
    code, out, err = _run(capsys, *args, "--gap-policy", "raise")
    assert code != 0 and out == ""
    assert "no bar for 3 XHKG session(s) (2025-02-05, 2025-02-06, 2025-02-07)" in err
    assert "--gap-policy" in err
    code, out, err = _run(capsys, *args, "--gap-policy", "multi_day", "--format", "csv")
    assert code == 0 and "9988.HK,2025-02-10," in out
    for day in ("2025-02-05", "2025-02-06", "2025-02-07"):
        assert f"note: 9988.HK {day}: no bar for this session; folded into the multi-session " \
               "return of 2025-02-10" in err


def test_returns_gap_at_an_end_is_not_the_end_of_the_data(capsys, gap_home):
    # 2025-02-05 and -06 are gaps (noted), not sessions past the data's end (2025-06-30)
    code, _, err = _run(capsys, "--home", gap_home, "returns", "9988.HK", "--from", "2025-02-03",
                        "--to", "2025-02-06", "--gap-policy", "multi_day", "--format", "csv")
    assert code == 0 and "no bar for this session" in err
    assert "earlier than" not in err and "later than" not in err


def test_marketcap_takes_local_like_mcap_change(capsys):
    args = ["--sample", "marketcap", "BABA", "9988.HK", "--on", "2025-01-27", "--format", "json"]
    code, out, err = _run(capsys, *args, "--currency", "local")
    assert code == 0, err
    code, default, _ = _run(capsys, *args)
    assert out == default
    assert [r["currency"] for r in json.loads(out)] == ["USD", "HKD"]


def test_session_outside_the_calendar_names_the_time_given(capsys):
    code, out, err = _run(capsys, "session", "--exchange", "XNYS", "--after", "2090-01-02T00:00Z")
    assert code != 0 and out == "" and err.count("\n") == 1
    # 00:00 UTC on the 2nd is the evening of the 1st in New York: name both, not only 2090-01-01
    assert "timestamp 2090-01-02T00:00:00+00:00 (2090-01-01 in America/New_York) is outside" in err


def test_load_non_session_rows_raise_or_are_left_out_with_a_note(capsys, tmp_path):
    sample = Path(__file__).resolve().parents[1] / "src/rerating/data/sample/NVDA.csv"
    rows = sample.read_text(encoding="utf-8").splitlines()[:3]
    folder = tmp_path / "bars"
    folder.mkdir()
    # a Saturday row (2024-06-08) after two sessions
    (folder / "NVDA.csv").write_text("\n".join([*rows, rows[1].replace("2024-06-03", "2024-06-08")]) + "\n")
    home = str(tmp_path / "home")
    code, _, err = _run(capsys, "--home", home, "load", "NVDA", "--dir", str(folder))
    assert code != 0 and "2024-06-08 is not a XNYS session" in err
    assert "rerating load --non-session drop" in err  # a flag the user has, not a Python parameter
    code, _, err = _run(capsys, "--home", home, "load", "NVDA", "--dir", str(folder), "--non-session", "drop")
    assert code == 0, err
    assert "note: NVDA: left out 2024-06-08: not a XNYS session" in err
    assert "loaded 1 of 1 symbols, 2 rows" in err
