"""r̄ of groups larger than ``RBAR_MAX_EVENTS``: every event's residuals, not a subsample.

Oracles: one statsmodels OLS per event on its listing's own sessions, pandas' correlation of every
pair of residual series over the dates both have (``DataFrame.corr(min_periods=30)``), and an
indicator matrix of each event's window dates for the dates two windows share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rerating.study import EventStudy
from rerating.study.engine import RBAR_MAX_EVENTS

EST = (-250, -11)
WINS = ((0, 0), (-2, 3))


def _market(
    seed: int, n_sym: int, n_days: int, shock: float, nan_share: float, vol_spread: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide returns (a market factor, a shock common to every listing that the market model
    leaves in the residuals, noise; ``nan_share`` of the cells are not sessions of that listing)
    and the market's returns."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    m, common = rng.normal(0, 0.01, n_days), rng.normal(0, 0.01, n_days)
    r = np.outer(m, rng.uniform(0.5, 1.5, n_sym)) + shock * common[:, None]
    r += rng.normal(0, 0.02, (n_days, n_sym))
    r[rng.random(r.shape) < nan_share] = np.nan
    if vol_spread:  # listings of unequal volatility, the volatile ones carrying more of the shock
        r *= rng.uniform(0.5, 2.5, n_sym)
    wide = pd.DataFrame(r, index=dates, columns=[f"S{i:04d}" for i in range(n_sym)])
    return wide, pd.DataFrame({"M": m}, index=dates)


def _fit(wide: pd.DataFrame, mkt: pd.DataFrame, events: pd.DataFrame, est=EST):  # type: ignore[no-untyped-def]
    return EventStudy(
        wide, events, market_returns=mkt, benchmarks="M", estimation_window=est,
        event_windows=WINS, tests=("adj_bmp",),
    ).fit()


def _oracle(wide: pd.DataFrame, mkt: pd.DataFrame, res, est=EST) -> dict:  # type: ignore[no-untyped-def]
    """The kept events' r̄ from every pair: residuals' mean correlation, and per window the mean
    of ``r_ij k_ij / L`` (``k_ij`` the window dates two events share)."""
    car = res.car[res.car["window"] == "[0:0]"]
    resid, window_dates = {}, {w: [] for w in WINS}
    for event_id, symbol, day0 in zip(car["event_id"], car["symbol"], pd.to_datetime(car["day0"]), strict=True):
        sessions = wide[symbol].dropna()  # a listing's own sessions: its event time
        i0 = sessions.index.get_loc(day0)
        y = sessions.iloc[max(0, i0 + est[0]) : i0 + est[1] + 1]  # a listing may start later
        fit = sm.OLS(y.to_numpy(), sm.add_constant(mkt["M"].reindex(y.index).to_numpy())).fit()
        resid[event_id] = pd.Series(fit.resid, index=y.index)
        for a, b in WINS:
            window_dates[a, b].append(sessions.index[i0 + a : i0 + b + 1])
    corr = pd.DataFrame(resid).corr(min_periods=30).to_numpy()
    upper = np.triu_indices(corr.shape[0], 1)
    r = np.nan_to_num(corr[upper])
    out = {"residual": r.mean(), "n_pairs": int(np.isfinite(corr[upper]).sum())}
    sd = np.array([s.std(ddof=0) for s in resid.values()])
    weights = np.outer(sd, sd)[upper]  # r̄* of the CAAR: pairs weighted by the residual sds
    for (a, b), dates in window_dates.items():
        calendar = pd.DatetimeIndex(np.unique(np.concatenate([d.to_numpy() for d in dates])))
        on = np.zeros((len(dates), calendar.size))
        for k, d in enumerate(dates):
            on[k, calendar.get_indexer(d)] = 1.0
        shared = (on @ on.T)[upper]
        out[a, b] = (r * shared).sum() / ((b - a + 1) * r.size)
        out["caar", a, b] = (weights * r * shared).sum() / ((b - a + 1) * (sd.size - 1) / 2 * (sd**2).sum())
    return out


def test_one_date_rbar_is_every_pairs_mean_correlation() -> None:
    """300 listings on one date, no missing session: the sums over calendar time are exact."""
    wide, mkt = _market(seed=3, n_sym=300, n_days=560, shock=0.6, nan_share=0.0)
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[500]})
    res = _fit(wide, mkt, events)
    want = _oracle(wide, mkt, res)
    clus = res.clustering.set_index("window")
    assert clus["n"].iloc[0] == 300 > RBAR_MAX_EVENTS
    assert clus["rbar_residual"].iloc[0] == pytest.approx(want["residual"], rel=1e-9)
    assert clus["n_pairs"].iloc[0] == want["n_pairs"] == 300 * 299 // 2
    for a, b in WINS:
        assert clus.loc[f"[{a}:{b}]", "rbar"] == pytest.approx(want[a, b], rel=1e-9)
    assert clus.loc["[0:0]", "design_effect"] == pytest.approx(1 + 299 * want[0, 0], rel=1e-9)


@pytest.mark.parametrize(("est", "first_day"), [(EST, 300), ((11, 250), 20)])
def test_rbar_of_events_spread_in_time_matches_every_pair(est, first_day) -> None:  # type: ignore[no-untyped-def]
    """600 events of 150 listings over two years, a shock common to all and missing sessions: the
    windows' r̄ from every pair, within the approximation of a pair's correlation from unit
    residuals (measured: 0.01-0.06% off; 1.3-3.2% when common dates were taken as ``L1 - d``)."""
    wide, mkt = _market(seed=3, n_sym=150, n_days=700, shock=0.6, nan_share=0.005)
    rng = np.random.default_rng(3)
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(600)],
            "symbol": rng.choice(wide.columns, 600),
            "date": wide.index[rng.integers(first_day, first_day + 370, 600)],
        }
    )
    res = _fit(wide, mkt, events, est)
    want = _oracle(wide, mkt, res, est)
    clus = res.clustering.set_index("window")
    # a listing drawn twice for one date is one event (the repeat is ledgered)
    assert clus["n"].iloc[0] == len(events.drop_duplicates(["symbol", "date"])) > 590
    assert want[0, 0] > 1e-4 and want[-2, 3] > 1e-3  # the common shock, on the dates pairs share
    assert clus["rbar_residual"].iloc[0] == pytest.approx(want["residual"], rel=0.005)
    for a, b in WINS:
        assert clus.loc[f"[{a}:{b}]", "rbar"] == pytest.approx(want[a, b], rel=0.005)


def test_design_effect_of_many_independent_events_stays_near_one() -> None:
    """3,000 listings, one event each within six weeks (an earnings season), no shared shock: r̄
    is 0 and the design effect 1. The 200-event subsample's design effect ``1 + 2999 r̄`` strays
    by about 0.4 (from 0.08 to 1.51 over seeds 1 to 6 before; 1.31 and 1.37 for this seed); from
    every pair it stays within 0.04."""
    wide, mkt = _market(seed=1, n_sym=3000, n_days=300, shock=0.0, nan_share=0.0)
    rng = np.random.default_rng(1)
    events = pd.DataFrame(
        {"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[rng.integers(262, 295, 3000)]}
    )
    clus = _fit(wide, mkt, events).clustering.set_index("window")
    # pairs with enough common estimation dates, of every pair (a subsample has 19,900 at most)
    assert clus["n_pairs"].iloc[0] == 3000 * 2999 // 2
    for a, b in WINS:
        assert abs(clus.loc[f"[{a}:{b}]", "design_effect"] - 1.0) < 0.05


def test_a_group_across_calendars_uses_every_event() -> None:
    """Listings of two exchanges with different holidays, 240 events on one date: half the spans
    have a gap on the joint calendar, and the estimation windows too. r̄ still comes from every
    event, each residual and window date counted on its own date (measured: 0.03-0.05% off every
    pair's value; such a group used the 200-event subsample before)."""
    wide, mkt = _market(seed=5, n_sym=240, n_days=560, shock=0.6, nan_share=0.0)
    holidays = wide.index[[400, 450, 511]]
    wide.loc[holidays, wide.columns[:120]] = np.nan  # half the listings closed on three days, one in the span
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[510]})
    res = _fit(wide, mkt, events)
    want = _oracle(wide, mkt, res)
    clus = res.clustering.set_index("window")
    assert clus["n"].iloc[0] == 240
    assert clus["n_pairs"].iloc[0] == want["n_pairs"] == 240 * 239 // 2  # every pair
    assert clus["rbar_residual"].iloc[0] == pytest.approx(want["residual"], rel=0.005)
    for a, b in WINS:
        assert clus.loc[f"[{a}:{b}]", "rbar"] == pytest.approx(want[a, b], rel=0.005)


def _oracle_between(wide: pd.DataFrame, mkt: pd.DataFrame, res, a: str, b: str) -> dict:  # type: ignore[no-untyped-def]
    """r̄ across groups ``a`` and ``b`` from every pair (as :func:`_oracle`): per window the mean
    over all pairs of ``r_ij k_ij / L``, and the mean ``r_ij`` of the pairs whose windows share
    a date."""
    car = res.car[res.car["window"] == "[0:0]"]
    resid, window_dates, group = {}, {w: [] for w in WINS}, []
    for event_id, symbol, day0, g in zip(
        car["event_id"], car["symbol"], pd.to_datetime(car["day0"]), car["group"], strict=True
    ):
        sessions = wide[symbol].dropna()
        i0 = sessions.index.get_loc(day0)
        y = sessions.iloc[i0 + EST[0] : i0 + EST[1] + 1]
        fit = sm.OLS(y.to_numpy(), sm.add_constant(mkt["M"].reindex(y.index).to_numpy())).fit()
        resid[event_id] = pd.Series(fit.resid, index=y.index)
        group.append(g)
        for lo, hi in WINS:
            window_dates[lo, hi].append(sessions.index[i0 + lo : i0 + hi + 1])
    corr = pd.DataFrame(resid).corr(min_periods=30).to_numpy()
    in_a, in_b = np.array(group) == a, np.array(group) == b
    r = np.nan_to_num(corr[np.ix_(in_a, in_b)])
    out, touch = {}, np.zeros(r.shape, dtype=bool)
    for (lo, hi), dates in window_dates.items():
        calendar = pd.DatetimeIndex(np.unique(np.concatenate([d.to_numpy() for d in dates])))
        on = np.zeros((len(dates), calendar.size))
        for k, d in enumerate(dates):
            on[k, calendar.get_indexer(d)] = 1.0
        shared = (on[in_a] @ on[in_b].T)
        touch |= shared > 0
        out[lo, hi] = (r * shared).sum() / ((hi - lo + 1) * r.size)
    out["rbar"] = r[touch].mean()
    return out


@pytest.mark.parametrize("one_date", [True, False])
def test_rbar_between_two_large_groups_matches_every_pair(one_date: bool) -> None:
    """compare()'s r̄ across two groups of 300 and 350 events, from every pair: exact on one date,
    within the approximation of a pair's correlation for events spread over 18 months (measured:
    0.03-0.09% for the windows, 0.66% for the mean correlation of the pairs that share a date)."""
    wide, mkt = _market(seed=6, n_sym=650, n_days=650, shock=0.6, nan_share=0.0 if one_date else 0.004)
    rng = np.random.default_rng(6)
    day0 = np.full(650, 600) if one_date else rng.integers(270, 640, 650)
    events = pd.DataFrame(
        {
            "event_id": wide.columns,
            "symbol": wide.columns,
            "date": wide.index[day0],
            "group": np.where(np.arange(650) < 300, "a", "b"),
        }
    )
    res = _fit(wide, mkt, events)
    want = _oracle_between(wide, mkt, res, "a", "b")
    got = res.compare("a", "b").query("test == 'adj_bmp_difference'").set_index("window")
    between = res.rbar_between["a", "b"]
    tol = 1e-9 if one_date else 0.01
    assert between["rbar"] == pytest.approx(want["rbar"], rel=tol)
    for lo, hi in WINS:
        assert got.loc[f"[{lo}:{hi}]", "rbar_between"] == pytest.approx(want[lo, hi], rel=tol)
    if one_date:
        assert between["n_pairs"] == 300 * 350


def _two_markets(seed: int, n_each: int, n_days: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Wide returns of ``n_each`` 'HK' and ``n_each`` 'US' listings, each market with its own
    holidays (NaN) and benchmark. Each date has an early shock (both markets) and a late one
    (New York's hours) that Hong Kong sees the next session: residuals correlate on the same
    date and one session apart (as tests/test_study_lead_lag.py's design, at scale)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    early, late = rng.normal(0, 1, n_days), rng.normal(0, 1, n_days)
    mkt = pd.DataFrame({"HSI": rng.normal(0, 0.012, n_days), "SPX": rng.normal(0, 0.01, n_days)}, index=dates)
    hk_common = early + np.concatenate([[0.0], late[:-1]])
    us_common = early + late
    noise = rng.normal(0, 1, (n_days, 2 * n_each))
    hk = 0.8 * mkt["HSI"].to_numpy()[:, None] + 0.01 * (0.4 * hk_common[:, None] + noise[:, :n_each])
    us = 1.1 * mkt["SPX"].to_numpy()[:, None] + 0.01 * (0.4 * us_common[:, None] + noise[:, n_each:])
    cols = [f"H{i:03d}" for i in range(n_each)] + [f"U{i:03d}" for i in range(n_each)]
    wide = pd.DataFrame(np.hstack([hk, us]), index=dates, columns=cols)
    wide.iloc[[40, 41, 150, 262, 330], :n_each] = np.nan  # Hong Kong's holidays
    wide.iloc[[90, 151, 258, 341], n_each:] = np.nan  # New York's
    bench = {s: "HSI" if s[0] == "H" else "SPX" for s in cols}
    return wide, mkt, bench


def _oracle_lead_lag(wide: pd.DataFrame, mkt: pd.DataFrame, bench: dict, res, est=EST, wins=WINS) -> dict:  # type: ignore[no-untyped-def]
    """Per window, the mean over every pair of the CARs' correlation as the engine defines it:
    ``r_ij k_ij / L``, plus, for a pair of different markets, ``l_ij m_ij / L`` in each direction
    (``l_ij = corr(e_i(t), e_j(t - 1))`` on the joint calendar, ``m_ij`` the dates of ``i``'s
    window whose previous session is in ``j``'s); statsmodels residuals, pandas correlations."""
    car = res.car[res.car["window"] == "[0:0]"]
    joint = wide.index[wide.notna().any(axis=1)]  # every session of either market
    resid, moved, on = {}, {}, {w: [] for w in wins}
    for event_id, symbol, day0 in zip(car["event_id"], car["symbol"], pd.to_datetime(car["day0"]), strict=True):
        sessions = wide[symbol].dropna()
        i0 = sessions.index.get_loc(day0)
        y = sessions.iloc[max(0, i0 + est[0]) : i0 + est[1] + 1]  # a listing may start later
        fit = sm.OLS(y.to_numpy(), sm.add_constant(mkt[bench[symbol]].reindex(y.index).to_numpy())).fit()
        resid[event_id] = pd.Series(fit.resid, index=y.index).reindex(joint)
        moved[event_id] = resid[event_id].shift(1)  # at t: the residual of the session before t
        for a, b in wins:
            on[a, b].append(joint.isin(sessions.index[i0 + a : i0 + b + 1]).astype(float))
    ids = list(resid)
    n = len(ids)
    both = pd.concat([pd.DataFrame(resid), pd.DataFrame(moved).add_suffix("~")], axis=1)
    corr = both.corr(min_periods=30).to_numpy()
    same, lead = np.nan_to_num(corr[:n, :n]), np.nan_to_num(corr[:n, n:])  # lead[i, j]: e_i(t), e_j(t-1)
    market = np.array([bench[s] for s in car["symbol"]])
    lead = np.where(market[:, None] != market[None, :], lead, 0.0)
    upper = np.triu_indices(n, 1)
    hk, us = market == "HSI", market == "SPX"
    out = {}
    for (a, b), rows in on.items():
        m = np.array(rows)
        prev_on = np.hstack([np.zeros((n, 1)), m[:, :-1]])  # j's window moved one session later
        same_k = same * (m @ m.T)  # r_ij k_ij
        lead_m = lead * (m @ prev_on.T)  # l_ij m_ij
        out[a, b] = (same_k[upper].sum() + lead_m.sum()) / ((b - a + 1) * n * (n - 1) / 2)
        out["same", a, b] = same_k[upper].sum() / ((b - a + 1) * n * (n - 1) / 2)
        # across the markets: every pair of a Hong Kong and a New York event, both directions
        across = same_k[np.ix_(hk, us)].sum() + lead_m[np.ix_(hk, us)].sum() + lead_m[np.ix_(us, hk)].sum()
        out["between", a, b] = across / ((b - a + 1) * hk.sum() * us.sum())
        out["linked", a, b] = int(((m @ m.T)[np.ix_(hk, us)] > 0).sum())  # pairs sharing a date
    return out


@pytest.mark.parametrize("spread", [0, 60])
def test_rbar_with_lead_lag_terms_uses_every_event(spread: int) -> None:
    """260 listings of two markets with their own holidays, on one date or spread over 60
    sessions: r̄ with the lead-lag terms comes from every event, not the 200-event subsample, and
    matches every pair's correlations within the approximation of a pair's correlation (measured:
    0.08-0.11% off, both designs; the holidays in the estimation windows make it approximate even
    on one date)."""
    wide, mkt, bench = _two_markets(seed=8, n_each=130, n_days=420)
    rng = np.random.default_rng(8)
    day0 = 345 + rng.integers(0, spread + 1, wide.shape[1]) if spread else np.full(wide.shape[1], 380)
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[day0]})
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=EST,
        event_windows=WINS, tests=("adj_bmp",),
    ).fit()
    want = _oracle_lead_lag(wide, mkt, bench, res)
    clus = res.clustering.set_index("window")
    assert clus["n"].iloc[0] == 260
    assert clus["n_pairs"].iloc[0] > RBAR_MAX_EVENTS * (RBAR_MAX_EVENTS - 1) // 2  # not a subsample
    tol = 0.005
    for a, b in WINS:
        row = clus.loc[f"[{a}:{b}]"]
        assert row["rbar"] == pytest.approx(want[a, b], rel=tol)
        assert row["rbar_same_date"] == pytest.approx(want["same", a, b], rel=tol)
    # the late shock reaches Hong Kong a session later: a window of several sessions carries it
    assert clus.loc["[-2:3]", "rbar"] > clus.loc["[-2:3]", "rbar_same_date"] + 0.005


@pytest.mark.parametrize("seed", [2, 4])
def test_design_effect_across_two_markets_stays_near_one(seed: int) -> None:
    """3,000 independent listings of two markets (each with its own benchmark, so the lead-lag
    terms apply), one event each within six weeks: the design effect is 1. The 200-event
    subsample gave 0.18 and 0.64 (seed 2), 0.23 and -0.42 (seed 4); from every event it stays
    within 0.1 (0.93-1.02 over seeds 1 to 6)."""
    rng = np.random.default_rng(seed)
    n_sym, n_days = 3000, 300
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    m = rng.normal(0, 0.01, (n_days, 2))
    market = np.arange(n_sym) % 2
    r = m[:, market] * rng.uniform(0.5, 1.5, n_sym) + rng.normal(0, 0.02, (n_days, n_sym))
    wide = pd.DataFrame(r, index=dates, columns=[f"S{i:04d}" for i in range(n_sym)])
    mkt = pd.DataFrame(m, index=dates, columns=["M0", "M1"])
    bench = {s: f"M{market[i]}" for i, s in enumerate(wide.columns)}
    events = pd.DataFrame(
        {"event_id": wide.columns, "symbol": wide.columns, "date": dates[rng.integers(262, 295, n_sym)]}
    )
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=EST,
        event_windows=WINS, tests=("adj_bmp",),
    ).fit()
    assert res.markets["all"] == frozenset({0, 1})
    clus = res.clustering.set_index("window")
    assert clus["n_pairs"].iloc[0] == n_sym * (n_sym - 1) // 2
    for a, b in WINS:
        assert abs(clus.loc[f"[{a}:{b}]", "design_effect"] - 1.0) < 0.1


@pytest.mark.parametrize(
    ("first_day", "frame"),
    [(345, "wide"), pytest.param(330, "wide", id="gaps-in-spans"), pytest.param(345, "long", id="long")],
)
def test_rbar_between_markets_with_lead_lag_uses_every_event(first_day: int, frame: str) -> None:
    """compare()'s r̄ across a group of 260 Hong Kong events and one of 260 New York events,
    spread over 60 sessions: same-date and lead-lag terms from every pair of events, not the two
    200-event subsamples (measured: 0.06-0.11% off every pair's correlations). From day 330 a
    tenth of the spans hold a holiday of their own exchange. A long frame holds each listing's own
    sessions only: each group's calendar would differ from the other's, which sent compare() to
    the subsamples; the sums are on the calendar of the whole study."""
    wide, mkt, bench = _two_markets(seed=9, n_each=260, n_days=420)
    returns = wide
    if frame == "long":
        returns = wide.stack().dropna().rename("ret").reset_index()
        returns.columns = ["date", "symbol", "ret"]
    rng = np.random.default_rng(9)
    day0 = first_day + rng.integers(0, 61, wide.shape[1])
    events = pd.DataFrame(
        {
            "event_id": wide.columns,
            "symbol": wide.columns,
            "date": wide.index[day0],
            "group": ["hk" if s[0] == "H" else "us" for s in wide.columns],
        }
    )
    res = EventStudy(
        returns, events, market_returns=mkt, benchmarks=bench, estimation_window=EST,
        event_windows=WINS, tests=("adj_bmp",),
    ).fit()
    want = _oracle_lead_lag(wide, mkt, bench, res)
    between = res.rbar_between["hk", "us"]
    # of 260 x 260, every pair whose day 0 are close enough to share a window date (with gaps in
    # the spans, a few more than those that do)
    assert between["n_pairs"] >= want["linked", -2, 3] > 10_000
    if first_day == 345:
        assert between["n_pairs"] == want["linked", -2, 3]
    got = res.compare("hk", "us").query("test == 'adj_bmp_difference'").set_index("window")
    clus = res.clustering.set_index(["group", "window"])
    for w, (a, b) in enumerate(WINS):
        assert between["effective"][w] == pytest.approx(want["between", a, b], rel=0.005)
        assert got.loc[f"[{a}:{b}]", "rbar_between"] == pytest.approx(between["effective"][w])
        assert clus.loc[("all", f"[{a}:{b}]"), "rbar"] == pytest.approx(want[a, b], rel=0.005)


def test_rbar_on_the_new_york_and_hong_kong_calendars() -> None:
    """300 listings on the real 2022-2025 sessions of New York and Hong Kong (each closed on its
    own holidays, about half the [-10:10] spans with a gap), events over 18 months, same-date and
    late shocks: r̄ from every event against every pair (measured: 0.0-0.7% off; the 200-event
    subsample of 600 such listings was 0.6-11% off)."""
    import exchange_calendars as xcals

    ny = xcals.get_calendar("XNYS").sessions_in_range("2022-01-01", "2025-12-31")
    hk = xcals.get_calendar("XHKG").sessions_in_range("2022-01-01", "2025-12-31")
    joint = ny.union(hk)
    est, wins = (-250, -11), ((0, 0), (-1, 1), (-10, 10))
    rng = np.random.default_rng(1)
    n_each, n_days = 150, joint.size
    early, late = rng.normal(0, 1, n_days), rng.normal(0, 1, n_days)
    mkt = pd.DataFrame({"HSI": rng.normal(0, 0.012, n_days), "SPX": rng.normal(0, 0.01, n_days)}, index=joint)
    hk_common = early + np.concatenate([[0.0], late[:-1]])
    noise = rng.normal(0, 1, (n_days, 2 * n_each))
    hk_r = 0.8 * mkt["HSI"].to_numpy()[:, None] + 0.01 * (0.3 * hk_common[:, None] + noise[:, :n_each])
    ny_r = 1.1 * mkt["SPX"].to_numpy()[:, None] + 0.01 * (0.3 * (early + late)[:, None] + noise[:, n_each:])
    cols = [f"H{i:03d}" for i in range(n_each)] + [f"U{i:03d}" for i in range(n_each)]
    wide = pd.DataFrame(np.hstack([hk_r, ny_r]), index=joint, columns=cols)
    wide.loc[~joint.isin(hk), cols[:n_each]] = np.nan
    wide.loc[~joint.isin(ny), cols[n_each:]] = np.nan
    bench = {s: "HSI" if s[0] == "H" else "SPX" for s in cols}
    day0 = []
    for s in cols:
        own = hk if s[0] == "H" else ny
        own = own[(own >= "2024-01-01") & (own <= "2025-06-30")]
        day0.append(own[rng.integers(0, own.size)])
    events = pd.DataFrame({"event_id": cols, "symbol": cols, "date": day0})
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=est,
        event_windows=wins, tests=("adj_bmp",),
    ).fit()
    want = _oracle_lead_lag(wide, mkt, bench, res, est, wins)
    clus = res.clustering.set_index("window")
    assert clus["n_pairs"].iloc[0] > RBAR_MAX_EVENTS * (RBAR_MAX_EVENTS - 1) // 2
    for a, b in wins:
        assert clus.loc[f"[{a}:{b}]", "rbar"] == pytest.approx(want[a, b], rel=0.01)
        assert clus.loc[f"[{a}:{b}]", "rbar_same_date"] == pytest.approx(want["same", a, b], rel=0.01)


@pytest.mark.parametrize("n_sym", [150, 300])
def test_the_caar_rbar_weighs_pairs_by_their_volatility_on_both_paths(n_sym: int) -> None:
    """r̄* of the CAAR's standard error (pairs weighted by the product of the residual sds) from
    every pair, for a group of at most RBAR_MAX_EVENTS (pairs) and a larger one (sums over
    calendar time), on one date (exact) and with listings of unequal volatility."""
    wide, mkt = _market(seed=5, n_sym=n_sym, n_days=560, shock=0.6, nan_share=0.0, vol_spread=True)
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[500]})
    res = _fit(wide, mkt, events)
    want = _oracle(wide, mkt, res)
    clus = res.clustering.set_index("window")
    for a, b in WINS:
        assert clus.loc[f"[{a}:{b}]", "rbar"] == pytest.approx(want[a, b], rel=1e-9)
        assert clus.loc[f"[{a}:{b}]", "rbar_caar"] == pytest.approx(want["caar", a, b], rel=1e-9)
    assert abs(want["caar", 0, 0] - want[0, 0]) > 0.01  # the weighting matters here


def test_the_caar_rbar_of_events_spread_in_time_matches_every_pair() -> None:
    wide, mkt = _market(seed=3, n_sym=150, n_days=700, shock=0.6, nan_share=0.005, vol_spread=True)
    rng = np.random.default_rng(4)
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(600)],
            "symbol": rng.choice(wide.columns, 600),
            "date": wide.index[rng.integers(300, 670, 600)],
        }
    )
    res = _fit(wide, mkt, events)
    want = _oracle(wide, mkt, res)
    clus = res.clustering.set_index("window")
    for a, b in WINS:
        assert clus.loc[f"[{a}:{b}]", "rbar_caar"] == pytest.approx(want["caar", a, b], rel=0.01)


@pytest.mark.parametrize("layout", ["one market", "two markets", "two groups"])
def test_estimation_windows_shorter_than_the_overlap_minimum_give_rbar_zero(layout: str) -> None:
    """An estimation window of 20 sessions (the engine accepts any of at least 3) leaves no pair
    the 30 common dates a correlation needs: r̄ is 0 from no pair, on both paths. Above
    ``RBAR_MAX_EVENTS`` events the every-event path used to fail with "negative dimensions"."""
    short = (-30, -11)
    if layout == "two markets":
        wide, mkt, bench = _two_markets(seed=3, n_each=110, n_days=420)
    else:
        n_sym = 2 * RBAR_MAX_EVENTS + 10 if layout == "two groups" else RBAR_MAX_EVENTS + 21
        wide, mkt = _market(seed=3, n_sym=n_sym, n_days=420, shock=0.5, nan_share=0.0)
        bench = "M"
    for n in (RBAR_MAX_EVENTS, wide.shape[1]):  # the every-pair path, then every event
        cols = wide.columns[:n]
        events = pd.DataFrame({"event_id": cols, "symbol": cols, "date": wide.index[380]})
        if layout == "two groups":  # each group on the every-event path in the second round
            events["group"] = np.where(np.arange(n) < n // 2, "a", "b")
        res = EventStudy(
            wide[cols], events, market_returns=mkt, benchmarks=bench, estimation_window=short,
            event_windows=WINS, tests=("adj_bmp",),
        ).fit()
        clus = res.clustering
        assert (clus["rbar"] == 0.0).all() and (clus["rbar_caar"] == 0.0).all()
        assert (clus["n_pairs"] == 0).all()
        if layout == "two groups":
            got = res.compare("a", "b").query("test == 'adj_bmp_difference'")
            assert (got["rbar_between"] == 0.0).all()


@pytest.mark.parametrize("short", ["half", "uniform"])
def test_rbar_of_listings_with_short_histories_stays_within_one_percent(short: str) -> None:
    """Events with fewer residuals than the window (listings that started late, down to the
    default ``min_estimation`` of half the window) beside full ones: the calendar sums average
    ``sqrt(n_i n_j) / c_ij`` over the pairs (docs/STUDY.md, "Where it is approximate"). Measured
    on 300 events on one date: r̄ 0.4% and r̄* 0.6% below every pair's with half the events at
    125 residuals of 240, 0.13% below and 0.05% above with 125-240 at random."""
    wide, mkt = _market(seed=5, n_sym=300, n_days=700, shock=0.5, nan_share=0.0, vol_spread=True)
    rng = np.random.default_rng(5)
    have = np.where(np.arange(300) < 150, 125, 240) if short == "half" else rng.integers(125, 241, 300)
    for k in range(wide.shape[1]):  # the listing's first session: `have` residuals before day -10
        wide.iloc[: 600 - 11 - have[k] + 1, k] = np.nan
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[600]})
    res = _fit(wide, mkt, events)
    want = _oracle(wide, mkt, res)
    clus = res.clustering.set_index("window")
    assert res.params["n_obs"].min() == 125 and res.params["n_obs"].max() == 240  # of 240
    for a, b in WINS:
        row = clus.loc[f"[{a}:{b}]"]
        assert row["rbar"] == pytest.approx(want[a, b], rel=0.01)
        assert row["rbar_caar"] == pytest.approx(want["caar", a, b], rel=0.01)


@pytest.mark.parametrize("design", ["one market", "gaps", "two markets"])
def test_the_caar_rbar_sums_only_the_lags_a_window_spans(
    design: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What only weighs the dates two events' windows share (r̄*'s weighted pair sums, the shared
    window dates of windows with a gap) is summed at the lags at which they can share one
    (``_window_reach``: a window's width, one more for the lead-lag terms): the same r̄ and r̄* as
    from every lag of the estimation window, with and without gaps in the windows and across two
    markets (lead-lag terms, pairs one session further apart)."""
    from rerating.study import engine

    rng = np.random.default_rng(12)
    if design == "two markets":
        wide, mkt, bench = _two_markets(seed=8, n_each=130, n_days=420)
        dates = wide.index[345 + rng.integers(0, 40, 400)]
    else:
        share = 0.01 if design == "gaps" else 0.0
        wide, mkt = _market(seed=6, n_sym=150, n_days=600, shock=0.5, nan_share=share, vol_spread=True)
        bench, dates = "M", wide.index[rng.integers(300, 580, 400)]
    events = pd.DataFrame(
        {"event_id": [f"E{i}" for i in range(400)], "symbol": rng.choice(wide.columns, 400), "date": dates}
    )
    seen: list = []
    real = engine._rbar_all_events
    monkeypatch.setattr(
        engine, "_rbar_all_events", lambda sums, **kw: seen.append(sums) or real(sums, **kw)
    )
    EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=EST,
        event_windows=WINS, tests=("adj_bmp",),
    ).fit()  # fmt: skip
    (sums,) = seen
    if design != "two markets":  # gaps: windows wider than their length on the calendar
        assert (sums.windows is not None) == (design == "gaps")
    assert (len(sums.by_market) > 1) == (design == "two markets")
    restricted = real(sums)
    monkeypatch.setattr(engine, "_window_reach", lambda a, b, windows: 10_000)  # every lag
    every_lag = real(sums)
    assert restricted.weighted == pytest.approx(every_lag.weighted, rel=1e-12, abs=1e-15)
    assert all(abs(r) > 1e-4 for r in restricted.weighted)  # the weights carry something
    # the windows' shared dates (summed at those lags only when a window has a gap)
    assert restricted.effective == pytest.approx(every_lag.effective, rel=1e-12, abs=1e-15)
    assert restricted.same_date == pytest.approx(every_lag.same_date, rel=1e-12, abs=1e-15)
    assert restricted.residual == every_lag.residual
    # one market: the fit leaves the residual r̄ for later, and sums only the lags a window spans
    monkeypatch.undo()
    near = real(sums, residual=False)
    if design == "two markets":  # lead-lag terms: everything at once, as before
        assert near == restricted
    else:
        assert np.isnan(near.residual) and near.n_pairs == restricted.n_pairs
        for field in ("effective", "same_date", "weighted"):
            assert getattr(near, field) == pytest.approx(getattr(restricted, field), rel=1e-12, abs=1e-15)
        assert engine._residual_rbar(sums) == restricted.residual  # when read: the same bits


def _pair_lag_oracle(a, b, max_lag: int, same: bool) -> np.ndarray:  # type: ignore[no-untyped-def]
    """``S[d + max_lag - 1]``: every pair of a row of ``a`` and one of ``b`` whose day 0 lies
    ``d`` positions later, ``sum_t x(t) y(t)`` over the dates both have, one pair at a time."""
    out = np.zeros(2 * max_lag - 1)
    for i, x in enumerate(a.dsum):
        for j, y in enumerate(b.dsum):
            d = (b.p0 + j) - (a.p0 + i)
            if abs(d) >= max_lag or (same and d < 0):
                continue
            tx = a.p0 + i + a.rel_lo + np.arange(x.size)  # each value's calendar position
            ty = b.p0 + j + b.rel_lo + np.arange(y.size)
            common, ix, iy = np.intersect1d(tx, ty, return_indices=True)
            out[d + max_lag - 1] += float(x[ix] @ y[iy]) if common.size else 0.0
    return out


@pytest.mark.parametrize("max_lag", [1, 5, 30, 90])
@pytest.mark.parametrize("layout", ["one grid", "two grids", "moved"])
def test_lag_sums_by_blocks_and_by_dots_match_every_pair(
    layout: str, max_lag: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lag sums behind r̄ and r̄*, by block products and by one dot product per lag, equal a
    pair-by-pair sum over the common dates: one grid with itself, two grids starting at other day
    0s and dates, and a grid moved one session (the lead-lag terms)."""
    from rerating.study import engine

    rng = np.random.default_rng(max_lag)
    a = engine._DayGrid(p0=3, rel_lo=-40, dsum=rng.normal(size=(70, 31)))
    if layout == "one grid":
        b = a
    else:
        b = engine._DayGrid(p0=11, rel_lo=-37, dsum=rng.normal(size=(95, 25)))
        b = b.moved() if layout == "moved" else b
    want = _pair_lag_oracle(a, b, max_lag, same=b is a)
    rel_lo = min(a.rel_lo, b.rel_lo)
    span = max(a.rel_lo + a.dsum.shape[1], b.rel_lo + b.dsum.shape[1]) - rel_lo
    dots = engine._lag_dots(a, b, max_lag, rel_lo, span)
    monkeypatch.setattr(engine, "_DOT_COST", 1e12)  # never cheaper: the block products
    blocks = engine._lag_sums(a, b, max_lag)
    monkeypatch.setattr(engine, "_DOT_COST", 0.0)  # always cheaper: the dots
    chosen = engine._lag_sums(a, b, max_lag)
    assert np.count_nonzero(want) >= min(max_lag, 20)  # lags with pairs sharing dates
    np.testing.assert_allclose(dots, want, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(blocks, want, rtol=1e-12, atol=1e-11)
    np.testing.assert_array_equal(chosen, dots)


def test_the_residual_rbar_is_computed_when_first_read_and_is_the_fits_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One market, every event's calendar sums: the fit sums the pairs only at the lags a window
    spans, and the residuals' mean correlation over every pair (clustering's ``rbar_residual``,
    which no test uses) is computed from the kept sums when it is first read: the same number,
    bit for bit, as a fit that computes it at once (no room to keep the sums), and the same after
    a pickle round trip."""
    import pickle

    from rerating.study import engine

    rng = np.random.default_rng(14)
    wide, mkt = _market(seed=3, n_sym=150, n_days=600, shock=0.5, nan_share=0.0)
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(400)],
            "symbol": rng.choice(wide.columns, 400),
            "date": wide.index[rng.integers(300, 580, 400)],
        }
    )
    lags: list[int] = []  # the lags each _lag_sums call sums
    real = engine._lag_sums
    monkeypatch.setattr(engine, "_lag_sums", lambda a, b, m: lags.append(m) or real(a, b, m))
    later = _fit(wide, mkt, events)
    every_lag = EST[1] - EST[0] + 1 - engine.RBAR_MIN_OVERLAP + 1
    assert lags and max(lags) < every_lag  # the fit: the windows' lags only
    copy = pickle.loads(pickle.dumps(later))  # before it is read: the sums go along
    clus = later.clustering
    assert max(lags) == every_lag  # read: every lag of the estimation window
    monkeypatch.setattr(engine, "_SUMS_KEPT_BYTES", 0)  # no room: computed in the fit
    now = _fit(wide, mkt, events).clustering
    assert clus["rbar_residual"].tolist() == now["rbar_residual"].tolist()
    assert copy.clustering["rbar_residual"].tolist() == now["rbar_residual"].tolist()
    # the windows' r̄ from the same sums at fewer lags: equal to rounding
    for col in ("rbar", "rbar_caar", "rbar_same_date"):
        np.testing.assert_allclose(clus[col], now[col], rtol=1e-12, atol=1e-15)
    assert list(clus.columns) == list(now.columns) and (clus["n_pairs"] == now["n_pairs"]).all()
    # and near the oracle's (pandas' correlation of every pair of residual series: the sums'
    # estimate is exact only for pairs on one date, docs/STUDY.md "r̄ of a large group")
    want = _oracle(wide, mkt, later)["residual"]
    assert clus["rbar_residual"].iloc[0] == pytest.approx(want, rel=0.005)
