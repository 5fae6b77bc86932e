"""The study engine (engine.py, panel.py, models.py, results.py) against independent oracles
(statsmodels OLS per event, pandas correlations, scipy's t quantiles, a hand count): each test
kills a code change (mutant) that a mutation audit found the rest of the suite let through (the
audit's ids in brackets).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from rerating.errors import DuplicateDateError
from rerating.study import EventStudy

EST = (-100, -11)


def _panel(n_sym: int, n_days: int, seed: int, rho: float = 0.0, drift: float = 0.0002):
    """Wide returns from a market model (``rho``: residuals' correlation); the market Series."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    m = rng.normal(0.0003, 0.01, n_days)
    common = rng.normal(0, 1, n_days)
    cols = {}
    for i in range(n_sym):
        e = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(0, 1, n_days)
        cols[f"S{i:03d}"] = drift + (0.7 + 0.1 * (i % 7)) * m + 0.015 * e
    return pd.DataFrame(cols, index=dates), pd.Series(m, index=dates, name="MKT")


def _ols(y: np.ndarray, x: np.ndarray):  # type: ignore[no-untyped-def]
    return sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()


# --- E05, R08: the CAAR's confidence interval is Student t(N-1) --------------------------------


def test_caar_interval_and_conf_int_use_student_t() -> None:
    wide, m = _panel(5, 400, seed=1)
    pos = [150, 190, 230, 270, 310]  # far apart: plain cross-sectional standard error
    ev = pd.DataFrame({"event_id": [f"e{i}" for i in range(5)], "symbol": wide.columns, "date": wide.index[pos]})
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 2),)).fit()
    cars = []
    for sym, p in zip(wide.columns, pos, strict=True):
        fit = _ols(wide[sym].to_numpy()[p - 100 : p - 10], m.to_numpy()[p - 100 : p - 10])
        ar = wide[sym].to_numpy()[p : p + 3] - fit.params[0] - fit.params[1] * m.to_numpy()[p : p + 3]
        cars.append(ar.sum())
    cars = np.array(cars)
    se = cars.std(ddof=1) / np.sqrt(5)
    row = res.caar.iloc[0]
    assert row["std_error"] == pytest.approx(se, rel=1e-9)
    q = stats.t.ppf(0.975, 4)  # 2.776, not 1.960
    assert row["conf_low"] == pytest.approx(cars.mean() - q * se, rel=1e-9)
    assert row["conf_high"] == pytest.approx(cars.mean() + q * se, rel=1e-9)
    ci = res.conf_int(0.90).iloc[0]
    q90 = stats.t.ppf(0.95, 4)
    assert ci["lower"] == pytest.approx(cars.mean() - q90 * se, rel=1e-9)
    assert ci["upper"] == pytest.approx(cars.mean() + q90 * se, rel=1e-9)


# --- R03, R06: aar_path's band ---------------------------------------------------------------


def test_aar_path_band_uses_student_t_over_the_cumulative_paths() -> None:
    wide, m = _panel(4, 400, seed=2)
    pos = [150, 200, 250, 300]
    ev = pd.DataFrame({"event_id": [f"e{i}" for i in range(4)], "symbol": wide.columns, "date": wide.index[pos]})
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((-1, 3),)).fit()
    paths = []
    for sym, p in zip(wide.columns, pos, strict=True):
        fit = _ols(wide[sym].to_numpy()[p - 100 : p - 10], m.to_numpy()[p - 100 : p - 10])
        rows = slice(p - 1, p + 4)
        paths.append(np.cumsum(wide[sym].to_numpy()[rows] - fit.params[0] - fit.params[1] * m.to_numpy()[rows]))
    paths = np.array(paths)
    se = paths.std(axis=0, ddof=1) / 2.0
    q = stats.t.ppf(0.95, 3)  # level 0.9, N - 1 = 3 df (z would be 1.645)
    got = res.aar_path(level=0.9)
    np.testing.assert_allclose(got["std_error"], se, rtol=1e-9)
    np.testing.assert_allclose(got["conf_low"], paths.mean(axis=0) - q * se, rtol=1e-9)
    np.testing.assert_allclose(got["conf_high"], paths.mean(axis=0) + q * se, rtol=1e-9)


def test_aar_path_of_one_event_cumulates_its_prediction_error_variances() -> None:
    wide, m = _panel(1, 400, seed=3)
    p = 250
    ev = pd.DataFrame({"event_id": ["e"], "symbol": wide.columns, "date": [wide.index[p]]})
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 4),)).fit()
    fit = _ols(wide.iloc[p - 100 : p - 10, 0].to_numpy(), m.to_numpy()[p - 100 : p - 10])
    # statsmodels' prediction standard error of each event day: sigma^2 (1 + x0'(X'X)^-1 x0)
    se_obs = fit.get_prediction(sm.add_constant(m.to_numpy()[p : p + 5], has_constant="add")).se_obs
    se = np.sqrt(np.cumsum(se_obs**2))  # no covariance terms (documented)
    q = stats.t.ppf(0.975, 90 - 2)
    got = res.aar_path()
    np.testing.assert_allclose(got["std_error"], se, rtol=1e-9)
    np.testing.assert_allclose(got["conf_high"] - got["caar"], q * se, rtol=1e-9)


# --- R09: to_frame ---------------------------------------------------------------------------


def test_to_frame_carries_each_tests_statistic_and_pvalue() -> None:
    wide, m = _panel(6, 400, seed=4)
    pos = [130, 170, 210, 250, 290, 330]
    ev = pd.DataFrame({"event_id": [f"e{i}" for i in range(6)], "symbol": wide.columns, "date": wide.index[pos]})
    res = EventStudy(
        wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 1),),
        tests=("cross_sectional_t", "bmp"),
    ).fit()
    ref = stats.ttest_1samp(res.car["car"].to_numpy(), 0.0)
    row = res.to_frame().iloc[0]
    assert row["cross_sectional_t"] == pytest.approx(ref.statistic, rel=1e-9)
    assert row["cross_sectional_t_pvalue"] == pytest.approx(ref.pvalue, rel=1e-9)
    bmp = res.tests.set_index("test").loc["bmp"]
    assert row["bmp_pvalue"] == pytest.approx(bmp["pvalue"]) and row["bmp"] == pytest.approx(bmp["statistic"])


# --- R02: movers(method="by") ----------------------------------------------------------------


def test_movers_by_method_gives_benjamini_yekutieli_qvalues() -> None:
    wide, m = _panel(30, 300, seed=5)
    wide = wide.copy()
    for i in range(6):  # six movers on day 0
        wide.iloc[200, i] += 0.06
    ev = pd.DataFrame({"event_id": "e", "symbol": wide.columns, "date": wide.index[200]})
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 0),)).fit()
    p = res.car.set_index("symbol")["pvalue"]
    want = pd.Series(multipletests(p.to_numpy(), method="fdr_by")[1], index=p.index)
    got = res.movers(method="by", fdr=0.999).set_index("symbol")["qvalue"]
    assert len(got) >= 6
    np.testing.assert_allclose(got.to_numpy(), want[got.index].to_numpy(), rtol=1e-12)
    assert (got > res.movers(method="bh", fdr=0.999).set_index("symbol")["qvalue"][got.index]).all()


# --- E24: min_window_share rounds the sessions needed up ---------------------------------------


def test_min_window_share_needs_the_ceiling_of_share_times_length() -> None:
    wide, m = _panel(3, 300, seed=6)
    long = wide.stack().rename("ret").rename_axis(["date", "symbol"]).reset_index()
    d0 = wide.index[200]
    gaps = {"S000": [2, 4], "S001": [3]}  # 4 of 6, 5 of 6 sessions of [0:5]; S002 complete
    for sym, days in gaps.items():
        for k in days:
            long.loc[(long["symbol"] == sym) & (long["date"] == wide.index[200 + k]), "ret"] = np.nan
    ev = pd.DataFrame({"event_id": "e", "symbol": wide.columns, "date": d0})
    res = EventStudy(
        long, ev, market_returns=m, estimation_window=EST, event_windows=((0, 5),), min_window_share=0.75
    ).fit()
    need = math.ceil(0.75 * 6)  # 4.5 sessions: 5
    assert need == 5
    assert sorted(res.car["symbol"]) == ["S001", "S002"]
    reason = res.dropped.set_index("symbol")["reason"]["S000"]
    assert "4 of 6 sessions of [0:5] have one" in reason and "needs 5" in reason


# --- E30: a named group's design effect uses its own N ----------------------------------------


def test_a_groups_design_effect_is_one_plus_its_own_n_minus_one_rbar() -> None:
    wide, m = _panel(10, 400, seed=7, rho=0.3)
    ev = pd.DataFrame(
        {
            "event_id": "e",
            "symbol": wide.columns,
            "date": [wide.index[250]] * 6 + [wide.index[300]] * 4,
            "group": ["a"] * 6 + ["b"] * 4,
        }
    )
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 0),)).fit()
    resid = {}
    for sym in wide.columns[:6]:
        fit = _ols(wide[sym].to_numpy()[150:240], m.to_numpy()[150:240])
        resid[sym] = fit.resid
    corr = pd.DataFrame(resid).corr().to_numpy()
    rbar = corr[np.triu_indices(6, 1)].mean()
    row = res.clustering.set_index("group").loc["a"]
    assert row["n"] == 6
    assert row["rbar"] == pytest.approx(rbar, rel=1e-9)
    assert row["design_effect"] == pytest.approx(1 + 5 * rbar, rel=1e-9)  # not 1 + 9 r̄


# --- E33: compare() scales each group by its own overlap --------------------------------------


def test_compare_adjusts_the_clustered_group_when_the_other_is_spread() -> None:
    wide, m = _panel(10, 420, seed=8, rho=0.4)
    a_pos = [150, 200, 250, 300]  # group a: far apart, no overlap
    ev = pd.DataFrame(
        {
            "event_id": "e",
            "symbol": wide.columns,
            "date": list(wide.index[a_pos]) + [wide.index[380]] * 6,
            "group": ["a"] * 4 + ["b"] * 6,
        }
    )
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 0),)).fit()
    scar, resid = {}, {}
    for sym, p in zip(wide.columns, a_pos + [380] * 6, strict=True):
        fit = _ols(wide[sym].to_numpy()[p - 100 : p - 10], m.to_numpy()[p - 100 : p - 10])
        resid[sym] = fit.resid
        x0 = np.array([[1.0, m.to_numpy()[p]]])
        ar = wide[sym].to_numpy()[p] - x0[0] @ fit.params
        scar[sym] = ar / fit.get_prediction(x0).se_obs[0]
    sa = np.array([scar[s] for s in wide.columns[:4]])
    sb = np.array([scar[s] for s in wide.columns[4:]])
    corr = pd.DataFrame({s: resid[s] for s in wide.columns[4:]}).corr().to_numpy()
    rb = max(corr[np.triu_indices(6, 1)].mean(), 0.0)
    assert rb > 0.2
    va = sa.var(ddof=1) / 4  # a: no overlap, no design effect
    vb = sb.var(ddof=1) / 6 * (1 + 5 * rb) / (1 - rb)
    t = (sa.mean() - sb.mean()) / np.sqrt(va + vb)  # windows apart in time: no cross term
    got = res.compare("a", "b").set_index("test").loc["adj_bmp_difference"]
    assert got["statistic"] == pytest.approx(t, rel=1e-8)


# --- S01: windows that share one date at different event times --------------------------------


def test_windows_sharing_only_their_last_and_first_date_make_the_cda_invalid() -> None:
    wide, m = _panel(2, 300, seed=9)
    ev = pd.DataFrame({"event_id": ["e0", "e1"], "symbol": wide.columns, "date": wide.index[[200, 205]]})
    res = EventStudy(
        wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 0), (0, 5)),
        tests=("brown_warner_cda", "adj_bmp"),
    ).fit()
    dates = [set(wide.index[p : p + 6]) for p in (200, 205)]
    assert len(dates[0] & dates[1]) == 1  # e0's day 5 is e1's day 0
    clus = res.clustering.set_index("window")["overlapping"]
    assert not clus["[0:0]"] and clus["[0:5]"]
    valid = res.tests.set_index(["window", "test"])["valid_under_clustering"]
    assert valid["[0:0]", "brown_warner_cda"] and not valid["[0:5]", "brown_warner_cda"]
    assert any("a few sessions apart" in w for w in res.warnings)


# --- E16, E17, E19: r̄ of a group of more than RBAR_MAX_EVENTS events (calendar sums) -----------

TOL_GAPS = 0.01  # the approximation measured 0.14% off (see below)
EST_L = (-250, -11)  # 240 sessions: pairs up to 210 sessions apart share 30 estimation dates


def _large(n_sym: int, seed: int, drift: float = 0.0):  # type: ignore[no-untyped-def]
    """Wide returns, no missing session: a market factor, a shock common to every listing that the
    market model leaves in the residuals, noise, and a per-listing drift."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2018-01-01", periods=620)
    m, common = rng.normal(0, 0.01, dates.size), rng.normal(0, 0.01, dates.size)
    r = np.outer(m, rng.uniform(0.5, 1.5, n_sym)) + 0.6 * common[:, None]
    r += rng.normal(0, 0.02, r.shape) + drift * rng.uniform(0.5, 1.5, n_sym)
    return pd.DataFrame(r, index=dates, columns=[f"S{i:04d}" for i in range(n_sym)]), pd.DataFrame({"M": m}, index=dates)


def _residual_corr(wide, mkt, events, adjusted: bool) -> np.ndarray:  # type: ignore[no-untyped-def]
    """pandas' correlation of every pair of estimation residuals on calendar dates (statsmodels OLS
    per event, or R - R_m for the market-adjusted model), over each pair's common dates."""
    resid = {}
    for e in events.itertuples():
        p = wide.index.get_loc(e.date)
        idx = wide.index[p + EST_L[0] : p + EST_L[1] + 1]
        y, x = wide.loc[idx, e.symbol].to_numpy(), mkt.loc[idx, "M"].to_numpy()
        if adjusted:
            resid[e.event_id] = pd.Series(y - x, index=idx)
        else:
            ok = np.isfinite(y)
            resid[e.event_id] = pd.Series(_ols(y[ok], x[ok]).resid, index=idx[ok])
    return pd.DataFrame(resid).corr(min_periods=30).to_numpy()


@pytest.mark.parametrize("gap", [150, 210])
def test_rbar_of_two_date_clusters_counts_the_pairs_far_apart(gap: int) -> None:
    """150 listings on one date, 150 others ``gap`` sessions later: every cross pair shares
    ``240 - gap`` estimation dates (30 at gap 210, the least that counts)."""
    wide, mkt = _large(300, seed=11)
    p0 = 260
    events = pd.DataFrame(
        {"event_id": wide.columns, "symbol": wide.columns, "date": [wide.index[p0]] * 150 + [wide.index[p0 + gap]] * 150}
    )
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks="M", estimation_window=EST_L,
        event_windows=((0, 0),), tests=("adj_bmp",),
    ).fit()
    corr = _residual_corr(wide, mkt, events, adjusted=False)
    upper = corr[np.triu_indices(300, 1)]
    clus = res.clustering.iloc[0]
    assert clus["n_pairs"] == int(np.isfinite(upper).sum()) == 300 * 299 // 2
    # within a cluster the sums are exact; a cross pair's correlation from unit residuals is
    # close to Pearson's over its common dates (measured below 1% off here)
    assert clus["rbar_residual"] == pytest.approx(np.nan_to_num(upper).mean(), rel=0.02)


def test_rbar_of_market_adjusted_returns_is_their_correlation() -> None:
    """Market-adjusted 'residuals' R - R_m are not centred (no intercept): r̄ is still their
    Pearson correlation, exact for events on one date."""
    wide, mkt = _large(250, seed=12, drift=0.01)
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[400]})
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks="M", model="market_adjusted",
        estimation_window=EST_L, event_windows=((0, 0),), tests=("adj_bmp",),
    ).fit()
    corr = _residual_corr(wide, mkt, events, adjusted=True)
    want = corr[np.triu_indices(250, 1)].mean()
    clus = res.clustering.iloc[0]
    assert clus["rbar_residual"] == pytest.approx(want, rel=1e-9)
    assert clus["rbar"] == pytest.approx(want, rel=1e-9)


# --- E40: r̄ of a large group from its hash-chosen subsample (more than 8 markets) -------------


def test_subsample_rbar_is_the_documented_hash_subsample_and_representative() -> None:
    """400 listings, each its own market (lead_lag='all'): r̄ comes from the 200 events with the
    smallest crc32 of (event_id, symbol). Half the events share day 0 d1, half d2: an unbiased
    subsample gives about the every-pair value; the first 200 events (one date) would double it."""
    wide, mkt = _large(400, seed=13)
    events = pd.DataFrame(
        {"event_id": [f"E{i}" for i in range(400)], "symbol": wide.columns,
         "date": [wide.index[300]] * 200 + [wide.index[400]] * 200}
    )
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks="M", estimation_window=EST_L,
        event_windows=((0, 0),), tests=("adj_bmp",), lead_lag="all",
    ).fit()
    corr = np.nan_to_num(_residual_corr(wide, mkt, events, adjusted=False))
    same_day = (events["date"].to_numpy()[:, None] == events["date"].to_numpy()[None, :]).astype(float)
    iu = np.triu_indices(400, 1)
    every_pair = (corr * same_day)[iu].mean()
    h = np.array([zlib.crc32(f"{e}\x00{s}".encode()) for e, s in zip(events["event_id"], events["symbol"], strict=True)])
    sub = np.sort(np.argsort(h, kind="stable")[:200])
    su = np.triu_indices(200, 1)
    want = (corr[np.ix_(sub, sub)] * same_day[np.ix_(sub, sub)])[su].mean()
    clus = res.clustering.iloc[0]
    assert clus["rbar_same_date"] == pytest.approx(want, rel=1e-9)
    assert clus["rbar_same_date"] == pytest.approx(every_pair, rel=0.25)


# --- P07, P10: input order of dates never matters ---------------------------------------------


def _car_oracle(wide: pd.DataFrame, m: pd.Series, sym: str, p: int, window=(0, 2)) -> float:
    fit = _ols(wide[sym].to_numpy()[p - 100 : p - 10], m.to_numpy()[p - 100 : p - 10])
    rows = slice(p + window[0], p + window[1] + 1)
    return float((wide[sym].to_numpy()[rows] - fit.params[0] - fit.params[1] * m.to_numpy()[rows]).sum())


@pytest.mark.parametrize("reverse", ["returns", "market", "market_one_swap"])
def test_dates_in_descending_order_give_the_same_study(reverse: str) -> None:
    wide, m = _panel(3, 300, seed=14)
    pos = [150, 200, 250]
    ev = pd.DataFrame({"event_id": ["a", "b", "c"], "symbol": wide.columns, "date": wide.index[pos]})
    swap = np.arange(300)
    swap[[120, 121]] = [121, 120]  # two dates out of order: silently misaligned if not sorted
    rets = wide.iloc[::-1] if reverse == "returns" else wide  # newest first, as some feeds give
    mkt = {"market": m.iloc[::-1], "market_one_swap": m.iloc[swap]}.get(reverse, m)
    res = EventStudy(rets, ev, market_returns=mkt, estimation_window=EST, event_windows=((0, 2),)).fit()
    car = res.car.set_index("symbol")["car"]
    for sym, p in zip(wide.columns, pos, strict=True):
        assert car[sym] == pytest.approx(_car_oracle(wide, m, sym, p), rel=1e-9)


# --- P12: a benchmark date given twice is refused, as a listing's repeated date is ------------


def test_a_benchmark_date_given_twice_is_refused_with_the_date() -> None:
    wide, m = _panel(1, 300, seed=15)
    p = 200
    day = m.index[p - 50]
    dup = pd.Series([0.05], index=[day], name="MKT")  # a second row for an estimation date
    ev = pd.DataFrame({"event_id": ["e"], "symbol": wide.columns, "date": [wide.index[p]]})
    with pytest.raises(DuplicateDateError, match=rf"market_returns\['MKT'\] has 1 repeated date.*{day.date()}"):
        EventStudy(
            wide, ev, market_returns=pd.concat([m, dup]), estimation_window=EST, event_windows=((0, 2),)
        ).fit()
    # the same series without the repeat fits, and a repeated factor or risk-free date is refused too
    assert EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 2),)).fit()
    rf = pd.concat([m * 0 + 1e-4, pd.Series([1e-4], index=[day])])
    with pytest.raises(DuplicateDateError, match="risk_free returns has 1 repeated date"):
        EventStudy(
            wide, ev, market_returns=m, risk_free=rf, model="capm", estimation_window=EST,
            event_windows=((0, 2),),
        ).fit()


# --- P08: lags and leads of the market never cross from one listing to the next ----------------


def test_dimson_lag_of_a_listings_first_session_is_missing_not_the_previous_listings() -> None:
    wide, m = _panel(2, 300, seed=16)
    wide = wide.copy()
    wide.iloc[:50, 1] = np.nan  # S001 starts trading on the 51st date
    p = 150  # S001's estimation window starts on its first session
    # both listings in the study: S001's rows follow S000's in the flat panel
    ev = pd.DataFrame({"event_id": ["a", "e"], "symbol": ["S000", "S001"], "date": wide.index[[200, p]]})
    res = EventStudy(
        wide, ev, market_returns=m, model="dimson", estimation_window=EST, event_windows=((0, 0),)
    ).fit()
    x = m.to_numpy()
    rows = np.arange(p - 100, p - 10)[1:]  # the first session has no previous market return
    X = np.column_stack([x[rows - 1], x[rows], x[rows + 1]])
    fit = _ols(wide["S001"].to_numpy()[rows], X)
    got = res.params.set_index("symbol").loc["S001"]
    assert got["n_obs"] == 89
    np.testing.assert_allclose(
        got[["alpha", "beta_lag1", "beta_0", "beta_lead1"]].to_numpy(float), fit.params, rtol=1e-9
    )


def test_rbar_of_market_adjusted_returns_with_missing_estimation_returns() -> None:
    """As above, half the listings missing a block of 20 estimation returns (a suspension in a
    long frame: rows with NaN): each listing's returns are centred on the mean of the ones it has.
    Measured: 0.14% off the every-pair value (the unit-residual approximation of a pair's
    correlation over its common dates); centring on the sum over all 240 sessions: 3.7% off."""
    wide, mkt = _large(250, seed=12, drift=0.03)
    rng = np.random.default_rng(12)
    for j in range(0, 250, 2):
        start = 150 + int(rng.integers(0, 130))
        wide.iloc[start : start + 20, j] = np.nan
    long = wide.stack(future_stack=True).rename("ret").rename_axis(["date", "symbol"]).reset_index()
    events = pd.DataFrame({"event_id": wide.columns, "symbol": wide.columns, "date": wide.index[400]})
    res = EventStudy(
        long, events, market_returns=mkt, benchmarks="M", model="market_adjusted",
        estimation_window=EST_L, event_windows=((0, 0),), tests=("adj_bmp",),
    ).fit()
    corr = _residual_corr(wide, mkt, events, adjusted=True)
    want = corr[np.triu_indices(250, 1)].mean()
    assert res.clustering["rbar_residual"].iloc[0] == pytest.approx(want, rel=TOL_GAPS)


# --- E02, R05, E34 (killed today only by the CLI's aar_path-vs-CAAR cross-check) ---------------


def test_a_negative_rbar_never_shrinks_the_caar_or_aar_path_standard_error() -> None:
    rng = np.random.default_rng(17)
    dates = pd.bdate_range("2020-01-01", periods=300)
    m, c = rng.normal(0, 0.01, 300), rng.normal(0, 1, 300)
    sign = [1, 1, -1, -1]  # two listings load on a shock, two against it: mean r_ij < 0
    wide = pd.DataFrame(
        {f"S{i}": 0.9 * m + 0.015 * (0.8 * s * c + 0.6 * rng.normal(0, 1, 300)) for i, s in enumerate(sign)},
        index=dates,
    )
    mkt = pd.Series(m, index=dates, name="MKT")
    ev = pd.DataFrame({"event_id": "e", "symbol": wide.columns, "date": dates[250]})
    res = EventStudy(wide, ev, market_returns=mkt, estimation_window=EST, event_windows=((0, 0),)).fit()
    resid, cars = {}, []
    for sym in wide.columns:
        fit = _ols(wide[sym].to_numpy()[150:240], m[150:240])
        resid[sym] = fit.resid
        cars.append(wide[sym].to_numpy()[250] - fit.params[0] - fit.params[1] * m[250])
    rbar = pd.DataFrame(resid).corr().to_numpy()[np.triu_indices(4, 1)].mean()
    assert rbar < -0.2 and res.clustering["rbar"].iloc[0] == pytest.approx(rbar, rel=1e-9)
    plain = np.std(cars, ddof=1) / 2.0  # r̄ floored at 0: the plain standard error
    assert res.caar["std_error"].iloc[0] == pytest.approx(plain, rel=1e-9)
    assert res.aar_path()["std_error"].iloc[0] == pytest.approx(plain, rel=1e-9)


def test_aar_path_band_uses_the_span_rbar_of_the_dates_pairs_share() -> None:
    wide, m = _panel(6, 400, seed=18, rho=0.3)
    pos = [250, 251, 252, 253, 254, 255]  # windows [0:3] overlap partly
    ev = pd.DataFrame({"event_id": [f"e{i}" for i in range(6)], "symbol": wide.columns, "date": wide.index[pos]})
    res = EventStudy(wide, ev, market_returns=m, estimation_window=EST, event_windows=((0, 3),)).fit()
    resid, paths, dates = {}, [], []
    for sym, p in zip(wide.columns, pos, strict=True):
        fit = _ols(wide[sym].to_numpy()[p - 100 : p - 10], m.to_numpy()[p - 100 : p - 10])
        resid[sym] = pd.Series(fit.resid, index=wide.index[p - 100 : p - 10])
        rows = slice(p, p + 4)
        paths.append(np.cumsum(wide[sym].to_numpy()[rows] - fit.params[0] - fit.params[1] * m.to_numpy()[rows]))
        dates.append(set(wide.index[rows]))
    corr = pd.DataFrame(resid).corr(min_periods=30).to_numpy()
    sd = np.array([resid[sym].std(ddof=0) for sym in wide.columns])
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    rbar = np.mean([corr[i, j] * len(dates[i] & dates[j]) / 4 for i, j in pairs])
    assert 0 < rbar < 0.9 * np.mean([corr[i, j] for i, j in pairs])  # not the residuals' r̄
    # the CAAR's r̄*: each pair weighted by the two residual sds (CARs of unequal variance)
    rstar = 2 * sum(sd[i] * sd[j] * corr[i, j] * len(dates[i] & dates[j]) / 4 for i, j in pairs) / (
        5 * (sd**2).sum()
    )
    assert res.clustering["rbar"].iloc[0] == pytest.approx(rbar, rel=1e-9)
    paths = np.array(paths)
    se = paths.std(axis=0, ddof=1) / np.sqrt(6) * np.sqrt((1 + 5 * rstar) / (1 - rstar))
    np.testing.assert_allclose(res.aar_path()["std_error"], se, rtol=1e-9)
