"""Lead-lag terms: listings of two markets that see the same news a session apart.

Oracles: one statsmodels OLS per event on its own sessions, pandas correlations of the residuals
on the joint calendar (a listing's residual moved to the next session of the union of both
markets' sessions) and Python sets of dates for r̄; loops over days for the portfolio and rank
tests' lag-1 autocovariance, and an MA(1) process whose sums have a known variance.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from _study_oracles import two_markets
from rerating.errors import WindowError
from rerating.study import EventStudy
from rerating.study.statistics import (
    adj_bmp_difference,
    brown_warner_cda,
    cda_difference,
    centered_ranks,
    corrado,
    corrado_zivney,
    corrado_zivney_ranks,
    grank,
    kp_adjustment,
    sum_variance,
)

EST = (-120, -11)
WINS = ((0, 0), (0, 4), (-2, 2))


def _two_markets():  # type: ignore[no-untyped-def]
    return two_markets(per_market=4, n_days=320, seed=11)


def _events(wide: pd.DataFrame, day0: dict[str, int]) -> pd.DataFrame:
    rows = [
        {"event_id": "news", "symbol": s, "date": wide.index[d], "group": "hk" if s[0] == "H" else "us"}
        for s, d in day0.items()
    ]
    return pd.DataFrame(rows)


def _oracle(wide, mkt, bench, day0, lead_lag=True, est_window=EST):  # type: ignore[no-untyped-def]
    """Per window: the mean over pairs of corr(CAR_i, CAR_j) as the engine defines it, within
    all events and across the groups hk/us; by statsmodels, pandas and sets."""
    resid, win_dates = {}, {}
    for s, d in day0.items():
        own = wide[s].dropna()  # the listing's own sessions
        x = mkt[bench[s]].reindex(own.index)
        p = own.index.get_loc(wide.index[d])
        est = slice(p + est_window[0], p + est_window[1] + 1)
        fit = sm.OLS(own.iloc[est].to_numpy(), sm.add_constant(x.iloc[est].to_numpy())).fit()
        resid[s] = pd.Series(fit.resid, index=own.index[est])
        win_dates[s] = [set(own.index[p + a : p + b + 1]) for a, b in WINS]
    joint = wide.index[wide.notna().any(axis=1)]  # every session of either market
    prev = dict(zip(joint[1:], joint[:-1], strict=True))

    def lag_corr(i: str, j: str) -> float:
        """corr(e_i[d], e_j[prev d]) over the dates both have (>= 30 of them)."""
        moved = resid[j].reindex(joint).shift(1)  # at d: e_j on the session before d
        both = pd.concat([resid[i], moved], axis=1, join="inner").dropna()
        return float(both.iloc[:, 0].corr(both.iloc[:, 1])) if len(both) >= 30 else 0.0

    def car_corr(i: str, j: str, w: int) -> float:
        both = pd.concat([resid[i], resid[j]], axis=1, join="inner").dropna()
        r0 = float(both.iloc[:, 0].corr(both.iloc[:, 1]))
        wi, wj = win_dates[i][w], win_dates[j][w]
        total = r0 * len(wi & wj)
        if lead_lag and bench[i] != bench[j]:
            total += lag_corr(i, j) * sum(prev.get(s) in wj for s in wi)
            total += lag_corr(j, i) * sum(prev.get(t) in wi for t in wj)
        return total / len(wi)

    syms = list(day0)
    hk, us = [s for s in syms if s[0] == "H"], [s for s in syms if s[0] == "U"]
    within = [np.mean([car_corr(i, j, w) for i, j in itertools.combinations(syms, 2)]) for w in range(len(WINS))]
    between = [
        np.mean([car_corr(i, j, w) for i in hk for j in us]) if hk and us else np.nan
        for w in range(len(WINS))
    ]
    return within, between


@pytest.mark.parametrize(
    ("shift", "est"),
    [
        pytest.param(0, EST, id="one-date"),
        pytest.param(1, EST, id="us-a-session-later"),
        pytest.param(3, EST, id="us-three-sessions-later"),
        # the joint calendar must reach the estimation window after the event too (it ran from
        # the estimation window's start to the span's end, empty here: no lead-lag terms)
        pytest.param(0, (11, 110), id="estimation-after-the-event"),
    ],
)
def test_rbar_with_lead_lag_matches_statsmodels_and_pandas(shift: int, est: tuple[int, int]) -> None:
    wide, mkt = _two_markets()
    bench = {s: ("HSI" if s[0] == "H" else "SPX") for s in wide.columns}
    day0 = {s: (200 if est[0] < 0 else 120) + (shift if s[0] == "U" else 0) for s in wide.columns}
    res = EventStudy(
        wide, _events(wide, day0), market_returns=mkt, benchmarks=bench,
        estimation_window=est, event_windows=WINS,
    ).fit()
    within, between = _oracle(wide, mkt, bench, day0, est_window=est)
    same_within, _ = _oracle(wide, mkt, bench, day0, lead_lag=False, est_window=est)
    clus = res.clustering.set_index(["group", "window"])
    for w, (a, b) in enumerate(WINS):
        row = clus.loc[("all", f"[{a}:{b}]")]
        assert row["rbar"] == pytest.approx(within[w], abs=1e-12)
        assert row["rbar_same_date"] == pytest.approx(same_within[w], abs=1e-12)
        assert res.rbar_between[("hk", "us")]["effective"][w] == pytest.approx(between[w], abs=1e-12)
    # the DGP's lead-lag correlation is strong: multi-day windows carry it, one-day ones on one
    # date do not
    span = clus.loc[("all", "[0:4]")]
    assert span["rbar"] > span["rbar_same_date"] + 0.02
    if shift == 0:
        day = clus.loc[("all", "[0:0]")]
        assert day["rbar"] == pytest.approx(day["rbar_same_date"], abs=1e-15)


def test_one_market_and_lead_lag_none_keep_same_date_rbar() -> None:
    wide, mkt = _two_markets()
    bench = {s: ("HSI" if s[0] == "H" else "SPX") for s in wide.columns}
    day0 = {s: 200 for s in wide.columns}
    kw = {"market_returns": mkt, "estimation_window": EST, "event_windows": WINS}
    ev = _events(wide, day0)
    off = EventStudy(wide, ev, benchmarks=bench, lead_lag="none", **kw).fit().clustering
    assert (off["rbar"] == off["rbar_same_date"]).all()
    _, same_between = _oracle(wide, mkt, bench, day0, lead_lag=False)
    # one benchmark for every listing and no calendars: one market, so no lead-lag terms
    one = EventStudy(wide, ev, benchmarks="SPX", **kw).fit().clustering
    assert (one["rbar"] == one["rbar_same_date"]).all()
    # calendars name every listing: they say which market each is in (here both "markets" share
    # a benchmark, and the calendars split them)
    cals = {s: ("XHKG" if s[0] == "H" else "XNAS") for s in wide.columns}
    by_cal = EventStudy(wide, ev, benchmarks="SPX", calendars=cals, **kw).fit()
    assert by_cal.clustering.set_index("window").loc["[0:4]"].query("group == 'all'")["rbar"].iloc[0] > (
        by_cal.clustering.set_index("window").loc["[0:4]"].query("group == 'all'")["rbar_same_date"].iloc[0]
    )
    # lead_lag="none" leaves compare()'s cross term at the same-date oracle
    off_fit = EventStudy(wide, ev, benchmarks=bench, lead_lag="none", **kw).fit()
    assert off_fit.rbar_between[("hk", "us")]["effective"] == pytest.approx(same_between, abs=1e-12)


def test_lead_lag_all_counts_every_pair() -> None:
    """``"all"``: pairs in one market get the lead-lag terms too (thin trading)."""
    wide, mkt = _two_markets()
    day0 = {s: 200 for s in wide.columns if s[0] == "U"}  # one market only
    bench = dict.fromkeys(day0, "SPX")
    ev = _events(wide, day0)
    kw = {"market_returns": mkt, "estimation_window": EST, "event_windows": WINS, "benchmarks": "SPX"}
    res = EventStudy(wide[list(day0)], ev, lead_lag="all", **kw).fit()
    # the oracle with every pair counted as two markets
    marked = {s: f"M{k}" for k, s in enumerate(day0)}
    # the joint calendar is the studied listings' sessions (New York's: Hong Kong's days are not in it)
    studied = wide[list(day0)]
    within, _ = _oracle(studied, mkt.assign(**{m: mkt["SPX"] for m in marked.values()}), marked, day0)
    clus = res.clustering.query("group == 'all'").set_index("window")
    assert clus["rbar"].to_numpy() == pytest.approx(within, abs=1e-12)
    assert bench  # one benchmark: "markets" would add nothing
    plain = EventStudy(wide[list(day0)], ev, **kw).fit().clustering.query("group == 'all'")
    assert (plain["rbar"] == plain["rbar_same_date"]).all()


def test_lead_lag_policy_is_checked() -> None:
    wide, mkt = _two_markets()
    with pytest.raises(WindowError, match="lead_lag='both' is not a policy; valid: markets, all, none"):
        EventStudy(wide, _events(wide, {"H0": 200}), market_returns=mkt, lead_lag="both")  # type: ignore[arg-type]


# --- the portfolio and rank tests' lag-1 autocovariance ---------------------------------------------


def _hand_sum_variance(x: list[float], length: int, lags: int) -> float:
    """L S^2 + 2 (L - 1) g_1 by loops: mean and sums over the days present, pairs of neighbours."""
    return _hand_variance_and_df(x, length, lags)[0]


def _hand_variance_and_df(x: list[float], length: int, lags: int) -> tuple[float, float]:
    """The variance above and Satterthwaite's df, with Bartlett's variances of g_0 = S^2 and g_1
    for a process whose autocovariances beyond lag 1 vanish (worked term by term)."""
    days = [v for v in x if not math.isnan(v)]
    m = sum(days) / len(days)
    t1 = len(days) - 1
    s2 = sum((v - m) ** 2 for v in days) / t1
    g1 = sum(
        (x[t] - m) * (x[t - 1] - m)
        for t in range(1, len(x))
        if not (math.isnan(x[t]) or math.isnan(x[t - 1]))
    ) / t1
    if not lags or length == 1:  # no lag term in a one-day sum: Brown & Warner's df
        return length * s2, float(t1)
    v = length * s2 + 2 * (length - 1) * g1
    var_s2 = 2 * (s2**2 + 2 * g1**2) / t1  # sum over k of 2 g_k^2, k = -1, 0, 1
    var_g1 = (s2**2 + 2 * g1**2 + g1 * g1) / t1  # sum of g_k^2, plus g_1 g_-1 at k = 0
    cov = 2 * (g1 * s2 + s2 * g1) / t1  # 2 sum of g_k g_(k+1), k = -1, 0
    var_v = length**2 * var_s2 + (2 * (length - 1)) ** 2 * var_g1 + 2 * length * 2 * (length - 1) * cov
    return v, min(2 * v * v / var_v, t1)


def test_sum_variance_by_hand_and_on_a_known_process() -> None:
    x = [0.01, -0.02, 0.015, float("nan"), 0.005, -0.01, 0.02, 0.0]
    for lags in (0, 1):
        for length in (1, 3, 5):
            got, n_days, df = sum_variance(np.array(x), length, lags)
            assert n_days == 7
            want, want_df = _hand_variance_and_df(x, length, lags)
            assert got == pytest.approx(want, rel=1e-12)
            assert df == pytest.approx(want_df, rel=1e-12)
            assert df == 6 if lags == 0 or length == 1 else df < 6
    # MA(1), x_t = e_t + 0.6 e_(t-1): the variance of a sum of 5 is 5 (1 + 0.36) + 2 * 4 * 0.6
    rng = np.random.default_rng(0)
    e = rng.standard_normal(400_001)
    ma = e[1:] + 0.6 * e[:-1]
    assert sum_variance(ma, 5, 1)[0] == pytest.approx(5 * 1.36 + 8 * 0.6, rel=0.01)
    assert sum_variance(ma, 5, 0)[0] == pytest.approx(5 * 1.36, rel=0.01)  # what Brown-Warner charge
    # the variance of actual sums of 5 consecutive values agrees
    sums = ma[: 400_000 // 5 * 5].reshape(-1, 5).sum(axis=1)
    assert sums.var() == pytest.approx(5 * 1.36 + 8 * 0.6, rel=0.02)


def test_cda_with_lag_by_hand() -> None:
    rng = np.random.default_rng(4)
    resid = rng.normal(0, 0.01, (6, 40))
    resid[2, 5] = np.nan  # a missing return: the day's mean is over the events present
    resid[:, 17] = np.nan  # a day with no event at all
    car = rng.normal(0.01, 0.02, 6)
    aar = [
        float(np.mean([v for v in col if not math.isnan(v)])) if not np.isnan(col).all() else float("nan")
        for col in resid.T
    ]
    for lags in (0, 1):
        var, df = _hand_variance_and_df(aar, 4, lags)
        got = brown_warner_cda(car, resid, 4, lags=lags)
        t = float(np.mean(car)) / math.sqrt(var)
        assert got.statistic == pytest.approx(t, rel=1e-12)
        assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-10)
        assert (df == 38) == (lags == 0)
    # lags=0 is Brown & Warner's: sd of the AARs present, times sqrt(L)
    present = np.array([v for v in aar if not math.isnan(v)])
    assert brown_warner_cda(car, resid, 4).statistic == pytest.approx(
        car.mean() / (present.std(ddof=1) * 2), rel=1e-12
    )
    # the difference: D_t on the days both groups have, its lag-1 term over neighbouring such days
    other = rng.normal(0, 0.01, (5, 40))
    d = [a - float(np.mean(col)) for a, col in zip(aar, other.T, strict=True)]
    got = cda_difference(car, car[:5] - 0.01, np.array(aar), other.mean(axis=0), 4, lags=1)
    var, df = _hand_variance_and_df(d, 4, 1)
    assert got.std_error == pytest.approx(math.sqrt(var), rel=1e-12)
    assert got.df == pytest.approx(df, rel=1e-12) and got.df < 38


def _hand_rank_lag(u: np.ndarray, window: list[int], lag_break: int) -> float:
    """Cowan's multi-day rank Z with the lag-1 term, by loops over the columns of U."""
    n, t_all = u.shape
    ubar, n_t = [], []
    for c in range(t_all):
        col = [v for v in u[:, c] if not math.isnan(v)]
        n_t.append(len(col))
        ubar.append(sum(col) / len(col) if col else 0.0)
    days = [c for c in range(t_all) if n_t[c] > 0]
    s2 = sum(n_t[c] / n * ubar[c] ** 2 for c in days) / len(days)
    g1 = sum(
        math.sqrt(n_t[c] * n_t[c - 1]) / n * ubar[c] * ubar[c - 1]
        for c in range(1, t_all)
        if n_t[c] and n_t[c - 1] and c != lag_break
    ) / len(days)
    length = len(window)
    return sum(ubar[c] for c in window) / math.sqrt(length * s2 + 2 * (length - 1) * g1)


def test_rank_tests_with_lag_by_hand() -> None:
    rng = np.random.default_rng(9)
    ar = rng.normal(0, 0.01, (7, 60))
    ar[3, 10] = np.nan
    window = [52, 53, 54, 55]  # the event span starts at column 50 (after a gap in sessions)
    u = centered_ranks(ar)
    got = corrado(ar, np.array(window), lag_break=50)
    assert got.statistic == pytest.approx(_hand_rank_lag(u, window, 50), rel=1e-12)
    assert got.pvalue == pytest.approx(2 * stats.norm.sf(abs(got.statistic)), rel=1e-10)
    # without the lag term it is Cowan's statistic; one-day windows have no lag term
    assert corrado(ar, np.array(window)).statistic == pytest.approx(
        sum(u[:, c].mean() if c != 10 else np.nanmean(u[:, c]) for c in window)
        / (2 * math.sqrt(np.mean([(np.isfinite(u[:, c]).sum() / 7) * np.nanmean(u[:, c]) ** 2 for c in range(60)]))),
        rel=1e-12,
    )
    assert corrado(ar, np.array([52]), lag_break=50).statistic == corrado(ar, np.array([52])).statistic
    sar = ar / ar[:, :50].std(axis=1, ddof=2)[:, None]
    cz = corrado_zivney(sar, np.arange(50, 60), np.array(window), lag_break=50)
    assert cz.statistic == pytest.approx(
        _hand_rank_lag(corrado_zivney_ranks(sar, np.arange(50, 60)), window, 50), rel=1e-12
    )


def test_grank_with_lag_by_hand() -> None:
    rng = np.random.default_rng(12)
    sar_est = rng.standard_normal((9, 80))
    scar = rng.normal(0.3, 1.2, 9)
    plain = grank(sar_est, scar)
    assert grank(sar_est, scar, lag_length=1).statistic == plain.statistic  # one day: no term
    star = scar / scar.std(ddof=1)
    u = centered_ranks(np.column_stack([sar_est, star]))
    ubar = u.mean(axis=0)
    t_days = 81
    s2 = (ubar**2).sum() / t_days
    g1 = (ubar[1:80] * ubar[:79]).sum() / t_days  # neighbouring estimation days only
    s2_lag = s2 + 2 * 4 / 5 * g1
    z = ubar[-1] / math.sqrt(s2_lag)
    t = z * math.sqrt((t_days - 2) / (t_days - 1 - z * z))
    got = grank(sar_est, scar, lag_length=5)
    assert got.statistic == pytest.approx(t, rel=1e-12)
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), t_days - 2), rel=1e-10)


def test_engine_portfolio_tests_add_the_lag_term_across_markets() -> None:
    """The fit's CDA and compare()'s cda_difference against statsmodels residuals and the loops above."""
    wide, mkt = _two_markets()
    bench = {s: ("HSI" if s[0] == "H" else "SPX") for s in wide.columns}
    day0 = dict.fromkeys(wide.columns, 200)
    res = EventStudy(
        wide, _events(wide, day0), market_returns=mkt, benchmarks=bench,
        estimation_window=EST, event_windows=WINS,
    ).fit()
    resid, car = {}, {}
    for s in wide.columns:
        own = wide[s].dropna()
        x = mkt[bench[s]].reindex(own.index).to_numpy()
        y = own.to_numpy()
        p = own.index.get_loc(wide.index[200])
        est = slice(p + EST[0], p + EST[1] + 1)
        fit = sm.OLS(y[est], sm.add_constant(x[est])).fit()
        resid[s] = fit.resid  # event time: the estimation window's sessions in order
        car[s] = [float((y - fit.params[0] - fit.params[1] * x)[p + a : p + b + 1].sum()) for a, b in WINS]
    hk, us = [s for s in wide.columns if s[0] == "H"], [s for s in wide.columns if s[0] == "U"]
    tests = res.tests.set_index(["group", "window", "test"])["statistic"]
    compare = res.compare("hk", "us").set_index(["window", "test"])
    for w, (a, b) in enumerate(WINS):
        label, length = f"[{a}:{b}]", b - a + 1
        aar = list(np.mean([resid[s] for s in wide.columns], axis=0))
        caar = np.mean([car[s][w] for s in wide.columns])
        want = caar / math.sqrt(_hand_sum_variance(aar, length, 1))
        assert tests[("all", label, "brown_warner_cda")] == pytest.approx(want, rel=1e-9)
        d = list(np.mean([resid[s] for s in hk], axis=0) - np.mean([resid[s] for s in us], axis=0))
        got = compare.loc[(label, "cda_difference")]
        assert got["std_error"] == pytest.approx(math.sqrt(_hand_sum_variance(d, length, 1)), rel=1e-9)
    # one market's group keeps Brown & Warner's variance (no lag term)
    aar_hk = np.mean([resid[s] for s in hk], axis=0)
    caar_hk = np.mean([car[s][1] for s in hk])
    assert tests[("hk", "[0:4]", "brown_warner_cda")] == pytest.approx(
        caar_hk / (aar_hk.std(ddof=1) * math.sqrt(5)), rel=1e-9
    )
    assert res.markets == {"all": frozenset({0, 1}), "hk": frozenset({0}), "us": frozenset({1})}


def test_lead_lag_results_do_not_depend_on_event_order() -> None:
    wide, mkt = _two_markets()
    bench = {s: ("HSI" if s[0] == "H" else "SPX") for s in wide.columns}
    events = _events(wide, {s: 200 + (1 if s[0] == "U" else 0) for s in wide.columns})
    kw = {"market_returns": mkt, "benchmarks": bench, "estimation_window": EST, "event_windows": WINS}
    first = EventStudy(wide, events, **kw).fit()
    shuffled = EventStudy(wide[wide.columns[::-1]], events.sample(frac=1.0, random_state=3), **kw).fit()
    for frame in ("clustering", "tests", "caar"):
        pd.testing.assert_frame_equal(getattr(first, frame), getattr(shuffled, frame), check_exact=False, rtol=1e-12)
    a, b = first.rbar_between[("hk", "us")], shuffled.rbar_between[("hk", "us")]
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-12)


def test_next_day_on_the_joint_calendar() -> None:
    from rerating.study.engine import _LeadLag

    joint = np.array([3, 4, 7, 8, 12])
    days = np.array([[3, 4, 7], [8, 12, -1], [5, 9, 11]])  # 5, 9, 11: not sessions, inside the span
    want = [[next((j for j in joint if j > d), -1) if d >= 0 else -1 for d in row] for row in days]
    np.testing.assert_array_equal(_LeadLag.next_day(joint, days), want)
    np.testing.assert_array_equal(_LeadLag.next_day(np.array([], dtype=np.int64), days), np.full((3, 3), -1))


def test_windows_one_session_apart_across_markets_count_as_clustered() -> None:
    """Hong Kong and New York events on consecutive sessions, [0:0] windows: no two windows share
    a date, but a Hong Kong AR correlates with the New York AR of the session before, so r̄ (with
    its lead-lag terms) is not 0 and the CAAR's standard error, compare() and the adjusted tests
    must all use it (the standard error and compare() once left it out)."""
    rng = np.random.default_rng(5)
    n, n_days = 40, 400
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    mk = {"HK": rng.normal(0, 0.012, n_days), "US": rng.normal(0, 0.01, n_days)}
    shock = rng.normal(0, 1, n_days)
    cols, bench, ev = {}, {}, []
    for i in range(n):
        sym, market = f"S{i:02d}", "HK" if i % 2 else "US"
        seen = np.roll(shock, 1) if market == "HK" else shock  # Hong Kong reacts the day after
        cols[sym] = rng.uniform(0.5, 1.5) * mk[market] + 0.015 * (0.7 * seen + rng.normal(0, 1, n_days))
        bench[sym] = market
        ev.append({"event_id": f"e{i}", "symbol": sym, "date": dates[250 + i], "group": "AB"[i % 4 // 2]})
    res = EventStudy(
        pd.DataFrame(cols, index=dates), pd.DataFrame(ev), market_returns=pd.DataFrame(mk, index=dates),
        benchmarks=bench, estimation_window=(-120, -11), event_windows=[(0, 0)],
    ).fit()
    clus = res.clustering.set_index("group")
    assert (clus["rbar"] > 0.005).all() and (clus["rbar_same_date"] == 0).all()
    assert clus["overlapping"].all()
    caar = res.caar.set_index("group")
    for g, row in caar.iterrows():
        car = res.car.loc[(res.car["group"] == g) | (g == "all"), "car"].to_numpy()
        plain = car.std(ddof=1) / np.sqrt(car.size)
        # the CAAR's r̄* (pairs weighted by the residual sds), lead-lag terms included
        assert clus.loc[g, "rbar_caar"] > 0.005
        want = plain / kp_adjustment(car.size, clus.loc[g, "rbar_caar"])
        assert row["std_error"] == pytest.approx(want, rel=1e-12)
        assert row["se_method"] == "cross_sectional_kp_adjusted"
    cmp = res.compare("A", "B").set_index("test")
    scar = res.car["car"] / res.car["std_error"]
    in_a, in_b = (res.car["group"] == "A").to_numpy(), (res.car["group"] == "B").to_numpy()
    want = adj_bmp_difference(
        scar[in_a].to_numpy(), scar[in_b].to_numpy(), clus.loc["A", "rbar"], clus.loc["B", "rbar"],
        cmp.loc["adj_bmp_difference", "rbar_between"],
    )
    assert cmp.loc["adj_bmp_difference", "statistic"] == pytest.approx(want.statistic, rel=1e-12)
    assert any("(or, across markets, sit one session apart)" in w for w in res.warnings)
    # one market alone, the same consecutive dates: not clustered (no lead-lag, no shared date)
    us = [e for e in ev if bench[e["symbol"]] == "US"]
    alone = EventStudy(
        pd.DataFrame(cols, index=dates), pd.DataFrame(us), market_returns=pd.DataFrame(mk, index=dates),
        benchmarks=bench, estimation_window=(-120, -11), event_windows=[(0, 0)],
    ).fit()
    assert not alone.clustering["overlapping"].any()
