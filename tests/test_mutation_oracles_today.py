"""Oracles for mutants of today's data / rerate / events / claims changes that the suite let through.

Each expectation is worked by hand from the bundled sample's CSVs (read here with the csv module or
pandas, not through the Market facade) or from small files written in ``tmp_path``; none re-runs
the code under test to find its expected value.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from rerating.claims import Extractor
from rerating.claims.verify import verify_claims
from rerating.data.market import Market, _sample_dir
from rerating.data.securities import load_securities
from rerating.data.sources.akshare import AkshareSource
from rerating.events.alignment import build_events
from rerating.events.catalog import load_catalog
from rerating.rerate.marketcap import market_cap_change

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "rerating" / "data" / "sample"
A_SHARES = 1_986_000_000  # made-up SMIC A-share count
HK_SHARES = 5_992_000_000  # made-up SMIC Hong Kong share count
ON = "2025-01-27"


def _row(stem: str, day: str) -> dict[str, float]:
    with open(SAMPLE / f"{stem}.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["date"] == day:
                return {k: float(r[k]) for k in ("open", "high", "low", "close")}
    raise AssertionError(f"{stem} has no row on {day}")


def _close(folder: Path, stem: str, day: str) -> float:
    frame = pd.read_csv(folder / f"{stem}.csv")
    return float(frame.loc[frame["date"] == day, "close"].item())


# --- akshare: a Shenzhen index whose symbol does not end in .SZ is told by its exchange ----------


class _FakeIndexAK:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def stock_zh_index_daily(self, symbol: str) -> pd.DataFrame:
        self.calls.append(symbol)
        days = [dt.date(2025, 1, 2), dt.date(2025, 1, 3)]
        close = [5000.0, 5010.0]
        return pd.DataFrame({"date": days, "open": close, "high": close, "low": close,
                             "close": close, "volume": [1e9, 1e9]})


def test_akshare_shenzhen_index_by_exchange_gets_sz_prefix(tmp_path: Path) -> None:
    # a user's own index row: symbol without .SZ, exchange XSHE (Shenzhen), bare akshare code
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "symbol,name,kind,exchange,calendar,currency,akshare\n"
        "CNI2000,CNI 2000 Index,index,XSHE,XSHG,CNY,399303\n",
        encoding="utf-8",
    )
    client = _FakeIndexAK()
    src = AkshareSource(client=client, securities=load_securities(extra=extra))
    bars = src.bars("CNI2000")
    assert client.calls == ["sz399303"]  # Shenzhen: sz, not sh
    assert list(bars["close"]) == [5000.0, 5010.0]


# --- market cap of a company with A and H classes, priced from a listing asked for ---------------



@pytest.mark.parametrize("asked", ["0981.HK", "688981.SS"])
def test_price_listing_of_one_class_still_counts_the_other_class(smic_dir: Path, asked: str) -> None:
    m = Market.from_files(smic_dir)
    hk, a = _close(smic_dir, "0981.HK", ON), _close(smic_dir, "688981.SS", ON)
    hkd_per_cny = _close(smic_dir, "USDHKD", ON) / _close(smic_dir, "USDCNY", ON)
    res = market_cap_change(m, "smic", "2025-01-20", ON, "HKD", price_listing=asked)
    assert res.end_value == pytest.approx(hk * HK_SHARES + a * A_SHARES * hkd_per_cny, rel=1e-9)
    assert [r.counted for r in res.listings] == [True, True]
    assert set(res.price_listing.split(", ")) == {"0981.HK", "688981.SS"}


# --- a listing valued from its sibling's shares row: the note names that row ----------------------


@pytest.fixture
def ali_dir(tmp_path: Path) -> Path:
    """BABA and 9988.HK bars from the sample; one shares row, 9988.HK's (made-up count)."""
    folder = tmp_path / "ali"
    folder.mkdir()
    for name in ("BABA.csv", "9988.HK.csv", "USDCNY.csv", "USDHKD.csv"):
        shutil.copy(_sample_dir() / name, folder / name)
    (folder / "shares.csv").write_text(
        "symbol,as_of,shares,unit_note,source\n9988.HK,2024-12-31,16000000000,ordinary,test\n",
        encoding="utf-8",
    )
    return folder


def test_shares_note_names_the_sibling_row_only_when_it_is_anothers(ali_dir: Path) -> None:
    m = Market.from_files(ali_dir)
    adr = market_cap_change(m, "BABA", "2025-01-17", "2025-02-14", "USD")
    note = next(n for n in adr.notes if n.startswith("BABA: 2,000,000,000 ADS"))  # 16e9 / 8
    assert "the row of 9988.HK" in note
    hk = market_cap_change(m, "9988.HK", "2025-01-17", "2025-02-14", "HKD")
    note = next(n for n in hk.notes if n.startswith("9988.HK: 16,000,000,000 shares"))
    assert "the row of" not in note


# --- groups keyed by the canonical symbol when the listing is given in another spelling ----------


def test_groups_keyed_by_canonical_symbol_match_a_provider_spelling() -> None:
    master = load_securities()
    cat = load_catalog(securities=master)
    frame = build_events("deepseek-r1", ["09988.hk", "HSI"], cat, master,
                         groups={"9988.HK": "hk stock", "^HSI": "index"})
    assert frame.set_index("symbol")["group"].to_dict() == {"9988.HK": "hk stock", "^HSI": "index"}


# --- 午盘 / 早盘 moments: the range is measured from the previous close --------------------------


def _verdict(ex: Extractor, market: Market, text: str, date: str, amount: float):
    claims = ex.extract(text, date)
    got = [(c, v) for c, v in zip(claims, verify_claims(claims, market), strict=True)
           if "9988.HK" in c.symbols and c.value["amount"] == amount]
    assert len(got) == 1, [(c.symbols, c.value) for c in claims]
    return got[0][1]


def test_moment_range_is_from_the_previous_close_not_the_open(ex: Extractor, market: Market) -> None:
    prev, day = _row("9988.HK", "2025-02-12"), _row("9988.HK", "2025-02-13")
    assert (prev["close"], day["open"], day["low"], day["high"]) == (113.8, 115.2, 115.2, 124.3)
    lo = 100.0 * (day["low"] / prev["close"] - 1.0)  # +1.23%: the least it was up at any moment
    hi = 100.0 * (day["high"] / prev["close"] - 1.0)  # +9.23%
    # 0.5% is below the session's range from the previous close (it is inside it from the open)
    v = _verdict(ex, market, "阿里巴巴港股午盘涨0.5%。", "2025-02-13", 0.5)
    assert v.status == "contradicted"
    (k,) = [k for k in v.checks if k.symbol == "9988.HK"]
    assert k.computed == pytest.approx(lo, abs=1e-9)
    assert (k.start_date, k.start_close, k.end_close) == ("2025-02-12", 113.8, 115.2)
    # 8.5% is inside it from the previous close (above the high from the open, +7.9%)
    v = _verdict(ex, market, "阿里巴巴港股午盘涨8.5%。", "2025-02-13", 8.5)
    assert v.status == "unverifiable"
    # 30% is above it: the nearest figure is the high's
    v = _verdict(ex, market, "阿里巴巴港股午间涨30%。", "2025-02-13", 30.0)
    assert v.status == "contradicted"
    (k,) = [k for k in v.checks if k.symbol == "9988.HK"]
    assert k.computed == pytest.approx(hi, abs=1e-9)
    assert (k.start_close, k.end_close, k.end_date) == (113.8, 124.3, "2025-02-13")


def test_company_note_gives_the_row_in_its_own_ads_units(ali_dir: Path) -> None:
    # one row, BABA's, in ADS: 2e9 ADS x 8 ordinary per ADS = 16e9 ordinary shares
    (ali_dir / "shares.csv").write_text(
        "symbol,as_of,shares,unit_note,source\nBABA,2024-12-31,2000000000,ADS,test\n",
        encoding="utf-8",
    )
    m = Market.from_files(ali_dir)
    res = market_cap_change(m, "alibaba", "2025-01-17", "2025-02-14", "USD")
    note = next(n for n in res.notes if "ordinary shares from" in n)
    assert note.startswith("alibaba: 16,000,000,000 ordinary shares from BABA: 2,000,000,000 ADS as of 2024-12-31")


# --- cache drop: an A listing's shares rows are not what its Hong Kong sibling reads --------------


def test_cache_drop_no_sibling_note_across_share_classes(tmp_path: Path, capsys) -> None:
    import sys

    from rerating.cli import main
    from rerating.data.store import Store

    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "data"))
    from store_worker import synthetic

    def fresh(name: str) -> Store:
        store = Store(tmp_path / name)
        store.upsert_bars({s: synthetic(s, 20) for s in ("688981.SS", "0981.HK", "BABA", "9988.HK")},
                          source="test")
        store.upsert_shares(pd.DataFrame({
            "symbol": ["688981.SS", "BABA"], "as_of": pd.to_datetime(["2000-01-03", "2000-01-03"]),
            "shares": [2.0e9, 2.2e10], "unit_note": "", "source": "test",
        }))
        return store

    store = fresh("a")
    assert main(["--home", str(store.home), "cache", "drop", "688981.SS", "--yes"]) == 0
    err = capsys.readouterr().err
    assert "also what" not in err  # 0981.HK reads its own (H) rows, never the A listing's
    store = fresh("b")  # same class (ADR and HK ordinary): the note is there
    assert main(["--home", str(store.home), "cache", "drop", "BABA", "--yes"]) == 0
    assert "are also what 9988.HK" in capsys.readouterr().err


# --- New York listings in a Chinese article: the window ends on the close before its Beijing date --


def _nvda(day: str) -> float:
    return _row("NVDA", day)["close"]


def _one(ex: Extractor, market: Market, text: str, date: str, symbol: str, amount: float):
    claims = ex.extract(text, date)
    got = [v for c, v in zip(claims, verify_claims(claims, market), strict=True)
           if symbol in c.symbols and c.value["amount"] == amount]
    assert len(got) == 1, [(c.symbols, c.value, c.window) for c in claims]
    return got[0]


def test_chinese_one_day_range_to_the_beijing_date_is_the_session_before(
    ex: Extractor, market: Market
) -> None:
    # "2月13日至14日" in a Beijing article of 02-14: New York's 02-14 session had not closed; the
    # period is then 02-13 alone, from the close before it (02-12): 131.14 -> 135.29, +3.16%
    assert (_nvda("2025-02-12"), _nvda("2025-02-13"), _nvda("2025-02-14")) == (131.14, 135.29, 138.85)
    assert round(100.0 * (135.29 / 131.14 - 1.0), 1) == 3.2
    assert round(100.0 * (138.85 / 131.14 - 1.0), 1) == 5.9  # to 02-14: not what it could know
    v = _one(ex, market, "2月13日至14日，英伟达累计上涨3.2%。", "2025-02-14", "NVDA", 3.2)
    assert v.status == "supported"
    (k,) = v.checks
    assert (k.start_date, k.end_date, k.start_close, k.end_close) == (
        "2025-02-12", "2025-02-13", 131.14, 135.29,
    )  # fmt: skip


def test_years_low_is_looked_for_up_to_the_window_end_only(ex: Extractor, market: Market) -> None:
    # Beijing article of Monday 2025-01-27: New York's last close is Friday 01-24 (142.62); the
    # year's lowest close up to then is 01-14's 131.76 (+8.24%). 01-27's 118.42 (after the
    # window's end) is not the low it measures from.
    jan = {d: _nvda(d) for d in ("2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07",
                                 "2025-01-08", "2025-01-10", "2025-01-13", "2025-01-14",
                                 "2025-01-15", "2025-01-16", "2025-01-17", "2025-01-21",
                                 "2025-01-22", "2025-01-23", "2025-01-24")}
    low_day = min(jan, key=jan.get)
    assert (low_day, jan[low_day], _nvda("2025-01-27")) == ("2025-01-14", 131.76, 118.42)
    assert round(100.0 * (142.62 / 131.76 - 1.0), 1) == 8.2
    v = _one(ex, market, "英伟达股价较年内低点上涨8.2%。", "2025-01-27", "NVDA", 8.2)
    assert v.status == "supported"
    (k,) = v.checks
    assert (k.start_date, k.end_date, k.start_close, k.end_close) == (
        "2025-01-14", "2025-01-24", 131.76, 142.62,
    )  # fmt: skip


# --- from_extreme periods: a month after the article's month is last year's; 52 weeks back --------


def test_december_low_in_january_is_last_december(ex: Extractor, market: Market) -> None:
    with open(SAMPLE / "9988.HK.csv", encoding="utf-8") as fh:
        dec = {r["date"]: float(r["close"]) for r in csv.DictReader(fh) if r["date"].startswith("2024-12")}
    low_day = min(dec, key=dec.get)
    end = _row("9988.HK", "2025-01-27")["close"]
    assert (low_day, dec[low_day], end) == ("2024-12-20", 80.1, 87.25)
    assert round(100.0 * (end / dec[low_day] - 1.0), 1) == 8.9
    v = _one(ex, market, "Alibaba's Hong Kong shares have risen 8.9% from their December low.",
             "2025-01-27", "9988.HK", 8.9)
    assert dict(v.claim.window) == {"type": "from_extreme", "extreme": "low", "period_start": "2024-12-01",
                                    "period_end": "2024-12-31", "end": "2025-01-27"}
    assert v.status == "supported"
    k = next(k for k in v.checks if k.symbol == "9988.HK")
    assert (k.start_date, k.end_date) == ("2024-12-20", "2025-01-27")


def test_52_week_high_looks_back_364_days(ex: Extractor) -> None:
    (c,) = [c for c in ex.extract("Nvidia is down 10% from its 52-week high.", "2025-02-24")
            if "NVDA" in c.symbols]
    start = (dt.date(2025, 2, 24) - dt.timedelta(days=7 * 52)).isoformat()
    assert start == "2024-02-26"
    assert dict(c.window) == {"type": "from_extreme", "extreme": "high", "period_start": start,
                              "period_end": "2025-02-24", "end": "2025-02-24"}
