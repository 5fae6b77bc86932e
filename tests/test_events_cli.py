"""`rerating events list|show` on the bundled catalog and a user's file."""

from __future__ import annotations

import json

import pytest

from rerating.cli import main
from rerating.events.catalog import bundled_catalog_path

pytestmark = pytest.mark.skipif(not bundled_catalog_path().is_file(), reason="catalog.toml absent")


def _run(capsys, *args):
    code = main(["--sample", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_show_r1_day_zero_in_three_markets(capsys):
    code, out, _ = _run(capsys, "events", "show", "deepseek-r1", "--format", "json")
    assert code == 0
    rows = {r["calendar"]: r for r in json.loads(out)}
    # worked by hand: known from 2025-01-20 16:00 UTC; NYSE shut for MLK Day
    assert rows["XNYS"]["day_zero"].startswith("2025-01-21")
    assert rows["XHKG"]["day_zero"].startswith("2025-01-21")
    assert rows["XSHG"]["day_zero"].startswith("2025-01-21")
    assert rows["XNYS"]["last_close_before"].startswith("2025-01-17")


def test_show_table_prints_the_event(capsys):
    code, out, _ = _run(capsys, "events", "show", "DeepSeek-R1")
    assert code == 0
    assert "deepseek-r1" in out and "hour unknown" in out and "New York" in out and "source:" in out


def test_list_filters(capsys):
    code, out, _ = _run(capsys, "events", "list", "--kind", "earnings", "--from", "2025-02-01",
                        "--to", "2025-02-28", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("id,local_date")
    assert len(lines) >= 2 and all(",earnings," in ln for ln in lines[1:])


def test_user_events_file_and_late_january_day_zero(capsys, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("id,title_en,date,tz,kind,sources,symbols\n"
                    "my-lny,Mine,2025-01-28,Asia/Shanghai,product,https://example.org,9988.HK\n",
                    encoding="utf-8")
    code, out, _ = _run(capsys, "events", "show", "my-lny", "--events", str(path), "--format", "json")
    assert code == 0
    rows = {r["calendar"]: r["day_zero"][:10] for r in json.loads(out)}
    # Hong Kong shut 01-29..31 (then a weekend); Shanghai shut 01-28..02-04
    assert rows == {"XNYS": "2025-01-28", "XHKG": "2025-02-03", "XSHG": "2025-02-05"}


def test_bad_input_is_one_line_and_nonzero(capsys, tmp_path):
    code, out, err = _run(capsys, "events", "show", "deepseek-r2")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "did you mean deepseek-r1" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title_en,timestamp,kind,sources,symbols\n"
                   "x,X,2025-01-27T14:30Z,market,https://e.org,NVDAX\n", encoding="utf-8")
    code, _, err = _run(capsys, "events", "list", "--events", str(bad))
    assert code != 0 and err.count("\n") == 1
    assert "line 2, id 'x': field 'symbols' lists unknown listing 'NVDAX'" in err


def test_help_has_examples(capsys):
    for args in (["events", "list", "--help"], ["events", "show", "--help"]):
        assert main(args) == 0
        assert "Example" in capsys.readouterr().out
