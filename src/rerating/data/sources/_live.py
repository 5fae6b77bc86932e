"""What the live sources share: lazy imports, a fast network probe, retries with backoff, clear errors."""

from __future__ import annotations

import importlib
import socket
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from rerating.errors import MissingDependencyError, RerateError, SourceUnavailableError

T = TypeVar("T")
OFFLINE_HINT = "use --source files --dir FOLDER (the files source) to load data offline"


def import_client(module: str) -> Any:
    """Import a provider package only when a live source is used."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"the {module} package is not installed (needed by the live data sources); "
            f"run `pip install 'rerating[live]'` or {OFFLINE_HINT}"
        ) from exc


def probe(host: str, port: int = 443, timeout: float = 3.0) -> None:
    """Fail fast when ``host`` cannot be reached (no network): a short TCP connect, nothing sent."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        raise SourceUnavailableError(f"cannot reach {host} ({exc.__class__.__name__}: {exc}); {OFFLINE_HINT}") from exc


def is_rate_limit(exc: BaseException) -> bool:
    """yfinance raises YFRateLimitError; HTTP clients say 429 / Too Many Requests."""
    text = f"{type(exc).__name__} {exc}".lower()
    return "ratelimit" in text.replace(" ", "") or "too many requests" in text or "429" in text


def call_with_retry(
    func: Callable[[], T],
    what: str,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``func``; on a rate limit wait ``backoff * 2**attempt`` seconds and try again.

    Any other failure (no network, timeout, provider error) raises :class:`SourceUnavailableError`
    at once, naming the ``files`` source; errors of rerating's own pass through unchanged.
    """
    for attempt in range(retries + 1):
        try:
            return func()
        except RerateError:
            raise
        except Exception as exc:  # provider packages raise anything: normalise to one error
            if is_rate_limit(exc) and attempt < retries:
                sleep(backoff * 2**attempt)
                continue
            reason = "rate-limited, retries exhausted" if is_rate_limit(exc) else f"{type(exc).__name__}: {exc}"
            raise SourceUnavailableError(f"{what} failed ({reason}); {OFFLINE_HINT}") from exc
    raise AssertionError("unreachable")  # pragma: no cover


class LiveSource:
    """What both live sources hold: the provider client, the security master, retry settings and
    the ledger of rows not kept. Subclasses set ``name``, ``client_module`` and ``host``."""

    name = ""
    client_module = ""
    host = ""

    def __init__(
        self,
        client: Any | None = None,
        securities: Any | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        non_session: Literal["raise", "drop"] = "drop",
    ) -> None:
        if client is None:
            client = import_client(self.client_module)
            probe(self.host)
        self.client = client
        self.securities = securities
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        self.non_session = non_session
        self._dropped: list[dict[str, object]] = []

    @property
    def dropped(self) -> Any:
        """Rows not kept: symbol, date, reason."""
        import pandas as pd

        return pd.DataFrame(self._dropped, columns=["symbol", "date", "reason"])
