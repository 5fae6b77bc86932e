"""The bootstrap p-value of ``skewness_adjusted_t`` against an oracle written from the paper.

Lyon, Barber & Tsai (1999), section on the bootstrapped skewness-adjusted t: draw resamples of
size ``n_b`` with replacement; in each, ``t_sa^b = sqrt(n_b)(S^b + gamma^b (S^b)^2 / 3 +
gamma^b / (6 n_b))`` with ``S^b = (mean(x^b) - mean(x)) / sd(x^b)`` (centred at the sample mean,
so the resamples obey the null) and ``gamma^b`` the resample's own skewness; reject when the
original ``t_sa`` falls below the 2.5% or above the 97.5% point of the ``t_sa^b``. Nothing below
calls the package except the function under test.

* Exact: with the resampling draw rebuilt from its documentation (``bootstrap_indices``), the
  package's p-value and its 5% decision equal the oracle's, at the defaults (seed, B = 999,
  resample size N) and at LBT's N/4.
* In distribution: the oracle with its own random draws (B = 1,999) against the package's
  default (B = 999) on skewed log-normal BHARs. Two-sided equal-tailed p-values are twice a
  binomial tail share, so a bootstrap p-value ``p`` from ``B`` resamples has a standard error of
  ``sqrt(p (2 - p) / B)`` (not ``sqrt(p (1 - p) / B)``, the one-sided one); the difference of the
  two has the sum of the two variances, and the package's ``+1`` form,
  ``2 (k + 1) / (B + 1)``, adds ``(2 - p) / (B + 1)`` (<= 0.002) on average.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from rerating.study import statistics as st

B_PKG = 999  # the package's documented default
B_ORACLE = 1999
SEED = 19990201  # the package's documented default seed


def _t_sa(x: np.ndarray, centre: float) -> np.ndarray:
    """LBT's t_sa along the last axis, the mean taken relative to ``centre``."""
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    d = x - mean[..., None]
    d2 = d * d
    sd = np.sqrt(d2.sum(axis=-1) / (n - 1))
    gamma = (d2 * d).sum(axis=-1) / (n * sd**3)
    s = (mean - centre) / sd
    return np.asarray(np.sqrt(n) * (s + gamma * s * s / 3.0 + gamma / (6.0 * n)))


def _resample_stats(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``t_sa^b`` of each resample ``x[idx[b]]``; a resample of one repeated value has none."""
    xb = x[idx]
    keep = xb.max(axis=1) > xb.min(axis=1)
    return _t_sa(xb[keep], float(x.mean()))


def _documented_draw(x: np.ndarray, size: int, n_boot: int, seed: int) -> np.ndarray:
    """Indices into sorted(x), as the docstring of ``bootstrap_indices`` specifies them."""
    data = np.sort(x).astype("<f4").tobytes()
    h = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")
    return np.random.default_rng([seed, h]).integers(0, x.size, size=(n_boot, size))


def _lognormal(rng: np.random.Generator, n: int, sigma: float, mean: float) -> np.ndarray:
    """Skewed BHARs with the given population mean (log-normal minus its mean, plus ``mean``)."""
    return rng.lognormal(0.0, sigma, n) - np.exp(sigma * sigma / 2.0) + mean


@pytest.mark.parametrize(("n", "size"), [(30, None), (50, None), (200, None), (200, 50)])
def test_p_value_and_decision_equal_the_oracle_on_the_documented_draw(
    n: int, size: int | None
) -> None:
    rng = np.random.default_rng(1000 + n + (size or 0))
    for mean in (0.0, 0.25, -0.2):
        x = _lognormal(rng, n, 0.8, mean)
        m = size or n
        got = (
            st.skewness_adjusted_t(x)  # "auto": the bootstrap from 30 to 200 events
            if size is None
            else st.skewness_adjusted_t(x, "bootstrap", resample_size=size)
        )
        xs = np.sort(x)
        t = float(_t_sa(x, 0.0))
        tb = np.sort(_resample_stats(xs, _documented_draw(x, m, B_PKG, SEED)))
        below, above = int((tb <= t).sum()), int((tb >= t).sum())
        assert got.statistic == pytest.approx(t, rel=1e-12, abs=1e-12)
        assert got.pvalue == pytest.approx(
            min(1.0, 2 * (min(below, above) + 1) / (tb.size + 1)), abs=1e-12
        )
        # LBT's rule: reject outside the 2.5% and 97.5% points of the t^b; with 999 resamples
        # those are the 25th smallest and the 25th largest, and p <= 5% is exactly that rule
        assert tb.size == B_PKG
        lbt_reject = t < tb[24] or t > tb[-25]
        assert (got.pvalue <= 0.05) == lbt_reject


def test_the_seed_alone_sets_the_draw() -> None:
    x = _lognormal(np.random.default_rng(5), 50, 0.8, 0.1)
    first = st.skewness_adjusted_t(x, "bootstrap")
    assert st.skewness_adjusted_t(x, "bootstrap") == first
    assert st.skewness_adjusted_t(x, "bootstrap", seed=SEED) == first  # the documented default
    assert st.skewness_adjusted_t(x[::-1].copy(), "bootstrap") == first  # the order does not count
    p = first.pvalue
    se = np.sqrt(p * (2 - p) * 2 / B_PKG)  # two independent draws of B = 999
    others = [st.skewness_adjusted_t(x, "bootstrap", seed=s).pvalue for s in range(1, 9)]
    assert len(set(others)) > 1  # another seed, another draw
    assert max(abs(o - p) for o in others) <= 4.5 * se


def test_extremes_and_ties_of_the_p_value() -> None:
    # a statistic beyond every resample: the smallest p-value, 2 / (B + 1)
    x = np.r_[np.linspace(0.5, 1.5, 49), 1.6]
    got = st.skewness_adjusted_t(x, "bootstrap")
    t = float(_t_sa(x, 0.0))
    tb = _resample_stats(np.sort(x), _documented_draw(x, 50, B_PKG, SEED))
    assert t > tb.max() and got.pvalue == pytest.approx(2 / (B_PKG + 1))
    # many tied values: resamples of one repeated value have no t^b and leave the count B
    x = np.r_[np.zeros(30), 0.5, -0.3]
    got = st.skewness_adjusted_t(x, "bootstrap", resample_size=4)
    tb = _resample_stats(np.sort(x), _documented_draw(x, 4, B_PKG, SEED))
    assert 0 < B_PKG - tb.size  # some resamples are all zeros
    t = float(_t_sa(x, 0.0))
    k = min(int((tb <= t).sum()), int((tb >= t).sum()))
    assert got.pvalue == pytest.approx(min(1.0, 2 * (k + 1) / (tb.size + 1)), abs=1e-12)


@pytest.mark.parametrize(("n", "reps"), [(30, 300), (50, 300), (200, 150)])
def test_p_values_agree_with_an_independent_bootstrap_within_monte_carlo_error(
    n: int, reps: int
) -> None:
    rng = np.random.default_rng(20261207 + n)
    half = reps // 2
    diffs, z, reject_pkg, reject_oracle = [], [], [], []
    for r in range(reps):
        # the first half under the null (mean 0, skewness 2.4), then means of 0.05 to 0.3
        x = _lognormal(rng, n, 0.5, 0.0 if r < half else 0.05 * (1 + r % 6))
        p_pkg = st.skewness_adjusted_t(x, "bootstrap").pvalue
        t = float(_t_sa(x, 0.0))
        tb = _resample_stats(x, rng.integers(0, n, size=(B_ORACLE, n)))
        p_or = min(1.0, 2 * min(float(np.mean(tb <= t)), float(np.mean(tb >= t))))
        lo, hi = np.quantile(tb, [0.025, 0.975])
        p = (p_pkg + p_or) / 2
        se = np.sqrt(max(p * (2 - p), 1e-4) * (1 / B_PKG + 1 / B_ORACLE))
        d = p_pkg - p_or - (2 - p) / (B_PKG + 1)  # less the +1 form's bias
        diffs.append(d)
        z.append(d / se)
        reject_pkg.append(p_pkg <= 0.05)
        reject_oracle.append(bool(t < lo or t > hi))
    z_arr, d_arr = np.abs(np.array(z)), np.array(diffs)
    # each sample: within 4.5 standard errors of the two bootstraps' Monte Carlo error
    assert z_arr.max() <= 4.5, (z_arr.max(), np.abs(d_arr).max())
    # no systematic difference: the mean difference within 4 of its standard errors
    assert abs(d_arr.mean()) <= 4 * d_arr.std(ddof=1) / np.sqrt(reps)
    # the 5% decisions: the same almost always, and the same rejection rates under the null
    rp, ro = np.array(reject_pkg), np.array(reject_oracle)
    assert np.mean(rp != ro) <= 0.05
    size_pkg, size_oracle = rp[:half].mean(), ro[:half].mean()
    assert abs(size_pkg - size_oracle) <= 0.03
    # near 5% (at most 75 null samples: one standard error is 2.5 points)
    assert size_pkg <= 0.13 and size_oracle <= 0.13
