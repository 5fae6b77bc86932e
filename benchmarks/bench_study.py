"""Event-study engine benchmarks, with baselines measured in the same run.

1. ``small``: 500 events, 250-session estimation window, 21-session event window (-10..+10),
   market model, every test. Time of ``EventStudy(...).fit()`` after import (median of repeats;
   goal <= 20 ms), against the ``eventstudy`` package (0.1a12) on the same data, and against a
   naive per-event statsmodels OLS loop. The three must compute the same CARs (max |diff| printed).
2. ``large``: 100,000 events on a synthetic 30,000-security x 20-year panel, market model and every
   parametric test, processed in chunks of events by the pure kernel (goal <= 2 s on 2 cores,
   memory bounded by chunking): time and peak RSS.

Usage::

    .venv/bin/python benchmarks/bench_study.py            # full run
    .venv/bin/python benchmarks/bench_study.py --quick    # tiny sizes, a smoke test (seconds)

Prints a table and writes ``benchmarks/results/bench_study-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CALENDAR_START = "2000-01-03"


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one run."""

    small_events: int = 500
    estimation: int = 250
    window: tuple[int, int] = (-10, 10)
    small_repeats: int = 15
    baseline_repeats: int = 3
    # calls before timing: a process's first fits pay one-off costs (the helper thread's malloc
    # arena faulting in, ~300 page faults on the second fit; first-run code paths) and reach
    # their steady time after about ten; eventstudy's first run is ~8% slower than the next
    warmup_fits: int = 10
    baseline_warmup: int = 1
    paired_rounds: int = 9  # rounds of one eventstudy run beside the median of paired_fits fits
    paired_fits: int = 5
    large_events: int = 100_000
    large_securities: int = 30_000
    large_sessions: int = 20 * 252
    chunk_events: int = 4_000

    @property
    def estimation_window(self) -> tuple[int, int]:
        # the 250 sessions just before the event window, as eventstudy's buffer_size=0 does
        return (self.window[0] - self.estimation, self.window[0] - 1)


QUICK = Sizes(
    small_events=40,
    estimation=60,
    window=(-3, 3),
    small_repeats=3,
    baseline_repeats=1,
    warmup_fits=1,
    baseline_warmup=0,
    paired_rounds=2,
    paired_fits=2,
    large_events=2_000,
    large_securities=300,
    large_sessions=400,
    chunk_events=700,
)


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS)
    scale = 1.0 if sys.platform.startswith("linux") else 1.0 / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024.0


def _current_rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover - psutil is a dev/bench dependency
        return float("nan")


# --- data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmallData:
    returns: pd.DataFrame  # wide, date x symbol
    market: pd.DataFrame  # wide, date x "MKT"
    events: pd.DataFrame  # event_id, symbol, date


def make_small(sizes: Sizes, seed: int = 20250120) -> SmallData:
    """One security per event, distinct random dates, a market model with random alpha/beta/sigma."""
    rng = np.random.default_rng(seed)
    n = sizes.small_events
    pre = -sizes.estimation_window[0]
    spread = 250
    t = pre + spread + sizes.window[1] + 5
    dates = pd.bdate_range(CALENDAR_START, periods=t, name="date")
    m = rng.normal(0.0004, 0.01, t)
    beta = rng.uniform(0.5, 1.5, n)
    alpha = rng.normal(0.0, 0.0005, n)
    sigma = rng.uniform(0.01, 0.03, n)
    r = alpha + np.outer(m, beta) + rng.standard_normal((t, n)) * sigma
    symbols = [f"S{i:04d}" for i in range(n)]
    day0 = pre + rng.integers(0, spread, n)
    returns = pd.DataFrame(r, index=dates, columns=symbols)
    market = pd.DataFrame({"MKT": m}, index=dates)
    events = pd.DataFrame(
        {"event_id": [f"E{i:04d}" for i in range(n)], "symbol": symbols, "date": dates[day0]}
    )
    return SmallData(returns, market, events)


# --- contenders on the small problem --------------------------------------------------------------


def run_rerating(data: SmallData, sizes: Sizes, tests: str = "all") -> tuple[Any, pd.Series]:
    """The engine's public path; returns (results, CAR per event_id)."""
    from rerating.study import EventStudy

    res = EventStudy(
        data.returns,
        data.events,
        market_returns=data.market,
        benchmarks="MKT",
        model="market",
        estimation_window=sizes.estimation_window,
        event_windows=(sizes.window,),
        tests=tests,
    ).fit()
    return res, _car_by_event(res, sizes.window)


def _car_by_event(res: Any, window: tuple[int, int]) -> pd.Series:
    car = res.car
    if len(res.event_windows) > 1:
        car = car[car["window"] == car["window"].iloc[0]]
    return pd.Series(car["car"].to_numpy(dtype=float), index=pd.Index(car["event_id"]), name="car")


def run_statsmodels_loop(data: SmallData, sizes: Sizes) -> pd.Series:
    """Naive baseline: one statsmodels OLS per event, CAR = sum of window prediction errors."""
    import statsmodels.api as sm

    idx = data.returns.index
    m = data.market["MKT"].to_numpy()
    e0, e1 = sizes.estimation_window
    w0, w1 = sizes.window
    out = {}
    for ev in data.events.itertuples(index=False):
        i = idx.get_loc(ev.date)
        y = data.returns[ev.symbol].to_numpy()
        fit = sm.OLS(y[i + e0 : i + e1 + 1], sm.add_constant(m[i + e0 : i + e1 + 1])).fit()
        a, b = fit.params
        out[ev.event_id] = float((y[i + w0 : i + w1 + 1] - a - b * m[i + w0 : i + w1 + 1]).sum())
    return pd.Series(out, name="car")


def prepare_eventstudy(data: SmallData, workdir: Path) -> list[dict[str, Any]]:
    """Load the same returns into ``eventstudy`` (its CSV importer) and build its event list."""
    import eventstudy as es

    frame = data.returns.copy()
    frame["MKT"] = data.market["MKT"]
    frame.insert(0, "date", frame.index.strftime("%Y-%m-%d"))
    path = workdir / "returns.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    es.Single.import_returns(str(path))
    return [
        {
            "security_ticker": ev.symbol,
            "market_ticker": "MKT",
            "event_date": np.datetime64(ev.date.date()),
        }
        for ev in data.events.itertuples(index=False)
    ]


def run_eventstudy(event_list: list[dict[str, Any]], data: SmallData, sizes: Sizes) -> pd.Series:
    """``eventstudy.Multiple.from_list`` with the market model on the same windows."""
    import eventstudy as es

    agg = es.Multiple.from_list(
        event_list,
        es.Single.market_model,
        event_window=sizes.window,
        estimation_size=sizes.estimation,
        buffer_size=0,
        ignore_errors=False,
    )
    ids = data.events["event_id"].tolist()
    return pd.Series([float(c) for c in agg.CAR], index=ids, name="car")


def _median_time(fn: Any, repeats: int) -> tuple[float, list[float], Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def bench_small(sizes: Sizes) -> dict[str, Any]:
    data = make_small(sizes)
    report: dict[str, Any] = {"events": sizes.small_events, "estimation": sizes.estimation,
                              "window": list(sizes.window)}

    # the compiled kernels loaded, as in a process that runs many studies (a 500-event study alone
    # would not load numba: docs/ARCHITECTURE.md); the same fit without them is timed below
    os.environ.setdefault("RERATING_COMPILED", "1")
    for _ in range(sizes.warmup_fits):  # first-call imports (scipy.stats, ...), one-off costs
        run_rerating(data, sizes)
    t_re, times_re, (res, car_re) = _median_time(lambda: run_rerating(data, sizes), sizes.small_repeats)
    report["rerating_seconds"] = t_re
    report["rerating_times"] = times_re
    report["rerating_tests"] = int(res.tests["test"].nunique())
    report["rerating_events_used"] = int(car_re.notna().sum())
    from rerating.study._allocator import tune_allocator

    report["malloc_tuned"] = tune_allocator()  # applied by the first fit (see the README)
    # the same fit with fewer tests: what the pipeline itself costs (CAR, CAAR, r̄, ledger)
    for tests in ("parametric", "none"):
        run_rerating(data, sizes, tests)
        t, _, _ = _median_time(lambda t=tests: run_rerating(data, sizes, t), sizes.small_repeats)
        report[f"rerating_{tests}_seconds"] = t
    # every test without the compiled rank kernels (numba, the [fast] extra): numpy's path
    try:
        from rerating.study import _compiled

        report["compiled_kernels"] = _compiled.enabled()
    except ImportError:  # a version of rerating from before the kernels (an A/B run)
        report["compiled_kernels"] = False
    if report["compiled_kernels"]:
        mode = os.environ["RERATING_COMPILED"]
        os.environ["RERATING_COMPILED"] = "0"
        try:
            run_rerating(data, sizes)
            t, _, _ = _median_time(lambda: run_rerating(data, sizes), sizes.small_repeats)
        finally:
            os.environ["RERATING_COMPILED"] = mode
        report["rerating_numpy_ranks_seconds"] = t

    import statsmodels.api  # noqa: F401  - import outside the timed region, as for the others

    for _ in range(sizes.baseline_warmup):
        run_statsmodels_loop(data, sizes)
    t_sm, _, car_sm = _median_time(lambda: run_statsmodels_loop(data, sizes), sizes.baseline_repeats)
    report["statsmodels_loop_seconds"] = t_sm
    report["speedup_vs_statsmodels_loop"] = t_sm / t_re
    report["max_abs_car_diff_vs_statsmodels"] = float((car_re - car_sm.reindex(car_re.index)).abs().max())

    try:
        import eventstudy  # noqa: F401
    except ImportError as exc:
        report["eventstudy_error"] = (
            f"eventstudy is not installed ({exc}); pip install 'eventstudy==0.1a12' "
            "(the bench extra) to compare"
        )
        return report
    try:
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events = prepare_eventstudy(data, Path(tmp))
            for _ in range(sizes.baseline_warmup):
                run_eventstudy(events, data, sizes)
            t_es, _, car_es = _median_time(
                lambda: run_eventstudy(events, data, sizes), sizes.baseline_repeats
            )
    except Exception as exc:  # report exactly why the baseline could not run, then go on
        report["eventstudy_error"] = f"{type(exc).__name__}: {exc}"
        return report
    import eventstudy

    report["eventstudy_version"] = getattr(eventstudy, "__version__", "0.1a12")
    report["eventstudy_seconds"] = t_es
    report["speedup_vs_eventstudy"] = t_es / t_re
    report["speedup_vs_eventstudy_parametric"] = t_es / report["rerating_parametric_seconds"]
    if "rerating_numpy_ranks_seconds" in report:
        report["speedup_vs_eventstudy_numpy_ranks"] = t_es / report["rerating_numpy_ranks_seconds"]
    report["max_abs_car_diff_vs_eventstudy"] = float((car_re - car_es.reindex(car_re.index)).abs().max())
    report["speedup_vs_eventstudy_rounds"] = _paired_speedups(data, sizes, events)
    return report


def _paired_speedups(data: SmallData, sizes: Sizes, events: list[dict[str, Any]]) -> list[float]:
    """The speed-up in rounds, each timing one ``eventstudy`` run right beside the median of a few
    rerating fits, so that both see the same state of a shared machine: how reliably the ratio
    holds, which a ratio of two medians taken seconds apart does not show."""
    ratios = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(sizes.paired_rounds):
            t_es, _, _ = _median_time(lambda: run_eventstudy(events, data, sizes), 1)
            t_re, _, _ = _median_time(lambda: run_rerating(data, sizes), sizes.paired_fits)
            ratios.append(t_es / t_re)
    return ratios


# --- groups: what comparing groups costs (r̄ within and across groups) ----------------------------


def bench_groups(sizes: Sizes, seed: int = 11) -> dict[str, Any]:
    """The small fit with two groups, and eight groups on dates spread over ten years, each timed
    against the same events without groups (r̄ across every pair of groups, :meth:`compare`)."""
    from rerating.study import EventStudy

    out: dict[str, Any] = {}
    data = make_small(sizes)
    two = data.events.assign(group=np.where(np.arange(len(data.events)) % 2, "a", "b"))
    kw = {
        "market_returns": data.market, "benchmarks": "MKT", "estimation_window": sizes.estimation_window,
        "event_windows": (sizes.window,),
    }
    for key, events in (("no_groups", data.events), ("two_groups", two)):
        EventStudy(data.returns, events, **kw).fit()
        out[f"{key}_seconds"], _, _ = _median_time(
            lambda e=events: EventStudy(data.returns, e, **kw).fit(), sizes.small_repeats
        )
    # r̄ across the groups is computed when compare() first asks for the pair: fit + compare
    out["two_groups_compare_seconds"], _, _ = _median_time(
        lambda: EventStudy(data.returns, two, **kw).fit().compare("a", "b"), sizes.small_repeats
    )
    # the same events with half the listings in a second market (their own benchmark column, the
    # same series): r̄ adds the lead-lag terms, the CDA and rank tests a lag-1 autocovariance
    half = {s: ("MKT2" if i % 2 else "MKT") for i, s in enumerate(data.returns.columns)}
    two_mkts = {**kw, "market_returns": data.market.assign(MKT2=data.market["MKT"]), "benchmarks": half}
    for key, policy in (("two_markets_same_date", "none"), ("two_markets_lead_lag", "markets")):
        EventStudy(data.returns, data.events, lead_lag=policy, **two_mkts).fit()
        out[f"{key}_seconds"], _, _ = _median_time(
            lambda p=policy: EventStudy(data.returns, data.events, lead_lag=p, **two_mkts).fit(),
            sizes.small_repeats,
        )
    # eight groups, events spread over ten years (blocks of calendar time keep the pairs local)
    quick = sizes.small_events < 100
    n_sec, n_days, n_ev, n_groups = (60, 700, 200, 4) if quick else (400, 2520, 2000, 8)
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(CALENDAR_START, periods=n_days, name="date")
    m = rng.normal(0.0003, 0.01, n_days)
    returns = pd.DataFrame(
        0.9 * m[:, None] + rng.normal(0, 0.02, (n_days, n_sec)), index=dates,
        columns=[f"S{i:04d}" for i in range(n_sec)],
    )
    events = pd.DataFrame(
        {
            "event_id": [f"E{i:05d}" for i in range(n_ev)],
            "symbol": returns.columns[np.arange(n_ev) % n_sec],
            "date": dates[rng.integers(sizes.estimation + 30, n_days - 30, n_ev)],
            "group": [f"g{i % n_groups}" for i in range(n_ev)],
        }
    )
    kw = {"market_returns": pd.DataFrame({"MKT": m}, index=dates), "benchmarks": "MKT",
          "event_windows": ((0, 0), (-1, 1), (0, 5), (-5, 20))}
    for key, ev in (("spread_no_groups", events.drop(columns="group")), ("spread_groups", events)):
        out[f"{key}_seconds"], _, _ = _median_time(lambda e=ev: EventStudy(returns, e, **kw).fit(), 3)
    names = sorted(events["group"].unique())

    def fit_and_compare_every_pair() -> None:
        res = EventStudy(returns, events, **kw).fit()
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                res.compare(a, b)

    out["spread_groups_compare_all_seconds"], _, _ = _median_time(fit_and_compare_every_pair, 3)
    out.update(spread_events=n_ev, spread_groups=n_groups, spread_years=round(n_days / 252, 1))
    return out


# --- large: chunked kernel ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LargePanel:
    returns: np.ndarray  # (S, T) float32, securities x sessions (row-contiguous per security)
    markets: np.ndarray  # (M, T) float64
    market_of: np.ndarray  # (S,) market index of each security
    sec: np.ndarray  # (E,) security of each event
    day0: np.ndarray  # (E,) session of each event's day 0


def make_large(sizes: Sizes, seed: int = 7) -> LargePanel:
    """A synthetic market-model panel, float32 (as a columnar store would hold it), and events."""
    rng = np.random.default_rng(seed)
    s, t = sizes.large_securities, sizes.large_sessions
    markets = rng.normal(0.0004, 0.01, (3, t))  # e.g. US, HK, A-share benchmarks
    market_of = rng.integers(0, 3, s)
    beta = rng.uniform(0.5, 1.5, s).astype(np.float32)
    alpha = rng.normal(0.0, 0.0005, s).astype(np.float32)
    sigma = rng.uniform(0.01, 0.03, s).astype(np.float32)
    panel = np.empty((s, t), dtype=np.float32)
    step = 2_000  # generate in blocks of securities to bound the temporaries
    for lo in range(0, s, step):
        hi = min(lo + step, s)
        z = rng.standard_normal((hi - lo, t), dtype=np.float32)
        m = markets[market_of[lo:hi]].astype(np.float32)
        panel[lo:hi] = alpha[lo:hi, None] + beta[lo:hi, None] * m + sigma[lo:hi, None] * z
    e0 = sizes.estimation_window[0]
    w1 = sizes.window[1]
    sec = rng.integers(0, s, sizes.large_events)
    day0 = rng.integers(-e0, t - w1, sizes.large_events)
    return LargePanel(panel, markets, market_of, sec, day0)


def _large_chunk(data: LargePanel, idx: np.ndarray, sizes: Sizes) -> dict[str, np.ndarray]:
    """Gather one chunk of events from the panel and fit it with the engine's pure kernel."""
    from rerating.study.kernel import fit_chunk

    e0, e1 = sizes.estimation_window
    w0, w1 = sizes.window
    offs = np.arange(e0, w1 + 1)
    rows = data.sec[idx]
    cols = data.day0[idx, None] + offs[None, :]
    y = data.returns[rows[:, None], cols].astype(np.float64)
    m = data.markets[data.market_of[rows][:, None], cols]
    x = np.stack([np.ones_like(m), m], axis=2)
    l1 = e1 - e0 + 1
    est, evt = slice(0, l1), slice(w0 - e0, w1 - e0 + 1)
    l2 = w1 - w0 + 1
    fit = fit_chunk(y[:, est], x[:, est], y[:, evt], x[:, evt], np.array([[0, l2 - 1]]),
                    method="ols", min_obs=l1 // 2)
    r = y[:, evt]
    bhar = np.prod(1.0 + r, axis=1) - np.prod(1.0 + (r - fit.ar), axis=1)
    ok = np.isfinite(fit.car[:, 0])
    return {
        "car": fit.car[:, 0],
        "scar": fit.car[:, 0] / np.sqrt(fit.var_car[:, 0]),
        "dof": fit.dof.astype(float),
        "bhar": bhar,
        # CDA needs only the event-time mean estimation residual: keep sums and counts
        "aar_sum": np.nansum(np.where(ok[:, None], fit.resid_est, np.nan), axis=0),
        "aar_cnt": np.isfinite(np.where(ok[:, None], fit.resid_est, np.nan)).sum(axis=0),
        "resid_head": fit.resid_est[:8],
        "ok": ok,
    }


def run_large(data: LargePanel, sizes: Sizes, workers: int) -> dict[str, Any]:
    """Every event through the kernel in chunks (``workers`` threads), then the parametric tests."""
    from concurrent.futures import ThreadPoolExecutor

    from rerating.study.engine import RBAR_MAX_EVENTS, RBAR_MIN_OVERLAP
    from rerating.study.statistics import (
        adj_bmp,
        adj_patell,
        bmp,
        brown_warner_cda,
        cross_sectional_t,
        mean_pairwise_correlation,
        patell,
        skewness_adjusted_t,
    )

    n = data.sec.size
    chunks = [np.arange(lo, min(lo + sizes.chunk_events, n)) for lo in range(0, n, sizes.chunk_events)]
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda c: _large_chunk(data, c, sizes), chunks))
    else:
        parts = [_large_chunk(data, c, sizes) for c in chunks]
    car = np.concatenate([p["car"] for p in parts])
    scar = np.concatenate([p["scar"] for p in parts])
    dof = np.concatenate([p["dof"] for p in parts])
    bhar = np.concatenate([p["bhar"] for p in parts])
    ok = np.concatenate([p["ok"] for p in parts])
    aar = (sum(p["aar_sum"] for p in parts) / sum(p["aar_cnt"] for p in parts))[None, :]

    # r̄ as the engine computes it: a subsample of at most RBAR_MAX_EVENTS events, residuals
    # aligned on calendar sessions (here: a fixed stride subsample, re-fitted for its residuals)
    sub = np.linspace(0, n - 1, min(RBAR_MAX_EVENTS, n)).astype(np.int64)
    e0, e1 = sizes.estimation_window
    days = data.day0[sub, None] + np.arange(e0, e1 + 1)[None, :]
    resid = _residuals_of(data, sub, sizes)
    mat = np.full((sub.size, sizes.large_sessions), np.nan)
    mat[np.repeat(np.arange(sub.size), days.shape[1]), days.reshape(-1)] = resid.reshape(-1)
    used = np.isfinite(mat).any(axis=0)
    rbar, _ = mean_pairwise_correlation(mat[:, used], RBAR_MIN_OVERLAP)

    length = sizes.window[1] - sizes.window[0] + 1
    c, s_, d, b = car[ok], scar[ok], dof[ok], bhar[ok]
    tests = {
        "cross_sectional_t": cross_sectional_t(c),
        "brown_warner_cda": brown_warner_cda(c, aar, length),
        "patell": patell(s_, d),
        "adj_patell": adj_patell(s_, d, rbar),
        "bmp": bmp(s_),
        "adj_bmp": adj_bmp(s_, rbar),
        "skewness_adjusted_t": skewness_adjusted_t(b),
    }
    return {"car": car, "ok": ok, "rbar": rbar, "tests": tests}


def _residuals_of(data: LargePanel, idx: np.ndarray, sizes: Sizes) -> np.ndarray:
    from rerating.study.kernel import fit_chunk

    e0, e1 = sizes.estimation_window
    offs = np.arange(e0, e1 + 1)
    rows = data.sec[idx]
    cols = data.day0[idx, None] + offs[None, :]
    y = data.returns[rows[:, None], cols].astype(np.float64)
    m = data.markets[data.market_of[rows][:, None], cols]
    x = np.stack([np.ones_like(m), m], axis=2)
    fit = fit_chunk(y, x, y[:, :1], x[:, :1], np.array([[0, 0]]), method="ols", min_obs=offs.size // 2)
    return fit.resid_est


def bench_large(sizes: Sizes, workers: int = 2, seed: int = 7) -> dict[str, Any]:
    import statsmodels.api as sm

    t0 = time.perf_counter()
    data = make_large(sizes, seed)
    gen_seconds = time.perf_counter() - t0
    rss_before = _current_rss_mb()
    peak_before = _peak_rss_mb()
    run_large(data, sizes, workers)  # warm-up on the same data (imports, page faults)
    times = []
    times_one = []
    for _ in range(1 if sizes is QUICK else 3):
        t0 = time.perf_counter()
        out = run_large(data, sizes, workers)
        times.append(time.perf_counter() - t0)
        if workers > 1:  # the same work on one thread, interleaved so load hits both alike
            t0 = time.perf_counter()
            run_large(data, sizes, 1)
            times_one.append(time.perf_counter() - t0)
    # spot check a few CARs against statsmodels OLS (an independent oracle)
    e0, e1 = sizes.estimation_window
    w0, w1 = sizes.window
    diffs = []
    for j in np.linspace(0, data.sec.size - 1, 5).astype(int):
        y = data.returns[data.sec[j]].astype(np.float64)
        m = data.markets[data.market_of[data.sec[j]]]
        d = data.day0[j]
        fit = sm.OLS(y[d + e0 : d + e1 + 1], sm.add_constant(m[d + e0 : d + e1 + 1])).fit()
        a, b = fit.params
        car = float((y[d + w0 : d + w1 + 1] - a - b * m[d + w0 : d + w1 + 1]).sum())
        diffs.append(abs(car - out["car"][j]))
    return {
        "events": int(data.sec.size),
        "securities": sizes.large_securities,
        "sessions": sizes.large_sessions,
        "chunk_events": sizes.chunk_events,
        "workers": workers,
        "generate_seconds": gen_seconds,
        "seconds": statistics.median(times),
        "times": times,
        "seconds_one_worker": statistics.median(times_one) if times_one else None,
        "events_per_second": data.sec.size / statistics.median(times),
        "panel_mb": data.returns.nbytes / 2**20,
        "rss_before_compute_mb": rss_before,
        "peak_rss_before_compute_mb": peak_before,
        "peak_rss_mb": _peak_rss_mb(),
        "events_fitted": int(out["ok"].sum()),
        "rbar": out["rbar"],
        "tests": {k: {"statistic": v.statistic, "pvalue": v.pvalue, "n": v.n} for k, v in out["tests"].items()},
        "max_abs_car_diff_spot_check": float(max(diffs)),
    }


# --- main ------------------------------------------------------------------------------------


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _fmt(report: dict[str, Any]) -> list[tuple[str, str]]:
    s, lg = report.get("small", {}), report.get("large", {})
    rows = [("benchmark", "value")]

    def add(key: str, val: Any, spec: str = "") -> None:
        if val is None:
            return
        rows.append((key, format(val, spec) if spec else str(val)))

    add("small: events x estimation x window", f"{s.get('events')} x {s.get('estimation')} x {s.get('window')}")
    add("small: rerating fit, median ms", s.get("rerating_seconds", float("nan")) * 1e3, ".1f")
    add("small: tests computed", s.get("rerating_tests"))
    add("small: same fit, parametric tests only, ms", s.get("rerating_parametric_seconds", float("nan")) * 1e3, ".1f")
    add("small: same fit, no tests (CAR, CAAR, r̄), ms", s.get("rerating_none_seconds", float("nan")) * 1e3, ".1f")
    add("small: malloc thresholds set", s.get("malloc_tuned"))
    add("small: compiled rank kernels (numba)", s.get("compiled_kernels"))
    add("small: same fit without the compiled kernels, ms",
        s.get("rerating_numpy_ranks_seconds", float("nan")) * 1e3, ".1f")
    add("small: eventstudy 0.1a12, ms", s.get("eventstudy_seconds", float("nan")) * 1e3, ".1f")
    add("small: speed-up vs eventstudy", s.get("speedup_vs_eventstudy"), ".1f")
    rounds = s.get("speedup_vs_eventstudy_rounds")
    if rounds:
        add(f"small: speed-up vs eventstudy in {len(rounds)} paired rounds, min / median / max",
            f"{min(rounds):.1f} / {statistics.median(rounds):.1f} / {max(rounds):.1f}")
    add("small: speed-up vs eventstudy, parametric only", s.get("speedup_vs_eventstudy_parametric"), ".1f")
    add("small: speed-up vs eventstudy, without the compiled kernels",
        s.get("speedup_vs_eventstudy_numpy_ranks"), ".1f")
    add("small: max |CAR diff| vs eventstudy", s.get("max_abs_car_diff_vs_eventstudy"), ".2e")
    add("small: eventstudy error", s.get("eventstudy_error"))
    add("small: statsmodels OLS loop, ms", s.get("statsmodels_loop_seconds", float("nan")) * 1e3, ".1f")
    add("small: speed-up vs statsmodels loop", s.get("speedup_vs_statsmodels_loop"), ".1f")
    add("small: max |CAR diff| vs statsmodels", s.get("max_abs_car_diff_vs_statsmodels"), ".2e")
    g = report.get("groups", {})
    if g:
        add("groups: small fit, no groups / two groups / two groups and compare(), ms",
            f"{g['no_groups_seconds'] * 1e3:.1f} / {g['two_groups_seconds'] * 1e3:.1f} / "
            f"{g['two_groups_compare_seconds'] * 1e3:.1f}")
        add("two markets: small fit, same-date r̄ / with lead-lag terms, ms",
            f"{g['two_markets_same_date_seconds'] * 1e3:.1f} / {g['two_markets_lead_lag_seconds'] * 1e3:.1f}")
        add(f"groups: {g['spread_events']} events over {g['spread_years']} years, no groups / "
            f"{g['spread_groups']} groups, s",
            f"{g['spread_no_groups_seconds']:.2f} / {g['spread_groups_seconds']:.2f}")
        add(f"groups: the same with {g['spread_groups']} groups, fit and compare() of every pair, s",
            f"{g['spread_groups_compare_all_seconds']:.2f}")
    for key in ("events", "securities", "sessions", "chunk_events", "workers", "seconds",
                "seconds_one_worker", "events_per_second",
                "panel_mb", "peak_rss_before_compute_mb", "rss_before_compute_mb", "peak_rss_mb",
                "max_abs_car_diff_spot_check"):
        if lg.get(key) is not None:
            v = lg[key]
            add(f"large: {key}", v, ".3g" if isinstance(v, float) else "")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test (seconds)")
    parser.add_argument("--skip-large", action="store_true", help="only the 500-event comparison")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="directory of the JSON result")
    parser.add_argument("--workers", type=int, default=2, help="threads for the large run's chunks")
    parser.add_argument(
        "--blas-threads", type=int, default=1,
        help="BLAS threads for every contender (threadpoolctl; 0 = BLAS's own choice). One by "
        "default: the matrices are small and a threaded BLAS thrashes on a shared machine",
    )
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    limits = args.blas_threads if args.blas_threads else None
    with threadpool_limits(limits=limits, user_api="blas"):  # restored on exit
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    sizes = QUICK if args.quick else Sizes()

    report: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "cpu_count": os.cpu_count(),
        "sizes": asdict(sizes),
        "blas_threads": args.blas_threads,
        "load_average": os.getloadavg(),
    }
    report["small"] = bench_small(sizes)
    report["groups"] = bench_groups(sizes)
    if not args.skip_large:
        report["large"] = bench_large(sizes, workers=args.workers)
    small, large = report["small"], report.get("large", {})
    report["goals"] = {
        "small_fit_le_20ms": small["rerating_seconds"] <= 0.020,
        "small_speedup_vs_eventstudy_ge_20x": (
            small["speedup_vs_eventstudy"] >= 20.0 if "speedup_vs_eventstudy" in small else None
        ),
        "small_speedup_vs_eventstudy_ge_20x_every_round": (
            min(small["speedup_vs_eventstudy_rounds"]) >= 20.0
            if small.get("speedup_vs_eventstudy_rounds") else None
        ),
        "large_le_2s": large["seconds"] <= 2.0 if large else None,
    }
    print(_table(_fmt(report)))
    print("goals (full sizes only): " + ", ".join(f"{k}={v}" for k, v in report["goals"].items()))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"bench_study-{'quick-' if args.quick else ''}{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=float))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
