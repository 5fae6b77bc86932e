"""Rolling beta/correlation, before/after co-movement and the Chow (1960) break test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from rerating.errors import DataFormatError, DateRangeError, DuplicateDateError, WindowError
from rerating.rerate.comovement import break_test, comovement, equal_weight, rolling_beta


def _simulated(n: int = 160, brk: int = 90, seed: int = 7):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-09-02", periods=n)
    b = pd.Series(rng.normal(0, 0.012, n), index=idx)
    beta = np.where(np.arange(n) >= brk, 1.6, 0.4)  # known answer: slope jumps at idx[brk]
    a = pd.Series(0.0005 + beta * b.to_numpy() + rng.normal(0, 0.004, n), index=idx)
    return a, b, idx[brk]


def test_chow_statistic_matches_statsmodels_dummy_regression():
    a, b, brk = _simulated()
    got = break_test(a, b, brk)
    # oracle: unrestricted model with a regime dummy and its interaction, joint F test (statsmodels)
    d = (a.index >= brk).astype(float)
    X = sm.add_constant(np.column_stack([b.to_numpy(), d, d * b.to_numpy()]))
    fit = sm.OLS(a.to_numpy(), X).fit()
    ft = fit.f_test(np.array([[0, 0, 1, 0], [0, 0, 0, 1]]))
    assert got.f_stat == pytest.approx(float(np.squeeze(ft.fvalue)), rel=1e-9)
    assert got.pvalue == pytest.approx(float(ft.pvalue), rel=1e-6, abs=1e-300)
    assert (got.df_num, got.df_den) == (2, int(fit.df_resid))
    assert got.n_before == 90 and got.n_after == 70
    assert got.pvalue < 1e-6  # the simulated break is found


def test_no_break_is_not_rejected_too_often():
    # under the null the Chow p-value is uniform: about 5% rejections at 5%
    rejections = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        idx = pd.bdate_range("2024-01-01", periods=80)
        b = pd.Series(rng.normal(size=80), index=idx)
        a = pd.Series(0.8 * b.to_numpy() + rng.normal(size=80), index=idx)
        rejections += break_test(a, b, idx[40]).pvalue < 0.05
    assert 2 <= rejections <= 20  # binomial(200, 0.05): mean 10, 99.9% within this range


def test_rolling_beta_and_corr_by_hand():
    a, b, _ = _simulated()
    out = rolling_beta(a, b, 20)
    assert out["beta"].iloc[:19].isna().all()
    wa, wb = a.iloc[30:50].to_numpy(), b.iloc[30:50].to_numpy()
    slope = np.polyfit(wb, wa, 1)[0]  # least-squares line through the window
    assert out["beta"].iloc[49] == pytest.approx(slope, rel=1e-9)
    assert out["corr"].iloc[49] == pytest.approx(np.corrcoef(wa, wb)[0, 1], rel=1e-9)
    with pytest.raises(WindowError, match="at least 3"):
        rolling_beta(a, b, 2)


def test_comovement_before_and_after_recovers_the_known_betas():
    a, b, brk = _simulated(n=400, brk=200)
    res = comovement(a, b, brk, window=30)
    assert res.beta_before == pytest.approx(0.4, abs=0.06)
    assert res.beta_after == pytest.approx(1.6, abs=0.06)
    assert res.corr_after > res.corr_before
    assert (res.n_before, res.n_after) == (200, 200)
    assert list(res.to_frame()["period"]) == ["before", "after"]
    limited = comovement(a, b, brk, before=60, after=40)
    assert (limited.n_before, limited.n_after) == (60, 40)
    assert limited.chow.n_before == 60


def test_equal_weight_basket_and_its_ledger():
    idx = pd.bdate_range("2025-01-06", periods=4)
    wide = pd.DataFrame({"X": [0.01, 0.02, np.nan, 0.04], "Y": [0.03, 0.00, 0.01, 0.02]}, index=idx)
    series, dropped = equal_weight(wide, "hk")
    assert series.tolist() == pytest.approx([0.02, 0.01, 0.03])
    assert list(dropped["symbol"]) == ["X"] and dropped["date"].iloc[0] == idx[2]


def test_pairing_across_markets_and_lag():
    idx_a = pd.DatetimeIndex(["2025-01-27", "2025-01-28", "2025-02-03", "2025-02-04", "2025-02-05"])
    idx_b = pd.DatetimeIndex(
        ["2025-01-27", "2025-01-28", "2025-01-29", "2025-02-03", "2025-02-04", "2025-02-05"]
    )
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=idx_a)
    b = pd.Series([1.0, 2.0, 9.0, 3.0, 4.0, 5.0], index=idx_b)
    r = rolling_beta(a, b, 3)  # 01-29 (Hong Kong shut) is not paired
    assert len(r) == 5 and r["beta"].iloc[-1] == pytest.approx(1.0)
    lagged = rolling_beta(a, b, 3, lag_b=1)  # a_t on b of the previous paired date
    assert lagged.index[0] == pd.Timestamp("2025-01-28") and len(lagged) == 4


def test_too_few_observations():
    a, b, _ = _simulated(n=30, brk=15)
    with pytest.raises(DateRangeError, match="needs more than 2"):
        break_test(a, b, a.index[1])
    with pytest.raises(DateRangeError, match="at least 3 paired returns"):
        comovement(a, b, a.index[-2])


@pytest.mark.parametrize("scale, shift", [(1.0, 0.0), (2.0, 0.001), (-0.5, 0.0)])
def test_chow_of_a_perfect_fit_is_nan_with_a_note(scale, shift):
    # a = shift + scale * b exactly: residuals are zero up to rounding, so F is 0/0 (undefined);
    # before the fix the rounding residue gave F(2, 116) = -57.9 for a basket on itself
    _, b, brk = _simulated()
    got = break_test(shift + scale * b, b, brk)
    assert np.isnan(got.f_stat) and np.isnan(got.pvalue)
    assert "F undefined" in got.note and "F undefined" in got.summary()


def test_chow_f_is_never_negative():
    # nearly perfect fits: a tiny noise keeps F defined; rounding must not push it below 0
    _, b, brk = _simulated()
    rng = np.random.default_rng(3)
    for noise in (1e-6, 1e-8, 1e-9):
        a = 0.7 * b + noise * pd.Series(rng.normal(size=len(b)), index=b.index)
        got = break_test(a, b, brk)
        assert got.f_stat >= 0 and 0 <= got.pvalue <= 1 and got.note == ""


# --- inputs the pure functions used to choke on (audit) -------------------------------------------


def _pair_around(event: str = "2025-01-20", n: int = 60, seed: int = 1):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-12-02", periods=n)
    b = pd.Series(rng.normal(0, 0.01, n), index=idx, name="NDX")
    a = pd.Series(0.5 * b.to_numpy() + rng.normal(0, 0.005, n), index=idx, name="SUSP")
    return a, b, pd.Timestamp(event)


def test_a_date_given_twice_is_refused_naming_the_series_and_date():
    a, b, day0 = _pair_around()
    twice = pd.concat([a, a.iloc[[5]]])  # was "cannot reindex on an axis with duplicate labels"
    with pytest.raises(DuplicateDateError, match="returns of HK have 2024-12-09 more than once"):
        comovement(twice, b, day0, a_name="HK", b_name="US")
    with pytest.raises(DuplicateDateError, match="returns of NDX have 2024-12-09"):
        break_test(a, pd.concat([b, b.iloc[[5]]]).sort_index(), day0)
    with pytest.raises(DuplicateDateError, match="returns of SUSP have 2024-12-09"):
        rolling_beta(twice, b, 5)
    wide = pd.DataFrame({"X": a, "Y": a * 2})
    with pytest.raises(DuplicateDateError, match="returns of HK have 2024-12-09"):
        comovement(pd.concat([wide, wide.iloc[[5]]]), b, day0, a_name="HK")


def test_an_infinite_return_is_refused_naming_where():
    a, b, day0 = _pair_around()
    bad = a.copy()
    bad.iloc[40] = np.inf  # was NaN beta, corr and F with no note
    with pytest.raises(DataFormatError, match="of HK are infinite on 2025-01-27.*close of 0"):
        comovement(bad, b, day0, a_name="HK")
    with pytest.raises(DataFormatError, match="SUSP are infinite on 2025-01-27"):
        break_test(bad, b, day0)
    # in a basket +inf and -inf average to NaN and the date would vanish silently: name the member
    wide = pd.DataFrame({"X": a, "Y": -bad})
    with pytest.raises(DataFormatError, match=r"Y \(basket HK\) are infinite on 2025-01-27"):
        comovement(wide, b, day0, a_name="HK")
    gap = a.copy()
    gap.iloc[40] = np.nan  # NaN stays "no return": left out, not refused
    assert comovement(gap, b, day0).n_after == 24


def test_a_listing_that_stops_moving_gets_a_note_not_a_silent_nan():
    # placeholder bars while suspended: the close is flat from 2025-01-10, so returns are 0
    a, b, day0 = _pair_around()
    flat = a.where(a.index < pd.Timestamp("2025-01-10"), 0.0)
    res = comovement(flat, b, day0, a_name="SUSP", b_name="NDX")  # RuntimeWarning is an error here
    assert np.isnan(res.corr_after) and res.beta_after == 0.0  # A does not move with B: slope 0
    assert np.isfinite(res.corr_before) and np.isfinite(res.chow.f_stat)  # both regimes identified
    assert res.note.startswith("corr undefined from 2025-01-20 on: SUSP does not move")
    assert "zero variance" in res.note and "suspended?" in res.note
    assert res.note in res.summary() and res.as_dict()["note"] == res.note
    assert comovement(a, b, day0).note == ""


def test_a_regressor_that_stops_moving_has_no_beta_and_no_chow_f():
    a, b, day0 = _pair_around()
    flat = b.where(b.index < pd.Timestamp("2025-01-10"), 0.0)
    res = comovement(a, flat, day0, a_name="SUSP", b_name="NDX")
    # was beta 0.0000 (lstsq's minimum-norm answer) and an F on the wrong degrees of freedom
    assert np.isnan(res.beta_after) and np.isnan(res.corr_after)
    assert "beta and corr undefined from 2025-01-20 on: NDX does not move" in res.note
    assert np.isnan(res.chow.f_stat) and np.isnan(res.chow.pvalue)
    assert "F undefined: NDX does not move from 2025-01-20 on" in res.chow.note
    direct = break_test(a, flat, day0)
    assert np.isnan(direct.f_stat) and "NDX does not move" in direct.note
    still = break_test(a * 0.0 + 0.001, b, day0)  # A flat throughout: not "the same baskets?"
    assert np.isnan(still.f_stat) and "SUSP does not move at all" in still.note


def test_zoned_or_timed_dates_are_refused_and_a_zoned_event_date_is_its_local_day() -> None:
    import numpy as np
    import pandas as pd

    from rerating.errors import DataFormatError

    days = pd.bdate_range("2024-06-03", periods=200)
    rng = np.random.default_rng(0)
    a = pd.Series(rng.normal(0, 0.01, 200), index=days)
    b = pd.Series(rng.normal(0, 0.01, 200), index=days)
    zoned = comovement(a, b, pd.Timestamp("2024-12-02 08:00", tz="Asia/Hong_Kong"), window=20)
    assert zoned.as_dict() == comovement(a, b, "2024-12-02", window=20).as_dict()  # was a TypeError
    with pytest.raises(DataFormatError, match="tz-aware timestamps"):
        comovement(a.tz_localize("UTC"), b, "2024-12-02", window=20)  # was "needs 3 paired returns"
    with pytest.raises(DataFormatError, match="time of day"):
        comovement(a.set_axis(days + pd.Timedelta(hours=16)), b, "2024-12-02", window=20)
