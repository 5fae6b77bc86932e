"""``EventStudy``: validate once, fit every event in chunks with the batched kernel, aggregate.

Data flow: :mod:`rerating.study.panel` turns user frames into flat arrays and day-0 rows;
:mod:`rerating.study.models` names the regressors; :func:`rerating.study.kernel.fit_chunk` fits a
chunk of events; :mod:`rerating.study.statistics` tests each group and window; the arrays are
wrapped in a read-only :class:`rerating.study.results.EventStudyResults`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import os
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import special

from rerating._typing import LeadLagPolicy, NonSessionPolicy, Window
from rerating.errors import (
    DataFormatError,
    MissingDataError,
    NoEventsLeftError,
    UnknownModelError,
    WindowError,
    did_you_mean,
)
from rerating.study import _compiled
from rerating.study import kernel as _kernel
from rerating.study._allocator import tune_allocator
from rerating.study.models import MarketModel, ModelName, NormalReturnModel, get_model
from rerating.study.panel import (
    NS_PER_DAY,
    RISK_FREE_SCALE_LIMIT,
    AlignedSeries,
    FlatReturns,
    NotPointwise,
    PanelView,
    RowsPanel,
    check_return_scale,
    column_labels,
    drop_repeated_day_zero,
    fill_session_gaps,
    flatten_returns,
    locate_day_zero,
    read_events,
    row_windows,
    suggest_symbols,
)
from rerating.study.results import EventStudyResults, window_label
from rerating.study.statistics import (
    CLUSTER_VALID,
    EVENT_TIME_TESTS,
    TESTS,
    RankBatch,
    TestResult,
    WindowSample,
    batch_rank_tests,
    cross_correlation_matrix,
    estimation_aar,
    finish_rank_batch,
    group_rows_cache,
    kp_adjustment,
    overlap_apart,
    pairwise_correlations,
    plan_rank_batch,
)

PARAMETRIC = (
    "cross_sectional_t",
    "brown_warner_cda",
    "patell",
    "adj_patell",
    "bmp",
    "adj_bmp",
    "skewness_adjusted_t",
)
NONPARAMETRIC = ("corrado", "corrado_zivney", "generalized_sign", "wilcoxon", "grank")
RBAR_MAX_EVENTS = 200  # r̄ from at most this many events per group (a hash-chosen subsample)
# above RBAR_MAX_EVENTS, r̄ comes from every event (_calendar_sums) for a group of listings of at
# most this many markets (lead-lag terms: one product per ordered pair of markets)
RBAR_MAX_MARKETS = 8
RBAR_MIN_OVERLAP = 30  # common estimation dates needed for a pair's correlation
RBAR_BETWEEN_MAX_GROUPS = 64  # r̄ across groups for any pair of at most this many groups
_SUMS_KEPT_BYTES = 64 * 2**20  # the groups' calendar sums kept for compare(), at most
KERNEL_BLOCK = 2048  # events per kernel call at most (see _fit)


def _check_window(w: object, what: str) -> Window:
    ok = (
        isinstance(w, (tuple, list))
        and len(w) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in w)
    )
    if not ok or w[0] > w[1]:  # type: ignore[index]
        raise WindowError(
            f"{what} must be a pair of session offsets (start, end) with start <= end, got {w!r}; "
            "e.g. (-250, -11) or (0, 5)"
        )
    return (int(w[0]), int(w[1]))  # type: ignore[index]


def resolve_tests(tests: str | Sequence[str]) -> tuple[str, ...]:
    """Expand ``"all"``, ``"parametric"``, ``"nonparametric"``, one name or a list of names."""
    if isinstance(tests, str):
        if tests == "all":
            return tuple(TESTS)
        if tests == "parametric":
            return PARAMETRIC
        if tests == "nonparametric":
            return NONPARAMETRIC
        if tests == "none":
            return ()
        tests = [t.strip() for t in tests.split(",") if t.strip()]
    out = []
    for t in tests:
        if t not in TESTS:
            raise UnknownModelError(
                f"unknown test {t!r}{did_you_mean(str(t), TESTS)}; valid: {', '.join(TESTS)}, "
                "or 'all', 'parametric', 'nonparametric'"
            )
        if t not in out:
            out.append(t)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _bundled_master() -> object | None:
    """The bundled security master, read once per process (a package file: it does not change)."""
    try:
        from rerating.data.securities import load_securities

        return load_securities()
    except (ImportError, AttributeError, OSError):
        return None


class _CalendarLookup:
    """symbol -> exchange_calendars name: the user's mapping, then the security master (lazily)."""

    def __init__(self, calendars: Mapping[str, str] | None) -> None:
        self._given = dict(calendars or {})
        self._master: object | None = None
        self._tried = False

    def master(self) -> object | None:
        if not self._tried:
            self._tried = True
            self._master = _bundled_master()
        return self._master

    def security(self, symbol: str) -> object | None:
        m = self.master()
        if m is None:
            return None
        # a whole market's listings may be unknown to the master: no error, no close matches
        return m.lookup(symbol)  # type: ignore[attr-defined,no-any-return]

    def get(self, symbol: str, default: str | None = None) -> str | None:
        if symbol in self._given:
            return self._given[symbol]
        if symbol not in _MASTER_CALENDARS:
            if len(_MASTER_CALENDARS) > 200_000:  # a bound on what many studies' symbols keep
                _MASTER_CALENDARS.clear()
            sec = self.security(symbol)
            _MASTER_CALENDARS[symbol] = getattr(sec, "calendar", None) or None
        return _MASTER_CALENDARS[symbol] or default

    def get_many(self, symbols: list[str]) -> list[str | None]:
        """:meth:`get` of each symbol: one lookup of the process's table for all of them (not a
        method call each) when the user gave no calendars and every symbol was seen before."""
        if not self._given:
            # the table holds a calendar name or None (never ""): what get() returns
            names: list = list(map(_MASTER_CALENDARS.get, symbols, itertools.repeat(_UNSEEN)))
            if not names.count(_UNSEEN):
                return names
        return [self.get(symbol) for symbol in symbols]


_UNSEEN = object()  # a symbol not in _MASTER_CALENDARS yet

# symbol -> the bundled master's calendar (None: unknown), for every fit of the process: the
# master does not change, and a whole market's symbols are looked up on each fit
_MASTER_CALENDARS: dict[str, str | None] = {}


class EventStudy:
    """An event study: normal-return model, windows, tests; :meth:`fit` runs it.

    Parameters
    ----------
    returns : DataFrame
        Long ``symbol, date, ret`` (each row a session of that listing; NaN = missing data) or
        wide ``date x symbol`` (NaN = not a session of that listing). Simple returns. When a
        listing's calendar is known (``calendars``, else the security master), a session of it
        between its first and last return without one (a NaN cell, an absent row: a suspension)
        is a missing return, not a skipped session; a long frame's ``span`` > 1 rows
        (``gap_policy="multi_day"``) are missing returns too.
    events : DataFrame
        ``event_id, symbol, date | timestamp [, group]``. A ``timestamp`` (ISO 8601 with zone) maps
        to day 0 = the first session of the listing's calendar closing after it.
    market_returns : DataFrame or Series, optional
        Benchmark returns, ``date x benchmark``; aligned to each security's own dates.
    benchmarks : mapping or str, optional
        ``symbol -> market_returns column``, or one column for all. Default: the only column, else
        each listing's default benchmark from the security master.
    model : str or NormalReturnModel
        ``"mean_adjusted"``, ``"market_adjusted"``, ``"market"``, ``"capm"``, ``"factor"``,
        ``"scholes_williams"``, ``"dimson"``, or an instance (``Dimson(lags=2)``,
        ``MarketModel(foreign_lag=("^GSPC", 1))``).
    estimation_window : (int, int)
        Sessions relative to day 0, inclusive; must not overlap any event window.
    event_windows : sequence of (int, int)
        Inclusive session windows, e.g. ``((0, 0), (-1, 1), (0, 5))``.
    min_estimation : int, optional
        Minimum usable estimation sessions; default half the estimation window (and at least the
        number of parameters + 3, which the Patell variance needs).
    min_window_share : float
        Share of each event window's sessions that need a return (missing data in a long frame,
        e.g. a trading suspension under ``gap_policy="drop"``). ``1.0`` (default): an event with
        any missing return in its event span is dropped. Below 1, an event is kept when every
        window has at least ``ceil(share x length)`` sessions with a return and a return on day 0
        (when day 0 is in the event span: windows such as (1, 3) do not need it); its CAR and BHAR are over those sessions and the CAR's variance is Campbell, Lo &
        MacKinlay's over the same rows (the missing days' ARs are NaN).
    factors : DataFrame, optional
        Factor returns ``date x factor`` for ``model="factor"``; each column its own name. Other
        models do not read them, and the results' warnings say so.
    risk_free : Series, optional
        Per-session risk-free return by date (CAPM; factor models use excess returns when given).
        Other models do not read it, and the results' warnings say so.
    tests : str or sequence of str
        Test names (see :data:`rerating.study.statistics.TESTS`), ``"all"``, ``"parametric"``,
        ``"nonparametric"`` or ``"none"``.
    non_session : {"next", "previous", "skip", "raise"}
        What a date that is not a session of the listing becomes.
    calendars : mapping, optional
        ``symbol -> exchange_calendars name``; else the security master's.
    chunk_size : int
        At most this many events are gathered and fitted at a time (bounds memory). The engine
        also caps a kernel call at ``KERNEL_BLOCK`` (2,048) events, which is faster; results
        never depend on either.
    workers : int, optional
        Threads for one fit (default: 2, or 1 on a one-core machine). With two or more, the
        rank tests (which sort events x sessions matrices) run in a helper thread while the
        caller's thread computes r̄ and the other tests. Results never depend on it.
    lead_lag : {"markets", "all", "none"}
        Which pairs of events add their residuals' correlation one session apart to r̄ (see
        docs/STUDY.md): ``"markets"`` (default) pairs of listings in different markets (Hong Kong
        trades on New York's news a session later), a listing's market being its calendar when
        ``calendars`` names every listing, else its benchmark; ``"all"`` every pair (thin
        trading); ``"none"`` same-date correlation only, as Kolari & Pynnönen (2010).
    """

    def __init__(
        self,
        returns: pd.DataFrame,
        events: pd.DataFrame,
        *,
        market_returns: pd.DataFrame | pd.Series | None = None,
        benchmarks: Mapping[str, str] | str | None = None,
        model: ModelName | str | NormalReturnModel = "market",
        estimation_window: Window = (-250, -11),
        event_windows: Sequence[Window] = ((0, 0), (-1, 1)),
        min_estimation: int | None = None,
        min_window_share: float = 1.0,
        factors: pd.DataFrame | None = None,
        risk_free: pd.Series | None = None,
        tests: str | Sequence[str] = "all",
        non_session: NonSessionPolicy = "next",
        calendars: Mapping[str, str] | None = None,
        chunk_size: int = 20_000,
        workers: int | None = None,
        lead_lag: LeadLagPolicy = "markets",
    ) -> None:
        self.returns = returns
        self.events = events
        self.market_returns = market_returns
        self.benchmarks = benchmarks
        self.model = get_model(model)
        self.estimation_window = _check_window(estimation_window, "estimation_window")
        if (
            isinstance(event_windows, tuple)
            and len(event_windows) == 2
            and all(isinstance(v, (int, np.integer)) for v in event_windows)
        ):
            event_windows = (event_windows,)  # type: ignore[assignment]
        wins = tuple(_check_window(w, "event window") for w in event_windows)
        if not wins:
            raise WindowError("event_windows is empty; pass at least one window such as (0, 0)")
        if len(set(wins)) != len(wins):
            raise WindowError(f"event_windows has duplicates: {wins}; list each window once")
        self.event_windows = wins
        e1, e2 = self.estimation_window
        lo = min(a for a, _ in wins)
        hi = max(b for _, b in wins)
        if not (e2 < lo or e1 > hi):
            raise WindowError(
                f"estimation_window {self.estimation_window} overlaps the event windows "
                f"(span [{lo}, {hi}]); end the estimation window before {lo}, e.g. "
                f"({lo - 250}, {lo - 10})"
            )
        length = e2 - e1 + 1
        if length < 3:
            raise WindowError(
                f"estimation_window {self.estimation_window} has {length} sessions; use at least "
                "3 (30 or more in practice; the default is (-250, -11))"
            )
        if min_estimation is not None and (
            not isinstance(min_estimation, (int, np.integer)) or not 1 <= min_estimation <= length
        ):
            raise WindowError(
                f"min_estimation={min_estimation!r} must be an integer in 1..{length} (the "
                f"estimation window's length)"
            )
        self.min_estimation = min_estimation
        if (
            isinstance(min_window_share, bool)
            or not isinstance(min_window_share, (int, float, np.integer, np.floating))
            or not 0.0 < float(min_window_share) <= 1.0
        ):
            raise WindowError(
                f"min_window_share={min_window_share!r} must be a share in (0, 1], e.g. 0.8 for "
                "at least 8 of a window's 10 sessions with a return (1: all of them)"
            )
        self.min_window_share = float(min_window_share)
        self.factors = factors
        self.risk_free = risk_free
        self.tests = resolve_tests(tests)
        if non_session not in ("next", "previous", "skip", "raise"):
            raise WindowError(
                f"non_session={non_session!r} is not a policy; valid: next, previous, skip, raise"
            )
        self.non_session = non_session
        self.calendars = dict(calendars or {})
        if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise WindowError(f"chunk_size must be a positive integer, got {chunk_size!r}")
        self.chunk_size = int(chunk_size)
        if workers is None:
            workers = min(2, _cpu_count())
        if not isinstance(workers, (int, np.integer)) or workers < 1:
            raise WindowError(f"workers must be a positive integer, got {workers!r}")
        self.workers = int(workers)
        if lead_lag not in ("markets", "all", "none"):
            raise WindowError(
                f"lead_lag={lead_lag!r} is not a policy; valid: markets, all, none"
            )
        self.lead_lag = lead_lag

    # --- input alignment ------------------------------------------------------------------

    def _market_frame(self) -> pd.DataFrame | None:
        m = self.market_returns
        if m is None:
            return None
        if isinstance(m, pd.Series):
            return m.to_frame(name=str(m.name) if m.name is not None else "market")
        if isinstance(m, pd.DataFrame):
            return m
        raise DataFormatError(
            f"market_returns must be a DataFrame (date x benchmark) or a Series, got {type(m).__name__}"
        )

    def _benchmark_of(
        self, symbols: Sequence[str], mf: pd.DataFrame, cal: _CalendarLookup
    ) -> tuple[np.ndarray, np.ndarray]:
        """The benchmark columns (ascending) and each symbol's position among them.

        Raises
        ------
        MissingDataError
            A symbol has no benchmark, or its benchmark is not a column of ``mf``.
        DataFormatError
            A symbol's benchmark names several columns of ``mf``.
        """
        cols = column_labels(mf)

        def check(col: str, s: str, count: int) -> None:
            """Refuse a benchmark ``col`` of ``s`` unless it names one column (``count``: how many)."""
            if count > 1:
                raise DataFormatError(
                    f"benchmark {col!r} of {s} names {count} columns of market_returns "
                    f"(columns: {cols}); which is the benchmark cannot be told: give each column "
                    "its own name"
                )
            if col not in cols:
                raise MissingDataError(
                    f"benchmark {col!r} of {s} is not a column of market_returns "
                    f"(columns: {cols}){did_you_mean(col, cols)}; add its returns or choose another "
                    "benchmark"
                )

        b = self.benchmarks
        if isinstance(b, str) and symbols:
            # one benchmark for all: checked once (as for the first symbol), no per-symbol work
            check(b, symbols[0], cols.count(b))
            return np.array([b]), np.zeros(len(symbols), dtype=np.intp)
        counts = Counter(cols)  # a name given twice cannot say which column is the benchmark
        out: list[str] = []
        for s in symbols:
            if isinstance(b, str):
                col = b
            elif isinstance(b, Mapping):
                if s not in b:
                    raise MissingDataError(
                        f"benchmarks has no entry for {s}; add {s!r}: '<column>' (columns: {cols})"
                    )
                col = b[s]
            elif len(cols) == 1:
                col = cols[0]
            else:
                sec = cal.security(s)
                col = getattr(sec, "benchmark", "") if sec is not None else ""
                if not col:
                    raise MissingDataError(
                        f"no benchmark for {s}: market_returns has several columns {cols} and the "
                        f"security master has no default for {s}; pass benchmarks={{'{s}': '<column>'}}"
                    )
            check(col, s, counts[col])
            out.append(col)
        return np.unique(out, return_inverse=True)  # type: ignore[no-any-return]

    # --- fit ------------------------------------------------------------------------------

    def fit(self) -> EventStudyResults:
        """Estimate every event's model, compute AR/CAR/BHAR and the tests; return the results.

        Returns
        -------
        EventStudyResults
            ``ar``, ``car``, ``bhar``, ``caar``, ``tests``, and ``dropped``: the ledger of events
            left out and why.

        Raises
        ------
        NoEventsLeftError
            Every event was dropped (the message summarises the ledger).
        MissingDataError
            ``returns`` have no data for any event symbol, or the model needs benchmark returns
            and ``market_returns`` is not given.
        EventFormatError
            ``events`` is malformed (a missing column, a timestamp without a zone, an
            (event_id, symbol) pair twice).
        DataFormatError
            Returns, ``risk_free`` or ``factors`` are not in the documented layout, or look like
            percent rather than decimal returns.
        WindowError
            The estimation window is too short for the model's parameters, or ``min_estimation``
            is below their number + 3.
        """
        tune_allocator()  # once per process: reuse freed array memory instead of re-faulting it
        ev = read_events(self.events)
        wanted = set(ev.symbols.tolist())
        rets = self.returns
        labels = None
        if isinstance(rets, pd.DataFrame):
            if "symbol" in rets.columns:
                rets = rets[rets["symbol"].astype(str).isin(wanted)]
                empty = rets.size == 0
            else:  # wide: flatten_returns gathers the event symbols' columns (no frame copy)
                labels = column_labels(rets)  # read once, for flatten_returns too
                empty = rets.index.size == 0 or not any(map(wanted.__contains__, labels))
            if empty:
                raise MissingDataError(
                    f"returns have no data for any event symbol ({sorted(wanted)[:5]}...); check "
                    "the symbols (canonical forms: NVDA, 9988.HK, ^HSI)"
                )
        flat = flatten_returns(
            rets,
            symbols=wanted
            if isinstance(rets, pd.DataFrame) and "symbol" not in rets.columns
            else None,
            labels=labels,
        )
        check_return_scale(flat.ret, "returns")
        cal = _CalendarLookup(self.calendars)
        flat = fill_session_gaps(flat, cal)
        d0 = drop_repeated_day_zero(flat, ev, locate_day_zero(flat, ev, cal, self.non_session))
        if isinstance(self.returns, pd.DataFrame):
            suggest_symbols(d0, ev, self.returns)

        mf = self._market_frame()
        market: list[AlignedSeries] | None = None
        col_of_sym: np.ndarray | None = None
        if mf is not None and (self.model.needs_market or self.benchmarks is not None):
            cols, col_of_sym = self._benchmark_of(flat.symbols.tolist(), mf, cal)
            market = [
                AlignedSeries(flat, mf[col], f"market_returns[{str(col)!r}]")
                for col in cols.tolist()
            ]
        elif self.model.needs_market:
            raise MissingDataError(
                f"model={self.model.name!r} needs benchmark returns: pass market_returns= "
                "(date x benchmark DataFrame or a Series), or use model='mean_adjusted'"
            )
        rf = None
        if self.risk_free is not None:
            r = self.risk_free
            if isinstance(r, pd.DataFrame) and r.shape[1] == 1:
                r = r.iloc[:, 0]
            if not isinstance(r, pd.Series):
                raise DataFormatError(
                    "risk_free must be a Series of per-session returns indexed by date"
                )
            _require_daily(r, "risk_free")
            rf = AlignedSeries(flat, r, "risk_free returns", RISK_FREE_SCALE_LIMIT)
        fac = None
        if self.factors is not None:
            if not isinstance(self.factors, pd.DataFrame) or self.factors.shape[1] == 0:
                raise DataFormatError(
                    "factors must be a DataFrame (date x factor) with at least one column"
                )
            _require_daily(self.factors, "factors")
            names = [str(c) for c in self.factors.columns.tolist()]
            twice = sorted({c for c in names if names.count(c) > 1})
            if twice:
                raise DataFormatError(
                    f"factors has the column name(s) {twice} more than once (columns: {names}); "
                    "which is the factor cannot be told: give each factor column its own name"
                )
            fac = (
                [AlignedSeries(flat, self.factors[c], f"factors[{str(c)!r}]") for c in self.factors.columns],
                tuple(str(c) for c in self.factors.columns),
            )
        design = _DesignSource(self.model, flat, market, col_of_sym, rf, fac, mf, cal)
        method = self.model.fit_method
        k_params = len(design.param_names)
        e1, e2 = self.estimation_window
        l1 = e2 - e1 + 1
        min_est = self.min_estimation if self.min_estimation is not None else math.ceil(l1 / 2)
        if min_est < k_params + 3:
            if self.min_estimation is not None:
                raise WindowError(
                    f"min_estimation={min_est} is too small for model {self.model.name!r} with "
                    f"{k_params} parameters; use at least {k_params + 3}"
                )
            min_est = k_params + 3
        if l1 < min_est:
            raise WindowError(
                f"estimation_window {self.estimation_window} ({l1} sessions) is too short for "
                f"{k_params} parameters; use at least {min_est} sessions"
            )
        market_of_sym = self._markets(flat, col_of_sym)
        return _fit(self, ev, flat, d0, design, method, k_params, min_est, market_of_sym)

    def _markets(self, flat: FlatReturns, col_of_sym: np.ndarray | None) -> np.ndarray | None:
        """Market code of each listing of ``flat`` for the lead-lag terms of r̄; ``None`` when
        they are off or every listing is in one market."""
        if self.lead_lag == "none":
            return None
        if self.lead_lag == "all":
            return np.arange(len(flat.symbols))  # every listing its own market
        symbols = flat.symbols.tolist()  # str already
        if symbols and all(s in self.calendars for s in symbols):
            from rerating.data.calendars import calendar_name

            names = {c: calendar_name(c) for c in set(self.calendars[s] for s in symbols)}
            codes = np.unique([names[self.calendars[s]] for s in symbols], return_inverse=True)[1]
        elif col_of_sym is not None:
            codes = np.asarray(col_of_sym)
        else:
            return None
        # several markets: codes not all equal (no sort of every listing's code to count them)
        return codes if codes.size and (codes != codes[0]).any() else None


@functools.cache
def _cpu_count() -> int:
    """``os.cpu_count()``, read once: it reads ``/sys`` on each call (~50 us, 1% of a 500-event
    fit)."""
    return os.cpu_count() or 1


def _require_daily(values: pd.DataFrame | pd.Series, what: str) -> None:
    """Refuse factors that :func:`~rerating.data.factors.read_factors` found monthly (or weekly,
    annual): a daily study would drop every event for "missing factor data" or a per-session
    scale. Frames built by hand carry no ``frequency`` and are judged by their values alone."""
    if values.attrs.get("frequency") not in (None, "daily", "unknown"):
        from rerating.data.factors import require_daily

        require_daily(values, what)


class _DesignSource:
    """The model's design (offset, X) at any rows, built per chunk when the model allows it.

    Models that read only date-wise columns (benchmark, risk-free, factors) are evaluated on the
    rows a chunk needs (:class:`RowsPanel`); models with lags, leads or a foreign market get the
    full-panel :class:`PanelView` once, and chunks gather from it.
    """

    def __init__(  # type: ignore[no-untyped-def]
        self, model, flat: FlatReturns, market, col_of_sym, rf, fac, mf, cal
    ) -> None:
        self.model = model
        self.flat = flat
        self._args = (market, col_of_sym, rf, fac)
        self._full = None
        try:
            probe = model.design(RowsPanel(flat, np.empty(0, dtype=np.int64), *self._args))
        except (NotPointwise, AttributeError):  # lags/leads/foreign, or a custom model's needs
            m_full = None
            if market is not None:
                m_full = flat.market_at(market, col_of_sym, np.arange(flat.n_rows))
            rf_full = None if rf is None else rf.at(np.arange(flat.n_rows))
            fac_full = None
            if fac is not None:
                fac_full = (
                    np.column_stack([c.at(np.arange(flat.n_rows)) for c in fac[0]]),
                    fac[1],
                )
            probe = model.design(PanelView(flat, m_full, rf_full, fac_full, mf, cal))
            self._full = probe
        self.param_names = probe.param_names
        self.regressor_labels = probe.regressor_labels
        # the market model's design is (1, R_m): the kernel can take R_m alone and imply the
        # constant, so no (rows x 2) design with a column of ones is built and checked
        self.line = self._full is None and type(model) is MarketModel and model.foreign_lag is None

    @property
    def risk_free(self) -> AlignedSeries | None:
        """The risk-free series, when the study has one."""
        return self._args[2]  # type: ignore[no-any-return]

    def market_at(
        self, rows: np.ndarray, flat_rows: np.ndarray | None = None, length: int | None = None
    ) -> np.ndarray:
        """The benchmark return at ``rows`` (any shape), shaped ``rows.shape + (1,)``.

        ``length``: at the windows of ``length`` rows from each of ``rows`` (1-D, each window in
        one listing; see :meth:`FlatReturns.market_at`), shaped ``(rows.size, length, 1)``.
        """
        market, col_of_sym = self._args[0], self._args[1]
        if length is not None:
            return self.flat.market_at(market, col_of_sym, rows, length)[:, :, None]
        if flat_rows is None:
            flat_rows = rows.reshape(-1)
        return self.flat.market_at(market, col_of_sym, flat_rows).reshape(*rows.shape, 1)

    def at(
        self, rows: np.ndarray, flat_rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(offset, X)`` at ``rows`` (any shape): shapes ``rows.shape`` and ``rows.shape + (K,)``.

        ``flat_rows``: ``rows.reshape(-1)`` when the caller has it (lookups by the same array
        object are cached by the panel).
        """
        if self._full is not None:
            return self._full.offset.take(rows), np.take(self._full.X, rows, axis=0)
        if flat_rows is None:
            flat_rows = rows.reshape(-1)
        d = self.model.design(RowsPanel(self.flat, flat_rows, *self._args))
        return (
            np.asarray(d.offset).reshape(rows.shape),
            d.X.reshape(*rows.shape, d.X.shape[1]),
        )


def _fit(study, ev, flat, d0, design, method, k_params, min_est, market_of_sym=None) -> EventStudyResults:  # type: ignore[no-untyped-def]
    """Fit the located events chunk by chunk, then aggregate per group and window."""
    e1, e2 = study.estimation_window
    wins = study.event_windows
    wmin = min(a for a, _ in wins)
    wmax = max(b for _, b in wins)
    est_off = np.arange(e1, e2 + 1)
    evt_off = np.arange(wmin, wmax + 1)
    l1, l2 = est_off.size, evt_off.size
    win_idx = np.array([(a - wmin, b - wmin) for a, b in wins], dtype=np.int64)
    share = study.min_window_share
    # sessions with a return each window needs (rounding so that 0.8 x 10 is 8, not 9)
    need_obs = [max(1, math.ceil(share * (b - a + 1) - 1e-9)) for a, b in wins]
    ret_flat = flat.ret
    n_rows = flat.n_rows

    n_ev = ev.event_id.size
    reason = d0.reason.copy()
    cand = np.flatnonzero(d0.row >= 0)
    keep_parts: list[np.ndarray] = []
    # outputs are written into arrays sized for every candidate event (one copy, no concatenate)
    store: dict[str, np.ndarray] = {}
    cursor = [0]
    # estimation sessions with a return but no factor value, and all with a return (factor models)
    factor_gaps = [0, 0]

    def put(name: str, values: np.ndarray, ok: np.ndarray, all_ok: bool) -> None:
        part = values if all_ok else values[ok]
        if name not in store:
            if part.shape[0] == cand.size:  # one chunk holds every event: keep it, no copy
                store[name] = part
                return
            store[name] = np.empty((cand.size, *part.shape[1:]), dtype=part.dtype)
        store[name][cursor[0] : cursor[0] + part.shape[0]] = part

    def gather(
        first: np.ndarray, length: int, ok: np.ndarray | None, line: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw return, model return (after the offset) and regressors at ``length`` rows from
        each of ``first`` (clipped to the data), NaN where not ``ok``.

        ``ok`` None: every window lies in its event's listing (most chunks), so each is a slice
        of the flat arrays (:func:`row_windows`), with no (events x sessions) row array and no
        masking pass. ``line``: the market model's regressors without the constant (see
        ``_DesignSource.line``).
        """
        rows = None
        if ok is None:
            raw = row_windows(ret_flat, first, length)
        else:
            rows = np.clip(first[:, None] + np.arange(length), 0, n_rows - 1)
            raw = ret_flat.take(rows)
        if line:
            x = design.market_at(first, length=length) if rows is None else design.market_at(rows)
            y = raw  # no offset (raw - 0.0 is raw); neither array is written in place
        else:
            if rows is None:
                rows = first[:, None] + np.arange(length)
            # one flat object: the panel caches the design's lookups by identity
            off, x = design.at(rows, rows.reshape(-1))
            with np.errstate(invalid="ignore"):  # inf - inf: such rows are flagged below
                y = raw - off
        if ok is not None and not ok.all():
            raw = np.where(ok, raw, np.nan)
            y = np.where(ok, y, np.nan)
            x = np.where(ok[:, :, None], x, np.nan)
        return raw, y, x

    def run(idx: np.ndarray) -> None:
        """Gather, check and fit one chunk of events; append what survives to ``out``."""
        g = d0.row[idx]
        c = flat.code_at(g)
        p = g - flat.start[c]
        ln = flat.length[c]
        est_ok = None
        if not bool(((p + e1 >= 0) & (p + e2 < ln)).all()):
            # some estimation window runs past its listing's rows (usually none does: then no
            # (events x sessions) mask or clipping pass)
            est_pos = p[:, None] + est_off
            est_ok = (est_pos >= 0) & (est_pos < ln[:, None])
        evt_pos = p[:, None] + evt_off
        evt_ok = (evt_pos >= 0) & (evt_pos < ln[:, None])
        evt_in = bool(evt_ok.all())
        evt_rows = np.clip(g[:, None] + evt_off, 0, n_rows - 1)

        def est_rows_of(j: int) -> np.ndarray:
            return np.clip(g[j] + est_off, 0, n_rows - 1)  # type: ignore[no-any-return]

        # the constant is left to the kernel only when every event window lies in the data (a
        # chunk with a window outside it keeps the full design, whose constant is NaN there)
        line = design.line and evt_in
        raw_e, y_e, x_e = gather(g + e1, l1, est_ok, line)
        raw_v, y_v, x_v = gather(g + wmin, l2, None if evt_in else evt_ok, line)
        # the factor columns only: a benchmark's or foreign market's gaps are not the factors'
        fcols = [
            k
            for k, lab in enumerate(design.regressor_labels[1:] if line else design.regressor_labels)
            if lab.startswith("factor ")
        ]
        if study.factors is not None and fcols:
            has_ret = np.isfinite(raw_e)
            factor_gaps[0] += int((has_ret & ~np.isfinite(x_e[:, :, fcols]).all(axis=2)).sum())
            factor_gaps[1] += int(has_ret.sum())
        # inf anywhere in the chunk's windows (the checks below are no-ops without one)
        # (a finite sum proves an array has neither inf nor NaN: one reduction, no mask)
        row_sums = None
        if line:
            # the line fit's row sums of the estimation window are such sums: formed once here,
            # for this check and the kernel (y_e is raw_e: the market model has no offset)
            with np.errstate(invalid="ignore", over="ignore"):
                sums = (raw_e.sum(axis=1), x_e[:, :, 0].sum(axis=1))
            if np.isfinite(sums[0]).all() and np.isfinite(sums[1]).all():
                row_sums = sums
        has_inf = any(
            not _kernel.all_finite(a) and bool(np.isinf(a).any())
            for a in {id(a): a for a in (raw_e, raw_v, y_e, y_v, x_e, x_v)}.values()
            if row_sums is None or (a is not raw_e and a is not x_e)
        )

        why = np.full(idx.size, "", dtype=object)
        # events without a reason yet: kept as booleans, not compared with "" on each flag
        unset = np.ones(idx.size, dtype=bool)
        day0 = -wmin  # column of day 0 in the event span (may be outside the span)

        def flag(mask: np.ndarray, text) -> None:  # type: ignore[no-untyped-def]
            hit = mask & unset
            if hit.any():
                for j in np.flatnonzero(hit):
                    why[j] = text(j) if callable(text) else text
                unset[hit] = False

        flag(
            ~evt_ok.all(axis=1),
            lambda j: (
                f"event window outside the data: sessions [{wmin}, {wmax}] around "
                f"{pd.Timestamp(flat.dates_at(g[j])).date()} run past {flat.symbols[c[j]]}'s returns"
            ),
        )
        if has_inf:
            inf_e = np.isinf(raw_e).any(axis=1) | np.isinf(raw_v).any(axis=1)
            flag(inf_e, "non-finite (inf) return in the estimation or event window")
        if 0 <= day0 < l2:
            flag(
                np.isnan(raw_v[:, day0]),
                lambda j: f"missing day 0: no return on {pd.Timestamp(flat.dates_at(g[j])).date()}",
            )
        nan_v = np.isnan(raw_v)

        def first_missing(j: int, cols: np.ndarray) -> str:
            t = int(cols[np.argmax(nan_v[j, cols])])
            return str(pd.Timestamp(flat.dates_at(evt_rows[j, t])).date())

        if share >= 1.0:  # every session of the span needs its return (the default)
            flag(
                nan_v.any(axis=1),
                lambda j: "missing return in the event window: "
                + first_missing(j, np.arange(l2))
                + " has none",
            )
        else:  # each window needs ceil(share x its length) sessions with a return
            for (a, b), need in zip(win_idx, need_obs, strict=True):
                have = (b - a + 1) - nan_v[:, a : b + 1].sum(axis=1)
                flag(
                    have < need,
                    lambda j, a=a, b=b, need=need, have=have: (
                        f"missing returns in the event window: {int(have[j])} of {b - a + 1} "
                        f"sessions of {window_label((a + wmin, b + wmin))} have one (first "
                        f"missing {first_missing(j, np.arange(a, b + 1))}), min_window_share="
                        f"{share:g} needs {need}"
                    ),
                )
        # a session without a return needs no benchmark or factor either; Scholes-Williams's
        # lagged and led benchmark (columns 2, 3) enter its fit only, not the abnormal return
        x_ar = x_v[:, :, :2] if method == "scholes_williams" else x_v
        bad_x = ~np.isfinite(y_v) | (~np.isfinite(x_ar).all(axis=2) if x_ar.shape[2] else False)
        bad_x &= ~nan_v
        labels = design.regressor_labels[1:] if line else design.regressor_labels

        def xmsg(j: int) -> str:
            t = int(np.argmax(bad_x[j]))
            date = pd.Timestamp(flat.dates_at(evt_rows[j, t])).date()
            bad_cols = [labels[k] for k in range(x_v.shape[2]) if not np.isfinite(x_v[j, t, k])]
            what = ", ".join(bad_cols) if bad_cols else "benchmark or risk-free"
            rf = design.risk_free  # excess returns and regressors are NaN without it
            if rf is not None and not np.isfinite(rf.at(evt_rows[j, t : t + 1])[0]):
                return f"missing risk-free data in the event window: risk-free return on {date}"
            if np.isinf(x_v[j, t]).any() or np.isinf(y_v[j, t]):  # a value, but not a number
                return f"non-finite (inf) benchmark or factor return: {what} on {date}, in the event window"
            kind = "factor" if bad_cols and all(c.startswith("factor ") for c in bad_cols) else "benchmark"
            return f"missing {kind} data in the event window: {what} return on {date}"

        flag(bad_x.any(axis=1), xmsg)
        if has_inf:
            inf_x = np.isinf(x_e).any(axis=(1, 2)) if x_e.shape[2] else np.zeros(idx.size, bool)
            flag(inf_x, "non-finite (inf) benchmark or factor return")
            y_e = np.where(np.isinf(y_e), np.nan, y_e)
            x_e = np.where(np.isinf(x_e), np.nan, x_e)

        # an inf in an event window (flagged above, dropped below) makes inf - inf there
        with np.errstate(invalid="ignore", over="ignore") if has_inf else contextlib.nullcontext():
            fit = _kernel.fit_chunk(
                y_e,
                x_e,
                y_v,
                x_v,
                win_idx,
                method=method,
                min_obs=min_est,
                intercept=line,
                row_sums=row_sums,
            )
        st = fit.status

        def lacking(j: int) -> str:
            """The estimation sessions of event ``j`` with a return but no regressor or offset
            (factors or a risk-free rate that miss the listing's sessions), said in its reason:
            "use data that start earlier" does not help when the returns are there."""
            has = np.isfinite(raw_e[j])
            finite_x = np.isfinite(x_e[j])
            gone = has & ~(np.isfinite(y_e[j]) & finite_x.all(axis=1))
            if not gone.any():
                return ""
            rf = design.risk_free
            no_rf = np.zeros_like(has)
            if rf is not None and study.model.uses_risk_free:
                no_rf = has & ~np.isfinite(rf.at(est_rows_of(j)))
            # a regressor made with the risk-free rate (CAPM's R_m - R_f) is named when it is
            # missing where the risk-free rate is not
            what = [
                labels[k] for k in range(x_e.shape[2]) if (has & ~no_rf & ~finite_x[:, k]).any()
            ]
            if no_rf.any():
                what.append("risk-free")
            if not what:  # the offset (market-adjusted: the benchmark) is what is missing
                what.append("benchmark")
            return (
                f"; {int(gone.sum())} of the {int(has.sum())} sessions with a return have no "
                f"{' / '.join(dict.fromkeys(what))} value"
            )

        def singular(j: int) -> str:
            """Name a regressor that is constant over event ``j``'s usable estimation sessions."""
            use = np.isfinite(y_e[j]) & np.isfinite(x_e[j]).all(axis=1)
            flat_cols = [
                (labels[k], float(x_e[j, use, k][0]))
                for k in range(x_e.shape[2])
                if labels[k] != "constant" and use.any() and np.ptp(x_e[j, use, k]) == 0
            ]
            if not flat_cols:
                cols = [k for k in range(x_e.shape[2]) if labels[k] != "constant"]
                same = [
                    (labels[a], labels[b])
                    for i, a in enumerate(cols)
                    for b in cols[i + 1 :]
                    if use.any() and np.array_equal(x_e[j, use, a], x_e[j, use, b])
                ]
                if same:  # e.g. a US listing's own index as its 'foreign' market two nights back
                    a_, b_ = same[0]
                    return (
                        f"singular design: {a_} and {b_} are the same series in the estimation "
                        "window; leave one out"
                    )
                return _kernel.STATUS_REASONS[_kernel.SINGULAR]
            return (
                "singular design: "
                + ", ".join(f"{name} is constant ({value:.6g})" for name, value in flat_cols)
                + " in the estimation window, which the intercept already fits; leave it out"
            )

        flag(
            st == _kernel.TOO_FEW,
            lambda j: (
                f"not enough estimation data: {int(fit.n_obs[j])} usable sessions in "
                f"[{e1}, {e2}], need {min_est}" + lacking(j)
            ),
        )
        flag(st == _kernel.ZERO_VARIANCE, _kernel.STATUS_REASONS[_kernel.ZERO_VARIANCE])
        flag(st == _kernel.SINGULAR, singular)
        ok = unset
        all_ok = bool(ok.all())
        if not all_ok:
            reason[idx] = np.where(ok, reason[idx], why)
        keep_parts.append(idx[ok])
        # buy-and-hold: compounded raw return minus compounded normal return (R - AR), over the
        # sessions with a return (all of them unless min_window_share < 1)
        bh = np.empty((idx.size, len(wins)))
        partial = share < 1.0 and bool(nan_v[ok].any())
        with np.errstate(invalid="ignore", over="ignore"):  # dropped events may hold inf/NaN
            for w, (a, b) in enumerate(win_idx):
                r = raw_v[:, a : b + 1]
                normal = r - fit.ar[:, a : b + 1]
                if partial:
                    r, normal = np.nan_to_num(r), np.nan_to_num(normal)
                bh[:, w] = np.prod(1.0 + r, axis=1) - np.prod(1.0 + normal, axis=1)
        put("params", fit.params, ok, all_ok)
        put("sigma2", fit.sigma2, ok, all_ok)
        put("n_obs", fit.n_obs, ok, all_ok)
        put("dof", fit.dof, ok, all_ok)
        put("resid", fit.resid_est, ok, all_ok)
        put("ar", fit.ar, ok, all_ok)
        put("var_ar", fit.var_ar, ok, all_ok)
        put("car", fit.car, ok, all_ok)
        put("var_car", fit.var_car, ok, all_ok)
        put("bhar", bh, ok, all_ok)
        put("row0", g, ok, all_ok)  # r̄'s calendar dates are rebuilt from it for few events
        if evt_in:  # each window's first and last day number, from the span's dates
            evt_dates = flat.dates_at(g + wmin, l2)
            win_days = evt_dates[:, win_idx].view(np.int64) // NS_PER_DAY
        else:
            evt_dates = np.where(evt_ok, flat.dates_at(evt_rows), np.datetime64("NaT"))
            win_days = np.stack([flat.days_at(evt_rows[:, [a, b]]) for a, b in win_idx], axis=1)
        put("win_days", win_days, ok, all_ok)
        put("evt_dates", evt_dates, ok, all_ok)
        cursor[0] += int(ok.sum())

    # chunk_size bounds memory; blocks of at most KERNEL_BLOCK events keep the kernel's arrays
    # in cache and below malloc's mmap threshold (2-3x faster than 20,000-event blocks, which
    # page-fault fresh memory on every call). Events are independent: results do not change.
    step = min(study.chunk_size, KERNEL_BLOCK)
    for lo in range(0, cand.size, step):
        run(cand[lo : lo + step])

    keep = np.concatenate(keep_parts) if keep_parts else np.empty(0, dtype=np.int64)
    dropped_mask = reason != ""
    # the ledger frame is built only when an event was dropped (results make the empty one)
    dropped = (
        pd.DataFrame(
            {
                "event_id": ev.event_id[dropped_mask],
                "symbol": ev.symbol[dropped_mask],
                "date": ev.requested[dropped_mask],
                "reason": reason[dropped_mask],
                "group": ev.group[dropped_mask],
            }
        )
        if dropped_mask.any()
        else None
    )
    if keep.size == 0:
        assert dropped is not None  # no event kept: every one was dropped
        top = dropped["reason"].str.split(":").str[0].value_counts().head(3)
        first = dropped[dropped["reason"].str.split(":").str[0] == top.index[0]].iloc[0]
        raise NoEventsLeftError(
            f"all {n_ev} events were dropped: "
            + "; ".join(f"{cnt} x {r}" for r, cnt in top.items())
            + f" (e.g. {first['event_id']}, {first['symbol']}: {first['reason']}). "
            + _drop_advice(str(top.index[0]), study.estimation_window, str(first["reason"])),
            dropped=dropped,
        )
    arr = {k: v[: cursor[0]] for k, v in store.items()}
    # canonical order is kept (ev is sorted, chunks are in order)
    warnings: list[str] = list(flat.notes)
    if dropped is not None:
        warnings.append(
            f"{int(dropped_mask.sum())} of {n_ev} events dropped (see results.dropped): "
            + "; ".join(
                f"{cnt} x {r.split(':')[0]}"
                for r, cnt in dropped["reason"].str.split(":").str[0].value_counts().items()
            )
        )
    if factor_gaps[1] and factor_gaps[0] > 0.05 * factor_gaps[1]:
        warnings.append(
            f"the factors have no value on {100 * factor_gaps[0] / factor_gaps[1]:.0f}% of the "
            "estimation sessions that have a return (factors of another market, e.g. US factors on "
            "Hong Kong listings, lack its own sessions): those sessions are left out of each fit; "
            "use factors of the listings' market, or check the factor dates"
        )
    if study.risk_free is not None and not study.model.uses_risk_free:
        warnings.append(
            f"risk_free is not used by model={study.model.name!r}: its abnormal returns are of "
            "raw returns (capm and factor use it); leave risk_free out, or choose model='capm'"
        )
    if study.factors is not None and not study.model.uses_factors:
        warnings.append(
            f"factors is not used by model={study.model.name!r} (model='factor' uses it); leave "
            "factors out, or choose model='factor'"
        )
    group = ev.group[keep]
    groups = ["all"]
    if ev.has_groups:
        groups += sorted(g for g in set(group) if g != "all")
        for gone in sorted(set(ev.group) - set(group)):  # a group, not just events, is lost
            warnings.append(
                f"group {gone!r} has no events left: all {int((ev.group == gone).sum())} were "
                "dropped (see results.dropped, column group)"
            )

    scar = arr["car"] / np.sqrt(arr["var_car"])
    event_cols = np.arange(l1, l1 + l2)
    empty = np.empty((keep.size, 0))  # the rank inputs of the samples of the other tests
    # the (events x sessions) rank inputs cost memory: built only for the tests that rank, by the
    # thread that runs them first
    rank_inputs = (
        _RankInputs(arr["resid"], arr["ar"], arr["var_ar"], arr["sigma2"])
        if set(RANK_TESTS) & set(study.tests)
        else None
    )

    test_rows: list[dict] = []
    clus_rows: list[dict] = []
    caar_rows: list[dict] = []
    rbar_of: dict[str, tuple[float, int]] = {}
    markets_of: dict[str, frozenset] = {}
    aar_est: dict[str, np.ndarray] = {}
    hashes: np.ndarray | None = None
    all_cache: dict = {}  # the "all" group's window-free test inputs (see below)

    @functools.cache
    def event_days() -> tuple[_EstimationDays, list[np.ndarray]]:
        """The events' estimation sessions, and each window's session dates (day numbers) per
        event, then the whole event span's: for r̄ from a subsample (made when one is needed)."""
        span_days = arr["evt_dates"].astype("datetime64[D]").astype(np.int64)
        window_days = [span_days[:, a : b + 1] for a, b in win_idx]
        return _EstimationDays(flat, arr["row0"], est_off), [*window_days, span_days]

    members_of: dict[str, np.ndarray] = {}  # each named group's events
    if len(groups) > 1:
        gnames, gcode = np.unique(group.astype(str), return_inverse=True)
        by_group = np.split(np.argsort(gcode, kind="stable"), np.cumsum(np.bincount(gcode))[:-1])
        members_of = {str(gname): m for gname, m in zip(gnames, by_group, strict=True)}
    lag = (
        None
        if market_of_sym is None
        else _LeadLag(
            market=market_of_sym[flat.code_at(arr["row0"])],
            calendar=_JointCalendar(flat, arr["row0"], min(e1, wmin), max(e2, wmax)),
        )
    )
    # the helper thread takes the rank tests; without any, everything runs on this thread
    helper = _helper_pool(study.workers) if set(RANK_TESTS) & set(study.tests) else None
    deferred: list[tuple[dict, int, _Task | _SplitRankBatch, int]] = []  # rank-test rows filled at the end
    all_tasks: dict[str, _Task] = {}  # the "all" group's rank tests, one task each
    # r̄ across each pair of groups, for compare()'s adj_bmp_difference: each group's r̄ sample is
    # kept and a pair's r̄ computed when compare() asks for it (with very many groups, e.g. the
    # simulation harness's replications, compare() leaves the cross term out: conservative when
    # the groups' correlation is positive)
    keep_samples = 2 <= len(groups) - 1 <= RBAR_BETWEEN_MAX_GROUPS
    rbar_samples: dict[str, _RbarSample] = {}
    calendar_sums: dict[str, _CalendarSums] = {}  # of the groups whose r̄ used every event
    residual_rbars = _ResidualRbars()
    study_calendar: np.ndarray | None = None  # every kept event's listings' sessions, for r̄
    clustered = False  # some group's event windows overlap in calendar time
    # one BLAS thread (from the first group's r̄ on, once the helper has its work): a threaded BLAS
    # would busy-wait on the core the helper thread uses; r̄'s products are small, and without a
    # helper an audit on a busy machine measured BLAS threads making a 20,000-event fit 4-5x
    # slower (on a quiet machine they did not help either)
    with contextlib.ExitStack() as blas_limit:
        for gname in groups:
            members = np.arange(keep.size) if gname == "all" else members_of[gname]
            n = members.size
            # per-group matrices: views, as events are in group order (a copy if they were not)
            sel = slice(None) if gname == "all" else _rows_of(members)
            g_resid, g_empty = arr["resid"][sel], empty[sel]
            g_dof = arr["dof"][sel].astype(float)
            # what the tests need that does not depend on the window, shared by the group's windows
            if gname == "all":
                group_cache = all_cache = {}
                # the named groups' runs of rows: window rank means summed once, for all of them
                all_cache["segments"] = tuple(
                    (r.start, r.stop)
                    for r in (_rows_of(members_of[g]) for g in groups[1:])
                    if isinstance(r, slice)
                )
            else:  # the event-by-event part comes from "all" (the group's events are a subset)
                group_cache = group_rows_cache(all_cache, sel)
                # the group's estimation-window portfolio, for compare() and the CDA
                aar_est[gname] = group_cache["aar_est"] = estimation_aar(g_resid)
            if lag is not None:  # the group's markets: two or more bring the lead-lag terms
                markets_of[gname] = frozenset(np.unique(lag.market[members]).tolist())
            lead_lag = len(markets_of.get(gname, ())) > 1
            samples = [
                WindowSample(
                    car=arr["car"][members, w],
                    scar=scar[members, w],
                    bhar=arr["bhar"][members, w],
                    dof=g_dof,
                    resid_est=g_resid,
                    sar_est=g_empty,
                    ar_all=g_empty,
                    sar_all=g_empty,
                    event_cols=event_cols,
                    window_cols=l1 + np.arange(win_idx[w, 0], win_idx[w, 1] + 1),
                    length=b - a + 1,
                    rbar=float("nan"),  # set below, once r̄ is known (the rank tests do not use it)
                    extra=group_cache,
                    lead_lag=lead_lag,
                )
                for w, (a, b) in enumerate(wins)
            ]
            # the rank tests sort (events x sessions) matrices and do not need r̄: with a helper
            # thread they run while this thread computes r̄ and the other tests (same results)
            ranked = [t for t in study.tests if t in RANK_TESTS and n >= TESTS[t].min_n]
            # each rank test of the group, queued for the helper
            tasks: dict[str, _Task | _SplitRankBatch] = {}
            if helper is not None:
                assert rank_inputs is not None
                plan = (
                    plan_rank_batch(samples, ranked, arr["ar"], arr["var_ar"])
                    if len(groups) == 1 and ranked
                    else None
                )
                if plan is not None and plan.answers_all:
                    # the helper only sums (compiled, without the interpreter lock); this thread
                    # finishes the tests when it fills their rows
                    split = _SplitRankBatch(rank_inputs, samples, ranked, plan, helper)
                    tasks = dict.fromkeys(ranked, split)
                elif len(groups) == 1 and ranked:  # one batch ranks for every rank test
                    batch = _Task(_run_batched_rank_tests, rank_inputs, samples, ranked)
                    tasks = dict.fromkeys(ranked, batch)
                    helper.submit(batch.run)
                for tname in [] if tasks else ranked:  # else a task per test
                    if gname == "all":
                        task = all_tasks[tname] = _Task(
                            _run_rank_tests, rank_inputs, sel, samples, [tname]
                        )
                    else:  # after "all"'s ranks, which a group's events take (group_rows_cache)
                        task = _Task(
                            _run_tests_after,
                            rank_inputs,
                            samples,
                            [tname],
                            all_tasks.get(tname),
                            all_cache,
                            sel,
                        )
                    tasks[tname] = task
                    helper.submit(task.run)
            if gname == "all":
                blas_limit.enter_context(_one_blas_thread())
            sums = None
            if members.size > RBAR_MAX_EVENTS and len(markets_of.get(gname, ())) <= RBAR_MAX_MARKETS:
                # every event, not a subsample
                row0_g, resid_g = arr["row0"][sel], arr["resid"][sel]
                bounds = [*wins, (wmin, wmax)]
                # on the calendar of every listing of the study, so that compare() can pair up
                # two groups' sums (a long frame's groups of different listings)
                if study_calendar is None:
                    study_calendar = _sessions_of(flat, arr["row0"])
                if lead_lag:  # each market's sums (lead-lag terms), and the group's from theirs
                    assert lag is not None
                    market_g = lag.market[members]
                    parts = []
                    for m in np.unique(market_g):
                        of_m = market_g == m
                        part = _calendar_sums(
                            flat, row0_g[of_m], resid_g[of_m], e1, bounds, study_calendar, 1
                        )
                        if part is not None:
                            parts.append((int(m), part))
                    sums = _market_sums(parts) if parts else None
                    sums = sums if sums is not None and sums.n >= 2 else None
                else:
                    sums = _calendar_sums(flat, row0_g, resid_g, e1, bounds, study_calendar)
                    if sums is not None and lag is not None:  # one market: its own part
                        sums = dataclasses.replace(sums, by_market=((int(lag.market[members[0]]), sums),))
            sample = None  # the hash-chosen subsample: r̄ when sums is None, and compare()'s
            if sums is None or (gname != "all" and keep_samples):
                if hashes is None and members.size > RBAR_MAX_EVENTS:
                    hashes = _event_hashes(ev, keep)
                sample = _rbar_sample_of(ev, keep, members, arr["resid"], *event_days(), hashes, lag)
                if gname != "all" and keep_samples:  # for r̄ across groups, when compare() asks
                    rbar_samples[gname] = dataclasses.replace(sample, windows=sample.windows[:-1])
            if sums is not None:
                # one market and room to keep the sums: the residual r̄ when it is read
                later = (
                    len(sums.by_market) <= 1
                    and residual_rbars.pending_bytes + sums.nbytes <= _SUMS_KEPT_BYTES
                )
                g_rbar = _rbar_all_events(sums, residual=not later)
                residual_rbars.put(gname, g_rbar.residual, sums if later else None)
                kept_bytes = sum(c.nbytes for c in calendar_sums.values())
                if gname != "all" and keep_samples and kept_bytes + sums.nbytes <= _SUMS_KEPT_BYTES:
                    calendar_sums[gname] = sums
            else:
                assert sample is not None
                g_rbar = _rbar(sample)
                residual_rbars.put(gname, g_rbar.residual)
            # the span's r̄ of the CAAR (r̄*), for aar_path
            rbar_of[gname] = (g_rbar.for_caar(-1), g_rbar.n_pairs)
            overlap_windows: list[str] = []
            joint: np.ndarray | None = None  # the group's joint calendar, when adjacency matters
            apart_windows: list[str] = []  # windows that overlap across different day-0 dates
            for w, (a, b) in enumerate(wins):
                label = window_label((a, b))
                overlapping = _windows_overlap(arr["win_days"][members, w])
                if not overlapping and lead_lag:  # adjacent across markets correlate too
                    assert lag is not None
                    if joint is None:
                        joint = lag.calendar(members)
                    overlapping = _windows_touch_across_markets(
                        arr["win_days"][members, w], lag.market[members], joint
                    )
                if overlapping and overlap_apart(arr["win_days"][members, w]):
                    apart_windows.append(label)
                rbar = g_rbar.effective[w]
                de = 1.0 + (n - 1) * rbar
                clus_rows.append(
                    {
                        "group": gname,
                        "window": label,
                        "n": n,
                        "rbar": rbar,
                        "rbar_caar": g_rbar.for_caar(w),
                        "rbar_same_date": g_rbar.same_date[w],
                        "n_pairs": g_rbar.n_pairs,
                        "design_effect": de,
                        "overlapping": overlapping,
                    }
                )
                if overlapping and n > 1:
                    overlap_windows.append(f"{label} r̄ = {rbar:.4g}, design effect {de:.2f}")
                ws = dataclasses.replace(samples[w], rbar=rbar)
                row = _caar_row(
                    gname,
                    label,
                    ws.car,
                    arr["var_car"][members, w],
                    arr["dof"][members],
                    g_rbar.for_caar(w),
                    overlapping,
                )
                row["abhar"] = float(ws.bhar.mean())  # tested by skewness_adjusted_t
                caar_rows.append(row)
                if n > 1 and not np.isfinite(row["tstat"]):
                    why = (
                        f"the events' residuals move as one (r̄ = {rbar:.4g}: the same returns "
                        "under two symbols?)"
                        if overlapping and rbar >= 1.0 - 1e-9
                        else "the CARs have no cross-sectional variation"
                    )
                    warnings.append(
                        f"the CAAR's standard error, t and p-value for group {gname!r}, window "
                        f"{label} are undefined: {why}; they are NaN"
                    )
                for tname in study.tests:
                    spec = TESTS[tname]
                    if n < spec.min_n:
                        msg = f"{tname} needs at least {spec.min_n} events; group {gname!r} has {n}: skipped"
                        if spec.warn_below:
                            msg += " (with fewer it rejects a true null far more often than its level)"
                        if msg not in warnings:
                            warnings.append(msg)
                        continue
                    if n < spec.warn_below:
                        optimistic = [
                            t for t in study.tests if TESTS[t].min_n <= n < TESTS[t].warn_below
                        ]
                        msg = (
                            f"{' and '.join(optimistic)} with {n} events in group {gname!r} "
                            f"reject a true null more often than their level (about 6-8% at 5% "
                            f"below {spec.warn_below} events in simulations; docs/STUDY.md, "
                            "'Small groups'): read their p-values as optimistic"
                        )
                        if msg not in warnings:
                            warnings.append(msg)
                    row = {
                        "group": gname,
                        "window": label,
                        "test": tname,
                        "statistic": float("nan"),
                        "pvalue": float("nan"),
                        "n": 0,
                        "valid_under_clustering": spec.valid_under_clustering
                        and not (label in apart_windows and tname in EVENT_TIME_TESTS),
                    }
                    if tname in tasks:
                        # filled in once every group is under way: the helper thread ranks
                        # while this one goes on with the next groups (a warning's place kept)
                        deferred.append((row, len(warnings), tasks[tname], w))
                        warnings.append("")
                    else:
                        if tname in RANK_TESTS:
                            assert rank_inputs is not None
                            ws = rank_inputs.sample(ws, sel)
                        _fill_test_row(row, _run_tests([ws], [tname])[0, tname], warnings)
                    test_rows.append(row)
            if overlap_windows:
                adjacent = " (or, across markets, sit one session apart)" if lead_lag else ""
                lead_lag_note = (
                    ", plus, for listings of different markets, their correlation one session "
                    "apart (lead_lag; the CDA and rank tests add it too)"
                    if lead_lag
                    else ""
                )
                warnings.append(
                    f"event windows overlap in calendar time{adjacent} in group {gname!r} (N={n}): "
                    f"{'; '.join(overlap_windows)} (r̄: the residuals' correlation weighted by "
                    f"the window dates each pair shares{lead_lag_note}; results.clustering's "
                    "rbar_residual: the correlation itself)"
                )
                clustered = True
            if apart_windows:
                warnings.append(
                    f"in group {gname!r}, events a few sessions apart have overlapping windows "
                    f"({', '.join(apart_windows)}): brown_warner_cda, corrado, corrado_zivney and "
                    "grank take their variance from the portfolio in event time, which misses the "
                    "correlation of residuals on the dates such events share, and over-reject when "
                    "residuals correlate on a date (docs/STUDY.md: 10-11% at a 5% level for 100 "
                    "events on consecutive dates, window [0:5]); adj_bmp and adj_patell count the "
                    "dates each pair shares; the tests table marks the four not valid there"
                )

        if clustered:  # what overlapping windows mean for the tests, said once for every group
            warnings.append(
                "where event windows overlap, the CARs correlate: design effect 1+(N-1)r̄. "
                "Valid under clustering: "
                f"{', '.join(t for t in CLUSTER_VALID if t not in EVENT_TIME_TESTS)} (design "
                f"effect) and, where the overlapping events share day 0, {', '.join(EVENT_TIME_TESTS)} "
                "(time-series variance of the portfolio); the other tests assume independent events "
                "and over-reject when r̄ > 0. CAAR std_error scaled by sqrt((1+(N-1)r̄*)/(1-r̄*)) "
                "(r̄*: pairs weighted by their residual sds, clustering's rbar_caar), r̄ and r̄* "
                "floored at 0 there and in the adjusted tests."
            )
        # the last queued first: this thread takes the tasks the helper has not started
        for row, at, task, w in reversed(deferred):
            found: list[str] = []
            _fill_test_row(row, task.result()[w, row["test"]], found)
            warnings[at] = found[0] if found else ""
    warnings = [text for text in warnings if text]

    return EventStudyResults(
        model=study.model.name,
        estimation_window=study.estimation_window,
        event_windows=wins,
        event_span=(wmin, wmax),
        event_id=ev.event_id[keep],
        symbol=ev.symbol[keep],
        group=group,
        param_names=design.param_names,
        params_arr=arr["params"],
        sigma2=arr["sigma2"],
        n_obs=arr["n_obs"],
        dof=arr["dof"],
        ar_arr=arr["ar"],
        var_ar=arr["var_ar"],
        evt_dates=arr["evt_dates"],
        car_arr=arr["car"],
        var_car=arr["var_car"],
        bhar_arr=arr["bhar"],
        caar_rows=tuple(caar_rows),
        test_rows=tuple(test_rows),
        clustering_rows=tuple(clus_rows),
        _dropped_frame=dropped,
        warnings_list=tuple(warnings),
        rbar=rbar_of,
        n_events=n_ev,
        aar_est=aar_est,
        day0_dates=flat.dates_at(arr["row0"]),
        rbar_between=_PairwiseRbar(rbar_samples, calendar_sums) if keep_samples else {},
        rbar_residual=residual_rbars,
        markets=markets_of,
    )


def _drop_advice(reason: str, estimation_window: Window, example: str = "") -> str:
    """What to change when every event was dropped for ``reason`` (an estimation window after
    day 0 needs data that run later, not earlier; ``example``, one event's full reason, may say
    that the returns are there but the benchmark, factors or risk-free rate are not)."""
    if reason == "not enough estimation data" and "sessions with a return have no" in example:
        return (
            "Use benchmark, factor and risk-free series dated on the listings' sessions over the "
            "estimation windows, shorten the estimation window or lower min_estimation (CLI "
            "--min-estimation)"
        )
    if reason == "not enough estimation data" and estimation_window[0] >= 0:
        return "Use data that run further past the events, shorten the estimation window or lower min_estimation (CLI --min-estimation)"
    return _DROP_ADVICE.get(reason, _DROP_ADVICE_DEFAULT)


# what to change when every event was dropped, by the most common reason (the text before ':')
_DROP_ADVICE = {
    "event window outside the data": "Shorten the event windows or use data that run past them",
    "event outside the data": "Use data that cover the event dates",
    "not enough estimation data": (
        "Use data that start earlier, shorten the estimation window or lower min_estimation (CLI --min-estimation)"
    ),
    "symbol has no returns in the data": "Check the symbols against the returns' columns",
    "missing benchmark data in the event window": (
        "Use benchmark returns that cover the event windows"
    ),
    "missing returns in the event window": (
        "Lower min_window_share (CLI --min-window-share), or use listings without gaps in their "
        "event windows"
    ),
    "missing return in the event window": (
        "Use listings without gaps in their event windows, or keep events that miss a few "
        "sessions with min_window_share below 1 (CLI --min-window-share)"
    ),
    "not a session (non_session='skip')": (
        "Give session dates, or map non-session dates with non_session='next' or 'previous' "
        "(CLI --non-session)"
    ),
    "non-finite (inf) benchmark or factor return": (
        "Fix or remove the infinite benchmark or factor returns (an inf return usually comes "
        "from a price of 0)"
    ),
    "non-finite (inf) return in the estimation or event window": (
        "Fix or remove the infinite returns (an inf return usually comes from a price of 0)"
    ),
    "missing day 0": "Use returns that hold each event's day-0 session",
    "missing risk-free data in the event window": (
        "Use a risk-free series with a value for every session of the event windows (a monthly "
        "rate: forward-fill it over the month's sessions)"
    ),
}
_DROP_ADVICE_DEFAULT = "Widen the data range, shorten the estimation window or lower min_estimation (CLI --min-estimation)"

RANK_TESTS = ("corrado", "corrado_zivney", "grank")  # each sorts an (events x sessions) matrix


def _fill_test_row(row: dict, res: TestResult, warnings: list[str]) -> None:
    """Put a test's result into its row of the tests table (a warning when it is NaN)."""
    if not np.isfinite(res.statistic):
        warnings.append(
            f"{row['test']} is undefined for group {row['group']!r}, window {row['window']} (e.g. "
            "no cross-sectional variation); its row is NaN"
        )
        res = TestResult(float("nan"), float("nan"), res.n)  # an infinite t is no statistic
    row.update(statistic=res.statistic, pvalue=res.pvalue, n=res.n)


def _run_tests(samples: Sequence[WindowSample], names: Sequence[str]) -> dict:
    """``{(window index, test): TestResult}`` for every sample and test (errors silenced: NaN rows
    are reported by the caller)."""
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):  # per thread: set where the tests run
        for w, ws in enumerate(samples):
            for name in names:
                out[w, name] = TESTS[name].run(ws)
    return out


class _Task:
    """A call that runs once, on whichever thread claims it first: the helper thread that took
    it from its queue, or a thread that needs its result before the helper got to it (so no
    thread waits while work it could do sits in the queue)."""

    def __init__(self, fn: Callable, *args: object) -> None:
        self._call = (fn, args)
        self._claim = threading.Lock()
        self._claimed = False
        self._done = threading.Event()
        self._result: object = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Run the call here unless another thread has claimed it."""
        with self._claim:
            if self._claimed:
                return
            self._claimed = True
        fn, args = self._call
        try:
            self._result = fn(*args)
        except BaseException as exc:  # re-raised by result(), on the thread that asks
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Any:
        """The call's result: computed here if nobody has started it, else waited for."""
        self.run()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._result


class _RankInputs:
    """The rank tests' (events x sessions) matrices: each event's estimation residuals, raw and
    standardised, and the same followed by its event span's ARs. Built once, by the thread that
    first runs a rank test (the helper thread, when there is one: 1 ms for 500 events that the
    main thread no longer spends)."""

    def __init__(self, resid: np.ndarray, ar: np.ndarray, var_ar: np.ndarray, sigma2: np.ndarray):
        self._parts = (resid, ar, var_ar, sigma2)
        self._lock = threading.Lock()
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``sar_est``, ``ar_all`` and ``sar_all`` of :class:`WindowSample`, for every event."""
        with self._lock:
            if self._arrays is None:
                self._arrays = _compiled.rank_inputs(*self._parts)  # None: numpy builds them
            if self._arrays is None:
                resid, ar, var_ar, sigma2 = self._parts
                sar_est = resid / np.sqrt(sigma2)[:, None]
                ar_all = np.concatenate([resid, ar], axis=1)
                sar_all = np.concatenate([sar_est, ar / np.sqrt(var_ar)], axis=1)
                self._arrays = (sar_est, ar_all, sar_all)
            return self._arrays

    def parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The residuals, span ARs, their variances and the residual variances they come from."""
        return self._parts

    def sample(self, ws: WindowSample, rows: slice | np.ndarray) -> WindowSample:
        """``ws`` with the rank inputs of its group's events ``rows``."""
        sar_est, ar_all, sar_all = self.arrays()
        return dataclasses.replace(
            ws, sar_est=sar_est[rows], ar_all=ar_all[rows], sar_all=sar_all[rows]
        )


def _run_rank_tests(
    inputs: _RankInputs,
    rows: slice | np.ndarray,
    samples: Sequence[WindowSample],
    names: Sequence[str],
) -> dict:
    """:func:`_run_tests` of rank tests, on ``samples`` given their rank inputs."""
    return _run_tests([inputs.sample(ws, rows) for ws in samples], names)


def _run_batched_rank_tests(
    inputs: _RankInputs, samples: list[WindowSample], names: Sequence[str]
) -> dict:
    """:func:`_run_rank_tests` of every rank test of a study without named groups, after one
    batch of the compiled kernels has ranked what they take (:func:`batch_rank_tests`); when the
    batch answers every test, without building their (events x sessions) matrices."""
    if batch_rank_tests(samples, names, *inputs.parts()):
        return _run_tests(samples, names)
    return _run_rank_tests(inputs, slice(None), samples, names)


def _rank_sums_or_tests(
    inputs: _RankInputs, samples: list[WindowSample], names: Sequence[str], plan: RankBatch
) -> tuple[np.ndarray, list[np.ndarray]] | dict:
    """The helper's part of :class:`_SplitRankBatch`: the batch's compiled sums (the span's, and
    each shorter window's), or, when the kernels cannot take the batch (a value not finite, numba
    absent), the rank tests themselves."""
    resid, ar, var_ar, sigma2 = inputs.parts()
    window_sums: list[np.ndarray] = []
    sums = _compiled.span_rank_sums(
        resid, ar, var_ar, sigma2, plan.cz_div, plan.stars, plan.corrado, plan.short, window_sums
    )
    if sums is None:
        return _run_rank_tests(inputs, slice(None), samples, names)
    return sums, window_sums


class _SplitRankBatch:
    """The rank tests of a study without named groups when one batch answers them all
    (:func:`plan_rank_batch`): the helper thread computes the batch's sums, which hold the
    interpreter lock only to start and return, and the thread that asks for the result puts them
    in the cache and runs the tests (:func:`finish_rank_batch`). A helper that also ran the
    tests' Python took the lock from this thread's r̄ and tests many times over."""

    def __init__(
        self,
        inputs: _RankInputs,
        samples: list[WindowSample],
        names: Sequence[str],
        plan: RankBatch,
        helper: ThreadPoolExecutor,
    ) -> None:
        self._sums = _Task(_rank_sums_or_tests, inputs, samples, names, plan)
        helper.submit(self._sums.run)
        self._args = (inputs, samples, names, plan)
        self._out: dict | None = None

    def result(self) -> dict:
        """``{(window index, test): TestResult}`` of the rank tests (computed on first call)."""
        if self._out is None:
            inputs, samples, names, plan = self._args
            got = self._sums.result()
            if isinstance(got, dict):
                self._out = got
            elif finish_rank_batch(plan, samples, names, got[0], inputs.parts()[0].shape[1], got[1]):
                self._out = _run_tests(samples, names)
            else:  # not expected (the plan answers every test): each test ranks on its own
                self._out = _run_rank_tests(inputs, slice(None), samples, names)
        return self._out


def _run_tests_after(  # type: ignore[no-untyped-def]
    inputs: _RankInputs,
    samples: Sequence[WindowSample],
    names: Sequence[str],
    first,
    source: dict,
    rows,
) -> dict:
    """:func:`_run_rank_tests` for a named group once ``first`` (the "all" group's rank tests) is
    done: the group's events take their ranks within their own series from its ``source`` cache
    (:func:`~rerating.study.statistics.group_rows_cache`) instead of ranking them again."""
    if first is not None:
        first.result()
    cache = samples[0].extra  # shared by the group's windows
    for key, value in group_rows_cache(source, rows).items():
        cache.setdefault(key, value)
    return _run_rank_tests(inputs, rows, samples, names)


_HELPERS: dict[int, ThreadPoolExecutor] = {}


def _helper_pool(workers: int) -> ThreadPoolExecutor | None:
    """A shared pool of ``workers - 1`` helper threads (None for one worker), made on first use."""
    if workers < 2:
        return None
    if workers - 1 not in _HELPERS:
        _HELPERS[workers - 1] = ThreadPoolExecutor(
            max_workers=workers - 1, thread_name_prefix="rerating-study"
        )
    return _HELPERS[workers - 1]


_BLAS_CONTROLLERS: list = []  # threadpoolctl's controllers of the loaded BLAS libraries, found once


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Limit the BLAS libraries to one thread until the block exits (restored after).

    Each library's own get and set calls: threadpoolctl's ``limit()`` also reads every library's
    version and architecture, which cost more than 0.1 ms of a 500-event fit."""
    if not _BLAS_CONTROLLERS:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLERS.extend(ThreadpoolController().select(user_api="blas").lib_controllers)
    before = [lib.get_num_threads() for lib in _BLAS_CONTROLLERS]
    changed = [(lib, n) for lib, n in zip(_BLAS_CONTROLLERS, before, strict=True) if n not in (None, 1)]
    for lib, _ in changed:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in changed:
            lib.set_num_threads(n)


if hasattr(os, "register_at_fork"):  # a forked child has the pool objects but not their threads
    os.register_at_fork(after_in_child=_HELPERS.clear)


def _rows_of(members: np.ndarray) -> slice | np.ndarray:
    """Sorted row indices as a slice when they are one run (its rows are then views)."""
    if members.size and int(members[-1]) - int(members[0]) + 1 == members.size:
        return slice(int(members[0]), int(members[-1]) + 1)
    return members


def _windows_overlap(days: np.ndarray) -> bool:
    """Whether any two [start, end] calendar intervals (rows of ``days``) intersect."""
    if days.shape[0] < 2:
        return False
    order = np.argsort(days[:, 0], kind="stable")
    s, e = days[order, 0], days[order, 1]
    return bool((s[1:] <= np.maximum.accumulate(e)[:-1]).any())


def _windows_touch_across_markets(days: np.ndarray, market: np.ndarray, joint: np.ndarray) -> bool:
    """Whether a window of one market overlaps, or ends the session before, a window of another.

    With lead-lag terms two such CARs correlate (a Hong Kong AR of day ``d`` with a New York AR of
    the session before), so the group is clustered although no two windows share a date.
    ``days``: (events, 2) first and last window dates; ``joint``: the sorted joint calendar.
    """
    following = _LeadLag.next_day(joint, days[:, 1])
    end = np.where(following >= 0, following, days[:, 1])  # each window and the session after
    for m in np.unique(market):
        mine = market == m
        if _intervals_meet(days[mine, 0], end[mine], days[~mine, 0], days[~mine, 1]):
            return True
    return False


def _intervals_meet(s1: np.ndarray, e1: np.ndarray, s2: np.ndarray, e2: np.ndarray) -> bool:
    """Whether some interval [s1, e1] intersects some interval [s2, e2] (two sets, by sorting)."""
    if s1.size == 0 or s2.size == 0:
        return False
    order = np.argsort(s2, kind="stable")
    reach = np.maximum.accumulate(e2[order])  # the latest end among the intervals started so far
    started = np.searchsorted(s2[order], e1, side="right")  # set-2 intervals starting by each e1
    met = started > 0
    return bool((reach[np.maximum(started - 1, 0)][met] >= s1[met]).any())


def _rbar_sample(ev, keep, members, hashes=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The events of ``members`` whose residuals r̄ uses: all, or a hash-chosen subsample.

    ``hashes``: :func:`_event_hashes` of ``keep`` when already computed (one pass per fit).
    """
    if members.size <= RBAR_MAX_EVENTS:
        return members
    # a subsample chosen by a hash of (event_id, symbol), so it ignores input order
    h = _event_hashes(ev, keep[members]) if hashes is None else hashes[members]
    return np.sort(members[np.argsort(h, kind="stable")[:RBAR_MAX_EVENTS]])


def _calendar_matrix(days: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """(rows, distinct dates) matrix of ``vals`` placed on their calendar ``days`` (day numbers;
    negative days and non-finite values are left out, as NaN)."""
    ok = (days >= 0) & np.isfinite(vals)
    d = days[ok]
    # the distinct dates and each value's column: np.unique's output, by a table over the span
    if d.size:
        lo = int(d.min())
        seen = np.zeros(int(d.max()) - lo + 1, dtype=bool)
        seen[d - lo] = True
        uniq_size = int(seen.sum())
        inv = (np.cumsum(seen) - 1)[d - lo]
    else:
        uniq_size, inv = 0, np.empty(0, dtype=np.int64)
    mat = np.full((days.shape[0], uniq_size), np.nan)
    rows = np.broadcast_to(np.arange(days.shape[0])[:, None], days.shape)[ok]
    mat[rows, inv] = vals[ok]
    return mat


@dataclasses.dataclass(frozen=True)
class _LeadLag:
    """Which pairs of events also correlate one session apart, and the calendar that says so.

    Markets that close at different hours see the same news on different dates: Hong Kong's
    session of day ``d`` overlaps New York's sessions of ``d`` and ``d - 1``. For two events in
    different markets the CARs then carry the residuals' lead-lag covariance as well as the
    same-date one (as the Scholes & Williams 1977 betas do for one series against the market).

    ``market``: market code of each event (indexed as the residuals); pairs whose codes differ get
    the lead-lag terms. ``calendar(sel)``: sorted day numbers of every session that events
    ``sel``'s listings had from the first session of their estimation or event windows to the last
    (the joint calendar that orders two markets' dates).
    """

    market: np.ndarray
    calendar: Callable[[np.ndarray], np.ndarray]

    @staticmethod
    def next_day(joint: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The session of ``joint`` after each of ``days`` (-1 after the last one, for days < 0 and
        for days outside ``joint``'s span)."""
        if joint.size == 0:
            return np.full(days.shape, -1, dtype=np.int64)
        # a table over the joint calendar's span: one look-up per day instead of a binary search
        lo = int(joint[0])
        at = np.searchsorted(joint, np.arange(lo, int(joint[-1]) + 1), side="right")
        table = np.append(np.where(at < joint.size, joint[np.minimum(at, joint.size - 1)], -1), -1)
        rel = days.astype(np.int64) - lo
        rel = np.where((days >= 0) & (rel >= 0) & (rel < table.size - 1), rel, table.size - 1)
        return table[rel]

    @staticmethod
    def correlations(market_x, market_y, joint, days_x, vals_x, days_y, vals_y):  # type: ignore[no-untyped-def]
        """``r[i, j] = corr(x_i[d], y_j[prev d])`` over their common dates for the pairs in
        different markets (``market_x[i] != market_y[j]``; 0 for the others and for too short an
        overlap), ``prev`` taken on the sorted ``joint`` calendar; ``None`` when every pair is in
        one market."""
        cross = market_x[:, None] != market_y[None, :]
        if not cross.any():
            return None
        # y's residual of date d placed on the next session: column d then pairs x_i[d], y_j[prev d]
        mat = _calendar_matrix(
            np.concatenate([days_x, _LeadLag.next_day(joint, days_y)]),
            np.concatenate([vals_x, vals_y]),
        )
        here, before = mat[: days_x.shape[0]], mat[days_x.shape[0] :]
        markets = np.unique(market_x)
        if markets.size > 4:  # many markets (lead_lag="all": one per listing): one product
            r = cross_correlation_matrix(here, before, RBAR_MIN_OVERLAP)
            return np.where(cross & np.isfinite(r), r, 0.0)
        r = np.zeros(cross.shape)
        for m in markets:  # only pairs in different markets: one block per market of x
            rows, cols = np.flatnonzero(market_x == m), np.flatnonzero(market_y != m)
            if cols.size:
                block = cross_correlation_matrix(here[rows], before[cols], RBAR_MIN_OVERLAP)
                r[np.ix_(rows, cols)] = np.nan_to_num(block, nan=0.0)
        return r


@dataclasses.dataclass(frozen=True)
class _GroupRbar:
    """r̄ of a group: the residuals' mean pairwise correlation, and the part of it each window's
    CARs carry."""

    residual: float  # mean r_ij over every pair (Kolari & Pynnönen's r̄ for one common date)
    n_pairs: int  # pairs with enough common estimation dates
    effective: tuple[float, ...]  # per window: mean over pairs of the CARs' correlation
    same_date: tuple[float, ...]  # the same from same-date correlation only (no lead-lag terms)
    # per window: ``effective`` with each pair weighted by the product of the two events'
    # residual standard deviations (r̄* of :func:`_caar_row`); empty: equal weights
    weighted: tuple[float, ...] = ()

    def for_caar(self, w: int) -> float:
        """The r̄ of the CAAR's standard error for window ``w`` (``-1``: the span)."""
        return self.weighted[w] if self.weighted else self.effective[w]


@dataclasses.dataclass(frozen=True)
class _RbarSample:
    """The events of a group that r̄ uses (:func:`_rbar_sample`), with everything r̄ within the
    group and across groups reads of them: small (at most ``RBAR_MAX_EVENTS`` rows), so results
    can keep one per group and compute r̄ across two groups when :meth:`compare` asks.

    ``market`` and ``calendar`` are ``None`` without lead-lag terms; ``calendar`` is the sorted
    joint calendar of the events (:class:`_LeadLag`), and the joint calendar of two samples is the
    union of theirs.
    """

    days: np.ndarray  # (n, L1) estimation-session day numbers (-1 outside the data)
    vals: np.ndarray  # (n, L1) estimation residuals
    windows: tuple[np.ndarray, ...]  # per window, (n, L) day numbers of its sessions
    market: np.ndarray | None = None  # (n,) market code of each event
    calendar: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.days.shape[0])


def _rbar_sample_of(  # type: ignore[no-untyped-def]
    ev, keep, members, resid, est_days, window_days, hashes=None, lag=None
) -> _RbarSample:
    """:class:`_RbarSample` of the events ``members`` (indices into ``keep``'s order).

    ``window_days``: per window, (kept events, L) day numbers of each event's window sessions;
    ``lag``: :class:`_LeadLag` or ``None``; ``hashes`` as :func:`_rbar_sample`.
    """
    sel = _rbar_sample(ev, keep, members, hashes)
    market = calendar = None
    if lag is not None:
        market, calendar = lag.market[sel], lag.calendar(sel)
    return _RbarSample(
        est_days[sel], resid[sel], tuple(d[sel] for d in window_days), market, calendar
    )


def _rbar(sample: _RbarSample) -> _GroupRbar:
    """Kolari-Pynnönen r̄ of a group, residuals aligned on calendar dates (its hash-chosen
    :class:`_RbarSample`).

    Residuals correlate on the same date, so two events' CARs over a window of ``L`` sessions
    correlate ``r_ij k_ij / L`` when their windows share ``k_ij`` dates: the effective r̄ of a
    window (``effective``) is the mean of that over all pairs. It equals the residual r̄ when
    every event has one date, and falls to 0 as the events' windows move apart in time, where
    the residual r̄ would charge a design effect for correlation the CARs do not have.
    With lead-lag terms (the sample's ``market``), pairs in different markets add
    ``l_ij m_ij / L`` in each direction: ``l_ij = corr(e_i[d], e_j[prev d])`` and ``m_ij`` the
    dates of ``i``'s window whose previous session of the joint calendar is in ``j``'s window.
    """
    if sample.size < 2:
        zeros = tuple(0.0 for _ in sample.windows)
        return _GroupRbar(0.0, 0, zeros, zeros)
    days, vals = sample.days, sample.vals
    r = pairwise_correlations(_calendar_matrix(days, vals), RBAR_MIN_OVERLAP)
    upper = np.triu(np.isfinite(r), 1)
    r = np.where(upper, r, 0.0)  # each pair once; pairs without enough overlap count as 0
    lead_lag = None
    if sample.market is not None and sample.calendar is not None:
        lead_lag = _LeadLag.correlations(
            sample.market, sample.market, sample.calendar, days, vals, days, vals
        )
    n_pairs_all = sample.size * (sample.size - 1) / 2
    sd = _residual_sd(vals)
    weights = np.outer(sd, sd)  # each pair's weight in r̄* (see _caar_row)
    weight_all = (sample.size - 1) / 2 * float((sd**2).sum())  # all the pairs' with r_ij = 1
    effective, same_date, weighted = [], [], []
    done: dict[bytes, tuple[float, float, float]] = {}  # windows with the same dates (the span)
    for d in sample.windows:
        key = d.tobytes()
        if key not in done:
            shared = r * _shared_dates(d, d)
            same = float(shared.sum())
            both, both_w = same, float((weights * shared).sum())
            if lead_lag is not None and sample.calendar is not None:
                # every ordered pair (i, j), i != j: i's date d with j's previous session
                lagged = lead_lag * _shared_dates(d, _LeadLag.next_day(sample.calendar, d))
                both += float(lagged.sum())
                both_w += float((weights * lagged).sum())
            scale = d.shape[1] * n_pairs_all
            w_scale = d.shape[1] * weight_all
            done[key] = (both / scale, same / scale, both_w / w_scale if w_scale > 0 else both / scale)
        effective.append(done[key][0])
        same_date.append(done[key][1])
        weighted.append(done[key][2])
    return _GroupRbar(
        float(r.sum() / n_pairs_all),
        int(upper.sum()),
        tuple(effective),
        tuple(same_date),
        tuple(weighted),
    )


def _residual_sd(vals: np.ndarray) -> np.ndarray:
    """Each row's standard deviation over its finite values (ddof 0; 0 for none): an event's
    residual volatility, the weight of its pairs in r̄* (:func:`_caar_row`)."""
    fin = np.isfinite(vals)
    n = np.maximum(fin.sum(axis=1), 1)
    x = np.where(fin, vals, 0.0)
    centred = np.where(fin, x - (x.sum(axis=1) / n)[:, None], 0.0)
    return np.sqrt(np.einsum("ij,ij->i", centred, centred) / n)


# day-0 positions per block of _lag_sums's products: a block's calendar holds its rows' dates and
# L1 - 1 more, so shorter blocks multiply fewer zeros, and longer ones pay less per product; 96 was
# fastest on both a 500-event and a 20,000-event study (128 and 64 within 5-40%, 256 15-25% slower)
_RBAR_BLOCK = 96
# a dot product's multiply-adds cost about this many of a block product's (BLAS level 1 against 3:
# 3.7 against 13.6 per ns on a 500-event study, one thread); _lag_sums takes the cheaper way
_DOT_COST = 3.5


@dataclasses.dataclass(frozen=True)
class _DayGrid:
    """Values summed over the events with one day 0, on a calendar: ``dsum[p, c]`` sums the events
    whose day 0 is position ``p0 + p`` of the calendar, at the date ``rel_lo + c`` positions from
    that day 0 (what :func:`_lag_sums` pairs up)."""

    p0: int
    rel_lo: int
    dsum: np.ndarray

    def moved(self) -> Self:
        """The same values one session later: ``x(t)`` of another grid then pairs with these at
        ``t - 1``, the previous session (:class:`_LeadLag`)."""
        return dataclasses.replace(self, rel_lo=self.rel_lo + 1)


@dataclasses.dataclass(frozen=True)
class _CalendarSums(_DayGrid):
    """A group's unit estimation residuals summed by day 0 on the calendar (:func:`_calendar_sums`).

    ``dsum``: the sums of ``u_i`` on ``joint`` (sorted day numbers); ``count[p]``: how many events
    have that day 0, ``root_n[p]`` the sum of their ``sqrt(n_i)`` (``n_i``: the residuals an event
    has) and ``n_sum`` the sum of every ``n_i``. ``present``: how many of the events have a
    residual on each date; ``windows``: how many have each date in each window (``bounds``: the
    windows' first and last offsets, the span last). Each is ``None`` when it follows from
    ``count``: every estimation window complete on consecutive sessions as far from day 0 as in
    event time (offset ``e1``), every span a run of consecutive sessions. ``by_market``: for a
    group of listings of several markets (lead-lag terms), the same sums of each market's events,
    by market code.
    """

    joint: np.ndarray
    count: np.ndarray
    l1: int  # estimation window length
    e1: int
    root_n: np.ndarray
    n_sum: float
    bounds: tuple[tuple[int, int], ...]
    present: _DayGrid | None = None
    windows: tuple[_DayGrid, ...] | None = None
    by_market: tuple[tuple[int, _CalendarSums], ...] = ()
    # the sums of s_i u_i (s_i: event i's residual standard deviation) on the same cells as
    # ``dsum``, and the sum of every s_i^2: r̄*'s pairs weighted by s_i s_j (_caar_row)
    wsum: np.ndarray | None = None
    s2_sum: float = 0.0

    @property
    def n(self) -> int:
        return int(self.count.sum())

    @property
    def nbytes(self) -> int:
        grids = [self, *([self.present] if self.present is not None else []), *(self.windows or ())]
        extra = 0 if self.wsum is None else self.wsum.nbytes
        return sum(g.dsum.nbytes for g in grids) + extra + sum(part.nbytes for _, part in self.by_market)

    def weight_grid(self) -> _DayGrid:
        """``wsum`` on ``dsum``'s cells."""
        assert self.wsum is not None
        return _DayGrid(self.p0, self.rel_lo, self.wsum)

    def present_grid(self) -> _DayGrid:
        """``present``, or what it is when every estimation window is complete."""
        if self.present is not None:
            return self.present
        return _DayGrid(self.p0, self.e1, np.repeat(self.count[:, None], self.l1, axis=1))

    def window_grid(self, w: int) -> _DayGrid:
        """``windows[w]``, or what it is when every span is a run of consecutive sessions."""
        if self.windows is not None:
            return self.windows[w]
        a, b = self.bounds[w]
        return _DayGrid(self.p0, a, np.repeat(self.count[:, None], b - a + 1, axis=1))


def _calendar_sums(  # type: ignore[no-untyped-def]
    flat: FlatReturns,
    row0: np.ndarray,
    resid: np.ndarray,
    e1: int,
    bounds: Sequence[tuple[int, int]],
    joint: np.ndarray | None = None,
    min_events: int = 2,
) -> _CalendarSums | None:
    """Each event's residuals centred and scaled to unit length over its estimation window
    (``u_i``), placed on the calendar and summed over the events with the same day 0.

    ``row0``, ``resid``: the group's events (rows of day 0 in ``flat``, (N, L1) estimation
    residuals of the window starting at offset ``e1``); ``bounds``: each window's first and last
    offsets, the span last. The calendar is the sessions of every listing involved (a wide frame's
    dates), or ``joint`` (a larger group's, for one market's events of it). Each residual goes to
    its own date, and each window's sessions are counted on theirs: a listing's missing session,
    or another exchange's session on a holiday of its own, is a gap there. ``None`` when fewer
    than ``min_events`` events have residuals that vary.
    """
    n_ev, l1 = resid.shape
    code = flat.code_at(row0)
    if joint is None:
        joint = _sessions_of(flat, row0)
    lo_day = int(joint[0])
    where = np.full(int(joint[-1]) - lo_day + 1, -1, dtype=np.int64)
    where[joint - lo_day] = np.arange(joint.size)

    def position(rows: np.ndarray) -> np.ndarray:
        return where[flat.days_at(rows) - lo_day]

    pos = position(row0)  # day 0's position on the calendar
    order = np.argsort(pos, kind="stable")
    idx, pos = order, pos[order]
    p_in = (row0 - flat.start[code])[idx]  # day 0's row in its listing's rows
    rows_of = flat.length[code[idx]]  # each event's listing's rows
    est_off = np.arange(e1, e1 + l1)
    p0 = int(pos[0])
    n_pos = int(pos[-1]) - p0 + 1
    # "dense" events (nearly all, usually): the estimation window lies in the listing's rows on
    # consecutive sessions of the calendar, as far from day 0 as in event time, so residual j
    # sits in column e1 + j of its day 0's row: a sum of rows, no per-residual lookup
    inside = (p_in + e1 >= 0) & (p_in + e1 + l1 <= rows_of)
    dense = inside.copy()
    k = np.flatnonzero(inside)
    r_est = row0[idx[k]] + e1  # the estimation window's first row
    dense[k] = (position(r_est) == pos[k] + e1) & (position(r_est + l1 - 1) == pos[k] + e1 + l1 - 1)
    sparse = np.flatnonzero(~dense)

    rel_lo, rel_hi = (e1, e1 + l1 - 1) if dense.any() else (0, 0)
    chunk = 2048  # events at a time: each temporary (chunk x L1) stays in cache
    parts = [slice(lo, lo + chunk) for lo in range(0, sparse.size, chunk)]
    for part in parts:  # the columns' range: estimation dates' calendar positions from day 0
        k = sparse[part]
        r0 = row0[idx[k]]
        first = np.maximum(e1, -p_in[k])  # the first and last estimation offsets in the data
        last = np.minimum(e1 + l1 - 1, rows_of[k] - 1 - p_in[k])
        rel_lo = min(rel_lo, int((position(r0 + first) - pos[k]).min()))
        rel_hi = max(rel_hi, int((position(r0 + last) - pos[k]).max()))
    width = rel_hi - rel_lo + 1
    cols = slice(e1 - rel_lo, e1 - rel_lo + l1)  # a dense event's residuals in its day 0's row
    sums = np.zeros((n_pos, width))
    wsums = np.zeros((n_pos, width))
    count, root_n = np.zeros(n_pos), np.zeros(n_pos)
    good_all = np.zeros(idx.size, dtype=bool)
    # every event dense: the compiled kernels (when loaded) take the chunks, and check that every
    # residual is finite on the way (then ``present`` follows from ``count``)
    compiled = None
    if not sparse.size:
        grids = (sums, wsums, count, root_n, good_all)
        compiled = _dense_day_sums(resid, idx, pos - p0, cols, chunk, *grids)
    finite = compiled is not None or _kernel.all_finite(resid)  # no chunk masks its residuals
    complete = sparse.size == 0 and finite  # then ``present`` follows from ``count``
    present = None if complete else np.zeros((n_pos, width))
    n_sum, s2_sum = (0.0, 0.0) if compiled is None else compiled
    numpy_chunks = range(0, idx.size, chunk) if compiled is None else range(0)
    for lo in numpy_chunks:
        part = slice(lo, lo + chunk)
        d_rows = np.flatnonzero(dense[part])
        s_rows = np.flatnonzero(~dense[part])
        at = pos[part][d_rows] - p0  # events sorted by day 0: one row sum per day 0
        starts = np.flatnonzero(np.diff(at, prepend=-1))
        runs = _DayRuns.of(at, starts) if at.size else None
        # the chunk's events in the order their sums want: the dense ones in the runs' layout
        # (the k-th event of every day 0 together), then the others; the per-event sums below go
        # back to the sorted order, so that every sum adds the same numbers in the same order
        order = np.concatenate([d_rows if runs is None else d_rows[runs.order], s_rows])
        back = np.empty_like(order)
        back[order] = np.arange(order.size)
        xs = resid[idx[part][order]]  # NaN outside the data and where a return is missing
        fin = np.isfinite(xs) if present is not None or not finite else None
        if fin is None or fin.all():
            xs -= xs.mean(axis=1, keepdims=True)
            centred = xs
            n_i = np.full(xs.shape[0], float(l1))
        else:
            xs = np.where(fin, xs, 0.0)
            n_i = fin.sum(axis=1).astype(float)
            centred = np.where(fin, xs - (xs.sum(axis=1) / np.maximum(n_i, 1))[:, None], 0.0)
        norm = np.sqrt((centred * centred).sum(axis=1))  # numpy's pairwise sums (_dense_day_sums)
        good = norm > 0
        good_all[part] = good[back]
        sd = np.where(good, norm / np.sqrt(np.maximum(n_i, 1.0)), 0.0)  # s_i, as _residual_sd
        s2_sum += float((sd[back] ** 2).sum())
        inv_norm = np.divide(1.0, norm, out=np.zeros_like(norm), where=good)
        n_i = np.where(good, n_i, 0.0)
        count += np.bincount(pos[part][good_all[part]] - p0, minlength=n_pos)
        root_n += np.bincount(pos[part] - p0, weights=np.sqrt(n_i)[back], minlength=n_pos)
        n_sum += float(n_i.sum())
        centred *= inv_norm[:, None]  # u_i
        # what each event puts on the calendar: u_i, and 1 on each date it has a residual
        layers = [(sums, centred), (wsums, centred * sd[:, None])]
        if present is not None:
            assert fin is not None
            layers.append((present, (fin & good[:, None]).astype(float)))
        if runs is not None:
            for grid, values in layers:
                runs.add(grid, values[: d_rows.size], cols, fresh=lo == 0)
        elif d_rows.size:
            layers_d = [(grid, values[: d_rows.size]) for grid, values in layers]
            _scatter_day_sums(layers_d, at, starts, cols, fresh=lo == 0)
        if s_rows.size:
            k = lo + s_rows
            r0 = row0[idx[k]]
            # rows outside a listing's (no residual there: NaN) are clipped to its first and last
            first_row = (r0 - p_in[k])[:, None]
            est_rows = np.clip(r0[:, None] + est_off, first_row, first_row + rows_of[k, None] - 1)
            # each residual's cell of D: row day 0's position, column its date's position from it
            cell = position(est_rows)
            cell += ((pos[k] - p0) * width - pos[k] - rel_lo)[:, None]
            for grid, values in layers:
                grid.reshape(-1)[:] += np.bincount(
                    cell.reshape(-1), weights=values[d_rows.size :].reshape(-1), minlength=grid.size
                )
    if count.sum() < min_events:
        return None
    windows = _window_grids(position, row0[idx], pos, p0, n_pos, good_all, bounds)
    return _CalendarSums(
        p0=p0,
        rel_lo=rel_lo,
        dsum=sums,
        joint=joint,
        count=count,
        l1=l1,
        e1=e1,
        root_n=root_n,
        n_sum=n_sum,
        bounds=tuple((int(a), int(b)) for a, b in bounds),
        present=None if present is None else _DayGrid(p0, rel_lo, present),
        windows=windows,
        wsum=wsums,
        s2_sum=s2_sum,
    )


def _dense_day_sums(
    resid: np.ndarray,
    idx: np.ndarray,
    at: np.ndarray,
    cols: slice,
    chunk: int,
    sums: np.ndarray,
    wsums: np.ndarray,
    count: np.ndarray,
    root_n: np.ndarray,
    good: np.ndarray,
) -> tuple[float, float] | None:
    """:func:`_calendar_sums`'s chunks when every event is dense, by the compiled kernels
    (:func:`rerating.study._compiled.centre_day_rows`): the residuals ``resid[idx]`` (sorted by
    day 0, ``at`` its row of the grids) into ``sums``, ``wsums``, ``count``, ``root_n`` and
    ``good``, as numpy's chunks add them (the same numbers). Returns ``n_sum`` and ``s2_sum``;
    None, the grids left at 0, when the kernels are not loaded or a residual is not finite."""
    l1 = resid.shape[1]
    n_sum = s2_sum = 0.0
    for lo in range(0, idx.size, chunk):
        part = slice(lo, lo + chunk)
        day = at[part]
        starts = np.flatnonzero(np.diff(day, prepend=-1))
        first = np.zeros(day.size, dtype=bool)
        first[starts] = True
        # a day's events added one by one, as _DayRuns does, or summed first where numpy's path
        # sums long runs with np.add.reduceat (_scatter_day_sums): the same order either way
        length = np.diff(starts, append=day.size)
        grouped = int(length.max()) > max(_DAY_RUN_MAX, length.size)
        out = _compiled.centre_day_rows(
            resid, idx[part], day, first, cols, lo == 0, grouped, sums, wsums
        )
        if out is None:
            for grid in (sums, wsums, count, root_n, good):  # the chunks before: numpy redoes them
                grid.fill(0)
            return None
        sd, ok = out
        good[part] = ok
        n_i = np.where(ok, float(l1), 0.0)
        count += np.bincount(day[ok], minlength=count.size)
        root_n += np.bincount(day, weights=np.sqrt(n_i), minlength=root_n.size)
        n_sum += float(n_i.sum())
        s2_sum += float((sd**2).sum())
    return n_sum, s2_sum


def _scatter_day_sums(
    layers: Sequence[tuple[np.ndarray, np.ndarray]],
    at: np.ndarray,
    starts: np.ndarray,
    cols: slice,
    fresh: bool,
) -> None:
    """Add the rows of each ``values`` that share a day 0 into row ``at`` of its ``grid`` (columns
    ``cols``): rows sorted by ``at``, each run starting at ``starts``. ``fresh``: the grids are
    still 0 (each day 0 then written once, not added)."""
    runs = _DayRuns.of(at, starts)
    if runs is not None:
        for grid, values in layers:
            runs.add(grid, values[runs.order], cols, fresh)
        return
    for grid, values in layers:  # long runs (many events on one date): one reduction per run
        rowsum = np.add.reduceat(values, starts, axis=0)
        if fresh:
            grid[at[starts], cols] = rowsum
        else:
            grid[at[starts], cols] += rowsum


# _DayRuns lays out runs of up to this many rows, and longer ones while the longest is no longer
# than the runs are many: it costs one whole-block add per row of the longest run, np.add.reduceat
# one reduction per run (~2 us: 0.5 ms for 250 runs of 2, 0.05 ms in blocks; 1 run of 500 rows the
# other way round)
_DAY_RUN_MAX = 8


@dataclasses.dataclass(frozen=True)
class _DayRuns:
    """Rows sorted by day 0 laid out so that their sums by day 0 take a few whole-block adds: block
    ``k`` holds the ``k``-th row of every day 0 with more than ``k`` (``sizes[k]`` rows, the runs
    longest first), so that it adds onto the first ``sizes[k]`` rows of block 0 (with a few
    events per day 0, events spread in time: no per-run loop, no indexed add).

    ``order``: the sorted rows in that layout; ``rows``: each run's day-0 row, in block 0's order.
    Each day 0 adds its rows in their sorted order: the same sums as one row at a time.
    """

    order: np.ndarray
    rows: np.ndarray
    sizes: tuple[int, ...]

    @classmethod
    def of(cls, at: np.ndarray, starts: np.ndarray) -> _DayRuns | None:
        """The layout of rows sorted by ``at``, each run starting at ``starts``; ``None`` when the
        longest run is too long for it (``_DAY_RUN_MAX``)."""
        length = np.diff(starts, append=at.size)
        most = int(length.max())
        if most > max(_DAY_RUN_MAX, length.size):
            return None
        by_length = np.argsort(-length, kind="stable")  # the runs with a k-th row come first
        # block k's rows: the runs longer than k
        sizes = tuple(int(m) for m in length.size - np.cumsum(np.bincount(length)[:most]))
        first = starts[by_length]
        order = np.concatenate([first[:m] + k for k, m in enumerate(sizes)])
        return cls(order, at[first], sizes)

    def add(self, grid: np.ndarray, values: np.ndarray, cols: slice, fresh: bool) -> None:
        """Add ``values`` (rows in ``order``'s layout) into their day-0 rows of ``grid`` (columns
        ``cols``; ``fresh``: still 0 there). Block 0 of ``values`` is overwritten with the sums."""
        acc = values[: self.sizes[0]]
        if not fresh:
            acc = grid[self.rows, cols] + acc
        start = self.sizes[0]
        for size in self.sizes[1:]:
            acc[:size] += values[start : start + size]
            start += size
        grid[self.rows, cols] = acc


def _sessions_of(flat: FlatReturns, row0: np.ndarray) -> np.ndarray:
    """The calendar of :func:`_calendar_sums`: sorted day numbers of every session of the listings
    of the events whose day-0 rows are ``row0`` (a wide frame's dates)."""
    if flat.date_index is not None:
        return flat.index_days
    listings = np.unique(flat.code_at(row0))
    rows = np.concatenate([np.arange(flat.start[c], flat.start[c] + flat.length[c]) for c in listings])
    return _distinct_days(flat.days_at(rows))


def _sum_grids(grids: Sequence[_DayGrid]) -> _DayGrid:
    """The sum of grids of one calendar (their day-0 rows and columns aligned)."""
    p0 = min(g.p0 for g in grids)
    rel_lo = min(g.rel_lo for g in grids)
    rows = max(g.p0 + g.dsum.shape[0] for g in grids) - p0
    cols = max(g.rel_lo + g.dsum.shape[1] for g in grids) - rel_lo
    out = np.zeros((rows, cols))
    for g in grids:
        r, c = g.p0 - p0, g.rel_lo - rel_lo
        out[r : r + g.dsum.shape[0], c : c + g.dsum.shape[1]] += g.dsum
    return _DayGrid(p0, rel_lo, out)


def _market_sums(parts: Sequence[tuple[int, _CalendarSums]]) -> _CalendarSums:
    """A group's :class:`_CalendarSums` from its markets' (``by_market``, on one calendar): each
    sum is the sum of theirs, without going over the events again."""
    sums = [part for _, part in parts]
    first = sums[0]
    total = _sum_grids(sums)

    def per_day(values: list[np.ndarray]) -> np.ndarray:
        out = np.zeros(total.dsum.shape[0])
        for g, v in zip(sums, values, strict=True):
            out[g.p0 - total.p0 : g.p0 - total.p0 + v.size] += v
        return out

    gaps = any(g.windows is not None for g in sums)
    return _CalendarSums(
        p0=total.p0,
        rel_lo=total.rel_lo,
        dsum=total.dsum,
        joint=first.joint,
        count=per_day([g.count for g in sums]),
        l1=first.l1,
        e1=first.e1,
        root_n=per_day([g.root_n for g in sums]),
        n_sum=float(sum(g.n_sum for g in sums)),
        bounds=first.bounds,
        present=(
            None
            if all(g.present is None for g in sums)
            else _sum_grids([g.present_grid() for g in sums])
        ),
        windows=(
            tuple(_sum_grids([g.window_grid(w) for g in sums]) for w in range(len(first.bounds)))
            if gaps
            else None
        ),
        by_market=tuple(parts),
        wsum=_sum_grids([g.weight_grid() for g in sums]).dsum,
        s2_sum=float(sum(g.s2_sum for g in sums)),
    )


def _window_grids(  # type: ignore[no-untyped-def]
    position, row0: np.ndarray, pos: np.ndarray, p0: int, n_pos: int, good: np.ndarray, bounds
) -> tuple[_DayGrid, ...] | None:
    """For :func:`_calendar_sums`: per window, how many of the events (``good``) with each day 0
    have each date in the window; ``None`` when every span is a run of consecutive sessions of
    the calendar (the counts then follow from the events per day 0). ``position(rows)``: the
    calendar positions of rows; ``row0``, ``pos``: each event's day-0 row and position."""
    w_lo, w_hi = bounds[-1]
    runs = (position(row0 + w_lo) == pos + w_lo) & (position(row0 + w_hi) == pos + w_hi)
    if bool(runs.all()):
        return None
    offsets = np.arange(w_lo, w_hi + 1)
    rel = np.broadcast_to(offsets, (row0.size, offsets.size)).copy()  # positions from day 0
    gaps = np.flatnonzero(~runs)
    rel[gaps] = position(row0[gaps, None] + offsets) - pos[gaps, None]
    grids = []
    for a, b in bounds:
        cols = rel[good][:, a - w_lo : b - w_lo + 1]
        lo, hi = int(cols.min()), int(cols.max())
        cell = (pos[good] - p0)[:, None] * (hi - lo + 1) + (cols - lo)
        grid = np.bincount(cell.reshape(-1), minlength=n_pos * (hi - lo + 1)).astype(float)
        grids.append(_DayGrid(p0, lo, grid.reshape(n_pos, hi - lo + 1)))
    return tuple(grids)


def _lag_sums(
    a: _DayGrid,
    b: _DayGrid,
    max_lag: int,
) -> np.ndarray:
    """``S[d + max_lag - 1]``, ``|d| < max_lag``: over the pairs of an event of ``a`` and one of ``b``
    whose day 0 is ``d`` sessions later, ``sum_t x_i(t) y_j(t)`` over their common dates (``x``,
    ``y``: the values of :class:`_DayGrid`; an event with itself included when ``a`` is ``b``, and
    each pair once: ``d >= 0``). Block of day 0s by block, one product each; or, for a few lags,
    one dot product per lag (:func:`_lag_dots`), whichever multiplies less."""
    rel_lo = min(a.rel_lo, b.rel_lo)
    span = max(a.rel_lo + a.dsum.shape[1], b.rel_lo + b.dsum.shape[1]) - rel_lo  # columns of a row
    # blocks of _RBAR_BLOCK day 0s (fewer when fewer lags are wanted, but not so few that the
    # products' count dominates)
    step = max(64, min(_RBAR_BLOCK, max_lag))
    width = step + span - 1  # a block's calendar columns
    rows = max(a.p0 + a.dsum.shape[0], b.p0 + b.dsum.shape[0]) - min(a.p0, b.p0)
    lags = max_lag if b is a else 2 * max_lag - 1
    # the blocks' products: each block with itself and the blocks within max_lag day 0s (both
    # sides for two grids), step x step x width each; per lag, a dot product of a row per day 0
    near = min(-(-(max_lag - 1) // step), -(-rows // step) - 1)
    products = -(-rows // step) * (1 + near * (1 if b is a else 2)) * step * step * width
    if _DOT_COST * rows * (span + max_lag - 1) * lags < products:
        return _lag_dots(a, b, max_lag, rel_lo, span)

    def blocks(g: _DayGrid) -> list[tuple[int, np.ndarray]]:
        n, cols = g.dsum.shape
        c0 = g.rel_lo - rel_lo
        # the rows padded to width + 1 columns, values from column c0: read back as rows of
        # ``width``, each row of a block starts one column further (its own calendar dates)
        padded = np.empty((n, width + 1))
        padded[:, :c0] = 0.0  # no need to zero the cells the values take
        padded[:, c0 + cols :] = 0.0
        padded[:, c0 : c0 + cols] = g.dsum
        flat = padded.reshape(-1)
        out = []
        for b0 in range(0, n, step):
            rows = min(step, n - b0)
            start = b0 * (width + 1)
            out.append((g.p0 + b0, flat[start : start + rows * width].reshape(rows, width)))
        return out

    blocks_a = blocks(a)
    blocks_b = blocks_a if b is a else blocks(b)
    out = np.zeros(2 * max_lag - 1)
    for a0, cal_a in blocks_a:
        for b0, cal_b in blocks_b:
            ra, rb = cal_a.shape[0], cal_b.shape[0]
            shift = b0 - a0
            nearest = max(0, shift - (ra - 1), -shift - (rb - 1))
            if nearest >= max_lag or abs(shift) >= width or (b is a and shift < 0):
                continue  # no lag wanted (or, within one group, the mirror of a block done)
            # the columns of the dates both blocks have (a block's column j is the date j
            # positions after its first row's, plus rel_lo)
            lo_a, hi_a = max(0, shift), width + min(0, shift)
            lo_b, hi_b = max(0, -shift), width - max(0, shift)
            # the product's cell (i, j) pairs day 0s shift + j - i apart: written into rows of
            # ra + rb columns with row i moved ra - 1 - i columns right (rows of ra + rb - 1 from
            # column ra - 1), each lag is a column, and a sum down the rows adds its cells in
            # row order (a lag's cells are one per row)
            diag = np.zeros(ra * (ra + rb))
            cells = diag[ra - 1 : ra - 1 + ra * (ra + rb - 1)].reshape(ra, -1)[:, :rb]
            np.matmul(cal_a[:, lo_a:hi_a], cal_b[:, lo_b:hi_b].T, out=cells)
            # the lags wanted: |lag| < max_lag, and lag >= 0 within one group
            first = max(shift - ra + 1, 1 - max_lag, 0 if b is a else 1 - max_lag)
            last = min(shift + rb - 1, max_lag - 1)
            if first <= last:
                col = first - shift + ra - 1  # lag first's column
                by_lag = diag.reshape(ra, ra + rb)[:, col : col + last - first + 1]
                out[first + max_lag - 1 : last + max_lag] += by_lag.sum(axis=0)
    return out


def _lag_dots(a: _DayGrid, b: _DayGrid, max_lag: int, rel_lo: int, span: int) -> np.ndarray:
    """:func:`_lag_sums` by one dot product per lag: both grids on rows of one calendar range of
    day 0s, each row padded with ``max_lag - 1`` zeros and the rows read as one vector. Moving
    ``d`` rows down and ``d`` columns left is then ``d * (width - 1)`` places along it, so that
    lag's pairs are that vector's dot product with itself moved by as many places (the padding
    keeps a row's first dates from meeting the row before's last)."""
    p_lo = min(a.p0, b.p0)
    rows = max(a.p0 + a.dsum.shape[0], b.p0 + b.dsum.shape[0]) - p_lo
    width = span + max_lag - 1

    def placed(g: _DayGrid) -> np.ndarray:
        out = np.zeros((rows, width))
        r0, c0 = g.p0 - p_lo, g.rel_lo - rel_lo
        out[r0 : r0 + g.dsum.shape[0], c0 : c0 + g.dsum.shape[1]] = g.dsum
        return out.reshape(-1)

    x = placed(a)
    y = x if b is a else placed(b)
    size, move = x.size, width - 1
    out = np.zeros(2 * max_lag - 1)
    for d in range(0 if b is a else 1 - max_lag, max_lag):
        k = abs(d) * move
        if k < size:  # a's day 0 then b's d later (d < 0: b's first)
            out[d + max_lag - 1] = x[: size - k] @ y[k:] if d >= 0 else x[k:] @ y[: size - k]
    return out


def _row_lags(a: np.ndarray, a_p0: int, b: np.ndarray, b_p0: int, max_lag: int) -> np.ndarray:
    """``X[d + max_lag - 1] = sum_p a[p] b[p + d]``, ``|d| < max_lag``, for per-day-0 values ``a``
    and ``b`` starting at calendar positions ``a_p0`` and ``b_p0`` (pairs of events of two grids,
    as :func:`_lag_sums`: from ``count``, how many pairs there are)."""
    lo = min(a_p0, b_p0)
    hi = max(a_p0 + a.size, b_p0 + b.size)
    ca, cb = np.zeros(hi - lo), np.zeros(hi - lo)
    ca[a_p0 - lo : a_p0 - lo + a.size] = a
    cb[b_p0 - lo : b_p0 - lo + b.size] = b
    full = np.correlate(cb, ca, mode="full")  # [k]: sum_p ca[p] cb[p + k - (n - 1)]
    n = hi - lo
    out = np.zeros(2 * max_lag - 1)
    reach = min(max_lag - 1, n - 1)
    out[max_lag - 1 - reach : max_lag + reach] = full[n - 1 - reach : n + reach]
    return out


@dataclasses.dataclass(frozen=True)
class _PairTerms:
    """Sums over the pairs of an event ``i`` of one group and ``j`` of another (or the same) whose
    day 0 lie ``d`` sessions apart, by ``d`` (:func:`_pair_terms`)."""

    d: np.ndarray  # the lags
    pairs: np.ndarray  # how many pairs
    r: np.ndarray  # the sum of their correlations
    shared: list[np.ndarray]  # per window, the sum of the dates they share in it
    # r weighted by s_i s_j (weighted=True), at the lags where two windows can share a date only
    # (0 further apart, where no date is shared: it only ever weighs shared dates, _mean_shared)
    r_weighted: np.ndarray | None = None


def _pair_terms(
    a: _CalendarSums,
    b: _CalendarSums,
    max_lag: int,
    lead: bool = False,
    windows: int | None = None,
    weighted: bool = False,
    near_only: bool = False,
) -> _PairTerms:
    """:class:`_PairTerms` of events ``i`` of ``a`` and ``j`` of ``b`` with ``j``'s day 0 ``d``
    sessions later, ``|d| < max_lag``. When ``a`` is ``b``, each pair once (``d >= 0``, no event
    with itself). ``near_only``: the sums of ``u_i u_j`` only at the lags where two windows can
    share a date (``r`` is 0 further apart: what the windows' r̄ needs, not the residuals' mean
    correlation over every pair).

    A pair's correlation over its common dates is estimated from the unit residuals as
    ``sum_t u_i(t) u_j(t) sqrt(n_i n_j) / c_ij`` (``c_ij`` common dates with a residual, ``n_i``
    the residuals ``i`` has; exactly Pearson's when the residuals' mean and variance over the
    common dates are those over each whole window), summed over the pairs ``d`` apart as
    ``S[d] Q[d] / C[d]``: the sums of ``u_i u_j``, of ``sqrt(n_i n_j)`` and of ``c_ij``. Pairs with
    fewer than ``RBAR_MIN_OVERLAP`` common estimation sessions in event time count as 0, as in
    :func:`_rbar`. ``shared[w]``: the sums of the dates of window ``w`` both have. ``lead``: ``j``'s
    residual of the previous session instead (``e_j(t - 1)``), and dates of ``i``'s window whose
    previous session is in ``j``'s (:class:`_LeadLag`). ``windows``: how many of ``bounds`` (all).
    """
    same = b is a and not lead

    def lags(x: np.ndarray) -> np.ndarray:
        return x[max_lag - 1 :] if same else x

    d = lags(np.arange(1 - max_lag, max_lag))
    pairs = lags(_row_lags(a.count, a.p0, b.count, b.p0, max_lag))

    def lag_sums(x: _DayGrid, y: _DayGrid, reach: int = max_lag) -> np.ndarray:
        """:func:`_lag_sums` of a grid of ``a``'s events and one of ``b``'s at the pair's lags,
        summed for ``|d| < reach`` only (0 further apart)."""
        out = np.zeros(2 * max_lag - 1)
        second = x if same else (y.moved() if lead else y)
        out[max_lag - reach : max_lag + reach - 1] = _lag_sums(x, second, reach)
        return lags(out)

    n_windows = len(a.bounds) if windows is None else windows
    # what only weighs the dates two events' windows share is summed at the lags a window spans,
    # not at every lag of the estimation window
    near = min(max_lag, _window_reach(a, b, n_windows) + 1)
    s = lag_sums(a, b, near if near_only else max_lag)
    s_w = None
    if weighted:  # the same sums of s_i u_i: each pair's product weighted by s_i s_j
        s_w = lag_sums(a.weight_grid(), b.weight_grid(), near)
    q = lags(_row_lags(a.root_n, a.p0, b.root_n, b.p0, max_lag))
    if same:  # d = 0: each pair once, without the events with themselves
        pairs[0] = float((a.count * (a.count - 1)).sum()) / 2.0
        s[0] = (s[0] - a.n) / 2.0
        q[0] = (q[0] - a.n_sum) / 2.0
        if s_w is not None:
            s_w[0] = (s_w[0] - a.s2_sum) / 2.0
    apart = np.abs(d + 1) if lead else np.abs(d)

    def paired(x: _DayGrid, y: _DayGrid, itself: float, reach: int = max_lag) -> np.ndarray:
        """Lag sums of two more grids of the pair (``itself``: an event's own term at d = 0)."""
        out = lag_sums(x, y, reach)
        if same:
            out[0] = (out[0] - itself) / 2.0
        return out

    if a.present is None and b.present is None:  # complete windows: c_ij = L1 - |d'|
        c = pairs * (a.l1 - apart)
    else:
        c = paired(a.present_grid(), b.present_grid(), a.n_sum)
    # pairs with RBAR_MIN_OVERLAP common estimation dates (on average over the pairs d apart)
    linked = (apart <= a.l1 - RBAR_MIN_OVERLAP) & (c > 0) & (c >= RBAR_MIN_OVERLAP * pairs)
    r = np.where(linked, s * q / np.where(linked, c, 1.0), 0.0)
    r_w = None if s_w is None else np.where(linked, s_w * q / np.where(linked, c, 1.0), 0.0)
    shared = []
    for w in range(n_windows):
        lo, hi = a.bounds[w]
        if a.windows is None and b.windows is None:  # consecutive sessions: L - |d'| in common
            shared.append(pairs * np.maximum(hi - lo + 1 - apart, 0))
        else:
            shared.append(paired(a.window_grid(w), b.window_grid(w), a.n * (hi - lo + 1), near))
    return _PairTerms(d, pairs, r, shared, r_w)


def _window_reach(a: _CalendarSums, b: _CalendarSums, windows: int) -> int:
    """The most calendar positions two day 0s of ``a`` and ``b`` can lie apart and their first
    ``windows`` windows still share a date: a window's width on the calendar (its length, or more
    with a gap) less one, plus one for :class:`_LeadLag`'s previous session."""
    widths = [
        hi - lo + 1 if g.windows is None else g.windows[w].dsum.shape[1]
        for g in (a, b)
        for w, (lo, hi) in enumerate(g.bounds[:windows])
    ]
    return max(widths, default=0)


def _mean_shared(terms: _PairTerms, w: int, weighted: bool = False) -> float:
    """``sum_ij r_ij k_ij`` over the pairs, by lag: the correlations times the mean dates of
    window ``w`` the pairs ``d`` apart share (``weighted``: each weighted by ``s_i s_j``)."""
    r = terms.r_weighted if weighted else terms.r
    assert r is not None
    has = terms.pairs > 0
    return float((r * np.where(has, terms.shared[w] / np.where(has, terms.pairs, 1.0), 0.0)).sum())


def _rbar_all_events(sums: _CalendarSums, residual: bool = True) -> _GroupRbar:
    """r̄ of a large group (Kolari & Pynnönen 2010, by window as :func:`_rbar`) from *every*
    event, by sums over calendar time instead of pairs (:func:`_calendar_sums`), for each of the
    windows ``sums.bounds``.

    :func:`_rbar` correlates the pairs of a subsample of ``RBAR_MAX_EVENTS`` events. With many
    events that subsample holds a small share of the pairs, and when the events are spread in
    time few of its pairs share a window date at all: a whole market's design effect
    ``1 + (N-1) r̄`` then swings by more than 1 from one subsample to another. Here every pair
    counts: the pairs whose day 0 lie ``d`` sessions apart cost one product of the sums per day 0
    (:func:`_pair_terms`), which estimates their correlations (exactly on one date without a
    missing residual), and a window of ``L`` sessions weighs them by the mean number of its dates
    they share (``L - d`` on consecutive sessions).

    With listings of several markets (``sums.by_market``, :class:`_LeadLag`), an ordered pair of
    events of different markets also adds ``corr(e_i(t), e_j(t-1))`` times the dates of ``i``'s
    window whose previous session is in ``j``'s, as :func:`_rbar` adds it for its subsample.

    ``residual=False`` (one market): the residuals' mean correlation over every pair, which needs
    the sums at every lag of the estimation window and which no test uses, is left NaN (see
    :func:`_residual_rbar`); the windows' r̄ need only the lags a window spans.
    """
    max_lag = sums.l1 - RBAR_MIN_OVERLAP + 1  # pairs further apart share too few estimation dates
    n_pairs_all = sums.n * (sums.n - 1) / 2.0
    lengths = [b - a + 1 for a, b in sums.bounds]
    if max_lag < 1:  # estimation windows shorter than RBAR_MIN_OVERLAP: no pair is linked
        zeros = tuple(0.0 for _ in lengths)
        return _GroupRbar(0.0, 0, zeros, zeros, zeros)
    markets = sums.by_market if len(sums.by_market) > 1 else ((0, sums),)
    # the pairs of each two markets apart (and of one market): their correlations and shared
    # window dates differ from one pair of markets to another, and go together
    # r̄* (_caar_row): the pairs weighted by s_i s_j, over what they sum to when every r_ij = 1
    weight_all = (sums.n - 1) / 2.0 * sums.s2_sum
    weigh = sums.wsum is not None and weight_all > 0
    same_date, r_sum, linked = [0.0] * len(lengths), 0.0, 0
    weighted = [0.0] * len(lengths)
    near_only = not residual and len(markets) == 1
    for k, (_, a) in enumerate(markets):
        for _, b in markets[k:]:
            terms = _pair_terms(a, b, max_lag, weighted=weigh, near_only=near_only)
            r_sum += float(terms.r.sum())
            linked += int(terms.pairs.sum())
            for w, length in enumerate(lengths):
                same_date[w] += _mean_shared(terms, w) / (length * n_pairs_all)
                if weigh:
                    weighted[w] += _mean_shared(terms, w, True) / (length * weight_all)
    effective = list(same_date)
    for m_a, a in markets if len(markets) > 1 else ():  # ordered pairs of different markets
        for m_b, b in markets:
            if m_a != m_b:
                lead = _pair_terms(a, b, max_lag + 1, lead=True, weighted=weigh)
                for w, length in enumerate(lengths):
                    effective[w] += _mean_shared(lead, w) / (length * n_pairs_all)
                    if weigh:
                        weighted[w] += _mean_shared(lead, w, True) / (length * weight_all)
    return _GroupRbar(
        float("nan") if near_only else r_sum / n_pairs_all,
        linked,
        tuple(effective),
        tuple(same_date),
        tuple(weighted) if weigh else (),
    )


def _residual_rbar(sums: _CalendarSums) -> float:
    """:func:`_rbar_all_events`'s residual r̄ of a group of one market: the residuals' mean
    correlation over every pair, from the sums at every lag of the estimation window."""
    max_lag = sums.l1 - RBAR_MIN_OVERLAP + 1
    if max_lag < 1 or sums.n < 2:
        return 0.0
    return float(_pair_terms(sums, sums, max_lag).r.sum()) / (sums.n * (sums.n - 1) / 2.0)


class _ResidualRbars(Mapping):
    """``results.rbar_residual``: each group's residual r̄ (the clustering table's
    ``rbar_residual``). A group whose r̄ came from every event's calendar sums in one market gets
    it the first time it is read (:func:`_residual_rbar`): its sums at every lag of the
    estimation window cost a 500-event fit a tenth of its time, and no test, CAAR or window r̄
    uses it. The value is the one the fit would have computed, to the last bit."""

    def __init__(self) -> None:
        self._values: dict[str, float] = {}
        self._sums: dict[str, _CalendarSums] = {}
        self._lock = threading.Lock()

    def put(self, group: str, value: float, sums: _CalendarSums | None = None) -> None:
        """``value`` for ``group``; or, with ``sums``, computed from them when first read."""
        if sums is None:
            self._values[group] = value
        else:
            self._sums[group] = sums

    @property
    def pending_bytes(self) -> int:
        """The memory the sums kept for later hold."""
        return sum(s.nbytes for s in self._sums.values())

    def __getitem__(self, group: str) -> float:
        with self._lock:  # results may be read from several threads
            if group in self._sums:
                with _one_blas_thread():  # as in the fit: the same sums whenever it runs
                    self._values[group] = _residual_rbar(self._sums.pop(group))
        return self._values[group]

    def __getstate__(self) -> dict:  # results pickle: the lock is made anew
        return {"_values": self._values, "_sums": self._sums}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[str]:
        return iter([*self._values, *self._sums])

    def __len__(self) -> int:
        return len(self._values) + len(self._sums)


def _rbar_between_all_events(a: _CalendarSums, b: _CalendarSums) -> dict:
    """:func:`_rbar_between` from every event of two large groups (:func:`_calendar_sums`, on
    one calendar) for their windows (``bounds`` but the span): pairs ``d`` sessions apart in
    either direction, as :func:`_rbar_all_events`; with the lead-lag terms of pairs in different
    markets (``by_market``) in both directions."""
    n_windows = len(a.bounds) - 1
    lengths = [hi - lo + 1 for lo, hi in a.bounds[:n_windows]]
    # pairs whose windows can share a date (a window with a gap spans more calendar positions)
    reach = max(
        [*lengths, *(g.dsum.shape[1] for s in (a, b) for g in (s.windows or ())[:n_windows])]
    )
    # each market of a with each of b, as within a group (:func:`_rbar_all_events`)
    parts_a = a.by_market if a.by_market and b.by_market else ((0, a),)
    parts_b = b.by_market if a.by_market and b.by_market else ((0, b),)
    same_date, r_sum, linked = [0.0] * n_windows, 0.0, 0
    for _, x in parts_a:
        for _, y in parts_b:
            terms = _pair_terms(x, y, reach, windows=n_windows)
            r_sum += float(terms.r.sum())
            linked += int(terms.pairs.sum())
            for w, length in enumerate(lengths):
                same_date[w] += _mean_shared(terms, w) / (length * a.n * b.n)
    effective = list(same_date)
    # a's date with b's previous session, and b's with a's
    for first, second in ((a, b), (b, a)):
        for m_x, x in first.by_market:
            for m_y, y in second.by_market:
                if m_x != m_y:
                    lead = _pair_terms(x, y, reach + 1, lead=True, windows=n_windows)
                    for w, length in enumerate(lengths):
                        effective[w] += _mean_shared(lead, w) / (length * a.n * b.n)
    return {
        "rbar": r_sum / linked if linked else 0.0,
        "n_pairs": linked,
        "effective": effective,
        "same_date": same_date,
    }


class _PairwiseRbar(Mapping):
    """``results.rbar_between``: r̄ across each pair of named groups, ``(a, b)`` with ``a < b``,
    computed the first time the pair is read (a study of many groups pays only for the pairs
    :meth:`~rerating.study.EventStudyResults.compare` asks for): from every event when both
    groups have :class:`_CalendarSums` (on the study's calendar; each market's too when it has
    lead-lag terms), else from their :class:`_RbarSample`."""

    def __init__(
        self,
        samples: dict[str, _RbarSample],
        sums: dict[str, _CalendarSums] | None = None,
    ) -> None:
        self._samples, self._sums = samples, sums or {}
        names = sorted(samples)
        self._pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        self._done: dict[tuple[str, str], dict] = {}

    def _sums_of(self, a: str, b: str) -> tuple[_CalendarSums, _CalendarSums] | None:
        sa, sb = self._sums.get(a), self._sums.get(b)
        if sa is None or sb is None or sa.l1 != sb.l1:
            return None
        if not (sa.joint is sb.joint or np.array_equal(sa.joint, sb.joint)):
            return None
        ma, mb = self._samples[a].market, self._samples[b].market
        if ma is not None and mb is not None and not (sa.by_market and sb.by_market):
            return None  # lead-lag terms need each market's sums, which the subsample has
        return sa, sb

    def __getitem__(self, pair: tuple[str, str]) -> dict:
        if pair not in self._done:
            a, b = pair
            if not (a < b and a in self._samples and b in self._samples):
                raise KeyError(pair)
            # one BLAS thread, as in the fit: the same sums whenever and wherever it runs
            with _one_blas_thread():
                both = self._sums_of(a, b)
                self._done[pair] = (
                    _rbar_between(self._samples[a], self._samples[b])
                    if both is None
                    else _rbar_between_all_events(*both)
                )
        return self._done[pair]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


def _time_blocks(days_x: np.ndarray, days_y: np.ndarray):  # type: ignore[no-untyped-def]
    """Yield ``(px, py)``: the events of ``x`` in one block of calendar time, and those of ``y`` in
    that block or the ones next to it. Rows of ``days_*`` are each event's window dates (day
    numbers, ascending); blocks are at least as long as any window, so every pair whose windows
    share a date meets in exactly one ``(px, py)``."""
    first_x, first_y = days_x[:, 0], days_y[:, 0]
    width = max(int((days_x[:, -1] - first_x).max()), int((days_y[:, -1] - first_y).max()), 365) + 1
    origin = int(min(first_x.min(), first_y.min()))
    block_x, block_y = (first_x - origin) // width, (first_y - origin) // width
    for k in np.unique(block_x):
        py = np.flatnonzero(np.abs(block_y - k) <= 1)
        if py.size:
            yield np.flatnonzero(block_x == k), py


def _shared_dates(days_x: np.ndarray, days_y: np.ndarray) -> np.ndarray:
    """(n_x, n_y) number of dates each pair of windows shares (:func:`_time_blocks`: events spread
    over years cost small indicator products, not one over every date)."""
    out = np.zeros((days_x.shape[0], days_y.shape[0]))
    if out.size == 0:
        return out
    for px, py in _time_blocks(days_x, days_y):
        uniq, inv = np.unique(np.concatenate([days_x[px], days_y[py]]), return_inverse=True)
        inv = inv.reshape(px.size + py.size, -1)
        lo, hi = inv[:, 0], inv[:, -1]
        if (hi - lo + 1 == inv.shape[1]).all():
            # every window is a run of the block's distinct dates (one calendar, the usual case):
            # a pair shares the intersection of two runs
            shared = np.minimum.outer(hi[: px.size], hi[px.size :])
            shared -= np.maximum.outer(lo[: px.size], lo[px.size :]) - 1
            out[np.ix_(px, py)] = np.maximum(shared, 0)
            continue
        on = np.zeros((px.size + py.size, uniq.size))
        on[np.arange(on.shape[0])[:, None], inv] = 1.0
        out[np.ix_(px, py)] = on[: px.size] @ on[px.size :].T
    return out


def _rbar_between(sample_a: _RbarSample, sample_b: _RbarSample) -> dict:
    """r̄ across two groups (their :class:`_RbarSample`), and its share that reaches each event
    window's CARs.

    As :func:`_rbar` within a group: the CARs of ``i`` and ``j`` correlate ``r_ij k_ij / L`` when
    their windows share ``k_ij`` of their ``L`` dates (plus the lead-lag terms for pairs in
    different markets, when the samples have markets). Returns ``{"rbar": mean r_ij over the
    pairs whose windows share a date, "n_pairs": how many of them overlap enough in estimation
    dates, "effective": [mean CAR correlation per window], "same_date": [the same without
    lead-lag terms]}``, the means over every pair of the two subsamples (pairs without enough
    estimation overlap count as 0). Correlations are computed only for pairs whose windows share
    a date (or, with lead-lag terms, adjoin), block of calendar time by block.
    """
    na = sample_a.size
    win_a, win_b = sample_a.windows, sample_b.windows
    shared = [_shared_dates(da, db) for da, db in zip(win_a, win_b, strict=True)]
    touch = np.any([k > 0 for k in shared], axis=0)
    days = np.concatenate([sample_a.days, sample_b.days])
    vals = np.concatenate([sample_a.vals, sample_b.vals])
    cross = None
    if sample_a.market is not None and sample_b.market is not None:
        cross = sample_a.market[:, None] != sample_b.market[None, :]
    if cross is not None and cross.any():
        assert sample_a.calendar is not None and sample_b.calendar is not None
        # the joint calendar of events a and b: the union of each sample's
        joint = np.union1d(sample_a.calendar, sample_b.calendar)
        nxt = [_LeadLag.next_day(joint, np.concatenate([da, db])) for da, db in zip(win_a, win_b, strict=True)]
        # [i, j]: dates of a_i's window whose previous session is in b_j's, and the converse
        lag_ab = [_shared_dates(da, n[na:]) * cross for da, n in zip(win_a, nxt, strict=True)]
        lag_ba = [_shared_dates(n[:na], db) * cross for db, n in zip(win_b, nxt, strict=True)]
        touch |= np.any([k > 0 for k in lag_ab + lag_ba], axis=0)
        # rows: a, b on their dates, then a, b moved to the next session (x[prev d] at d)
        mat = _calendar_matrix(
            np.concatenate([days, _LeadLag.next_day(joint, days)]), np.concatenate([vals, vals])
        )
    else:
        lag_ab = lag_ba = []
        mat = _calendar_matrix(days, vals)
    n_all = days.shape[0]
    present = np.isfinite(mat)
    col_lo, col_hi = present.argmax(axis=1), mat.shape[1] - present[:, ::-1].argmax(axis=1)
    r = np.zeros(touch.shape)
    r_ab = np.zeros(touch.shape) if lag_ab else None  # corr(a_i[d], b_j[prev d])
    r_ba = np.zeros(touch.shape) if lag_ab else None  # corr(b_j[d], a_i[prev d])
    known = np.zeros(touch.shape, dtype=bool)
    # each event's first and last window date: pairs sharing a date in any window meet in a block
    for pa, pb in _time_blocks(_window_hull(win_a), _window_hull(win_b)):
        block = touch[np.ix_(pa, pb)]
        pa, pb = pa[block.any(axis=1)], pb[block.any(axis=0)]  # only events with a partner
        if pa.size == 0:
            continue
        rows = np.concatenate([pa, na + pb])
        if r_ab is not None:
            rows = np.concatenate([rows, n_all + rows])
        span = slice(int(col_lo[rows].min()), int(col_hi[rows].max()))
        pair = np.ix_(pa, pb)

        def corr(x_rows: np.ndarray, y_rows: np.ndarray, span: slice = span) -> np.ndarray:
            return cross_correlation_matrix(mat[x_rows, span], mat[y_rows, span], RBAR_MIN_OVERLAP)

        r_block = corr(pa, na + pb)
        ok = np.isfinite(r_block) & touch[pair]
        r[pair] = np.where(ok, r_block, 0.0)
        known[pair] = ok
        if r_ab is not None and r_ba is not None and cross is not None:
            lagged = cross[pair] & touch[pair]
            r_ab[pair] = np.nan_to_num(np.where(lagged, corr(pa, n_all + na + pb), 0.0))
            r_ba[pair] = np.nan_to_num(np.where(lagged, corr(n_all + pa, na + pb), 0.0))
    linked = int(touch.sum())
    scale = [d.shape[1] * touch.size for d in win_a]
    same = [float((r * k).sum()) for k in shared]
    both = list(same)
    if r_ab is not None and r_ba is not None:
        both = [
            s + float((r_ab * kab).sum()) + float((r_ba * kba).sum())
            for s, kab, kba in zip(same, lag_ab, lag_ba, strict=True)
        ]
    return {
        "rbar": float(r.sum()) / linked if linked else 0.0,
        "n_pairs": int(known.sum()),
        "effective": [v / sc for v, sc in zip(both, scale, strict=True)],
        "same_date": [v / sc for v, sc in zip(same, scale, strict=True)],
    }


def _window_hull(windows: Sequence[np.ndarray]) -> np.ndarray:
    """(n, 2): each event's first and last date over its windows (rows of day numbers)."""
    return np.column_stack(
        [np.min([d[:, 0] for d in windows], axis=0), np.max([d[:, -1] for d in windows], axis=0)]
    )


def _days_around(flat: FlatReturns, row0: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of the sessions ``offsets`` away from each of ``row0`` in its own listing's
    rows, and whether each lies inside the listing's data, both (len(row0), len(offsets))."""
    c = flat.code_at(row0)
    pos = (row0 - flat.start[c])[:, None] + offsets
    ok = (pos >= 0) & (pos < flat.length[c][:, None])
    rows = np.clip(row0[:, None] + offsets, 0, flat.n_rows - 1)
    return flat.days_at(rows), ok


class _JointCalendar:
    """``calendar(sel)``: the sorted day numbers of every session the listings of events ``sel``
    had from ``first`` to ``last`` sessions around day 0 (:class:`_LeadLag`'s joint calendar)."""

    def __init__(self, flat: FlatReturns, row0: np.ndarray, first: int, last: int) -> None:
        self.flat, self.row0, self.offsets = flat, row0, np.arange(first, last + 1)

    def __call__(self, sel: np.ndarray) -> np.ndarray:
        days, ok = _days_around(self.flat, self.row0[sel], self.offsets)
        return _distinct_days(days[ok])


def _distinct_days(days: np.ndarray) -> np.ndarray:
    """Sorted distinct day numbers, by a table over their span (np.unique sorts them all)."""
    if days.size == 0:
        return days
    lo = int(days.min())
    seen = np.zeros(int(days.max()) - lo + 1, dtype=bool)
    seen[days - lo] = True
    return np.flatnonzero(seen) + lo


class _EstimationDays:
    """``est_days[sel]``: calendar day numbers of events' estimation sessions (-1 outside the data).

    Built on demand for the few events r̄ uses, instead of an (events x sessions) array.
    """

    def __init__(self, flat: FlatReturns, row0: np.ndarray, est_off: np.ndarray) -> None:
        self.flat, self.row0, self.est_off = flat, row0, est_off

    def __getitem__(self, sel: np.ndarray) -> np.ndarray:
        days, ok = _days_around(self.flat, self.row0[sel], self.est_off)
        days = days.astype(np.int32)
        return days if ok.all() else np.where(ok, days, -1)


def _event_hashes(ev, idx) -> np.ndarray:  # type: ignore[no-untyped-def]
    """crc32 of (event_id, symbol) of events ``idx``: an order-free key for r̄'s subsample."""
    return np.array(
        [
            zlib.crc32(f"{e}\x00{s}".encode())
            for e, s in zip(ev.event_id[idx], ev.symbol[idx], strict=True)
        ],
        dtype=np.int64,
    )


def _caar_row(group, label, car, var_car, dof, rbar, overlapping) -> dict:  # type: ignore[no-untyped-def]
    """CAAR with a cross-sectional standard error (design-effect adjusted under clustering).

    One event: its own time-series standard error (Campbell, Lo & MacKinlay 1997), t(dof).
    Overlapping events: the cross-sectional standard error times Kolari & Pynnönen's (2010)
    ``sqrt((1 + (N-1) r) / (1 - r))`` with ``r`` = ``rbar`` = r̄* = ``sum_{i!=j} s_i s_j rho_ij /
    ((N-1) sum_i s_i^2)`` (``s_i``: event i's residual standard deviation, ``rho_ij`` the pair's
    CAR correlation): with ``E[s^2] = S - c`` and ``Var(CAAR) = (S + (N-1) c) / N`` (``S`` the mean
    CAR variance, ``c`` the mean covariance of a pair) the factor is exact for CARs of unequal
    variance, where Kolari & Pynnönen's equal-variance r̄ (their SCARs) understates it when the
    volatile events share the shock. Equal ``s_i`` give their r̄.
    """
    n = car.size
    caar = float(car.mean())
    if n == 1:
        se = float(np.sqrt(var_car[0]))
        df = float(dof[0])
    else:
        se = float(car.std(ddof=1) / np.sqrt(n))
        if overlapping:
            # conservative: a negative r̄ never shrinks the headline standard error; r̄ = 1 (the
            # same returns under two symbols) leaves no independent information: no se
            factor = kp_adjustment(n, max(rbar, 0.0))
            se = se / factor if factor > 0 else float("nan")
        df = n - 1.0
    t = caar / se if se > 0 else float("nan")
    # special.stdtr / stdtrit: what stats.t.sf / stats.t.ppf evaluate, without their overhead
    p = float(2 * special.stdtr(df, -abs(t))) if np.isfinite(t) else float("nan")
    q = float(special.stdtrit(df, 0.975))
    return {
        "group": group,
        "window": label,
        "n": n,
        "caar": caar,
        "std_error": se,
        "tstat": t,
        "pvalue": p,
        "conf_low": caar - q * se,
        "conf_high": caar + q * se,
        "df": df,
        "se_method": (
            "time_series"
            if n == 1
            else ("cross_sectional_kp_adjusted" if overlapping else "cross_sectional")
        ),
    }
