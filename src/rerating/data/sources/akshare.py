"""The ``akshare`` source: Hong Kong daily history, the Hang Seng TECH index (Sina daily endpoint),
A-shares, A-share indices and FX (Bank of China rates), via the akshare package.

akshare is imported only when this source is built (``pip install 'rerating[live]'``). Tests pass a
fake ``client`` returning frames shaped like akshare's: ``stock_hk_daily`` and the index endpoints
give English columns ``date open high low close volume`` (dates as ``datetime.date``),
``stock_zh_a_hist`` gives Chinese columns (日期 开盘 收盘 最高 最低 成交量 ...; volume in lots of 100
shares) and ``currency_boc_sina`` gives Bank of China rates per 100 units of foreign currency.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from rerating._typing import DateLike
from rerating.data.sources._live import OFFLINE_HINT, LiveSource, call_with_retry
from rerating.data.sources.files import parse_bars
from rerating.errors import MissingDataError, MissingSharesError, SourceUnavailableError

HOST = "finance.sina.com.cn"
A_SHARE_COLUMNS = {"日期": "date", "开盘": "open", "最高": "high", "最低": "low", "收盘": "close", "成交量": "volume"}
FX_NAMES = {"USD": "美元", "HKD": "港币"}
FX_MID = "央行中间价"  # the PBOC central parity, CNY per 100 units
# an empty answer is not only "offline": a suspended A-share has no rows (akshare leaves its
# suspended sessions out), and a range before the listing or during a closure has none either
NO_ROWS_CAUSES = "no trading in the range (a suspension, a closure, dates before the listing) or offline"


def _exchange_code(code: str, symbol: str, sec: Any) -> str:
    """The code ``stock_zh_index_daily`` wants: the exchange prefix and six digits (``sh000300``,
    ``sz399006``). A bare code (the master's ``akshare`` column holds ``000300``) gets ``sz`` for
    a Shenzhen listing (symbol ``.SZ`` or exchange XSHE), ``sh`` otherwise."""
    code = code.strip().lower()
    if re.fullmatch(r"\d{6}", code):
        shenzhen = symbol.endswith(".SZ") or (sec is not None and sec.exchange == "XSHE")
        return ("sz" if shenzhen else "sh") + code
    return code


class AkshareSource(LiveSource):
    """Bars from akshare (see the module docstring for the endpoints).

    Parameters
    ----------
    client
        The ``akshare`` module or a stand-in; default: import akshare and probe the network first.
    securities
        Gives each symbol's kind and calendar (which endpoint to use, the session check).
    retries, backoff, sleep
        Rate-limit retries (waits ``backoff * 2**attempt`` s).
    non_session
        ``"drop"`` (default; recorded in :attr:`dropped`) or ``"raise"``.
    """

    name = "akshare"
    client_module = "akshare"
    host = HOST

    def _call(self, name: str, what: str, **kwargs: Any) -> pd.DataFrame:
        func = getattr(self.client, name)
        frame = call_with_retry(lambda: func(**kwargs), f"akshare {name}({what})",
                                retries=self.retries, backoff=self.backoff, sleep=self.sleep)
        if frame is None or len(frame) == 0:
            raise SourceUnavailableError(
                f"akshare {name}({what}) returned no rows: {NO_ROWS_CAUSES}; {OFFLINE_HINT}"
            )
        return frame

    def bars(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
        """Daily bars of a Hong Kong stock, HSTECH/^HSI, an A-share, an A-share index, or USDCNY/USDHKD.

        ``adj_close`` is akshare's forward-adjusted (``qfq``) close for stocks and equals ``close``
        for indices; FX has none.
        """
        sym = symbol.upper()
        sec = self.securities.get(sym) if self.securities is not None and sym in self.securities else None
        if sec is not None:  # the master's spelling: 600519.SH, a bare 600519 or sh600519 is 600519.SS
            sym = sec.symbol
        kind = sec.kind if sec is not None else ""
        code = sec.akshare if sec is not None and sec.akshare else ""
        calendar = sec.calendar if sec is not None and kind != "fx" else None
        if kind == "fx" or re.fullmatch(r"USD(CNY|HKD)", sym):
            frame = self._fx(sym, start, end)
            calendar = None
        elif sym.endswith(".HK") and kind != "index":
            frame = self._hk_stock(code or f"{int(sym[:-3]):05d}")
        elif (kind == "index" and sec is not None and sec.calendar == "XHKG") or sym in ("HSTECH", "^HSI", "^HSCE"):
            frame = self._index(code or sym.lstrip("^"), "stock_hk_index_daily_sina")
        elif kind == "index" or sym in ("000300.SS", "000001.SS", "000688.SS", "399006.SZ"):
            frame = self._index(_exchange_code(code or sym[:6], sym, sec), "stock_zh_index_daily")
        elif re.fullmatch(r"\d{6}\.(SS|SZ)", sym):
            frame = self._a_share(sym[:6], start, end)
        else:
            raise MissingDataError(f"akshare has no endpoint here for {symbol!r} (US listings: use --source yahoo or files)")
        lo = pd.Timestamp(start) if start is not None else frame["date"].min()
        hi = pd.Timestamp(end) if end is not None else frame["date"].max()
        frame = frame[(frame["date"] >= lo) & (frame["date"] <= hi)]
        if frame.empty:
            raise SourceUnavailableError(
                f"akshare returned no rows for {symbol} in {lo.date()}..{hi.date()}: {NO_ROWS_CAUSES}; "
                f"{OFFLINE_HINT}"
            )
        return parse_bars(frame.reset_index(drop=True), f"akshare:{symbol}", is_csv=False, calendar=calendar,
                          non_session=self.non_session, symbol=sym, dropped=self._dropped)

    @staticmethod
    def _dated(frame: pd.DataFrame) -> pd.DataFrame:
        if "date" not in frame.columns:  # older akshare returns the dates as the index
            frame = frame.reset_index().rename(columns={"index": "date"})
        out = frame.assign(date=pd.to_datetime(frame["date"]).astype("datetime64[ns]"))
        return out.sort_values("date", kind="stable")

    def _hk_stock(self, code: str) -> pd.DataFrame:
        raw = self._dated(self._call("stock_hk_daily", code, symbol=code, adjust=""))
        adj = self._dated(self._call("stock_hk_daily", f"{code}, qfq", symbol=code, adjust="qfq"))
        out = raw[["date", "open", "high", "low", "close", "volume"]]
        return out.merge(adj[["date", "close"]].rename(columns={"close": "adj_close"}), on="date", how="left")

    def _index(self, code: str, endpoint: str) -> pd.DataFrame:
        raw = self._dated(self._call(endpoint, code, symbol=code))
        out = raw[["date", "open", "high", "low", "close", "volume"]]
        return out.assign(adj_close=out["close"])  # price indices: no dividends to adjust for

    def _a_share(self, code: str, start: DateLike | None, end: DateLike | None) -> pd.DataFrame:
        span = {
            "start_date": pd.Timestamp(start).strftime("%Y%m%d") if start is not None else "19900101",
            "end_date": pd.Timestamp(end).strftime("%Y%m%d") if end is not None else "20991231",
        }
        raw = self._call("stock_zh_a_hist", code, symbol=code, period="daily", adjust="", **span)
        adj = self._call("stock_zh_a_hist", f"{code}, qfq", symbol=code, period="daily", adjust="qfq", **span)
        out = raw.rename(columns=A_SHARE_COLUMNS)[list(A_SHARE_COLUMNS.values())]
        out = out.assign(date=pd.to_datetime(out["date"]).astype("datetime64[ns]"), volume=out["volume"] * 100)  # lots -> shares
        adj = adj.rename(columns=A_SHARE_COLUMNS)
        adj = adj.assign(date=pd.to_datetime(adj["date"]).astype("datetime64[ns]"))[["date", "close"]]
        return out.merge(adj.rename(columns={"close": "adj_close"}), on="date", how="left")

    def _boc_mid(self, currency: str, start: DateLike | None, end: DateLike | None) -> pd.Series:
        span = {
            "start_date": pd.Timestamp(start).strftime("%Y%m%d") if start is not None else "20000101",
            "end_date": pd.Timestamp(end).strftime("%Y%m%d") if end is not None else "20991231",
        }
        raw = self._call("currency_boc_sina", FX_NAMES[currency], symbol=FX_NAMES[currency], **span)
        mid = pd.to_numeric(raw[FX_MID], errors="coerce") / 100.0  # CNY per 1 unit
        s = pd.Series(mid.to_numpy(), index=pd.to_datetime(raw["日期"]).astype("datetime64[ns]")).sort_index()
        return s.dropna()

    def _fx(self, symbol: str, start: DateLike | None, end: DateLike | None) -> pd.DataFrame:
        usd = self._boc_mid("USD", start, end)
        if symbol == "USDCNY":
            rate = usd
        else:  # USDHKD = (CNY per USD) / (CNY per HKD), on dates both parities exist
            hkd = self._boc_mid("HKD", start, end)
            rate = (usd / hkd).dropna()
        if rate.empty:
            raise SourceUnavailableError(f"akshare returned no {symbol} parity values; {OFFLINE_HINT}")
        return pd.DataFrame({"date": rate.index, "close": rate.to_numpy()})

    def shares(self, symbol: str) -> pd.DataFrame:
        """akshare offers no shares-outstanding history here: always :class:`MissingSharesError`."""
        raise MissingSharesError(f"the akshare source has no shares-outstanding series for {symbol}; add rows to shares.csv")
