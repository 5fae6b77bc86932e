"""Each test statistic against a formula worked by hand on a tiny example, or an independent scipy/pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats

from rerating.study import statistics as st


def test_cross_sectional_t_matches_scipy_ttest() -> None:
    car = np.array([0.01, 0.02, 0.03, -0.005])
    got = st.cross_sectional_t(car)
    ref = stats.ttest_1samp(car, 0.0)
    assert got.statistic == pytest.approx(ref.statistic)
    assert got.pvalue == pytest.approx(ref.pvalue)
    assert got.n == 4
    # by hand: mean .01375, deviations -.00375 .00625 .01625 -.01875
    sd = math.sqrt((0.00375**2 + 0.00625**2 + 0.01625**2 + 0.01875**2) / 3)
    assert got.statistic == pytest.approx(0.01375 / (sd / 2))


def test_patell_and_adjusted_patell_by_hand() -> None:
    scar = np.array([1.0, 2.0, -0.5])
    dof = np.array([10.0, 20.0, 30.0])
    z = 2.5 / math.sqrt(10 / 8 + 20 / 18 + 30 / 28)
    got = st.patell(scar, dof)
    assert got.statistic == pytest.approx(z)
    assert got.pvalue == pytest.approx(2 * (1 - stats.norm.cdf(abs(z))))
    adj = st.adj_patell(scar, dof, 0.1)
    # Kolari & Pynnönen (2010, eq. 13): Z / sqrt(1 + (N - 1) r̄), here 1 + 2 * 0.1
    assert adj.statistic == pytest.approx(z / math.sqrt(1.2))


def test_bmp_and_adjusted_bmp() -> None:
    scar = np.array([1.2, 0.4, 2.0, -0.3, 0.9])
    ref = stats.ttest_1samp(scar, 0.0)
    got = st.bmp(scar)
    assert got.statistic == pytest.approx(ref.statistic)
    assert got.pvalue == pytest.approx(ref.pvalue)
    adj = st.adj_bmp(scar, 0.05)
    t_adj = ref.statistic * math.sqrt(0.95 / (1 + 4 * 0.05))
    assert adj.statistic == pytest.approx(t_adj)
    assert adj.pvalue == pytest.approx(2 * stats.t.sf(abs(t_adj), 4))


def test_skewness_adjusted_t_by_hand_and_scipy_skew() -> None:
    x = np.array([0.10, -0.02, 0.01, 0.03, 0.25])
    n = 5
    mean = sum(x) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1))
    g = sum((v - mean) ** 3 for v in x) / (n * sd**3)
    # independent check of gamma: scipy's biased skewness rescaled from ddof 0 to ddof 1
    assert g == pytest.approx(stats.skew(x) * ((n - 1) / n) ** 1.5)
    s = mean / sd
    t = math.sqrt(n) * (s + g * s * s / 3 + g / (6 * n))
    got = st.skewness_adjusted_t(x, "analytic")
    assert got.statistic == pytest.approx(t)
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), n - 1))


def test_brown_warner_cda_by_hand() -> None:
    resid = np.array([[0.01, -0.02, 0.00, 0.03], [0.03, 0.00, -0.02, np.nan]])
    car = np.array([0.05, 0.01])
    # AAR per day: .02, -.01, -.01, .03 (day 4: only event 1); mean .0075
    aar = [0.02, -0.01, -0.01, 0.03]
    sd = math.sqrt(sum((a - 0.0075) ** 2 for a in aar) / 3)
    t = 0.03 / (sd * math.sqrt(2))
    got = st.brown_warner_cda(car, resid, length=2)
    assert got.statistic == pytest.approx(t)
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(t), 3))


def test_corrado_by_hand() -> None:
    ar = np.array([[0.1, -0.2, 0.3, 0.5], [-0.1, 0.2, 0.0, 0.4]])
    # ranks [2,1,3,4] and [1,3,2,4]; U = K/5 - 1/2; Ubar = [-.2, -.1, 0, .3]
    s = math.sqrt((0.04 + 0.01 + 0 + 0.09) / 4)
    got = st.corrado(ar, np.array([3]))
    assert got.statistic == pytest.approx(0.3 / s)
    assert got.pvalue == pytest.approx(2 * stats.norm.sf(0.3 / s))
    # two-day window (days 2 and 3): (0 + .3) / (sqrt(2) s)
    assert st.corrado(ar, np.array([2, 3])).statistic == pytest.approx(0.3 / (math.sqrt(2) * s))


def test_corrado_zivney_restandardises_the_event_day_by_hand() -> None:
    sar = np.array([[0.95, 0.0, -1.0, 0.9], [0.5, -0.95, 1.0, -0.9], [0.2, 0.4, -0.2, 0.3]])
    # event column sd: mean .1, deviations .8 -1 .2 -> var .84; .9/.9165 = .982 outranks .95
    # ranks: [3,2,1,4], [3,2,4,1], [2,4,1,3]; U = K/5 - 1/2 -> Ubar = [1/30, 1/30, -.1, 1/30]
    s = math.sqrt((3 * (1 / 30) ** 2 + 0.01) / 4)
    got = st.corrado_zivney(sar, np.array([3]), np.array([3]))
    assert got.statistic == pytest.approx((1 / 30) / s)
    # without the re-standardisation event 1's day 0 (.9) ranks below .95: a different answer
    assert st.corrado(sar, np.array([3])).statistic != pytest.approx(got.statistic)


def test_grank_by_hand() -> None:
    sar_est = np.array([[0.5, -1.0, 1.0], [-0.5, 0.3, 2.0]])
    scar = np.array([2.0, 1.0])
    # SCAR* = scar / sd = [2.83, 1.41]; ranks [2,1,3,4], [1,2,4,3]; Ubar = [-.2,-.2,.2,.2]; S = .2
    got = st.grank(sar_est, scar)
    assert got.statistic == pytest.approx(1.0)  # Z = 1, t = Z sqrt((4-2)/(4-1-1))
    # Student t with 2 df: p = 1 - t / sqrt(2 + t^2)
    assert got.pvalue == pytest.approx(1 - 1 / math.sqrt(3))


def test_generalized_sign_by_hand() -> None:
    resid = np.array([[0.1, -0.1, 0.2, -0.3], [0.1, 0.2, 0.3, np.nan], [-0.1, -0.2, 0.1, -0.1]])
    car = np.array([0.02, 0.01, -0.03])
    p = (2 / 4 + 3 / 3 + 1 / 4) / 3
    z = (2 - 3 * p) / math.sqrt(3 * p * (1 - p))
    got = st.generalized_sign(car, resid)
    assert got.statistic == pytest.approx(z)


@pytest.mark.parametrize("width", [3, 255, 256, 300])
def test_positive_shares_are_counts_over_the_window_at_any_width(width: int) -> None:
    """The shares are counted in bytes up to 255 sessions: a window of all positive residuals at
    the edge (255 of 255) and past it (256, 300) must still count every one."""
    rng = np.random.default_rng(width)
    resid = rng.normal(0.0, 1.0, (6, width))
    resid[0] = np.abs(resid[0]) + 0.1  # every residual positive
    resid[1] = -np.abs(resid[1])  # none
    resid[2, ::2] = 0.0  # zeros are not positive
    want = np.array([sum(1 for v in row if v > 0) / width for row in resid.tolist()])
    np.testing.assert_array_equal(st.estimation_positive_share(resid), want)
    assert st.estimation_positive_share(resid).dtype == np.float64


@pytest.mark.parametrize(
    "x",
    [
        np.array([0.3, -0.1, 0.25, 0.4, -0.05, 0.2, 0.15, 0.35, -0.2, 0.1, 0.05, 0.45]),
        np.array(
            [0.1, 0.1, -0.1, 0.2, 0.3, -0.2, 0.2, 0.0, 0.4, 0.5, -0.5, 0.1]
        ),  # ties and a zero
        np.random.default_rng(5).normal(0.1, 1.0, 500),  # no ties: ranks from the sort alone
        np.array([-0.3, 0.2, 0.5]),
    ],
)
def test_wilcoxon_matches_scipy_normal_approximation(x: np.ndarray) -> None:
    ref = stats.wilcoxon(x, method="approx", correction=False, zero_method="wilcox")
    got = st.wilcoxon(x)
    assert got.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert got.n == int((x != 0).sum())


def test_mean_pairwise_correlation_matches_pandas_over_actual_overlap() -> None:
    rng = np.random.default_rng(3)
    common = rng.normal(size=300)
    x = 0.4 * common + rng.normal(size=(6, 300))
    x[0, :100] = np.nan  # partial overlaps
    x[1, 150:] = np.nan
    x[5, :290] = np.nan  # overlaps others on 10 days only: below min_overlap
    got, pairs = st.mean_pairwise_correlation(x, min_overlap=30)
    frame = pd.DataFrame(x.T)
    c = frame.corr(min_periods=30).to_numpy()
    iu = np.triu_indices(6, 1)
    vals = np.nan_to_num(c[iu], nan=0.0)
    assert got == pytest.approx(vals.mean(), rel=1e-5)
    assert pairs == int(np.isfinite(c[iu]).sum())
    assert pairs == 10  # 15 pairs minus the 5 with event 5 (10 common days at most)


def test_cross_correlation_matrix_matches_pandas_over_actual_overlap() -> None:
    rng = np.random.default_rng(4)
    common = rng.normal(size=250)
    x = 0.5 * common + rng.normal(size=(4, 250))
    y = 0.5 * common + rng.normal(size=(3, 250))
    x[0, :80] = np.nan  # partial overlaps, on either side
    y[1, 120:] = np.nan
    x[2, rng.random(250) < 0.2] = np.nan  # scattered gaps, not one run
    y[2, :235] = np.nan  # 15 dates: below min_overlap with everyone
    got = st.cross_correlation_matrix(x, y, min_overlap=30)
    c = pd.DataFrame(np.vstack([x, y]).T).corr(min_periods=30).to_numpy()[:4, 4:]
    np.testing.assert_allclose(got, c, rtol=1e-10)
    assert np.isnan(got[:, 2]).all() and np.isfinite(got[:, :2]).all()
    # one group against itself: the within-group matrix of mean_pairwise_correlation
    within = st.cross_correlation_matrix(x, x, min_overlap=30)
    mean, _ = st.mean_pairwise_correlation(x, min_overlap=30)
    assert np.nan_to_num(within[np.triu_indices(4, 1)]).mean() == pytest.approx(mean, rel=1e-10)
    with pytest.raises(ValueError, match="same dates"):
        st.cross_correlation_matrix(x, y[:, 1:])


@settings(max_examples=25, deadline=None)
@given(seed=hs.integers(0, 10_000), n=hs.integers(3, 12))
def test_rank_tests_are_invariant_to_increasing_transforms_and_flip_sign(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    ar = rng.normal(size=(n, 30))
    ar[rng.random(ar.shape) < 0.05] = np.nan
    ar[:, -1] = rng.normal(size=n)  # the event day is never missing
    cols = np.array([29])
    base = st.corrado(ar, cols)
    # ranks within each event ignore any increasing map, even a different one per event
    shifted = np.exp(ar) * rng.uniform(0.5, 2.0, (n, 1)) + rng.normal(size=(n, 1))
    assert st.corrado(shifted, cols).statistic == pytest.approx(base.statistic)
    assert st.corrado(-ar, cols).statistic == pytest.approx(-base.statistic)
    scar = rng.normal(size=n)
    g = st.grank(ar[:, :29], scar)
    assert st.grank(-ar[:, :29], -scar).statistic == pytest.approx(-g.statistic)


@settings(max_examples=25, deadline=None)
@given(seed=hs.integers(0, 10_000), n=hs.integers(3, 40))
def test_adjusted_tests_equal_the_plain_ones_when_rbar_is_zero(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    scar = rng.normal(size=n)
    dof = rng.integers(30, 250, n).astype(float)
    assert st.adj_bmp(scar, 0.0).statistic == pytest.approx(st.bmp(scar).statistic)
    assert st.adj_patell(scar, dof, 0.0).statistic == pytest.approx(st.patell(scar, dof).statistic)
    # and shrink towards zero as r̄ grows
    assert abs(st.adj_bmp(scar, 0.1).statistic) < abs(st.bmp(scar).statistic)
    # a negative r̄ counts as 0: the adjustment never makes a test more significant
    assert st.adj_bmp(scar, -0.2).statistic == st.adj_bmp(scar, 0.0).statistic
    assert st.adj_patell(scar, dof, -0.2).statistic == st.adj_patell(scar, dof, 0.0).statistic


def test_centered_ranks_match_pandas_average_ranks_with_ties_and_gaps() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 20)).round(1)  # rounding makes ties in most rows
    x[0] = rng.normal(size=20)  # one row without ties (the fast path)
    x[rng.random(x.shape) < 0.1] = np.nan
    got = st.centered_ranks(x)
    frame = pd.DataFrame(x)
    ranks = frame.rank(axis=1, method="average").to_numpy()
    t = frame.notna().sum(axis=1).to_numpy()[:, None]
    np.testing.assert_allclose(got, ranks / (t + 1) - 0.5, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(
    values=hs.lists(hs.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, math.inf, -math.inf]), min_size=1, max_size=30),
    rows=hs.integers(1, 4),
)
def test_average_ranks_equal_scipy_rankdata(values: list[float], rows: int) -> None:
    # few distinct values: ties everywhere, including runs at both ends and infinities
    x = np.stack([np.roll(np.array(values), k) for k in range(rows)])
    np.testing.assert_array_equal(st.average_ranks(x), stats.rankdata(x, axis=1, method="average"))
    np.testing.assert_array_equal(st.average_ranks(x[0]), stats.rankdata(x[0], method="average"))


def test_a_study_does_not_import_scipy_stats() -> None:
    # scipy.stats takes ~0.6 s to import: more than a command-line study computes
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from rerating.study import EventStudy\n"
        "d = pd.bdate_range('2024-01-01', periods=300)\n"
        "rng = np.random.default_rng(0)\n"
        "r = pd.DataFrame(rng.normal(0, .01, (300, 30)), index=d, columns=[f'S{i}' for i in range(30)])\n"
        "m = pd.Series(rng.normal(0, .01, 300), index=d)\n"
        "ev = pd.DataFrame({'event_id': 'e', 'symbol': r.columns, 'date': d[280], 'group': ['a', 'b'] * 15})\n"
        "res = EventStudy(r, ev, market_returns=m, estimation_window=(-200, -11)).fit()\n"
        "res.summary().as_text(); res.conf_int(); res.aar_path('a')\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.stats')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def _grank_by_rankdata(sar_est: np.ndarray, scar: np.ndarray) -> float:
    """GRANK's t from scratch: scipy's average ranks of each row's finite values with SCAR*."""
    star = scar / np.nanstd(scar, ddof=1) if np.isnan(scar).any() else scar / scar.std(ddof=1)
    g = np.column_stack([sar_est, star])
    u = np.full(g.shape, np.nan)
    for i, row in enumerate(g):
        fin = np.isfinite(row)
        u[i, fin] = stats.rankdata(row[fin]) / (fin.sum() + 1) - 0.5
    n_t = np.isfinite(u).sum(axis=0)
    days = n_t > 0
    ubar = np.nansum(u[:, days], axis=0) / n_t[days]
    s2 = ((n_t[days] / g.shape[0]) * ubar**2).sum() / days.sum()
    z = ubar[-1] / math.sqrt(s2)
    t_days = days.sum()
    return z * math.sqrt((t_days - 2) / (t_days - 1 - z * z))


@pytest.mark.parametrize("case", ["plain", "missing", "ties", "tie_with_scar"])
def test_grank_places_scar_among_cached_estimation_ranks_as_a_full_ranking(case: str) -> None:
    rng = np.random.default_rng(7)
    sar_est = rng.standard_normal((40, 60))
    scar = rng.normal(0.4, 1.3, 40)
    if case == "missing":
        sar_est[rng.random(sar_est.shape) < 0.1] = np.nan
        sar_est[:, 5] = np.nan  # a day without any event
    if case == "ties":
        sar_est = np.round(sar_est, 1)  # many ties among the estimation SARs
    if case == "tie_with_scar":
        star = scar / scar.std(ddof=1)
        sar_est[::3, 7] = star[::3]  # SCAR* equal to an estimation SAR: half a rank each
        sar_est[::5, 8] = star[::5]
    expected = _grank_by_rankdata(sar_est, scar)
    got = st.grank(sar_est, scar)
    assert got.statistic == pytest.approx(expected, rel=1e-12)
    cached = st.grank_estimation_ranks(sar_est)
    assert st.grank(sar_est, scar, est_ranks=cached).statistic == got.statistic
    # another window's SCAR with the same cached ranks: as if ranked from scratch
    other = rng.normal(-0.2, 0.8, 40)
    assert st.grank(sar_est, other, est_ranks=cached).statistic == pytest.approx(
        _grank_by_rankdata(sar_est, other), rel=1e-12
    )


def test_sum_variance_degrees_of_freedom_when_the_lag_1_autocovariance_is_zero() -> None:
    # mean 0, every consecutive product 0: g_1 = 0, g_0 = 4/7 (T = 8); with L = 5 the variance is
    # L g_0 and Satterthwaite's df (T - 1) L^2 / (L^2 + 2 (L - 1)^2) = 7 * 25 / 57, not T - 1
    x = np.array([1.0, 0.0, -1.0, 0.0, 1.0, 0.0, -1.0, 0.0])
    var, n, df = st.sum_variance(x, 5, lags=1)
    assert (var, n) == (pytest.approx(5 * 4 / 7, rel=1e-12), 8)
    assert df == pytest.approx(7 * 25 / 57, rel=1e-12)
    assert st.sum_variance(x, 5, lags=0)[2] == 7  # independent values: T - 1


@given(
    hs.lists(
        hs.tuples(hs.integers(0, 30), hs.integers(0, 6)), min_size=0, max_size=12
    )
)
@settings(max_examples=300, deadline=None)
def test_overlap_apart_is_two_windows_with_different_starts_sharing_a_date(
    windows: list[tuple[int, int]],
) -> None:
    """Checked pair by pair: two closed [start, end] windows with different starts that share a
    date (equal starts, duplicates and nesting included)."""
    days = np.array([(s, s + length) for s, length in windows], dtype=np.int64).reshape(-1, 2)
    expected = any(
        a[0] != b[0] and max(a[0], b[0]) <= min(a[1], b[1])
        for i, a in enumerate(days)
        for b in days[i + 1 :]
    )
    assert st.overlap_apart(days) is expected
