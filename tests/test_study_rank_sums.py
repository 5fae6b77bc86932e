"""The rank tests' column sums of ranks against scipy's ``rankdata`` and the textbook statistics.

Corrado (1989), Corrado & Zivney (1992) and GRANK (Kolari & Pynnönen 2011) take only the daily
mean centred ranks from a complete matrix, so the engine sums each column's ranks while sorting
(``_ordinal_ranks(..., column_sums=True)``) instead of writing an (N x T) matrix of ranks. Every
oracle here ranks each row with scipy's ``rankdata`` (average ties) over its finite values and
computes ``U = R / (T_i + 1) - 1/2``, ``Ubar_t``, ``S_U^2 = (1/T) sum_t (N_t/N) Ubar_t^2`` and the
statistic by the papers' formulas (Cowan's 1992 multi-day window; the lag-1 term for listings of
markets that trade at different hours): nothing is shared with the code under test.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _study_oracles import two_markets
from rerating.study import EventStudy, _compiled
from rerating.study import statistics as st

RANKED = ("corrado", "corrado_zivney", "grank")


@pytest.fixture(autouse=True, params=["numpy", "compiled"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: numpy's path, and the compiled kernels (numba, the [fast] extra) on
    matrices of any size."""
    if request.param == "numpy":
        monkeypatch.setenv("RERATING_COMPILED", "0")
    else:
        monkeypatch.delenv("RERATING_COMPILED", raising=False)
        if not _compiled.enabled():
            pytest.skip("numba is not installed (the [fast] extra)")
        monkeypatch.setattr(_compiled, "MIN_VALUES", 0)
    return str(request.param)


def _grank_kept_sums(extra: dict, path: str) -> bool:
    """Whether GRANK left the group's estimation ranks as column sums only: numpy's path keeps
    them for the windows; the compiled one ranks each window's SCAR* with them in one pass and
    keeps nothing."""
    if path == "compiled":
        return "grank_est" not in extra
    return bool(extra["grank_est"][0].ndim == 1)


# --- oracles -----------------------------------------------------------------------------------


def _u(matrix: np.ndarray) -> np.ndarray:
    """Centred ranks ``R / (T_i + 1) - 1/2`` of each row's finite values (NaN elsewhere)."""
    u = np.full(matrix.shape, np.nan)
    for i, row in enumerate(matrix):
        fin = np.isfinite(row)
        u[i, fin] = stats.rankdata(row[fin]) / (fin.sum() + 1) - 0.5
    return u


def _means(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int], float]:
    """``Ubar_t``, ``N_t``, the days with events and ``S_U^2``, by a loop over the days."""
    n = u.shape[0]
    n_t = np.isfinite(u).sum(axis=0)
    ubar = np.array([np.nanmean(u[:, c]) if n_t[c] else 0.0 for c in range(u.shape[1])])
    days = [c for c in range(u.shape[1]) if n_t[c]]
    s2 = sum(n_t[c] / n * ubar[c] ** 2 for c in days) / len(days)
    return ubar, n_t, days, s2


def _cowan_z(u: np.ndarray, window: list[int], lag_break: int | None) -> float:
    """``sum_{t in window} Ubar_t / sqrt(L S_U^2 [+ 2 (L - 1) G_1])``; ``G_1`` pairs consecutive
    days with events, not the pair across ``lag_break``."""
    ubar, n_t, days, s2 = _means(u)
    n, length = u.shape[0], len(window)
    var = length * s2
    if lag_break is not None and length > 1:
        g1 = sum(
            math.sqrt(n_t[c] * n_t[c - 1]) / n * ubar[c] * ubar[c - 1]
            for c in range(1, u.shape[1])
            if n_t[c] and n_t[c - 1] and c != lag_break
        ) / len(days)
        var += 2 * (length - 1) * g1
    return sum(ubar[c] for c in window) / math.sqrt(var)


def _restandardise(sar: np.ndarray, cols: list[int]) -> np.ndarray:
    """Corrado & Zivney: each event day's SARs over their cross-sectional sd (ddof 1)."""
    x = sar.copy()
    for c in cols:
        fin = np.isfinite(x[:, c])
        if fin.sum() > 1:
            x[fin, c] = x[fin, c] / np.std(x[fin, c], ddof=1)
    return x


def _oracle(w: st.WindowSample, test: str) -> float:
    """The textbook statistic of ``test`` on a window sample's raw inputs."""
    l1 = int(w.event_cols[0])
    lag_break = l1 if w.lead_lag else None
    window = [int(c) for c in w.window_cols]
    if test == "grank":
        scar = w.scar[np.isfinite(w.scar)]
        u = _u(np.column_stack([w.sar_est, w.scar / scar.std(ddof=1)]))
        ubar, n_t, days, s2 = _means(u)
        t_days = len(days)
        if w.lead_lag and w.length > 1:  # the estimation days' G_1, in S_U^2's 1/T
            est = [c for c in days if c < u.shape[1] - 1]
            g1 = (
                sum(
                    math.sqrt(n_t[c] * n_t[c - 1]) / u.shape[0] * ubar[c] * ubar[c - 1]
                    for c in est
                    if c >= 1 and n_t[c - 1]
                )
                / t_days
            )
            s2 += 2 * (w.length - 1) / w.length * g1
        z = ubar[-1] / math.sqrt(s2)
        return z * math.sqrt((t_days - 2) / (t_days - 1 - z * z))
    matrix = w.ar_all if test == "corrado" else w.sar_all
    span = list(range(l1, matrix.shape[1]))
    if window != span:  # a shorter window is ranked with the estimation window alone
        matrix = matrix[:, list(range(l1)) + window]
        window = list(range(l1, l1 + len(window)))
        span = window
    if test == "corrado_zivney":
        matrix = _restandardise(matrix, span)
    return _cowan_z(_u(matrix), window, lag_break)


def _rank_col_sums(x: np.ndarray) -> np.ndarray:
    return np.array([stats.rankdata(row) for row in x]).sum(axis=0)


# --- data --------------------------------------------------------------------------------------


def _matrix(case: str, n: int = 60, l1: int = 90, l2: int = 11, seed: int = 3) -> np.ndarray:
    """(n, l1 + l2) abnormal returns: plain, with ties, or with ties across the boundary of the
    estimation window and the event span."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.02, (n, l1 + l2))
    if case == "rounded":  # many ties, within and across the two parts
        x = np.round(x, 3)
    elif case == "boundary":  # an event value equal to an estimation value, in some rows only
        x[::4, l1 + 2] = x[::4, 7]
        x[1::7, l1] = x[1::7, l1 - 1]
        x[2::9, l1 + 5] = x[2::9, l1 + 6]  # two event values tied with each other
    elif case == "near":  # values one ulp apart: the packed keys merge them, ranks must not
        x[::3, 5] = np.nextafter(x[::3, 4], np.inf)
        x[1::5, l1 + 1] = np.nextafter(x[1::5, 3], -np.inf)
    elif case == "signed_zero":
        x[::2, 3], x[::2, l1 + 3] = 0.0, -0.0
    return x


def _sample(x: np.ndarray, l1: int, window: tuple[int, int] | None = None, **kw) -> st.WindowSample:  # type: ignore[no-untyped-def]
    n, t_cols = x.shape
    rng = np.random.default_rng(5)
    sigma = rng.uniform(0.5, 2.0, n)
    sar = x / sigma[:, None]
    a, b = (0, t_cols - l1 - 1) if window is None else window
    scar = rng.normal(0.2, 1.0, n)
    return st.WindowSample(
        car=np.zeros(n), scar=scar, bhar=np.zeros(n), dof=np.full(n, l1 - 2.0),
        resid_est=x[:, :l1], sar_est=np.ascontiguousarray(sar[:, :l1]), ar_all=x, sar_all=sar,
        event_cols=np.arange(l1, t_cols), window_cols=np.arange(l1 + a, l1 + b + 1),
        length=b - a + 1, rbar=0.0, extra={}, **kw,
    )  # fmt: skip


# --- the column sums ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["plain", "rounded", "boundary", "near", "signed_zero"])
def test_column_sums_of_ranks_equal_rankdata(case: str) -> None:
    # 300 rows of 101: three blocks of rows in _ordinal_ranks, tied rows in some of them
    x = _matrix(case, n=300)
    got = st._ordinal_ranks(x, any_inf=False, column_sums=True)
    assert got is not None
    np.testing.assert_array_equal(got, _rank_col_sums(x))  # integers and halves: exact
    sums, k = st.grank_estimation_ranks(x[:, :90], column_sums=True)
    np.testing.assert_array_equal(sums, _rank_col_sums(x[:, :90]))
    np.testing.assert_array_equal(k, np.full(300, 90))


def test_grank_estimation_ranks_keeps_the_matrix_when_values_are_missing() -> None:
    x = _matrix("plain")[:, :90]
    x[3, 4] = np.nan
    ranks, k = st.grank_estimation_ranks(x, column_sums=True)
    assert ranks.shape == x.shape and k[3] == 89
    assert np.isnan(ranks[3, 4])
    np.testing.assert_array_equal(
        ranks[3, np.isfinite(x[3])], stats.rankdata(x[3, np.isfinite(x[3])])
    )


# --- the statistics on window samples ----------------------------------------------------------


@pytest.mark.parametrize("case", ["plain", "rounded", "boundary", "near", "missing"])
@pytest.mark.parametrize("lead_lag", [False, True])
def test_rank_statistics_equal_the_textbook_ones(case: str, lead_lag: bool, path: str) -> None:
    x = _matrix("plain" if case == "missing" else case)
    if case == "missing":  # the general path: missing values, a day without events
        x[np.random.default_rng(8).random(x.shape) < 0.05] = np.nan
        x[:, 6] = np.nan  # GRANK's lag-1 term must not pair days 5 and 7 across it
    l1 = 90
    w = _sample(x, l1, lead_lag=lead_lag)
    for test in RANKED:
        got = st.TESTS[test].run(w).statistic
        assert got == pytest.approx(_oracle(w, test), rel=1e-12, abs=1e-12), test
    if case != "missing":  # the complete matrices took the column-sum path: no rank matrix
        assert "u_ar" not in w.extra and "u_cz" not in w.extra
        assert _grank_kept_sums(w.extra, path)


@pytest.mark.parametrize("cz_rows", [4096, 16])
@pytest.mark.parametrize("case", ["plain", "rounded"])
def test_windows_of_a_group_share_the_column_sums(
    case: str, cz_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cz_rows=16: the many-events path, blocks of rows re-standardised and ranked one at a time
    monkeypatch.setattr(st, "_CZ_ROWS", cz_rows)
    x = _matrix(case)
    extra: dict = {}
    spans = [None, (0, 0), (2, 6)]  # the event span, then two windows shorter than it
    for window in spans:
        w = dataclasses.replace(_sample(x, 90, window, lead_lag=True), extra=extra)
        for test in RANKED:
            got = st.TESTS[test].run(w).statistic
            assert got == pytest.approx(_oracle(w, test), rel=1e-12, abs=1e-12), (window, test)


def test_a_named_group_ranks_its_own_rows_when_all_kept_only_column_sums(path: str) -> None:
    # group_rows_cache cuts the "all" group's per-event values to a group's rows: column sums
    # (over every event) are not per event and must not be cut
    x = _matrix("plain")
    w = _sample(x, 90)
    st.TESTS["grank"].run(w)
    assert _grank_kept_sums(w.extra, path)
    assert "grank_est" not in st.group_rows_cache(w.extra, slice(0, 20))
    rows = dataclasses.replace(
        _sample(x[:20], 90), extra=st.group_rows_cache(w.extra, slice(0, 20))
    )
    for test in RANKED:
        got = st.TESTS[test].run(rows).statistic
        assert got == pytest.approx(_oracle(rows, test), rel=1e-12, abs=1e-12), test


# --- through EventStudy ------------------------------------------------------------------------


def _two_markets(rounded: bool):  # type: ignore[no-untyped-def]
    """12 'HK' and 12 'US' listings (tests/_study_oracles.py); ``rounded``: ties."""
    return two_markets(per_market=12, n_days=330, seed=17, rounded=rounded)


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("rounded", [False, True])
def test_engine_rank_statistics_equal_the_textbook_ones(
    rounded: bool, grouped: bool, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Every group and window of a two-market study with lead-lag terms: the statistic the fit
    reports equals the textbook one on that window's inputs; ``rounded``: market-adjusted returns
    of returns rounded to 0.1%, so abnormal returns tie (and nearly tie: 0.003 - 0.001 and
    0.005 - 0.003 differ in the last bit) within and across the two parts. Without named groups every rank
    test of the event span takes the column-sum path; with them Corrado's and GRANK's "all"
    group keeps its rank matrices, whose rows the groups take."""
    seen: list[tuple[str, st.WindowSample, float]] = []
    for test in RANKED:
        spec = st.TESTS[test]

        def run(w: st.WindowSample, spec: st.TestSpec = spec) -> st.TestResult:
            res = spec.run(w)
            seen.append((spec.name, w, res.statistic))
            return res

        monkeypatch.setitem(st.TESTS, test, dataclasses.replace(spec, run=run))
    from rerating.study import engine

    made: list = []  # the study's rank inputs (the batch may answer without building them)
    real_init = engine._RankInputs.__init__

    def init(self, *args):  # type: ignore[no-untyped-def]
        real_init(self, *args)
        made.append(self)

    monkeypatch.setattr(engine._RankInputs, "__init__", init)

    def full(w: st.WindowSample) -> st.WindowSample:
        """The window with the (events x sessions) matrices its tests rank, built when the batch
        answered them from its sums (a study without named groups: every row)."""
        return w if w.ar_all.shape[1] else made[0].sample(w, slice(None))

    wide, mkt = _two_markets(rounded)
    bench = {s: ("HSI" if s[0] == "H" else "SPX") for s in wide.columns}
    day0 = {s: 200 + 3 * i for i, s in enumerate(wide.columns)}
    groups = pd.DataFrame(
        [
            {
                "event_id": f"e{s}",
                "symbol": s,
                "date": wide.index[d],
                "group": "hk" if s[0] == "H" else "us",
            }
            for s, d in day0.items()
        ]
    )
    events = groups if grouped else groups.drop(columns="group")
    res = EventStudy(
        wide, events, market_returns=mkt, benchmarks=bench, estimation_window=(-120, -11),
        model="market_adjusted" if rounded else "market",
        event_windows=((-3, 5), (0, 0), (0, 4)), tests=list(RANKED), workers=2,
    ).fit()  # fmt: skip
    reported = res.tests.set_index(["group", "window", "test"])["statistic"]
    n_groups = 3 if grouped else 1  # all (two markets: lead-lag terms), hk, us (one market each)
    assert {(t, w.lead_lag) for t, w, _ in seen} >= {
        (t, ll) for t in RANKED for ll in {True, not grouped}
    }
    assert len({id(w.extra) for _, w, _ in seen}) == n_groups
    extra = next(w.extra for _, w, _ in seen if w.lead_lag)  # the "all" group's
    if grouped:  # rows of its ranks for the named groups (GRANK's: numpy's path only)
        assert extra["u_ar"].shape == (24, 110 + 9)
        if path == "numpy":
            assert extra["grank_est"][0].shape == (24, 110)
    else:
        assert "u_ar" not in extra and "u_cz" not in extra and _grank_kept_sums(extra, path)
    if rounded:  # rows with ties in every matrix the rank tests rank
        for matrix in (full(seen[0][1]).ar_all, full(seen[0][1]).sar_all):
            assert any(np.unique(row).size < row.size for row in matrix)
    for test, w, got in seen:
        want = _oracle(full(w), test)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (test, w.window_cols)
    for key, value in reported.items():
        assert np.isfinite(value), key
    assert len(reported) == n_groups * 3 * 3
