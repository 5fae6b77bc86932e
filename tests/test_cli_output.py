"""The CSV, JSON and table writers of ``rerating.cli._output`` agree on dates and timestamps."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from rerating.cli import main
from rerating.cli._output import render_frame, to_csv, to_json
from rerating.events.catalog import bundled_catalog_path


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": pd.to_datetime(["2025-01-27", "2025-01-28"]),  # tz-naive midnights: dates
            "close_utc": pd.to_datetime(["2025-01-27T21:00Z", "2025-01-28T04:00Z"]),
            "naive_time": pd.to_datetime(["2025-01-27T14:30", "2025-01-28T00:00"]),
            "mixed": pd.Series(
                [pd.Timestamp("2025-01-28T08:00", tz="UTC"), pd.Timestamp("2025-01-27T14:30Z")],
                dtype=object,
            ),
            "x": [1.5, float("nan")],
        }
    )


# Written out by hand from the frame above: ISO 8601 with the offset each timestamp carries.
EXPECTED = [
    ["2025-01-27", "2025-01-27T21:00:00+00:00", "2025-01-27T14:30:00", "2025-01-28T08:00:00+00:00"],
    ["2025-01-28", "2025-01-28T04:00:00+00:00", "2025-01-28T00:00:00", "2025-01-27T14:30:00+00:00"],
]


def test_csv_keeps_times_and_offsets():
    lines = to_csv(_frame()).strip().splitlines()
    assert lines[0] == "day,close_utc,naive_time,mixed,x"
    assert [ln.split(",")[:4] for ln in lines[1:]] == EXPECTED
    assert lines[1].endswith(",1.5") and lines[2].endswith(",")


def test_csv_and_json_agree():
    frame = _frame()
    records = json.loads(to_json(frame))
    assert [[r[c] for c in ("day", "close_utc", "naive_time", "mixed")] for r in records] == EXPECTED
    csv_back = pd.read_csv(io.StringIO(to_csv(frame)), dtype=str, keep_default_na=False)
    for col in ("day", "close_utc", "naive_time", "mixed"):
        assert csv_back[col].tolist() == [r[col] for r in records]


def test_csv_nat_is_empty_and_date_column_stays_a_date():
    frame = pd.DataFrame({"d": pd.to_datetime(["2025-01-27", None]),
                          "t": pd.to_datetime(["2025-01-27T14:30Z", None])})
    assert to_csv(frame).splitlines() == ["d,t", "2025-01-27,2025-01-27T14:30:00+00:00", ","]


def test_csv_of_a_date_index(capsys):
    frame = pd.DataFrame({"close": [1.0]}, index=pd.DatetimeIndex(["2025-01-27"], name="date"))
    render_frame(frame, "csv", index=True)
    assert capsys.readouterr().out.splitlines() == ["date,close", "2025-01-27,1.0"]


@pytest.mark.skipif(not bundled_catalog_path().is_file(), reason="catalog.toml absent")
def test_events_show_csv_has_the_times(capsys):
    assert main(["--sample", "events", "show", "us-ai-selloff-2025-01-27", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    # worked by hand: the selloff is dated 2025-01-27 14:30 UTC; 2025-01-28 is a Hong Kong half day
    # (Lunar New Year's Eve) closing at 12:00 HKT = 04:00 UTC
    assert ("us-ai-selloff-2025-01-27,XHKG,Hong Kong,2025-01-27,2025-01-28,"
            "2025-01-28T04:00:00+00:00,2025-01-27T14:30:00+00:00") in lines


@pytest.mark.skipif(not bundled_catalog_path().is_file(), reason="catalog.toml absent")
def test_events_list_csv_timestamp_round_trips(capsys):
    assert main(["--sample", "events", "list", "--format", "csv"]) == 0
    csv_rows = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert main(["--sample", "events", "list", "--format", "json"]) == 0
    json_rows = json.loads(capsys.readouterr().out)
    assert csv_rows["timestamp"].tolist() == [r["timestamp"] for r in json_rows]
    assert csv_rows["local_date"].tolist() == [r["local_date"] for r in json_rows]
    # a date-only New York event is known at the end of its local day, 05:00 UTC the next day
    row = csv_rows.set_index("id").loc["ai-diffusion-rule"]
    assert (row["local_date"], row["timestamp"]) == ("2025-01-13", "2025-01-14T05:00:00+00:00")


@pytest.mark.parametrize(("name", "read"), [("x.parquet", pd.read_parquet), ("x.csv", pd.read_csv),
                                            ("x.json", pd.read_json)])  # fmt: skip
def test_a_file_named_for_a_format_gets_it(tmp_path, capsys, name, read) -> None:
    """``-o x.parquet`` without ``--format`` wrote the terminal table into the .parquet file."""
    path = tmp_path / name
    code = main(["--sample", "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27", "-o", str(path)])
    assert code == 0
    got = read(path)
    assert list(got["symbol"]) == ["NVDA"] and float(got["end_close"].iloc[0]) == pytest.approx(118.42)


def test_a_format_against_the_file_name_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "x.csv"
    code = main(["--sample", "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27", "-o", str(path),
                 "--format", "json"])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "--format json does not match the file name" in err and not path.exists()


@pytest.mark.parametrize("name", ["x.csv", "x.parquet", "x.txt"])
def test_an_output_in_a_missing_folder_is_a_one_line_error(tmp_path, capsys, name) -> None:
    path = tmp_path / "no_such_folder" / name
    code = main(["--sample", "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27", "-o", str(path)])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith(f"error: cannot write {path}") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_report_folder_that_cannot_be_made_is_a_one_line_error(tmp_path, capsys) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code = main(["--sample", "report", "--events", "deepseek-r1", "--symbols", "NVDA", "--out",
                 str(blocker / "sub")])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "cannot create the report folder" in err and "Traceback" not in err
