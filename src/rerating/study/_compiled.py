"""Compiled kernels (numba, the ``[fast]`` extra): the rank tests' column sums of ranks, and r̄'s
calendar sums (:func:`centre_day_rows`).

The rank tests (Corrado 1989, Corrado & Zivney 1992, GRANK of Kolari & Pynnönen 2011) take, from a
matrix without missing values, only each column's sum of the within-row average ranks
(:func:`rerating.study.statistics._ordinal_ranks` with ``column_sums=True``). numpy computes it with
a dozen whole-array calls, each of which takes Python's global interpreter lock back; on the helper
thread that runs the rank tests beside the main thread, those hand-offs, not the arithmetic, cost
most of the time. Here the same sums come from three calls, two of them compiled without the lock:

1. ``pack_keys`` (in :mod:`rerating.study._numba_kernels`): each value minus its row's minimum (a
   non-negative double, whose bit pattern orders like the value), its low bits replaced by the
   column number;
2. numpy's SIMD sort of those keys along each row (it releases the lock);
3. ``add_rank_sums``: each sorted key's column and value, checked to be in order (truncating the
   low bits can merge two very close values, never swap them: a row out of order is sorted again
   exactly), runs of equal values given their average rank, each rank added to its column's sum.

A study without named groups takes the three tests' sums of its event span in one batch
(:func:`span_rank_sums`): each event's estimation residuals sorted once, the other values merged in.

The sums are of integers and half-integers, so they are exact, in any order of addition: the same
numbers as numpy's path, bit for bit (``tests/test_study_compiled.py`` checks both against
``scipy.stats.rankdata``). Without numba (or with ``RERATING_COMPILED=0``), :func:`rank_column_sums`
returns None and the numpy path runs. Numba is loaded only for a large matrix or with
``RERATING_COMPILED=1`` (:data:`LOAD_VALUES`): a one-off command-line study of a few hundred events
would spend more loading it than the kernels save.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from types import ModuleType

import numpy as np

MIN_VALUES = (
    65_536  # smaller matrices stay with numpy, where numba's calls cost more than they save
)
# numba itself is loaded (about 0.3 s and 125 MB, once per process) for ranking a matrix this large
# (a few seconds of work), or with RERATING_COMPILED=1, in a process that runs many studies (a
# notebook, a server, the benchmarks); once loaded, the kernels run from MIN_VALUES. The kernels
# save about a millisecond per 100,000 values: a one-off study of fewer would not repay the load.
LOAD_VALUES = 20_000_000
_BLOCK_VALUES = 1 << 20  # values per call at most: the keys of one block take 8 MB

_KEEP_VALUES = 1 << 19  # scratch kept per thread up to this many values (4 MB per array)
_local = threading.local()
_compile_lock = threading.Lock()
_kernels: ModuleType | None = None
_tried = False


def enabled() -> bool:
    """Whether the compiled kernels can run: numba importable and ``RERATING_COMPILED`` not "0".
    Loads numba (the kernels then run on every matrix from :data:`MIN_VALUES` values)."""
    return _load() is not None


def will_run(size: int) -> bool:
    """Whether the kernels take a matrix of ``size`` values (loading numba if it is that large)."""
    return _kernels_for(size) is not None


def _kernels_for(size: int, load: bool = True) -> ModuleType | None:
    """The kernels for a matrix of ``size`` values, or None: below :data:`MIN_VALUES`, switched off
    (``RERATING_COMPILED=0``), numba absent, or numba not loaded yet and the matrix smaller than
    :data:`LOAD_VALUES` (unless ``RERATING_COMPILED=1``) or ``load`` False (a kernel whose saving
    never repays the load by itself)."""
    if size < MIN_VALUES:
        return None
    mode = os.environ.get("RERATING_COMPILED", "")
    if mode == "0" or (not _tried and mode != "1" and (size < LOAD_VALUES or not load)):
        return None
    return _load()


def _load() -> ModuleType | None:
    global _kernels, _tried
    if os.environ.get("RERATING_COMPILED", "") == "0":
        return None
    if _tried:  # loaded (or found missing) already: no lock to take
        return _kernels
    with _compile_lock:  # the helper thread and the main thread may both ask first
        if not _tried:
            try:
                from rerating.study import _numba_kernels

                _kernels = _numba_kernels
            except ImportError:  # numba is the optional [fast] extra
                _kernels = None
            _tried = True
    return _kernels


def _scratch(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Two flat buffers (values, int64 keys) of at least ``size``: kept by the thread between calls
    up to :data:`_KEEP_VALUES`, since fresh pages cost as much as the ranking of a small study."""
    kept = getattr(_local, "buffers", None)
    if kept is not None and kept[0].size >= size:
        return kept  # type: ignore[no-any-return]
    buffers = (np.empty(size), np.empty(size, dtype=np.int64))
    if size <= _KEEP_VALUES:
        _local.buffers = buffers
    return buffers


def rank_column_sums(
    x: np.ndarray, div: np.ndarray | None = None, extra: np.ndarray | None = None
) -> np.ndarray | None:
    """Each column's sum of the rows' average ranks (ties share the mean of their ranks) of the
    matrix whose rows are ``[x_i / div | extra_i]`` (``div``: one divisor per column of ``x``, none
    by default; ``extra``: more columns, (N, E)), without building that matrix.

    None when a value is not finite (numpy's path handles missing values), when the compiled
    kernels are not available, when the matrix is smaller than :data:`MIN_VALUES` (numpy is faster
    there) or when its rows are too long for the packed keys.
    """
    n, t = x.shape
    width = t + (0 if extra is None else extra.shape[1])
    bits = max(1, (width - 1).bit_length())
    if n == 0 or width == 0 or bits > 20:
        return None
    kernels = _kernels_for(n * width)
    if kernels is None:
        return None
    div = np.ones(t) if div is None else np.ascontiguousarray(div, dtype=np.float64)
    extra = np.empty((n, 0)) if extra is None else extra
    sums = np.zeros(width)
    step = max(1, _BLOCK_VALUES // width)
    vals, keys = _scratch(min(step, n) * width)
    for lo in range(0, n, step):
        rows = min(step, n - lo)
        v = vals[: rows * width].reshape(rows, width)
        k = keys[: rows * width].reshape(rows, width)
        if not kernels.pack_keys(x[lo : lo + rows], div, extra[lo : lo + rows], bits, v, k):
            return None
        # positive finite doubles order like their bit patterns: numpy's float sort (SIMD, and it
        # releases the interpreter lock) orders the keys
        k.view(np.float64).sort(axis=1)
        kernels.add_rank_sums(v, k, bits, sums)
    return sums


def rank_inputs(
    resid: np.ndarray, ar: np.ndarray, var_ar: np.ndarray, sigma2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The rank tests' matrices in one compiled pass: ``resid / sqrt(sigma2)``, ``[resid | ar]`` and
    ``[resid / sqrt(sigma2) | ar / sqrt(var_ar)]``, the same numbers as numpy's (IEEE division and
    square root round correctly in both). None when the kernels are not available or the matrices
    are small."""
    n, l1 = resid.shape
    kernels = _kernels_for(n * (l1 + ar.shape[1]), load=False)
    if n == 0 or kernels is None:
        return None
    sar_est = np.empty((n, l1))
    ar_all = np.empty((n, l1 + ar.shape[1]))
    sar_all = np.empty_like(ar_all)
    kernels.standardise(resid, ar, var_ar, sigma2, sar_est, ar_all, sar_all)
    return sar_est, ar_all, sar_all


_BATCH_VALUES = 1 << 21  # (events x sessions) of one batch of the rank tests at most


def span_rank_sums(
    resid: np.ndarray,
    ar: np.ndarray,
    var_ar: np.ndarray,
    sigma2: np.ndarray,
    cz_div: np.ndarray | None,
    stars: np.ndarray,
    corrado: bool,
    windows: Sequence[tuple[int, int, bool, np.ndarray | None]] = (),
    window_sums: list[np.ndarray] | None = None,
) -> np.ndarray | None:
    """The three rank tests' column sums of ranks for a group's event span, in one batch: one
    compiled pass packs each event's estimation residuals into sort keys, one numpy sort orders
    them, and one compiled pass merges each test's other values into that order and adds the
    ranks (on the helper thread, three hand-offs of the interpreter lock instead of a dozen per
    test, and one sort instead of one per test and window). The rank tests' (events x sessions)
    matrices (:func:`rank_inputs`) are not built: each value is computed where it is ranked, so
    the batch reads the residuals once and writes nothing the size of the panel.

    Rows: Corrado's ``[resid_i | ar_i]`` when ``corrado``; Corrado & Zivney's ``[resid_i / s_i |
    ar_i / sd_i / cz_div]`` unless ``cz_div`` (each span day's cross-sectional sd) is None;
    GRANK's ``[resid_i / s_i | SCAR*_i]`` for each row of ``stars`` (n_windows, N). Returns the
    sums, one row per test in that order (GRANK's ``L1 + 1`` columns first in its rows). None
    when a value is not finite, when the kernels are not available, the matrices are small or
    the batch is too large.

    ``windows``: windows shorter than the span, ``(first, last, corrado, cz_div)`` (span columns,
    inclusive; ``cz_div`` that window's days' sds, None without Corrado & Zivney's), each ranked
    with the same sorted residuals over ``[resid_i | its own columns]`` as the tests rank a
    window alone; their sums (Corrado's row, then Corrado & Zivney's) are appended to
    ``window_sums``, one array per window.
    """
    n, l1 = resid.shape
    t = l1 + ar.shape[1]
    jobs = int(corrado) + int(cz_div is not None) + stars.shape[0]
    bits = max(1, (l1 - 1).bit_length())  # the keys are of the estimation residuals only
    if n == 0 or (jobs == 0 and not windows) or n * t > _BATCH_VALUES or bits > 20:
        return None
    kernels = _kernels_for(n * t)
    if kernels is None:
        return None
    _, keys = _scratch(n * l1)
    k = keys[: n * l1].reshape(n, l1)
    if not kernels.pack_rows(resid, bits, k):
        return None
    k.view(np.float64).sort(axis=1)
    div = np.ones(ar.shape[1]) if cz_div is None else np.ascontiguousarray(cz_div, dtype=float)
    stars = np.ascontiguousarray(stars, dtype=np.float64)
    sums = np.zeros((jobs, t))
    if jobs and not kernels.merge_span_tests(
        resid, sigma2, ar, var_ar, div, stars, corrado, cz_div is not None, k, bits, sums
    ):
        return None
    no_stars = np.empty((0, n))
    for first, last, w_corrado, w_div in windows:
        ar_w = np.ascontiguousarray(ar[:, first : last + 1])
        var_w = np.ascontiguousarray(var_ar[:, first : last + 1])
        div_w = np.ones(ar_w.shape[1]) if w_div is None else np.ascontiguousarray(w_div, dtype=float)
        out = np.zeros((int(w_corrado) + int(w_div is not None), l1 + ar_w.shape[1]))
        if not kernels.merge_span_tests(
            resid, sigma2, ar_w, var_w, div_w, no_stars, w_corrado, w_div is not None, k, bits, out
        ):
            return None
        assert window_sums is not None
        window_sums.append(out)
    return sums


def centre_day_rows(
    resid: np.ndarray,
    rows: np.ndarray,
    day: np.ndarray,
    first: np.ndarray,
    cols: slice,
    fresh: bool,
    grouped: bool,
    sums: np.ndarray,
    wsums: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """r̄'s calendar sums (:func:`rerating.study.engine._calendar_sums`) of a chunk of events whose
    estimation windows all lie on consecutive sessions, in one compiled pass: each event's
    residuals ``resid[rows[r]]`` centred and scaled to unit length (``u_i``), added into row
    ``day[r]`` of ``sums`` (columns ``cols``) and ``s_i u_i`` into ``wsums`` (``s_i``: the
    residuals' standard deviation). ``rows`` sorted by ``day``, ``first`` marking each day's first
    event; ``fresh``: the grids are still 0 there. Each day's events are added one by one, as
    ``_DayRuns`` adds them, or (``grouped``, many events on one day 0) summed as
    ``np.add.reduceat`` sums them, then added.

    Returns each event's ``s_i`` and whether its residuals vary (``rows``' order): the same
    numbers, from the same operations in the same order, as numpy's path. None (nothing written)
    when a residual is not finite, or when the kernels are not loaded or the chunk is small.
    """
    kernels = _kernels_for(rows.size * resid.shape[1], load=False)
    if kernels is None or rows.size == 0:
        return None
    sd = np.empty(rows.size)
    good = np.empty(rows.size, dtype=bool)
    done = kernels.centre_day_rows(
        resid, rows, day, first, cols.start, fresh, grouped, sums, wsums, sd, good
    )
    return (sd, good) if done else None
