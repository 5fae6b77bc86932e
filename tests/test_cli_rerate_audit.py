"""Regressions from the CLI audit: --lookahead, comma lists, the Chow F of a perfect fit, units."""

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


# 1. the missing-shares hint names an option the CLI has, and the option works


@pytest.mark.parametrize(
    "argv",
    [
        ["marketcap", "META", "--on", "2025-01-27"],
        ["mcap-change", "META", "--from", "2025-01-24", "--to", "2025-01-27"],
    ],
)
def test_missing_shares_hint_names_the_cli_option_and_it_works(capsys, argv):
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "--lookahead 88" in err and err.count("\n") == 1
    code, out, err = _run(capsys, *argv, "--lookahead", "88", "--format", "csv")
    assert code == 0, err
    row = _csv(out)[0]
    assert row["symbol"] == "META" and row["shares_as_of"] == "2025-04-25"
    assert "after 2025-01-27 (lookahead)" in out + err  # said, never silent


def test_lookahead_in_a_basket_and_in_help(capsys):
    argv = ["mcap-change", "NVDA", "AMZN", "META", "--from", "2025-01-24", "--to", "2025-01-27"]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "--lookahead 2" in err  # AMZN's first figure is 2025-01-29
    code, out, err = _run(capsys, *argv, "--lookahead", "90", "--format", "csv")
    assert code == 0, err
    assert [r["symbol"] for r in _csv(out)] == ["NVDA", "AMZN", "META", "total"]
    assert "AMZN" in err and "2025-01-29, after 2025-01-27 (lookahead)" in err
    for cmd in ("marketcap", "mcap-change"):
        assert main([cmd, "--help"]) == 0
        assert "--lookahead DAYS" in capsys.readouterr().out


def test_lookahead_in_the_library():
    from rerating.data.market import Market
    from rerating.errors import DateRangeError, MissingSharesError
    from rerating.rerate.marketcap import market_cap_change

    m = Market.from_sample()
    with pytest.raises(MissingSharesError, match="lookahead=88"):
        market_cap_change(m, "META", "2025-01-24", "2025-01-27")
    res = market_cap_change(m, "META", "2025-01-24", "2025-01-27", lookahead=88)
    assert res.listings[0].shares_as_of.date().isoformat() == "2025-04-25"
    assert any("(lookahead)" in n for n in res.notes)
    assert "up to 88 days after" in res.notes[0]
    with pytest.raises(DateRangeError, match="negative"):
        market_cap_change(m, "META", "2025-01-24", "2025-01-27", lookahead=-1)


# 2. a perfect fit has no Chow F (never a negative one)


def test_comove_of_a_basket_on_itself_has_no_f(capsys):
    code, out, err = _run(
        capsys,
        "comove",
        "--a",
        "9988.HK",
        "--b",
        "9988.HK",
        "--event",
        "deepseek-r1",
        "--format",
        "json",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [r["chow_f"] for r in rows] == [None, None]
    assert [r["chow_pvalue"] for r in rows] == [None, None]
    assert "F undefined" in err and "same" in err


# 5. comma lists like pe-gap and comove


def test_mcap_change_takes_comma_lists(capsys):
    dates = ["--from", "2025-01-24", "--to", "2025-01-27", "--format", "csv"]
    code, comma, err = _run(capsys, "mcap-change", "NVDA,BABA", *dates)
    assert code == 0, err
    code, spaced, _ = _run(capsys, "mcap-change", "NVDA", "BABA", *dates)
    assert code == 0 and comma == spaced
    assert [r["symbol"] for r in _csv(comma)] == ["NVDA", "BABA", "total"]
    code, out, _ = _run(
        capsys,
        "change",
        "NVDA,BABA",
        "--from",
        "2025-01-24",
        "--to",
        "2025-01-27",
        "--format",
        "csv",
    )
    assert code == 0 and [r["symbol"] for r in _csv(out)] == ["NVDA", "BABA"]


# 6. one unit for percentages, points for indices, plain JSON


def test_mcap_change_pct_is_percent_like_window(capsys):
    code, out, _ = _run(
        capsys,
        "mcap-change",
        "NVDA",
        "--from",
        "2025-01-24",
        "--to",
        "2025-01-27",
        "--format",
        "csv",
    )
    assert code == 0
    rows = _csv(out)
    assert "pct_change" not in rows[0]
    expected = 100 * (raw("NVDA", "2025-01-27") / raw("NVDA", "2025-01-24") - 1)  # -16.97
    assert float(rows[-1]["pct"]) == pytest.approx(expected, rel=1e-12)
    code, out, _ = _run(
        capsys, "change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27", "--format", "csv"
    )
    assert float(_csv(out)[0]["pct"]) == pytest.approx(expected, rel=1e-12)
    code, out, _ = _run(capsys, "mcap-change", "NVDA", "--from", "2025-01-24", "--to", "2025-01-27")
    assert code == 0 and "-16.9682" in out and "pct_change" not in out


def test_index_levels_are_points_not_money(capsys):
    code, out, _ = _run(
        capsys, "window", "HSTECH", "9988.HK", "--end", "2025-02-13", "--format", "csv"
    )
    assert code == 0
    assert {r["symbol"]: r["currency"] for r in _csv(out)} == {"HSTECH": "points", "9988.HK": "HKD"}


def test_json_dates_are_dates_and_floats_are_plain_doubles(capsys):
    code, out, _ = _run(
        capsys,
        "mcap-change",
        "alibaba",
        "--from",
        "2025-01-17",
        "--to",
        "2025-02-14",
        "--format",
        "json",
    )
    assert code == 0
    floats: list[str] = []
    rows = json.loads(out, parse_float=lambda t: floats.append(t) or float(t))
    assert floats and all(t == repr(float(t)) for t in floats)  # shortest round trip, no noise
    assert rows[0]["start_date"] == "2025-01-17" and rows[0]["shares_as_of"] == "2024-12-31"
    assert rows[0]["start_value"] == pytest.approx(raw("BABA", "2025-01-17") / 8 * 19_054_532_284)
    assert '"start_value": 202740223501.76,' in out
