"""The rerate commands: window, change, event-return, mcap-change, pe, comove."""

from __future__ import annotations

import csv
import io
import json

import pytest

from _sample_cli import raw
from _sample_cli import run_sample as _run
from rerating.cli import main


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_window_twenty_sessions(capsys):
    code, out, _ = _run(capsys, "window", "9988.HK", "0700.HK", "HSTECH", "--end", "2025-02-13",
                        "--sessions", "20", "--format", "csv")
    assert code == 0
    rows = {r["symbol"]: r for r in _csv(out)}
    for sym in ("9988.HK", "0700.HK", "HSTECH"):
        expected = 100 * (raw(sym, "2025-02-13") / raw(sym, "2025-01-13") - 1)
        assert float(rows[sym]["pct"]) == pytest.approx(expected, rel=1e-9)


def test_change_and_the_table_format(capsys):
    code, out, _ = _run(capsys, "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27",
                        "--format", "json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["value"] == pytest.approx(118.42 / raw("NVDA", "2025-01-24") - 1)
    code, out, _ = _run(capsys, "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27")
    assert code == 0 and "-16.9682" in out  # percent, 4 decimals


def test_event_return_sessions_and_days(capsys):
    code, out, _ = _run(capsys, "event-return", "NVDA", "BABA", "--event", "deepseek-r1",
                        "--sessions", "5", "--format", "csv")
    assert code == 0
    rows = {r["symbol"]: r for r in _csv(out)}
    assert rows["NVDA"]["start_date"] == "2025-01-17" and rows["NVDA"]["end_date"] == "2025-01-27"
    code, out, _ = _run(capsys, "event-return", "NVDA", "--event", "deepseek-r1", "--days", "7",
                        "--format", "csv")
    assert _csv(out)[0]["end_date"] == "2025-01-27"


def test_mcap_change_notes_go_to_stderr(capsys):
    code, out, err = _run(capsys, "mcap-change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27",
                          "--format", "csv")
    assert code == 0
    rows = {r["symbol"]: r for r in _csv(out)}
    assert float(rows["total"]["change"]) == pytest.approx(24.49e9 * (118.42 - raw("NVDA", "2025-01-24")))
    assert "24,490,000,000 shares as of 2024-11-15" in err
    code, out, err = _run(capsys, "mcap-change", "NVDA", "MSFT", "--from", "2025-01-24", "--to",
                          "2025-01-27", "--partial", "--format", "csv")
    assert code == 0 and "left out MSFT" in err


def test_pe_and_decomposition(capsys):
    code, out, _ = _run(capsys, "pe", "NVDA", "--from", "2025-01-27", "--to", "2025-01-27", "--format", "csv")
    assert code == 0
    (row,) = _csv(out)
    assert float(row["pe"]) == pytest.approx(118.42 / 2.54)
    code, out, _ = _run(capsys, "pe", "BABA", "--from", "2025-01-17", "--to", "2025-03-03", "--decompose",
                        "--format", "json")
    (d,) = json.loads(out)
    assert d["log_eps_change"] + d["log_multiple_change"] == pytest.approx(d["log_return"])


def test_pe_gap_by_hand(capsys):
    code, out, err = _run(capsys, "pe-gap", "--a", "NVDA,JD", "--b", "MSFT", "--on", "2025-02-15",
                          "--format", "csv")
    assert code == 0
    rows = {r["symbol"]: r for r in _csv(out)}
    # NVDA: Friday 2025-02-14 close over 0.49 + 0.60 + 0.67 + 0.78; MSFT: quarters to 2024-12-31
    nvda = raw("NVDA", "2025-02-14") / 2.54
    msft = raw("MSFT", "2025-02-14") / (2.94 + 2.95 + 3.30 + 3.23)
    assert float(rows["NVDA"]["pe"]) == pytest.approx(nvda)
    assert float(rows["MSFT"]["pe"]) == pytest.approx(msft)
    assert "JD" not in rows and "left out JD" in err  # no EPS rows: said on stderr
    # the medians, the gap and the ratio are in the file, not only in the table's title
    for r in rows.values():
        assert float(r["basket_median"]) == pytest.approx(nvda if r["basket"] == "A" else msft)
        assert float(r["gap_a_minus_b"]) == pytest.approx(nvda - msft)
        assert float(r["ratio_a_over_b"]) == pytest.approx(nvda / msft)
    assert "median trailing P/E on 2025-02-15" in err


@pytest.mark.parametrize(
    ("basket_a", "on", "why"),
    [
        ("9988.HK", "2025-02-14", "9988.HK: no EPS rows for 9988.HK"),
        ("BABA,0700.HK", "2025-12-31", "BABA: no bars for BABA in 2025-12-21..2025-12-31"),
    ],
)
def test_pe_gap_says_why_no_member_has_a_pe(capsys, basket_a: str, on: str, why: str) -> None:
    code, _, err = _run(capsys, "pe-gap", "--a", basket_a, "--b", "NVDA", "--on", on)
    assert code != 0 and "no member of basket A has a trailing P/E" in err and why in err
    assert "is empty" not in err


def test_mcap_change_of_a_company_in_two_currencies_says_which_is_local(capsys) -> None:
    code, out, err = _run(capsys, "mcap-change", "alibaba", "--from", "2025-01-17", "--to", "2025-02-14",
                          "--currency", "local", "--format", "csv")
    assert code == 0 and {r["currency"] for r in _csv(out)} == {"USD"}
    assert "alibaba is listed in USD (BABA), HKD (9988.HK); values are in USD" in err


def test_comove(capsys):
    code, out, err = _run(capsys, "comove", "--a", "9988.HK,0700.HK", "--b", "NVDA,MSFT",
                          "--event", "deepseek-r1", "--lag", "1", "--format", "csv")
    assert code == 0
    rows = _csv(out)
    assert [r["period"] for r in rows] == ["before", "after"]
    assert int(rows[0]["n"]) == 60 and 0 <= float(rows[0]["chow_pvalue"]) <= 1


def test_abnormal_matches_the_library(capsys):
    from rerating.data.market import Market
    from rerating.rerate.abnormal import abnormal_event_return

    code, out, err = _run(capsys, "abnormal", "9988.HK", "NVDA", "--event", "deepseek-r1",
                          "--sessions", "5", "--format", "csv")
    assert code == 0
    rows = {r["symbol"]: r for r in _csv(out)}
    lib = abnormal_event_return(Market.from_sample(), ["9988.HK"], "deepseek-r1", 5).car
    assert float(rows["9988.HK"]["car"]) == pytest.approx(float(lib["car"].iloc[0]), rel=1e-12)
    assert "NVDA" not in rows and "dropped NVDA: not enough estimation data" in err
    assert "needs at least" not in err  # the tables show no test statistics: none are run
    # a shorter estimation window keeps NVDA (the sample's S&P 500 starts in August 2024)
    code, out, err = _run(capsys, "abnormal", "9988.HK", "NVDA", "--event", "deepseek-r1",
                          "--sessions", "5", "--estimation", "-100:-11", "--format", "csv")
    assert code == 0
    rows = {r["symbol"]: r for r in _csv(out)}
    lib = abnormal_event_return(Market.from_sample(), ["NVDA"], "deepseek-r1", 5,
                                estimation_window=(-100, -11)).car
    assert float(rows["NVDA"]["car"]) == pytest.approx(float(lib["car"].iloc[0]), rel=1e-12)
    assert rows["NVDA"]["day0"] == "2025-01-21"


@pytest.mark.parametrize(
    "args, text",
    [
        (["window", "NVDA", "--end", "2025-08-01", "--sessions", "5"], "after its last close"),
        (["event-return", "NVDA", "--event", "deepseek-r2", "--days", "3"], "did you mean deepseek-r1"),
        (["mcap-change", "NVDA", "MSFT", "--from", "2025-01-24", "--to", "2025-01-27"], "MSFT"),
        (["mcap-change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27", "--currency", "EUR"], "EUR"),
        (["window", "NVDAX", "--end", "2025-01-27"], "NVDAX"),
        (["event-return", "NVDA", "--event", "deepseek-r1"], "exactly one"),
        (["abnormal", "NVDA", "--event", "deepseek-r1", "--estimation", "-100"], "not START:END"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, args, text):
    code, out, err = _run(capsys, *args)
    assert code != 0
    assert err.startswith("error: ") and err.count("\n") == 1 and text in err


@pytest.mark.parametrize("cmd", ["window", "change", "event-return", "mcap-change", "pe", "pe-gap",
                                 "comove", "abnormal"])
def test_help_has_an_example(capsys, cmd):
    assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out and "--format" in out
