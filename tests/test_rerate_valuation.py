"""Trailing P/E, the earnings/multiple split and basket multiple gaps (fixture and real EPS)."""

from __future__ import annotations

import csv
import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from rerating.errors import DataFormatError, MissingFXError, ValuationError
from rerating.rerate.valuation import decompose_return, multiple_gap, trailing_pe

T = pd.Timestamp
SAMPLE = resources.files("rerating.data").joinpath("sample")


def _csv_rows(name: str) -> list[dict[str, str]]:
    with SAMPLE.joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def raw_close(symbol: str, date: str) -> float:
    return next(float(r["close"]) for r in _csv_rows(f"{symbol}.csv") if r["date"] == date)


def closes(symbol: str) -> pd.Series:
    with SAMPLE.joinpath(f"{symbol}.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, parse_dates=["date"], index_col="date")["close"].rename(symbol)


def eps_of(symbol: str) -> pd.DataFrame:
    with SAMPLE.joinpath("eps.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh)
    return frame[frame["symbol"] == symbol]


# fixture fundamentals: five quarters of a made-up company, EPS in CNY, price in USD
FIX_EPS = pd.DataFrame(
    {
        "period_end": ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31"],
        "report_date": ["2024-05-10", "2024-08-10", "2024-11-10", "2025-02-10", "2025-05-10"],
        "eps_diluted": [1.0, 2.0, 3.0, 4.0, 6.0],
        "currency": ["CNY"] * 5,
    }
)
FIX_DATES = pd.DatetimeIndex(["2024-11-08", "2024-11-10", "2024-11-11", "2025-02-10", "2025-02-11"])
FIX_CLOSE = pd.Series([10.0, 11.0, 12.0, 13.0, 14.0], index=FIX_DATES, name="FIX")


def test_fixture_pe_uses_only_reports_before_each_date():
    pe = trailing_pe(FIX_CLOSE, FIX_EPS, fx=0.5, price_currency="USD")
    f = pe.frame
    # before 2024-11-10 only Q1 and Q2 2024 are out -> no P/E, with the reason
    assert np.isnan(f.loc["2024-11-08", "pe"]) and "only 2 quarter(s)" in f.loc["2024-11-08", "reason"]
    # on the report day itself the new quarter is not yet counted (strictly before)
    assert "only 2 quarter(s)" in f.loc["2024-11-10", "reason"]
    assert "only 3 quarter(s)" in f.loc["2024-11-11", "reason"]
    assert "only 3 quarter(s)" in f.loc["2025-02-10", "reason"]
    # the first full TTM is 1+2+3+4 = 10 CNY, from the day after Q4's report
    assert f.loc["2025-02-11", "eps_ttm_local"] == 10.0
    assert f.loc["2025-02-11", "eps_ttm"] == pytest.approx(5.0)  # 10 CNY x 0.5 USD/CNY
    assert f.loc["2025-02-11", "pe"] == pytest.approx(14.0 / 5.0)


def test_fixture_rolls_to_the_latest_four_and_handles_restatement():
    eps = pd.concat([FIX_EPS, pd.DataFrame({"period_end": ["2024-06-30"], "report_date": ["2025-05-20"],
                                            "eps_diluted": [2.5], "currency": ["CNY"]})])
    dates = pd.DatetimeIndex(["2025-05-12", "2025-05-21"])
    pe = trailing_pe(pd.Series([60.0, 60.0], index=dates), eps)
    # after 2025-05-10: last four = Q2..Q1'25 = 2+3+4+6 = 15; after the restatement 2.5+3+4+6 = 15.5
    assert pe.frame["eps_ttm"].tolist() == [15.0, 15.5]
    assert pe.frame["pe"].tolist() == pytest.approx([4.0, 60 / 15.5])


def test_gaps_blanks_and_negative_eps_give_reasons_not_values():
    gap = FIX_EPS.drop(index=1)  # Q2 2024 missing: four latest span more than nine months
    pe = trailing_pe(pd.Series([10.0], index=[T("2025-06-01")]), gap)
    assert np.isnan(pe.frame["pe"].iloc[0]) and "not consecutive" in pe.frame["reason"].iloc[0]
    neg = FIX_EPS.assign(eps_diluted=[-5.0, -2.0, 1.0, 1.0, 1.0])
    pe = trailing_pe(pd.Series([10.0], index=[T("2025-03-01")]), neg)
    assert np.isnan(pe.frame["pe"].iloc[0]) and pe.frame["reason"].iloc[0] == "trailing EPS not positive"
    blank = FIX_EPS.assign(eps_diluted=[1.0, np.nan, 3.0, 4.0, 6.0])
    pe = trailing_pe(pd.Series([10.0], index=[T("2025-03-01")]), blank)
    assert "2024-06-30 is unknown" in pe.frame["reason"].iloc[0]


def test_currency_mismatch_without_fx_and_bad_frames():
    with pytest.raises(MissingFXError, match="CNY but its price is in USD"):
        trailing_pe(FIX_CLOSE, FIX_EPS, price_currency="USD")
    with pytest.raises(DataFormatError, match="lacks column"):
        trailing_pe(FIX_CLOSE, FIX_EPS.drop(columns="report_date"))


def test_nvda_trailing_pe_on_the_real_eps_file():
    pe = trailing_pe(closes("NVDA"), eps_of("NVDA"), price_currency="USD")
    # reported before 2025-01-27: quarters ending 2024-01-28 .. 2024-10-27 = 0.49 + 0.60 + 0.67 + 0.78
    assert pe.on("2025-01-27") == pytest.approx(118.42 / (0.49 + 0.60 + 0.67 + 0.78))
    # Q4 FY2025 (0.89) was reported 2025-02-26: counted from 02-27, not on the day
    assert pe.frame.loc["2025-02-26", "eps_ttm"] == pytest.approx(2.54)
    assert pe.frame.loc["2025-02-27", "eps_ttm"] == pytest.approx(0.60 + 0.67 + 0.78 + 0.89)


def test_baba_pe_converts_rmb_per_ads_to_usd():
    usdcny = closes("USDCNY")
    pe = trailing_pe(closes("BABA"), eps_of("BABA"), fx=1.0 / usdcny, price_currency="USD")
    ttm_rmb = 5.65 + 1.30 + 9.89 + 18.17  # quarters to 2024-09-30, per ADS
    expected = raw_close("BABA", "2025-01-27") / (ttm_rmb / raw_close("USDCNY", "2025-01-27"))
    assert pe.on("2025-01-27") == pytest.approx(expected, rel=1e-10)
    assert pe.eps_currency == "CNY" and pe.price_currency == "USD"  # RMB normalised to CNY


def test_decomposition_is_exact_and_matches_the_closes():
    usdcny = closes("USDCNY")
    pe = trailing_pe(closes("BABA"), eps_of("BABA"), fx=1.0 / usdcny, price_currency="USD")
    d = decompose_return(pe, "2025-01-17", "2025-03-03")  # spans the 2025-02-20 results
    lr = math.log(raw_close("BABA", "2025-03-03") / raw_close("BABA", "2025-01-17"))
    assert d.log_return == pytest.approx(lr, rel=1e-12)
    assert d.log_eps_change + d.log_multiple_change == pytest.approx(lr, rel=1e-12)
    ttm0, ttm1 = 5.65 + 1.30 + 9.89 + 18.17, 1.30 + 9.89 + 18.17 + 20.39
    assert d.log_eps_change_local == pytest.approx(math.log(ttm1 / ttm0))
    fx_part = math.log(raw_close("USDCNY", "2025-01-17") / raw_close("USDCNY", "2025-03-03"))
    assert d.log_fx_change == pytest.approx(fx_part)
    with pytest.raises(ValuationError, match="no trailing P/E of BABA at the start"):
        decompose_return(pe, "2024-11-01", "2025-01-27")


def test_multiple_gap_by_hand():
    dates = pd.DatetimeIndex(["2025-01-24", "2025-01-27"])
    a = pd.DataFrame({"X": [10.0, 12.0], "Y": [20.0, 14.0], "Z": [30.0, np.nan]}, index=dates)
    b = pd.DataFrame({"P": [40.0, 30.0], "Q": [50.0, 50.0]}, index=dates)
    g = multiple_gap(a, b, "2025-01-28")  # as of: the 01-27 row
    assert g.median_a == 13.0 and g.median_b == 40.0  # median(12, 14); median(30, 50)
    assert g.gap == -27.0 and g.ratio == pytest.approx(13 / 40)
    assert g.n_a == 2 and list(g.left_out["symbol"]) == ["Z"]
    with pytest.raises(ValuationError, match="no member of basket B"):
        multiple_gap(a, b * np.nan, "2025-01-27")


def test_multiple_gap_takes_each_members_own_last_session():
    # 2025-01-31: Hong Kong was shut for Lunar New Year (last session 01-28) while New York traded;
    # 0700.HK's P/E of 01-28 counts (it was left out as "no trailing P/E on this date")
    from rerating.data.market import Market

    market = Market.from_sample()
    g = multiple_gap(["BABA", "0700.HK"], ["NVDA", "MSFT"], "2025-01-31", market=market)
    members = g.members.set_index("symbol")
    assert g.n_a == 2 and bool(members.loc["0700.HK", "used"])
    assert pd.Timestamp(members.loc["0700.HK", "date"]) == pd.Timestamp("2025-01-28")
    assert pd.Timestamp(members.loc["BABA", "date"]) == pd.Timestamp("2025-01-31")
    assert g.median_a == pytest.approx(members.loc[["BABA", "0700.HK"], "pe"].median())
