"""Compiled kernels (numba, the ``[fast]`` extra) for the rank tests' column sums of ranks.

The rank tests (Corrado 1989, Corrado & Zivney 1992, GRANK of Kolari & Pynnönen 2011) take, from a
matrix without missing values, only each column's sum of the within-row average ranks
(:func:`rerating.study.statistics._ordinal_ranks` with ``column_sums=True``). numpy computes it with
a dozen whole-array calls, each of which takes Python's global interpreter lock back; on the helper
thread that runs the rank tests beside the main thread, those hand-offs, not the arithmetic, cost
most of the time. Here the same sums come from three calls, two of them compiled without the lock:

1. :func:`_pack_keys`: each value minus its row's minimum (a non-negative double, whose bit pattern
   orders like the value), its low bits replaced by the column number;
2. numpy's SIMD sort of those keys along each row (it releases the lock);
3. :func:`_add_rank_sums`: each sorted key's column and value, checked to be in order (truncating
   the low bits can merge two very close values, never swap them: a row out of order is sorted again
   exactly), runs of equal values given their average rank, each rank added to its column's sum.

The sums are of integers and half-integers, so they are exact, in any order of addition: the same
numbers as numpy's path, bit for bit (``tests/test_study_compiled_ranks.py`` checks both against
``scipy.stats.rankdata``). Without numba (or with ``RERATING_COMPILED=0``), :func:`rank_column_sums`
returns None and the numpy path runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

MIN_VALUES = 65_536  # smaller matrices stay with numpy: numba's import costs more than it saves
_BLOCK_VALUES = 1 << 20  # values per call at most: the keys of one block take 8 MB

_KEEP_VALUES = 1 << 18  # scratch kept per thread up to this many values (2 MB per array)
_local = threading.local()
_compile_lock = threading.Lock()
_kernels: tuple[Callable[..., Any], ...] | None = None
_tried = False


def enabled() -> bool:
    """Whether the compiled kernels can run: numba importable and ``RERATING_COMPILED`` not "0"."""
    return _load() is not None


def _load() -> tuple[Callable[..., Any], ...] | None:
    global _kernels, _tried
    if os.environ.get("RERATING_COMPILED", "1") == "0":
        return None
    with _compile_lock:  # the helper thread and the main thread may both ask first
        if not _tried:
            try:
                _kernels = _compile()
            except ImportError:  # numba is the optional [fast] extra
                _kernels = None
            _tried = True
    return _kernels


def _compile() -> tuple[Callable[..., Any], ...]:
    from numba import njit

    @njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
    def _pack_keys(x, div, extra, bits, vals, keys):  # type: ignore[no-untyped-def]
        # vals: the rows [x_i / div | extra_i]; keys: their packed sort keys. False when a value
        # is not finite (the caller then takes numpy's path, which knows missing values)
        n, t = x.shape
        width = t + extra.shape[1]
        low = (np.int64(1) << bits) - 1
        diff = np.empty(width)
        as_int = diff.view(np.int64)
        for i in range(n):
            for j in range(t):
                vals[i, j] = x[i, j] / div[j]
            for j in range(extra.shape[1]):
                vals[i, t + j] = extra[i, j]
            m = vals[i, 0]
            for j in range(width):
                v = vals[i, j]
                if not np.isfinite(v):
                    return False
                if v < m:
                    m = v
            for j in range(width):
                diff[j] = vals[i, j] - m  # >= +0.0: its bits order like the value
            for j in range(width):
                keys[i, j] = (as_int[j] & ~low) | j
        return True

    @njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
    def _add_rank_sums(vals, keys, bits, sums):  # type: ignore[no-untyped-def]
        n, t = vals.shape
        low = (np.int64(1) << bits) - 1
        col = np.empty(t, dtype=np.int64)
        val = np.empty(t)
        for i in range(n):
            in_order, tied = True, False
            for k in range(t):
                c = keys[i, k] & low
                col[k] = c
                val[k] = vals[i, c]
                if k > 0:
                    if val[k] < val[k - 1]:
                        in_order = False
                    elif val[k] == val[k - 1]:
                        tied = True
            if in_order and not tied:  # the usual row: ranks 1 .. t in sorted order
                for k in range(t):
                    sums[col[k]] += k + 1.0
                continue
            if not in_order:  # two values merged by the truncated keys: sort the row exactly
                order = np.argsort(vals[i], kind="mergesort")
                for k in range(t):
                    col[k] = order[k]
                    val[k] = vals[i, order[k]]
            k = 0
            while k < t:
                end = k + 1
                while end < t and val[end] == val[k]:
                    end += 1
                rank = (k + 1 + end) / 2.0  # the mean of ranks k + 1 .. end
                for q in range(k, end):
                    sums[col[q]] += rank
                k = end

    @njit(nogil=True, cache=True, error_model="numpy")  # type: ignore[misc]
    def _standardise(resid, ar, var_ar, sigma2, sar_est, ar_all, sar_all):  # type: ignore[no-untyped-def]
        n, l1 = resid.shape
        for i in range(n):
            sigma = np.sqrt(sigma2[i])
            for j in range(l1):
                ar_all[i, j] = resid[i, j]
                sar_est[i, j] = sar_all[i, j] = resid[i, j] / sigma
            for j in range(ar.shape[1]):
                ar_all[i, l1 + j] = ar[i, j]
                sar_all[i, l1 + j] = ar[i, j] / np.sqrt(var_ar[i, j])

    return _pack_keys, _add_rank_sums, _standardise


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
    if n == 0 or width == 0 or n * width < MIN_VALUES or bits > 20:
        return None
    kernels = _load()
    if kernels is None:
        return None
    pack, add, _ = kernels
    div = np.ones(t) if div is None else np.ascontiguousarray(div, dtype=np.float64)
    extra = np.empty((n, 0)) if extra is None else extra
    sums = np.zeros(width)
    step = max(1, _BLOCK_VALUES // width)
    vals, keys = _scratch(min(step, n) * width)
    for lo in range(0, n, step):
        rows = min(step, n - lo)
        v = vals[: rows * width].reshape(rows, width)
        k = keys[: rows * width].reshape(rows, width)
        if not pack(x[lo : lo + rows], div, extra[lo : lo + rows], bits, v, k):
            return None
        # positive finite doubles order like their bit patterns: numpy's float sort (SIMD, and it
        # releases the interpreter lock) orders the keys
        k.view(np.float64).sort(axis=1)
        add(v, k, bits, sums)
    return sums


def rank_inputs(
    resid: np.ndarray, ar: np.ndarray, var_ar: np.ndarray, sigma2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The rank tests' matrices in one compiled pass: ``resid / sqrt(sigma2)``, ``[resid | ar]`` and
    ``[resid / sqrt(sigma2) | ar / sqrt(var_ar)]``, the same numbers as numpy's (IEEE division and
    square root round correctly in both). None when the kernels are not available or the matrices
    are small."""
    n, l1 = resid.shape
    if n == 0 or n * (l1 + ar.shape[1]) < MIN_VALUES:
        return None
    kernels = _load()
    if kernels is None:
        return None
    sar_est = np.empty((n, l1))
    ar_all = np.empty((n, l1 + ar.shape[1]))
    sar_all = np.empty_like(ar_all)
    kernels[2](resid, ar, var_ar, sigma2, sar_est, ar_all, sar_all)
    return sar_est, ar_all, sar_all
