"""The ``yahoo`` source: daily history (raw and adjusted closes) and shares via yfinance.

yfinance is imported only when this source is built (``pip install 'rerating[live]'``). Tests pass
a fake ``client`` that returns frames shaped exactly like yfinance's (tz-aware index named
``Date``, columns ``Open High Low Close Adj Close Volume``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd

from rerating._typing import DateLike
from rerating.data.securities import SecurityMaster
from rerating.data.sources import SHARES_COLUMNS
from rerating.data.sources._live import OFFLINE_HINT, LiveSource, call_with_retry
from rerating.data.sources.files import parse_bars
from rerating.errors import MissingDataError, MissingSharesError, SourceUnavailableError

HOST = "query1.finance.yahoo.com"
COLUMNS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Adj Close": "adj_close", "Volume": "volume"}


class YahooSource(LiveSource):
    """Bars and shares from Yahoo Finance.

    Parameters
    ----------
    client
        The ``yfinance`` module or a stand-in with ``Ticker(symbol)``; default: import yfinance
        and probe the network first (a 3-second connect) so an offline machine fails fast.
    securities
        Maps symbols to Yahoo tickers (``USDHKD`` -> ``HKD=X``) and gives calendars for the
        session check.
    retries, backoff, timeout, sleep
        Rate-limit retries (waits ``backoff * 2**attempt`` s), the per-request timeout (s).
    non_session
        Rows on dates that are not sessions of the listing's calendar: ``"drop"`` (default;
        recorded in :attr:`dropped`) or ``"raise"``.
    """

    name = "yahoo"
    client_module = "yfinance"
    host = HOST

    def __init__(
        self,
        client: Any | None = None,
        securities: SecurityMaster | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        non_session: Literal["raise", "drop"] = "drop",
    ) -> None:
        super().__init__(client, securities, retries, backoff, sleep, non_session)
        self.timeout = timeout

    def ticker(self, symbol: str) -> str:
        """The Yahoo ticker of ``symbol`` (from the security master; the symbol itself otherwise)."""
        if self.securities is None or symbol not in self.securities:
            return symbol
        sec = self.securities.get(symbol)
        if not sec.yahoo:
            raise MissingDataError(f"{sec.symbol} has no Yahoo ticker (Yahoo has no history for it); use --source akshare or files")
        return sec.yahoo

    def _calendar(self, symbol: str) -> str | None:
        if self.securities is None or symbol not in self.securities:
            return None
        sec = self.securities.get(symbol)
        return None if sec.kind == "fx" else sec.calendar

    def bars(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
        """Daily bars with raw (``close``) and dividend-adjusted (``adj_close``) closes.

        Raises
        ------
        SourceUnavailableError
            Offline, rate-limited past the retries, or Yahoo returned no rows.
        """
        tick = self.ticker(symbol)
        kwargs: dict[str, Any] = {"interval": "1d", "auto_adjust": False, "actions": False, "timeout": self.timeout}
        if start is not None:
            kwargs["start"] = pd.Timestamp(start).strftime("%Y-%m-%d")
        if end is not None:  # yfinance's end is exclusive
            kwargs["end"] = (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        raw = call_with_retry(
            lambda: self.client.Ticker(tick).history(**kwargs),
            f"Yahoo history for {tick}",
            retries=self.retries, backoff=self.backoff, sleep=self.sleep,
        )
        if raw is None or len(raw) == 0:
            # yfinance reports network failures and unknown tickers alike as an empty frame
            raise SourceUnavailableError(
                f"Yahoo returned no rows for {tick} ({kwargs.get('start', '...')}..{kwargs.get('end', '...')}): "
                f"offline, unknown ticker or no trading in range; {OFFLINE_HINT}"
            )
        frame = raw.rename(columns=COLUMNS)
        frame = frame[[c for c in COLUMNS.values() if c in frame.columns]]
        index = pd.DatetimeIndex(frame.index)
        # the index is midnight in the exchange's time zone: keep the local date, never convert to UTC
        dates = (index.tz_localize(None) if index.tz is not None else index).normalize()
        frame = frame.set_axis(dates.rename("date"), axis=0)
        empty = frame["close"].isna().to_numpy()
        for d in frame.index[empty]:
            self._dropped.append({"symbol": symbol, "date": d, "reason": "Yahoo row without a close"})
        frame = frame.loc[~empty]
        if frame.empty:
            raise SourceUnavailableError(f"Yahoo returned no closes for {tick}; {OFFLINE_HINT}")
        table = frame.reset_index()
        return parse_bars(table, f"yahoo:{tick}", is_csv=False, calendar=self._calendar(symbol),
                          non_session=self.non_session, symbol=symbol, dropped=self._dropped)

    def shares(self, symbol: str) -> pd.DataFrame:
        """Shares outstanding over time (``Ticker.get_shares_full``), last figure per day.

        Raises
        ------
        MissingSharesError
            Yahoo has no shares series for the ticker.
        """
        tick = self.ticker(symbol)
        series = call_with_retry(
            lambda: self.client.Ticker(tick).get_shares_full(start="2000-01-01"),
            f"Yahoo shares for {tick}",
            retries=self.retries, backoff=self.backoff, sleep=self.sleep,
        )
        if series is None or len(series) == 0:
            raise MissingSharesError(f"Yahoo has no shares-outstanding series for {tick}; add rows to shares.csv")
        s = pd.Series(series).dropna()
        index = pd.DatetimeIndex(s.index)
        days = (index.tz_localize(None) if index.tz is not None else index).normalize()
        s = pd.Series(s.to_numpy(dtype="float64"), index=days).groupby(level=0).last()
        s = s[s > 0]
        if s.empty:
            raise MissingSharesError(f"Yahoo's shares series for {tick} has no positive values")
        kind = self.securities.get(symbol).kind if self.securities is not None and symbol in self.securities else ""
        unit = "ADS-equivalent shares outstanding (Yahoo)" if kind == "adr" else "shares outstanding (Yahoo)"
        out = pd.DataFrame({
            "symbol": symbol,
            "as_of": s.index.astype("datetime64[ns]"),
            "shares": s.to_numpy(),
            "unit_note": unit,
            "source": f"yfinance Ticker({tick!r}).get_shares_full",
        })
        return out[list(SHARES_COLUMNS)].reset_index(drop=True)


