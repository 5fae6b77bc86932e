"""Test data and brute-force oracles shared by the study tests (not a test module)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rerating.study import engine


def two_markets(
    per_market: int = 4, n_days: int = 320, seed: int = 11, rounded: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide returns of ``per_market`` 'HK' listings (H0, H1, ...) and as many 'US' ones (U0, ...),
    columns H0, U0, H1, U1, ..., on a business-day calendar with a few holidays of each market
    (NaN: not sessions of that market's listings), and their benchmarks HSI and SPX. Each date has
    an early shock (both markets) and a late one (New York's hours) that Hong Kong sees the next
    session. ``rounded``: returns to 0.1% (ties for the rank tests)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    early, late = rng.normal(0, 1, n_days), rng.normal(0, 1, n_days)
    mkt = pd.DataFrame(
        {"HSI": rng.normal(0, 0.012, n_days), "SPX": rng.normal(0, 0.01, n_days)}, index=dates
    )
    hk_common = early + np.concatenate([[0.0], late[:-1]])
    us_common = early + late
    cols = {}
    for i in range(per_market):
        cols[f"H{i}"] = 0.8 * mkt["HSI"].to_numpy() + 0.01 * (0.5 * hk_common + rng.normal(0, 1, n_days))
        cols[f"U{i}"] = 1.1 * mkt["SPX"].to_numpy() + 0.01 * (0.5 * us_common + rng.normal(0, 1, n_days))
    wide = pd.DataFrame(cols, index=dates)
    if rounded:
        wide, mkt = wide.round(3), mkt.round(3)
    wide.iloc[[40, 41, 150, 262], 0::2] = np.nan  # Hong Kong's holidays
    wide.iloc[[90, 151, 258], 1::2] = np.nan  # New York's
    return wide, mkt


def lag_sums_pair_by_pair(a: engine._DayGrid, b: engine._DayGrid, max_lag: int) -> np.ndarray:
    """What :func:`engine._lag_sums` sums, one pair of day-0 rows at a time: over row ``p`` of
    ``a`` and row ``q`` of ``b``, ``d = q - p`` (``|d| < max_lag``; ``d >= 0`` when ``a`` is
    ``b``), the products of their values on the calendar dates both have (row ``p``'s column
    ``c`` is the date ``p0 + p + rel_lo + c``)."""
    out = np.zeros(2 * max_lag - 1)
    for p in range(a.dsum.shape[0]):
        for q in range(b.dsum.shape[0]):
            d = (b.p0 + q) - (a.p0 + p)
            if abs(d) >= max_lag or (b is a and d < 0):
                continue
            lo = max(a.p0 + p + a.rel_lo, b.p0 + q + b.rel_lo)
            hi = min(a.p0 + p + a.rel_lo + a.dsum.shape[1], b.p0 + q + b.rel_lo + b.dsum.shape[1])
            if lo < hi:
                xa = a.dsum[p, lo - (a.p0 + p + a.rel_lo) : hi - (a.p0 + p + a.rel_lo)]
                xb = b.dsum[q, lo - (b.p0 + q + b.rel_lo) : hi - (b.p0 + q + b.rel_lo)]
                out[d + max_lag - 1] += float(xa @ xb)
    return out
