"""Live sources (yahoo, akshare) tested offline.

There is no network here, so these tests inject a fake client whose frames mirror exactly what the
real libraries return: yfinance's ``Ticker.history(auto_adjust=False)`` (tz-aware DatetimeIndex named
``Date`` at midnight exchange time; columns Open High Low Close Adj Close Volume) and
``get_shares_full`` (a Series on a tz-aware index), akshare's ``stock_hk_daily`` /
``stock_hk_index_daily_sina`` / ``stock_zh_index_daily`` (English columns, dates as ``datetime.date``),
``stock_zh_a_hist`` (Chinese columns, volume in lots) and ``currency_boc_sina`` (BOC rates per 100
units). The recorded values are the sample's real closes. The ``live`` tests at the end call the
real providers and are skipped unless RERATING_LIVE=1.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rerating.data.securities import load_securities
from rerating.data.sources import get_source
from rerating.data.sources._live import call_with_retry, import_client, probe
from rerating.data.sources.akshare import AkshareSource
from rerating.data.sources.yahoo import YahooSource
from rerating.errors import MissingDependencyError, MissingSharesError, SourceUnavailableError

HERE = Path(__file__).parent
SAMPLE = HERE.parent / "src" / "rerating" / "data" / "sample"
FIXTURE = HERE / "fixtures" / "data" / "securities_fixture.csv"


@pytest.fixture(scope="module")
def master():
    return load_securities(base=FIXTURE)


def sample_rows(name: str, start: str, end: str) -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE / name, parse_dates=["date"])
    frame = frame.reindex(columns=["date", "open", "high", "low", "close", "adj_close", "volume"])
    return frame[(frame["date"] >= start) & (frame["date"] <= end)].reset_index(drop=True)


def yf_history(name: str, tz: str, start: str, end: str) -> pd.DataFrame:
    """A frame as yfinance 0.2.x returns from Ticker.history(auto_adjust=False, actions=False)."""
    rows = sample_rows(name, start, end)
    index = pd.DatetimeIndex(rows["date"]).tz_localize(tz).rename("Date")
    return pd.DataFrame(
        {"Open": rows["open"].to_numpy(), "High": rows["high"].to_numpy(), "Low": rows["low"].to_numpy(),
         "Close": rows["close"].to_numpy(), "Adj Close": rows["adj_close"].to_numpy(),
         "Volume": rows["volume"].fillna(0).astype("int64").to_numpy()},
        index=index,
    )


class FakeTicker:
    def __init__(self, client: FakeYF, ticker: str) -> None:
        self.client, self.ticker = client, ticker

    def history(self, **kwargs):
        self.client.calls.append((self.ticker, kwargs))
        if self.client.failures:
            raise self.client.failures.pop(0)
        return self.client.frames.get(self.ticker, pd.DataFrame())

    def get_shares_full(self, start=None, end=None):
        return self.client.shares.get(self.ticker)


class FakeYF:
    def __init__(self, frames=None, shares=None, failures=None) -> None:
        self.frames, self.shares = frames or {}, shares or {}
        self.failures = list(failures or [])
        self.calls: list[tuple[str, dict]] = []

    def Ticker(self, ticker: str) -> FakeTicker:  # noqa: N802 - yfinance's name
        return FakeTicker(self, ticker)


class YFRateLimitError(Exception):
    """Same class name as yfinance.exceptions.YFRateLimitError."""

    def __init__(self) -> None:
        super().__init__("Too Many Requests. Rate limited. Try after a while.")


def test_yahoo_bars_keep_local_dates(master):
    hk = yf_history("9988.HK.csv", "Asia/Hong_Kong", "2025-01-20", "2025-02-07")
    src = YahooSource(client=FakeYF({"9988.HK": hk}), securities=master)
    bars = src.bars("9988.HK", "2025-01-20", "2025-02-07")
    # midnight Hong Kong time must stay that date (converting to UTC would move it to the day before)
    assert list(bars.index.strftime("%m-%d"))[:3] == ["01-20", "01-21", "01-22"]
    assert bars.loc["2025-01-27", "close"] == 87.25 and bars.index.tz is None
    assert set(bars.columns) == {"open", "high", "low", "close", "adj_close", "volume"}
    call = src.client.calls[0][1]
    assert call["auto_adjust"] is False and call["end"] == "2025-02-08"  # yfinance's end is exclusive


def test_yahoo_ticker_mapping_and_rate_limit_retry(master):
    fx = yf_history("USDHKD.csv", "Europe/London", "2025-01-02", "2025-01-10")
    naps: list[float] = []
    client = FakeYF({"HKD=X": fx}, failures=[YFRateLimitError(), YFRateLimitError()])
    src = YahooSource(client=client, securities=master, backoff=0.5, sleep=naps.append)
    bars = src.bars("USDHKD", "2025-01-02", "2025-01-10")
    assert naps == [0.5, 1.0] and len(client.calls) == 3
    assert [c[0] for c in client.calls] == ["HKD=X"] * 3
    assert bars["close"].between(7.7, 7.9).all()


def test_yahoo_rate_limit_exhausted(master):
    client = FakeYF(failures=[YFRateLimitError()] * 5)
    src = YahooSource(client=client, securities=master, retries=2, sleep=lambda s: None)
    with pytest.raises(SourceUnavailableError, match="rate-limited, retries exhausted.*--source files"):
        src.bars("NVDA")


def test_yahoo_offline_and_empty(master):
    src = YahooSource(client=FakeYF(failures=[ConnectionError("Failed to resolve 'query1.finance.yahoo.com'")]),
                      securities=master, sleep=lambda s: None)
    with pytest.raises(SourceUnavailableError, match="ConnectionError.*the files source"):
        src.bars("NVDA")
    empty = YahooSource(client=FakeYF(), securities=master)
    with pytest.raises(SourceUnavailableError, match="no rows for NVDA"):
        empty.bars("NVDA", "2025-01-01", "2025-01-31")


def test_yahoo_validates_and_drops_non_sessions(master):
    us = yf_history("NVDA.csv", "America/New_York", "2025-01-15", "2025-01-24")
    extra = us.iloc[[0]].copy()
    extra.index = pd.DatetimeIndex([pd.Timestamp("2025-01-20", tz="America/New_York")], name="Date")  # MLK day
    nan_row = us.iloc[[0]].copy() * np.nan
    nan_row.index = pd.DatetimeIndex([pd.Timestamp("2025-01-25", tz="America/New_York")], name="Date")
    frame = pd.concat([us, extra, nan_row]).sort_index()
    src = YahooSource(client=FakeYF({"NVDA": frame}), securities=master)
    bars = src.bars("NVDA")
    assert pd.Timestamp("2025-01-20") not in bars.index and len(bars) == len(us)
    reasons = dict(zip(src.dropped["date"].dt.strftime("%m-%d"), src.dropped["reason"], strict=True))
    assert "not a XNYS session" in reasons["01-20"] and "without a close" in reasons["01-25"]
    strict = YahooSource(client=FakeYF({"NVDA": frame}), securities=master, non_session="raise")
    with pytest.raises(Exception, match="2025-01-20 is not a XNYS session"):
        strict.bars("NVDA")


def test_yahoo_shares(master):
    idx = pd.DatetimeIndex(["2024-11-15 00:00", "2024-11-15 12:00", "2025-01-10"], tz="America/New_York")
    client = FakeYF(shares={"NVDA": pd.Series([24_490_000_000, 24_490_000_001, 24_500_000_000], index=idx),
                            "BABA": pd.Series([2_381_816_536], index=idx[:1])})
    src = YahooSource(client=client, securities=master)
    table = src.shares("NVDA")
    assert list(table["as_of"].dt.strftime("%Y-%m-%d")) == ["2024-11-15", "2025-01-10"]
    assert table["shares"].iloc[0] == 24_490_000_001  # last figure of the day
    assert "ADS" in src.shares("BABA")["unit_note"].iloc[0]
    with pytest.raises(MissingSharesError):
        src.shares("AAPL")


def test_hstech_has_no_yahoo_ticker(master):
    with pytest.raises(Exception, match="no Yahoo ticker"):
        YahooSource(client=FakeYF(), securities=master).bars("HSTECH")


class FakeAK:
    """Frames shaped like akshare 1.14+ returns them."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.calls: list[tuple[str, dict]] = []

    def _rec(self, name, kwargs):
        self.calls.append((name, kwargs))
        if self.fail is not None:
            raise self.fail

    @staticmethod
    def _english(name, start, end, adj=False):
        rows = sample_rows(name, start, end)
        close = rows["adj_close"] if adj else rows["close"]
        return pd.DataFrame({"date": [d.date() for d in rows["date"]], "open": rows["open"], "high": rows["high"],
                             "low": rows["low"], "close": close, "volume": rows["volume"]})

    def stock_hk_daily(self, symbol, adjust=""):
        self._rec("stock_hk_daily", {"symbol": symbol, "adjust": adjust})
        return self._english(f"{int(symbol):04d}.HK.csv", "2025-01-02", "2025-02-28", adj=adjust == "qfq")

    def stock_hk_index_daily_sina(self, symbol):
        self._rec("stock_hk_index_daily_sina", {"symbol": symbol})
        frame = self._english(f"{symbol}.csv", "2025-01-02", "2025-02-28")
        return frame.assign(amount=np.nan)

    def stock_zh_index_daily(self, symbol):
        self._rec("stock_zh_index_daily", {"symbol": symbol})
        return self._english("000300.SS.csv", "2025-01-02", "2025-02-28")

    def stock_zh_a_hist(self, symbol, period="daily", start_date="19700101", end_date="20500101", adjust=""):
        self._rec("stock_zh_a_hist", {"symbol": symbol, "adjust": adjust})
        # Cambricon-like prices; volume in lots (手) as akshare returns it
        days = [dt.date(2025, 1, 2), dt.date(2025, 1, 3), dt.date(2025, 1, 6)]
        close = [600.0, 610.5, 590.0] if adjust == "" else [599.0, 609.5, 589.0]
        return pd.DataFrame({"日期": days, "股票代码": symbol, "开盘": close, "收盘": close, "最高": close, "最低": close,
                             "成交量": [1000, 1200, 900], "成交额": [6e7, 7e7, 5e7], "振幅": 1.0, "涨跌幅": 0.5,
                             "涨跌额": 1.0, "换手率": 0.3})

    def currency_boc_sina(self, symbol, start_date, end_date):
        self._rec("currency_boc_sina", {"symbol": symbol})
        days = ["2025-01-02", "2025-01-03", "2025-01-06"]
        mid = [718.80, 718.85, 718.90] if symbol == "美元" else [92.50, 92.52, float("nan")]
        return pd.DataFrame({"日期": days, "中行汇买价": mid, "中行钞买价": mid, "中行钞卖价/汇卖价": mid,
                             "央行中间价": mid, "中行折算价": mid})


def test_akshare_hk_stock_and_adjusted(master):
    src = AkshareSource(client=FakeAK(), securities=master)
    bars = src.bars("9988.HK", "2025-01-20", "2025-02-07")
    assert bars.loc["2025-01-27", "close"] == 87.25
    assert bars.loc["2025-01-27", "adj_close"] == pytest.approx(87.15361)
    assert src.client.calls[0] == ("stock_hk_daily", {"symbol": "09988", "adjust": ""})
    assert pd.Timestamp("2025-01-29") not in bars.index  # LNY


def test_akshare_hstech_via_sina(master):
    src = AkshareSource(client=FakeAK(), securities=master)
    bars = src.bars("HSTECH", "2025-01-20", "2025-02-07")
    assert src.client.calls[0] == ("stock_hk_index_daily_sina", {"symbol": "HSTECH"})
    expected = sample_rows("HSTECH.csv", "2025-01-27", "2025-01-27")["close"].item()
    assert bars.loc["2025-01-27", "close"] == expected and (bars["adj_close"] == bars["close"]).all()


def test_akshare_a_share_index_and_stock(master, tmp_path):
    src = AkshareSource(client=FakeAK(), securities=master)
    idx = src.bars("000300.SS", "2025-01-02", "2025-01-31")
    assert src.client.calls[0] == ("stock_zh_index_daily", {"symbol": "sh000300"})
    assert len(idx) > 10
    stock = src.bars("688256.SS")
    assert list(stock["close"]) == [600.0, 610.5, 590.0] and list(stock["adj_close"]) == [599.0, 609.5, 589.0]
    assert stock["volume"].iloc[0] == 100_000  # 1000 lots of 100 shares


def test_akshare_fx_from_boc_parities(master):
    src = AkshareSource(client=FakeAK(), securities=master)
    cny = src.bars("USDCNY")
    assert cny["close"].tolist() == pytest.approx([7.1880, 7.1885, 7.1890])
    hkd = src.bars("USDHKD")
    # a date without an HKD parity is not filled: only two rows
    assert hkd["close"].tolist() == pytest.approx([718.80 / 92.50, 718.85 / 92.52])


def test_akshare_offline_and_unsupported(master):
    src = AkshareSource(client=FakeAK(fail=OSError("Network is unreachable")), securities=master, sleep=lambda s: None)
    with pytest.raises(SourceUnavailableError, match="Network is unreachable.*--source files"):
        src.bars("9988.HK")
    with pytest.raises(Exception, match="US listings"):
        AkshareSource(client=FakeAK(), securities=master).bars("NVDA")
    with pytest.raises(MissingSharesError):
        AkshareSource(client=FakeAK(), securities=master).shares("9988.HK")


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "yfinance", None)  # makes `import yfinance` fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'rerating\[live\]'"):
        import_client("yfinance")
    with pytest.raises(MissingDependencyError, match="rerating\\[live\\]"):
        get_source("yahoo")
    monkeypatch.setitem(sys.modules, "akshare", None)
    with pytest.raises(MissingDependencyError, match="akshare"):
        get_source("akshare")


def test_probe_fails_fast_without_network():
    import time

    t0 = time.monotonic()
    with pytest.raises(SourceUnavailableError, match="cannot reach"):
        probe("host.invalid", timeout=1.0)  # .invalid never resolves (RFC 2606)
    assert time.monotonic() - t0 < 5


def test_call_with_retry_passes_other_errors_once():
    calls = []

    def boom():
        calls.append(1)
        raise TimeoutError("read timed out")

    with pytest.raises(SourceUnavailableError, match="TimeoutError"):
        call_with_retry(boom, "x", retries=3, sleep=lambda s: None)
    assert len(calls) == 1


def test_cli_live_source_without_package(monkeypatch, capsys):
    from rerating.cli import main

    monkeypatch.setitem(sys.modules, "yfinance", None)
    code = main(["--securities", str(FIXTURE), "load", "NVDA", "--source", "yahoo"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "rerating[live]" in err[0]


@pytest.mark.live
def test_live_yahoo_nvda(master):
    bars = YahooSource(securities=master).bars("NVDA", "2025-01-21", "2025-01-31")
    assert bars.loc["2025-01-27", "close"] == pytest.approx(118.42, abs=0.01)


@pytest.mark.live
def test_live_akshare_hstech(master):
    bars = AkshareSource(securities=master).bars("HSTECH", "2025-01-20", "2025-02-07")
    assert len(bars) >= 10


