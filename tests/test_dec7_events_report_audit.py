"""Audit of user events files and custom reports (2026-12-07): each test failed before its fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main


def _lede(out: Path) -> str:
    html = (out / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<p class="lede">([^<]*)</p>', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("event", "symbols", "question"),
    [
        # qwen3 (2025-04-29): DELL has no bars in the sample; ^GSPC ends 2025-05-16, before the
        # [0:19] window of BABA, NVDA and CEG ends; VST's returns end 2025-04-30. Only 9988.HK is
        # studied: 5 of the 6 listings given are dropped (each named in the Dropped table).
        ("qwen3", "BABA,9988.HK,NVDA,VST,DELL,CEG",
         "Did qwen3 move 1 listing abnormally against its market? (5 of the 6 listings given "
         "were dropped: see Dropped events and listings.)"),
        # no listing could be studied
        ("qwen3", "NVDA,BABA",
         "Did qwen3 move 2 listings abnormally against their markets? None could be studied: "
         "both were dropped (see Dropped events and listings)."),
        # an index the report leaves out counts as given and dropped
        ("deepseek-r1", "BABA,NVDA,^HSI",
         "Did deepseek-r1 move 2 listings abnormally against their markets? (1 of the 3 listings "
         "given was dropped: see Dropped events and listings.)"),
    ],
)  # fmt: skip
def test_custom_question_counts_the_listings_studied_not_those_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], event: str, symbols: str, question: str
) -> None:
    out = tmp_path / "r"
    code = main(
        ["--sample", "report", "--events", event, "--symbols", symbols, "--out", str(out),
         "--format", "csv"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert _lede(out) == question


# --- -o FILE.json/.csv/.parquet: the file holds what --format json/csv/parquet gives ------------


def test_report_output_file_named_json_keeps_the_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # -o FILE.json with --format left at table wrote the terminal table: "+0.40%" strings, an
    # "n" column, "CAAR[0:0]" cells holding "+0.50% (0.43)"
    argv = ["--sample", "report", "--events", "deepseek-r1", "--symbols", "NVDA,BABA"]
    assert main([*argv, "--out", str(tmp_path / "a"), "-o", str(tmp_path / "a.json")]) == 0
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "b"), "--format", "json"]) == 0
    explicit = json.loads(capsys.readouterr().out)
    written = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert written == explicit
    assert isinstance(written[0]["CAAR [0:0]"], float)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_events_list_output_file_has_every_column(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # -o FILE.csv wrote the terminal's eight columns, without timestamp, sources or notes
    out = tmp_path / f"events.{suffix}"
    assert main(["--sample", "events", "list", "-o", str(out)]) == 0
    frame = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
    assert {"timestamp", "organisations", "sources", "notes"} <= set(frame.columns)
    assert main(["--sample", "events", "list", "--format", "csv"]) == 0
    assert list(frame.columns) == capsys.readouterr().out.splitlines()[0].split(",")


# --- user events files --------------------------------------------------------------------------

CATALOG_HEADER = "id,title_en,title_zh,date,tz,timestamp,time_known,kind,symbols,sources\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_report_on_an_event_after_the_data_is_written_without_a_price_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the sample ends 2025-06-30: no listing has a close to rebase at, which raised ValueError
    # ("price_paths_figure: no column of `rebased` belongs to a group") as a traceback
    events = _write(
        tmp_path / "late.csv",
        CATALOG_HEADER + "late,Late news,,2026-03-02,Asia/Shanghai,,false,product,NVDA,https://x\n",
    )
    out = tmp_path / "r"
    code = main(
        ["--sample", "report", "--events", str(events), "--symbols", "NVDA,9988.HK",
         "--out", str(out), "--format", "csv"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "No price chart: no listing has closes around late" in err
    assert (out / "report.html").is_file() and not (out / "prices.png").exists()


def _report_nvda(events: Path, out: Path) -> int:
    """``rerating --sample report --events EVENTS --symbols NVDA --out OUT``."""
    return main(["--sample", "report", "--events", str(events), "--symbols", "NVDA", "--out", str(out)])


@pytest.mark.parametrize(
    ("name", "text"),
    [("empty.csv", CATALOG_HEADER), ("empty.toml", "schema_version = 1\n")],
)
def test_report_on_an_events_file_without_events_names_the_file(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was "no events given for the report; pass --events ...", though --events was given
    events = _write(tmp_path / name, text)
    code = _report_nvda(events, tmp_path / "r")
    err = capsys.readouterr().err
    assert code != 0
    assert f"events file {events} holds no events" in err
    assert "Traceback" not in err


def test_report_on_an_existing_file_of_another_kind_says_which_extensions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an existing events.txt was taken for a catalog id: "unknown event id 'events.txt'"
    events = _write(tmp_path / "events.txt", CATALOG_HEADER)
    code = _report_nvda(events, tmp_path / "r")
    err = capsys.readouterr().err
    assert code != 0
    assert "unsupported extension '.txt'; use .toml or .csv" in err


def test_a_study_events_file_given_as_a_catalog_says_where_it_goes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was "unknown field 'event_id'; valid fields: id, title_en, ..."
    events = _write(tmp_path / "ev.csv", "event_id,symbol,date,group\ne1,NVDA,2025-02-03,us\n")
    assert main(["--sample", "events", "list", "--events", str(events)]) != 0
    err = capsys.readouterr().err
    assert "has the columns of `rerating study --events`" in err
    assert "pass it to `rerating study --events`" in err


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # was "has no 'symbol' column ...; it needs ... event_id, symbol, date or timestamp"
        ("cat.csv",
         CATALOG_HEADER + "mine,Mine,,2025-02-03,Asia/Shanghai,,false,product,NVDA,https://x\n",
         "is a catalog events file (columns id, symbols, ...); study its events with --event ID "
         "--catalog"),
        # was "malformed CSV: line 4 has 2 fields, the header has 1"
        ("cat.toml",
         'schema_version = 1\n[[event]]\nid = "mine"\ntitle_en = "Mine"\ndate = "2025-02-03"\n'
         'tz = "Asia/Shanghai"\nkind = "product"\nsources = ["https://x"]\n',
         "is TOML: --events reads a CSV with columns event_id, symbol, date or timestamp"),
    ],
)  # fmt: skip
def test_a_catalog_file_given_to_study_events_says_to_use_catalog(
    name: str, text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = _write(tmp_path / name, text)
    assert main(["--sample", "study", "--events", str(events)]) != 0
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_one_events_file_named_twice_is_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # was "id 'mine': field 'id' is already used in mine.csv; rename your event"
    _write(
        tmp_path / "mine.csv",
        CATALOG_HEADER + "mine,Mine,,2025-02-03,Asia/Shanghai,,false,product,NVDA,https://x\n",
    )
    monkeypatch.chdir(tmp_path)
    code = main(
        ["--sample", "events", "list", "--events", "mine.csv", "--events", "./mine.csv",
         "--format", "csv"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert sum(line.startswith("mine,") for line in out.splitlines()) == 1
