"""Rank and sign tests when returns are missing, against oracles written out here.

A wide frame's NaN is "not a session of that listing" (event time skips it), so only long data or
``min_window_share < 1`` put missing abnormal returns into the rank tests' paths: an event-day SAR
missing from Corrado-Zivney's re-standardisation, a day no event has in ``S_U^2``, and the ``N_t/N``
weights of a window shorter than the event span. The oracles rank with scipy's ``rankdata`` and fit
each event with statsmodels OLS; Corrado (1989), Corrado & Zivney (1992), Cowan (1992) for the
statistics, Campbell & Wasley (1993) for the ``N_t/N`` weights and ``T_i + 1`` scaling.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from rerating.study import EventStudy
from rerating.study import statistics as st

nan = float("nan")


def _rank_z(matrix: np.ndarray, length: int) -> float:
    """Corrado's Z over the last ``length`` columns: U = rank / (T_i + 1) - 1/2 over each row's
    finite values, S_U^2 = (1/T) sum_t (N_t / N) Ubar_t^2 over the T columns with any event."""
    u = np.full(matrix.shape, nan)
    for i, row in enumerate(matrix):
        fin = np.isfinite(row)
        u[i, fin] = stats.rankdata(row[fin]) / (fin.sum() + 1) - 0.5
    n_t = np.isfinite(u).sum(axis=0)
    days = n_t > 0
    ubar = np.where(days, np.nansum(u, axis=0) / np.maximum(n_t, 1), 0.0)
    s2 = ((n_t[days] / matrix.shape[0]) * ubar[days] ** 2).sum() / days.sum()
    return float(ubar[-length:].sum() / math.sqrt(length * s2))


def test_corrado_leaves_days_without_events_out_of_the_variance() -> None:
    # both events miss column 1: T = 4 days with events, ranks of 4 values each, U = r/5 - 1/2
    ar = np.array([[0.1, nan, -0.2, 0.3, 0.5], [-0.1, nan, 0.2, 0.0, 0.4]])
    # event 1 ranks (2, 1, 3, 4) -> U = (-.1, -.3, .1, .3); event 2 ranks (1, 3, 2, 4) -> U =
    # (-.3, .1, -.1, .3); Ubar = (-.2, -.1, 0, .3), S_U^2 = (.04 + .01 + 0 + .09) / 4 = 0.035
    res = st.corrado(ar, np.array([4]))
    assert res.statistic == pytest.approx(0.3 / math.sqrt(0.035), rel=1e-12)  # 1.6035674514745462
    assert res.pvalue == pytest.approx(2 * stats.norm.sf(0.3 / math.sqrt(0.035)), rel=1e-12)


def test_corrado_zivney_restandardises_an_event_day_with_a_missing_sar() -> None:
    sar = np.array(
        [
            [0.5, -1.0, 0.2, 0.9, 1.3],
            [-0.3, 0.8, 1.2, -0.6, 0.9],
            [0.1, 0.4, -0.9, 1.5, -1.6],
            [0.7, -0.2, 0.3, -1.1, nan],
        ]
    )
    # day 0 (column 4) divided by the sd of the three SARs it has (ddof 1): sqrt(2.47)
    assert np.std([1.3, 0.9, -1.6], ddof=1) == pytest.approx(math.sqrt(2.47))
    scaled = sar.copy()
    scaled[:3, 4] = sar[:3, 4] / math.sqrt(2.47)  # 0.8272 < 0.9: event 1's day 0 ranks 4th of 5
    want = _rank_z(scaled, 1)
    res = st.corrado_zivney(sar, np.array([4]), np.array([4]))
    assert res.statistic == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(-1.8033392693348647, rel=1e-12)


def test_generalized_sign_counts_only_strictly_positive_cars() -> None:
    # p-hat counts AR > 0 in each estimation window: (2/4 + 3/4 + 2/4) / 3 = 7/12; of the CARs
    # (0.02, 0.0, -0.03) one is positive: a CAR of exactly 0 (a stale price) is not
    resid = np.array([[0.1, -0.1, 0.2, -0.3], [0.1, 0.2, 0.3, -0.1], [-0.1, 0.2, 0.1, -0.1]])
    p = 7 / 12
    z = (1 - 3 * p) / math.sqrt(3 * p * (1 - p))
    res = st.generalized_sign(np.array([0.02, 0.0, -0.03]), resid)
    assert res.statistic == pytest.approx(z, rel=1e-12)  # -0.8783100656536799
    assert res.pvalue == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)


def test_engine_rank_tests_with_missing_returns_match_statsmodels_and_scipy() -> None:
    """Long data, 12 events on one date with 3-14 missing estimation returns each, one missing
    window return kept by ``min_window_share=0.75``, windows [0:0] (shorter than the span) and
    [0:3], a group "a" and a one-event group "solo"."""
    rng = np.random.default_rng(21)
    n_days, d0, est_window = 300, 250, (-100, -11)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    mkt = rng.normal(0.0003, 0.01, n_days)
    symbols = [f"S{i}" for i in range(12)]  # corrado_zivney needs 10 events
    rows = []
    for k, sym in enumerate(symbols):
        r = 0.0002 + (0.7 + 0.1 * k) * mkt + rng.normal(0, 0.015, n_days)
        r[d0] += 0.01
        r[rng.choice(np.arange(d0 - 100, d0 - 10), size=3 + k, replace=False)] = nan
        if sym == "S3":
            r[d0 + 2] = nan
        rows.append(pd.DataFrame({"symbol": sym, "date": dates, "ret": r}))
    long = pd.concat(rows, ignore_index=True)
    group = {s: ("solo" if s == "S11" else "a") for s in symbols}
    events = pd.DataFrame(
        {"event_id": "e", "symbol": symbols, "date": dates[d0], "group": [group[s] for s in symbols]}
    )
    res = EventStudy(
        long,
        events,
        market_returns=pd.Series(mkt, index=dates, name="M"),
        estimation_window=est_window,
        event_windows=((0, 0), (0, 3)),
        min_window_share=0.75,
        tests="corrado,corrado_zivney",
    ).fit()
    got = res.tests.set_index(["group", "window", "test"])["statistic"]

    # the oracle: one statsmodels OLS per event; residuals, ARs and SARs with the prediction error
    resid, ar, sar_est, sar_win = {}, {}, {}, {}
    x = sm.add_constant(mkt)
    est = np.arange(d0 + est_window[0], d0 + est_window[1] + 1)
    win = np.arange(d0, d0 + 4)
    for sym in symbols:
        y = long.loc[long["symbol"] == sym, "ret"].to_numpy()
        ok = np.isfinite(y[est])
        fit = sm.OLS(y[est][ok], x[est][ok]).fit()
        e = np.full(est.size, nan)
        e[ok] = fit.resid
        resid[sym], ar[sym] = e, y[win] - x[win] @ fit.params
        sar_est[sym] = e / math.sqrt(fit.scale)
        h = np.einsum("tk,kj,tj->t", x[win], fit.cov_params(), x[win])
        sar_win[sym] = ar[sym] / np.sqrt(fit.scale + h)

    def corrado(members: list[str], length: int) -> float:
        # each window ranks the estimation window and its own days only
        return _rank_z(np.array([np.concatenate([resid[s], ar[s][:length]]) for s in members]), length)

    def corrado_zivney(members: list[str], length: int) -> float:
        days = np.array([sar_win[s][:length] for s in members])
        days = days / np.nanstd(days, axis=0, ddof=1)  # each event day by its cross-sectional sd
        return _rank_z(np.column_stack([np.array([sar_est[s] for s in members]), days]), length)

    a = [s for s in symbols if group[s] == "a"]
    checks = [
        (("all", "[0:0]", "corrado"), corrado(symbols, 1)),  # a window shorter than the span
        (("a", "[0:0]", "corrado"), corrado(a, 1)),  # a group's rows of "all"'s pass
        (("all", "[0:3]", "corrado"), corrado(symbols, 4)),
        (("solo", "[0:3]", "corrado"), corrado(["S11"], 4)),  # days without its event's returns
        (("all", "[0:3]", "corrado_zivney"), corrado_zivney(symbols, 4)),  # a missing day-2 SAR
        (("all", "[0:0]", "corrado_zivney"), corrado_zivney(symbols, 1)),
    ]
    for key, want in checks:
        assert got[key] == pytest.approx(want, rel=1e-10), key
