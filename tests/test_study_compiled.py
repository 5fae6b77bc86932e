"""The compiled kernels (``rerating.study._compiled``, numba: the ``[fast]`` extra).

The rank tests' column sums of ranks, and r̄'s calendar sums. Each column's sum of the rows'
average ranks is checked against ``scipy.stats.rankdata`` (which shares nothing with the kernels),
on rows built to break the packed sort keys: values one ulp apart in the wrong column order,
signed zeros, subnormals, huge magnitudes, constant rows. A whole
study with every test must give the same tables, to the last bit, with the kernels and without
them: the rank sums are exact, and r̄'s calendar sums add the same numbers in the same order.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rerating.study import EventStudy, _compiled

pytestmark = pytest.mark.skipif(
    not _compiled.enabled(), reason="numba is not installed (the [fast] extra)"
)


@pytest.fixture
def any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernels on matrices of any size (they leave small ones to numpy)."""
    monkeypatch.setattr(_compiled, "MIN_VALUES", 0)


def _rankdata_sums(x: np.ndarray) -> np.ndarray:
    return np.array([stats.rankdata(row) for row in x]).sum(axis=0)


def _hard_rows(n: int = 200, t: int = 70, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.02, (n, t))
    # the larger of two values one ulp apart in the lower column: with the low bits of the keys
    # replaced by the column, the two keys tie on the value bits and sort in column order, which
    # is the wrong order: the row must be sorted again exactly
    for i in range(0, n, 3):
        x[i, 2] = np.nextafter(x[i, t - 5], np.inf)
    x[1::5] = np.round(x[1::5], 2)  # ties, many of them
    x[2::7, 5], x[2::7, 6] = 0.0, -0.0  # signed zeros tie
    x[3::11, 8] = 5e-324  # subnormals (the smallest double), beside zeros and normal values
    x[3::11, 9] = 0.0
    x[4::13, 10], x[4::13, 11] = 1e300, -1e300  # keys near the top of the exponent range
    x[6] = 0.25  # a constant row: every value has the mean rank
    x[7, :] = -0.0
    x[7, ::2] = 0.0
    return x


@pytest.mark.usefixtures("any_size")
def test_rank_column_sums_equal_rankdata() -> None:
    x = _hard_rows()
    got = _compiled.rank_column_sums(x)
    assert got is not None
    np.testing.assert_array_equal(got, _rankdata_sums(x))  # exact: integers and halves


@pytest.mark.usefixtures("any_size")
def test_the_out_of_order_rows_are_ranked_exactly() -> None:
    # one row, two values one ulp apart in the wrong column order and nothing else near them:
    # a kernel that trusted the keys' order would swap their ranks
    x = np.linspace(-1.0, 1.0, 64)[None, :].copy()
    x[0, 3] = np.nextafter(x[0, 50], np.inf)
    got = _compiled.rank_column_sums(x)
    assert got is not None
    np.testing.assert_array_equal(got, stats.rankdata(x[0]))
    assert got[3] == got[50] + 1


@pytest.mark.usefixtures("any_size")
def test_divisors_and_extra_columns_rank_as_the_built_matrix() -> None:
    rng = np.random.default_rng(4)
    x = _hard_rows(t=40)
    div = np.ones(40)
    div[30:] = rng.uniform(0.5, 3.0, 10)  # Corrado & Zivney's re-standardised span
    extra = rng.normal(0.0, 0.02, (x.shape[0], 3))  # GRANK's SCAR*, or more columns
    extra[::4, 0] = x[::4, 7] / div[7]  # tied with an estimation value
    got = _compiled.rank_column_sums(x, div, extra)
    assert got is not None
    np.testing.assert_array_equal(got, _rankdata_sums(np.concatenate([x / div, extra], axis=1)))


@pytest.mark.usefixtures("any_size")
def test_blocks_of_rows_and_fresh_scratch_give_the_same_sums(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = _hard_rows(n=333)
    whole = _compiled.rank_column_sums(x)
    monkeypatch.setattr(_compiled, "_BLOCK_VALUES", 700)  # ten rows a block, the last short
    monkeypatch.setattr(_compiled, "_KEEP_VALUES", 0)  # no scratch kept between calls
    monkeypatch.setattr(_compiled._local, "buffers", None, raising=False)
    blocks = _compiled.rank_column_sums(x)
    assert whole is not None and blocks is not None
    np.testing.assert_array_equal(blocks, whole)
    np.testing.assert_array_equal(blocks, _rankdata_sums(x))


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("where", ["nan", "inf", "extra", "zero_divisor"])
def test_a_value_that_is_not_finite_leaves_the_matrix_to_numpy(where: str) -> None:
    x = _hard_rows(n=50, t=30)
    div = np.ones(30)
    extra = np.zeros((50, 1))
    if where == "nan":
        x[49, 29] = np.nan  # the last value of the last row: after every other row is packed
    elif where == "inf":
        x[10, 0] = -np.inf
    elif where == "extra":
        extra[20, 0] = np.nan
    else:
        div[4] = 0.0
        x[:, 4] = 0.0  # 0 / 0
    assert _compiled.rank_column_sums(x, div, extra) is None


def test_small_matrices_and_the_switch_leave_the_work_to_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = _hard_rows(n=50, t=30)
    assert x.size < _compiled.MIN_VALUES
    assert _compiled.rank_column_sums(x) is None  # small: numba would cost more than it saves
    assert _compiled.rank_column_sums(np.zeros((0, 30))) is None
    monkeypatch.setattr(_compiled, "MIN_VALUES", 0)
    assert _compiled.rank_column_sums(x) is not None
    monkeypatch.setenv("RERATING_COMPILED", "0")
    assert not _compiled.enabled()
    assert _compiled.rank_column_sums(x) is None
    assert _compiled.rank_inputs(x, x, np.ones_like(x), np.ones(50)) is None


def test_numba_is_loaded_only_for_large_matrices_or_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a one-off study of a few hundred events would spend more loading numba than it saves
    monkeypatch.setattr(_compiled, "_tried", False)
    monkeypatch.setattr(_compiled, "_kernels", None)
    monkeypatch.delenv("RERATING_COMPILED", raising=False)
    x = _hard_rows(n=300, t=271)
    assert _compiled.MIN_VALUES <= x.size < _compiled.LOAD_VALUES
    assert _compiled.rank_column_sums(x) is None and not _compiled._tried  # numba not loaded
    assert not _compiled.will_run(x.size) and not _compiled._tried
    monkeypatch.setattr(_compiled, "LOAD_VALUES", x.size)  # a matrix that large loads it ...
    # ... to rank it, not to build the rank inputs or r̄'s sums: those save too little
    assert _compiled.rank_inputs(x, x, np.ones_like(x), np.ones(300)) is None
    assert (
        _compiled.centre_day_rows(
            x,
            np.arange(300),
            np.zeros(300, dtype=np.int64),
            np.arange(300) == 0,
            slice(0, 271),
            True,
            False,
            np.zeros((1, 271)),
            np.zeros((1, 271)),
        )
        is None
    )
    assert not _compiled._tried
    assert _compiled.will_run(x.size) and _compiled._tried
    monkeypatch.setattr(_compiled, "LOAD_VALUES", 10**12)
    np.testing.assert_array_equal(_compiled.rank_column_sums(x), _rankdata_sums(x))  # loaded: runs
    monkeypatch.setattr(_compiled, "_tried", False)
    monkeypatch.setattr(_compiled, "_kernels", None)
    monkeypatch.setenv("RERATING_COMPILED", "1")  # many fits in one process: load it for any
    np.testing.assert_array_equal(_compiled.rank_column_sums(x), _rankdata_sums(x))


@pytest.mark.usefixtures("any_size")
def test_rank_inputs_are_numpys_numbers() -> None:
    rng = np.random.default_rng(9)
    resid = rng.normal(0.0, 0.02, (40, 25))
    ar = rng.normal(0.0, 0.02, (40, 7))
    ar[3, 2] = np.nan  # a missing return stays missing
    var_ar = rng.uniform(1e-4, 9e-4, (40, 7))
    var_ar[5, 1] = 0.0  # IEEE division: inf (numba's Python error model would raise)
    sigma2 = rng.uniform(1e-4, 9e-4, 40)
    sigma2[6] = 0.0
    got = _compiled.rank_inputs(resid, ar, var_ar, sigma2)
    assert got is not None
    with np.errstate(divide="ignore"):
        sar_est = resid / np.sqrt(sigma2)[:, None]
        want = (
            sar_est,
            np.concatenate([resid, ar], axis=1),
            np.concatenate([sar_est, ar / np.sqrt(var_ar)], axis=1),
        )
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)  # NaN where NaN, every other value bit for bit


@pytest.mark.usefixtures("any_size")
def test_threads_rank_at_once() -> None:
    # each thread keeps its own scratch: two at once must not mix their keys
    mats = [_hard_rows(n=300, seed=s) for s in (1, 2)]
    want = [_rankdata_sums(m) for m in mats]
    got: dict[int, list[np.ndarray]] = {0: [], 1: []}

    def work(k: int) -> None:
        for _ in range(20):
            sums = _compiled.rank_column_sums(mats[k])
            assert sums is not None
            got[k].append(sums)

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for k in (0, 1):
        assert len(got[k]) == 20
        for sums in got[k]:
            np.testing.assert_array_equal(sums, want[k])


# --- a whole study, with and without the kernels ---------------------------------------------


def _study_data(n_sym: int, rounded: bool, missing: bool):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(21)
    dates = pd.bdate_range("2021-01-04", periods=420, name="date")
    m = rng.normal(0.0004, 0.01, dates.size)
    r = rng.uniform(0.5, 1.5, n_sym) * m[:, None] + rng.normal(0.0, 0.02, (dates.size, n_sym))
    if rounded:
        r = np.round(r, 3)  # ties within and across the estimation window and the event span
    symbols = [f"S{i:03d}" for i in range(n_sym)]
    wide = pd.DataFrame(r, index=dates, columns=symbols)
    if missing:
        wide = wide.mask(rng.random(wide.shape) < 0.01)
    day0 = 300 + rng.integers(0, 100, n_sym)
    events = pd.DataFrame(
        {
            "event_id": [f"E{i:03d}" for i in range(n_sym)],
            "symbol": symbols,
            "date": dates[day0],
            "group": np.where(np.arange(n_sym) % 2 == 0, "even", "odd"),
        }
    )
    return wide, pd.DataFrame({"MKT": m}, index=dates), events


@pytest.mark.parametrize(
    ("rounded", "missing", "grouped", "workers"),
    [
        (False, False, False, 2),
        (True, False, False, 1),
        (False, True, False, 2),
        (True, False, True, 2),
        (False, False, True, 1),
    ],
)
def test_a_study_is_the_same_with_and_without_the_kernels(
    rounded: bool, missing: bool, grouped: bool, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide, mkt, events = _study_data(300, rounded, missing)
    if not grouped:
        events = events.drop(columns="group")

    def fit():  # type: ignore[no-untyped-def]
        return EventStudy(
            wide, events, market_returns=mkt, benchmarks="MKT", model="market",
            estimation_window=(-250, -11), event_windows=((-10, 10), (0, 0), (-1, 3)),
            tests="all", workers=workers,
        ).fit()  # fmt: skip

    used: list[bool] = []
    kernels_for = _compiled._kernels_for

    def counted(size: int, load: bool = True):  # type: ignore[no-untyped-def]
        kernels = kernels_for(size, load)
        used.append(kernels is not None)
        return kernels

    monkeypatch.setattr(_compiled, "_kernels_for", counted)
    compiled = fit()  # 300 events x 271 sessions: above MIN_VALUES, the kernels rank
    assert any(used)
    monkeypatch.setenv("RERATING_COMPILED", "0")
    plain = fit()
    assert not any(used[-1:])
    pd.testing.assert_frame_equal(compiled.tests, plain.tests, check_exact=True)
    pd.testing.assert_frame_equal(compiled.caar, plain.caar, check_exact=True)
    pd.testing.assert_frame_equal(compiled.clustering, plain.clustering, check_exact=True)  # r̄
    assert compiled.warnings == plain.warnings
    ranked = plain.tests[plain.tests["test"].isin(["corrado", "corrado_zivney", "grank"])]
    assert ranked["statistic"].notna().all()


@pytest.mark.parametrize("rounded", [False, True])
@pytest.mark.parametrize(
    "windows",
    [
        ((-10, 10),),
        # windows shorter than the span, ranked with the same sorted residuals, each over
        # [estimation | its own sessions]; the span itself a window or not
        ((-10, 10), (0, 0), (-1, 3)),
        ((0, 0), (-1, 1), (0, 5)),
    ],
)
def test_a_study_without_named_groups_ranks_without_the_rank_matrices(
    rounded: bool, windows: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No named groups: the batch answers the three rank tests of every window, and their
    (events x sessions) matrices are never built; the numbers are numpy's, bit for bit."""
    from rerating.study import engine

    wide, mkt, events = _study_data(300, rounded, False)
    events = events.drop(columns="group")

    def fit():  # type: ignore[no-untyped-def]
        return EventStudy(
            wide, events, market_returns=mkt, benchmarks="MKT", model="market",
            estimation_window=(-250, -11), event_windows=windows, tests="all", workers=2,
        ).fit()  # fmt: skip

    built: list[bool] = []
    arrays = engine._RankInputs.arrays

    def counted(self):  # type: ignore[no-untyped-def]
        built.append(True)
        return arrays(self)

    monkeypatch.setattr(engine._RankInputs, "arrays", counted)
    compiled = fit()
    assert built == []  # the batch took every rank test
    monkeypatch.setenv("RERATING_COMPILED", "0")
    plain = fit()
    assert built  # numpy's path ranks the matrices
    pd.testing.assert_frame_equal(compiled.tests, plain.tests, check_exact=True)
    ranked = plain.tests[plain.tests["test"].isin(["corrado", "corrado_zivney", "grank"])]
    assert len(ranked) == 3 * len(windows) and ranked["statistic"].notna().all()


# --- the batch of the three rank tests (span_rank_sums) ----------------------------------------


def _span_inputs(  # type: ignore[no-untyped-def]
    rounded: bool = True, n: int = 120, l1: int = 60, l2: int = 9, seed: int = 2
):
    """``rounded``: ties within each row; else ties only across a row's estimation residuals and
    its span values (the kernel ranks by position until it meets one)."""
    rng = np.random.default_rng(seed)
    resid = rng.normal(0.0, 0.02, (n, l1))
    ar = rng.normal(0.0, 0.02, (n, l2))
    if rounded:
        resid, ar = np.round(resid, 3), np.round(ar, 3)
    ar[::5, 0] = resid[::5, 4]  # a span AR tied with an estimation residual
    # ... with the row's largest and smallest one (met after the merge's last step, and before
    # its first)
    ar[2::7, 2] = resid[2::7].max(axis=1)
    ar[3::7, 3] = resid[3::7].min(axis=1)
    # one ulp apart in the wrong column order: the sorted keys put them the wrong way round
    resid[1::4, 2] = np.nextafter(resid[1::4, l1 - 5] + 0.0005, np.inf)
    resid[1::4, l1 - 5] += 0.0005
    var_ar = rng.uniform(1e-4, 9e-4, (n, l2))
    sigma2 = rng.uniform(1e-4, 9e-4, n)
    # a span SAR equal to an estimation SAR (Corrado & Zivney's, with a divisor of 1 that day)
    ar[1::3, 1], var_ar[1::3, 1] = resid[1::3, 9], sigma2[1::3]
    return resid, ar, var_ar, sigma2


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("rounded", [True, False])
@pytest.mark.parametrize(
    ("corrado", "cz", "windows"), [(True, True, 2), (False, True, 0), (True, False, 1)]
)
def test_the_batch_ranks_each_tests_matrix_as_rankdata(
    corrado: bool, cz: bool, windows: int, rounded: bool
) -> None:
    resid, ar, var_ar, sigma2 = _span_inputs(rounded)
    n, l1 = resid.shape
    rng = np.random.default_rng(6)
    cz_div = rng.uniform(0.5, 2.0, ar.shape[1]) if cz else None
    if cz_div is not None:
        cz_div[1] = 1.0
    stars = rng.normal(0.0, 1.0, (windows, n))
    sar_est = resid / np.sqrt(sigma2)[:, None]
    if windows:
        stars[0, ::3] = sar_est[::3, 10]  # SCAR* tied with an estimation SAR
    sums = _compiled.span_rank_sums(resid, ar, var_ar, sigma2, cz_div, stars, corrado)
    assert sums is not None and sums.shape == (int(corrado) + int(cz) + windows, l1 + ar.shape[1])
    sar_span = ar / np.sqrt(var_ar)
    want = []
    if corrado:
        want.append(_rankdata_sums(np.concatenate([resid, ar], axis=1)))
    if cz:
        want.append(_rankdata_sums(np.concatenate([sar_est, sar_span / cz_div], axis=1)))
    for w in range(windows):
        grank = _rankdata_sums(np.concatenate([sar_est, stars[w][:, None]], axis=1))
        want.append(np.concatenate([grank, np.zeros(ar.shape[1] - 1)]))  # the padding: no ranks
    np.testing.assert_array_equal(sums, np.array(want))


@pytest.mark.usefixtures("any_size")
def test_the_batch_leaves_missing_values_to_each_tests_own_path() -> None:
    resid, ar, var_ar, sigma2 = _span_inputs()
    ar[7, 3] = np.nan
    sums = _compiled.span_rank_sums(
        resid, ar, var_ar, sigma2, None, np.zeros((1, resid.shape[0])), True
    )
    assert sums is None  # the tests rank on their own, with numpy's missing-value handling


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("row", [0, 6, 119])
def test_the_batch_leaves_a_zero_residual_variance_to_each_tests_own_path(row: int) -> None:
    """An event whose residuals have variance 0 has standardised residuals of +-inf (or NaN): the
    batch gives no sums, whichever row it is (the first, one within, the last)."""
    resid, ar, var_ar, sigma2 = _span_inputs(rounded=False)
    sigma2[row] = 0.0
    with np.errstate(divide="ignore"):
        sums = _compiled.span_rank_sums(
            resid, ar, var_ar, sigma2, np.ones(ar.shape[1]), np.zeros((1, resid.shape[0])), True
        )
    assert sums is None


# --- r̄'s calendar sums -------------------------------------------------------------------------


def _spy_on_calendar_kernel(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call of r̄'s calendar kernel ran (True) or stepped aside (False), in order."""
    seen: list[bool] = []
    kernel = _compiled.centre_day_rows

    def counted(*args):  # type: ignore[no-untyped-def]
        out = kernel(*args)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(_compiled, "centre_day_rows", counted)
    return seen


@pytest.mark.parametrize(
    ("n_events", "n_days", "gap"),
    [
        (700, 300, False),
        (2600, 300, False),  # a second chunk of 2,048 adds onto the grids the first wrote
        (2600, 3, False),  # long runs of events per day 0: summed first, as numpy sums them
        (300, 1, False),  # every event on one date, each of its own listing
        (2600, 300, True),  # a session missing: windows with a gap go numpy's way, all do
    ],
)
def test_rbar_calendar_sums_are_the_same_with_and_without_the_kernels(
    n_events: int, n_days: int, gap: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rerating.study import engine

    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-06", periods=600, name="date")
    n_sym = n_events if n_days == 1 else 120  # one event per listing and date
    m = rng.normal(0.0, 0.01, dates.size)
    r = m[:, None] * rng.uniform(0.5, 1.5, n_sym) + rng.normal(0.0, 0.02, (dates.size, n_sym))
    if gap:  # inside some estimation windows, not in any event window
        r[150, 7] = np.nan
    wide = pd.DataFrame(r, index=dates, columns=[f"S{i:03d}" for i in range(n_sym)])
    events = pd.DataFrame(
        {
            "event_id": [f"E{i:05d}" for i in range(n_events)],
            "symbol": wide.columns[rng.permutation(n_sym) if n_days == 1 else rng.integers(0, n_sym, n_events)],
            "date": dates[260 + rng.integers(0, n_days, n_events)],
        }
    )
    seen = _spy_on_calendar_kernel(monkeypatch)

    def fit():  # type: ignore[no-untyped-def]
        return EventStudy(
            wide, events, market_returns=pd.DataFrame({"MKT": m}, index=dates), benchmarks="MKT",
            estimation_window=(-250, -11), event_windows=((0, 3),), tests="none",
        ).fit()  # fmt: skip

    sums: list = []
    real = engine._calendar_sums
    monkeypatch.setattr(
        engine, "_calendar_sums", lambda *a, **k: sums.append(real(*a, **k)) or sums[-1]
    )
    compiled = fit()
    if gap:  # an estimation window with a listing's missing session: numpy's path
        assert not seen
    else:
        assert seen and all(seen)  # every chunk took the kernel
        assert len(seen) == (len(compiled.car) + 2047) // 2048, len(compiled.car)
    monkeypatch.setenv("RERATING_COMPILED", "0")
    plain = fit()
    assert len(sums) == 2
    for field in ("dsum", "wsum", "count", "root_n"):
        np.testing.assert_array_equal(getattr(sums[0], field), getattr(sums[1], field))
    assert (sums[0].n_sum, sums[0].s2_sum) == (sums[1].n_sum, sums[1].s2_sum)
    assert (sums[0].present is None) == (sums[1].present is None) == (not gap)
    pd.testing.assert_frame_equal(compiled.clustering, plain.clustering, check_exact=True)


@pytest.mark.usefixtures("any_size")
def test_the_calendar_kernel_leaves_the_grids_at_zero_when_it_declines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a residual that is not finite in the second chunk: the first chunk's sums are undone
    from rerating.study import engine

    kernel = _compiled.centre_day_rows
    seen = _spy_on_calendar_kernel(monkeypatch)
    rng = np.random.default_rng(5)
    resid = rng.normal(size=(300, 250))
    resid[250, 17] = np.inf
    day = np.repeat(np.arange(150), 2)
    grids = (np.zeros((150, 260)), np.zeros((150, 260)), np.zeros(150), np.zeros(150))
    good = np.zeros(300, dtype=bool)
    out = engine._dense_day_sums(resid, np.arange(300), day, slice(5, 255), 200, *grids, good)
    assert out is None and seen == [True, False]  # the first chunk was written, then undone
    assert not any(g.any() for g in grids) and not good.any()
    monkeypatch.setattr(_compiled, "centre_day_rows", kernel)
    resid[250, 17] = 0.0
    assert engine._dense_day_sums(resid, np.arange(300), day, slice(5, 255), 200, *grids, good)
    assert all(g.any() for g in grids) and good.all()


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize(
    ("names", "spoil", "answered"),
    [
        (["corrado", "corrado_zivney", "grank"], None, True),
        # Corrado & Zivney's re-standardising sd cannot be had (a span variance is NaN): the batch
        # ranks Corrado and GRANK, and says it has not answered every test
        (["corrado", "corrado_zivney", "grank"], "var_ar", False),
        (["corrado", "grank"], "var_ar", True),
        # a SCAR* that is not finite: GRANK is left to its own path
        (["corrado", "grank"], "scar", False),
    ],
)
def test_the_batch_says_whether_it_answered_every_rank_test(
    names: list[str], spoil: str | None, answered: bool
) -> None:
    from rerating.study import statistics as st

    resid, ar, var_ar, sigma2 = _span_inputs(rounded=False)
    n, l1 = resid.shape
    scar = np.random.default_rng(3).normal(0.0, 1.0, n)
    if spoil == "var_ar":
        var_ar[4, 2] = np.nan
    elif spoil == "scar":
        scar[5] = np.nan
    cols = np.arange(l1, l1 + ar.shape[1])
    empty = np.empty((n, 0))  # the matrices the batch does not need
    sample = st.WindowSample(
        car=scar, scar=scar, bhar=scar, dof=np.full(n, float(l1 - 2)), resid_est=resid,
        sar_est=empty, ar_all=empty, sar_all=empty, event_cols=cols, window_cols=cols,
        length=cols.size, rbar=0.0,
    )  # fmt: skip
    with np.errstate(invalid="ignore"):
        plan = st.plan_rank_batch([sample], names, ar, var_ar)
        assert plan is not None and plan.answers_all is answered  # foreseen before the sums
        assert st.batch_rank_tests([sample], names, resid, ar, var_ar, sigma2) is answered


@pytest.mark.parametrize("compiled", [True, False])
def test_the_helper_thread_only_sums_the_rank_batch(
    compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One group, one window: the helper thread computes the batch's sums and nothing else; this
    thread runs the rank tests from them (the helper no longer holds the interpreter lock for
    the tests' Python). Without the kernels the task runs the tests itself, as before (on the
    helper, or here when this thread claims it first). The numbers are those of the batch run
    whole, bit for bit."""
    from rerating.study import engine
    from rerating.study import statistics as st

    wide, mkt, events = _study_data(300, False, False)
    events = events.drop(columns="group")
    if not compiled:
        monkeypatch.setenv("RERATING_COMPILED", "0")

    def fit():  # type: ignore[no-untyped-def]
        return EventStudy(
            wide, events, market_returns=mkt, benchmarks="MKT", model="market",
            estimation_window=(-250, -11), event_windows=((-10, 10),), tests="all", workers=2,
        ).fit()  # fmt: skip

    where: list[tuple[str, tuple[str, ...]]] = []  # (thread, tests) of each _run_tests call
    run_tests = engine._run_tests

    def spied(samples, names):  # type: ignore[no-untyped-def]
        where.append((threading.current_thread().name, tuple(names)))
        return run_tests(samples, names)

    monkeypatch.setattr(engine, "_run_tests", spied)
    split = fit()
    ranks = ("corrado", "corrado_zivney", "grank")
    rank_calls = [thread for thread, names in where if set(names) & set(ranks)]
    main = threading.main_thread().name
    if compiled:  # one call, on this thread, whoever computed the sums
        assert rank_calls == [main]
    else:  # the kernels decline: the task ranks each test's matrix, wherever it runs
        assert rank_calls
    assert all(thread == main for thread, names in where if not set(names) & set(ranks))
    # the batch whole in one task, as before the split
    monkeypatch.setattr(engine, "plan_rank_batch", lambda *args: None)
    whole = fit()
    pd.testing.assert_frame_equal(split.tests, whole.tests, check_exact=True)
    assert split.warnings == whole.warnings
    assert split.tests["statistic"].notna().all() and len(split.tests) == len(st.TESTS)


def test_the_kernels_pairwise_sum_is_numpys_to_the_last_bit() -> None:
    """r̄'s calendar kernel sums a row as numpy does (halves cut at multiples of 8 down to blocks
    of 128, eight interleaved partial sums in a block): lengths around every cut, and far beyond
    the lengths a study has, with one scratch reused from call to call."""
    from rerating.study import _numba_kernels as kernels

    rng = np.random.default_rng(8)
    stack, done = np.empty((3, 64), dtype=np.int64), np.empty(64)
    lengths = [*range(1, 300), 383, 384, 385, 1023, 1024, 1025, 4095, 8193, 100_003]
    for n in lengths:
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)  # magnitudes that round
        assert kernels._pairwise_sum(x, n, stack, done) == x.sum(), n
