"""Regressions from the mainland (A-share, Shanghai / Shenzhen index) audit of 7 December.

Offline: a fake akshare client whose ``stock_zh_a_hist`` frames have akshare's Chinese columns
(日期 开盘 收盘 最高 最低 成交量, volume in lots of 100 shares), the bundled sample and the bundled
security master. The prices are made up for the test; the expected values are the fake's own
numbers (volume: lots x 100), not the output of the code under test.
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
from rerating.errors import MissingSharesError, SourceUnavailableError, UnknownSymbolError

DAYS = [dt.date(2025, 1, 24), dt.date(2025, 1, 27), dt.date(2025, 2, 5)]  # XSHG: closed 01-28..02-04
RAW = [300.0, 330.0, 297.0]  # a limit-up day (+10%) then a limit-down day (-10%)
QFQ = [299.0, 329.0, 296.0]


class _FakeAShareAK:
    """``stock_zh_a_hist`` as akshare returns it; ``suspended`` returns no rows (a suspended stock)."""

    def __init__(self, suspended: bool = False) -> None:
        self.suspended = suspended
        self.calls: list[tuple[str, str]] = []

    def stock_zh_a_hist(
        self, symbol: str, period: str = "daily", start_date: str = "19700101",
        end_date: str = "20500101", adjust: str = "",
    ) -> pd.DataFrame:
        self.calls.append((symbol, adjust))
        if self.suspended:
            return pd.DataFrame(columns=["日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量"])
        close = RAW if adjust == "" else QFQ
        return pd.DataFrame({"日期": DAYS, "股票代码": symbol, "开盘": close, "收盘": close, "最高": close,
                             "最低": close, "成交量": [5000, 800, 900], "成交额": [1.5e8, 2.6e7, 2.7e7]})


# 1. the akshare source reads an A-share under every spelling the master accepts ---------------------


@pytest.mark.parametrize("spelling", ["688256.SH", "688256", "sh688256"])
def test_akshare_a_share_under_the_masters_spellings(spelling: str) -> None:
    client = _FakeAShareAK()
    bars = AkshareSource(client=client, securities=load_securities()).bars(spelling)
    # was MissingDataError "akshare has no endpoint here ... (US listings: ...)"
    assert client.calls == [("688256", ""), ("688256", "qfq")]
    assert list(bars.index) == [pd.Timestamp(d) for d in DAYS]
    assert list(bars["close"]) == RAW and list(bars["adj_close"]) == QFQ
    assert list(bars["volume"]) == [500_000.0, 80_000.0, 90_000.0]  # lots x 100


# 2. exchange-prefixed codes (akshare's, Sina's) find the listing ------------------------------------


@pytest.mark.parametrize(
    "spelling, symbol",
    [("sh000300", "000300.SS"), ("SZ399006", "399006.SZ"), ("sh688256", "688256.SS"),
     ("sz300308", "300308.SZ"), ("sh000001", "000001.SS")],
)
def test_exchange_prefixed_codes_resolve(spelling: str, symbol: str) -> None:
    assert load_securities().resolve(spelling) == symbol  # was UnknownSymbolError


def test_prefix_tells_ping_an_bank_from_the_sse_composite(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "symbol,name,kind,exchange,calendar,currency\n000001.SZ,Ping An Bank,stock,XSHE,XSHG,CNY\n",
        encoding="utf-8",
    )
    master = load_securities(extra=extra)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the prefix names the exchange: no ambiguity, no warning
        assert master.resolve("sz000001") == "000001.SZ"
        assert master.resolve("sh000001") == "000001.SS"
    with pytest.raises(UnknownSymbolError, match="unknown symbol 'sh999999'"):
        master.resolve("sh999999")


def test_cli_prices_of_an_index_by_its_akshare_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sample", "prices", "sh000300", "--from", "2025-01-02", "--to", "2025-01-03",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("000300.SS,") == 2


# 3. an index has no market cap: the error says so ----------------------------------------------------


def test_index_market_cap_says_it_is_an_index(capsys: pytest.CaptureFixture[str]) -> None:
    m = Market.from_sample()
    with pytest.raises(MissingSharesError, match=r"000300.SS \(CSI 300 Index\) is an index"):
        m.market_cap("000300.SS", "2025-01-27", "USD")
    assert main(["--sample", "marketcap", "399006.SZ", "--on", "2025-01-27", "--currency", "USD"]) == 2
    err = capsys.readouterr().err
    assert "is an index" in err and "shares.csv" not in err  # was "add rows to shares.csv"


# 4. a suspended A-share (no rows) is not reported as only an offline problem ------------------------


def test_akshare_suspension_is_named_as_a_cause() -> None:
    src = AkshareSource(client=_FakeAShareAK(suspended=True), securities=load_securities(),
                        sleep=lambda s: None)
    with pytest.raises(SourceUnavailableError, match=r"returned no rows: no trading .*a suspension"):
        src.bars("688256.SS", "2025-01-28", "2025-02-04")


def test_akshare_range_without_rows_names_a_suspension() -> None:
    src = AkshareSource(client=_FakeAShareAK(), securities=load_securities())
    with pytest.raises(SourceUnavailableError,
                       match=r"no rows for 688256.SS in 2025-01-28..2025-02-04: no trading .*suspension"):
        src.bars("688256.SS", "2025-01-28", "2025-02-04")
