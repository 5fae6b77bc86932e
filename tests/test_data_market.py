"""The Market facade on the bundled sample: bars, returns and gap policies, FX, shares, market caps, EPS,
and the sample's known data issues (each with its policy). Oracles read the CSV text directly."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.data.market import Market, ReturnsResult
from rerating.data.securities import load_securities
from rerating.errors import (
    DateRangeError,
    GapError,
    MissingDataError,
    MissingFXError,
    MissingSharesError,
    NonSessionDateError,
    UnknownSymbolError,
)

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
FIXTURE = Path(__file__).parent / "fixtures" / "data" / "securities_fixture.csv"
D = pd.Timestamp


def csv_value(name: str, date: str, column: str = "close") -> float:
    """Independent oracle: the number as written in the sample file."""
    lines = (SAMPLE / name).read_text().splitlines()
    header = lines[0].split(",")
    row = next(ln for ln in lines if ln.startswith(date + ","))
    return float(row.split(",")[header.index(column)])


@pytest.fixture(scope="module")
def master():
    return load_securities(base=FIXTURE)


@pytest.fixture(scope="module")
def m(master):
    return Market.from_sample(master)


def test_bars_and_closes(m):
    bars = m.bars("9988.hk", "2025-01-20", "2025-02-14")
    assert list(bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert bars.loc["2025-01-27", "close"] == csv_value("9988.HK.csv", "2025-01-27")
    wide = m.closes(["BABA", "9988.HK"], "2025-01-27", "2025-02-04")
    assert list(wide.columns) == ["BABA", "9988.HK"]
    assert math.isnan(wide.loc["2025-01-29", "9988.HK"])  # LNY: no HK session, never filled
    assert wide.loc["2025-01-29", "BABA"] == csv_value("BABA.csv", "2025-01-29")


def test_unknown_and_missing_symbols(m, tmp_path):
    with pytest.raises(UnknownSymbolError, match="did you mean"):
        m.bars("NVDAA")
    extra = tmp_path / "x.csv"
    extra.write_text("symbol,name,kind,exchange,calendar,currency\nTCEHY,Tencent ADR,adr,OTCM,XNYS,USD\n")
    m2 = Market.from_sample(load_securities(extra, base=FIXTURE))
    with pytest.raises(MissingDataError, match="no bars for TCEHY.*rerating load TCEHY"):
        m2.bars("TCEHY")
    with pytest.raises(MissingDataError, match="covers 2024-06-03"):
        m.bars("NVDA", "2030-01-01", "2030-02-01")
    with pytest.raises(DateRangeError, match="before start"):
        m.bars("NVDA", "2025-02-01", "2025-01-01")


def test_simple_and_log_returns_match_hand_computation(m):
    r = m.returns("9988.HK", "2025-01-27", "2025-02-05", adjusted=False)
    row = r.frame.set_index("date").loc["2025-02-03"]
    # across Lunar New Year: 2025-02-03 follows 2025-01-28 directly on XHKG, a one-session return
    expected = csv_value("9988.HK.csv", "2025-02-03") / csv_value("9988.HK.csv", "2025-01-28") - 1
    assert row["ret"] == pytest.approx(expected, rel=1e-12) and row["span"] == 1
    logr = m.returns("9988.HK", "2025-01-27", "2025-02-05", kind="log", adjusted=False)
    assert logr.frame.set_index("date").loc["2025-02-03", "ret"] == pytest.approx(math.log1p(expected), rel=1e-12)
    first = r.frame.iloc[0]  # the first return uses the close before start
    assert first["date"] == D("2025-01-27")
    assert first["ret"] == pytest.approx(csv_value("9988.HK.csv", "2025-01-27") / csv_value("9988.HK.csv", "2025-01-24") - 1)


def test_adjusted_returns_use_adj_close(m):
    r = m.returns("NVDA", "2025-01-27", "2025-01-27")
    expected = csv_value("NVDA.csv", "2025-01-27", "adj_close") / csv_value("NVDA.csv", "2025-01-24", "adj_close") - 1
    assert r.frame["ret"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert -0.18 < expected < -0.16  # NVDA's DeepSeek Monday


def test_us_holiday_is_not_a_gap(m):
    r = m.returns("NVDA", "2025-01-17", "2025-01-22", adjusted=False)
    assert list(r.frame["date"].dt.strftime("%m-%d")) == ["01-17", "01-21", "01-22"]
    assert (r.frame["span"] == 1).all() and r.dropped.empty


def test_wide_returns_align_calendars(m):
    r = m.returns(["NVDA", "9988.HK"], "2025-01-20", "2025-02-04")
    wide = r.wide()
    assert list(wide.columns) == ["NVDA", "9988.HK"]
    assert math.isnan(wide.loc["2025-01-20", "NVDA"]) and not math.isnan(wide.loc["2025-01-20", "9988.HK"])
    assert math.isnan(wide.loc["2025-01-30", "9988.HK"]) and not math.isnan(wide.loc["2025-01-30", "NVDA"])
    assert isinstance(r, ReturnsResult) and "9988.HK" in repr(r)
    assert set(r.summary_frame()["symbol"]) == {"NVDA", "9988.HK"}


def test_unadjusted_series_fall_back_with_a_ledger_row(m):
    r = m.returns("KWEB", "2025-01-02", "2025-01-10")
    assert len(r.dropped) == 1 and "no adj_close" in r.dropped["reason"].iloc[0]
    assert pd.isna(r.dropped["date"].iloc[0])
    expected = csv_value("KWEB.csv", "2025-01-03") / csv_value("KWEB.csv", "2025-01-02") - 1
    assert r.frame.set_index("date").loc["2025-01-03", "ret"] == pytest.approx(expected)


@pytest.fixture()
def gappy(tmp_path, master):
    """A copy of 9988.HK with the 2025-01-23 and 2025-01-24 rows deleted (two missing sessions)."""
    folder = tmp_path / "gappy"
    folder.mkdir()
    lines = (SAMPLE / "9988.HK.csv").read_text().splitlines(keepends=True)
    (folder / "9988.HK.csv").write_text("".join(ln for ln in lines if not ln.startswith(("2025-01-23", "2025-01-24"))))
    shutil.copy(SAMPLE / "NVDA.csv", folder / "NVDA.csv")
    return Market.from_files(folder, master)


def test_gap_policy_raise(gappy):
    with pytest.raises(GapError, match=r"9988.HK has no bar for 2 XHKG session\(s\) \(2025-01-23, 2025-01-24\).*gap_policy='drop'"):
        gappy.returns(["NVDA", "9988.HK"], "2025-01-20", "2025-01-31")
    # a window that does not touch the gap is fine
    assert len(gappy.returns("9988.HK", "2025-02-03", "2025-02-07").frame) == 5


def test_gap_policy_drop(gappy):
    r = gappy.returns("9988.HK", "2025-01-20", "2025-01-28", gap_policy="drop", adjusted=False)
    f = r.frame.set_index("date")
    # one row per XHKG session; NaN for the missing sessions and the one after the gap
    assert list(f.index.strftime("%m-%d")) == ["01-20", "01-21", "01-22", "01-23", "01-24", "01-27", "01-28"]
    assert f["ret"].isna().tolist() == [False, False, False, True, True, True, False]
    assert list(r.dropped["date"].dt.strftime("%m-%d")) == ["01-23", "01-24", "01-27"]
    assert "would span 3 sessions" in r.dropped["reason"].iloc[2]


def test_gap_policy_multi_day(gappy):
    r = gappy.returns("9988.HK", "2025-01-20", "2025-01-28", gap_policy="multi_day", adjusted=False)
    f = r.frame.set_index("date")
    assert "2025-01-23" not in f.index.strftime("%Y-%m-%d")
    assert f.loc["2025-01-27", "span"] == 3
    expected = csv_value("9988.HK.csv", "2025-01-27") / csv_value("9988.HK.csv", "2025-01-22") - 1
    assert f.loc["2025-01-27", "ret"] == pytest.approx(expected, rel=1e-12)
    assert "folded into the multi-session return of 2025-01-27" in r.dropped["reason"].iloc[0]


@pytest.fixture()
def gap_before_start(hk_gap_folder, master):
    """A copy of 9988.HK with the 2025-02-05, -06 and -07 rows deleted (three missing sessions)."""
    return Market.from_files(hk_gap_folder, master)


def test_a_gap_just_before_start_counts_every_session_the_first_return_spans(gap_before_start):
    # the return of 2025-02-10 runs from the close of 2025-02-04: three sessions have no bar
    with pytest.raises(GapError, match=r"no bar for 3 XHKG session\(s\) \(2025-02-05, 2025-02-06, "
                       r"2025-02-07\).*--gap-policy"):
        gap_before_start.returns("9988.HK", "2025-02-10", "2025-02-12")
    r = gap_before_start.returns("9988.HK", "2025-02-10", "2025-02-12", gap_policy="multi_day",
                                 adjusted=False)
    f = r.frame.set_index("date")
    assert f.loc["2025-02-10", "span"] == 4
    expected = csv_value("9988.HK.csv", "2025-02-10") / csv_value("9988.HK.csv", "2025-02-04") - 1
    assert f.loc["2025-02-10", "ret"] == pytest.approx(expected, rel=1e-12)
    assert list(r.dropped["date"].dt.strftime("%m-%d")) == ["02-05", "02-06", "02-07"]
    assert all("folded into the multi-session return of 2025-02-10" in x for x in r.dropped["reason"])


def test_a_price_on_a_non_session_date_is_refused(master):
    from rerating.data.market import _listing_returns

    days = pd.DatetimeIndex(["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-06"], name="date")
    bars = pd.DataFrame({"close": [10.0, 10.5, 10.4, 11.0], "adj_close": np.nan}, index=days)
    with pytest.raises(NonSessionDateError, match=r"NVDA has prices on 1 non-session date\(s\) of XNYS \(first 2025-01-04\)"):
        _listing_returns(master.get("NVDA"), bars, None, None, "simple", "drop", True, "a test")
    (sym, dates, ret, span), ledger = _listing_returns(
        master.get("NVDA"), bars.drop(index=days[2]), None, None, "simple", "drop", True, "a test"
    )
    assert sym == "NVDA" and list(pd.DatetimeIndex(dates).strftime("%m-%d")) == ["01-03", "01-06"]
    np.testing.assert_allclose(ret, [0.05, 11.0 / 10.5 - 1], rtol=1e-15)
    assert list(span) == [1, 1] and "use close" in ledger["reason"].iloc[0]


def test_bad_policy_and_kind(m):
    with pytest.raises(GapError, match="not one of"):
        m.returns("NVDA", gap_policy="ffill")
    with pytest.raises(ValueError, match="kind"):
        m.returns("NVDA", kind="pct")


@settings(max_examples=25, deadline=None)
@given(a=st.integers(0, 240), length=st.integers(1, 20), sym=st.sampled_from(["BABA", "9988.HK", "^HSI", "000300.SS"]))
def test_returns_compound_to_the_price_ratio(m, a, length, sym):
    """Invariant: the product of (1 + r) over a window equals close_end / close_before_start."""
    closes = m.bars(sym)["close"]
    lo, hi = closes.index[1 + a], closes.index[min(1 + a + length, len(closes) - 1)]
    r = m.returns(sym, lo, hi, adjusted=False)
    growth = float(np.prod(1 + r.frame["ret"].to_numpy()))
    assert growth == pytest.approx(closes.loc[hi] / closes.iloc[a], rel=1e-10)


def test_fx_as_of_and_cross_rates(m):
    assert m.fx_rate("USD", "HKD", "2025-01-27") == csv_value("USDHKD.csv", "2025-01-27")
    assert m.fx_rate("usd", "usd", "2025-01-27") == 1.0
    # Saturday: the Friday value
    assert m.fx_rate("USD", "CNY", "2025-01-25") == csv_value("USDCNY.csv", "2025-01-24")
    hkd_cny = m.fx_rate("HKD", "CNY", "2025-01-27")
    assert hkd_cny == pytest.approx(csv_value("USDCNY.csv", "2025-01-27") / csv_value("USDHKD.csv", "2025-01-27"))
    assert m.fx_rate("CNY", "HKD", "2025-01-27") * hkd_cny == pytest.approx(1.0)
    with pytest.raises(MissingFXError, match=r"currency 'EUR' \(needs USDEUR\).*\['USD', 'CNY', 'HKD'\]"):
        m.fx_rate("EUR", "USD", "2025-01-27")
    with pytest.raises(MissingFXError, match="no value within 7 days"):
        m.fx_rate("USD", "HKD", "2025-09-01")
    with pytest.raises(MissingFXError, match="starts"):
        m.fx_rate("USD", "HKD", "2024-01-01")


def test_usdcny_carried_forward_over_lny_is_flagged(m):
    q = m.quality("USDCNY")
    flagged = set(q.loc[q["issue"] == "fx_carried_forward", "date"].dt.strftime("%Y-%m-%d"))
    assert {"2025-01-29", "2025-01-30", "2025-01-31"} <= flagged
    assert "2025-01-28" not in flagged  # the first value of the run is the quote itself
    cap = m.market_cap("BABA", "2025-01-30", currency="CNY")
    assert any("USDCNY 2025-01-30" in n and "carried forward" in n for n in cap.notes)


def test_hk_half_day_placeholders_are_kept_and_flagged(m):
    q = m.quality(["9988.HK", "^HSI", "HSTECH"])
    ph = q[q["issue"] == "half_day_placeholder"]
    assert set(ph["symbol"]) == {"9988.HK"}  # HSI/HSTECH have real 2025-01-28 values
    assert list(ph["date"].dt.strftime("%Y-%m-%d")) == ["2024-12-24", "2024-12-31", "2025-01-28"]
    r = m.returns("9988.HK", "2025-01-28", "2025-01-28", adjusted=False)  # policy: the close is used
    assert r.frame["ret"].notna().all()
    cap = m.market_cap("9988.HK", "2025-01-28")
    assert any("placeholder" in n for n in cap.notes)


def test_off_grid_closes_and_volume_outlier_are_flagged(m):
    q = m.quality(["JD", "CEG", "^HSI", "BABA"])
    off = q[q["issue"] == "off_tick_grid"]
    assert {("JD", "2024-12-10"), ("JD", "2025-04-09"), ("CEG", "2025-02-19"), ("CEG", "2025-02-28"), ("CEG", "2025-05-01")} <= set(
        zip(off["symbol"], off["date"].dt.strftime("%Y-%m-%d"), strict=True)
    )
    assert "BABA" not in set(off["symbol"])
    vol = q[q["issue"] == "volume_outlier"]
    assert ("^HSI", "2024-09-30") in set(zip(vol["symbol"], vol["date"].dt.strftime("%Y-%m-%d"), strict=True))
    assert m.bars("JD").loc["2024-12-10", "close"] == 39.565  # kept as published


def test_shares_as_of_and_units(m):
    baba = m.shares("BABA", "2025-01-27")
    assert baba.as_of == D("2024-12-31") and baba.ordinary_shares == 19_054_532_284
    assert baba.shares == pytest.approx(19_054_532_284 / 8)  # ADS units
    assert m.shares("9988.HK", "2025-01-27").shares == 19_054_532_284
    early = m.shares("BABA", "2024-11-01")  # the company's 2024-09-30 outstanding figure
    assert early.ordinary_shares == 18_620_000_000
    assert m.shares("META", "2025-05-01").shares == 2_514_327_249  # the total, not a class subtotal
    with pytest.raises(MissingSharesError, match="lookahead=88"):
        m.shares("META", "2025-01-27")
    assert "lookahead" in m.shares("META", "2025-01-27", lookahead=90).note
    with pytest.raises(MissingSharesError, match="TSLA"):
        m.shares("TSLA", "2025-01-27")


def test_market_cap_hand_computed(m):
    cap = m.market_cap("9988.HK", "2025-01-27", currency="USD")
    expected = csv_value("9988.HK.csv", "2025-01-27") * 19_054_532_284 / csv_value("USDHKD.csv", "2025-01-27")
    assert cap.value == pytest.approx(expected, rel=1e-12)
    assert (cap.currency, cap.close_currency, cap.fx_pair) == ("USD", "HKD", "HKDUSD")
    local = m.market_cap("9988.HK", "2025-01-27")
    assert local.currency == "HKD" and local.value == pytest.approx(87.25 * 19_054_532_284)
    for word in ("local", "LOCAL", " Local "):  # as `mcap-change --currency local`: the listing's own
        named = m.market_cap("9988.HK", "2025-01-27", currency=word)
        assert (named.currency, named.fx_pair, named.value) == ("HKD", "HKDHKD", local.value)
    nvda = m.market_cap("NVDA", "2025-01-27")
    assert nvda.value == pytest.approx(118.42 * 24_490_000_000)
    assert list(cap.to_frame().columns)[0] == "symbol"
    sat = m.market_cap("NVDA", "2025-01-25")
    assert sat.date == D("2025-01-24") and "last session on or before" in sat.notes[0]


def test_dual_listing_market_caps_agree(m):
    """BABA (ADS = 8 shares, NY close) vs 9988.HK (HK close) in USD on every common date of 2025 H1.

    The two closes are 13 hours apart, so daily moves separate them; stated tolerance: mean signed
    difference within 0.5%, mean absolute difference under 2.5%, no single day over 10%, and the
    calm 2025-01-27 within 1%. A wrong ADS ratio or FX direction would be off by a factor (8x, 7.8x).
    """
    dates = m.closes(["BABA", "9988.HK"], "2025-01-01", "2025-06-30").dropna().index
    diff = np.array(
        [m.market_cap("BABA", d, "USD").value / m.market_cap("9988.HK", d, "USD").value - 1 for d in dates]
    )
    assert len(dates) > 100
    assert abs(diff.mean()) < 0.005
    assert np.abs(diff).mean() < 0.025
    assert np.abs(diff).max() < 0.10
    day = m.market_cap("BABA", "2025-01-27", "USD").value / m.market_cap("9988.HK", "2025-01-27", "USD").value
    assert day == pytest.approx(1.0, abs=0.01)


def test_market_cap_errors(m):
    with pytest.raises(MissingFXError, match="EUR"):
        m.market_cap("NVDA", "2025-01-27", currency="EUR")
    with pytest.raises(MissingDataError, match="no close for NVDA"):
        m.market_cap("NVDA", "2024-01-02")


def test_eps_and_coverage(m):
    eps = m.eps("BABA")
    assert list(eps.columns) == ["period_end", "report_date", "eps_diluted", "currency", "source"]
    assert eps["period_end"].is_monotonic_increasing and set(eps["currency"]) == {"CNY"}
    assert eps.loc[eps["period_end"] == D("2024-12-31"), "eps_diluted"].item() == 20.39
    with pytest.raises(MissingDataError, match="no EPS rows for TSLA"):
        m.eps("TSLA")
    cov = m.coverage(["NVDA", "^GSPC"]).set_index("symbol")
    assert cov.loc["^GSPC", "first"] == D("2024-08-19")
    assert cov.loc["NVDA", "rows"] == len((SAMPLE / "NVDA.csv").read_text().splitlines()) - 1
    assert len(m.coverage()) == 51


def test_bundled_master_sample_market():
    """With the real bundled security master (when present), the sample opens and prices BABA."""
    from rerating.data.securities import bundled_path

    if not bundled_path().is_file():
        pytest.skip("securities.csv not there yet")
    m = Market.open(sample=True)
    assert m.bars("BABA").loc["2025-01-27", "close"] == csv_value("BABA.csv", "2025-01-27")
    assert m.market_cap("BABA", "2025-01-27", "USD").value > 1e11


def test_market_cap_across_a_gap_in_the_data_says_the_bars_are_missing(tmp_path, master):
    """NVDA without its 2025-01-22..01-27 bars: the value on 2025-01-27 (a New York session) rests on
    the 01-21 close, and the note says the data lack 4 sessions, not that 01-21 was the last one."""
    folder = tmp_path / "gap"
    folder.mkdir()
    lines = (SAMPLE / "NVDA.csv").read_text().splitlines(keepends=True)
    gone = ("2025-01-22", "2025-01-23", "2025-01-24", "2025-01-27")
    (folder / "NVDA.csv").write_text("".join(ln for ln in lines if not ln.startswith(gone)))
    shutil.copy(SAMPLE / "shares.csv", folder / "shares.csv")
    mc = Market.from_files(folder, master).market_cap("NVDA", "2025-01-27", currency="USD")
    assert mc.date == pd.Timestamp("2025-01-21")
    assert any("no bar on 4 later XNYS session(s) up to 2025-01-27 (2025-01-22..2025-01-27)" in n for n in mc.notes)
    # a weekend before the date is no gap: the plain note
    whole = Market.from_files(SAMPLE, master).market_cap("NVDA", "2025-01-25", currency="USD")
    assert whole.notes[0] == "close of 2025-01-24 (last session on or before 2025-01-25)"


def test_a_files_market_lists_its_listings_not_a_table_kept_beside_them(tmp_path):
    # a security-master extension (a table naming a symbol column) kept in the bars folder, as
    # `rerating load --all --dir` allows: it is no series, so coverage() and quality() of every
    # symbol leave it out instead of failing to read it as bars
    for name in ("NVDA.csv", "GSPC.csv"):
        (tmp_path / name).write_bytes((SAMPLE / name).read_bytes())
    (tmp_path / "securities.csv").write_text(
        "symbol,name,exchange,currency,calendar,kind\nZZZT,Test Co,XNYS,USD,XNYS,stock\n"
    )
    market = Market.from_files(tmp_path)
    cov = market.coverage()
    assert cov["symbol"].tolist() == ["NVDA", "^GSPC"]
    assert cov.set_index("symbol").loc["NVDA", "rows"] == len(
        (SAMPLE / "NVDA.csv").read_text().splitlines()
    ) - 1
    assert set(market.quality()["symbol"]) <= {"NVDA", "^GSPC"}
