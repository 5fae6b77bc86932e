"""Comparing two groups' CAARs: the CDA on the long-short portfolio and Welch's t.

Oracles: scipy's Welch test, a hand-worked portfolio example (the ``statistics`` module), one
statsmodels OLS per event, and a simulation in which each group's events share a market shock.
"""

from __future__ import annotations

import math
import statistics as pystats

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from rerating.errors import StatisticOptionError
from rerating.study import EventStudy
from rerating.study.statistics import (
    adj_bmp_difference,
    cda_difference,
    estimation_aar,
    welch_difference,
)

EST = (-120, -11)
WINS = ((0, 0), (-1, 3))


def test_welch_difference_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.02, 0.03, 9), rng.normal(-0.01, 0.08, 14)
    got = welch_difference(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert got.difference == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert got.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert got.df == pytest.approx(ref.df, rel=1e-12)


def test_cda_difference_worked_by_hand() -> None:
    # estimation-day portfolio means of two groups; the second group has no event on day 3
    aar_a = np.array([0.010, -0.004, 0.002, 0.007, -0.011, 0.003])
    aar_b = np.array([0.001, 0.006, -0.003, np.nan, 0.002, -0.008])
    car_a, car_b = np.array([0.05, 0.03, 0.07]), np.array([-0.02, 0.01])
    d = [0.009, -0.010, 0.005, -0.013, 0.011]  # a - b on the five days both groups have
    s = pystats.stdev(d)
    t = (0.05 - (-0.005)) / (s * math.sqrt(3))
    got = cda_difference(car_a, car_b, aar_a, aar_b, length=3)
    assert got.difference == pytest.approx(0.055, rel=1e-12)
    assert got.std_error == pytest.approx(s * math.sqrt(3), rel=1e-12)
    assert got.statistic == pytest.approx(t, rel=1e-12)
    assert got.df == 4
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), 4), rel=1e-10)


def test_adj_bmp_difference_worked_by_hand() -> None:
    scar_a, scar_b = [1.2, 0.4, 2.0, 0.9], [-0.3, 0.5, -1.1]
    r_a, r_b = 0.10, -0.02  # a negative r̄ is floored at 0, as for the CAAR's standard error
    v_a = pystats.variance(scar_a) / 4 * (1 + 3 * r_a) / (1 - r_a)
    v_b = pystats.variance(scar_b) / 3
    t = (pystats.mean(scar_a) - pystats.mean(scar_b)) / math.sqrt(v_a + v_b)
    df = (v_a + v_b) ** 2 / (v_a**2 / 3 + v_b**2 / 2)
    got = adj_bmp_difference(np.array(scar_a), np.array(scar_b), r_a, r_b)
    assert got.statistic == pytest.approx(t, rel=1e-12)
    assert got.df == pytest.approx(df, rel=1e-12)
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-10)
    # the covariance across the groups: r̄_AB times each group's SCAR sd over sqrt(1 - r̄)
    r_ab = 0.3
    cov = r_ab * math.sqrt(pystats.variance(scar_a) / (1 - r_a) * pystats.variance(scar_b))
    se2 = v_a + v_b - 2 * cov
    t = (pystats.mean(scar_a) - pystats.mean(scar_b)) / math.sqrt(se2)
    df = se2**2 / ((v_a - cov) ** 2 / 3 + (v_b - cov) ** 2 / 2)
    got = adj_bmp_difference(np.array(scar_a), np.array(scar_b), r_a, r_b, r_ab)
    assert got.std_error == pytest.approx(math.sqrt(se2), rel=1e-12)
    assert got.statistic == pytest.approx(t, rel=1e-12)
    assert got.df == pytest.approx(df, rel=1e-12)
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-10)
    # a negative correlation across the groups raises the variance
    assert adj_bmp_difference(np.array(scar_a), np.array(scar_b), r_a, r_b, -0.2).std_error > math.sqrt(v_a + v_b)
    # an estimated variance that is not positive gives NaN, not a huge t
    assert np.isnan(adj_bmp_difference(np.array(scar_a), np.array(scar_b), r_a, r_b, 0.99).statistic)
    # with r̄ = 0 it is Welch's t on the SCARs
    ref = stats.ttest_ind(scar_a, scar_b, equal_var=False)
    assert adj_bmp_difference(np.array(scar_a), np.array(scar_b), 0.0, 0.0).statistic == pytest.approx(ref.statistic)


@pytest.mark.parametrize("rows", [7, 5000])  # 5,000: two blocks of rows
@pytest.mark.parametrize("missing", [False, True])
def test_estimation_aar_is_the_one_pass_mean_bit_for_bit(rows: int, missing: bool) -> None:
    x = np.random.default_rng(rows).normal(0.0, 0.02, (rows, 40))
    if missing:
        x[3, 5] = np.nan
    fin = np.isfinite(x)
    want = np.where(fin, x, 0.0).sum(axis=0) / fin.sum(axis=0)
    np.testing.assert_array_equal(estimation_aar(x), want)


def test_estimation_aar_is_the_mean_of_the_events_present() -> None:
    resid = np.array([[1.0, np.nan, 3.0], [3.0, np.nan, np.nan]])
    np.testing.assert_array_equal(estimation_aar(resid), [2.0, np.nan, 3.0])


def _two_markets(seed: int = 5, n_days: int = 300) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Wide returns of 5 'hk' and 6 'us' stocks, each group with its own market and a group shock."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=n_days)
    mkt = pd.DataFrame({"HK": rng.normal(0, 0.012, n_days), "US": rng.normal(0, 0.01, n_days)}, index=dates)
    cols, rows = {}, []
    for grp, n, bench in (("hk", 5, "HK"), ("us", 6, "US")):
        shock = rng.normal(0, 1, n_days)
        for i in range(n):
            e = 0.4 * shock + rng.normal(0, 1, n_days)
            sym = f"{grp.upper()}{i}"
            cols[sym] = 0.0003 + (0.6 + 0.15 * i) * mkt[bench].to_numpy() + 0.012 * e
            rows.append({"event_id": "shock", "symbol": sym, "date": dates[200], "group": grp})
    return pd.DataFrame(cols, index=dates), mkt, pd.DataFrame(rows)


def test_compare_matches_one_statsmodels_fit_per_event() -> None:
    wide, mkt, events = _two_markets()
    bench = {s: ("HK" if s.startswith("HK") else "US") for s in wide.columns}
    # same-date correlation only: the lead-lag terms of two markets have their own oracle
    # (tests/test_study_lead_lag.py)
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=EST,
        event_windows=WINS, lead_lag="none",
    ).fit()
    got = res.compare("hk", "us").set_index(["window", "test"])
    day0 = f"{wide.index[200]:%Y-%m-%d}"
    assert set(got["day0_a"]) == set(got["day0_b"]) == {day0}

    # oracle: per event OLS on its estimation window; residuals averaged per group and day
    d0 = 200
    resid, car, scar = {}, {}, {}
    for sym in wide.columns:
        y, x = wide[sym].to_numpy(), mkt[bench[sym]].to_numpy()
        est = slice(d0 + EST[0], d0 + EST[1] + 1)
        fit = sm.OLS(y[est], sm.add_constant(x[est])).fit()
        resid[sym] = fit.resid
        ar = y - fit.params[0] - fit.params[1] * x
        car[sym] = [ar[d0 + a : d0 + b + 1].sum() for a, b in WINS]
        # var(CAR) = sigma^2 L + s' cov(params) s, s the window's summed regressors (CLM 1997)
        sums = [np.array([b - a + 1, x[d0 + a : d0 + b + 1].sum()]) for a, b in WINS]
        var = [fit.scale * (b - a + 1) + s @ fit.cov_params() @ s for (a, b), s in zip(WINS, sums, strict=True)]
        scar[sym] = [c / np.sqrt(v) for c, v in zip(car[sym], var, strict=True)]
    hk = [s for s in wide.columns if s.startswith("HK")]
    us = [s for s in wide.columns if s.startswith("US")]
    d = np.mean([resid[s] for s in hk], axis=0) - np.mean([resid[s] for s in us], axis=0)
    # every event on one date: r̄ is the mean pairwise residual correlation over the whole window
    corr = np.corrcoef([resid[s] for s in hk + us])
    rbar = {
        g: corr[np.ix_(idx, idx)][np.triu_indices(len(idx), 1)].mean()
        for g, idx in (("hk", range(5)), ("us", range(5, 11)))
    }
    # the groups' shocks are independent, but their estimated correlation is not exactly 0;
    # one date and one window for all: every window date is shared, so all of it counts
    rbar_ab = corr[:5, 5:].mean()
    assert abs(rbar_ab) < 0.1
    for w, (a, b) in enumerate(WINS):
        label = f"[{a}:{b}]"
        car_hk, car_us = np.array([car[s][w] for s in hk]), np.array([car[s][w] for s in us])
        cda = got.loc[(label, "cda_difference")]
        se = d.std(ddof=1) * np.sqrt(b - a + 1)
        assert cda["difference"] == pytest.approx(car_hk.mean() - car_us.mean(), abs=1e-12)
        assert cda["caar_a"] == pytest.approx(car_hk.mean(), abs=1e-12)
        assert cda["std_error"] == pytest.approx(se, rel=1e-9)
        assert cda["df"] == EST[1] - EST[0]
        assert bool(cda["valid_under_clustering"]) is True
        bmp = got.loc[(label, "adj_bmp_difference")]
        scar_hk, scar_us = np.array([scar[s][w] for s in hk]), np.array([scar[s][w] for s in us])
        r_hk, r_us = max(rbar["hk"], 0), max(rbar["us"], 0)
        v = [
            x.var(ddof=1) / x.size * (1 + (x.size - 1) * r) / (1 - r)
            for x, r in ((scar_hk, r_hk), (scar_us, r_us))
        ]
        cov = rbar_ab * np.sqrt(scar_hk.var(ddof=1) / (1 - r_hk) * scar_us.var(ddof=1) / (1 - r_us))
        t = (scar_hk.mean() - scar_us.mean()) / np.sqrt(sum(v) - 2 * cov)
        assert bmp["statistic"] == pytest.approx(t, rel=1e-9)
        assert bmp["rbar_between"] == pytest.approx(rbar_ab, rel=1e-9)
        assert np.isnan(bmp["std_error"]) and bool(bmp["valid_under_clustering"]) is True
        welch = got.loc[(label, "welch_t")]
        ref = stats.ttest_ind(car_hk, car_us, equal_var=False)
        assert welch["statistic"] == pytest.approx(ref.statistic, rel=1e-9)
        assert welch["pvalue"] == pytest.approx(ref.pvalue, rel=1e-8)
        q = stats.t.ppf(0.975, welch["df"])
        assert welch["conf_high"] - welch["conf_low"] == pytest.approx(2 * q * welch["std_error"])
    # the difference is the one between the groups' rows of the CAAR table
    caar = res.caar.set_index(["group", "window"])["caar"]
    for label in ("[0:0]", "[-1:3]"):
        diff = caar[("hk", label)] - caar[("us", label)]
        assert got.loc[(label, "welch_t"), "difference"] == pytest.approx(diff, abs=1e-15)


def _one_market(day0: dict[str, list[int]], wins, n_days: int, seed: int):
    """Groups of one market (one shock common to all) with the given day-0 sessions, fitted, and
    the oracle: statsmodels residuals on calendar dates, pandas' correlations over each pair's
    overlap, and every event's window dates as Python sets."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-01", periods=n_days)
    mkt = rng.normal(0, 0.01, n_days)
    shock = rng.normal(0, 1, n_days)
    cols, rows = {}, []
    for grp, days in day0.items():
        for i, d0 in enumerate(days):
            sym = f"{grp.upper()}{i}"
            cols[sym] = (0.8 + 0.1 * i) * mkt + 0.015 * (0.6 * shock + rng.normal(0, 1, n_days))
            rows.append({"event_id": f"{grp}{i}", "symbol": sym, "date": dates[d0], "group": grp})
    wide = pd.DataFrame(cols, index=dates)
    res = EventStudy(
        wide, pd.DataFrame(rows), market_returns=pd.DataFrame({"M": mkt}, index=dates),
        benchmarks="M", estimation_window=EST, event_windows=wins,
    ).fit()
    resid, window_dates = {}, {}
    for r in rows:
        d0 = dates.get_loc(r["date"])
        est = slice(d0 + EST[0], d0 + EST[1] + 1)
        fit = sm.OLS(wide[r["symbol"]].to_numpy()[est], sm.add_constant(mkt[est])).fit()
        resid[r["symbol"]] = pd.Series(fit.resid, index=dates[est])
        window_dates[r["symbol"]] = [set(dates[d0 + a : d0 + b + 1]) for a, b in wins]
    return res, pd.DataFrame(resid).corr(min_periods=30), window_dates


def test_correlation_across_groups_counts_the_window_dates_they_share() -> None:
    """One market, one shock for all: group b reacts two sessions after group a."""
    wins = ((0, 0), (0, 4), (-3, 3))
    res, corr, _ = _one_market({"a": [250] * 5, "b": [252] * 4}, wins, n_days=320, seed=8)
    r_ab = corr.loc[["A0", "A1", "A2", "A3", "A4"], ["B0", "B1", "B2", "B3"]].to_numpy().mean()
    assert r_ab > 0.15  # the common shock: 0.36 / 1.36 in truth
    got = res.compare("a", "b").query("test == 'adj_bmp_difference'").set_index("window")
    # [0:0]: no date shared; [0:4]: 3 of 5; [-3:3]: 5 of 7
    for label, share in (("[0:0]", 0.0), ("[0:4]", 3 / 5), ("[-3:3]", 5 / 7)):
        assert got.loc[label, "rbar_between"] == pytest.approx(r_ab * share, rel=1e-9, abs=1e-15)
    assert res.rbar_between["a", "b"]["rbar"] == pytest.approx(r_ab, rel=1e-9)
    assert res.rbar_between["a", "b"]["n_pairs"] == 20
    # the long-short portfolio in event time misses the dates windows share across different day
    # 0s, as the CDA does: cda_difference is marked not valid where the windows overlap so
    cda = res.compare("a", "b").query("test == 'cda_difference'").set_index("window")
    assert cda["valid_under_clustering"].to_dict() == {"[0:0]": True, "[0:4]": False, "[-3:3]": False}


def test_correlation_across_groups_with_events_spread_over_years() -> None:
    """Pairs far apart in time share no window date: blocks of calendar time give the dense answer."""
    wins = ((0, 0), (-2, 5))
    day0 = {"a": [200, 203, 640, 900, 1250, 1251], "b": [201, 205, 420, 641, 905, 1100]}
    res, corr, window_dates = _one_market(day0, wins, n_days=1300, seed=12)
    a_syms, b_syms = [f"A{i}" for i in range(6)], [f"B{i}" for i in range(6)]
    got = res.compare("a", "b").query("test == 'adj_bmp_difference'").set_index("window")
    for w, (lo, hi) in enumerate(wins):
        terms = [
            (0.0 if np.isnan(corr.loc[x, y]) else corr.loc[x, y])
            * len(window_dates[x][w] & window_dates[y][w]) / (hi - lo + 1)
            for x in a_syms
            for y in b_syms
        ]
        assert got.loc[f"[{lo}:{hi}]", "rbar_between"] == pytest.approx(np.mean(terms), rel=1e-9)
    linked = [(x, y) for x in a_syms for y in b_syms if window_dates[x][1] & window_dates[y][1]]
    assert len(linked) == 6  # (200|203) x (201|205), 640 x 641, 900 x 905
    between = res.rbar_between["a", "b"]
    assert between["rbar"] == pytest.approx(np.mean([corr.loc[x, y] for x, y in linked]), rel=1e-9)
    assert between["n_pairs"] == 6


def test_correlation_across_groups_with_many_groups() -> None:
    """Twelve groups (66 pairs, more than the eight that had the cross term before): each pair's
    r̄ across groups is there when compare() asks, and equals the oracle's."""
    wins = ((0, 0), (0, 2))
    day0 = {f"g{k:02d}": [250 + k % 3, 251 + k % 3, 252] for k in range(12)}
    res, corr, window_dates = _one_market(day0, wins, n_days=320, seed=21)
    assert len(res.rbar_between) == 66 and ("g00", "g11") in res.rbar_between
    for a, b in (("g00", "g01"), ("g04", "g11"), ("g07", "g02")):
        xs, ys = [f"{a.upper()}{i}" for i in range(3)], [f"{b.upper()}{i}" for i in range(3)]
        got = res.compare(a, b).query("test == 'adj_bmp_difference'").set_index("window")
        for w, (lo, hi) in enumerate(wins):
            terms = [
                corr.loc[x, y] * len(window_dates[x][w] & window_dates[y][w]) / (hi - lo + 1)
                for x in xs
                for y in ys
            ]
            assert got.loc[f"[{lo}:{hi}]", "rbar_between"] == pytest.approx(np.mean(terms), rel=1e-9)
    # the results keep what a pair needs, not the pairs: they pickle, and give the same numbers
    import pickle

    again = pickle.loads(pickle.dumps(res))
    assert again.rbar_between["g03", "g05"] == res.rbar_between["g03", "g05"]
    assert dict(again.rbar_between) == dict(res.rbar_between)


def _rejection_rates(rho: float, reps: int = 4000, seed: int = 11) -> dict[str, float]:
    """Share of level-5% rejections of no difference: 25 + 25 events, one date, window of 3 days.

    Each group's abnormal returns share a group shock (within-group correlation ``rho``), as
    stocks of one market do on one event date; the two groups' shocks are independent.
    """
    rng = np.random.default_rng(seed)
    n, l1, length = 25, 250, 3
    t_days = l1 + length
    hits = {"cda_difference": 0, "welch_t": 0}
    for _ in range(reps):
        shocks = rng.standard_normal((2, 1, t_days))
        ar = np.sqrt(rho) * shocks + np.sqrt(1 - rho) * rng.standard_normal((2, n, t_days))
        car = ar[:, :, l1:].sum(axis=2)
        aar_a, aar_b = estimation_aar(ar[0, :, :l1]), estimation_aar(ar[1, :, :l1])
        hits["cda_difference"] += cda_difference(car[0], car[1], aar_a, aar_b, length).pvalue < 0.05
        hits["welch_t"] += welch_difference(car[0], car[1]).pvalue < 0.05
    return {k: v / reps for k, v in hits.items()}


@pytest.mark.slow
def test_compare_size_when_each_group_shares_a_shock() -> None:
    three_se = 3 * np.sqrt(0.05 * 0.95 / 4000)  # about 1 percentage point
    independent = _rejection_rates(rho=0.0)
    clustered = _rejection_rates(rho=0.1)
    assert abs(independent["cda_difference"] - 0.05) <= three_se
    assert abs(independent["welch_t"] - 0.05) <= three_se
    assert abs(clustered["cda_difference"] - 0.05) <= three_se
    # design effect 1 + 24 x 0.1 = 3.4: Welch's t is too large by sqrt(3.4) and rejects ~30%
    assert clustered["welch_t"] > 0.2


def test_compare_refuses_what_it_cannot_compare() -> None:
    wide, mkt, events = _two_markets()
    bench = {s: ("HK" if s.startswith("HK") else "US") for s in wide.columns}
    kw = {"market_returns": mkt, "benchmarks": bench, "estimation_window": EST, "event_windows": WINS}
    res = EventStudy(wide, events, **kw).fit()
    with pytest.raises(StatisticOptionError, match=r"cannot compare group 'uss' \(did you mean us\?\)"):
        res.compare("hk", "uss")
    with pytest.raises(StatisticOptionError, match="'all' holds both groups"):
        res.compare("all", "us")
    with pytest.raises(StatisticOptionError, match="not 'hk' with itself"):
        res.compare("hk", "hk")
    with pytest.raises(StatisticOptionError, match="level"):
        res.compare("hk", "us", level=95)
    one = EventStudy(wide, events.drop(columns="group"), **kw).fit()
    with pytest.raises(StatisticOptionError, match="needs events in two groups"):
        one.compare("hk", "us")


def test_summary_carries_the_differences_of_two_groups() -> None:
    wide, mkt, events = _two_markets()
    bench = {s: ("HK" if s.startswith("HK") else "US") for s in wide.columns}
    kw = {"market_returns": mkt, "benchmarks": bench, "estimation_window": EST, "event_windows": WINS}
    res = EventStudy(wide, events, **kw).fit()
    summary = res.summary()
    assert summary.differences is not None
    pd.testing.assert_frame_equal(
        summary.differences, res.compare("hk", "us")[list(summary.differences.columns)]
    )
    assert "Group differences" in summary.as_text() and "cda_difference" in summary.as_text()
    assert "Group differences" in summary.as_html()
    assert summary.as_csv().count("\n\n") == 2  # CAAR, tests, differences
    # adj_bmp_difference has no interval: blank cells, not "nan"
    assert summary.differences["conf_low"].isna().any()
    assert "nan" not in summary.as_text().lower() and "NaN" not in summary.as_html()
    alone = EventStudy(wide, events.drop(columns="group"), **kw).fit().summary()
    assert alone.differences is None and "Group differences" not in alone.as_text()
