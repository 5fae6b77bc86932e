"""r̄ two ways on random designs: from every event's calendar sums and from every pair's correlation.

A group of more than ``RBAR_MAX_EVENTS`` events takes r̄ from sums over calendar time
(``engine._rbar_all_events``); a smaller one correlates every pair of events on the dates both
have (``engine._rbar``, the path the pandas and statsmodels oracles of tests/test_study_engine.py
and tests/test_study_lead_lag.py check). The two are separate implementations of one quantity.
Moving the threshold puts the same study through each: on designs drawn at random (wide or long
frames, missing returns, holidays of one market, one to three markets with lead-lag terms, the
estimation window before or after the event, windows with missing returns allowed) their design
effects must agree. Measured over seeds 0-39: within 1.7% of the design effect (0.7% but for
seed 1: a long frame of three markets with missing returns allowed in the windows), the
residuals' mean correlation within 3.5%.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rerating.study import EventStudy, engine


def _design(seed: int):  # type: ignore[no-untyped-def]
    """A random study: returns (wide or long), benchmark returns, benchmarks, events with two
    groups, estimation window, event windows and ``min_window_share``."""
    rng = np.random.default_rng(seed)
    n_sym, n_days, n_mk = int(rng.integers(30, 90)), int(rng.integers(420, 600)), int(rng.integers(1, 4))
    dates = pd.bdate_range("2019-01-01", periods=n_days)
    market = rng.integers(0, n_mk, n_sym)
    m = rng.normal(0, 0.01, (n_days, n_mk))
    early, late = rng.normal(0, 1, n_days), rng.normal(0, 1, n_days)
    # market 0 sees the late shock on its date, the others a session later
    shock = np.where(market[None, :] == 0, (early + late)[:, None], (early + np.r_[0.0, late[:-1]])[:, None])
    noise = rng.normal(0, 1, (n_days, n_sym))
    r = m[:, market] * rng.uniform(0.5, 1.5, n_sym) + 0.01 * (rng.uniform(0, 0.6) * shock + noise)
    for k in range(n_mk):  # each market's holidays
        r[np.ix_(rng.choice(n_days, int(rng.integers(0, 12)), replace=False), np.flatnonzero(market == k))] = np.nan
    r[rng.random(r.shape) < rng.choice([0, 0.003, 0.01])] = np.nan
    cols = [f"S{i:03d}" for i in range(n_sym)]
    wide = pd.DataFrame(r, index=dates, columns=cols)
    mkt = pd.DataFrame(m, index=dates, columns=[f"M{k}" for k in range(n_mk)])
    bench = {c: f"M{market[i]}" for i, c in enumerate(cols)}
    after = rng.random() < 0.25
    est = (11, 160) if after else (-160, -11)
    n_ev = int(rng.integers(120, 260))
    spread = int(rng.choice([0, 5, 40, 150]))
    lo = 30 if after else 200
    start = int(rng.integers(lo, max(lo + 1, n_days - 200 - spread)))
    day0 = start + rng.integers(0, spread + 1, n_ev)
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(n_ev)],
            "symbol": rng.choice(cols, n_ev),
            "date": dates[day0],
            "group": rng.choice(["a", "b"], n_ev),
        }
    ).drop_duplicates(["symbol", "date"])  # a listing's day 0 counts once (the engine ledgers repeats)
    wins = ((0, 0), (-1, 1), (0, int(rng.integers(2, 8))), (-5, 10))
    returns = wide
    if rng.random() < 0.4:  # a long frame: each listing's own sessions
        returns = wide.stack().dropna().rename("ret").reset_index()
        returns.columns = ["date", "symbol", "ret"]
    share = 1.0 if rng.random() < 0.7 else 0.8
    return returns, mkt, bench, events, est, wins, share


def _fit(design, max_events: int, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    returns, mkt, bench, events, est, wins, share = design
    monkeypatch.setattr(engine, "RBAR_MAX_EVENTS", max_events)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EventStudy(
            returns, events, market_returns=mkt, benchmarks=bench, estimation_window=est,
            event_windows=wins, tests=("adj_bmp",), min_window_share=share,
        ).fit()


# seeds 0-11: wide and long frames, one to three markets, the estimation window after the event
# (0, 4, 5), events on one date (5, 10) or over up to 150 sessions, windows with missing returns
# allowed (1, 5, 8, 9)
@pytest.mark.parametrize("seed", range(12))
def test_rbar_from_calendar_sums_agrees_with_every_pair(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    design = _design(seed)
    pairs = _fit(design, 100_000, monkeypatch)  # every group correlates every pair
    sums = _fit(design, 10, monkeypatch)  # every group from calendar sums
    a = pairs.clustering.set_index(["group", "window"])
    b = sums.clustering.set_index(["group", "window"])
    assert (a["n"] > 10).all() and (a["n"] == b["n"]).all()
    de = 1.0 + (a["n"] - 1) * a["rbar"]
    for col in ("rbar", "rbar_same_date"):
        gap = (b[col] - a[col]).abs() * (a["n"] - 1)  # the design effects' difference
        assert (gap <= 0.02 * de.clip(lower=1.0) + 0.01).all(), gap.max()
    assert b["rbar_residual"].to_numpy() == pytest.approx(a["rbar_residual"].to_numpy(), rel=0.05, abs=1e-4)
    n_a, n_b = (int(a.loc[(g, "[0:0]"), "n"]) for g in ("a", "b"))
    for x, y in zip(pairs.rbar_between["a", "b"]["effective"], sums.rbar_between["a", "b"]["effective"], strict=True):
        assert abs(x - y) * (n_a + n_b) / 2 <= 0.02 * max(1.0, de.max()) + 0.01
