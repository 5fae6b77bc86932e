"""Regressions from the Hong Kong / China market audit: A and H share classes, A-share indices in
the master, akshare's exchange-prefixed index codes, and small labels and spellings.

Offline: local files in ``tmp_path`` and a fake akshare client. The SMIC figures are made up for
the test (A count 1.986e9, Hong Kong count 5.992e9, both dated 2024-12-31); the oracles below are
closes read from the files times those counts, worked by hand, not the code under test.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd
import pytest

from rerating.cli import main
from rerating.data.market import Market
from rerating.data.securities import load_securities
from rerating.data.sources.akshare import AkshareSource
from rerating.errors import MissingDataError, MissingSharesError
from rerating.rerate.marketcap import market_cap_change

A_SHARES = 1_986_000_000  # SMIC A shares (688981.SS), made-up round figure
HK_SHARES = 5_992_000_000  # SMIC Hong Kong shares (0981.HK), made-up round figure
ON = "2025-01-27"


def _close(folder: Path, stem: str, day: str) -> float:
    frame = pd.read_csv(folder / f"{stem}.csv")
    return float(frame.loc[frame["date"] == day, "close"].item())



# 1. A and H shares are separate classes -----------------------------------------------------------


def test_a_listing_reads_its_own_shares_not_the_hong_kong_count(smic_dir: Path) -> None:
    m = Market.from_files(smic_dir)
    assert m.shares("688981.SS", ON).shares == A_SHARES  # was 5.992e9: the largest pooled row
    assert m.shares("0981.HK", ON).shares == HK_SHARES
    cap = m.market_cap("688981.SS", ON, "local")
    assert cap.value == pytest.approx(_close(smic_dir, "688981.SS", ON) * A_SHARES, rel=1e-12)
    assert cap.value < 200e9  # about CNY 185bn, not 560bn


def test_a_listing_without_its_own_rows_does_not_borrow_the_hong_kong_count(
    smic_dir: Path,
) -> None:
    shares = pd.read_csv(smic_dir / "shares.csv")
    shares[shares["symbol"] == "0981.HK"].to_csv(smic_dir / "shares.csv", index=False)
    m = Market.from_files(smic_dir)
    with pytest.raises(MissingSharesError, match="0981.HK trade another class"):
        m.shares("688981.SS", ON)
    with pytest.raises(MissingSharesError, match=r"A shares \(688981.SS\) of smic"):
        market_cap_change(m, "smic", "2025-01-20", ON, "CNY")


def test_company_value_is_the_sum_over_share_classes_in_any_currency(smic_dir: Path) -> None:
    m = Market.from_files(smic_dir)
    hk, a = _close(smic_dir, "0981.HK", ON), _close(smic_dir, "688981.SS", ON)
    hkd_per_cny = _close(smic_dir, "USDHKD", ON) / _close(smic_dir, "USDCNY", ON)
    cny = market_cap_change(m, "smic", "2025-01-20", ON, "CNY")
    hkd = market_cap_change(m, "smic", "2025-01-20", ON, "HKD")
    assert cny.end_value == pytest.approx(hk * HK_SHARES / hkd_per_cny + a * A_SHARES, rel=1e-9)
    assert hkd.end_value == pytest.approx(hk * HK_SHARES + a * A_SHARES * hkd_per_cny, rel=1e-9)
    # one company value whichever currency it is shown in (both listings close on 2025-01-27)
    assert hkd.end_value == pytest.approx(cny.end_value * hkd_per_cny, rel=1e-9)
    assert [r.counted for r in cny.listings] == [True, True]
    assert set(cny.price_listing.split(", ")) == {"0981.HK", "688981.SS"}
    assert any("2 share classes that do not convert" in n for n in cny.notes)
    assert any("A shares (688981.SS): 1,986,000,000" in n for n in cny.notes)


def test_company_with_a_class_without_bars_is_refused_not_understated(smic_dir: Path) -> None:
    (smic_dir / "688981.SS.csv").unlink()
    m = Market.from_files(smic_dir)
    with pytest.raises(MissingDataError, match="no bars for 688981.SS .*every class"):
        market_cap_change(m, "smic", "2025-01-20", ON, "HKD")
    one = market_cap_change(m, "0981.HK", "2025-01-20", ON, "HKD")  # the listing alone is fine
    assert one.end_value == pytest.approx(_close(smic_dir, "0981.HK", ON) * HK_SHARES, rel=1e-12)


def test_cli_marketcap_of_both_smic_listings(smic_dir: Path, tmp_path: Path, capsys) -> None:
    home = str(tmp_path / "home")
    assert main(["--home", home, "load", "0981.HK", "688981.SS", "USDCNY", "USDHKD",
                 "--source", "files", "--dir", str(smic_dir)]) == 0
    capsys.readouterr()
    assert main(["--home", home, "marketcap", "0981.HK", "688981.SS", "--on", ON,
                 "--currency", "local", "--format", "csv"]) == 0
    frame = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    got = dict(zip(frame["symbol"], frame["shares"], strict=True))
    assert got == {"0981.HK": HK_SHARES, "688981.SS": A_SHARES}


def test_adr_and_hong_kong_ordinary_shares_still_pool() -> None:
    m = Market.from_sample()
    baba, hk = m.shares("BABA", ON), m.shares("9988.HK", ON)
    assert hk.shares == 19_054_532_284 and baba.shares == pytest.approx(19_054_532_284 / 8)
    res = market_cap_change(m, "alibaba", "2025-01-17", "2025-02-14", "USD")
    assert res.price_listing == "BABA" and [r.counted for r in res.listings] == [True, False]
    assert not any("share classes" in n for n in res.notes)


# 2. A-share indices in the master -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, symbol",
    [("深成指", "399001.SZ"), ("深证成指", "399001.SZ"), ("深證成指", "399001.SZ"),
     ("SZSE Component", "399001.SZ"), ("上证50", "000016.SS"), ("SSE 50", "000016.SS"),
     ("恒生科指", "HSTECH")],
)
def test_standard_index_names_are_found(name: str, symbol: str) -> None:
    assert [s.symbol for s in load_securities().find(name)] == [symbol]


def test_new_index_rows_are_like_the_existing_ones() -> None:
    master = load_securities()
    for symbol, akshare, exchange in (("399001.SZ", "399001", "XSHE"), ("000016.SS", "000016", "XSHG")):
        sec = master.get(symbol)
        assert (sec.kind, sec.calendar, sec.currency, sec.exchange) == ("index", "XSHG", "CNY", exchange)
        assert (sec.yahoo, sec.akshare, sec.company) == (symbol, akshare, symbol)


# 3. akshare asks for A-share indices with the exchange prefix ------------------------------------------


class _FakeIndexAK:
    """``stock_zh_index_daily`` shaped like akshare's: English columns, dates as ``datetime.date``."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def stock_zh_index_daily(self, symbol: str) -> pd.DataFrame:
        self.calls.append(symbol)
        days = [dt.date(2025, 1, 2), dt.date(2025, 1, 3), dt.date(2025, 1, 6)]
        close = [3800.0, 3780.5, 3790.25]
        return pd.DataFrame({"date": days, "open": close, "high": close, "low": close,
                             "close": close, "volume": [1e9, 1e9, 1e9]})


@pytest.mark.parametrize(
    "symbol, code",
    [("000300.SS", "sh000300"), ("000001.SS", "sh000001"), ("000688.SS", "sh000688"),
     ("399006.SZ", "sz399006"), ("399001.SZ", "sz399001"), ("000016.SS", "sh000016")],
)
def test_akshare_index_codes_from_the_bundled_master(symbol: str, code: str) -> None:
    client = _FakeIndexAK()
    src = AkshareSource(client=client, securities=load_securities())
    bars = src.bars(symbol)
    assert client.calls == [code]  # was the bare '000300': the master's akshare column is filled
    assert list(bars["close"]) == [3800.0, 3780.5, 3790.25]


# 4. small ones ---------------------------------------------------------------------------------------


def test_tencent_note_names_the_listing_whose_row_was_used() -> None:
    m = Market.from_sample()
    assert m.shares("TCEHY", ON).row_symbol == "0700.HK"
    res = market_cap_change(m, "tencent", "2025-01-17", "2025-02-14", "HKD")
    shares_note = next(n for n in res.notes if "ordinary shares from" in n)
    assert "from 0700.HK:" in shares_note and "TCEHY" not in shares_note


def test_smic_and_hua_hong_are_not_labelled_h_shares() -> None:
    master = load_securities()
    for symbol in ("0981.HK", "1347.HK"):
        assert "(H)" not in master.get(symbol).name
    assert master.get("0763.HK").name.endswith("(H)")  # ZTE is PRC-incorporated: a real H share


def test_rmb_is_read_as_cny(capsys) -> None:
    m = Market.from_sample()
    rmb, cny = m.market_cap("9988.HK", ON, "RMB"), m.market_cap("9988.HK", ON, "CNY")
    assert (rmb.currency, rmb.value) == ("CNY", cny.value)
    assert m.fx_rate("usd", "rmb", ON) == m.fx_rate("USD", "CNY", ON)
    change = market_cap_change(m, "alibaba", "2025-01-17", "2025-02-14", "rmb")
    assert change.currency == "CNY"
    assert main(["--sample", "mcap-change", "alibaba", "--from", "2025-01-17", "--to",
                 "2025-02-14", "--currency", "RMB", "--format", "csv"]) == 0
    assert main(["--sample", "marketcap", "9988.HK", "--on", ON, "--currency", "RMB",
                 "--format", "csv"]) == 0
    assert ",CNY," in capsys.readouterr().out


def test_bare_000001_is_ping_an_bank_when_the_master_has_it(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "symbol,name,kind,exchange,calendar,currency\n000001.SZ,Ping An Bank,stock,XSHE,XSHG,CNY\n",
        encoding="utf-8",
    )
    master = load_securities(extra=extra)
    with pytest.warns(UserWarning, match=r"read as 000001.SZ .*pass 000001.SS for the other"):
        assert master.get("000001").symbol == "000001.SZ"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert master.get("000001.SS").symbol == "000001.SS"
        assert master.get("000001.SZ").symbol == "000001.SZ"
        assert load_securities().get("000001").symbol == "000001.SS"  # no stock to clash with
