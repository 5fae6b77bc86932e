"""Oracles for re-rating measures and the data layer that a mutation audit found untested.

Each test pins one behaviour with an expected value worked independently of the code under test:
by hand from the bundled sample CSVs (read here with ``csv``/pandas, not through ``Market``) or
from tiny synthetic inputs whose answer is known by construction. The audit's finding id (M5,
K4, CM9, ...) is named in each docstring.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data.market import Market
from rerating.errors import MissingDataError, MissingFXError
from rerating.rerate.abnormal import abnormal_returns
from rerating.rerate.comovement import comovement
from rerating.rerate.marketcap import market_cap_change
from rerating.rerate.valuation import multiple_gap, pe_history

T = pd.Timestamp
SAMPLE = Path(str(resources.files("rerating.data").joinpath("sample")))

#: Alibaba ordinary shares in issue at 2024-12-31 (HKEX monthly return; shares.csv rows of BABA and
#: 9988.HK dated 2024-12-31, the larger of the non-ADS figures of that date)
ALIBABA_ORDINARY_2024_12_31 = 19_054_532_284
#: Alibaba ordinary shares "outstanding" at 2024-09-30 (shares.csv, the earlier figure)
ALIBABA_ORDINARY_2024_09_30 = 18_620_000_000
#: NVDA common shares outstanding at 2024-11-15 (shares.csv, the only NVDA row)
NVDA_SHARES = 24_490_000_000
BABA_ORDINARY_PER_ADS = 8  # securities.csv shares_per_unit of BABA


def _rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def raw_close(symbol_file: str, date: str) -> float:
    """The ``close`` column of ``<symbol_file>.csv`` on ``date`` (the row must exist)."""
    return next(float(r["close"]) for r in _rows(f"{symbol_file}.csv") if r["date"] == date)


def adj_returns(symbol_file: str) -> pd.Series:
    """Simple daily returns of the ``adj_close`` column, indexed by date."""
    rows = _rows(f"{symbol_file}.csv")
    s = pd.Series(
        [float(r["adj_close"]) for r in rows], index=pd.to_datetime([r["date"] for r in rows])
    )
    return s / s.shift(1) - 1


@pytest.fixture(scope="module")
def market() -> Market:
    return Market.from_sample()


def test_shares_constants_are_in_the_sample_file():
    """The hard-coded share counts above are the sample's shares.csv rows (guards the oracles)."""
    got = {(r["symbol"], r["as_of"], int(r["shares"])) for r in _rows("shares.csv")}
    assert ("BABA", "2024-12-31", ALIBABA_ORDINARY_2024_12_31) in got
    assert ("9988.HK", "2024-12-31", ALIBABA_ORDINARY_2024_12_31) in got
    assert ("BABA", "2024-09-30", ALIBABA_ORDINARY_2024_09_30) in got
    assert ("NVDA", "2024-11-15", NVDA_SHARES) in got


# --- market-cap change (rerate/marketcap.py) ------------------------------------------------------


def test_listing_value_counts_ads_not_ordinary_shares(market):
    """M5: a listing's value is close x ADS count, the ADS count being ordinary shares / 8.

    By hand: BABA closes 89.14 (2025-01-24) and 89.99 (2025-01-27) in BABA.csv; shares as of
    2025-01-27 are the 2024-12-31 figure 19,054,532,284 ordinary = 2,381,816,535.5 ADS, so
    212,315,125,974.47 and 214,339,670,029.645 USD. Dropping shares_per_unit makes it 8x too small.
    """
    res = market_cap_change(market, "BABA", "2025-01-24", "2025-01-27")
    ads = ALIBABA_ORDINARY_2024_12_31 / BABA_ORDINARY_PER_ADS
    assert ads == 2_381_816_535.5
    row = res.listings[0]
    assert row.shares == pytest.approx(ads, rel=1e-12)
    assert row.ordinary_shares == pytest.approx(ALIBABA_ORDINARY_2024_12_31, rel=1e-12)
    assert res.start_value == pytest.approx(raw_close("BABA", "2025-01-24") * ads, rel=1e-12)
    assert res.end_value == pytest.approx(raw_close("BABA", "2025-01-27") * ads, rel=1e-12)
    assert res.start_value == pytest.approx(212_315_125_974.47, rel=1e-12)  # audit's figure
    assert res.end_value == pytest.approx(214_339_670_029.645, rel=1e-12)


def test_company_value_uses_the_end_date_share_count_at_both_ends(market):
    """M9: a company's share count is the latest on or before the END date, for both dates.

    By hand: 9988.HK (the HKD listing) closes 84.00 on 2024-12-02 and 87.25 on 2025-01-27; the
    figure on or before 2025-01-27 is 19,054,532,284 (2024-12-31), so 1,600,580,711,856 and
    1,662,507,941,779 HKD. The start-date figure (18,620,000,000 of 2024-09-30) is ~2.3% lower.
    """
    res = market_cap_change(market, "alibaba", "2024-12-02", "2025-01-27", currency="HKD")
    assert res.price_listing == "9988.HK"
    n = ALIBABA_ORDINARY_2024_12_31
    assert res.start_value == pytest.approx(raw_close("9988.HK", "2024-12-02") * n, rel=1e-12)
    assert res.end_value == pytest.approx(raw_close("9988.HK", "2025-01-27") * n, rel=1e-12)
    assert res.start_value == pytest.approx(1_600_580_711_856, rel=1e-12)  # 84.00 x n
    assert res.end_value == pytest.approx(1_662_507_941_779, rel=1e-12)  # 87.25 x n
    assert {r.shares_as_of for r in res.listings} == {T("2024-12-31")}


# --- shares, market cap and FX as of a date (data/market.py) --------------------------------------


def test_shares_figure_dated_on_the_day_counts(market):
    """K5: "as of" includes the day itself (``as_of <= on``).

    By hand: shares.csv has 9988.HK/BABA figures dated 2024-09-30 (18.62bn) and 2024-12-31
    (19,054,532,284); on 2024-12-31 the latter is the one as of that day, on 2024-12-30 the former.
    """
    on_day = market.shares("9988.HK", "2024-12-31")
    assert on_day.as_of == T("2024-12-31")
    assert on_day.shares == ALIBABA_ORDINARY_2024_12_31
    day_before = market.shares("9988.HK", "2024-12-30")
    assert day_before.as_of == T("2024-09-30")
    assert day_before.shares == ALIBABA_ORDINARY_2024_09_30


def test_an_ads_unit_row_is_multiplied_into_ordinary_shares(tmp_path):
    """K4: a shares.csv row whose unit_note says ADS counts shares_per_unit ordinary shares each.

    The sample always has an ordinary row beside the ADS one (the ordinary row wins), so only user
    data whose sole row is in ADS units shows the conversion. By hand: 2,381,816,536 ADS x 8 =
    19,054,532,288 ordinary shares = 9988.HK shares (1 per unit); BABA keeps the ADS count.
    """
    (tmp_path / "shares.csv").write_text(
        "symbol,as_of,shares,unit_note,source\n"
        "BABA,2024-12-31,2381816536,ADS-equivalent of the ordinary shares,test\n",
        encoding="utf-8",
    )
    m = Market.from_files(tmp_path)
    hk = m.shares("9988.HK", "2025-01-27")
    assert hk.shares == 2_381_816_536 * 8 == 19_054_532_288
    assert hk.ordinary_shares == 19_054_532_288
    assert m.shares("BABA", "2025-01-27").shares == 2_381_816_536


def test_market_cap_refuses_a_close_more_than_ten_days_old(market):
    """K19: market_cap uses the last close on or before the date only if at most 10 days old.

    docs/DATA.md: "last close on or before `on` (at most 10 days)"; the code raises when
    ``day - session > 10 days``. NVDA.csv ends 2025-06-30 (close 157.99): 2025-07-10 is exactly 10
    days later and is priced, 157.99 x 24,490,000,000 = 3,869,175,100,000 USD; 07-11 (11 days) and
    07-15 raise MissingDataError.
    """
    rows = _rows("NVDA.csv")
    last = rows[-1]
    assert last["date"] == "2025-06-30"
    cap = market.market_cap("NVDA", "2025-07-10")
    assert cap.date == T("2025-06-30")
    assert cap.value == pytest.approx(float(last["close"]) * NVDA_SHARES, rel=1e-12)
    assert cap.value == pytest.approx(3_869_175_100_000, rel=1e-12)
    for day in ("2025-07-11", "2025-07-15"):
        with pytest.raises(MissingDataError, match="no close for NVDA"):
            market.market_cap("NVDA", day)


def test_fx_rate_exactly_seven_days_old_is_used(tmp_path):
    """K3: an FX value at most 7 days old (``on - used > 7 days`` raises) is still "as of".

    The sample USDHKD.csv without 2025-01-21..2025-01-28: on 2025-01-27 the last value is that of
    2025-01-20 (7 days earlier), read from the file (7.7841); on 2025-01-28 it is 8 days old.
    """
    lines = (SAMPLE / "USDHKD.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    gap = tuple(f"2025-01-{d}" for d in range(21, 29))
    (tmp_path / "USDHKD.csv").write_text(
        "".join(ln for ln in lines if not ln.startswith(gap)), encoding="utf-8"
    )
    want = next(float(r["close"]) for r in _rows("USDHKD.csv") if r["date"] == "2025-01-20")
    assert want == 7.7841
    m = Market.from_files(tmp_path)
    assert m.fx_rate("USD", "HKD", "2025-01-27") == pytest.approx(want, rel=1e-12)
    with pytest.raises(MissingFXError, match="within 7 days"):
        m.fx_rate("USD", "HKD", "2025-01-28")


# --- valuation (rerate/valuation.py) --------------------------------------------------------------


def test_multiple_gap_takes_the_median_of_a_skewed_basket():
    """V9: a basket's multiple is the median member P/E, not the mean.

    By hand: A = {X: 10, Y: 20, Z: 60} has median 20 (mean 30); B = {P: 15}; gap 20 - 15 = 5,
    ratio 20 / 15 = 4/3.
    """
    dates = pd.DatetimeIndex(["2025-01-27"])
    a = pd.DataFrame({"X": [10.0], "Y": [20.0], "Z": [60.0]}, index=dates)
    b = pd.DataFrame({"P": [15.0]}, index=dates)
    g = multiple_gap(a, b, "2025-01-27")
    assert g.median_a == 20.0 and g.median_b == 15.0
    assert g.gap == 5.0 and g.ratio == pytest.approx(4 / 3, rel=1e-12)
    assert (g.n_a, g.n_b) == (3, 1)


def test_pe_history_converts_cny_eps_into_usd(market):
    """V10: BABA's trailing EPS (CNY per ADS) is divided by USDCNY to get USD per ADS.

    By hand from eps.csv: the four latest quarters reported before 2025-01-27 end 2023-12-31,
    2024-03-31, 2024-06-30 and 2024-09-30: 5.65 + 1.30 + 9.89 + 18.17 = 35.01 CNY. USDCNY.csv on
    2025-01-27 is 7.2507 CNY per USD, so EPS = 35.01 / 7.2507 USD and the P/E on BABA's 89.99 close
    is 89.99 / (35.01 / 7.2507) = 18.6372606.
    """
    quarters = ("2023-12-31", "2024-03-31", "2024-06-30", "2024-09-30")
    eps_rows = {r["period_end"]: r for r in _rows("eps.csv") if r["symbol"] == "BABA"}
    assert all(eps_rows[q]["report_date"] < "2025-01-27" for q in quarters)
    # no other quarter was reported before 2025-01-27 with a later period end
    later = [r for q, r in eps_rows.items() if q > quarters[-1] and r["report_date"] < "2025-01-27"]
    assert later == []
    ttm_cny = sum(float(eps_rows[q]["eps_diluted"]) for q in quarters)
    assert ttm_cny == pytest.approx(35.01, abs=1e-12)
    usdcny = raw_close("USDCNY", "2025-01-27")
    assert usdcny == 7.2507
    want = raw_close("BABA", "2025-01-27") / (ttm_cny / usdcny)

    pe = pe_history(market, "BABA", "2025-01-20", "2025-01-27")
    assert pe.on("2025-01-27") == pytest.approx(want, rel=1e-12)
    assert pe.on("2025-01-27") == pytest.approx(18.6372606, rel=1e-8)
    assert pe.frame.loc[T("2025-01-27"), "fx"] == pytest.approx(1 / usdcny, rel=1e-12)


# --- co-movement (rerate/comovement.py) -----------------------------------------------------------


def test_unpaired_dates_of_both_markets_are_counted_in_the_ledger():
    """CM6: the ledger counts returns on dates only ONE market traded, on either side.

    By construction: b has 10 weekday returns from 2025-03-03 plus Saturday 2025-03-15; a is 1.5 x
    b without b's 3rd and 8th dates and without 03-15, plus one date of its own (Sunday 03-16).
    Unpaired: 3 of b (03-05, 03-12, 03-15) + 1 of a (03-16) = 4; a one-sided count gives 1 or 3.
    """
    idx = pd.bdate_range("2025-03-03", periods=10)
    vals = [0.01, -0.02, 0.015, 0.03, -0.005, 0.012, -0.018, 0.007, 0.022, -0.011]
    b = pd.Series(vals + [0.004], index=idx.append(pd.DatetimeIndex(["2025-03-15"])))
    keep = idx.delete([2, 7])
    a = pd.concat([1.5 * b.loc[keep], pd.Series([0.009], index=pd.DatetimeIndex(["2025-03-16"]))])
    res = comovement(a, b, idx[5], window=3)
    assert len(res.dropped) == 1
    row = res.dropped.iloc[0]
    assert row["symbol"] == "A|B"
    assert row["reason"] == "4 returns on dates only one market traded"
    assert (res.n_before, res.n_after) == (4, 4)  # 03-03, 03-04, 03-06, 03-07 | 03-10, 11, 13, 14


def test_rolling_beta_follows_the_lag_and_the_trimmed_sample():
    """CM9: ``rolling`` is computed on the lagged, before/after-trimmed pairs that give the betas.

    By construction: a_t = 2 b_(t-1) (a_0 = 0) on weekdays from 2025-03-03. With lag_b=1 the first
    pair is dated 2025-03-04 (the first date has no previous b), and every window of 3 pairs has
    beta exactly 2 and correlation 1, so rows are NaN on 03-04 and 03-05 and (2, 1) from 03-06 on.
    On raw a, b (no lag) the path would start 03-03 and have no beta of 2.
    """
    idx = pd.bdate_range("2025-03-03", periods=10)
    b = pd.Series([0.01, -0.02, 0.03, 0.005, -0.01, 0.02, -0.015, 0.01, 0.0, 0.025], index=idx)
    a = pd.Series(np.r_[0.0, 2 * b.to_numpy()[:-1]], index=idx)
    res = comovement(a, b, idx[5], window=3, lag_b=1)
    roll = res.rolling
    assert roll.index[0] == T("2025-03-04") and roll.index[-1] == idx[-1]
    assert len(roll) == 9
    assert roll.loc[: T("2025-03-05"), "beta"].isna().all()
    after = roll.loc[T("2025-03-06") :]
    np.testing.assert_allclose(after["beta"], 2.0, rtol=1e-9)
    np.testing.assert_allclose(after["corr"], 1.0, rtol=1e-9)
    assert res.beta_before == pytest.approx(2.0, rel=1e-9)


def test_rolling_beta_covers_only_the_before_and_after_pairs():
    """CM9: with before=60, after=40 the rolling path spans exactly those 100 pairs.

    By construction: 200 weekday returns, event at the 101st date; the sample kept is dates
    idx[40]..idx[139] (60 before, 40 from the event), so ``rolling`` has 100 rows on those dates.
    """
    rng = np.random.default_rng(11)
    idx = pd.bdate_range("2024-01-01", periods=200)
    b = pd.Series(rng.normal(0, 0.01, 200), index=idx)
    a = pd.Series(0.8 * b.to_numpy() + rng.normal(0, 0.005, 200), index=idx)
    res = comovement(a, b, idx[100], window=20, before=60, after=40)
    assert (res.n_before, res.n_after) == (60, 40)
    assert len(res.rolling) == 100
    assert list(res.rolling.index) == list(idx[40:140])
    # the last window's beta is the OLS slope over the last 20 kept pairs, worked with numpy
    x, y = b.iloc[120:140].to_numpy(), a.iloc[120:140].to_numpy()
    slope = np.linalg.lstsq(np.column_stack([np.ones(20), x]), y, rcond=None)[0][1]
    assert res.rolling["beta"].iloc[-1] == pytest.approx(slope, rel=1e-9)


# --- abnormal returns (rerate/abnormal.py) --------------------------------------------------------


def _hand_car0(benchmark_file: str) -> float:
    """Day-0 abnormal return of 9988.HK on DeepSeek R1 against ``benchmark_file``, fitted by hand.

    R1 came out 2025-01-20 12:00 UTC (20:00 Hong Kong, after the close), so day 0 is 2025-01-21.
    Estimation window [-250, -11] sessions of 9988.HK's own returns, cut short by the sample start;
    OLS r = alpha + beta * r_benchmark with numpy lstsq; AR_0 = r_0 - alpha - beta * r_benchmark_0.
    """
    r, m = adj_returns("9988.HK"), adj_returns(benchmark_file)
    d0 = r.index.get_loc(T("2025-01-21"))
    est = r.iloc[max(d0 - 250, 1) : d0 - 10]
    x = m.reindex(est.index).to_numpy()
    (alpha, beta), *_ = np.linalg.lstsq(
        np.column_stack([np.ones_like(x), x]), est.to_numpy(), rcond=None
    )
    day0 = r.index[d0]
    return float(r.iloc[d0] - (alpha + beta * m.loc[day0]))


@pytest.mark.parametrize(
    "benchmark",
    [{"9988.HK": "HSTECH"}, "HSTECH"],
    ids=["mapping (AB4)", "one string (AB2)"],
)
def test_abnormal_returns_use_the_benchmark_asked_for(market, benchmark):
    """AB2/AB4: a benchmark given as a mapping or one symbol replaces the listing's default (^HSI).

    Oracle: :func:`_hand_car0` on HSTECH.csv = -0.0142794454 (audit's figure as a cross-check); the
    default ^HSI gives -0.0076885, so a benchmark that is silently ignored fails.
    """
    want = _hand_car0("HSTECH")
    assert want == pytest.approx(-0.0142794454, abs=1e-9)
    assert _hand_car0("HSI") == pytest.approx(-0.0076885, abs=1e-6)  # the default it must not be
    res = abnormal_returns(
        market, ["9988.HK"], "deepseek-r1", event_windows=((0, 0),), benchmark=benchmark
    )
    assert len(res.car) == 1
    assert float(res.car["car"].iloc[0]) == pytest.approx(want, rel=1e-8)
