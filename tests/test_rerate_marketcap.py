"""Market-cap changes on the bundled sample, against closes, shares and FX read from the CSV files."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from rerating.errors import MissingFXError, MissingSharesError, UnknownSymbolError

SAMPLE = resources.files("rerating.data").joinpath("sample")
ALIBABA_ORDINARY = 19_054_532_284  # HKEX monthly return, 2024-12-31 (shares.csv)


def raw(name: str, date: str, col: str = "close") -> float:
    with SAMPLE.joinpath(f"{name}.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["date"] == date:
                return float(row[col])
    raise AssertionError(f"{name} has no row on {date}")


@pytest.fixture(scope="module")
def market():
    from rerating.data.market import Market

    return Market.from_sample()


def test_nvda_lost_about_590bn_on_27_january(market):
    from rerating.rerate.marketcap import market_cap_change

    res = market_cap_change(market, "NVDA", "2025-01-24", "2025-01-27")
    shares = 24_490_000_000  # 10-Q cover page, as of 2024-11-15
    expected = shares * (raw("NVDA", "2025-01-27") - raw("NVDA", "2025-01-24"))
    assert res.kind == "listing" and res.currency == "USD"
    assert res.change == pytest.approx(expected, rel=1e-12)
    assert res.change == pytest.approx(-592.7e9, rel=1e-3)
    assert res.pct_change == pytest.approx(118.42 / raw("NVDA", "2025-01-24") - 1, rel=1e-12)
    row = res.listings[0]
    assert row.shares == shares and str(row.shares_as_of.date()) == "2024-11-15"
    assert "10-Q" in row.shares_source
    assert any("24,490,000,000 shares as of 2024-11-15" in n for n in res.notes)
    frame = res.to_frame()
    assert list(frame["symbol"]) == ["NVDA", "total"]


def test_alibaba_as_one_company_across_its_listings(market):
    from rerating.rerate.marketcap import market_cap_change

    usd = market_cap_change(market, "alibaba", "2025-01-17", "2025-02-14", "USD")
    assert usd.kind == "company" and usd.price_listing == "BABA"
    # priced from the ADS: 8 ordinary shares per ADS
    v0 = raw("BABA", "2025-01-17") / 8 * ALIBABA_ORDINARY
    v1 = raw("BABA", "2025-02-14") / 8 * ALIBABA_ORDINARY
    assert (usd.start_value, usd.end_value) == (pytest.approx(v0), pytest.approx(v1))
    hk = {r.symbol: r for r in usd.listings}["9988.HK"]
    assert hk.counted is False and hk.role == "company (implied)"
    # the Hong Kong line converted at USDHKD (HKD per USD) of each date
    assert hk.start_value == pytest.approx(
        raw("9988.HK", "2025-01-17") * ALIBABA_ORDINARY / raw("USDHKD", "2025-01-17"), rel=1e-12)
    assert hk.fx_end == pytest.approx(1 / raw("USDHKD", "2025-02-14"), rel=1e-12)
    assert any("priced from BABA" in n for n in usd.notes)
    hkd = market_cap_change(market, "alibaba", "2025-01-17", "2025-02-14", "HKD")
    assert hkd.price_listing == "9988.HK"
    assert hkd.end_value == pytest.approx(raw("9988.HK", "2025-02-14") * ALIBABA_ORDINARY)
    forced = market_cap_change(market, "alibaba", "2025-01-17", "2025-02-14", "HKD", price_listing="BABA")
    assert forced.price_listing == "BABA"
    with pytest.raises(UnknownSymbolError, match="not a listing of alibaba"):
        market_cap_change(market, "alibaba", "2025-01-17", "2025-02-14", price_listing="NVDA")


def test_a_company_named_in_chinese_and_a_listing_without_bars(market):
    from rerating.rerate.marketcap import market_cap_change

    # 阿里巴巴 names one company (BABA, 9988.HK): the same change as its id gives
    by_name = market_cap_change(market, "阿里巴巴", "2025-01-17", "2025-02-14", "HKD")
    by_id = market_cap_change(market, "alibaba", "2025-01-17", "2025-02-14", "HKD")
    assert by_name.kind == "company" and by_name.price_listing == "9988.HK"
    assert (by_name.start_value, by_name.end_value) == (by_id.start_value, by_id.end_value)
    # Tencent's ADR (TCEHY) has no bars in the sample: 0700.HK prices the company, a note says so
    tencent = market_cap_change(market, "騰訊", "2025-01-17", "2025-02-14", "HKD")
    assert [r.symbol for r in tencent.listings] == ["0700.HK"] and tencent.price_listing == "0700.HK"
    shares = tencent.listings[0].shares
    assert tencent.end_value == pytest.approx(raw("0700.HK", "2025-02-14") * shares, rel=1e-12)
    assert any("TCEHY left out: no bars" in n for n in tencent.notes)


def test_baba_on_29_january_uses_each_listings_own_last_close(market):
    from rerating.rerate.marketcap import market_cap_change

    res = market_cap_change(market, "alibaba", "2025-01-28", "2025-01-29", "USD")
    rows = {r.symbol: r for r in res.listings}
    assert str(rows["BABA"].end_date.date()) == "2025-01-29"
    assert str(rows["9988.HK"].end_date.date()) == "2025-01-28"  # Hong Kong shut for the new year
    assert res.pct_change == pytest.approx(raw("BABA", "2025-01-29") / raw("BABA", "2025-01-28") - 1)


def test_basket_members_without_shares(market):
    from rerating.rerate.marketcap import market_cap_change

    basket = ["NVDA", "MSFT", "META"]
    with pytest.raises(MissingSharesError, match="basket member MSFT.*partial"):
        market_cap_change(market, basket, "2025-01-24", "2025-01-27")
    res = market_cap_change(market, basket, "2025-01-24", "2025-01-27", partial=True)
    # META's only figure is dated 2025-04-25, after the end date: left out too (never looked ahead)
    assert [s for s, _ in res.left_out] == ["MSFT", "META"]
    assert res.change == pytest.approx(24_490_000_000 * (118.42 - raw("NVDA", "2025-01-24")))
    assert "left out: MSFT" in res.summary()


def test_basket_in_usd_mixes_markets(market):
    from rerating.rerate.marketcap import market_cap_change

    res = market_cap_change(market, ["NVDA", "0700.HK"], "2025-01-24", "2025-01-27")
    tencent = 9_225_000_000 * raw("0700.HK", "2025-01-27") / raw("USDHKD", "2025-01-27")
    nvda = 24_490_000_000 * 118.42
    assert res.end_value == pytest.approx(nvda + tencent, rel=1e-12)


def test_currency_without_fx(market):
    from rerating.rerate.marketcap import market_cap_change

    with pytest.raises(MissingFXError, match="EUR"):
        market_cap_change(market, "NVDA", "2025-01-24", "2025-01-27", "EUR")
