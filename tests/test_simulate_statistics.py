"""The two statistics the Brown–Warner harness changed, each against an independent computation.

* The bootstrapped skewness-adjusted t (Lyon, Barber & Tsai 1999) against a direct loop over the
  resamples, with the statistic of each resample worked from scipy's skewness.
* The exact size of the generalized sign test's decision rule against a loop that runs the test
  itself on every possible count of positive CARs.
* The harness's own p̂ (the oracle of the generalized sign test's exact size) against a
  per-security least-squares fit.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from scipy import stats

from rerating.errors import StatisticOptionError
from rerating.study import statistics as st
from rerating.study.simulate import SimulationDesign, generate_panel, sign_p_hat


def _t_sa_by_hand(x: np.ndarray, centre: float) -> float:
    """Hall's t_sa on a sample, mean taken relative to ``centre`` (LBT's bootstrap centring)."""
    n = x.size
    sd = np.std(x, ddof=1)
    # scipy's skewness divides by the ddof-0 sd; LBT's gamma by the ddof-1 sd
    g = stats.skew(x, bias=True) * ((n - 1) / n) ** 1.5
    s = (x.mean() - centre) / sd
    return math.sqrt(n) * (s + g * s * s / 3 + g / (6 * n))


def _documented_draw(x: np.ndarray, size: int, n_boot: int, seed: int) -> np.ndarray:
    """The resample indices into sorted(x) as ``bootstrap_indices`` documents them, rebuilt here."""
    digest = hashlib.blake2b(np.sort(x).astype("<f4").tobytes(), digest_size=8).digest()
    rng = np.random.default_rng([seed, int.from_bytes(digest, "little")])
    return rng.integers(0, x.size, size=(n_boot, size))


def _bootstrap_p_by_loop(x: np.ndarray, n_boot: int, size: int, seed: int) -> float:
    idx = _documented_draw(x, size, n_boot, seed)
    t = _t_sa_by_hand(x, 0.0)
    x = np.sort(x)
    below = above = used = 0
    for b in range(n_boot):
        xb = x[idx[b]]
        if np.ptp(xb) == 0:  # one repeated value: no sd, no statistic
            continue
        tb = _t_sa_by_hand(xb, x.mean())
        used += 1
        below += tb <= t
        above += tb >= t
    return min(1.0, 2 * (min(below, above) + 1) / (used + 1))


@pytest.mark.parametrize(("n", "size", "n_boot", "seed"), [(20, None, 199, 5), (40, 10, 999, 11)])
def test_bootstrap_skewness_adjusted_t_matches_a_direct_loop(
    n: int, size: int | None, n_boot: int, seed: int
) -> None:
    # skewed, like long-horizon BHARs: lognormal minus a constant, with a positive mean
    x = np.random.default_rng(seed).lognormal(0.0, 0.8, n) - 1.2
    got = st.skewness_adjusted_t(x, "bootstrap", n_boot=n_boot, resample_size=size, seed=seed)
    assert got.statistic == pytest.approx(_t_sa_by_hand(x, 0.0))
    assert got.n == n
    want = _bootstrap_p_by_loop(x, n_boot, size or n, seed)
    assert got.pvalue == pytest.approx(want, abs=1e-12)
    assert 0 < got.pvalue <= 1


def test_bootstrap_by_hand_on_three_observations() -> None:
    # x = 0, 1, 5: mean 2, deviations -2, -1, 3; sd^2 = 14/2 = 7; third moment (-8 - 1 + 27)/3 = 6
    x = np.array([0.0, 1.0, 5.0])
    sd = math.sqrt(7.0)
    s, g = 2.0 / sd, (-8.0 - 1.0 + 27.0) / (3 * sd**3)
    t = math.sqrt(3) * (s + g * s * s / 3 + g / 18)
    got = st.skewness_adjusted_t(x, "bootstrap", n_boot=4, seed=3)
    assert got.statistic == pytest.approx(t)
    # the four resamples (x is already sorted), and the statistic of each by the formula above,
    # centred at the sample mean 2
    idx = _documented_draw(x, 3, 4, 3)
    tb = []
    for row in idx:
        xb = x[row]
        if len(set(row.tolist())) == 1:
            continue
        d = xb - xb.mean()
        sdb = math.sqrt((d**2).sum() / 2)
        gb = (d**3).sum() / (3 * sdb**3)
        sb = (xb.mean() - 2.0) / sdb
        tb.append(math.sqrt(3) * (sb + gb * sb * sb / 3 + gb / 18))
    below, above = sum(v <= t for v in tb), sum(v >= t for v in tb)
    assert got.pvalue == pytest.approx(min(1.0, 2 * (min(below, above) + 1) / (len(tb) + 1)))


def test_analytic_skewness_adjusted_t_keeps_student_t_p_value() -> None:
    x = np.array([0.10, -0.02, 0.01, 0.03, 0.25])
    got = st.skewness_adjusted_t(x, "analytic")
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(_t_sa_by_hand(x, 0.0)), 4))


def test_skewness_adjusted_t_default_is_the_reproducible_bootstrap() -> None:
    x = np.random.default_rng(1).normal(0.004, 0.02, 50)
    default = st.skewness_adjusted_t(x)
    assert default == st.skewness_adjusted_t(x, "bootstrap")  # auto -> bootstrap at N = 50
    assert default == st.skewness_adjusted_t(x.copy())  # same data, same p-value
    # the events' order does not matter (issue 3), nor does float64 rounding noise
    assert default == st.skewness_adjusted_t(x[::-1])
    assert st.skewness_adjusted_t(x * (1 + 1e-15)).pvalue == default.pvalue
    other = st.skewness_adjusted_t(x, seed=2)
    assert other.statistic == default.statistic
    assert abs(other.pvalue - default.pvalue) < 0.05  # resampling noise only
    # above the threshold "auto" is the analytic test (its size error is O(1/N), like the bootstrap's)
    big = np.random.default_rng(2).normal(0.0, 0.02, st.SKEWNESS_BOOTSTRAP_MAX_N + 1)
    assert st.skewness_adjusted_t(big) == st.skewness_adjusted_t(big, "analytic")


def test_skewness_adjusted_t_bad_options_and_degenerate_samples() -> None:
    x = np.array([0.01, 0.02, -0.01, 0.03])
    with pytest.raises(StatisticOptionError, match="method='boot'"):
        st.skewness_adjusted_t(x, "boot")  # type: ignore[arg-type]
    with pytest.raises(StatisticOptionError, match="n_boot=0"):
        st.skewness_adjusted_t(x, n_boot=0)
    with pytest.raises(StatisticOptionError, match="resample_size=1"):
        st.skewness_adjusted_t(x, resample_size=1)
    for flat in (np.full(6, 0.02), np.array([0.05]), np.array([np.nan, 0.01])):
        res = st.skewness_adjusted_t(flat)
        assert math.isnan(res.statistic) and math.isnan(res.pvalue)


def _resid_with_share(n: int, positives: int, length: int = 250) -> np.ndarray:
    row = np.r_[np.full(positives, 0.01), np.full(length - positives, -0.01)]
    return np.tile(row, (n, 1))  # every event has the same share: p̂ = positives / length


@pytest.mark.parametrize("positives", [125, 122, 131, 100])
@pytest.mark.parametrize("p_true", [0.5, 0.45])
def test_generalized_sign_size_matches_the_test_run_on_every_count(
    positives: int, p_true: float
) -> None:
    n = 50
    resid = _resid_with_share(n, positives)
    size5 = size1 = 0.0
    for w in range(n + 1):
        car = np.r_[np.full(w, 0.01), np.full(n - w, -0.01)]
        p = st.generalized_sign(car, resid).pvalue
        size5 += stats.binom.pmf(w, n, p_true) * (p < 0.05)
        size1 += stats.binom.pmf(w, n, p_true) * (p < 0.01)
    p_hat = positives / 250
    assert st.generalized_sign_size(n, p_hat, 0.05, p_true) == pytest.approx(size5, abs=1e-12)
    assert st.generalized_sign_size(n, p_hat, 0.01, p_true) == pytest.approx(size1, abs=1e-12)
    many = st.generalized_sign_size(n, np.array([p_hat, 0.0, 1.0]), 0.05, p_true)
    assert many[0] == pytest.approx(size5, abs=1e-12) and np.isnan(many[1:]).all()


def test_harness_p_hat_matches_least_squares_per_security() -> None:
    design = SimulationDesign(n_events=4, estimation_length=30, date_spread=10, replications=2)
    panel = generate_panel(design, 2, np.random.default_rng(8))
    got = sign_p_hat(panel, design)
    pos = panel.block_positions(design)
    est = slice(5, 5 + 30)  # PAD sessions, then the estimation window
    for k in range(2):
        shares = []
        for i in range(4):
            m = panel.market[k, pos[k, i, est]]
            y = panel.returns[k, i, est]
            coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(30), m]), y, rcond=None)
            shares.append(np.mean(y - coef[0] - coef[1] * m > 0))
        assert got[k] == pytest.approx(np.mean(shares))


def test_skewness_adjusted_t_small_samples_take_the_analytic_p_value() -> None:
    # a bootstrap of three values has 27 resamples: it gave p = 0.0023 for t = -1.92 (audit)
    x = np.array([-0.01401, -0.00629, -0.00079])
    got = st.skewness_adjusted_t(x)
    assert got == st.skewness_adjusted_t(x, "analytic")
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(_t_sa_by_hand(x, 0.0)), 2))
    assert got.pvalue > 0.1
    below = np.random.default_rng(3).normal(0.0, 0.02, st.SKEWNESS_BOOTSTRAP_MIN_N - 1)
    assert st.skewness_adjusted_t(below) == st.skewness_adjusted_t(below, "analytic")
    at = np.random.default_rng(3).normal(0.0, 0.02, st.SKEWNESS_BOOTSTRAP_MIN_N)
    assert st.skewness_adjusted_t(at) == st.skewness_adjusted_t(at, "bootstrap")


def test_skewness_adjusted_t_size_at_small_n_by_simulation() -> None:
    # the default's rejection rate at 5% on null samples of N = 5 (normal, unequal variances):
    # the bootstrap rejected ~9%; the analytic p-value is ~4.5% (2,000 samples: SE 0.5 points)
    rng = np.random.default_rng(20261207)
    x = rng.normal(0.0, 1.0, (2000, 5)) * rng.uniform(0.01, 0.03, (2000, 5))
    rate = np.mean([st.skewness_adjusted_t(row).pvalue < 0.05 for row in x])
    assert 0.035 <= rate <= 0.065
