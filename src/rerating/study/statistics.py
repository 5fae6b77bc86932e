"""Event-study test statistics: pure functions on numpy arrays, one per test, plus their registry.

Notation: ``N`` events; for one event window of ``L`` sessions, ``car`` (N,) the cumulative abnormal
returns, ``scar`` (N,) the CARs standardised by their own prediction-error-corrected standard error
(Campbell, Lo & MacKinlay 1997), ``dof`` (N,) the residual degrees of freedom of each event's model,
``resid_est`` (N, L1) the estimation-window abnormal returns (NaN where missing), aligned in event
time. Every test returns a :class:`TestResult` with a two-sided p-value.

Which tests stay valid when event windows overlap in calendar time (cross-sectional correlation of
abnormal returns):

* ``adj_patell``, ``adj_bmp``: they divide by the design effect ``1 + (N-1) r̄`` explicitly
  (Kolari & Pynnönen 2010).
* ``brown_warner_cda``, ``corrado``, ``corrado_zivney``, ``grank``: their variance is the
  time-series variance of the *portfolio* (mean) abnormal return or mean rank over the estimation
  window, which contains the same cross-correlation as the event window.
* Not valid: ``cross_sectional_t``, ``patell``, ``bmp``, ``skewness_adjusted_t``,
  ``generalized_sign``, ``wilcoxon``: they treat events as independent draws and over-reject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import numpy as np
from scipy import special

from rerating.study import _compiled
from rerating.study.kernel import all_finite

TestName: TypeAlias = Literal[
    "cross_sectional_t",
    "brown_warner_cda",
    "patell",
    "adj_patell",
    "bmp",
    "adj_bmp",
    "skewness_adjusted_t",
    "corrado",
    "corrado_zivney",
    "generalized_sign",
    "wilcoxon",
    "grank",
]


@dataclass(frozen=True)
class TestResult:
    """One test statistic: its value, two-sided p-value and the number of events used."""

    __test__ = False  # not a pytest class

    statistic: float
    pvalue: float
    n: int


# scipy.special's ndtr / stdtr are what stats.norm.sf / stats.t.sf evaluate (ndtr(-x),
# stdtr(df, -x)) without the ~35 us of the distribution machinery per call; the values are the
# same, including NaN for df <= 0 or NaN arguments


def _p_normal(z: float) -> float:
    return float(2.0 * special.ndtr(-abs(z)))


def _p_t(t: float, df: float) -> float:
    return float(2.0 * special.stdtr(df, -abs(t)))


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def _mean_t(x: np.ndarray) -> float:
    """``mean / (sd / sqrt(N))`` (ddof 1); NaN when the values are equal up to rounding (an sd
    of ~1e-18 would give a huge t from no dispersion at all)."""
    sd = x.std(ddof=1)
    if not sd > 1e-12 * np.abs(x).max():
        return float("nan")
    return float(x.mean() / (sd / np.sqrt(x.size)))


# --- parametric ------------------------------------------------------------------------------


def cross_sectional_t(car: np.ndarray) -> TestResult:
    """Cross-sectional t-test of the mean CAR: ``t = mean(CAR) / (sd(CAR) / sqrt(N))``, t(N-1).

    Brown & Warner (1980, 1985). Ignores event-induced variance changes' sign and any
    cross-sectional correlation.
    """
    x = _finite(car)
    n = x.size
    t = _mean_t(x)
    return TestResult(t, _p_t(t, n - 1), n)


def brown_warner_cda(
    car: np.ndarray,
    resid_est: np.ndarray,
    length: int,
    lags: int = 0,
    aar: np.ndarray | None = None,
) -> TestResult:
    """Crude dependence adjustment t-test, Brown & Warner (1980, 1985).

    ``AAR_t`` = mean estimation-window AR across events on each event-time day ``t``;
    ``S = sd_t(AAR_t)`` (ddof 1, days with at least one event); ``t = CAAR / (S sqrt(L))`` with
    Student t(T-1), ``T`` the number of estimation days used. Deviation: days on which some events
    are missing use the mean over the events present (Brown & Warner assume a complete panel).

    ``lags=1``: the variance of the ``L``-day sum adds the portfolio's lag-1 autocovariance,
    ``L S^2 + 2 (L - 1) g_1``, and the degrees of freedom are Satterthwaite's for that estimate
    (:func:`sum_variance`), for portfolios of listings in markets that trade at different hours,
    whose ``AAR_t`` carries one market's reaction to the other's news a session later. Brown &
    Warner assume no autocorrelation (``lags=0``).

    ``aar``: :func:`estimation_aar` of ``resid_est`` when already computed (the same for every
    window of a group).
    """
    x = np.asarray(car, dtype=float)
    if aar is None:
        aar = estimation_aar(resid_est)
    var, n_days, df = sum_variance(aar, length, lags)
    t = x.mean() / np.sqrt(var) if var > 0 else float("nan")
    return TestResult(float(t), _p_t(t, df), x.size)


def sum_variance(series: np.ndarray, length: int, lags: int = 0) -> tuple[float, int, float]:
    """Variance of the sum of ``length`` consecutive values of a stationary ``series`` (NaN =
    missing day), the number of values it uses and the degrees of freedom of the estimate.

    ``lags=0``: ``L S^2`` (``S`` the sd, ddof 1), independent values as Brown & Warner (1980)
    assume; ``T - 1`` degrees of freedom. ``lags=1``: ``V = L S^2 + 2 (L - 1) g_1``, with
    ``g_1 = sum (x_t - m)(x_(t-1) - m) / (T - 1)`` over the pairs of consecutive days both present:
    the exact variance of a sum when autocovariances beyond lag 1 vanish, estimated with
    unweighted autocovariances as Hansen & Hodrick (1980) do for overlapping returns. Its degrees
    of freedom are Satterthwaite's (1946), ``2 V^2 / var(V)``, with Bartlett's (1946) large-sample
    variances of the sample autocovariances (``var(S^2) = 2 (g_0^2 + 2 g_1^2) / (T - 1)``,
    ``var(g_1) = (g_0^2 + 3 g_1^2) / (T - 1)``, ``cov = 4 g_0 g_1 / (T - 1)``). Estimating ``g_1``
    costs degrees of freedom even when it is 0: then they are ``(T - 1) L^2 / (L^2 + 2 (L - 1)^2)``
    (0.44 (T - 1) at L = 5); they never exceed ``T - 1`` (kept as a cap). A sum whose estimated
    variance is not positive gives 0 (the caller's test is then NaN).

    References
    ----------
    Bartlett, M. S. (1946). "On the theoretical specification and sampling properties of
        autocorrelated time-series." Supplement to the Journal of the Royal Statistical Society
        8(1), 27-41.
    Hansen, L. P., and R. J. Hodrick (1980). "Forward exchange rates as optimal predictors of
        future spot rates: An econometric analysis." Journal of Political Economy 88(5), 829-853.
    Satterthwaite, F. E. (1946). "An approximate distribution of estimates of variance
        components." Biometrics Bulletin 2(6), 110-114.
    """
    x = np.asarray(series, dtype=float)
    fin = np.isfinite(x)
    n_days = int(fin.sum())
    if n_days < 2:
        return float("nan"), n_days, float("nan")
    dev = np.where(fin, x - x[fin].mean(), np.nan)
    g0 = float(np.nansum(dev * dev)) / (n_days - 1)
    var, df = g0 * length, float(n_days - 1)
    if lags >= 1 and length > 1:
        g1 = float(np.nansum(dev[1:] * dev[:-1])) / (n_days - 1)
        var += 2.0 * (length - 1) * g1
        w0, w1 = float(length), 2.0 * (length - 1)
        var_var = (
            w0 * w0 * 2.0 * (g0 * g0 + 2.0 * g1 * g1)
            + w1 * w1 * (g0 * g0 + 3.0 * g1 * g1)
            + 2.0 * w0 * w1 * 4.0 * g0 * g1
        ) / (n_days - 1)
        if var > 0 and var_var > 0:
            df = min(2.0 * var * var / var_var, df)
    return max(var, 0.0), n_days, df


# --- two groups: the difference of their CAARs -------------------------------------------------


@dataclass(frozen=True)
class DifferenceResult:
    """A test of ``CAAR_A - CAAR_B``: the difference, its standard error, t, df, two-sided p."""

    difference: float
    std_error: float
    statistic: float
    df: float
    pvalue: float


def _difference_result(diff: float, se: float, df: float) -> DifferenceResult:
    t = diff / se if se > 0 else float("nan")
    return DifferenceResult(diff, se, t, df, _p_t(t, df) if np.isfinite(t) else float("nan"))


def estimation_aar(resid_est: np.ndarray) -> np.ndarray:
    """Mean estimation-window AR across the events present on each event-time day (NaN if none)."""
    present, sums = _column_sums(np.asarray(resid_est, dtype=float))
    return np.where(present > 0, sums / np.maximum(present, 1), np.nan)


def welch_difference(car_a: np.ndarray, car_b: np.ndarray) -> DifferenceResult:
    """Welch (1947) two-sample t of ``mean(CAR_A) - mean(CAR_B)``, unequal variances.

    ``se^2 = s_A^2 / N_A + s_B^2 / N_B``; Welch–Satterthwaite degrees of freedom
    ``se^4 / ((s_A^2/N_A)^2 / (N_A - 1) + (s_B^2/N_B)^2 / (N_B - 1))``. Assumes events independent
    within and across the groups: a shock common to one group's events (one event date, one
    market) makes it over-reject, as the cross-sectional t does.

    References
    ----------
    Welch, B. L. (1947). "The generalization of 'Student's' problem when several different
        population variances are involved." Biometrika 34(1/2), 28-35.
    """
    a, b = _finite(car_a), _finite(car_b)
    if a.size < 2 or b.size < 2:
        return _difference_result(float("nan"), float("nan"), float("nan"))
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se2 = va + vb
    df = se2 * se2 / (va * va / (a.size - 1) + vb * vb / (b.size - 1))
    return _difference_result(float(a.mean() - b.mean()), float(np.sqrt(se2)), float(df))


def adj_bmp_difference(
    scar_a: np.ndarray,
    scar_b: np.ndarray,
    rbar_a: float,
    rbar_b: float,
    rbar_ab: float = 0.0,
) -> DifferenceResult:
    """Two-group BMP test with Kolari & Pynnönen's (2010) correlation adjustment, within and across.

    On standardised CARs (``SCAR``, as :func:`bmp`), with ``s_g`` the cross-sectional sd of group
    ``g``'s SCARs and ``r̄_g`` its mean pairwise residual correlation (floored at 0):

    * ``v_g = s_g^2 / N_g * (1 + (N_g - 1) r̄_g) / (1 - r̄_g)``, the variance of group ``g``'s mean
      SCAR (Kolari & Pynnönen's adjusted BMP variance);
    * ``c = r̄_AB s_A s_B / sqrt((1 - r̄_A)(1 - r̄_B))``, the covariance of the two means when
      every pair across the groups has correlation ``r̄_AB``: the common part of the groups'
      shocks, which does not diversify away with ``N`` (``s_g^2 / (1 - r̄_g)`` estimates the
      SCARs' variance, as the cross-sectional spread misses the common part);
    * ``t = (mean SCAR_A - mean SCAR_B) / sqrt(v_A + v_B - 2c)``.

    Degrees of freedom: Satterthwaite (1946) on ``v_A + v_B - 2c`` as a function of ``s_A^2`` and
    ``s_B^2`` (each ``s_g^2`` has ``N_g - 1`` df, independent across the groups when the
    cross-correlation is common to all pairs, as the common part cancels in deviations):
    ``df = se^4 / sum_g (v_g - c)^2 / (N_g - 1)``; with ``r̄_AB = 0`` this is Welch's (1947).
    ``r̄_AB`` (:func:`cross_correlation_matrix`) enters with its sign: a positive value (two groups
    in one market) shrinks the variance, a negative one raises it. Its variance comes from the
    event-window cross-section, so the test holds under event-induced variance (Boehmer, Musumeci &
    Poulsen 1991), where :func:`cda_difference` does not. ``difference`` and ``std_error`` are in
    SCAR units. NaN when a group has fewer than two events or the estimated variance is not
    positive.

    References
    ----------
    Boehmer, E., Musumeci, J. & Poulsen, A. B. (1991). "Event-study methodology under conditions
        of event-induced variance." Journal of Financial Economics 30(2), 253-272.
    Kolari, J. W. & Pynnönen, S. (2010). "Event study testing with cross-sectional correlation of
        abnormal returns." Review of Financial Studies 23(11), 3996-4025.
    Satterthwaite, F. E. (1946). "An approximate distribution of estimates of variance
        components." Biometrics Bulletin 2(6), 110-114.
    Welch, B. L. (1947). Biometrika 34(1/2), 28-35.
    """
    a, b = _finite(scar_a), _finite(scar_b)
    if a.size < 2 or b.size < 2 or not np.isfinite(rbar_ab):
        return _difference_result(float("nan"), float("nan"), float("nan"))
    r_a, r_b = max(float(rbar_a), 0.0), max(float(rbar_b), 0.0)
    s2_a, s2_b = a.var(ddof=1), b.var(ddof=1)
    va = s2_a / a.size / kp_adjustment(a.size, r_a) ** 2
    vb = s2_b / b.size / kp_adjustment(b.size, r_b) ** 2
    c = float(rbar_ab) * np.sqrt(s2_a * s2_b / ((1.0 - r_a) * (1.0 - r_b)))
    se2 = va + vb - 2.0 * c
    if not se2 > 0:
        return _difference_result(float("nan"), float("nan"), float("nan"))
    df = se2 * se2 / ((va - c) ** 2 / (a.size - 1) + (vb - c) ** 2 / (b.size - 1))
    return _difference_result(float(a.mean() - b.mean()), float(np.sqrt(se2)), float(df))


def cda_difference(
    car_a: np.ndarray,
    car_b: np.ndarray,
    aar_est_a: np.ndarray,
    aar_est_b: np.ndarray,
    length: int,
    lags: int = 0,
) -> DifferenceResult:
    """Crude dependence adjustment (Brown & Warner 1980, 1985) applied to the portfolio A minus B.

    ``D_t = AAR^A_t - AAR^B_t`` on each estimation day ``t`` (event time) on which both groups have
    events (:func:`estimation_aar`); ``S = sd_t(D_t)`` (ddof 1); ``t = (CAAR_A - CAAR_B) /
    (S sqrt(L))``, Student t(T-1) with ``T`` such days. The variance of the long-short portfolio
    holds every covariance within and across the groups, so the test stays valid when the events
    of a group share a date (and a market shock), which the Welch test does not. It assumes, as
    the CDA does, that event time lines the groups' estimation days up in calendar time (events on
    one date, or on nearby dates) and that the event does not change the portfolio's variance.
    ``lags=1`` adds the portfolio's lag-1 autocovariance, as :func:`brown_warner_cda` (groups in
    markets that trade at different hours).
    """
    a, b = _finite(car_a), _finite(car_b)
    d = np.asarray(aar_est_a, dtype=float) - np.asarray(aar_est_b, dtype=float)  # NaN unless both
    var, n_days, df = sum_variance(d, length, lags)
    if a.size == 0 or b.size == 0 or n_days < 2:
        return _difference_result(float("nan"), float("nan"), float("nan"))
    return _difference_result(float(a.mean() - b.mean()), float(np.sqrt(var)), df)


_SUM_BLOCK = 4096  # rows per pass: bounds the temporaries of a 100,000-event residual matrix


def _column_sums(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the number of finite entries and their sum, ``a`` read in blocks of rows.

    A column sum of a C-ordered block adds its rows one after another, so carrying the running
    sum into the next block gives exactly the one-pass ``np.where(fin, a, 0).sum(axis=0)``, and
    without a missing entry (the usual matrix) that is ``a.sum(axis=0)`` of a C-ordered ``a``
    (rows added in order, as in the masked copy): no mask, no copy.
    """
    if a.ndim == 2 and a.size and a.flags.c_contiguous and all_finite(a):
        return np.full(a.shape[1], a.shape[0], dtype=np.intp), a.sum(axis=0)
    present = np.zeros(a.shape[1], dtype=np.intp)
    sums: np.ndarray | None = None
    for lo in range(0, max(a.shape[0], 1), _SUM_BLOCK):
        block = a[lo : lo + _SUM_BLOCK]
        fin = np.isfinite(block)
        present += fin.sum(axis=0)
        vals = np.where(fin, block, 0.0)
        sums = vals.sum(axis=0) if sums is None else np.concatenate([sums[None], vals]).sum(axis=0)
    assert sums is not None
    return present, sums


def patell(scar: np.ndarray, dof: np.ndarray) -> TestResult:
    """Patell (1976) standardised-residual Z: ``Z = sum SCAR_i / sqrt(sum (d_i / (d_i - 2)))``, N(0,1).

    ``SCAR_i`` is t-distributed with ``d_i`` = residual degrees of freedom (``M_i - 2`` for the
    market model), whose variance is ``d_i / (d_i - 2)``. Deviation: a multi-day CAR is standardised
    by its exact prediction-error-corrected standard deviation (full covariance, Campbell, Lo &
    MacKinlay 1997) instead of Patell's sum of daily standardised residuals over ``sqrt(L)``.
    """
    s = np.asarray(scar, dtype=float)
    d = np.asarray(dof, dtype=float)
    z = s.sum() / np.sqrt((d / (d - 2.0)).sum())
    return TestResult(float(z), _p_normal(z), s.size)


def kp_adjustment(n: int, rbar: float) -> float:
    """Kolari & Pynnönen (2010) factor ``sqrt((1 - r̄) / (1 + (N - 1) r̄))``."""
    return float(np.sqrt((1.0 - rbar) / (1.0 + (n - 1) * rbar)))


def adj_patell(scar: np.ndarray, dof: np.ndarray, rbar: float) -> TestResult:
    """Adjusted Patell Z, Kolari & Pynnönen (2010, eq. 13): ``Z_adj = Z / sqrt(1 + (N-1) r̄)``.

    Patell's variance is the theoretical one, so only the design effect enters (no ``1 - r̄``
    factor, which corrects the BMP's cross-sectional variance). ``r̄`` is the mean pairwise
    correlation of the events' estimation-window residuals (:func:`mean_pairwise_correlation`).
    Deviation: a negative ``r̄`` counts as 0 (as for the CAAR's standard error and
    :func:`adj_bmp_difference`), so the adjustment never makes a test more significant than the
    unadjusted one; with few events sharing a date, a negative estimate is mostly noise.
    """
    base = patell(scar, dof)
    z = base.statistic / np.sqrt(1.0 + (base.n - 1) * max(float(rbar), 0.0))
    return TestResult(float(z), _p_normal(z), base.n)


def bmp(scar: np.ndarray) -> TestResult:
    """Standardised cross-sectional test, Boehmer, Musumeci & Poulsen (1991).

    ``t = mean(SCAR) / (sd(SCAR) / sqrt(N))`` with Student t(N-1); robust to event-induced variance.
    """
    s = _finite(scar)
    n = s.size
    t = _mean_t(s)
    return TestResult(t, _p_t(t, n - 1), n)


def adj_bmp(scar: np.ndarray, rbar: float) -> TestResult:
    """Adjusted BMP, Kolari & Pynnönen (2010): ``t_adj = t_BMP sqrt((1 - r̄) / (1 + (N-1) r̄))``, t(N-1).

    Deviation: a negative ``r̄`` counts as 0, as in :func:`adj_patell`.
    """
    base = bmp(scar)
    t = base.statistic * kp_adjustment(base.n, max(float(rbar), 0.0))
    return TestResult(float(t), _p_t(t, base.n - 1), base.n)


SkewnessMethod: TypeAlias = Literal["auto", "bootstrap", "analytic"]

# Above this many events method="auto" uses the analytic p-value: the bootstrap costs O(B N) and
# both versions' size error is O(1/N) (Hall 1992); with the harness's heterogeneous-variance DGP
# the analytic version rejects 5.42% at N = 50 but 5.03% at N = 200 and 4.96% at N = 800
# (200,000 / 100,000 / 50,000 samples), within sampling error of 5%.
SKEWNESS_BOOTSTRAP_MAX_N = 200
# Below this many events "auto" uses the analytic p-value too: a bootstrap of a few values has few
# distinct resamples, and its 5% test over-rejects. Measured (seed 11, 8,000 null samples each,
# sigma_i ~ U(1%, 3%), normal): bootstrap 20.5% (N = 3, 3,000 samples), 8.8% (N = 5), 6.9% (15),
# 5.7% (20), 6.2% (25), 5.6% (30), 5.4% (40); analytic 3.8%, 4.4%, 5.7%, 5.3%, 5.9%, 5.5%, 5.6%.
# Log-normal (skewed) BHARs, 5,000 each: bootstrap 10.7% (5), 9.3% (10), 7.2% (20), 6.3% (30),
# 5.9% (50); analytic 4.7%, 6.1%, 6.4%, 6.2%, 6.0%. From 30 on the bootstrap is as good or better
# for these mildly skewed samples; under stronger skewness (log-normal sigma = 1, 10,000 null
# samples) it over-rejects more than the analytic p-value: 8.3% vs 7.4% at N = 30, 7.1% vs 6.6% at
# N = 50, 6.8% vs 6.5% at N = 100 (docs/STUDY.md, "The skewness-adjusted t's bootstrap p-value").
SKEWNESS_BOOTSTRAP_MIN_N = 30
SKEWNESS_BOOTSTRAP_B = 999
SKEWNESS_BOOTSTRAP_SEED = 19990201  # fixed default: the same data always get the same p-value


def bootstrap_indices(x: np.ndarray, size: int, n_boot: int, seed: int) -> np.ndarray:
    """Resample indices (n_boot, size) into ``np.sort(x)``, drawn with replacement.

    ``np.random.default_rng([seed, h]).integers(0, x.size, size=(n_boot, size))``, where ``h`` is
    a 64-bit BLAKE2b digest of the sorted values cast to float32 (little-endian). The draw is
    therefore reproducible (same data and seed, same resamples), independent of the order of the
    values, insensitive to rounding in the last digits of float64, and different for different
    data. One fixed draw shared by every data set would not do: its Monte Carlo error would then
    be the same for every sample, and with sorted data it moves the size of the 5% test anywhere
    from 4.1% to 6.2% depending on the seed (6 seeds, 40,000 samples each, N = 50).
    """
    import hashlib  # late: only the bootstrap needs it

    data = np.ascontiguousarray(np.sort(np.asarray(x, dtype=float)).astype("<f4"))
    h = int.from_bytes(hashlib.blake2b(data.tobytes(), digest_size=8).digest(), "little")
    return np.random.default_rng([int(seed), h]).integers(0, data.size, size=(n_boot, size))


def _skewness_t(mean_dev: np.ndarray, c2: np.ndarray, c3: np.ndarray, n: int) -> np.ndarray:
    """Hall's ``t_sa`` from a (centred) mean, the second and third central moments (ddof 0)."""
    sd = np.sqrt(c2 * n / (n - 1.0))  # ddof 1, as LBT
    s = mean_dev / sd
    g = c3 / sd**3  # = sum (x - mean)^3 / (n sd^3)
    return np.sqrt(n) * (s + g * s * s / 3.0 + g / (6.0 * n))


def skewness_adjusted_t(
    bhar: np.ndarray,
    method: SkewnessMethod = "auto",
    *,
    n_boot: int = SKEWNESS_BOOTSTRAP_B,
    resample_size: int | None = None,
    seed: int = SKEWNESS_BOOTSTRAP_SEED,
) -> TestResult:
    """Skewness-adjusted t for buy-and-hold abnormal returns (Hall 1992; Lyon, Barber & Tsai 1999).

    ``S = mean / sd``, ``gamma = sum (x - mean)^3 / (N sd^3)``,
    ``t_sa = sqrt(N) (S + gamma S^2 / 3 + gamma / (6 N))``. ``sd`` uses ddof 1 as in LBT. The
    statistic is the same for every ``method``; the p-value is not.

    Parameters
    ----------
    bhar : ndarray
        Buy-and-hold abnormal returns (non-finite values are left out).
    method : {"auto", "bootstrap", "analytic"}
        ``"bootstrap"``: LBT's bootstrapped skewness-adjusted t. ``n_boot`` resamples are drawn
        with replacement (:func:`bootstrap_indices`: a draw seeded by ``seed`` and the data, so
        the p-value does not depend on the order of the events); in each, ``t_sa^b`` is
        recomputed with its
        own sd and skewness and with the mean centred at the sample mean,
        ``S^b = (mean(x^b) - mean(x)) / sd^b``, so that the resamples obey the null. The
        two-sided, equal-tailed p-value is ``min(1, 2 min(#{t^b <= t_sa} + 1, #{t^b >= t_sa} + 1)
        / (B + 1))`` over the ``B`` resamples with a finite ``t^b`` (a resample of one repeated
        value has none). ``"analytic"``: Student t(N-1). ``"auto"`` (default): the bootstrap from
        ``SKEWNESS_BOOTSTRAP_MIN_N`` (30) to ``SKEWNESS_BOOTSTRAP_MAX_N`` (200) events, the analytic
        p-value below and above (below 30 the bootstrap over-rejects: 8.8% at 5% for N = 5).
    n_boot : int
        Bootstrap resamples B; 999 so that 5% x (B + 1) is an integer (Davidson & MacKinnon 2000).
        LBT drew 1,000.
    resample_size : int, optional
        Size of each resample; default ``N``. LBT's ``N / 4`` is ``resample_size=len(bhar) // 4``.
    seed : int
        Seed of the resampling: the same data and seed always give the same p-value.

    Returns
    -------
    TestResult
        NaN statistic and p-value when the BHARs have no dispersion.

    Notes
    -----
    Why the bootstrap is the default for samples of 30 to 200 events: with N = 50 events whose abnormal
    returns have unequal variances (a scale mixture: symmetric, fat-tailed) the analytic version
    over-rejects a true null because the noisy skewness estimate, correlated with the mean, adds
    variance to ``t_sa``. On 120,000 null samples of N = 50 with ``sigma_i ~ U(1%, 3%)`` (the
    harness's DGP) the 5% tests reject: cross-sectional t 5.07%, analytic ``t_sa`` 5.53%, this
    bootstrap 5.29%; in the harness with the suite's seed (4,300 replications) 5.58%, 6.19%
    and 5.79%, and over 17,200 other replications 4.81%, 5.17% and 5.06%. The bootstrap removes
    about half of the excess, not all of it; at N >= 200 neither version has a measurable one.

    Deviations from LBT: (1) resamples of size N, not N/4. LBT, with samples of 200 or more
    firms, follow Sutton (1993) and Shao & Tu (1995) in drawing N/4; at N = 50 that is 12
    observations, whose ``t_sa^b`` has the heavier tails of a 12-observation statistic, and the
    test under-rejects (3.85% at 5% on 20,000 null samples of the harness's DGP, against 5.06%
    on the same samples with size-N resamples, Hall's 1992 bootstrap-t). ``resample_size``
    restores LBT's choice.
    (2) The p-value form above (LBT reject outside the 2.5% and 97.5% bootstrap quantiles; the
    decisions agree up to the +1 of a Monte Carlo p-value). (3) The analytic p-value is Student
    t(N-1) rather than the normal, since for symmetric data ``t_sa`` is the ordinary t statistic.

    References
    ----------
    Hall, P. (1992). "On the removal of skewness by transformation." Journal of the Royal
        Statistical Society B 54(1), 221-228.
    Lyon, J. D., B. M. Barber, and C.-L. Tsai (1999). "Improved methods for tests of long-run
        abnormal stock returns." Journal of Finance 54(1), 165-201.
    Davidson, R., and J. G. MacKinnon (2000). "Bootstrap tests: how many bootstraps?"
        Econometric Reviews 19(1), 55-68.
    """
    from rerating.errors import StatisticOptionError  # late: keep this module's imports numeric

    if method not in ("auto", "bootstrap", "analytic"):
        raise StatisticOptionError(
            f"method={method!r} is invalid: 'auto', 'bootstrap' or 'analytic'; pass one of them"
        )
    if n_boot < 1 or (resample_size is not None and resample_size < 2):
        raise StatisticOptionError(
            f"n_boot={n_boot!r}, resample_size={resample_size!r} are invalid: n_boot >= 1 and a "
            "resample of at least 2 observations; pass e.g. n_boot=999, resample_size=None (N)"
        )
    x = _finite(bhar)
    n = x.size
    nan = float("nan")
    if n < 2:
        return TestResult(nan, nan, n)
    # sorted: the resampling draws index the sorted values (bootstrap_indices), so the p-value
    # depends on the values only, not on the event order;
    # centred: the moments below are sums of powers, free of cancellation
    x = np.sort(x)
    y = x - x.mean()
    c2, c3 = (y * y).mean(), (y * y * y).mean()
    if not np.sqrt(c2) > 1e-12 * np.abs(x).max():  # equal BHARs: rounding, not dispersion
        return TestResult(nan, nan, n)
    t = float(_skewness_t(x.mean(), c2, c3, n))
    if method == "analytic" or (
        method == "auto" and not SKEWNESS_BOOTSTRAP_MIN_N <= n <= SKEWNESS_BOOTSTRAP_MAX_N
    ):
        return TestResult(t, _p_t(t, n - 1), n)
    m = n if resample_size is None else int(resample_size)
    yb = y[bootstrap_indices(x, m, n_boot, seed)]  # (B, m): the resamples, centred at mean(x)
    yb2 = yb * yb
    mb, s2, s3 = yb.mean(axis=1), yb2.mean(axis=1), (yb2 * yb).mean(axis=1)
    c2b = s2 - mb * mb
    c3b = s3 - 3.0 * mb * s2 + 2.0 * mb**3
    with np.errstate(invalid="ignore", divide="ignore"):
        # a resample of (nearly) one repeated value has no sd: rounding leaves c2b ~ 1e-17 s2
        tb = np.where(c2b > 1e-12 * s2, _skewness_t(mb, c2b, c3b, m), np.nan)
    tb = tb[np.isfinite(tb)]
    if tb.size == 0:
        return TestResult(t, float("nan"), n)
    lower, upper = (tb <= t).sum(), (tb >= t).sum()
    p = min(1.0, 2.0 * (min(int(lower), int(upper)) + 1.0) / (tb.size + 1.0))
    return TestResult(t, p, n)


# --- rank and sign ---------------------------------------------------------------------------


def centered_ranks(x: np.ndarray) -> np.ndarray:
    """Row-wise ``U = rank / (T_i + 1) - 1/2`` over the finite entries of each row (NaN stays NaN).

    ``T_i`` is the number of finite entries in row ``i``; ties get their average rank. This is the
    missing-data-robust scaling of Corrado & Zivney (1992) and Kolari & Pynnönen (2011).
    """
    x = np.asarray(x, dtype=float)
    all_fin = all_finite(x)  # the usual case: no masking passes
    n, t_cols = x.shape
    if all_fin:
        filled = x
        # U = rank / (T + 1) - 1/2 scattered straight into place: the same two roundings
        u = _ordinal_ranks(filled, any_inf=False, scale=t_cols + 1.0)
        if u is None:
            u = _ordinal_ranks_argsort(filled)
            u /= t_cols + 1.0
            u -= 0.5
        return u
    fin = np.isfinite(x)
    # +inf stands in for missing values (they sort last and are masked back to NaN below)
    filled = np.where(fin, x, np.inf)
    ranks = _ordinal_ranks(filled, any_inf=True)
    if ranks is None:
        ranks = _ordinal_ranks_argsort(filled)
    t = fin.sum(axis=1)
    u = ranks / (t[:, None] + 1.0) - 0.5
    return np.where(fin, u, np.nan)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, tied values sharing the mean of their ranks.

    What ``scipy.stats.rankdata(x, axis=-1, method="average")`` gives (the tests check it), for
    arrays without NaN (``inf`` ties with ``inf``). Written out because importing ``scipy.stats``
    takes about 0.6 s, more than a whole command-line study spends computing.
    """
    a = np.asarray(x, dtype=float)
    flat = a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)
    n, m = flat.shape
    order = np.argsort(flat, axis=1, kind="stable")
    srt = np.take_along_axis(flat, order, axis=1)
    pos = np.broadcast_to(np.arange(m), (n, m))
    starts = np.ones((n, m), dtype=bool)  # first sorted position of each run of equal values
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    ends = np.ones((n, m), dtype=bool)  # last sorted position of each run
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, pos, m - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((n, m))
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=1)
    return ranks.reshape(a.shape)


def _ordinal_ranks(
    filled: np.ndarray, any_inf: bool, scale: float | None = None, column_sums: bool = False
) -> np.ndarray | None:
    """Row-wise ranks of ``filled`` (no NaN; +inf for missing) by one sort of packed integer keys.

    Each value becomes an int64 that orders like the float (sign-magnitude flipped to two's
    complement), its low ``b`` bits replaced by the column number; a plain (SIMD) sort of these
    keys along each row then carries every value's column with it, which is several times faster
    than an argsort. Truncating ``b`` low bits can only merge values closer than ~2^(b-52)
    relative, never reorder them: a row in which two finite keys coincide (a true tie or such a
    near tie) is ranked exactly by :func:`average_ranks`, as is any row with a
    tie. The ranks equal :func:`_ordinal_ranks_argsort`'s exactly (only the +inf fillers, masked
    later, may be permuted among themselves). None when the rows are too long for the packing.
    ``any_inf``: whether ``filled`` has +inf fillers. ``scale``: return ``rank / scale - 0.5``.

    ``column_sums``: return only each column's sum of the (average) ranks, ``(T,)``, for rows
    without fillers (``any_inf`` False; ``scale`` ignored). That is all the rank tests take from a
    complete matrix (:func:`_span_rank_means`): each sorted position's rank is credited to its
    column by one ``bincount`` per block of rows, with no (N x T) matrix of ranks written and read
    again. The sums are of integers and half-integers, so exact, whatever the order of addition.
    """
    n, t_cols = filled.shape
    bits = max(1, (t_cols - 1).bit_length())
    if bits > 20 or filled.size == 0:
        return None
    if column_sums:  # the same sums, compiled, when numba is installed (the [fast] extra)
        sums = _compiled.rank_column_sums(filled)
        if sums is not None:
            return sums
    tied = np.zeros(n, dtype=bool)
    cols = np.arange(t_cols, dtype=np.int64)
    values = np.arange(1, t_cols + 1, dtype=float)
    # blocks of rows keep every temporary small (cache-resident, reused by the allocator)
    step = max(1, _RANK_BLOCK // t_cols)
    if column_sums:
        assert not any_inf  # a filler's rank is no rank: the caller's matrix must be complete
        ranks = np.zeros(t_cols)  # the sums, added up block by block
        weights = np.tile(values, min(step, n))  # each sorted position's rank, row after row
    else:
        ranks = np.empty((n, t_cols))
        if scale is not None:
            values /= scale
            values -= 0.5
    for lo in range(0, n, step):
        hi_row = min(n, lo + step)
        block = filled[lo:hi_row]
        if column_sums:
            tied[lo:hi_row] = _rank_block(block, None, bits, cols, weights, any_inf, ranks)
        else:
            tied[lo:hi_row] = _rank_block(block, ranks[lo:hi_row], bits, cols, values, any_inf)
    if tied.any():
        r = average_ranks(filled[tied])
        if column_sums:
            ranks += r.sum(axis=0)
            return ranks
        if scale is not None:
            r /= scale
            r -= 0.5
        ranks[tied] = r
    return ranks


_RANK_BLOCK = 32768  # values per block of rows in _ordinal_ranks (256 KB per temporary)
_CZ_ROWS = 4096  # rows per block of corrado_zivney_ranks for many events


def _rank_block(
    filled: np.ndarray,
    out: np.ndarray | None,
    bits: int,
    cols: np.ndarray,
    values: np.ndarray,
    any_inf: bool,
    sums: np.ndarray | None = None,
) -> np.ndarray:
    """Write the ordinal ranks of a block of rows into ``out``, or (``out`` None) add each
    column's sum of them over the rows without ties into ``sums`` (``values``: the ranks of one
    row's sorted positions, tiled over at least the block's rows); return which rows have ties."""
    n, t_cols = filled.shape
    low = (1 << bits) - 1
    # x - (just below the row's minimum) is positive and monotone in x: positive doubles order
    # like their bit patterns read as int64, so no sign handling is needed. Rounding may merge two
    # values (never swap them); a merge shows up as a tie below, and the row is ranked exactly.
    floor = np.nextafter(filled.min(axis=1, keepdims=True), -np.inf)
    key: np.ndarray[tuple[int, ...], np.dtype[np.int64]] = np.subtract(filled, floor).view(
        np.int64
    )
    key &= ~low
    key |= cols
    if any_inf:  # the +inf fillers' patterns read as NaN, which a float sort does not keep
        key.sort(axis=1)
    else:  # positive finite doubles order like their patterns: the same order, a faster sort
        key.view(np.float64).sort(axis=1)
    hi = key >> bits  # each key without its column bits
    same = hi[:, 1:] == hi[:, :-1]
    if any_inf:
        same &= hi[:, 1:] != (0x7FF0000000000000 >> bits)  # +inf fillers tie among themselves
    key &= low  # the column of each sorted value ...
    tied = same.any(axis=1)
    if out is None:
        assert sums is not None
        # tied rows are ranked again by the caller, exactly: leave them out
        sorted_cols = key[~tied] if tied.any() else key
        sums += np.bincount(
            sorted_cols.reshape(-1), weights=values[: sorted_cols.size], minlength=t_cols
        )
        return tied
    key += (np.arange(n, dtype=np.int64) * t_cols)[:, None]  # ... as a flat index
    out.reshape(-1)[key] = values  # broadcast over rows (out: a C-contiguous block of rows)
    return tied


def _ordinal_ranks_argsort(filled: np.ndarray) -> np.ndarray:
    """Row-wise ranks of ``filled`` by an argsort (very long rows); average ranks for tied rows."""
    # An unstable (SIMD quicksort) argsort is ~4x faster than a stable one and gives the same
    # ranks: without ties the order of finite values is unique, and the +inf fillers that may be
    # permuted among themselves are masked back to NaN by the caller.
    n, t_cols = filled.shape
    order = np.argsort(filled, axis=1)
    flat_idx = order + (np.arange(n) * t_cols)[:, None]  # 1-D gathers/scatters beat 2-D ones
    srt = filled.reshape(-1).take(flat_idx)
    ranks = np.empty(n * t_cols)
    ranks[flat_idx] = np.arange(1, t_cols + 1, dtype=float)  # broadcast over rows
    ranks = ranks.reshape(n, t_cols)
    same = srt[:, 1:] == srt[:, :-1]
    tied = (same & np.isfinite(srt[:, 1:])).any(axis=1)
    if tied.any():
        ranks[tied] = average_ranks(filled[tied])
    return ranks


def _finite_counts(u: np.ndarray) -> np.ndarray:
    """Finite entries per column (the row count everywhere when nothing is missing: no mask)."""
    if all_finite(u):
        return np.full(u.shape[1], u.shape[0], dtype=np.intp)
    return np.isfinite(u).sum(axis=0)


def _col_nansum(u: np.ndarray, n_t: np.ndarray) -> np.ndarray:
    """``np.nansum(u, axis=0)`` given ``n_t``, the finite count of each column (no copy without NaN).

    nansum sums a copy with NaN set to 0 in ``u``'s memory order; without NaN that copy equals a
    contiguous ``u``, so the plain column sum of ``u`` is the same reduction over the same values.
    """
    contiguous = u.flags.c_contiguous or u.flags.f_contiguous
    if contiguous and n_t.size and int(n_t.min()) == u.shape[0]:
        return u.sum(axis=0)
    return np.nansum(u, axis=0)


@dataclass(frozen=True)
class RankMeans:
    """The daily mean centred ranks of a matrix of ranks and what the rank tests' variance takes
    from them: the same for every window of a group (:func:`rank_means`)."""

    ubar: np.ndarray  # Ubar_t, 0 on days without events
    n_t: np.ndarray  # N_t, events with a rank on day t
    n: int  # N, events
    s2: float  # S_U^2 = (1/T) sum_t (N_t/N) Ubar_t^2 over the T days with events


def rank_means(u: np.ndarray) -> RankMeans:
    """:class:`RankMeans` of the centred ranks ``u`` (N, T), NaN where missing."""
    n_t = _finite_counts(u)
    n = u.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        ubar = np.where(n_t > 0, _col_nansum(u, n_t) / np.maximum(n_t, 1), 0.0)
    days = n_t > 0
    s2 = float(((n_t[days] / n) * ubar[days] ** 2).sum() / days.sum())
    return RankMeans(ubar, n_t, n, s2)


def _rank_z(
    u: np.ndarray | RankMeans, window_cols: np.ndarray, lag_break: int | None = None
) -> tuple[float, int]:
    """``Z = sum_{t in window} Ubar_t / (sqrt(L) S_U)``, ``S_U^2 = (1/T) sum_t (N_t/N) Ubar_t^2``.

    ``u``: the centred ranks, or their :func:`rank_means` (computed once for a group's windows).
    ``lag_break``: add the mean ranks' lag-1 autocovariance, ``Z = sum Ubar_t / sqrt(L S_U^2 +
    2 (L - 1) G_1)`` (:func:`_rank_lag1`); columns ``lag_break - 1`` and ``lag_break`` are not
    consecutive sessions (the gap before the event span) and are not paired.
    """
    means = u if isinstance(u, RankMeans) else rank_means(u)
    ubar, n_t, n, s2 = means.ubar, means.n_t, means.n, means.s2
    cols = np.asarray(window_cols)
    var = cols.size * s2
    if lag_break is not None and cols.size > 1:
        var += 2.0 * (cols.size - 1) * _rank_lag1(ubar, n_t, n, lag_break)
    z = ubar[cols].sum() / np.sqrt(var) if var > 0 else float("nan")
    return float(z), n


def _rank_lag1(ubar: np.ndarray, n_t: np.ndarray, n: int, lag_break: int) -> float:
    """Lag-1 autocovariance of the daily mean ranks, ``G_1 = (1/T) sum_t sqrt(N_t N_(t-1)) / N
    Ubar_t Ubar_(t-1)`` over consecutive columns both with events, in the weighting of ``S_U^2``
    (the pair across ``lag_break`` left out). The multi-day rank statistics' analogue of
    :func:`sum_variance`: mean ranks of listings in markets that trade at different hours are
    correlated one session apart, as their returns are."""
    days = n_t > 0
    pair = days[1:] & days[:-1]
    if 0 < lag_break < ubar.size:
        pair[lag_break - 1] = False
    w = np.sqrt(n_t[1:] * n_t[:-1]) / n
    return float((w * ubar[1:] * ubar[:-1])[pair].sum() / days.sum())


def corrado(
    ar_all: np.ndarray,
    window_cols: np.ndarray,
    u: np.ndarray | RankMeans | None = None,
    lag_break: int | None = None,
) -> TestResult:
    """Corrado (1989) rank test, multi-day form of Cowan (1992).

    Each event's abnormal returns over the estimation window and the event span (``ar_all``,
    (N, T), NaN where missing) are ranked within the event; ``U_it = K_it / (T_i + 1) - 1/2``;
    ``Z = sum_{t in window} Ubar_t / (sqrt(L) S_U)`` with ``S_U^2 = (1/T) sum_t (N_t / N) Ubar_t^2``
    over all ``T`` days, N(0,1). Deviations: the (T_i + 1) scaling and ``N_t / N`` weights for
    missing returns (Campbell & Wasley 1993; Kolari & Pynnönen 2011); Corrado used raw ranks.
    ``lag_break`` (the first event-span column): the window sum's variance adds the mean ranks'
    lag-1 autocovariance (:func:`_rank_z`), for listings of markets that trade at different hours.
    ``u``: the centred ranks of ``ar_all`` or their :func:`rank_means`, when already computed.
    """
    z, n = _rank_z(centered_ranks(ar_all) if u is None else u, window_cols, lag_break)
    return TestResult(z, _p_normal(z), n)


def corrado_zivney(
    sar_all: np.ndarray,
    event_cols: np.ndarray,
    window_cols: np.ndarray,
    u: np.ndarray | RankMeans | None = None,
    lag_break: int | None = None,
) -> TestResult:
    """Corrado & Zivney (1992) rank test on standardised abnormal returns.

    ``sar_all`` (N, T): ARs divided by their standard errors. On each event-span day (``event_cols``)
    the SARs are re-standardised by their cross-sectional standard deviation (event-induced
    variance), then ranked within each event and tested as in :func:`corrado`. Deviation: the
    multi-day window sums the mean ranks over the window (Cowan 1992); Corrado & Zivney tested day 0.
    ``u``: the centred ranks of the re-standardised matrix or their :func:`rank_means`, when
    already computed (the same for every window of a group). ``lag_break``: as :func:`corrado`.
    """
    if u is None:
        u = corrado_zivney_ranks(sar_all, event_cols)
    z, n = _rank_z(u, window_cols, lag_break)
    return TestResult(z, _p_normal(z), n)


def corrado_zivney_ranks(sar_all: np.ndarray, event_cols: np.ndarray) -> np.ndarray:
    """Centred ranks after re-standardising event-span SARs by their cross-sectional sd.

    Corrado, C. J. & Zivney, T. L. (1992), "The specification and power of the sign test in event
    study hypothesis tests using daily stock returns", Journal of Financial and Quantitative
    Analysis 27(3), 465-478: each event day's SARs are divided by their cross-sectional standard
    deviation before ranking, so event-induced variance does not bias the ranks.
    """
    cols = np.asarray(event_cols)
    scaled = _restandardised_span(sar_all, cols)
    n_rows = np.shape(sar_all)[0]
    if scaled is not None:
        blocks = _restandardised_blocks(sar_all, cols, scaled)
        if n_rows <= _CZ_ROWS:
            return centered_ranks(next(blocks)[1])
        u = np.empty(np.shape(sar_all))
        for lo, x in blocks:
            u[lo : lo + x.shape[0]] = centered_ranks(x)
        return u
    x = np.array(sar_all, dtype=float)
    for c in cols:
        col = x[:, c]
        fin = np.isfinite(col)
        if fin.sum() > 1:
            x[:, c] = col / col[fin].std(ddof=1)
    return centered_ranks(x)


def _restandardised_span(sar_all: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """The event-span columns ``cols`` of ``sar_all`` divided by each day's cross-sectional sd
    (ddof 1), as Corrado & Zivney (1992) rank them; None unless every value is finite and there
    are two events or more (then :func:`corrado_zivney_ranks` scales column by column)."""
    block = np.asarray(sar_all, dtype=float)[:, cols].T.copy()  # one contiguous row per event day
    sd = _span_sd(block)
    return None if sd is None else (block / sd[:, None]).T


def _span_sd(block: np.ndarray) -> np.ndarray | None:
    """Each event-span day's cross-sectional sd (ddof 1) of the SARs ``block`` (one contiguous row
    per day), which :func:`_restandardised_span` divides by; None unless every value is finite
    and there are two events or more."""
    if not (block.shape[0] and block.shape[1] > 1 and np.isfinite(block).all()):
        return None
    # one pass over every day; a row reduction of a contiguous array sums exactly as the 1-D
    # std of each column in corrado_zivney_ranks's column-by-column path
    return block.std(axis=1, ddof=1)  # type: ignore[no-any-return]


def _restandardised_blocks(
    sar_all: np.ndarray, cols: np.ndarray, scaled: np.ndarray
) -> Iterator[tuple[int, np.ndarray]]:
    """Copies of blocks of ``_CZ_ROWS`` rows of ``sar_all``, each with the index of its first row,
    with the columns ``cols`` replaced by ``scaled`` (:func:`_restandardised_span`): many events
    are re-standardised and ranked a block at a time, with no second copy of the whole matrix."""
    for lo in range(0, np.shape(sar_all)[0], _CZ_ROWS):
        x = np.array(sar_all[lo : lo + _CZ_ROWS], dtype=float)
        x[:, cols] = scaled[lo : lo + _CZ_ROWS]
        yield lo, x


def generalized_sign(
    car: np.ndarray, resid_est: np.ndarray, positive_share: np.ndarray | None = None
) -> TestResult:
    """Generalized sign test, Cowan (1992).

    ``p̂ = (1/N) sum_i (1/M_i) sum_t [AR_it > 0]`` over estimation windows; ``w`` = number of
    positive CARs; ``Z = (w - N p̂) / sqrt(N p̂ (1 - p̂))``, N(0,1), as Cowan (no continuity
    correction).

    Attainable sizes at small N: ``w`` is a count, so the test can only reject on whole values of
    ``w`` and its exact size under the null (``w ~ Binomial(N, p)``) jumps between a few values
    (:func:`generalized_sign_size`). At N = 50 and ``p̂ = 0.5`` the nominal 5% test rejects
    ``w <= 18`` or ``w >= 32``, exact size 6.49%; the next rule down (``w <= 17`` or ``w >= 33``,
    what a continuity correction or an exact binomial test gives) has size 3.28%. No
    deterministic rule has a size in between, so at this N the test is "correctly sized" only in
    the sense that it rejects as often as its exact size says; with ``p̂`` estimated the size
    averages about 5.7%. The steps shrink as N grows (exact size 5.44% at N = 500, p̂ = 0.5).

    References
    ----------
    Cowan, A. R. (1992). "Nonparametric event study tests." Review of Quantitative Finance and
        Accounting 2(4), 343-358.
    """
    x = np.asarray(car, dtype=float)
    frac = estimation_positive_share(resid_est) if positive_share is None else positive_share
    n = x.size
    p = frac.mean()
    w = (x > 0).sum()
    z = (w - n * p) / np.sqrt(n * p * (1.0 - p))
    return TestResult(float(z), _p_normal(z), n)


def estimation_positive_share(resid_est: np.ndarray) -> np.ndarray:
    """Each event's share of positive estimation-window ARs (among those present): the ``p̂``
    terms of :func:`generalized_sign`, the same for every window of a group."""
    x = np.asarray(resid_est, dtype=float)
    if all_finite(x):  # nothing missing (the usual case): no mask
        # counted as bytes: numpy sums uint8 rows with SIMD (2.5x faster than counting bools),
        # and no count overflows a byte in a window of up to 255 sessions
        wide = x.shape[1] > np.iinfo(np.uint8).max
        positive = (x > 0).view(np.uint8).sum(axis=1, dtype=np.int64 if wide else np.uint8)
        return np.divide(positive, x.shape[1], dtype=float)  # type: ignore[no-any-return]
    fin = np.isfinite(x)
    return (np.where(fin, x, 0.0) > 0).sum(axis=1) / fin.sum(axis=1)


def generalized_sign_size(
    n: int, p_hat: float | np.ndarray, level: float = 0.05, p_true: float = 0.5
) -> np.ndarray:
    """Exact size of :func:`generalized_sign`'s level-``level`` decision when ``w ~ Binomial(n, p_true)``.

    The test rejects the counts ``w`` in ``0..n`` with ``2 Phi(-|w - n p̂| / sqrt(n p̂ (1 - p̂)))
    < level``; its size is the binomial probability of those counts. This is the size the
    Brown–Warner harness compares the test with (``p_true = 1/2`` when abnormal returns are
    symmetric about zero and independent of ``p̂``).

    Parameters
    ----------
    n : int
        Number of events N.
    p_hat : float or ndarray
        The estimation-window share of positive abnormal returns ``p̂`` (one or many).
    level : float
        Nominal level of the test.
    p_true : float
        Probability that an event's abnormal return is positive under the null.

    Returns
    -------
    ndarray
        Exact size for each ``p_hat`` (same shape; NaN where ``p_hat`` is not in (0, 1)).
    """
    from scipy import stats  # the harness's bookkeeping only: a slow import kept off the engine

    w = np.arange(n + 1, dtype=float)
    p = np.asarray(p_hat, dtype=float)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (w - n * p) / np.sqrt(n * p * (1.0 - p))
        reject = 2.0 * stats.norm.sf(np.abs(z)) < level
    size = (reject * stats.binom.pmf(w, n, p_true)).sum(axis=-1)
    return np.where((p[..., 0] > 0) & (p[..., 0] < 1), size, np.nan)


def wilcoxon(car: np.ndarray) -> TestResult:
    """Wilcoxon (1945) signed-rank test of CARs against 0, normal approximation.

    Zeros are dropped (Wilcoxon's convention), ties get average ranks with the variance corrected
    by ``sum (t^3 - t) / 48``; ``Z = (W+ - n(n+1)/4) / sd``, no continuity correction, N(0,1).
    Deviation: no exact distribution for small N (use N >= 20).
    """
    x = _finite(car)
    x = x[x != 0]
    n = x.size
    size = np.abs(x)
    order = np.argsort(size)
    ranked = size[order]
    if (ranked[1:] != ranked[:-1]).all():  # no ties (the usual case): ranks are sorted places
        w_plus = float(np.flatnonzero(x[order] > 0).sum() + np.count_nonzero(x > 0))
        var = n * (n + 1) * (2 * n + 1) / 24.0
    else:
        r = average_ranks(size)
        w_plus = r[x > 0].sum()
        _, counts = np.unique(r, return_counts=True)
        var = n * (n + 1) * (2 * n + 1) / 24.0 - (counts**3 - counts).sum() / 48.0
    z = (w_plus - n * (n + 1) / 4.0) / np.sqrt(var)
    return TestResult(float(z), _p_normal(z), n)


def grank(
    sar_est: np.ndarray,
    scar: np.ndarray,
    lag_length: int = 0,
    est_ranks: tuple[np.ndarray, np.ndarray] | None = None,
) -> TestResult:
    """GRANK test, Kolari & Pynnönen (2011).

    The event window collapses to one observation, the re-standardised cumulative abnormal return
    ``SCAR*_i = SCAR_i / sd(SCAR)`` (cross-sectional sd, for event-induced volatility), appended to
    the estimation-window standardised ARs ``sar_est`` (N, L1). Ranks ``U_it = R_it / (T_i + 1) -
    1/2``; ``Z = Ubar_0 / S_U`` with ``S_U^2 = (1/T) sum_t (N_t / N) Ubar_t^2`` over all ``T = L1 + 1``
    days; ``t = Z sqrt((T - 2) / (T - 1 - Z^2))``, Student t(T-2).

    ``lag_length = L > 1`` (a window of ``L`` sessions, listings of markets that trade at
    different hours): ``S_U^2`` becomes ``S_U^2 + 2 (L - 1) / L G_1``, ``G_1`` the estimation
    days' lag-1 autocovariance of the mean ranks (:func:`_rank_lag1`). A deviation: the CAR of
    ``L`` sessions carries the markets' lead-lag correlation, which one day's ranks do not; to
    first order its mean rank's variance is that of an ``L``-day mean of the daily mean ranks.

    ``est_ranks``: :func:`grank_estimation_ranks` of ``sar_est`` when already computed (the ranks,
    or only their column sums). The estimation SARs' ranks among themselves do not depend on the
    window, so a study ranks them once per group; each window then only places its ``SCAR*`` among
    them (an estimation SAR above it moves up one rank, one equal to it half a rank: average
    ranks, as a full re-ranking gives).
    """
    x = np.asarray(sar_est, dtype=float)
    s = np.asarray(scar, dtype=float)
    star = (s / s.std(ddof=1))[:, None]
    n, l1 = x.shape
    if est_ranks is None and all_finite(star):
        # SCAR* ranked with the estimation SARs in one pass of the compiled kernels: the column
        # sums of the complete case below, the same numbers (exact sums of half-integers); None
        # when a SAR is missing
        merged = _compiled.rank_column_sums(x, extra=star)
        if merged is not None:
            return grank_from_sums(merged, n, lag_length)
    r_est, k = grank_estimation_ranks(x) if est_ranks is None else est_ranks
    with np.errstate(invalid="ignore"):
        above = x > star
        below_n = (x < star).sum(axis=1)
    equal_n = k - above.sum(axis=1) - below_n  # estimation SARs tied with SCAR* (NaN compare False)
    fin_s = np.isfinite(star[:, 0])
    t_row = k + fin_s  # each event's ranked values (T_i)
    r_s = np.where(fin_s, 1.0 + below_n + 0.5 * equal_n, np.nan)
    complete = bool((k == l1).all() and fin_s.all())
    if r_est.ndim == 1 and not complete:  # only the column sums were kept: rank again
        r_est = grank_estimation_ranks(x)[0]
    if complete:
        # nothing missing (the usual case): column sums of the ranks, no (N x L1) rank matrix
        ties = equal_n.any()
        col = (r_est if r_est.ndim == 1 else r_est.sum(axis=0)) + above.sum(axis=0)
        if ties:
            with np.errstate(invalid="ignore"):
                col = col + 0.5 * (x == star).sum(axis=0)
        n_t = np.full(l1 + 1, n)
        ubar = np.append(col, r_s.sum()) / (n * (l1 + 2.0)) - 0.5
    else:
        with np.errstate(invalid="ignore"):
            ranks = r_est + above + 0.5 * (x == star)  # NaN where the SAR is missing
        u = np.column_stack([ranks, r_s]) / (t_row + 1.0)[:, None] - 0.5
        n_t = _finite_counts(u)
        days = n_t > 0
        ubar = np.where(days, np.nansum(u, axis=0) / np.maximum(n_t, 1), 0.0)
    return _grank_result(ubar, n_t, n, l1, lag_length)


def grank_from_sums(merged: np.ndarray, n: int, lag_length: int = 0) -> TestResult:
    """:func:`grank` from the column sums of the ranks of ``[SAR_i (estimation) | SCAR*_i]`` over
    ``n`` events with nothing missing (``L1 + 1`` sums, the CAR's last), as the compiled kernels
    give them."""
    l1 = merged.size - 1
    ubar = merged / (n * (l1 + 2.0)) - 0.5
    return _grank_result(ubar, np.full(l1 + 1, n), n, l1, lag_length)


def _grank_result(
    ubar: np.ndarray, n_t: np.ndarray, n: int, l1: int, lag_length: int
) -> TestResult:
    """:func:`grank`'s statistic from the mean centred ranks ``ubar`` of the ``l1`` estimation days
    and the CAR (the last), ``n_t`` events ranked on each."""
    # the lag-1 term pairs consecutive estimation days, both with events: taken before the days
    # without events are left out (else the days either side of one would count as consecutive)
    est_ubar, est_n_t = ubar[:l1], n_t[:l1]
    days = n_t > 0
    if not days.all():
        ubar, n_t = ubar[days], n_t[days]
    t_days = ubar.size
    s2 = ((n_t / n) * ubar**2).sum() / t_days
    if lag_length > 1:
        # over the estimation days (the last column is the CAR's), rescaled to S_U^2's 1/T
        est_days = int((est_n_t > 0).sum())
        g1 = _rank_lag1(est_ubar, est_n_t, n, 0) * est_days / t_days
        s2 += 2.0 * (lag_length - 1) / lag_length * g1
    z = ubar[-1] / np.sqrt(s2) if s2 > 0 else float("nan")
    t = z * np.sqrt((t_days - 2.0) / (t_days - 1.0 - z * z))
    return TestResult(float(t), _p_t(t, t_days - 2), n)


def grank_estimation_ranks(
    sar_est: np.ndarray, column_sums: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks of each event's estimation SARs among themselves (NaN where missing), and
    how many each event has: what :func:`grank` places every window's SCAR* among.

    ``column_sums``: when no SAR is missing, only each column's sum of the ranks, ``(L1,)``, all
    that :func:`grank` (Kolari & Pynnönen 2011) takes from a complete matrix: one ``bincount`` of
    the sorted columns instead of an (N x L1) matrix of ranks (:func:`_ordinal_ranks`).
    """
    x = np.asarray(sar_est, dtype=float)
    if all_finite(x):
        k = np.full(x.shape[0], x.shape[1])
        if column_sums:
            sums = _ordinal_ranks(x, any_inf=False, column_sums=True)
            if sums is not None:
                return sums, k
        r = _ordinal_ranks(x, any_inf=False)
        return (_ordinal_ranks_argsort(x) if r is None else r), k
    fin = np.isfinite(x)
    filled = np.where(fin, x, np.inf)  # missing values rank last, then are masked back to NaN
    r = _ordinal_ranks(filled, any_inf=True)
    r = _ordinal_ranks_argsort(filled) if r is None else r
    return np.where(fin, r, np.nan), fin.sum(axis=1)


# --- many listings tested at once ------------------------------------------------------------

FdrMethod: TypeAlias = Literal["bh", "by"]


def fdr_qvalues(pvalues: np.ndarray, method: FdrMethod = "bh") -> np.ndarray:
    """False-discovery-rate adjusted p-values (q-values) of a family of tests.

    ``method="bh"``: Benjamini & Hochberg's (1995) step-up procedure, ``q_(k) = min_{j >= k}
    min(1, m p_(j) / j)`` over the ``m`` p-values sorted ascending; rejecting every ``q <= α``
    keeps the expected share of false discoveries at most ``α`` for independent tests and for
    positively dependent ones (Benjamini & Yekutieli 2001, PRDS), as the per-listing CAR tests of
    stocks sharing an event date and a market shock are. ``method="by"``: Benjamini & Yekutieli's
    (2001) version, ``m p_(j) / j`` times ``sum_{i <= m} 1/i``, valid under any dependence and
    more conservative. NaN p-values are left NaN and not counted in ``m``.

    References
    ----------
    Benjamini, Y. & Hochberg, Y. (1995). "Controlling the false discovery rate: a practical and
        powerful approach to multiple testing." Journal of the Royal Statistical Society B 57(1),
        289-300.
    Benjamini, Y. & Yekutieli, D. (2001). "The control of the false discovery rate in multiple
        testing under dependency." Annals of Statistics 29(4), 1165-1188.
    """
    if method not in ("bh", "by"):
        raise ValueError(f"unknown FDR method {method!r}: use 'bh' or 'by'")
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return out
    order = np.argsort(p[ok], kind="stable")
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    if method == "by":
        ranked *= (1.0 / np.arange(1, m + 1)).sum()
    # step-up: the running minimum from the largest p-value down
    q = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    vals = np.empty(m)
    vals[order] = q
    out[ok] = vals
    return out


# --- residual cross-correlation --------------------------------------------------------------


def mean_pairwise_correlation(resid: np.ndarray, min_overlap: int = 30) -> tuple[float, int]:
    """Mean pairwise Pearson correlation of residual series over each pair's actual overlap.

    ``resid`` (N, D) is aligned in *calendar* time (columns are dates; NaN where an event has no
    estimation residual that day). For each pair the correlation uses only the dates both have
    (means and variances over that overlap). Pairs sharing fewer than ``min_overlap`` dates have no
    estimable contemporaneous dependence and count as 0 (their event windows are far apart in
    time). Returns ``(r̄, number of pairs with enough overlap)``; ``r̄ = 0`` when ``N < 2``.
    This is the ``r̄`` of Kolari & Pynnönen (2010), who assume one common event date.
    """
    x = np.asarray(resid, dtype=float)
    n = x.shape[0]
    if n < 2:
        return 0.0, 0
    if n <= _PAIR_MATRIX_MAX:
        r = pairwise_correlations(x, min_overlap)
        ok = np.triu(np.isfinite(r), 1)
        # the mean over every pair, pairs without enough overlap counting as 0
        return float(r[ok].sum() / (n * (n - 1) / 2)), int(ok.sum())
    return _mean_pairwise_in_blocks(x, min_overlap)


def pairwise_correlations(resid: np.ndarray, min_overlap: int = 30) -> np.ndarray:
    """(N, N) Pearson correlations of the series of ``resid`` over each pair's actual overlap.

    As :func:`mean_pairwise_correlation` (calendar-aligned ``resid``, NaN where a series has no
    value), with NaN on the diagonal and for pairs sharing fewer than ``min_overlap`` dates. Its
    entries weighted by how much two events' windows share give the correlation of their CARs
    (:func:`rerating.study.EventStudy` does this for the design effect).
    """
    x = np.asarray(resid, dtype=float)
    n, n_dates = x.shape
    if n == 0:
        return np.empty((0, 0))
    fin = np.isfinite(x)
    z = np.where(fin, x, 0.0)
    k = fin.sum(axis=1)
    first = fin.argmax(axis=1)
    last = n_dates - 1 - fin[:, ::-1].argmax(axis=1)
    # float64 throughout: the sums, and so r̄, agree to rounding level whatever the BLAS threading
    if bool(((k == 0) | (last - first + 1 == k)).all()):
        # every series is one run of consecutive dates (the usual case): a pair's overlap is the
        # intersection of two runs, and the sums over it are differences of running sums
        run, run2, step = _running_sums(z, n_dates)
        cnt, s_x, s_xx = _run_overlap_sums(run, run2, first, first + k, step)
    else:
        m = fin.astype(np.float64)
        cnt = m @ m.T  # integer counts: exact in float64
        s_x = z @ m.T  # s_x[i, j] = sum of x_i over dates shared with j
        s_xx = (z * z) @ m.T
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = s_x / cnt
        cov = z @ z.T - s_x * mean_x.T  # sum x_i x_j - (sum x_i)(sum x_j) / n_ij
        var = s_xx - s_x * mean_x  # var[i, j]: x_i's over the overlap; x_j's is var.T
        r = cov / np.sqrt(var * var.T)
    ok = (cnt >= min_overlap) & np.isfinite(r)
    np.fill_diagonal(ok, False)
    return np.where(ok, r, np.nan)


def _running_sums(z: np.ndarray, n_dates: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Flattened running sums of ``z`` and ``z^2`` along each row, ``n_dates + 1`` per row."""
    step = n_dates + 1
    sums = np.zeros((2, z.shape[0], step))
    np.cumsum(z, axis=1, out=sums[0, :, 1:])
    np.square(z, out=sums[1, :, 1:])
    np.cumsum(sums[1, :, 1:], axis=1, out=sums[1, :, 1:])
    return sums[0].reshape(-1), sums[1].reshape(-1), step


def _run_overlap_sums(
    run: np.ndarray, run2: np.ndarray, first: np.ndarray, end: np.ndarray, step: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlap counts and ``S[i, j]`` / ``SS[i, j]``, the sums of ``x_i`` / ``x_i^2`` over the
    overlap ``[a_ij, b_ij)`` of two runs, as differences of running sums (``S.T`` holds
    ``x_j``'s)."""
    n = first.size
    a = np.maximum.outer(first, first)
    b = np.maximum(np.minimum.outer(end, end), a)
    base = (np.arange(n) * step)[:, None]
    hi, lo = base + b, base + a
    s_x = run.take(hi)
    s_x -= run.take(lo)
    s_xx = run2.take(hi)
    s_xx -= run2.take(lo)
    return (b - a).astype(np.float64), s_x, s_xx


def _mean_pairwise_in_blocks(x: np.ndarray, min_overlap: int) -> tuple[float, int]:
    """:func:`mean_pairwise_correlation` for many series: the pairs in blocks, no (N x N) matrix
    of every sum (each block's temporaries stay in cache and below malloc's mmap threshold)."""
    n, n_dates = x.shape
    fin = np.isfinite(x)
    z = np.where(fin, x, 0.0)
    k = fin.sum(axis=1)
    first = fin.argmax(axis=1)
    last = n_dates - 1 - fin[:, ::-1].argmax(axis=1)
    runs = bool(((k == 0) | (last - first + 1 == k)).all())
    if runs:
        run, run2, step = _running_sums(z, n_dates)
        end = first + k
    else:
        m = fin.astype(np.float64)
        cnt_m, sx_m, sxx_m = (m @ m.T).reshape(-1), (z @ m.T).reshape(-1), ((z * z) @ m.T).reshape(-1)
    sxy_m = (z @ z.T).reshape(-1)
    i_all, j_all = np.triu_indices(n, 1)
    vals = np.zeros(i_all.size)
    pairs = 0
    for lo in range(0, i_all.size, _PAIR_BLOCK):
        i, j = i_all[lo : lo + _PAIR_BLOCK], j_all[lo : lo + _PAIR_BLOCK]
        if runs:
            a = np.maximum(first[i], first[j])
            b = np.maximum(np.minimum(end[i], end[j]), a)
            cnt = (b - a).astype(np.float64)
            bi, ai, bj, aj = i * step + b, i * step + a, j * step + b, j * step + a
            sx_ij = run.take(bi) - run.take(ai)
            sx_ji = run.take(bj) - run.take(aj)
            sxx_ij = run2.take(bi) - run2.take(ai)
            sxx_ji = run2.take(bj) - run2.take(aj)
        else:
            up, low = i * n + j, j * n + i
            cnt = cnt_m.take(up)
            sx_ij, sx_ji = sx_m.take(up), sx_m.take(low)
            sxx_ij, sxx_ji = sxx_m.take(up), sxx_m.take(low)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sxy_m.take(i * n + j) - sx_ij * sx_ji / cnt
            vx = sxx_ij - sx_ij * sx_ij / cnt
            vy = sxx_ji - sx_ji * sx_ji / cnt
            r = cov / np.sqrt(vx * vy)
        ok = (cnt >= min_overlap) & np.isfinite(r)
        vals[lo : lo + _PAIR_BLOCK][ok] = r[ok]
        pairs += int(ok.sum())
    return float(vals.mean()), pairs


def cross_correlation_matrix(x: np.ndarray, y: np.ndarray, min_overlap: int = 30) -> np.ndarray:
    """Pearson correlation of every series of ``x`` with every series of ``y``, over each pair's
    actual overlap: the cross-group counterpart of :func:`mean_pairwise_correlation`.

    ``x`` (N_A, D) and ``y`` (N_B, D) are aligned on the same *calendar* dates (NaN where a series
    has no value). Entry ``[i, j]`` uses only the dates both ``x_i`` and ``y_j`` have (means and
    variances over that overlap); pairs sharing fewer than ``min_overlap`` dates are NaN. Its mean
    is the ``r̄_AB`` of :func:`adj_bmp_difference`: the correlation of two groups' residuals that
    Kolari & Pynnönen (2010) estimate within one group.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y need the same dates (columns): {x.shape[1]} != {y.shape[1]}")
    mx, my = np.isfinite(x).astype(np.float64), np.isfinite(y).astype(np.float64)
    zx, zy = np.where(mx > 0, x, 0.0), np.where(my > 0, y, 0.0)
    cnt = mx @ my.T  # dates shared by x_i and y_j (integer counts, exact in float64)
    sx, sy = zx @ my.T, mx @ zy.T  # sum of x_i / of y_j over those dates
    sxx, syy = (zx * zx) @ my.T, mx @ (zy * zy).T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = zx @ zy.T - sx * sy / cnt
        r = cov / np.sqrt((sxx - sx * sx / cnt) * (syy - sy * sy / cnt))
    return np.where((cnt >= min_overlap) & np.isfinite(r), r, np.nan)


_PAIR_BLOCK = 4096
_PAIR_MATRIX_MAX = 1024  # up to this many series, the pairs are (N x N) matrices, no pair loop


# --- registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowSample:
    """Everything the tests need for one group and one event window (arrays, N events)."""

    car: np.ndarray
    scar: np.ndarray
    bhar: np.ndarray
    dof: np.ndarray
    resid_est: np.ndarray  # (N, L1) event-time estimation residuals
    sar_est: np.ndarray  # (N, L1) estimation residuals / sigma
    ar_all: np.ndarray  # (N, L1 + L2) estimation residuals then event-span ARs
    sar_all: np.ndarray  # (N, L1 + L2) standardised
    event_cols: np.ndarray  # columns of the event span inside ar_all
    window_cols: np.ndarray  # columns of this window inside ar_all
    length: int
    rbar: float
    extra: dict = field(default_factory=dict)  # per-group cache shared by the group's windows
    lead_lag: bool = False  # events in markets that trade at different hours (CDA: lag-1 term)


def _cached(w: WindowSample, key: str) -> Any:
    """What the tests need that does not depend on the window (the estimation-window AAR, the
    sign test's shares, GRANK's estimation ranks), computed once per group (``w.extra`` is
    shared by its windows), and the rank tests' daily mean ranks of each window
    (:func:`_window_rank_means`)."""
    if key not in w.extra:
        if key.startswith("means_") and _window_key(w):
            # a window short of the event span: its ranks' daily means straight from blocks of
            # rows (the ranks of every window kept at once would cost gigabytes for a market)
            cz = key.startswith("means_cz")
            w.extra[key] = _window_rank_means(w, w.sar_all if cz else w.ar_all, cz)
        elif key == "u_ar":
            w.extra[key] = centered_ranks(w.ar_all)
        elif key == "aar_est":
            w.extra[key] = estimation_aar(w.resid_est)
        elif key == "sign_share":
            w.extra[key] = estimation_positive_share(w.resid_est)
        elif key == "grank_est":
            # the ranks' column sums are all GRANK needs, unless named groups take their rows
            w.extra[key] = grank_estimation_ranks(w.sar_est, not w.extra.get("segments"))
        elif key.startswith("means_"):  # the whole span's daily mean ranks
            u_key = "u_" + key[6:]
            # Corrado's ranks are each event's own: a named group takes its rows of the "all"
            # group's (group_rows_cache), so "all" keeps them whole when it has named groups
            keep_ranks = u_key in w.extra or (u_key == "u_ar" and bool(w.extra.get("segments")))
            means = None if keep_ranks else _span_rank_means(w, u_key == "u_cz")
            w.extra[key] = rank_means(_cached(w, u_key)) if means is None else means
        else:  # u_cz, the whole event span's
            w.extra[key] = corrado_zivney_ranks(w.sar_all, w.event_cols)
    return w.extra[key]


def _span_rank_means(w: WindowSample, restandardise: bool) -> RankMeans | None:
    """:func:`rank_means` of the centred ranks of Corrado's (1989) ``[estimation | event span]``
    matrix ``ar_all``, or of Corrado & Zivney's (1992) ``sar_all`` with its span re-standardised
    (:func:`corrado_zivney_ranks`), from the ranks' column sums alone
    (:func:`_ordinal_ranks`'s ``column_sums``): no (N x T) matrix of centred ranks. None when a
    value is missing: then the counts ``N_t`` vary and the caller ranks the whole matrix."""
    matrix = w.sar_all if restandardise else w.ar_all
    n, t_cols = matrix.shape
    if n == 0 or t_cols == 0:
        return None
    cols = np.asarray(w.event_cols)
    sums: np.ndarray | None = None
    # the re-standardised span by the compiled kernels, without a copy of the matrix (None without
    # numba or with a value missing); _ordinal_ranks below takes them for the plain matrix itself
    sd = _span_sd(np.asarray(matrix, dtype=float)[:, cols].T.copy()) if restandardise else None
    if sd is not None:
        div = np.ones(t_cols)
        div[cols] = sd  # the compiled kernels divide as _restandardised_span does
        sums = _compiled.rank_column_sums(matrix, div)
    if sums is None and not all_finite(matrix):
        return None
    if sums is None and restandardise:
        scaled = _restandardised_span(matrix, cols)
        if scaled is None:
            return None
        total = np.zeros(t_cols)
        for _, x in _restandardised_blocks(matrix, cols, scaled):
            part = _ordinal_ranks(x, any_inf=False, column_sums=True)
            if part is None:
                return None
            total += part
        sums = total
    elif sums is None:
        sums = _ordinal_ranks(np.asarray(matrix, dtype=float), any_inf=False, column_sums=True)
    if sums is None:  # rows too long for the packed keys
        return None
    # every event ranks all T values: sum_i U_it = sum_i R_it / (T + 1) - N / 2, and N_t = N
    return _rank_means_of(sums / (t_cols + 1.0) - 0.5 * n, np.full(t_cols, n), n)


def _window_rank_means(w: WindowSample, matrix: np.ndarray, restandardise: bool) -> RankMeans:
    """:func:`rank_means` of the centred ranks of the estimation window and window ``w`` only
    (:func:`_window_z_cols`), ranked in blocks of rows; ``restandardise``: divide the window's values by
    their cross-sectional sd per day first, as :func:`corrado_zivney_ranks` does."""
    l1 = int(w.event_cols[0])
    cols = np.concatenate([np.arange(l1), w.window_cols])
    scale = None
    if restandardise:
        days = np.asarray(matrix, dtype=float)[:, w.window_cols]
        scale = np.ones(days.shape[1])
        for k in range(days.shape[1]):
            fin = np.isfinite(days[:, k])
            if fin.sum() > 1:
                scale[k] = days[fin, k].std(ddof=1)
    n = matrix.shape[0]
    # Corrado's ranks are each event's own: the named groups (runs of rows, "segments" in the
    # "all" group's cache) take their sums from this pass instead of ranking their rows again
    parts = [(0, n)] + ([] if restandardise else list(w.extra.get("segments", ())))
    sums = np.zeros((len(parts), cols.size))
    counts = np.zeros((len(parts), cols.size), dtype=np.intp)
    w0, w1 = int(w.window_cols[0]), int(w.window_cols[-1]) + 1
    runs = w1 - w0 == w.window_cols.size  # a window is a run of columns: two slices, one copy
    for lo in range(0, n, _CZ_ROWS):
        hi = min(n, lo + _CZ_ROWS)
        if runs:
            x = np.concatenate([matrix[lo:hi, :l1], matrix[lo:hi, w0:w1]], axis=1, dtype=float)
        else:
            x = np.asarray(matrix[lo:hi][:, cols], dtype=float)  # fancy indexing copies already
        if scale is not None:
            x[:, l1:] /= scale
        # nothing missing and no named groups' parts: the ranks' column sums alone, no matrix
        # of centred ranks (as _span_rank_means), sum_i U_it = sum_i R_it / (T + 1) - rows / 2
        col_sums = (
            _ordinal_ranks(x, any_inf=False, column_sums=True)
            if len(parts) == 1 and all_finite(x)
            else None
        )
        if col_sums is not None:
            sums[0] += col_sums / (cols.size + 1.0) - 0.5 * (hi - lo)
            counts[0] += hi - lo
            continue
        u = centered_ranks(x)
        for k, (a, b) in enumerate(parts):
            if a < hi and lo < b:
                part = u[max(a, lo) - lo : min(b, hi) - lo]
                n_t = _finite_counts(part)
                sums[k] += _col_nansum(part, n_t)
                counts[k] += n_t
    means = [_rank_means_of(sums[k], counts[k], b - a) for k, (a, b) in enumerate(parts)]
    for (a, b), m in zip(parts[1:], means[1:], strict=True):
        w.extra[f"means_ar{_window_key(w)}|{a}:{b}"] = m
    return means[0]


def _rank_means_of(sums: np.ndarray, counts: np.ndarray, n: int) -> RankMeans:
    """:class:`RankMeans` from the column sums and counts of ``n`` events' centred ranks."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ubar = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    days_with = counts > 0
    s2 = float(((counts[days_with] / n) * ubar[days_with] ** 2).sum() / days_with.sum())
    return RankMeans(ubar, counts, n, s2)


def _window_key(w: WindowSample) -> str:
    """The suffix of a window's rank keys (none for the whole event span)."""
    if np.array_equal(w.window_cols, w.event_cols):
        return ""
    return f"@{int(w.window_cols[0])}:{int(w.window_cols[-1])}"


def _window_z_cols(w: WindowSample) -> np.ndarray:
    """The window's columns among those its ranks are taken over (:func:`_window_rank_means`):
    the estimation window and that window only, so that a window's test does not depend on which
    other windows a study asks for."""
    l1 = int(w.event_cols[0]) if w.event_cols.size else 0
    return np.arange(l1, l1 + w.window_cols.size) if _window_key(w) else w.window_cols


def group_rows_cache(extra: dict, rows: np.ndarray | slice) -> dict:
    """The entries of a group's :func:`_cached` values that are computed event by event (ranks
    within each event's own series, its share of positive ARs), cut to the events ``rows``: a
    subgroup's values, without ranking its events again (views when ``rows`` is a slice)."""
    out: dict = {}
    segment = f"|{rows.start}:{rows.stop}" if isinstance(rows, slice) else None
    for key, value in list(extra.items()):
        if key == "grank_est" and value[0].ndim == 1:  # column sums only: the group ranks its own
            continue
        if key in ("u_ar", "grank_est", "sign_share"):
            out[key] = tuple(v[rows] for v in value) if isinstance(value, tuple) else value[rows]
        elif segment is not None and key.endswith(segment):  # a window's means, summed by "all"
            out[key[: -len(segment)]] = value
    return out


def _grank_key(w: WindowSample) -> str:
    """The cache key of a window's GRANK column sums from :func:`batch_rank_tests`."""
    return f"grank_sums@{int(w.window_cols[0])}:{int(w.window_cols[-1])}"


def _grank_of(w: WindowSample) -> TestResult:
    """:func:`grank` of a window sample, from the batch's column sums when it has them."""
    lag_length = w.length if w.lead_lag else 0
    merged = w.extra.get(_grank_key(w))
    if merged is not None:
        return grank_from_sums(merged, w.scar.size, lag_length)
    return grank(w.sar_est, w.scar, lag_length, _grank_est_ranks(w))


@dataclass(frozen=True)
class RankBatch:
    """What :func:`batch_rank_tests` ranks for a group (:func:`plan_rank_batch`): the arguments of
    :func:`rerating.study._compiled.span_rank_sums` beside the residuals, and the windows whose
    GRANK sums it computes."""

    corrado: bool  # Corrado's sums of the whole span
    cz_div: np.ndarray | None  # Corrado & Zivney's span sds (None: not asked for)
    stars: np.ndarray  # (windows, N) GRANK's SCAR*
    starred: tuple[WindowSample, ...]  # the windows of ``stars``
    answers_all: bool  # once the sums are in the cache, it answers every test of every window
    # the windows shorter than the span, each ranked over [estimation | its own columns]:
    # (first, last) span columns, Corrado's, Corrado & Zivney's sds (None: not asked for)
    short: tuple[tuple[int, int, bool, np.ndarray | None], ...] = ()
    shorts: tuple[WindowSample, ...] = ()  # the windows of ``short``


def plan_rank_batch(
    samples: list[WindowSample], names: Sequence[str], ar: np.ndarray, var_ar: np.ndarray
) -> RankBatch | None:
    """The batch :func:`batch_rank_tests` runs for ``samples`` and the tests ``names``: None when
    there is nothing to rank in one, or the group's ranks are taken by named groups (its cache's
    "segments"). ``ar``, ``var_ar`` (N, L2): the span's ARs and their variances."""
    if not samples or not set(names) & {"corrado", "corrado_zivney", "grank"}:
        return None
    if samples[0].extra.get("segments"):
        return None
    n = samples[0].scar.size
    span = [_window_key(w) == "" for w in samples]
    corrado = any(span) and "corrado" in names
    cz_div = None
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = ar / np.sqrt(var_ar) if "corrado_zivney" in names else None
    if sar is not None and any(span):  # the re-standardised span (corrado_zivney_ranks)
        cz_div = _span_sd(sar.T.copy())
    # a window shorter than the span, as _window_rank_means ranks it (its rows in one block)
    short, shorts = [], []
    if n <= _CZ_ROWS:
        for w, whole in zip(samples, span, strict=True):
            if whole or w.window_cols.size != w.window_cols[-1] - w.window_cols[0] + 1:
                continue
            first = int(w.window_cols[0] - w.event_cols[0])
            last = first + w.window_cols.size - 1
            w_div = None if sar is None else _span_sd(sar[:, first : last + 1].T.copy())
            short.append((first, last, "corrado" in names, w_div))
            shorts.append(w)
    stars, starred = [], []
    if "grank" in names:
        for w in samples:
            scar = np.asarray(w.scar, dtype=float)
            star = scar / scar.std(ddof=1)  # as grank() re-standardises it
            if all_finite(star):
                stars.append(star)
                starred.append(w)
    # what each test of each window will find in the cache (a window the batch leaves out ranks
    # its own columns from the matrices: _window_rank_means)
    shorts_cz = sum(1 for *_, w_div in short if w_div is not None)
    answers = {
        "corrado": (corrado or not any(span)) and len(short) == span.count(False),
        "corrado_zivney": (cz_div is not None or not any(span)) and shorts_cz == span.count(False),
        "grank": len(starred) == len(samples),
    }
    return RankBatch(
        corrado,
        cz_div,
        np.array(stars).reshape(len(stars), n),
        tuple(starred),
        all(answers.get(name, False) for name in names),
        tuple(short),
        tuple(shorts),
    )


def finish_rank_batch(
    batch: RankBatch,
    samples: list[WindowSample],
    names: Sequence[str],
    sums: np.ndarray,
    l1: int,
    window_sums: Sequence[np.ndarray] = (),
) -> bool:
    """Put the batch's ``sums`` and ``window_sums`` (:func:`rerating.study._compiled.span_rank_sums`)
    into the cache the group's windows share; whether the cache now answers every test of
    ``names`` for every window (``l1``: the estimation window's length)."""
    extra = samples[0].extra
    n = samples[0].scar.size

    def means(row: np.ndarray) -> RankMeans:  # sum_i U_it = sum_i R_it / (T + 1) - N / 2
        t = row.size
        return _rank_means_of(row / (t + 1.0) - 0.5 * n, np.full(t, n), n)

    rows = iter(sums)
    if batch.corrado:
        extra["means_ar"] = means(next(rows))
    if batch.cz_div is not None:
        extra["means_cz"] = means(next(rows))
    for w, row in zip(batch.starred, rows, strict=True):
        extra[_grank_key(w)] = row[: l1 + 1].copy()
    for w, (*_, w_corrado, w_div), out in zip(batch.shorts, batch.short, window_sums, strict=True):
        w_rows = iter(out)
        if w_corrado:
            extra["means_ar" + _window_key(w)] = means(next(w_rows))
        if w_div is not None:
            extra["means_cz" + _window_key(w)] = means(next(w_rows))
    found = {"corrado": "means_ar", "corrado_zivney": "means_cz"}
    return all(
        found[name] + _window_key(w) in extra
        if name in found
        else (name == "grank" and _grank_key(w) in extra)
        for w in samples
        for name in names
    )


def batch_rank_tests(
    samples: list[WindowSample],
    names: Sequence[str],
    resid: np.ndarray,
    ar: np.ndarray,
    var_ar: np.ndarray,
    sigma2: np.ndarray,
) -> bool:
    """Rank everything the rank tests ``names`` take from a group's event span at once, with the
    compiled kernels (:func:`rerating.study._compiled.span_rank_sums`), into the cache the
    group's windows share: Corrado's (1989) and Corrado & Zivney's (1992) daily mean ranks of the
    whole span, and each window's GRANK (Kolari & Pynnönen 2011) column sums. The tests then find
    them there (:func:`_cached`, :func:`_grank_of`): the same numbers as their own paths, which
    still take whatever the batch leaves out (windows shorter than the span, missing values).

    ``resid`` (N, L1), ``ar`` and ``var_ar`` (N, L2), ``sigma2`` (N,): the group's estimation
    residuals, span ARs and their variances. Returns whether the cache now answers every test
    of ``names`` for every window: then the tests need none of the (events x sessions) matrices
    of :class:`WindowSample` (``sar_est``, ``ar_all``, ``sar_all``), which need not be built. Not
    for a group whose named groups take rows of its ranks (its cache's "segments").

    The three steps, :func:`plan_rank_batch`, the compiled sums and :func:`finish_rank_batch`,
    may run on different threads (the engine sums on its helper thread).
    """
    batch = plan_rank_batch(samples, names, ar, var_ar)
    if batch is None:
        return False
    window_sums: list[np.ndarray] = []
    sums = _compiled.span_rank_sums(
        resid, ar, var_ar, sigma2, batch.cz_div, batch.stars, batch.corrado, batch.short, window_sums
    )
    if sums is None:
        return False
    return finish_rank_batch(batch, samples, names, sums, resid.shape[1], window_sums)


def _grank_est_ranks(w: WindowSample) -> tuple[np.ndarray, np.ndarray] | None:
    """The group's estimation ranks for :func:`grank`, or None when the compiled kernels rank each
    window's SCAR* with the estimation SARs in one pass (nothing missing, a large group)."""
    x = w.sar_est
    compiled = _compiled.will_run(x.size + x.shape[0])
    if compiled and all_finite(x):
        return None
    return _cached(w, "grank_est")  # type: ignore[no-any-return]


def _lag_break(w: WindowSample) -> int | None:
    """The rank tests' ``lag_break``: the first event-span column, when the lead-lag terms apply."""
    return int(w.event_cols[0]) if w.lead_lag and w.event_cols.size else None


@dataclass(frozen=True)
class TestSpec:
    """A registered test: how to run it on a :class:`WindowSample` and whether clustering breaks it."""

    __test__ = False

    name: str
    run: Callable[[WindowSample], TestResult]
    valid_under_clustering: bool
    min_n: int = 2
    # below this many events the test is run but over-rejects (Brown-Warner simulations in
    # docs/STUDY.md, "Small groups"): the results carry a warning
    warn_below: int = 0


# corrado_zivney and grank divide each event day's standardised ARs by their cross-sectional
# standard deviation; with few events that deviation is noisy and the re-standardised values pile
# up at the extreme ranks. Brown-Warner simulations (4,000 replications, window [0:4]): at a
# nominal 5% they reject 10% of true nulls with 5 events, 7.4-7.6% with 10, 5.8-6.4% with 20 and
# 5.4-6.0% with 30. Fewer than SMALL_N_SKIP events: not run; fewer than SMALL_N_WARN: a warning.
SMALL_N_SKIP = 10
SMALL_N_WARN = 30

TESTS: dict[str, TestSpec] = {
    s.name: s
    for s in (
        TestSpec("cross_sectional_t", lambda w: cross_sectional_t(w.car), False),
        TestSpec(
            "brown_warner_cda",
            lambda w: brown_warner_cda(
                w.car, w.resid_est, w.length, lags=int(w.lead_lag), aar=_cached(w, "aar_est")
            ),
            True,
            1,
        ),
        TestSpec("patell", lambda w: patell(w.scar, w.dof), False, 1),
        TestSpec("adj_patell", lambda w: adj_patell(w.scar, w.dof, w.rbar), True, 1),
        TestSpec("bmp", lambda w: bmp(w.scar), False),
        TestSpec("adj_bmp", lambda w: adj_bmp(w.scar, w.rbar), True),
        TestSpec("skewness_adjusted_t", lambda w: skewness_adjusted_t(w.bhar), False, 3),
        TestSpec(
            "corrado",
            lambda w: corrado(
                w.ar_all, _window_z_cols(w), _cached(w, "means_ar" + _window_key(w)), _lag_break(w)
            ),
            True,
            1,
        ),
        TestSpec(
            "corrado_zivney",
            lambda w: corrado_zivney(
                w.sar_all,
                w.event_cols,
                _window_z_cols(w),
                _cached(w, "means_cz" + _window_key(w)),
                _lag_break(w),
            ),
            True,
            SMALL_N_SKIP,
            SMALL_N_WARN,
        ),
        TestSpec(
            "generalized_sign",
            lambda w: generalized_sign(w.car, w.resid_est, _cached(w, "sign_share")),
            False,
            1,
        ),
        TestSpec("wilcoxon", lambda w: wilcoxon(w.car), False, 2),
        TestSpec(
            "grank",
            _grank_of,
            True,
            SMALL_N_SKIP,
            SMALL_N_WARN,
        ),
    )
}

CLUSTER_VALID = tuple(name for name, s in TESTS.items() if s.valid_under_clustering)
# valid under clustering only when the overlapping events share day 0: their variance comes from
# the portfolio in event time, where residuals of one date sit at the events' different event
# times (docs/STUDY.md, "What is approximate")
EVENT_TIME_TESTS = ("brown_warner_cda", "corrado", "corrado_zivney", "grank")


def overlap_apart(days: np.ndarray) -> bool:
    """Whether two [start, end] calendar intervals (rows of ``days``) with different starts
    intersect: events a few sessions apart whose windows overlap, whose common dates sit at
    different event times (where :data:`EVENT_TIME_TESTS` are not valid under clustering)."""
    if days.shape[0] < 2:
        return False
    order = np.argsort(days[:, 0], kind="stable")
    starts = days[order, 0]
    reach = np.maximum.accumulate(days[order, 1])  # the latest end of the rows so far
    # each later start, at its first row: does a window that started earlier reach it?
    later = starts[1:] != starts[:-1]
    return bool((starts[1:][later] <= reach[:-1][later]).any())
