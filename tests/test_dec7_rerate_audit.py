"""Regressions from the 2026-12-07 audit of the re-rating commands, each figure worked by hand.

Oracles are the sample CSVs read with the standard library (closes, EPS rows, FX rows) and
arithmetic written out in the test; nothing here calls the package's helpers to get an expected
value.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from _sample_cli import SAMPLE, raw
from _sample_cli import run_sample as _run
from rerating.errors import DateRangeError

# 1. `-o FILE.csv|json|parquet` without --format writes what `--format csv|json|parquet` writes


WINDOW_ARGS = ["window", "9988.HK", "BABA", "--end", "2025-01-31", "--sessions", "3"]
MCAP_ARGS = ["mcap-change", "alibaba", "--from", "2025-01-17", "--to", "2025-02-14", "--currency", "HKD"]


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix == ".json":
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    return pd.read_parquet(path)


@pytest.mark.parametrize("ext", ["csv", "json", "parquet"])
def test_output_file_named_by_extension_has_the_full_window_frame(capsys, tmp_path, ext):
    path = tmp_path / f"w.{ext}"
    code, _, err = _run(capsys, *WINDOW_ARGS, "-o", str(path))
    assert code == 0, err
    by_name = _read(path)
    code, out, err = _run(capsys, *WINDOW_ARGS, "--format", "csv")
    assert code == 0, err
    stdout = pd.read_csv(io.StringIO(out))
    assert list(by_name.columns) == list(stdout.columns)
    # 9988.HK over 3 XHKG sessions to 2025-01-31 (shut 01-29..31): 2025-01-23 -> 2025-01-28
    hk = by_name.set_index("symbol").loc["9988.HK"]
    assert hk["value"] == pytest.approx(raw("9988.HK", "2025-01-28") / raw("9988.HK", "2025-01-23") - 1)
    assert hk["calendar"] == "XHKG" and hk["kind"] == "window"
    # BABA over 3 XNYS sessions: 2025-01-28 -> 2025-01-31
    us = by_name.set_index("symbol").loc["BABA"]
    assert us["value"] == pytest.approx(raw("BABA", "2025-01-31") / raw("BABA", "2025-01-28") - 1)


def test_output_file_named_by_extension_has_the_full_market_cap_frame(capsys, tmp_path):
    path = tmp_path / "m.csv"
    code, _, err = _run(capsys, *MCAP_ARGS, "-o", str(path))
    assert code == 0, err
    frame = pd.read_csv(path).set_index("symbol")
    code, out, err = _run(capsys, *MCAP_ARGS, "--format", "csv")
    assert list(frame.reset_index().columns) == list(pd.read_csv(io.StringIO(out)).columns)
    # 19,054,532,284 shares of 9988.HK (HKEX monthly return), in HKD: no FX
    shares = 19_054_532_284
    assert frame.loc["9988.HK", "ordinary_shares"] == shares
    assert frame.loc["total", "end_value"] == pytest.approx(shares * raw("9988.HK", "2025-02-14"))


# 2. `pe --decompose` past the data is refused as `change` refuses it, never a stale or zero split


@pytest.mark.parametrize(
    ("start", "end", "word"),
    [
        ("2025-07-01", "2025-08-01", "ends 2025-08-01"),  # both ends after the last close 2025-06-30
        ("2025-01-17", "2025-12-10", "ends 2025-12-10"),  # the end after it
        ("2024-05-01", "2025-01-10", "starts 2024-05-01"),  # the start before the first close
    ],
)
def test_decompose_outside_the_data_is_a_one_line_error(capsys, start, end, word):
    code, out, err = _run(capsys, "pe", "BABA", "--from", start, "--to", end, "--decompose")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and word in err and "load more data" in err
    assert "--partial" not in err  # `pe` has no such option


def test_decompose_library_refuses_an_end_past_the_data(market):
    from rerating.rerate.valuation import return_decomposition

    with pytest.raises(DateRangeError, match="after its last close on 2025-06-30"):
        return_decomposition(market, "BABA", "2025-06-02", "2025-07-15")


def test_decompose_inside_the_data_still_splits_the_log_return(capsys):
    # 0700.HK 2025-01-25 (Sat) -> 2025-01-31 (Lunar New Year): the 01-24 and 01-28 closes
    code, out, err = _run(
        capsys, "pe", "0700.HK", "--from", "2025-01-25", "--to", "2025-01-31", "--decompose",
        "--format", "csv",
    )
    assert code == 0, err
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    p0, p1 = raw("0700.HK", "2025-01-24"), raw("0700.HK", "2025-01-28")
    assert row["log_return"] == pytest.approx(math.log(p1 / p0))
    # trailing RMB EPS: the four quarters reported before both dates (to 2024-09-30)
    rmb = 2.807 + 4.386 + 4.994 + 5.644
    hkd_per_cny_0 = raw("USDHKD", "2025-01-24") / raw("USDCNY", "2025-01-24")
    hkd_per_cny_1 = raw("USDHKD", "2025-01-28") / raw("USDCNY", "2025-01-28")
    assert row["eps_start"] == pytest.approx(rmb * hkd_per_cny_0)
    assert row["eps_end"] == pytest.approx(rmb * hkd_per_cny_1)
    assert row["log_eps_change"] + row["log_multiple_change"] == pytest.approx(row["log_return"])


# 3. pe-gap: a member without a P/E says why (its own reason), and a P/E older than the member's
#    calendar (no bars up to --on) is said, while a holiday is not


def test_pe_gap_left_out_member_gives_its_own_reason(capsys):
    code, out, err = _run(
        capsys, "pe-gap", "--a", "BABA,0700.HK", "--b", "NVDA,MSFT", "--on", "2024-08-20",
        "--format", "csv",
    )
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out)).set_index("symbol")
    # eps.csv: BABA's quarter ending 2023-09-30 is blank, and it is one of the four reported
    # before 2024-08-20 (2023-09-30, 2023-12-31, 2024-03-31, 2024-06-30 reported 2024-08-15)
    with SAMPLE.joinpath("eps.csv").open(encoding="utf-8") as fh:
        eps = [r for r in csv.DictReader(fh)]
    baba = [r for r in eps if r["symbol"] == "BABA" and r["report_date"] < "2024-08-20"]
    assert [r["period_end"] for r in baba if not r["eps_diluted"]] == ["2023-09-30"]
    assert not rows.loc["BABA", "used"] and "2023-09-30" in rows.loc["BABA", "reason"]
    # NVDA has three quarters reported before 2024-08-20 in the sample
    nvda = [r for r in eps if r["symbol"] == "NVDA" and r["report_date"] < "2024-08-20"]
    assert len(nvda) == 3
    assert not rows.loc["NVDA", "used"] and "3 quarter" in rows.loc["NVDA", "reason"]
    # the medians are the members that have one: 0700.HK alone, MSFT alone
    msft_eps = sum(float(r["eps_diluted"]) for r in eps if r["symbol"] == "MSFT"
                   and "2023-09-30" <= r["period_end"] <= "2024-06-30")
    assert rows.loc["MSFT", "basket_median"] == pytest.approx(raw("MSFT", "2024-08-20") / msft_eps)


def test_pe_gap_past_the_data_says_the_pe_is_older_than_the_market(capsys):
    import exchange_calendars as xc

    code, out, err = _run(
        capsys, "pe-gap", "--a", "0700.HK", "--b", "NVDA", "--on", "2025-07-08", "--format", "csv",
    )
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out)).set_index("symbol")
    assert (rows["date"] == "2025-06-30").all()  # the sample's last bars
    for sym, cal in (("0700.HK", "XHKG"), ("NVDA", "XNYS")):
        later = xc.get_calendar(cal).sessions_in_range("2025-07-01", "2025-07-08")
        line = next(x for x in err.splitlines() if x.startswith(f"note: {sym}: P/E of 2025-06-30"))
        assert f"no bar on {len(later)} later {cal} session(s)" in line


def test_pe_gap_on_a_holiday_is_not_a_gap(capsys):
    # 2025-01-31: Hong Kong shut for Lunar New Year (0700.HK's P/E of 01-28 is its latest)
    code, out, err = _run(
        capsys, "pe-gap", "--a", "0700.HK", "--b", "NVDA", "--on", "2025-01-31", "--format", "csv",
    )
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out)).set_index("symbol")
    assert rows.loc["0700.HK", "date"] == "2025-01-28" and rows.loc["NVDA", "date"] == "2025-01-31"
    assert "no bar on" not in err


# 4. mcap-change: a mistyped ticker gets the ticker's hint, and a basket names every member
#    without shares (with each one's --lookahead), not the first only


def test_mcap_change_unknown_target_names_the_close_ticker(capsys):
    code, out, err = _run(capsys, "mcap-change", "NVDAA", "--from", "2025-01-24", "--to", "2025-01-27")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "did you mean NVDA" in err and "--securities FILE" in err and "'alibaba'" in err


def test_mcap_change_basket_names_every_member_without_shares(capsys):
    argv = ["mcap-change", "NVDA,AMZN,META", "--from", "2025-01-24", "--to", "2025-01-27"]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    # shares.csv: AMZN's first figure is dated 2025-01-29 (2 days on), META's 2025-04-25 (88)
    with SAMPLE.joinpath("shares.csv").open(encoding="utf-8") as fh:
        first = {}
        for r in csv.DictReader(fh):
            first.setdefault(r["symbol"], r["as_of"])
    for sym in ("AMZN", "META"):
        days = (pd.Timestamp(first[sym]) - pd.Timestamp("2025-01-27")).days
        assert f"--lookahead {days}" in err
    # the larger one does for both: NVDA + AMZN + META at fixed shares, 2025-01-24 -> 2025-01-27
    code, out, err = _run(capsys, *argv, "--lookahead", "88", "--format", "csv")
    assert code == 0, err
    total = pd.read_csv(io.StringIO(out)).set_index("symbol").loc["total"]
    shares = {"NVDA": 24_490_000_000, "AMZN": 10_597_729_352, "META": 2_514_327_249}
    for col, day in (("start_value", "2025-01-24"), ("end_value", "2025-01-27")):
        assert total[col] == pytest.approx(sum(n * raw(s, day) for s, n in shares.items()))


# 5. comove --rolling: `n` is the paired returns in each window, not the window's nominal size


def test_rolling_n_counts_the_returns_in_the_window_and_beta_is_ols():
    import numpy as np
    import statsmodels.api as sm

    from rerating.rerate.comovement import rolling_beta

    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2025-01-02", periods=30)
    b = pd.Series(rng.normal(0, 0.01, 30), index=dates)
    a = pd.Series(0.5 * b.to_numpy() + rng.normal(0, 0.01, 30), index=dates)
    out = rolling_beta(a, b, 10)
    assert out["n"].tolist() == [*range(1, 10), *[10] * 21]
    assert out["beta"].iloc[:9].isna().all()
    fit = sm.OLS(a.iloc[-10:], sm.add_constant(b.iloc[-10:])).fit()  # the last window, by OLS
    assert out["beta"].iloc[-1] == pytest.approx(float(fit.params.iloc[1]))


def test_rolling_cli_first_rows_say_how_few_returns_they_have(capsys):
    code, out, err = _run(
        capsys, "comove", "--a", "9988.HK,0700.HK", "--b", "NVDA,MSFT", "--event", "deepseek-r1",
        "--lag", "1", "--rolling", "--window", "20", "--format", "csv",
    )
    assert code == 0, err
    path = pd.read_csv(io.StringIO(out))
    assert path["n"].iloc[0] == 1 and path["n"].iloc[18] == 19 and path["n"].iloc[19] == 20
    assert path["beta"].iloc[:19].isna().all() and path["beta"].iloc[19:].notna().all()



# 7. an unadjusted series asked for with --adjusted: the way out is named as the CLI spells it


def test_adjusted_on_unadjusted_series_names_the_cli_way_out(capsys):
    # FXI.csv: the ETF data are unadjusted (adj_close empty on every row)
    with SAMPLE.joinpath("FXI.csv").open(encoding="utf-8") as fh:
        assert all(not r["adj_close"] for r in csv.DictReader(fh))
    code, out, err = _run(capsys, "window", "FXI", "--end", "2025-01-27", "--sessions", "3", "--adjusted")
    assert code == 2 and out == "" and err.count("\n") == 1 and "leave out --adjusted" in err
    code, out, err = _run(capsys, "window", "FXI", "--end", "2025-01-27", "--sessions", "3", "--format", "csv")
    assert code == 0, err
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert row["value"] == pytest.approx(raw("FXI", "2025-01-27") / raw("FXI", "2025-01-22") - 1)
